"""Shared test helpers: build workbooks from the real template in tmp_path, read and check them."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from perfxl.checks.config import DEFAULT, Config, Findings
from perfxl.checks.engine import CheckResult, run_checks
from perfxl.model.frames import build_frames
from perfxl.model.submission import Submission
from perfxl.read.workbook import read_workbook
from synth.samples import build_sample, national_example

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "samples" / "data"


def load_sample_data(name: str) -> dict[str, Any]:
    """A sample's plain data from samples/data (e.g. "hainan_seed")."""
    return json.loads((SAMPLE_DATA / f"{name}.json").read_text(encoding="utf-8"))


def indicator(sample: dict[str, Any], i: int) -> dict[str, Any]:
    """Row i of the indicator table of a national sample (to change in place)."""
    return sample["tables"]["indicators"][i]


class Workbench:
    """Builds sample workbooks in a temporary folder and runs the pipeline on them."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.count = 0

    def national(self) -> dict[str, Any]:
        return copy.deepcopy(national_example())

    def seed(self) -> dict[str, Any]:
        return load_sample_data("hainan_seed")

    def build(self, sample: dict[str, Any], name: str | None = None) -> Path:
        self.count += 1
        path = self.dir / (name or f"wb{self.count:03d}.xlsx")
        build_sample(sample, path)
        return path

    def read(self, sample: dict[str, Any]) -> Submission:
        return read_workbook(self.build(sample))

    def check(
        self,
        samples: dict[str, Any] | Iterable[dict[str, Any]],
        cfg: Config = DEFAULT,
        only: set[str] | None = None,
        mutate: Callable[[Path], None] | None = None,
        grouped: bool = False,
    ) -> CheckResult:
        """Build, read and check one sample (or several, as one batch). Rule tests look at every
        cell, so repeated findings stay apart unless `grouped` (tests/test_grouping.py)."""
        if not grouped:
            cfg = dataclasses.replace(cfg, findings=Findings(group_at=0))
        items = [samples] if isinstance(samples, dict) else list(samples)
        paths = [self.build(s) for s in items]
        if mutate is not None:
            for p in paths:
                mutate(p)
        subs = [read_workbook(p) for p in paths]
        return run_checks(build_frames(subs), cfg, only=only, strict=True)


@pytest.fixture
def bench(tmp_path: Path) -> Workbench:
    return Workbench(tmp_path)


def rule_rows(result: CheckResult, rule_id: str) -> pd.DataFrame:
    f = result.findings
    return f[f["rule"] == rule_id]


def assert_fires(
    result: CheckResult,
    rule_id: str,
    *,
    cell: str | None = None,
    sheet: str | None = None,
    severity: str | None = None,
    count: int | None = None,
) -> pd.DataFrame:
    """The rule produced a finding (at `cell`, with `severity`, `count` times when given).

    The meta-test looks for a call of this helper with a literal id for every rule."""
    rows = rule_rows(result, rule_id)
    assert not rows.empty, (
        f"{rule_id} did not fire; findings: {sorted(set(result.findings['rule']))}"
    )
    if cell is not None:
        assert cell in set(rows["cell"]), (
            f"{rule_id} cells {sorted(rows['cell'].dropna())}, wanted {cell}"
        )
    if sheet is not None:
        assert sheet in set(rows["sheet"]), f"{rule_id} sheets {sorted(rows['sheet'].dropna())}"
    if severity is not None:
        assert severity in set(rows["severity"]), f"{rule_id} severities {sorted(rows['severity'])}"
    if count is not None:
        assert len(rows) == count, (
            f"{rule_id} fired {len(rows)} times, wanted {count}: {rows['message'].tolist()}"
        )
    for msg in rows["message"]:
        assert "{" not in msg, f"{rule_id} message has an unfilled field: {msg}"
    return rows


def assert_quiet(result: CheckResult, rule_id: str) -> None:
    """The rule produced no finding (the passing case the meta-test looks for)."""
    rows = rule_rows(result, rule_id)
    assert rows.empty, f"{rule_id} fired unexpectedly: {rows['message'].tolist()}"


def run_outputs(out: Path) -> dict[str, Any]:
    """What `perfxl run` wrote into `out`, less what legitimately differs between two runs
    (times, options): two runs that should agree compare equal on this."""
    import python_calamine

    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # "outputs" lists the files' digests, and the summary carries its time of writing
    for key in ("started", "finished", "options", "outputs"):
        data.pop(key)
    book = python_calamine.CalamineWorkbook.from_path(str(out / "summary.xlsx"))
    sheets = {
        name: [
            ["<when>" if str(v).startswith("运行于") else v for v in row]  # 总览: time taken
            for row in book.get_sheet_by_name(name).to_python()
        ]
        for name in book.sheet_names
        if name != "运行信息"  # run times and options
    }
    return {
        "projects.csv": (out / "projects.csv").read_bytes(),
        "findings.csv": (out / "findings.csv").read_bytes(),
        "run.json": data,
        "summary.xlsx": sheets,
    }
