"""Reading in child processes: a parser that aborts on a hostile file takes no other file with it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from perfxl.read.grid import Book, ReadError, load_book

# xlsx/xlsm are vetted before parsing (perfxl.read.vet); a hostile xls, xlsb or ods can still make
# the parser ask for terabytes and abort, which no try/except catches.
VETTED = ("xlsx", "xlsm")
# a worker may map this much more than it inherited; a parser asking for more fails there, at once
WORKER_MEMORY = 4 * 1024**3
CRASHED = "读取时解析程序异常退出（文件可能损坏或被恶意构造）"

_in_worker = False


def enter_worker() -> None:
    """Initializer of reading processes: mark them, and cap their memory where the OS allows."""
    global _in_worker
    _in_worker = True
    try:
        # a parser that aborts prints its own backtrace; the user gets the finding instead
        import faulthandler

        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
    try:
        import resource

        # on top of what the process already maps (a fork inherits its parent's address space)
        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = mapped + WORKER_MEMORY
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError, IndexError):
        pass  # no /proc or no rlimits here: the process boundary alone protects the run


def load_isolated(path: Path, fmt: str) -> Book:
    """load_book in a one-off child process (or here, when this already is a reading worker)."""
    if _in_worker:
        return load_book(path, fmt)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=enter_worker) as pool:
            return pool.submit(load_book, path, fmt).result()
    except BrokenProcessPool as exc:
        raise ReadError("R01", CRASHED) from exc
    except MemoryError as exc:
        raise ReadError("R06", "读取所需内存超出上限") from exc


# ---------------------------------------------------------------- many files

Task = tuple[str, str, str]  # path, display, sha256


def read_task(task: Task) -> Any:
    """read_workbook for one task; anything it did not foresee still ends as a finding."""
    from perfxl.read import read_workbook, unreadable

    path, display, digest = task
    try:
        return read_workbook(path, display=display, sha256=digest)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        return unreadable(path, display, digest, "R01", f"读取出错 {type(exc).__name__}: {exc}")


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
    try:
        with ProcessPoolExecutor(max_workers=n_jobs, initializer=enter_worker) as pool:
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
    except Exception:
        pass  # a broken pool also complains on shutdown; the lost chunks are redone below
    for k, chunk in enumerate(chunks):
        if results[k] is None:
            results[k] = part = [read_alone(t) for t in chunk]
            if done:
                done(part)
            if progress:
                progress(len(chunk))
    return [s for part in results if part is not None for s in part]


def read_alone(task: Task) -> Any:
    """One file in a process of its own."""
    from concurrent.futures import ProcessPoolExecutor

    from perfxl.read import unreadable

    try:
        with ProcessPoolExecutor(max_workers=1, initializer=enter_worker) as pool:
            return pool.submit(read_task, task).result()
    except Exception as exc:
        path, display, digest = task
        detail = CRASHED if type(exc).__name__ == "BrokenProcessPool" else f"{type(exc).__name__}"
        return unreadable(path, display, digest, "R01", detail)
