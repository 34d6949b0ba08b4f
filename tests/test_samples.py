"""The sample set: data consistent with the formulas of docs/domain.md, workbooks written and readable, foreign layouts."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from synth.foreign import KEY_LABELS, STYLES, build_foreign_workbook, key_label_cells
from synth.samples import build_sample, load_sample

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "samples" / "data"
SAMPLE_FILES = sorted(DATA.glob("*.json"))
NATIONAL_FILES = sorted(DATA.glob("national_*.json"))
FORM_SHEET = "项目支出绩效自评表"


def _load(path: Path) -> dict[str, Any]:
    return load_sample(path)


# ---------------------------------------------------------------- a small domain b.2–b.4 scorer
# Just enough of the formulas to check the numbers written into each sample's "expect"; the
# value forms it parses are the ones the samples use.

_OPS = {"≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", "═": "=", "＝": "=", "＞": ">", "＜": "<"}
_QUAL = {
    "A": ("达成年度指标", "达成预期指标", "全部完成", "已完成", "是", "好", "效果明显", "达到"),
    "B": ("部分达成年度指标并具有一定效果", "部分达成预期指标", "基本完成", "基本达到", "较好"),
    "C": ("未达成年度指标且效果较差", "未达成预期指标", "未完成", "否", "差", "无明显效果"),
}
_BANDS = {"A": (0.8, 1.0, True), "B": (0.6, 0.8, False), "C": (0.0, 0.6, False)}
_NUM = r"(-?\d+(?:\.\d+)?)"


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for k, v in _OPS.items():
        s = s.replace(k, v)
    return s


def _num(v: object) -> float | None:
    if isinstance(v, bool):
        return None
    return float(v) if isinstance(v, int | float) else None


def _level(actual: object) -> str | None:
    s = _norm(actual)
    for level, words in _QUAL.items():
        if s in words:
            return level
    return None


def _parse_target(target: object, unit: object, year: int) -> tuple[Any, ...] | None:
    if target is None:
        return None
    s = _norm(target)
    if s in ("", "/", "—", "-"):
        return None
    m = re.fullmatch(r"(\d{1,2})月(?:底|末|(\d{1,2})日)前", s)
    if m:
        month = int(m.group(1))
        day = int(m.group(2) or calendar.monthrange(year, month)[1])
        return ("date", dt.date(year, month, day))
    m = re.fullmatch(_NUM + r"\s*[-~至]\s*" + _NUM + r"\s*(\S*)", s)
    if m:
        return ("range", float(m.group(1)), float(m.group(2)), m.group(3) or (unit or ""))
    m = re.fullmatch(r"(>=|<=|=|>|<)?\s*" + _NUM + r"\s*(\S*)", s)
    if m:
        return ("cmp", m.group(1), float(m.group(2)), m.group(3) or (unit or ""))
    return ("qual",)


def _parse_actual(actual: object) -> tuple[float | dt.date | None, str]:
    if _num(actual) is not None:
        return _num(actual), ""
    if actual is None:
        return None, ""
    s = _norm(actual)
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), ""
    m = re.fullmatch(_NUM + r"\s*(\S*)", s)
    if m:
        return float(m.group(1)), m.group(2)
    return None, ""


def _indicator_score(row: dict[str, Any], year: int) -> float | None:
    """score_calc of one indicator; None when docs/domain.md gives no number (then the reported one counts)."""
    w, reported = _num(row.get("weight")), _num(row.get("score"))
    if w is None:
        return None
    target = _parse_target(row.get("target"), row.get("unit"), year)
    if target is None:
        return None
    if target[0] == "qual":
        level = _level(row.get("actual"))
        if level is None or reported is None:
            return None
        lo, hi, closed = _BANDS[level]
        inside = lo * w - 1e-9 <= reported and (
            reported <= hi * w + 1e-9 if closed else reported < hi * w
        )
        return reported if inside else (lo + hi) / 2 * w
    value, actual_unit = _parse_actual(row.get("actual"))
    if value is None:
        return None
    if target[0] == "date":
        return w if isinstance(value, dt.date) and value <= target[1] else None
    if isinstance(value, dt.date):
        return None
    target_unit = target[-1]
    if actual_unit and target_unit and actual_unit != target_unit:
        return None  # I06: units of another dimension, not scorable
    b = max(value, 0.0)
    if target[0] == "range":
        lo, hi = target[1], target[2]
        if lo <= b <= hi:
            return w
        return w * b / lo if b < lo else w * hi / b
    op, a = target[1], target[2]
    direction = {">=": "pos", ">": "pos", "<=": "neg", "<": "neg", "=": "eq"}.get(op or "")
    if direction is None:
        direction = {"反向": "neg", "等于": "eq"}.get(row.get("direction") or "", "pos")
    if direction == "eq" and (a.is_integer() or target_unit == "%"):
        direction = "pos"  # domain b.3: "=" on a rate of 100 % or a count is scored as pos
    if a == 0:
        return w if b <= 0 else 0.0
    if direction == "pos":
        return w if b >= a else w * b / a
    if direction == "neg":
        return w if b <= a else w * a / b
    return w * max(0.0, 1 - abs(b - a) / abs(a))


def _grade(total: float) -> str:
    t = round(total, 2)
    return "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"


def recompute(sample: dict[str, Any]) -> dict[str, Any]:
    """exec rate (percent), exec score, total T and grade by domain b.1–b.4 and b.7."""
    fields = sample.get("fields", {})
    year = int(fields.get("fiscal_year") or 2024)
    funds = [dict(r or {}) for r in sample.get("tables", {}).get("funds", [])] + [{}] * 4
    top, sources = funds[0], funds[1:4]

    def source_sum(key: str) -> float:
        return sum(_num(r.get(key)) or 0.0 for r in sources)

    a = _num(top["annual_budget"]) if "annual_budget" in top else source_sum("annual_budget")
    b = _num(top["executed"]) if "executed" in top else source_sum("executed")
    if not a:
        # a total row typed as 0 over filled source rows: the sources are the only amounts
        a, b = source_sum("annual_budget"), source_sum("executed")
    rate = (b or 0.0) / a * 100 if a else None
    weight = _num(top.get("weight", 10)) or 0.0
    exec_score = weight * min(rate, 100.0) / 100 if rate is not None else 0.0
    total = exec_score
    scores = []
    for row in sample.get("tables", {}).get("indicators", []):
        if not row:
            continue
        calc = _indicator_score(row, year)
        if calc is None:
            calc = _num(row.get("score")) or 0.0
        scores.append(calc)
        total += calc
    return {
        "exec_rate": None if rate is None else round(rate, 2),
        "exec_score": exec_score,
        "scores": scores,
        "total_score": round(total, 2),
        "grade": _grade(total),
    }


def reported_total(sample: dict[str, Any]) -> float:
    """What the template's 总分 formula shows: the exec score cell plus every 得分 as typed."""
    top = dict((sample.get("tables", {}).get("funds") or [{}])[0] or {})
    if "score" in top:
        exec_score = _num(top["score"]) or 0.0
    else:
        sources = (sample["tables"].get("funds") or [])[1:4]
        a = sum(_num((r or {}).get("annual_budget")) or 0.0 for r in sources)
        b = sum(_num((r or {}).get("executed")) or 0.0 for r in sources)
        a = _num(top["annual_budget"]) if "annual_budget" in top else a
        b = _num(top["executed"]) if "executed" in top else b
        exec_score = (_num(top.get("weight", 10)) or 0.0) * min(1.0, b / a) if a else 0.0
    rows = sample.get("tables", {}).get("indicators", [])
    return exec_score + sum(_num((r or {}).get("score")) or 0.0 for r in rows)


