"""The Dask executor: the per-file reading on a Dask cluster (an existing one, or a local one)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from perfxl.intake.sniff import WORKBOOK_FORMATS, sniff
from perfxl.model.submission import Submission
from perfxl.read.isolate import CRASHED, VETTED
from perfxl.read.workbook import unreadable
from perfxl.run.workers import Task, read_in_workers, read_task

INSTALL = 'python -m pip install "perfxl[dask]"'
# how long to wait for an existing cluster to have a worker (connecting follows Dask's own
# distributed.comm.timeouts.connect)
WORKER_TIMEOUT = 60.0


class ExecutorError(RuntimeError):
    """Why the executor cannot run, in one line (not installed, no scheduler, mixed perfxl)."""


def require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ExecutorError(f"--executor dask 需要安装 Dask：{INSTALL}（{exc}）") from exc


def chunk_size(n_tasks: int, n_workers: int) -> int:
    """Files per task: about four tasks a worker (so a slow chunk does not hold up the end), at
    most 64 files, and never one task per file once there are enough files."""
    size = max(1, min(64, n_tasks // (max(n_workers, 1) * 4) or 1))
    if n_tasks >= 8 * n_workers:
        size = max(4, size)
    return size


def read_remote(chunk: list[Task]) -> tuple[str, list[Submission]]:
    """Runs on a Dask worker: read a chunk of files, and say which reader read them."""
    from perfxl.run.cache import reader_fingerprint

    return reader_fingerprint(), [read_task(t) for t in chunk]


def read_with_dask(
    tasks: Sequence[Task],
    n_jobs: int,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
    done: Callable[[list[Submission]], None] | None = None,
    scratch: Path | None = None,
    stats: dict[str, Any] | None = None,
) -> list[Submission]:
    """Read the files on a Dask cluster in chunks; the results are those of the local executor.

    xlsx/xlsm (vetted before parsing) go to the cluster. The legacy formats (xls, xlsb, ods) are
    parsed in a memory-capped child process, which Dask's worker processes (daemons) cannot start:
    they are read here, in local reading processes, before Dask starts any thread in this process.
    A file a worker cannot open (no shared file system at the same path) is read here too."""
    require_dask()
    from perfxl.run.cache import reader_fingerprint

    tasks = [(os.path.abspath(p), shown, digest) for p, shown, digest in tasks]
    results: list[Submission | None] = [None] * len(tasks)
    kinds = [_sniff(t[0]) for t in tasks]
    here = [k for k, f in enumerate(kinds) if f in WORKBOOK_FORMATS and f not in VETTED]
    away = [k for k in range(len(tasks)) if kinds[k] not in WORKBOOK_FORMATS or kinds[k] in VETTED]
    if here:
        subs = read_in_workers([tasks[k] for k in here], n_jobs, progress, done)
        for k, sub in zip(here, subs, strict=True):
            results[k] = sub
    crashed: set[int] = set()
    info: dict[str, Any] = {
        "workers": 0,
        "tasks": 0,
        "files_on_cluster": 0,
        "files_here": len(here),
    }
    if away:
        mine = reader_fingerprint()
        with _client(scheduler, n_jobs, scratch) as client:
            slots = sum(client.nthreads().values()) or 1
            size = chunk_size(len(away), slots)
            chunks = [away[i : i + size] for i in range(0, len(away), size)]
            info.update(workers=slots, tasks=len(chunks), files_on_cluster=len(away))
            lost = _gather(client, tasks, chunks, results, mine, progress, done)
            # a chunk whose worker died: its files one by one, so only the file that kills a
            # worker is lost, and it becomes an unreadable submission like in the local executor
            if lost:
                singles = [[k] for k in lost]
                info["tasks"] += len(singles)
                crashed = set(_gather(client, tasks, singles, results, mine, progress, done, True))
        # what a worker could not open (no shared file system at that path) is read here;
        # these are vetted formats or no workbook at all, so they parse in this process
        for k in away:
            sub = results[k]
            if k not in crashed and sub is not None and sub.format == "unreadable":
                results[k] = again = read_task(tasks[k])
                info["files_on_cluster"] -= 1
                info["files_here"] += 1
                if done:
                    done([again])
    if stats is not None:
        stats.update(info)
    return [s for s in results if s is not None]


def _gather(
    client: Any,
    tasks: list[Task],
    chunks: list[list[int]],
    results: list[Submission | None],
    mine: str,
    progress: Callable[[int], None] | None,
    done: Callable[[list[Submission]], None] | None,
    last_try: bool = False,
) -> list[int]:
    from distributed import as_completed

    futures = client.map(read_remote, [[tasks[k] for k in c] for c in chunks], pure=False)
    which = {f.key: c for f, c in zip(futures, chunks, strict=True)}
    lost: list[int] = []
    for fut in as_completed(futures):
        chunk = which[fut.key]
        try:
            theirs, subs = fut.result()
        except ImportError as exc:
            raise ExecutorError(
                f"Dask worker 无法导入 perfxl（{exc}）：每个 worker 都需安装与本机相同版本的 perfxl"
            ) from exc
        except Exception:  # the worker died (KilledWorker) or left the cluster
            lost.extend(chunk)
            if not last_try:
                continue
            path, shown, digest = tasks[chunk[0]]
            subs = [unreadable(path, shown, digest, "R01", CRASHED)]
        else:
            if theirs != mine:
                raise ExecutorError(
                    "Dask worker 上的 perfxl 与本机不同（版本或源码），读取结果可能不一致："
                    "请在所有 worker 上安装与本机相同的 perfxl"
                )
        for k, sub in zip(chunk, subs, strict=True):
            results[k] = sub
        if done:
            done(subs)
        if progress:
            progress(len(chunk))
    return lost


@contextlib.contextmanager
def _client(scheduler: str | None, n_jobs: int, scratch: Path | None) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"无法连接 Dask 调度器 {scheduler}：{exc}") from exc
        with client:
            try:
                client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
            except TimeoutError as exc:
                raise ExecutorError(
                    f"Dask 调度器 {scheduler} 在 {WORKER_TIMEOUT:.0f} 秒内没有可用的 worker"
                ) from exc
            yield client
        return
    # a local cluster keeps its scratch files inside OUTDIR, like everything else a run writes
    settings = {"temporary-directory": str(scratch)} if scratch is not None else {}
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=n_jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _sniff(path: str) -> str:
    try:
        return sniff(Path(path))
    except OSError:
        return "unreadable"
