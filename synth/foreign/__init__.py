"""Render a national2020 sample in the non-template layouts units really send (foreign workbooks)."""

from synth.foreign.catalogue import KEY_LABELS, STYLES, key_label_cells
from synth.foreign.writer import build_foreign_workbook

__all__ = ["KEY_LABELS", "STYLES", "build_foreign_workbook", "key_label_cells"]
