"""Property test: sample workbooks with mutated cells keep every guarantee of a run."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import openpyxl
from conftest import SAMPLE_DATA
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_hostile import assert_guarantees, digests

from perfxl.report.outputs import write_outputs
from synth.samples import build_sample, national_example

BASES = {
    "national": national_example(),
    "hainan": json.loads((SAMPLE_DATA / "hainan_seed.json").read_text(encoding="utf-8")),
}


def _targets(sample: dict[str, Any]) -> list[tuple[str, ...]]:
    """Every cell the sample fills: ("f", key) for a field, ("t", table, row, column) in a table."""
    out: list[tuple[str, ...]] = [("f", k) for k in sample["fields"]]
    for table, rows in sample.get("tables", {}).items():
        for i, row in enumerate(rows):
            out += [("t", table, str(i), col) for col in (row or {})]
    return out


TARGETS = {name: _targets(s) for name, s in BASES.items()}

# text of every kind a unit's workbook may hold: CJK (with the supplementary planes), full-width
# digits, controls, direction marks, emoji, combining marks; no lone surrogates (no file holds one)
_chars = st.characters(exclude_categories=("Cs",), max_codepoint=0x2FFFF)
_formula_like = st.sampled_from(
    ["=1+1", '=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
)
_numbers = st.one_of(
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.sampled_from([0, -0.0, 1e-9, 0.5, 100, 1e15]),
)
_special_text = st.sampled_from(
    [
        "",
        " ",
        "无",
        "/",
        "—",
        "≥95%",
        "１２３万元",
        "壹佰万元",
        "达成年度指标",
        "\u202e优",
        "优\x00",
    ]
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    _numbers,
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)),
    st.text(_chars, max_size=40),
    _special_text,
    _formula_like,
    st.integers(200, 32_767).map(lambda n: "长" * n),
)


def _mutate(sample: dict[str, Any], edits: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    s = copy.deepcopy(sample)
    for target, value in edits:
        if target[0] == "f":
            s["fields"][target[1]] = value
        else:
            _, table, row, col = target
            s["tables"][table][int(row)][col] = value
    return s


def _raw_edits(path: Path, edits: list[tuple[int, int, Any]]) -> None:
    """Cells changed where the data model does not reach (labels, headers, blanks) with openpyxl,
    which also drops every cached formula result."""
    wb = openpyxl.load_workbook(path)
    ws = next(w for w in wb.worksheets if w.title not in ("填报说明", "_lists", "_meta"))
    for r, c, v in edits:
        cell = ws.cell(row=r, column=c)
        if type(cell).__name__ == "MergedCell":
            continue
        cell.value = v if not isinstance(v, str) else v.replace("\x00", "")
    wb.save(path)


def _edits_for(name: str) -> st.SearchStrategy:
    return st.lists(st.tuples(st.sampled_from(TARGETS[name]), VALUES), min_size=1, max_size=8)


_raw = st.lists(
    st.tuples(
        st.integers(1, 60), st.integers(1, 11), st.one_of(st.none(), _special_text, _numbers)
    ),
    max_size=4,
)


# CI runs ten fixed examples; PERFXL_FUZZ_EXAMPLES=500 draws that many new ones (slow, local)
DEEP = int(os.environ.get("PERFXL_FUZZ_EXAMPLES", "0"))


@settings(
    max_examples=DEEP or 10,
    deadline=None,
    derandomize=not DEEP,  # the same examples on every CI run
    database=None,
    # no shrinking: each example is a whole run (about a second), and shrinking one failure takes
    # minutes; the failing example is printed as drawn (add Phase.shrink locally to minimise it)
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(national=_edits_for("national"), hainan=_edits_for("hainan"), raw=_raw)
def test_mutated_workbooks_keep_every_guarantee(tmp_path_factory, national, hainan, raw) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    src = root / "in"
    src.mkdir()
    build_sample(_mutate(BASES["national"], national), src / "national.xlsx")
    build_sample(_mutate(BASES["hainan"], hainan), src / "海南.xlsx")
    if raw:
        build_sample(_mutate(BASES["national"], national[:1]), src / "raw.xlsx")
        _raw_edits(src / "raw.xlsx", raw)
    before = digests([src])
    from perfxl.run.batch import run_batch

    out = root / "out"
    run = run_batch([src], out, jobs=1)
    write_outputs(run, out)
    assert_guarantees(run, out, [src], before)
    # a mutated cell never makes a readable workbook unreadable by accident
    unreadable = {i.display: i.reason for i in run.inputs if i.status == "unreadable"}
    assert not unreadable, unreadable
