"""perfxl on workbooks laid out the way units publish them (synth/published, fixtures in
tests/fixtures/published): the three real forms transcribed cell by cell and forms of our own.

Each fixture states, from what is printed, the figures a careful reader gets (`expected`). The
reader tests compare perfxl with them; the fixtures perfxl does not read right yet are listed in
KNOWN_GAPS with the reason, and xfail (strictly: a listed fixture that reads right fails, so the
list only shrinks). `python -m tests.test_published_forms` prints where the reader stands.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from perfxl.report.machine import report_dict
from perfxl.run.check import check_files
from synth.published import KNOBS, build_published, knobs_present, load_form, resolve
from synth.published.layout import pairs

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "published"
FIXTURES: dict[str, Path] = {p.stem: p for p in sorted(FIXTURE_DIR.glob("*.json"))}
TOLERANCE = 0.01

# Fixtures perfxl does not read right today, with what goes wrong (see the printed table).
KNOWN_GAPS: dict[str, str] = {}

# Header and label words units print that the fixtures must carry (the reader has to map them).
REQUIRED_WORDS = {
    "funds_header": (
        "年初预算数（A）",
        "全年执行数（B）",
        "执行率（B/A）",
        "预算数",
        "执行数",
        "得分（20分*执行率）",
        "调整预算数（A）",
        "调整后预算数",
        "执行率（C=B/A）",
    ),
    "indicator_header": (
        "全年完成值",
        "实际完成值（截至12月31日）",
        "完成情况",
        "指标性质",
        "度量单位",
    ),
    "field_labels": ("专项资金名称", "资金名称", "项目（资金）名称", "实施单位", "项目实施单位"),
}
EXPECTED_KEYS = {
    "project_name",
    "budget",
    "budget_basis",
    "executed",
    "exec_rate",
    "total_reported",
    "indicator_count",
    "level1_of",
    "scored",
    "missing_blocks",
    "anomalies",
}
MISSING_BLOCKS = {"goal", "indicators", "satisfaction", "total", "grade"}


def form_of(fid: str) -> dict[str, Any]:
    return load_form(FIXTURES[fid])


# ------------------------------------------------------------------ reading with perfxl

_NAME_PREFIX = re.compile(r"^指标\s*\d+\s*[:：.、]\s*")
_WEIGHT = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]")


def norm_name(s: object) -> str:
    return _NAME_PREFIX.sub("", re.sub(r"\s+", "", str(s or "")))


def norm_level(s: object) -> str:
    return _WEIGHT.sub("", re.sub(r"\s+", "", str(s or "")))


def _number(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def read_published(path: Path) -> dict[str, Any]:
    """What perfxl gets from one workbook: blocking findings, the figures, the indicators."""
    report = check_files([path])
    sub = report.submissions[0]
    blocking = [
        f"{f.rule} {f.message}"
        for f in sub.findings
        if f.rule == "S11" or (f.rule.startswith("R0") and f.severity == "error")
    ]
    row = report_dict(report)["submissions"][0]
    frames = report.frames
    ind = frames.indicators[frames.indicators["sub"] == sub.sub]
    items = frames.score_items[frames.score_items["sub"] == sub.sub]
    level1: dict[str, str] = {}
    for rec in ind.to_dict("records"):
        for key in ("name_raw", "name"):
            level1.setdefault(norm_name(rec.get(key)), norm_level(rec.get("level1")))
    for rec in items.to_dict("records"):
        level1.setdefault(norm_name(rec.get("level3")), norm_level(rec.get("level1")))
    return {
        "blocking": blocking,
        "profile": sub.profile,
        "project_name": row.get("project"),
        "budget": _number(row.get("budget_wan")),
        "executed": _number(row.get("executed_wan")),
        "exec_rate": _number(row.get("exec_rate")),
        "total_reported": _number(row.get("total_score_reported")),
        "indicator_count": len(ind),
        "score_item_count": len(items),
        "level1": level1,
    }


@cache
def reading(fid: str) -> dict[str, Any]:
    """Build the fixture's workbook once per process and read it."""
    out = Path(tempfile.mkdtemp(prefix="perfxl-published-"))
    path = build_published(form_of(fid), out / f"{fid}.xlsx")
    return read_published(path)


FIGURES = ("project_name", "budget", "executed", "exec_rate", "total_reported")


