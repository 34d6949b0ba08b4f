"""S17: what the reader assumed on a unit's own layout — odd comparator glyphs, a 一级 cell that
prints only its points, amounts in 元 — said once per form, so the officer can check it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import assert_fires, assert_quiet

from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str, edit=None):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(form)
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_s17_odd_glyphs_and_money_in_yuan(tmp_path: Path) -> None:
    report = _check(tmp_path, "real_07_yunnan_yongde")  # 指标性质 ≧ / ═, amounts in 元
    rows = assert_fires(report, "S17", severity="info", count=1)
    message = rows.iloc[0]["message"]
    assert "「≧」按“≥”" in message and "「═」按“=”" in message
    assert "金额单位为元，已换算为万元" in message
    # the glyphs are still read as comparators: the amounts and targets stand
    assert report.results.iloc[0]["budget_wan"] < 100  # 387664.62 元 → 38.77 万元


def test_s17_level1_taken_from_the_level2_rows(tmp_path: Path) -> None:
    report = _check(tmp_path, "real_03_anhui_tianchang")  # 一级 cells print only (50分)/(30分)
    rows = assert_fires(report, "S17", count=1)
    assert "「(50分)」按其下二级指标推定为产出指标" in rows.iloc[0]["message"]
    assert "「(30分)」按其下二级指标推定为效益指标" in rows.iloc[0]["message"]


def test_s17_quiet_when_nothing_was_assumed(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_01_anhui_guichi_gonglu")
    assert_quiet(report, "S17")


def test_s17_quiet_on_the_template(bench) -> None:
    result = bench.check(bench.national())
    assert_quiet(result, "S17")


def test_s17_names_the_glyph_it_saw(tmp_path: Path) -> None:
    def plain(form):  # the same form with ordinary comparators and amounts in 万元 kept as 元
        for row in form["indicators"]:
            for key, value in list(row.items()):
                if isinstance(value, str):
                    row[key] = value.replace("≧", "≥").replace("═", "=")

    report = _check(tmp_path, "real_07_yunnan_yongde", plain)
    rows = assert_fires(report, "S17", count=1)
    assert "比较符号" not in rows.iloc[0]["message"]  # only the 元 conversion is left to say
