"""One cause, one finding: the more precise of two rules on the same cell, row or form stays."""

from __future__ import annotations

import pandas as pd

from perfxl.checks.overlaps import drop_overlaps


def _table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sub", "rule", "sheet", "cell"])


def test_i01_gives_way_to_i02_on_the_same_cell_only() -> None:
    t = _table([("a", "I02", "S", "G23"), ("a", "I01", "S", "G23"), ("a", "I01", "S", "G24")])
    kept = drop_overlaps(t)
    assert list(zip(kept["rule"], kept["cell"], strict=True)) == [("I02", "G23"), ("I01", "G24")]


def test_i04_gives_way_to_i03_on_the_same_row() -> None:
    t = _table([("a", "I03", "S", "J15"), ("a", "I04", "S", "I15"), ("a", "I04", "S", "I16")])
    assert list(drop_overlaps(t)["cell"]) == ["J15", "I16"]


def test_g05_gives_way_when_the_full_marks_are_already_explained() -> None:
    t = _table([("a", "F02", "S", "H5"), ("a", "G05", "S", "G18"), ("b", "G05", "S", "G18")])
    kept = drop_overlaps(t)
    assert list(zip(kept["sub"], kept["rule"], strict=True)) == [("a", "F02"), ("b", "G05")]


def test_other_submissions_and_sheets_are_not_confused() -> None:
    t = _table([("a", "I02", "S", "G23"), ("b", "I01", "S", "G23"), ("a", "I01", "T", "G23")])
    assert len(drop_overlaps(t)) == 3


def test_on_a_real_form_i01_beside_i02_is_dropped(tmp_path) -> None:
    import json
    from pathlib import Path

    from perfxl.run.check import check_files
    from synth.published import build_published

    path = Path(__file__).parent / "fixtures" / "published" / "own_08_hunan_yueyang_zhengwu.json"
    form = json.loads(path.read_text(encoding="utf-8"))
    found = check_files([build_published(form, tmp_path / "f.xlsx")]).findings
    i02 = found[found["rule"] == "I02"]
    assert len(i02) == 1
    same = found[(found["rule"] == "I01") & (found["cell"] == i02.iloc[0]["cell"])]
    assert same.empty
