"""What reading one workbook gives: a Submission with its Extract (plain records with cell references)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfxl.model.findings import Finding


@dataclass(slots=True)
class Submission:
    file: str  # the path shown to users (relative to the input, or the zip member)
    sha256: str
    size: int
    mtime: float | None
    format: str
    profile: str | None = None
    layout: str = "unknown"
    template_version: str | None = None
    extract: Extract | None = None
    findings: list[Finding] = field(default_factory=list)
    blocked: bool = False
    read_ms: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)
    # a parser's own words when it could not read the file: for run.json and --debug only, the
    # finding says in Chinese what is wrong
    library_error: str | None = None

    @property
    def sub(self) -> str:
        return self.sha256[:12]


@dataclass(slots=True)
class Extract:
    """Everything read from one workbook, as plain records (cheap to send between processes)."""

    profile: str
    layout: str  # "template" | "foreign"
    project: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)
    funds: list[dict[str, Any]] = field(default_factory=list)
    exec: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    score_items: list[dict[str, Any]] = field(default_factory=list)
    evaluators: list[dict[str, Any]] = field(default_factory=list)
    narrative: list[dict[str, Any]] = field(default_factory=list)
    missing_blocks: list[str] = field(default_factory=list)  # without them nothing is checked
    incomplete: list[str] = field(default_factory=list)  # parts a cut-short form lacks
    # how each table column was found: {table, column, header, cell,
    # how: label|meaning|stand_in|row|block}
    headers: list[dict[str, Any]] = field(default_factory=list)
    money_unit: str = "万元"
    # the unit's 单位说明 from a returned feedback copy: {rule, sheet, cell, text}
    explanations: list[dict[str, Any]] = field(default_factory=list)
