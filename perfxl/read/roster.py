"""Reading the roster of expected projects (--roster): xlsx or csv into a table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from perfxl.read import grammar as parse

# Roster column -> header labels accepted for it.
ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "project_code": ("项目编码", "项目代码", "项目编号"),
    "project": ("项目名称", "项目"),
    "unit": ("单位", "实施单位", "项目单位", "单位名称"),
    "department": ("主管部门", "部门"),
    "approved_wan": ("批复预算", "批复预算（万元）", "批复金额", "预算金额", "全年预算数"),
}


class RosterError(ValueError):
    pass


def _rows_from_file(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    if path.suffix.lower() in (".csv", ".txt"):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterError(
                f"名单文件 {path.name} 的编码无法识别（请保存为 UTF-8 或 GBK 的 CSV）"
            )
        return [list(r) for r in csv.reader(io.StringIO(text))]
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        return wb.get_sheet_by_index(0).to_python()
    except Exception as exc:
        raise RosterError(f"名单文件 {path.name} 无法读取：{exc}") from exc


def load_roster(path: str | Path) -> pd.DataFrame:
    """Columns: project_code, project, unit, department, approved_wan, roster_row."""
    path = Path(path)
    if not path.exists():
        raise RosterError(f"名单文件不存在：{path}")
    rows = _rows_from_file(path)
    wanted = {k: {parse.clean_label(x) for x in v} for k, v in ROSTER_COLUMNS.items()}
    header_at, cols = None, {}
    for i, row in enumerate(rows[:20]):
        found = {}
        for j, v in enumerate(row):
            lab = parse.clean_label(v)
            unit_free = lab.split("(")[0]
            for key, labels in wanted.items():
                if key not in found and (lab in labels or unit_free in labels):
                    found[key] = j
        if "project" in found and len(found) >= 2:
            header_at, cols = i, found
            break
    if header_at is None:
        raise RosterError(
            f"名单文件 {path.name} 中找不到表头（至少需要“项目名称”及“项目编码”或“单位”列）"
        )
    header_text = " ".join(str(v) for v in rows[header_at])
    money_unit = parse.money_unit_from_label(header_text) or "万元"
    out = []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):

        def get(key: str, row: list[object] = row) -> object:
            j = cols.get(key)
            return row[j] if j is not None and j < len(row) else None

        name = get("project")
        if name in (None, ""):
            continue
        approved = get("approved_wan")
        money = parse.parse_money(approved, money_unit) if approved not in (None, "") else None
        code = get("project_code")
        out.append(
            {
                "project_code": parse.normalize(code) or None if code not in (None, "") else None,
                "project": parse.normalize(name),
                "unit": parse.normalize(get("unit")) or None,
                "department": parse.normalize(get("department")) or None,
                "approved_wan": money.value_wan if money else None,
                "roster_row": i,
            }
        )
    return pd.DataFrame(
        out, columns=["project_code", "project", "unit", "department", "approved_wan", "roster_row"]
    )
