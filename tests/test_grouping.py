"""A rule repeated on many cells of one form is told once, naming its cells; the cells stay as detail."""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
from click.testing import CliRunner

from perfxl.checks.config import DEFAULT, Findings
from perfxl.checks.grouping import group_repeats
from perfxl.cli import main
from perfxl.run.batch import run_batch
from perfxl.run.check import check_files
from tests.test_read_headers import published_form

# indicators whose targets print no comparator, with actuals off the target: I09 (方向未注明) on
# each, since there the direction read into them decides the judgement
UNSTATED = (
    ("产出指标", "数量指标", "堤防巡查次数", "12次", "13次", 20, 20),
    ("产出指标", "质量指标", "河道清淤长度", "30公里", "32公里", 15, 15),
    ("产出指标", "时效指标", "巡查人员数", "50人", "55人", 15, 15),
    ("效益指标", "社会效益指标", "受益群众人数", "8000人", "8500人", 30, 30),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10),
)


def _form(tmp_path, name="f.xlsx", project="水旱灾害防御经费"):
    return published_form(tmp_path / name, project=project, indicators=UNSTATED)


def test_a_rule_repeated_on_one_form_is_one_cause_naming_its_cells(tmp_path) -> None:
    report = check_files([_form(tmp_path)])
    i09 = report.findings[report.findings["rule"] == "I09"]
    assert len(i09) == 1
    (cause,) = i09.to_dict("records")
    detail = report.details[report.details["rule"] == "I09"]
    assert cause["grouped"] == len(detail) == cause["observed"] >= 3
    cells = list(detail["cell"])
    assert f"本表共 {len(detail)} 处（{'、'.join(cells)}）" in cause["message"]
    assert cause["message"].endswith(detail.iloc[0]["message"])  # the first case, word for word
    assert cause["cell"] == cells[0] and cause["severity"] == detail.iloc[0]["severity"]
    # the counts count causes: one warning, not one per cell
    counted = report.results.iloc[0]["warnings"]
    assert counted == int((report.findings["severity"] == "warning").sum())


def test_below_the_threshold_and_across_forms_nothing_is_grouped(tmp_path) -> None:
    paths = [_form(tmp_path, "a.xlsx"), _form(tmp_path, "b.xlsx", project="河道堤防巡查经费")]
    cfg = dataclasses.replace(DEFAULT, findings=Findings(group_at=10))
    apart = check_files(paths, cfg)
    assert apart.details.empty and apart.findings["grouped"].isna().all()
    together = check_files(paths)  # each form has its own cause
    causes = together.findings[together.findings["rule"] == "I09"]
    assert causes["sub"].nunique() == len(causes) == 2
    assert int(causes["grouped"].sum()) == len(apart.findings[apart.findings["rule"] == "I09"])


def test_group_at_zero_keeps_every_finding() -> None:
    table = pd.DataFrame(
        {
            "sub": ["s"] * 4,
            "rule": ["I09"] * 4,
            "severity": ["warning"] * 4,
            "sheet": ["Sheet1"] * 4,
            "cell": ["D1", "D2", "D3", "D4"],
            "message": ["m"] * 4,
            "message_en": ["m"] * 4,
            "stake": [None] * 4,
        }
    )
    kept, details = group_repeats(table, 0)
    assert len(kept) == 4 and details.empty
    grouped, details = group_repeats(table, 4)
    assert len(grouped) == 1 and len(details) == 4
    assert "（D1、D2、D3、D4）" in grouped.iloc[0]["message"]


def test_outputs_show_the_cause_then_its_cells(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _form(src)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(src), "-o", str(out), "--feedback"])
    assert result.exit_code in (0, 1), result.output
    f = pd.read_csv(out / "findings.csv", encoding="utf-8-sig")
    cause = f[(f["rule"] == "I09") & (f["part"] == "cause")]
    detail = f[(f["rule"] == "I09") & (f["part"] == "detail")]
    assert len(cause) == 1 and len(detail) >= 3
    assert f.index[f["part"] == "detail"].min() > f.index[f["part"] != "detail"].max()
    book = openpyxl.load_workbook(out / "summary.xlsx")
    messages = [r[3] for r in book["问题清单"].iter_rows(min_row=2, values_only=True)]
    first_detail = next(k for k, m in enumerate(messages) if m.startswith("（明细）"))
    assert all(not m.startswith("（明细）") for m in messages[:first_detail])
    assert sum(m.startswith("（明细）") for m in messages) == len(f[f["part"] == "detail"])
    # the feedback copy notes every cell of the cause, not only the first
    (copy,) = (out / "feedback").glob("*.xlsx")
    ws = openpyxl.load_workbook(copy)["Sheet1"]
    noted = {c for c in detail["cell"] if ws[c].comment is not None}
    assert noted == set(detail["cell"])
    # check prints the cause once
    run = run_batch([src], tmp_path / "o2", jobs=1)
    assert (run.findings["rule"] == "I09").sum() == 1
