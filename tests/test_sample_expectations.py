"""Every shipped sample produces the findings samples/README.md promises, and clean ones stay clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfxl.checks.engine import run_checks
from perfxl.model.frames import build_frames
from perfxl.read.workbook import read_workbook
from synth.samples import build_sample

DATA = Path(__file__).resolve().parent.parent / "samples" / "data"
SAMPLES = sorted(DATA.glob("*.json"))


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """All samples built from their plain data and checked one by one (each on its own)."""
    out = {}
    folder = tmp_path_factory.mktemp("samples")
    for src in SAMPLES:
        sample = json.loads(src.read_text(encoding="utf-8"))
        path = build_sample(sample, folder / sample["file"])
        sub = read_workbook(path)
        out[src.stem] = (sample, run_checks(build_frames([sub]), strict=True))
    return out


@pytest.mark.parametrize("name", [p.stem for p in SAMPLES])
def test_sample_findings(name, checked) -> None:
    sample, result = checked[name]
    expect = sample.get("expect", {})
    fired = set(result.findings["rule"])
    missing = set(expect.get("findings", [])) - fired
    assert not missing, f"{name}: expected findings did not fire: {sorted(missing)}"
    unwanted = set(expect.get("absent", [])) & fired
    assert not unwanted, f"{name}: findings that must not fire: {sorted(unwanted)}"
    if not expect.get("findings"):
        serious = result.findings[result.findings["severity"].isin(["error", "warning"])]
        assert serious.empty, (
            f"{name} should be clean: {serious[['rule', 'message']].values.tolist()}"
        )


@pytest.mark.parametrize("name", [p.stem for p in SAMPLES])
def test_sample_numbers(name, checked) -> None:
    sample, result = checked[name]
    expect = sample.get("expect", {})
    r = result.results.iloc[0]
    if "exec_rate" in expect:
        assert round(r["exec_rate_calc"], 2) == pytest.approx(expect["exec_rate"], abs=0.005)
    if "total_score" in expect:
        assert r["total_calc"] == pytest.approx(expect["total_score"], abs=0.01)
    if "grade" in expect:
        assert r["grade_calc"] == expect["grade"]


def test_committed_samples_match_their_data() -> None:
    names = {json.loads(p.read_text(encoding="utf-8"))["file"] for p in SAMPLES}
    shipped = {p.name for p in DATA.parent.iterdir() if p.suffix in (".xlsx", ".xls")}
    assert names == shipped


def _cells(path: Path) -> dict:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_committed_samples_are_fresh(tmp_path) -> None:
    """The shipped workbooks hold what scripts/make_samples.py makes of samples/data today."""
    for src in SAMPLES:
        sample = json.loads(src.read_text(encoding="utf-8"))
        fresh = build_sample(sample, tmp_path / sample["file"])
        committed = DATA.parent / sample["file"]
        assert _cells(committed) == _cells(fresh), (
            f"{sample['file']} is stale: run  python scripts/make_samples.py"
        )