# ---------------------------------------------------------------- the data


@pytest.fixture(scope="module")
def samples() -> dict[str, dict[str, Any]]:
    return {p.name: _load(p) for p in SAMPLE_FILES}


def test_sample_set_covers_the_brief(samples: dict[str, dict[str, Any]]) -> None:
    national = {k: v for k, v in samples.items() if k.startswith("national_")}
    template = [s for s in national.values() if s.get("layout", "template") == "template"]
    foreign = [s for s in national.values() if s.get("layout") == "foreign"]
    assert len(template) >= 9
    assert len(foreign) >= 3
    clean = [s for s in template if not s["expect"]["findings"]]
    assert len(clean) >= 4
    assert {s["expect"]["grade"] for s in clean} >= {"优", "良"}
    fired = {rule for s in national.values() for rule in s["expect"]["findings"]}
    # the rules the brief asks the planted anomalies to cover, by family
    wanted = (
        {f"S{n:02d}" for n in (1, 4, 5, 6, 8, 9, 10)}
        | {f"F{n:02d}" for n in (1, 2, 3, 5, 6, 7, 8, 11)}
        | {f"I{n:02d}" for n in (1, 2, 3, 5, 6, 7, 8, 10, 12, 14, 16, 17)}
        | {f"G{n:02d}" for n in (1, 2, 3, 6)}
    )
    assert wanted <= fired
    depts = {s["fields"].get("dept") for s in template}
    assert len(depts) >= 4
    codes: dict[str, list[dict[str, Any]]] = {}
    for s in template:
        codes.setdefault(s["fields"]["project_code"], []).append(s)
    pairs = [v for v in codes.values() if len(v) > 1]
    assert len(pairs) == 1
    earlier, later = sorted(pairs[0], key=lambda s: s["fields"]["submit_date"])
    assert earlier["expect"].get("superseded") is True
    assert not later["expect"].get("superseded")
    assert "v2" in later["file"]
    assert {s["style"] for s in (x["foreign"] for x in foreign)} >= {"anhui", "yunnan"}