def figure_ok(key: str, want: Any, got: Any) -> bool:
    if key == "project_name":
        return want == got
    if want is None:
        return got is None
    return got is not None and abs(float(want) - float(got)) <= TOLERANCE


def compare(form: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    """Every way perfxl's reading differs from the fixture's `expected` (empty: reads right)."""
    exp = form["expected"]
    problems = [f"not read: {b}" for b in got["blocking"]]
    for key in FIGURES:
        if not figure_ok(key, exp[key], got[key]):
            problems.append(f"{key}: expected {exp[key]!r}, got {got[key]!r}")
    if got["indicator_count"] != exp["indicator_count"]:
        problems.append(
            f"indicator_count: expected {exp['indicator_count']}, got {got['indicator_count']}"
        )
    if "score_item_count" in exp and got["score_item_count"] != exp["score_item_count"]:
        problems.append(
            f"score_item_count: expected {exp['score_item_count']}, got {got['score_item_count']}"
        )
    for name, level in exp["level1_of"].items():
        seen = got["level1"].get(norm_name(name))
        if seen != norm_level(level):
            problems.append(f"level1_of[{name}]: expected {level}, got {seen}")
    return problems


# ------------------------------------------------------------------ the reader on each form


@pytest.mark.parametrize("fid", list(FIXTURES), ids=list(FIXTURES))
def test_reader_on_published_form(fid: str) -> None:
    """(a) read without a blocking R0x/S11 finding; (b) project, budget, executed, execution
    rate and reported total as printed; (c) the indicator count and the 一级 of named rows."""
    problems = compare(form_of(fid), reading(fid))
    gap = KNOWN_GAPS.get(fid)
    if gap is None:
        assert not problems, "\n".join(problems)
    elif problems:
        pytest.xfail(f"{gap} | now: {'; '.join(problems)}")
    else:
        pytest.fail(f"{fid} now reads right: remove it from KNOWN_GAPS")


def test_known_gaps_name_fixtures() -> None:
    assert set(KNOWN_GAPS) <= set(FIXTURES)


# ------------------------------------------------------------------ the fixtures themselves


def test_enough_fixtures_real_and_own() -> None:
    assert {
        "real_03_anhui_tianchang",
        "real_07_yunnan_yongde",
        "real_14_hainan_shangwuting",
    } <= set(FIXTURES)
    own = [f for f in FIXTURES if f.startswith("own_")]
    assert len(own) >= 20
    planted = [f for f in own if form_of(f)["expected"]["anomalies"]]
    assert len(own) // 3 <= len(planted) <= len(own) - 3  # about half, and a few clean


@pytest.mark.parametrize("fid", list(FIXTURES), ids=list(FIXTURES))
def test_fixture_is_consistent(fid: str) -> None:
    form = form_of(fid)
    assert form["id"] == fid
    lay = resolve(form)  # rejects unknown layout keys
    exp = form["expected"]
    assert set(exp) >= EXPECTED_KEYS
    assert set(exp["missing_blocks"]) <= MISSING_BLOCKS
    assert exp["scored"] == bool({"分值", "得分"} & {k for _, k in pairs(lay["indicator_header"])})
    assert round(exp["executed"] / exp["budget"] * 100, 2) == pytest.approx(exp["exec_rate"])
    names = {r.get("三级指标") for r in form["indicators"]}
    names |= {r.get("三级") for r in form.get("scoring_table") or []}
    assert set(exp["level1_of"]) <= names
    for a in exp["anomalies"]:
        assert a.get("rule") and a.get("where")
    assert set(lay["knobs"]) == knobs_present(form), "layout.knobs must list the knobs it shows"


def test_every_knob_in_some_fixture() -> None:
    used = set().union(*(set(form_of(f)["layout"]["knobs"]) for f in FIXTURES))
    assert set(KNOBS) - used == set()
    assert used <= set(KNOBS)


def test_required_header_words_in_some_fixture() -> None:
    printed: dict[str, set[str]] = {k: set() for k in REQUIRED_WORDS}
    for fid in FIXTURES:
        lay = resolve(form_of(fid))
        printed["funds_header"] |= {p for p, _ in pairs(lay["funds_header"])}
        printed["indicator_header"] |= {p for p, _ in pairs(lay["indicator_header"])}
        printed["field_labels"] |= set(lay["field_labels"].values())
    for where, words in REQUIRED_WORDS.items():
        assert set(words) <= printed[where], (where, set(words) - printed[where])
    heads = {tuple(p for p, _ in pairs(resolve(form_of(f))["funds_header"])) for f in FIXTURES}
    # 年初预算数（A）| 全年执行数（B）| … with no 全年预算数 column at all
    assert any("年初预算数（A）" in h and not any("全年预算" in x for x in h) for h in heads)


def _cells(ws: Any) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("fid", list(FIXTURES), ids=list(FIXTURES))
def test_workbook_is_printed_as_described(fid: str, tmp_path: Path) -> None:
    """The written workbook carries what the description says, as it says it."""
    form = form_of(fid)
    lay = resolve(form)
    path = build_published(form, tmp_path / f"{fid}.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[lay["sheet_name"]]
    text = _cells(ws)
    assert form["project_name"] in text
    for printed, _ in pairs(lay["funds_header"]) if form["funds"] else ():
        assert printed in text
    for printed, _ in pairs(lay["indicator_header"]) if form["indicators"] else ():
        assert printed in text
    labels = {"总分"} if lay["total_row"] is False else set()
    assert not labels & set(text)
    if lay["total_row"] is not False:
        assert lay["total_row"].get("label", "总分") in text
    if form["indicators"]:
        names = {str(r["三级指标"]) for r in form["indicators"] if r.get("三级指标")}
        assert names <= set(text)
    if lay["cover"]:
        assert lay["cover"].get("sheet_name", "封面") in wb.sheetnames
    blank = lay["blank_row_inside_level1"]
    if isinstance(blank, dict):
        # the row after the named indicator is empty, and a merged 一级 cell runs over it
        at = next(c.row for row in ws.iter_rows() for c in row if c.value == blank["after"])
        empty = at + 1
        assert all(ws.cell(empty, k).value is None for k in range(1, ws.max_column + 1))
        assert any(m.min_row < empty < m.max_row for m in ws.merged_cells.ranges)
    wb.close()


# ------------------------------------------------------------------ progress table


def _cell(key: str, want: Any, got: Any) -> str:
    if figure_ok(key, want, got):
        return "ok"
    return f"{want}≠{got}"


def progress_table() -> str:
    cols = ("fixture", "read", "name", "budget", "executed", "rate", "total", "count", "level1")
    rows = [cols]
    reasons = []
    for fid in FIXTURES:
        form = form_of(fid)
        exp = form["expected"]
        got = reading(fid)
        l1_bad = [
            f"{n}:{got['level1'].get(norm_name(n))}"
            for n, lv in exp["level1_of"].items()
            if got["level1"].get(norm_name(n)) != norm_level(lv)
        ]
        count_ok = got["indicator_count"] == exp["indicator_count"] and (
            "score_item_count" not in exp or got["score_item_count"] == exp["score_item_count"]
        )
        rows.append(
            (
                fid,
                "no" if got["blocking"] else "yes",
                "ok"
                if figure_ok("project_name", exp["project_name"], got["project_name"])
                else "✗",
                *(
                    _cell(k, exp[k], got[k])
                    for k in ("budget", "executed", "exec_rate", "total_reported")
                ),
                "ok" if count_ok else f"{exp['indicator_count']}≠{got['indicator_count']}",
                "ok" if not l1_bad else f"{len(l1_bad)}/{len(exp['level1_of'])} wrong",
            )
        )
        problems = compare(form, got)
        if problems:
            gap = "known gap" if fid in KNOWN_GAPS else "NOT IN KNOWN_GAPS"
            reasons.append(f"{fid} ({gap}):\n    " + "\n    ".join(problems))
        elif fid in KNOWN_GAPS:
            reasons.append(f"{fid}: reads right now, remove it from KNOWN_GAPS")
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(cols))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    ok = sum(1 for fid in FIXTURES if not compare(form_of(fid), reading(fid)))
    lines.append(f"\n{ok}/{len(FIXTURES)} fixtures read right\n")
    return "\n".join(lines + reasons)


if __name__ == "__main__":
    print(progress_table())
    if "--json" in sys.argv:
        print(
            json.dumps({f: compare(form_of(f), reading(f)) for f in FIXTURES}, ensure_ascii=False)
        )
