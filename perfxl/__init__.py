"""perfxl: read, check and summarise performance self-evaluation workbooks."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# The public API, imported lazily so `perfxl --help` and `perfxl template` stay fast.
_API = {
    "read_workbook": "perfxl.read.workbook",
    "read_batch": "perfxl.run.check",
    "check_files": "perfxl.run.check",
    "report_dict": "perfxl.report.machine",
    "run_batch": "perfxl.run.batch",
    "run_job": "perfxl.run.job",
    "load_config": "perfxl.checks.config",
    "write_template": "perfxl.report.template",
    "Ledger": "perfxl.run.ledger",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'perfxl' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
