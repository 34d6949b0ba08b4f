"""Fund rules on forms laid out like units' (the execution cells of the fund rows)."""

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


def test_f16_the_execution_score_repeated_on_a_source_row(tmp_path: Path) -> None:
    def twice(form):
        form["funds"][1]["分值"], form["funds"][1]["得分"] = 10, 10  # 其中：本年财政拨款

    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi", twice)
    rows = assert_fires(report, "F16", severity="warning", count=1)
    assert "「本年财政拨款」行填写了得分 10 分" in rows.iloc[0]["message"]
    total_cell = report.frames.exec.set_index("source").loc["total", "score_cell"]
    assert rows.iloc[0]["cell"][0] == total_cell[0]  # the 得分 column, on the source's row
    assert rows.iloc[0]["cell"] != total_cell


def test_f16_quiet_when_source_rows_say_dash(tmp_path: Path) -> None:
    report = _check(tmp_path, "own_16_jilin_yanbian_fangyi")  # 分值/得分 “—” on the sources
    assert_quiet(report, "F16")
