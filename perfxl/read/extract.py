"""Map located cells of one workbook onto the canonical records of domain a.4."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from perfxl.model.submission import Extract
from perfxl.read import grammar as parse
from perfxl.read.grammar import keys_of, label_key
from perfxl.read.grid import Book, Grid
from perfxl.read.locate import Spot, TableSpot, field_spot, find_label, find_table, name_target
from perfxl.read.values import as_number, as_rate, as_text, as_year, cell, is_na, raw_text
from perfxl.spec import Field, Profile, Sheet, Table, defined_name, table_name
from perfxl.spec.lists import LEVEL2_PARENT

_LEVEL1_WEIGHT = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")
_NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：.、]?\s*")
# a line under the table that explains it ("填表说明：1. …", "注：…") ends the table
_NOTE_LINE = re.compile(
    r"^\s*(?:填表说明|填报说明|说明|注|备注|附注)\s*[0-9一二三四五六七八九十]*\s*[:：]"
)
# 「其中：…」 rows break the indicator above down; they are not indicators of their own
_BREAKDOWN = re.compile(r"^\s*其中\s*[:：]?")
_PLACEHOLDER = re.compile(r"^(?:指标\s*\d*\s*[:：]?|[…．.。·]+|/|／|-|—+|无)$")
_TITLE_YEAR = re.compile(r"[(（]?\s*(20\d{2})\s*年度?\s*[)）]?")
_LEVEL1_KNOWN = ("产出指标", "效益指标", "满意度指标", "成本指标", "成效指标", "效率指标")


# ------------------------------------------------------------------ locating by spec


def _all_labels(profile: Profile) -> frozenset[str]:
    out: set[str] = set()
    for _, f in profile.fields():
        out |= keys_of(f.labels)
    return frozenset(out)


def sheet_grids(book: Book, sheet: Sheet, form: Grid | None) -> list[Grid]:
    """Grids to search for a spec sheet: same name or alias first, then the form sheet, then all."""
    names = keys_of((sheet.name, *sheet.aliases))
    first = [g for g in book.grids if label_key(g.name) in names]
    rest = [g for g in book.grids if g not in first]
    if form is not None and form in rest:
        rest.remove(form)
        rest.insert(0, form)
    return first + rest


def locate_field(
    book: Book, sheet: Sheet, f: Field, use_names: bool, form: Grid | None, stops: frozenset[str]
) -> Spot | None:
    if use_names:
        t = name_target(book, defined_name(f.key))
        if t is not None:
            grid, r, c, _, _ = t
            return Spot(grid, r, c)
    lr, lc = _rc(f.label_cell)
    vr, vc = _rc(f.cell)
    below = vc == lc and vr > lr
    for grid in sheet_grids(book, sheet, form):
        s = field_spot(grid, f, stops, below=below)
        if s is not None:
            return s
    return None


def locate_table(
    book: Book,
    sheet: Sheet,
    table: Table,
    use_names: bool,
    form: Grid | None,
    min_hits: int,
    required: tuple[str | tuple[str, ...], ...] = (),
    end_labels: tuple[str, ...] = (),
) -> TableSpot | None:
    ends = keys_of(end_labels or table.end_labels)
    if use_names:
        t = name_target(book, table_name(table.key))
        if t is not None:
            grid, r1, _, r2, _ = t
            # the named range starts at the header; rows inserted inside it stretch the name
            found = find_table(grid, table, 2, rows=range(r1, r2 + 1), end_keys=ends, header_at=r1)
            if found is not None:
                return found
    for grid in sheet_grids(book, sheet, form):
        found = find_table(grid, table, min_hits, end_keys=ends, required=required, by_meaning=True)
        if found is not None:
            return found
    return None


def _rc(ref: str) -> tuple[int, int]:
    from perfxl.spec import parse_a1

    return parse_a1(ref)


def read_fields(
    ex: Extract, book: Book, profile: Profile, sheet: Sheet, use_names: bool, form: Grid | None
) -> None:
    stops = _all_labels(profile)
    for f in sheet.fields:
        if f.key.endswith("_link"):
            continue
        spot = locate_field(book, sheet, f, use_names, form, stops)
        v, sh, ref = cell(spot)
        if sh is not None and ref is not None:
            ex.refs[f.key] = (sh, ref)
        ex.project[f.key + "_raw"] = raw_text(v)
        ex.project[f.key] = _typed(f.kind, v)
        if f.kind in ("score", "number", "money") and isinstance(v, str):
            ex.project[f.key + "_note"] = parse.parse_number(v).note


def _typed(kind: str, v: Any) -> Any:
    if kind == "year":
        return as_year(v)
    if kind == "date":
        return parse.parse_date(v)
    if kind in ("score", "number"):
        return as_number(v)[0]
    if kind == "money":
        return parse.parse_money(v).value_wan if v is not None else None
    if kind == "percent":
        return as_rate(v)[0]
    if kind == "phone":
        return raw_text(v)
    return as_text(v)


# ------------------------------------------------------------------ indicators


def _level1(raw: Any, level2: str | None) -> tuple[str | None, float | None]:
    """ "产出指标(50分)" -> ("产出指标", 50); "(50分)" -> parent of the 二级, 50."""
    text = parse.clean_label(raw) if raw is not None else ""
    weight = None
    m = _LEVEL1_WEIGHT.search(text)
    if m:
        weight = float(m.group(1))
        text = _LEVEL1_WEIGHT.sub("", text)
    text = text.strip(":：")
    for known in _LEVEL1_KNOWN:
        if known in text or (text and known.startswith(text) and len(text) >= 2):
            return known, weight
    if not text and level2:
        return LEVEL2_PARENT.get(level2), weight
    return (text or None), weight


def _level2(raw: Any) -> str | None:
    text = parse.clean_label(raw) if raw is not None else ""
    if not text:
        return None
    text = _LEVEL1_WEIGHT.sub("", text)
    if text in LEVEL2_PARENT:
        return text
    for known in sorted(LEVEL2_PARENT, key=len, reverse=True):
        if known in text or known.removesuffix("指标") == text.removesuffix("等").removesuffix(
            "指标"
        ):
            return known
    return text


def _target_fields(prefix: str, t: parse.Target) -> dict[str, Any]:
    return {
        f"{prefix}_kind": t.kind,
        f"{prefix}_cmp": t.comparator,
        f"{prefix}_lo": t.lo,
        f"{prefix}_lo_incl": t.lo_incl,
        f"{prefix}_hi": t.hi,
        f"{prefix}_hi_incl": t.hi_incl,
        f"{prefix}_value": t.value,
        f"{prefix}_unit": t.unit,
        f"{prefix}_percent": t.percent,
        f"{prefix}_qual": t.qual_level,
        f"{prefix}_deadline": t.deadline,
    }


def _actual_fields(
    v: Any, rate_like: bool, target: parse.Target, fiscal_year: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "a_kind": "empty",
        "a_value": None,
        "a_unit": None,
        "a_percent": False,
        "a_qual": None,
        "a_date": None,
        "a_note": None,
    }
    if v is None or v == "":
        return out
    if is_na(v):
        out["a_kind"] = "na"
        return out
    paired = target.value if target.value is not None else target.lo
    if isinstance(v, str):
        level = parse.parse_qual_level(v)
        num = parse.parse_number(v)
        if num.value is None and level is not None:
            out.update(a_kind="qual", a_qual=level)
            return out
        if num.value is None and target.kind == "date":
            d = parse.parse_date(v) or parse.parse_deadline(v, fiscal_year)
            if d is not None:
                out.update(a_kind="date", a_date=d)
                return out
        if num.value is None:
            d = parse.parse_date(v)
            if d is not None and target.kind == "date":
                out.update(a_kind="date", a_date=d)
                return out
            out["a_kind"] = "text"
            return out
    if hasattr(v, "year") and not isinstance(v, int | float):
        out.update(a_kind="date", a_date=parse.parse_date(v))
        return out
    if target.percent or rate_like:
        n = parse.parse_percent(v, rate_like=rate_like, paired=paired if target.percent else None)
    else:
        n = parse.parse_number(v)
    if n.value is None:
        out["a_kind"] = "text"
        return out
    out.update(a_kind="number", a_value=n.value, a_unit=n.unit, a_percent=n.percent, a_note=n.note)
    return out


def read_indicators(
    ts: TableSpot, fiscal_year: int | None, level1_key: str = "level1"
) -> list[dict[str, Any]]:
    """Indicator rows of a located table: merged categories filled, placeholders skipped,
    continuation rows (a name cell merged down from the row above) folded into their indicator."""
    g = ts.grid
    out: list[dict[str, Any]] = []
    last_l1_raw: Any = None
    last_l2: str | None = None
    value_keys = [
        k
        for k in ts.cols
        if k not in ("level1", "level2", "target_type", "name", "direction", "unit")
    ]
    name_col = ts.cols.get("name")
    for r in range(ts.data_start, ts.data_end):
        row = g.rows[r] if r < g.nrows else []
        if not any(v != "" for v in row):
            continue  # the template's spare rows cost nothing
        if _is_note_line(row):
            break
        vals = {k: g.value(r, c) for k, c in ts.cols.items()}
        if out and name_col is not None and g.is_merged_continuation(r, name_col):
            if g.origin[(r, name_col)][0] <= out[-1]["row"] - 1:
                extra = as_text(vals.get("deviation") or vals.get("explanation"))
                prev_dev = out[-1].get("deviation") or ""
                if extra and extra not in prev_dev:
                    out[-1]["deviation"] = prev_dev + extra
                continue
        name = parse.normalize(vals.get("name")) if vals.get("name") is not None else ""
        name = _NAME_PREFIX.sub("", name).strip()
        has_values = any(
            vals.get(k) not in (None, "") and not is_na(vals.get(k)) for k in value_keys
        )
        if (not name or _PLACEHOLDER.match(name)) and not has_values:
            continue
        if out and _BREAKDOWN.match(name) and _unscored(vals):
            out[-1].setdefault("breakdown", []).append(
                {
                    "name": _BREAKDOWN.sub("", name),
                    "row": r + 1,
                    "actual": raw_text(vals.get("actual")),
                }
            )
            continue
        l2_raw = vals.get("level2")
        l2 = _level2(l2_raw) if l2_raw not in (None, "") else last_l2
        l1_raw = vals.get(level1_key)
        if l1_raw in (None, ""):
            l1_raw = last_l1_raw
        l1, block_weight = _level1(l1_raw, l2)
        last_l1_raw, last_l2 = l1_raw, l2
        rec: dict[str, Any] = {
            "seq": len(out) + 1,
            "row": r + 1,
            "sheet": g.name,
            "level1": l1,
            "level1_raw": raw_text(l1_raw),
            "level1_weight": block_weight,
            "level2": l2,
            "level2_raw": raw_text(l2_raw),
            "name": name or None,
            "name_raw": raw_text(vals.get("name")),
        }
        _fill_indicator(rec, ts, r, vals, fiscal_year)
        out.append(rec)
    return out


def _is_note_line(row: list[Any]) -> bool:
    first = next((v for v in row if v not in (None, "")), None)
    return isinstance(first, str) and _NOTE_LINE.match(first) is not None


def _unscored(vals: dict[str, Any]) -> bool:
    """No 分值 and no 得分: a sub-row by design, not an indicator left blank."""
    return all(vals.get(k) in (None, "") or is_na(vals.get(k)) for k in ("weight", "score"))


def _fill_indicator(
    rec: dict[str, Any], ts: TableSpot, r: int, vals: dict[str, Any], fiscal_year: int | None
) -> None:
    """Parse target, actual, weight, score and deviation of one indicator row into `rec`."""
    direction_raw = as_text(vals.get("direction"))
    unit = as_text(vals.get("unit"))
    target_raw = vals.get("target")
    target = parse.parse_target(target_raw, fiscal_year=fiscal_year)
    sym = parse.direction_from_label(direction_raw) if direction_raw else None
    # Yunnan-style forms keep the comparator in its own column (指标性质 ≧ / ═ / ≦)
    if sym is not None and target.comparator is None and target.kind == "point" and direction_raw:
        combined = parse.parse_target(f"{direction_raw}{raw_text(target_raw)}")
        if combined.kind == "cmp":
            target = combined
    if unit and not target.percent and unit in ("%", "％", "百分比"):
        target = _with_percent(target)
    rate_like = parse.is_rate_like(rec.get("name") or "") or (unit or "") in ("%", "％")
    direction, how = parse.infer_direction(target, rec.get("name") or "")
    # the unit's own 指标方向 choice decides unless the target text carries a comparator
    if sym is not None and how != "comparator":
        direction, how = sym, "label"
    if target.kind == "qual" or (sym == "qual" and target.kind in ("text", "empty")):
        direction, how = "qual", how if target.kind == "qual" else "label"
    rec.update(
        direction=direction,
        direction_how=how,
        direction_conflict=bool(sym and how == "comparator" and sym not in (direction, "eq")),
        direction_label=direction_raw,
        direction_given=sym,
        unit=unit,
        target_raw=raw_text(target_raw),
        **_target_fields("t", target),
    )
    actual_raw = vals.get("actual")
    rec["actual_raw"] = raw_text(actual_raw)
    rec.update(_actual_fields(actual_raw, rate_like, target, fiscal_year))
    w_raw, s_raw = vals.get("weight"), vals.get("score")
    rec["weight_raw"], rec["score_raw"] = raw_text(w_raw), raw_text(s_raw)
    rec["weight_na"] = is_na(w_raw)
    rec["score_na"] = is_na(s_raw)
    rec["weight"], rec["weight_note"] = (None, None) if rec["weight_na"] else as_number(w_raw)
    rec["score_reported"], rec["score_note"] = (None, None) if rec["score_na"] else as_number(s_raw)
    dev = as_text(vals.get("deviation") if "deviation" in vals else vals.get("explanation"))
    rec["deviation"] = dev
    for key in (
        "level1",
        "level2",
        "name",
        "target",
        "actual",
        "weight",
        "score",
        "deviation",
        "explanation",
        "unit",
        "direction",
    ):
        sp = ts.spot(r, key)
        if sp is not None:
            rec[("deviation" if key == "explanation" else key) + "_cell"] = sp.ref


def _with_percent(t: parse.Target) -> parse.Target:
    from dataclasses import replace

    return replace(t, percent=True, unit="%")


# ------------------------------------------------------------------ narrative-based helpers


def infer_year(texts: list[str]) -> int | None:
    """The fiscal year a narrative talks about: the most frequent 20xx年 before the report date."""
    years = Counter(int(y) for t in texts for y in re.findall(r"(20\d{2})\s*年", t or ""))
    if not years:
        return None
    return years.most_common(1)[0][0]


def title_year(book: Book) -> tuple[int | None, tuple[str, str] | None]:
    for g in book.grids:
        for (r, c), lab in g.labels().items():
            if r > 8:
                continue
            m = _TITLE_YEAR.search(lab)
            if m and "年度" in lab:
                return int(m.group(1)), (g.name, g.ref(r, c))
    return None, None


def money_unit_near(grid: Grid, ts: TableSpot | None) -> str | None:
    """The money unit a form declares: in its funds header, side label, or a 单位：元 line on top."""
    texts: list[str] = []
    if ts is not None:
        texts += list(ts.header_texts.values())
        for c in range(0, min(3, grid.ncols)):
            for r in range(ts.header_top, ts.data_end):
                v = grid.value(r, c)
                if isinstance(v, str):
                    texts.append(v)
    for (r, _c), lab in grid.labels().items():
        if r < 8 and "单位" in lab:
            texts.append(lab)
    for t in texts:
        u = parse.money_unit_from_label(t)
        if u:
            return u
    return None


__all__ = [
    "Extract",
    "find_label",
    "infer_year",
    "locate_field",
    "locate_table",
    "money_unit_near",
    "read_fields",
    "read_indicators",
    "sheet_grids",
    "title_year",
]


def record_headers(ex: Extract, table: str, ts: TableSpot) -> None:
    """Note which printed header each column was read from, so a wrong mapping can be seen."""
    for key, c in sorted(ts.cols.items(), key=lambda kv: kv[1]):
        ex.headers.append(
            {
                "table": table,
                "column": key,
                "header": ts.header_texts.get(key) or None,
                "sheet": ts.grid.name,
                "cell": ts.header_refs.get(key) or ts.grid.ref(ts.header_top, c),
                "how": "meaning" if key in ts.by_meaning else "label",
            }
        )


def stand_in(ex: Extract, ts: TableSpot, missing: str, present: str) -> None:
    """A column the form does not have, read from one that serves for it (全年预算数 from
    年初预算数 when the form computes its 执行率 as B/A of those)."""
    ts.cols[missing] = ts.cols[present]
    ts.header_texts[missing] = ts.header_texts.get(present, "")
    ex.headers.append(
        {
            "table": "funds",
            "column": missing,
            "header": ts.header_texts.get(present) or None,
            "sheet": ts.grid.name,
            "cell": ts.header_refs.get(present) or ts.grid.ref(ts.header_top, ts.cols[present]),
            "how": "stand_in",
        }
    )
