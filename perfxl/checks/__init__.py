"""Checks: the rule engine, derived figures, domain formulas and configuration, one module per rule family."""

from __future__ import annotations

import importlib

FAMILY_MODULES = (
    "perfxl.checks.structure",
    "perfxl.checks.required_cells",
    "perfxl.checks.categories",
    "perfxl.checks.funds",
    "perfxl.checks.fund_amounts",
    "perfxl.checks.fund_narrative",
    "perfxl.checks.fund_blanks",
    "perfxl.checks.indicators",
    "perfxl.checks.indicator_targets",
    "perfxl.checks.indicator_scores",
    "perfxl.checks.indicator_units",
    "perfxl.checks.indicator_placement",
    "perfxl.checks.goal_text",
    "perfxl.checks.cost_restated",
    "perfxl.checks.narrative_sums",
    "perfxl.checks.previous_year",
    "perfxl.checks.tiers",
    "perfxl.checks.grades",
    "perfxl.checks.narrative",
    "perfxl.checks.metadata",
    "perfxl.checks.leftovers",
    "perfxl.checks.department",
    "perfxl.checks.department_funds",
)


def load_all() -> None:
    """Import every family module (each registers its rules); missing ones are skipped while
    the catalogue is being built, and the catalogue test says which are absent."""
    for name in FAMILY_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
