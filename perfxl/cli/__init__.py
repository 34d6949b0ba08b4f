"""CLI: one thin module per command over one library call; heavy imports happen inside commands."""

from __future__ import annotations

from perfxl.cli import check, collect, ledger, rules, run, serve, template  # noqa: F401  (each adds its command)
from perfxl.cli.app import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PerfxlError, entry, main

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "PerfxlError", "entry", "main"]
