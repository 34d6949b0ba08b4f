"""The summary's table sheets, registered by decorator with their name and their note on 总览."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from perfxl.report.run_result import RunResult
    from perfxl.report.summary.book import Table
    from perfxl.report.summary.sources import Sources

Builder = Callable[["RunResult", "Sources"], "Table | None"]


@dataclass(frozen=True)
class Sheet:
    name: str
    note: str  # shown beside the sheet's link on 总览
    position: int  # where the sheet stands in the workbook, after 总览 (smallest first)
    build: Builder  # None when the run has nothing for this sheet (no roster, no mail)


SHEETS: dict[str, Sheet] = {}


def sheet(name: str, note: str, position: int) -> Callable[[Builder], Builder]:
    """Register a table sheet of the summary; a new sheet is one module with one of these."""

    def register(build: Builder) -> Builder:
        if name in SHEETS or any(s.position == position for s in SHEETS.values()):
            raise ValueError(f"summary sheet {name!r} or position {position} registered twice")
        SHEETS[name] = Sheet(name, note, position, build)
        return build

    return register


def in_workbook_order() -> list[Sheet]:
    return sorted(SHEETS.values(), key=lambda s: s.position)