@pytest.mark.parametrize("path", NATIONAL_FILES, ids=lambda p: p.stem)
def test_sample_data_is_well_formed(path: Path) -> None:
    s = _load(path)
    assert s["profile"] == "national2020"
    assert s.get("layout") in ("template", "foreign")
    for key in ("file", "title", "description", "fields", "tables", "expect"):
        assert s.get(key), key
    expect = s["expect"]
    assert expect["findings"] == sorted(set(expect["findings"]))
    assert not set(expect["findings"]) & set(expect.get("absent", []))
    for rule in expect["findings"] + expect.get("absent", []):
        assert re.fullmatch(r"[SFITGNMD]\d\d", rule), rule
    f = s["fields"]
    if s["layout"] == "template":
        assert f["fiscal_year"] == 2024
        assert re.fullmatch(r"2025-0[1-3]-\d\d", f["submit_date"])
        for key in ("project_code", "unit_code", "goal_expected", "goal_actual", "filler"):
            assert f.get(key), key
        assert 6 <= len(s["tables"]["indicators"]) <= 14
    assert s["file"].endswith(".xls" if s.get("foreign", {}).get("style") == "xls" else ".xlsx")


@pytest.mark.parametrize("path", NATIONAL_FILES, ids=lambda p: p.stem)
def test_expected_numbers_follow_rules(path: Path) -> None:
    s = _load(path)
    got = recompute(s)
    expect = s["expect"]
    assert got["exec_rate"] == pytest.approx(expect["exec_rate"], abs=0.005)
    assert got["total_score"] == pytest.approx(expect["total_score"], abs=0.01)
    assert got["grade"] == expect["grade"]


@pytest.mark.parametrize("path", NATIONAL_FILES, ids=lambda p: p.stem)
def test_clean_samples_score_by_the_rules(path: Path) -> None:
    """In a clean sample every reported score is what docs/domain.md gives (qualitative: inside its band)."""
    s = _load(path)
    if s["expect"]["findings"]:
        pytest.skip("sample carries planted anomalies")
    got = recompute(s)
    rows = [r for r in s["tables"]["indicators"] if r]
    for row, calc in zip(rows, got["scores"], strict=True):
        assert row["score"] == pytest.approx(calc, abs=0.01), row["name"]
        if row["score"] < row["weight"] - 0.005:
            assert row.get("deviation"), row["name"]
    assert got["exec_rate"] >= 90
    assert sum(r["weight"] for r in rows) + 10 == pytest.approx(100)
    assert reported_total(s) == pytest.approx(got["total_score"], abs=0.02)


