"""The outcome of checking a batch: submissions, frames, findings, results, configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from perfxl.checks.config import Config
from perfxl.checks.engine import CheckResult
from perfxl.model.frames import Frames
from perfxl.model.submission import Submission


@dataclass
class Report:
    """Checking a batch: its submissions and frames, the findings and per-submission results."""

    submissions: list[Submission]
    frames: Frames
    checked: CheckResult
    config: Config
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def findings(self) -> pd.DataFrame:
        return self.checked.findings

    @property
    def details(self) -> pd.DataFrame:
        """The per-cell findings each grouped cause in `findings` stands for."""
        return self.checked.details

    @property
    def results(self) -> pd.DataFrame:
        return self.checked.results

    @property
    def has_errors(self) -> bool:
        f = self.findings
        if f.empty:
            return False
        return bool((f["severity"] == "error").any())
