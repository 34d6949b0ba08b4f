"""Reading many files in worker processes, in chunks: a worker that dies takes no file with it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from perfxl.read.isolate import CRASHED, enter_worker
from perfxl.read.workbook import read_workbook, unreadable

Task = tuple[str, str, str]  # path, display, sha256


def read_task(task: Task) -> Any:
    """read_workbook for one task; anything it did not foresee still ends as a finding."""
    path, display, digest = task
    try:
        return read_workbook(path, display=display, sha256=digest)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        return unreadable(path, display, digest, "R01", f"{type(exc).__name__}: {exc}")


def _read_chunk(chunk: list[Task]) -> list[Any]:
    return [read_task(t) for t in chunk]


def read_in_workers(
    tasks: Sequence[Task],
    n_jobs: int,
    progress: Callable[[int], None] | None = None,
    done: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """Read in worker processes, in chunks. When a worker dies (a parser abort), the files of the
    chunks it left unfinished are read again one at a time, and the one that kills its process
    becomes an unreadable submission: the run goes on and no file is lost. `done` gets each chunk's
    results as they arrive (the cache stores them, so a killed run keeps what it finished)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    size = max(1, min(64, len(tasks) // (n_jobs * 4) or 1))
    if len(tasks) >= 8 * n_jobs:
        size = max(4, size)
    chunks = [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]
    results: list[list[Any] | None] = [None] * len(chunks)
    pool = ProcessPoolExecutor(max_workers=n_jobs, initializer=enter_worker)
    try:
        futures = {pool.submit(_read_chunk, c): k for k, c in enumerate(chunks)}
        for fut in as_completed(futures):
            k = futures[fut]
            try:
                results[k] = part = fut.result()
            except Exception:  # the pool broke, or a result did not come back
                continue
            if done:
                done(part)
            if progress:
                progress(len(chunks[k]))
    except (KeyboardInterrupt, SystemExit):
        _stop_now(pool)  # Ctrl-C: not after the chunks still queued are read
        raise
    except Exception:
        pass  # a broken pool also complains on shutdown; the lost chunks are redone below
    finally:
        with contextlib.suppress(Exception):
            pool.shutdown(wait=True)
    for k, chunk in enumerate(chunks):
        if results[k] is None:
            results[k] = part = [read_alone(t) for t in chunk]
            if done:
                done(part)
            if progress:
                progress(len(chunk))
    return [s for part in results if part is not None for s in part]


def _stop_now(pool: Any) -> None:
    """Drop the chunks not started and end the workers reading the others."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for w in workers:
        with contextlib.suppress(Exception):
            w.terminate()


def read_alone(task: Task) -> Any:
    """One file in a process of its own."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=enter_worker) as pool:
            return pool.submit(read_task, task).result()
    except Exception as exc:
        path, display, digest = task
        detail = CRASHED if type(exc).__name__ == "BrokenProcessPool" else f"{type(exc).__name__}"
        return unreadable(path, display, digest, "R01", detail)