# ---------------------------------------------------------------- workbooks


def _make_samples_main():
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "scripts" / "make_samples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    assert _make_samples_main()(["--out", str(out)]) == 0
    return out


def test_make_samples_writes_every_workbook_and_readme(
    built: Path, samples: dict[str, dict[str, Any]]
) -> None:
    files = {s["file"] for s in samples.values()}
    written = {p.name for p in built.iterdir() if p.suffix in (".xlsx", ".xls")}
    assert written == files
    readme = (built / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme


def test_committed_samples_match_the_data(samples: dict[str, dict[str, Any]]) -> None:
    committed = {p.name for p in (ROOT / "samples").iterdir() if p.suffix in (".xlsx", ".xls")}
    assert committed == {s["file"] for s in samples.values()}


def _calamine_rows(path: Path, sheet: str | None = None) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    ws = wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)
    return ws.to_python(skip_empty_area=False)


def _cell(rows: list[list[Any]], ref: str) -> Any:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(m.group(2)) - 1, col - 1
    if r >= len(rows) or c >= len(rows[r]):
        return ""
    return rows[r][c]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_workbook_opens(built: Path, path: Path) -> None:
    from python_calamine import CalamineWorkbook

    s = _load(path)
    target = built / s["file"]
    wb = CalamineWorkbook.from_path(str(target))
    assert wb.sheet_names
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    if target.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(target, data_only=True)
        assert book.sheetnames == wb.sheet_names
        book.close()


@pytest.mark.parametrize("path", NATIONAL_FILES, ids=lambda p: p.stem)
def test_template_cached_values_follow_rules(built: Path, path: Path) -> None:
    s = _load(path)
    if s["layout"] != "template":
        pytest.skip("foreign layout")
    rows = _calamine_rows(built / s["file"], FORM_SHEET)
    fields, top = s["fields"], dict(s["tables"]["funds"][0] or {})
    total = _cell(rows, "I54")
    if "total_reported" in fields:
        assert total == pytest.approx(fields["total_reported"])
    else:
        assert total == pytest.approx(reported_total(s), abs=1e-6)
    rate = _cell(rows, "H7")
    if "rate" in top:
        assert rate == pytest.approx(top["rate"]) if top["rate"] is not None else rate == ""
    elif not {"annual_budget", "executed"} & top.keys():
        assert rate * 100 == pytest.approx(s["expect"]["exec_rate"], abs=0.005)
    grade = _cell(rows, "H55")
    if "grade_reported" in fields:
        assert grade == fields["grade_reported"]
    else:
        assert grade == _grade(total)


# ---------------------------------------------------------------- foreign layouts


def _foreign_samples() -> list[dict[str, Any]]:
    return [s for s in map(_load, NATIONAL_FILES) if s["layout"] == "foreign"]


def _style_sample(style: str) -> dict[str, Any]:
    """A clean template sample rendered in `style`, so every style is built even without a file."""
    base = _load(DATA / "national_01_jiaoyu_xiaoshe.json")
    return {**base, "layout": "foreign", "foreign": {"style": style}}


