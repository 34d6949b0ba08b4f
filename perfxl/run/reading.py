"""Reading the inputs: the reading cache first, then worker processes, Dask or inline."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfxl.intake.inputs import InputFile
from perfxl.intake.sniff import WORKBOOK_FORMATS, safe_sniff
from perfxl.model.submission import Submission
from perfxl.read.isolate import VETTED
from perfxl.run.workers import Task, read_in_workers, read_task

if TYPE_CHECKING:
    from perfxl.run.cache import ReadCache


def read_all(
    items: Sequence[InputFile],
    jobs: int = 0,
    progress: Callable[[int], None] | None = None,
    executor: str = "local",
    cache: ReadCache | None = None,
    scheduler: str | None = None,
    scratch: Path | None = None,
    stats: dict[str, Any] | None = None,
    sink: Callable[[list[Submission]], None] | None = None,
) -> list[Submission]:
    """Read each (de-duplicated) input. Files go to worker processes in chunks, not one by one;
    a worker that dies takes no file with it (perfxl.read.isolate). With a cache, files read by an
    earlier run (same bytes, same reader) are taken from it and only the others are read.

    `sink` gets every submission as it arrives (cache hits included), after the cache has stored
    it: `perfxl run` builds its frames there, so it never holds every file's records at once. A
    file read twice (a Dask worker could not open it) reaches the sink twice, the later reading
    last."""
    results: list[Submission | None] = [None] * len(items)
    todo: list[int] = []
    for k, item in enumerate(items):
        hit = cache.get(item.sha256, item.display, item.path) if cache is not None else None
        if hit is None:
            todo.append(k)
            continue
        results[k] = hit
        if sink:
            sink([hit])
        if progress:
            progress(1)
    store = _arrivals(cache, sink)
    tasks = [(str(items[k].path), items[k].display, items[k].sha256) for k in todo]
    fresh = _read_tasks(tasks, jobs, progress, executor, scheduler, store, scratch, stats)
    for k, sub in zip(todo, fresh, strict=True):
        results[k] = sub
    return [s for s in results if s is not None]


def _arrivals(
    cache: ReadCache | None, sink: Callable[[list[Submission]], None] | None
) -> Callable[[list[Submission]], None] | None:
    """What happens to freshly read submissions as they come in: cached first (the sink may let
    go of their records), then handed on."""
    if cache is None:
        return sink
    if sink is None:
        return cache.put_all

    def both(subs: list[Submission]) -> None:
        cache.put_all(subs)
        sink(subs)

    return both


def _read_tasks(
    tasks: list[Task],
    jobs: int,
    progress: Callable[[int], None] | None,
    executor: str,
    scheduler: str | None,
    store: Callable[[list[Submission]], None] | None,
    scratch: Path | None,
    stats: dict[str, Any] | None,
) -> list[Submission]:
    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    if executor == "dask":
        from perfxl.run.executors import read_with_dask

        return read_with_dask(tasks, n_jobs, progress, scheduler, store, scratch, stats)
    if executor == "inline":
        out = []
        for t in tasks:
            out.append(read_task(t))  # formats that cannot be vetted still parse in a child
            if store:
                store(out[-1:])
            if progress:
                progress(1)
        return out
    if n_jobs <= 1 or len(tasks) < 8:
        # vetted xlsx/xlsm here; the other workbook formats (xls, xlsb, ods) in a reading process
        results: list[Submission | None] = [None] * len(tasks)
        kinds = [safe_sniff(Path(t[0])) for t in tasks]
        away = [k for k, f in enumerate(kinds) if f in WORKBOOK_FORMATS and f not in VETTED]
        skip = set(away)
        for k in (k for k in range(len(tasks)) if k not in skip):
            results[k] = read_task(tasks[k])
            if store:
                store([results[k]])  # type: ignore[list-item]
            if progress:
                progress(1)
        if away:
            done = read_in_workers([tasks[k] for k in away], 1, progress, store)
            for k, sub in zip(away, done, strict=True):
                results[k] = sub
        return [s for s in results if s is not None]
    return read_in_workers(tasks, n_jobs, progress, store)
