"""The library's front door: `perfxl check` as a call (read, check), and inputs into batch frames."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from perfxl.checks.config import DEFAULT, Config
from perfxl.checks.engine import run_checks
from perfxl.checks.outcome import Report
from perfxl.model.frames import Frames, build_frames
from perfxl.model.submission import Submission
from perfxl.read.workbook import read_workbook


def read_files(paths: Iterable[str | os.PathLike[str]]) -> list[Submission]:
    return [read_workbook(p) for p in paths]


def check_submissions(subs: Sequence[Submission], cfg: Config = DEFAULT) -> Report:
    frames = build_frames(subs)
    return Report(list(subs), frames, run_checks(frames, cfg), cfg)


def check_files(paths: Iterable[str | os.PathLike[str]], cfg: Config = DEFAULT) -> Report:
    """Read and check workbooks: the library equivalent of `perfxl check FILE...`."""
    return check_submissions(read_files(paths), cfg)


def read_batch(inputs: Iterable[str | os.PathLike[str]], jobs: int = 1) -> Frames:
    """Files, folders (recursive) and zips into the batch DataFrames, duplicates read once.

    >>> import perfxl
    >>> frames = perfxl.read_batch(["samples/"])
    >>> frames.indicators.groupby("sub")["score_reported"].sum()
    """
    import tempfile
    from pathlib import Path

    from perfxl.intake.discover import discover, hash_inputs, set_aside_duplicates
    from perfxl.run.reading import read_all

    with tempfile.TemporaryDirectory(prefix="perfxl-") as tmp:
        notes: list[Any] = []
        items = discover(list(inputs), Path(tmp), notes)
        hash_inputs(items)
        subs = read_all(set_aside_duplicates(items, notes), jobs=jobs)
    return build_frames(subs)
