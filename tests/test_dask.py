"""`--executor dask`: the results of the local executor, on a local and on an existing cluster."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import run_outputs

from perfxl.cli import main

ROOT = Path(__file__).resolve().parent.parent
HAS_DASK = all(importlib.util.find_spec(m) is not None for m in ("dask", "distributed"))
needs_dask = pytest.mark.skipif(not HAS_DASK, reason='needs dask: pip install -e ".[dask]"')


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    # TMPDIR of its own: what the run writes outside OUTDIR would show up there
    return {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(tmp),
        **extra,
    }


def _perfxl(tmp: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`perfxl …` in a process of its own: Dask's threads never enter the test process."""
    return subprocess.run(
        [sys.executable, "-m", "perfxl", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(tmp, **env),
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The shipped samples, a legacy .xls, a zip of a sample, an HTML file saved as .xls."""
    src = tmp_path_factory.mktemp("dask") / "in"
    src.mkdir()
    samples = sorted((ROOT / "samples").glob("*.xlsx"))
    for p in samples:
        shutil.copyfile(p, src / p.name)
    with zipfile.ZipFile(src / "bundle.zip", "w") as zf:
        zf.write(samples[0], "部门/" + samples[0].name.replace(".xlsx", "_zip.xlsx"))
    (src / "网页.xls").write_text("<html><table><tr><td>1</td></tr></table></html>")
    if importlib.util.find_spec("xlwt") is not None:
        from synth.foreign import build_foreign_workbook
        from synth.samples import national_example

        s = national_example()
        s["layout"] = "foreign"
        s["fields"]["project_code"] = "XLS-1"
        s["foreign"] = {"style": "xls"}
        build_foreign_workbook(s, src / "legacy.xls")
    return src


@pytest.fixture(scope="module")
def local_run(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    done = _perfxl(out.parent, "run", str(inputs), "-o", str(out), "-j", "2", "--no-cache")
    assert done.returncode == 1, done.stderr  # the samples carry error-level findings
    return out


@needs_dask
def test_local_dask_cluster_gives_the_local_results(inputs, local_run, tmp_path) -> None:
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = _perfxl(
        tmp, "run", str(inputs), "-o", str(out), "-j", "2", "--no-cache", "--executor", "dask"
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert run_outputs(out) == run_outputs(local_run)
    options = json.loads((out / "run.json").read_text(encoding="utf-8"))["options"]
    spread = options["dask"]
    assert options["executor"] == "dask" and spread["workers"] == 2
    # files handed out in batches, not one task per file
    assert 1 < spread["tasks"] < spread["files_on_cluster"]
    legacy = 1 if (inputs / "legacy.xls").exists() else 0
    assert spread["files_here"] == legacy  # read by this machine's own reading processes
    assert f"Dask：2 个 worker 以 {spread['tasks']} 个任务读取" in done.stdout
    # the local cluster kept its scratch files inside OUTDIR (and removed them)
    assert list(tmp.iterdir()) == []
    assert {p.name for p in out.iterdir()} == {
        "summary.xlsx",
        "projects.csv",
        "findings.csv",
        "run.json",
    }


@contextlib.contextmanager
def _cluster(tmp: Path):
    """`dask scheduler` and `dask worker`, as the README tells, on loopback."""
    info = tmp / "scheduler.json"
    env = _env(tmp)
    common = {"env": env, "cwd": tmp, "start_new_session": True}
    logs = [open(tmp / "scheduler.log", "wb"), open(tmp / "worker.log", "wb")]  # noqa: SIM115
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0"]
                + ["--no-dashboard", "--scheduler-file", str(info)],
                stdout=logs[0],
                stderr=subprocess.STDOUT,
                **common,  # type: ignore[arg-type]
            )
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(info)]
                + ["--nworkers", "1", "--nthreads", "2", "--no-dashboard"]
                + ["--local-directory", str(tmp)],
                stdout=logs[1],
                stderr=subprocess.STDOUT,
                **common,  # type: ignore[arg-type]
            )
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                address = json.loads(info.read_text())["address"]
                break
            except (OSError, ValueError, KeyError):
                if time.monotonic() > deadline:
                    pytest.fail((tmp / "scheduler.log").read_text(errors="replace"))
                time.sleep(0.2)
        yield address
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for f in logs:
            f.close()


@needs_dask
def test_an_existing_cluster_gives_the_local_results(inputs, local_run, tmp_path) -> None:
    out = tmp_path / "out"
    with _cluster(tmp_path) as address:
        assert address.startswith("tcp://127.0.0.1:")
        done = _perfxl(tmp_path, "run", str(inputs), "-o", str(out), "--scheduler", address)
        assert done.returncode == 1, done.stderr
        assert run_outputs(out) == run_outputs(local_run)
        options = json.loads((out / "run.json").read_text(encoding="utf-8"))["options"]
        assert options["scheduler"] == address and options["executor"] == "dask"
        assert options["dask"]["workers"] == 2 and options["dask"]["files_on_cluster"] > 20
        # the cache works the same with Dask: a second run sends nothing to the cluster
        again = _perfxl(tmp_path, "run", str(inputs), "-o", str(out), "--scheduler", address)
        assert again.returncode == 1, again.stderr
        options = json.loads((out / "run.json").read_text(encoding="utf-8"))["options"]
        assert options["cache"]["read"] == 0 and options["dask"]["tasks"] == 0
        assert run_outputs(out) == run_outputs(local_run)


@needs_dask
def test_an_unreachable_scheduler_is_one_line(tmp_path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = _perfxl(
        tmp_path,
        "run",
        str(ROOT / "samples" / "海南省商务厅_信息系统运行维护_2018.xlsx"),
        "-o",
        str(tmp_path / "out"),
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
        DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s",
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"perfxl: 无法连接 Dask 调度器 tcp://127.0.0.1:{port}：")
    assert "Traceback" not in done.stderr


def test_without_dask_installed_a_clear_message(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    src = ROOT / "samples"
    for extra in (["--executor", "dask"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        result = CliRunner().invoke(main, ["run", str(src), "-o", str(tmp_path / "o"), *extra])
        assert result.exit_code == 2
        assert result.output.startswith(
            'perfxl: --executor dask 需要安装 Dask：python -m pip install "perfxl[dask]"'
        )
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
    both = CliRunner().invoke(
        main,
        ["run", str(src), "-o", str(tmp_path / "o"), "--executor", "local", "--scheduler", "x"],
    )
    assert both.exit_code == 2 and "--scheduler 只用于 --executor dask" in both.output


def test_chunks_are_batches() -> None:
    from perfxl.run.executors import chunk_size

    assert chunk_size(2000, 2) == 64
    assert chunk_size(100, 2) == 12
    assert chunk_size(20, 2) == 4
    assert chunk_size(3, 2) == 1  # too few files to share out otherwise
    assert chunk_size(100_000, 8) == 64


# ---------------------------------------------------------------- a cluster that misbehaves


class _Future:
    def __init__(self, key: int, run: Any) -> None:
        self.key = key
        self._run = run

    def result(self) -> Any:
        return self._run()


class _FakeClient:
    """Stands in for a Dask client: runs each task here, or fails it as a cluster would."""

    def __init__(self, fail: Any = None, path_seen: Any = None, fingerprint: Any = None) -> None:
        self.fail = fail  # chunk -> exception to raise, or None
        self.path_seen = path_seen  # how a worker sees a path
        self.fingerprint = fingerprint
        self.chunks: list[list[str]] = []

    def nthreads(self) -> dict[str, int]:
        return {"tcp://w1": 1, "tcp://w2": 1}

    def map(self, fn: Any, chunks: list[Any], pure: bool = True) -> list[_Future]:
        assert not pure  # every task runs, none is taken for another with the same input
        futures = []
        for chunk in chunks:
            self.chunks.append([t[1] for t in chunk])

            def run(chunk: Any = chunk) -> Any:
                error = self.fail(chunk) if self.fail else None
                if error is not None:
                    raise error
                seen = [(self.path_seen(p) if self.path_seen else p, d, h) for p, d, h in chunk]
                theirs, subs = fn(seen)
                return (self.fingerprint or theirs), subs

            futures.append(_Future(len(self.chunks), run))
        return futures


def _tasks(bench, n: int) -> list[tuple[str, str, str]]:
    import hashlib

    out = []
    for k in range(n):
        s = bench.national()
        s["fields"]["project_code"] = f"K-{k}"
        p = bench.build(s, f"k{k}.xlsx")
        out.append((str(p), p.name, hashlib.sha256(p.read_bytes()).hexdigest()))
    return out


@pytest.fixture
def fake(monkeypatch):
    if not HAS_DASK:
        pytest.skip('needs dask: pip install -e ".[dask]"')
    import distributed

    import perfxl.run.executors

    holder: dict[str, _FakeClient] = {}

    @contextlib.contextmanager
    def client(scheduler, n_jobs, scratch):
        yield holder["client"]

    monkeypatch.setattr(perfxl.run.executors, "_client", client)
    monkeypatch.setattr(distributed, "as_completed", lambda futures: iter(futures))
    return holder


def test_a_worker_that_dies_costs_only_its_file(bench, fake) -> None:
    from perfxl.read.isolate import CRASHED
    from perfxl.read.workbook import read_workbook
    from perfxl.run.executors import read_with_dask

    tasks = _tasks(bench, 16)
    killer = tasks[5][1]

    class KilledWorker(Exception):
        pass

    fake["client"] = client = _FakeClient(
        fail=lambda chunk: KilledWorker() if any(t[1] == killer for t in chunk) else None
    )
    stats: dict[str, Any] = {}
    stored: list[str] = []
    subs = read_with_dask(tasks, 2, done=lambda s: stored.extend(x.file for x in s), stats=stats)
    assert [s.file for s in subs] == [t[1] for t in tasks]
    lost = next(c for c in client.chunks if killer in c)
    assert len(lost) == 4  # chunks of four files (16 files, two workers)
    # the lost chunk was retried file by file; only the killer is lost
    assert client.chunks[-4:] == [[name] for name in lost]
    dead = subs[5]
    assert dead.blocked and dead.findings[0].rule == "R01" and CRASHED in dead.findings[0].message
    for task, sub in zip(tasks, subs, strict=True):
        if task[1] != killer:
            assert not sub.blocked
            assert sub.extract == read_workbook(task[0], task[1], task[2]).extract
    assert stats == {"workers": 2, "tasks": 4 + 4, "files_on_cluster": 16, "files_here": 0}
    assert sorted(stored) == sorted(t[1] for t in tasks)


def test_files_a_worker_cannot_open_are_read_here(bench, fake) -> None:
    from perfxl.run.executors import read_with_dask

    tasks = _tasks(bench, 3)
    fake["client"] = _FakeClient(path_seen=lambda p: p + ".not-on-this-worker")
    stats: dict[str, Any] = {}
    subs = read_with_dask(tasks, 2, stats=stats)
    assert not any(s.blocked for s in subs)
    assert stats["files_here"] == 3 and stats["files_on_cluster"] == 0


def test_workers_with_another_perfxl_stop_the_run(bench, fake) -> None:
    from perfxl.run.executors import ExecutorError, read_with_dask

    tasks = _tasks(bench, 2)
    fake["client"] = _FakeClient(fingerprint="0" * 64)
    with pytest.raises(ExecutorError, match="perfxl 与本机不同"):
        read_with_dask(tasks, 2)
    fake["client"] = _FakeClient(fail=lambda chunk: ModuleNotFoundError("No module named 'perfxl'"))
    with pytest.raises(ExecutorError, match="无法导入 perfxl"):
        read_with_dask(tasks, 2)