def _check_no_perfxl_metadata(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    assert "_meta" not in wb.sheet_names and "_lists" not in wb.sheet_names
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        assert not [n for n in book.defined_names if n.startswith("px_")]
        for ws in book.worksheets:
            assert not [n for n in ws.defined_names if n.startswith("px_")]
        book.close()


def _check_labels(path: Path, sample: dict[str, Any]) -> dict[str, tuple[str, str]]:
    cells = key_label_cells(sample)
    assert set(cells) <= set(KEY_LABELS)
    assert "年度资金总额" in cells and "全年预算数" in cells and "实际完成值" in cells
    assert "年度指标值" in cells or "指标值" in cells
    for label, (sheet, ref) in cells.items():
        value = _cell(_calamine_rows(path, sheet), ref)
        assert str(value).strip().rstrip(":：") == label
    return cells


@pytest.mark.parametrize("style", [s for s in STYLES if s != "xls"])
def test_foreign_style_has_no_metadata_and_its_labels(tmp_path: Path, style: str) -> None:
    sample = _style_sample(style)
    path = build_foreign_workbook(sample, tmp_path / "form.xlsx")
    _check_no_perfxl_metadata(path)
    cells = _check_labels(path, sample)
    if style == "title_rows":
        from python_calamine import CalamineWorkbook

        names = CalamineWorkbook.from_path(str(path)).sheet_names
        assert len(names) == 2 and cells["年度资金总额"][0] == names[1]
        assert int(re.sub(r"\D", "", cells["全年预算数"][1])) > 5
        assert not cells["全年预算数"][1].startswith("A")
    if style == "yunnan":
        assert "指标值" in cells and "年度指标值" not in cells


def test_foreign_styles_differ(tmp_path: Path) -> None:
    layouts = {style: key_label_cells(_style_sample(style)) for style in STYLES if style != "xls"}
    positions = {tuple(sorted(v.items())) for v in layouts.values()}
    assert len(positions) == len(layouts)


def test_yunnan_amounts_in_yuan(tmp_path: Path) -> None:
    sample = next(s for s in _foreign_samples() if s["foreign"]["style"] == "yunnan")
    path = build_foreign_workbook(sample, tmp_path / "yn.xlsx")
    rows = _calamine_rows(path)
    flat = [v for row in rows for v in row]
    assert "项目资金（元）" in flat
    assert 387664.62 in flat
    assert "≧" in flat and "═" in flat
    assert "公开14表" in flat


def test_anhui_form_keeps_its_quirks(tmp_path: Path) -> None:
    sample = next(s for s in _foreign_samples() if s["foreign"]["style"] == "anhui")
    path = build_foreign_workbook(sample, tmp_path / "ah.xlsx")
    flat = [v for row in _calamine_rows(path) for v in row]
    assert "（2022年度）" in flat and "(50分)" in flat and "(30分)" in flat
    assert "满意度指标(10分)" in flat
    assert "……" in flat and "指标2:" in flat
    assert any(isinstance(v, str) and v.startswith("指标1:") for v in flat)
    assert "其中:本年财政拨款" in flat


def test_foreign_sample_workbooks(built: Path) -> None:
    for sample in _foreign_samples():
        path = built / sample["file"]
        _check_no_perfxl_metadata(path)
        _check_labels(path, sample)


def test_spread_rows_hides_rows(tmp_path: Path) -> None:
    import openpyxl

    path = build_foreign_workbook(_style_sample("spread_rows"), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(path).active
    hidden = [r for r, dim in ws.row_dimensions.items() if dim.hidden]
    assert hidden
    assert any(str(rng).count(":") for rng in ws.merged_cells.ranges)


def test_xls_style(tmp_path: Path) -> None:
    pytest.importorskip("xlwt")
    sample = _style_sample("xls")
    path = build_foreign_workbook(sample, tmp_path / "form.xls")
    assert path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    _check_no_perfxl_metadata(path)
    _check_labels(path, sample)


def test_unknown_style_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown foreign style"):
        build_foreign_workbook(_style_sample("nope"), tmp_path / "x.xlsx")


def test_build_sample_dispatches_on_layout(tmp_path: Path) -> None:
    sample = _style_sample("columns_moved")
    path = build_sample(sample, tmp_path / "x.xlsx")
    assert "项目资金（万元）" in [v for row in _calamine_rows(path) for v in row]
    assert json.dumps(sample, ensure_ascii=False)  # the sample stays plain data
