"""What a run hands the writers: inputs, checked report, project and finding tables, roll-ups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from perfxl import __version__
from perfxl.checks.config import DEFAULT, Config
from perfxl.checks.outcome import Report
from perfxl.intake.inputs import InputFile


@dataclass
class RunResult:
    """Everything one run produced; the writers (summary, CSV, JSON) read only this."""

    report: Report
    inputs: list[InputFile]
    projects: pd.DataFrame
    findings: pd.DataFrame
    departments: pd.DataFrame
    units: pd.DataFrame
    roster: pd.DataFrame | None
    started: dt.datetime
    finished: dt.datetime
    config: Config = DEFAULT
    version: str = __version__
    options: dict[str, Any] = field(default_factory=dict)
    # the per-cell findings behind each grouped cause of `findings` (same columns)
    finding_details: pd.DataFrame = field(default_factory=pd.DataFrame)
    # with a season ledger: each project's status across its versions (perfxl.run.season)
    season: pd.DataFrame | None = None
    # with --previous: every project of both years, matched, new this year or gone (上年对比)
    previous: pd.DataFrame | None = None
