"""perfxl's own folders (the reading cache), recognised so they are never read as submissions."""

from __future__ import annotations

from pathlib import Path

TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by perfxl (reading results; safe to delete).\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def is_cache_dir(p: Path) -> bool:
    """A folder holding perfxl's cache tag (skipped when it sits inside an input folder)."""
    try:
        with open(p / "CACHEDIR.TAG", "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.startswith(b"Signature: 8a477f597d28d172789f06886806bc55") and b"perfxl" in head
