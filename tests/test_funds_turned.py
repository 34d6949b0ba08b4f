"""A funds table printed turned — one row per 计划投资额 / 实际到位资金 / 实际使用情况, the sources
across under 合计 | 其中：中央财政 … — read into the same records as the usual layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfxl.run.check import check_files
from synth.published import build_published

FIXTURES = Path(__file__).parent / "fixtures" / "published"


def _check(tmp_path: Path, fixture: str):
    form = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    return form, check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_turned_funds_are_read_amount_by_amount(tmp_path: Path) -> None:
    form, report = _check(tmp_path, "own_23_hainan_danzhou_gonglu")
    funds = report.frames.funds
    info = form["other_fields"]["一、项目基本情况"]
    got = {(r.measure, r.source): r.amount_wan for r in funds.itertuples()}
    assert got[("planned", "total")] == info["计划投资额（万元）"]["合计"] == 480
    assert got[("arrived", "county")] == info["实际到位资金（万元）"]["市县财政"] == 250
    assert got[("used", "provincial")] == info["实际使用情况（万元）"]["省财政"] == 196
    # every amount points at its own cell: one row per measure, one column per source
    cells = funds.set_index(["measure", "source"])["cell"]
    assert cells[("planned", "total")][1:] == cells[("planned", "central")][1:]  # one row
    assert cells[("planned", "total")][0] == cells[("used", "total")][0] == "B"  # one column
    assert cells[("planned", "total")] != cells[("arrived", "total")]
    assert report.results.iloc[0]["exec_rate_calc"] == pytest.approx(98.0)


def test_turned_funds_reading_is_reported_once(tmp_path: Path) -> None:
    _, report = _check(tmp_path, "own_23_hainan_danzhou_gonglu")
    headers = report.frames.headers
    rows = headers[headers["how"] == "row"]
    assert list(rows["column"]) == ["planned", "arrived", "used"]
    (s13,) = report.findings[report.findings["rule"] == "S13"]["message"]
    assert s13.count("资金表按行读取") == 1
    assert "「计划投资额（万元）」行→计划投资额" in s13


def test_turned_funds_feed_the_fund_rules(tmp_path: Path) -> None:
    """到位 450 of a planned 480 with full 到位率 marks: F10 now sees the figures."""
    _, report = _check(tmp_path, "own_23_hainan_danzhou_gonglu")
    f10 = report.findings[report.findings["rule"] == "F10"]
    assert len(f10) == 1 and "93.75%" in f10.iloc[0]["message"]


def test_a_total_printed_alone_on_a_unit_layout_is_not_a_sum_error(tmp_path: Path) -> None:
    """real_14 prints 实际使用情况 as a 合计 only: no breakdown asked, no F06."""
    _, report = _check(tmp_path, "real_14_hainan_shangwuting")
    assert "F06" not in set(report.findings["rule"])
    assert {"F10", "F11"} <= set(report.findings["rule"])


def test_the_template_layout_is_not_read_turned(bench) -> None:
    result = bench.check(bench.seed())
    assert not result.frames.headers["how"].eq("row").any()
    funds = result.frames.funds
    assert {"planned", "arrived", "used"} <= set(funds["measure"])
