"""Reading in child processes: a parser that aborts on a hostile file takes no other file with it."""

from __future__ import annotations

import os
from pathlib import Path

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
