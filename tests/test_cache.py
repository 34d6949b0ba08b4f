"""The reading cache: a re-run reads only changed files, outputs unchanged, damage never fatal."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import run_outputs

import perfxl.run.cache
import perfxl.run.reading
from perfxl.cli import main
from perfxl.read.workbook import read_workbook, unreadable
from perfxl.run.cache import (
    MAGIC,
    ReadCache,
    Unencodable,
    cacheable,
    decode,
    encode,
    fingerprint_of,
)

ROOT = Path(__file__).resolve().parent.parent
CACHE = ".perfxl-cache"


# ---------------------------------------------------------------- helpers


def _same(a: Any, b: Any) -> bool:
    """Equal, type for type (NaN equal to NaN, a tuple never equal to a list)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and str(a) == str(b))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


def _folder(bench, tmp_path: Path, n: int = 4) -> Path:
    """n national workbooks (distinct projects) and the Hainan seed."""
    src = tmp_path / "in"
    src.mkdir()
    for k in range(n):
        s = bench.national()
        s["fields"]["project_code"] = f"P-{k}"
        (src / f"{k}.xlsx").write_bytes(bench.build(s).read_bytes())
    (src / "seed.xlsx").write_bytes(bench.build(bench.seed()).read_bytes())
    return src


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files perfxl actually reads (with --jobs 1 and few files, in this process)."""
    seen: list[str] = []
    real = perfxl.run.reading.read_task

    def counting(task):
        seen.append(Path(task[1]).name)
        return real(task)

    monkeypatch.setattr(perfxl.run.reading, "read_task", counting)
    return seen


def _run(*args: str) -> Any:
    result = CliRunner().invoke(main, ["run", *args, "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    return result


def _options(out: Path) -> dict[str, Any]:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))["options"]


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json") if p.parent.parent.parent == root)


def _read(src: Path, root: Path) -> tuple[list[Any], ReadCache]:
    """What a run does before its checks: discover, hash, read through the cache, prune."""
    from perfxl.intake.discover import discover, hash_inputs
    from perfxl.run.reading import read_all

    work = src.parent / "work"
    work.mkdir(exist_ok=True)
    items = discover([src], work, [])
    hash_inputs(items)
    cache = ReadCache(root)
    subs = read_all(items, jobs=1, cache=cache)
    cache.prune()
    return subs, cache


# ---------------------------------------------------------------- incremental runs


def test_second_run_reads_only_the_changed_file(bench, tmp_path, reads) -> None:
    src = _folder(bench, tmp_path)
    out = tmp_path / "out"
    first = _run(str(src), "-o", str(out))
    assert sorted(reads) == ["0.xlsx", "1.xlsx", "2.xlsx", "3.xlsx", "seed.xlsx"]
    assert "读取缓存" not in first.output
    assert _options(out)["cache"] == {
        "dir": str(out / CACHE),
        "hits": 0,
        "stored": 5,
        "rejected": 0,
        "uncacheable": 0,
        "read": 5,
    }
    assert len(_entries(out / CACHE)) == 5
    assert (out / CACHE / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")
    before = run_outputs(out)

    # one unit resubmits, another file is renamed: only the changed one is read
    s = bench.national()
    s["fields"]["project_code"] = "P-2"
    s["fields"]["submit_date"] = "2025-03-01"  # a later version, with another change
    s["fields"]["problems"] = "部分学生未按时就餐"
    (src / "2.xlsx").write_bytes(bench.build(s).read_bytes())
    (src / "0.xlsx").rename(src / "改名后.xlsx")
    reads.clear()
    again = _run(str(src), "-o", str(out))
    assert reads == ["2.xlsx"]
    assert "读取缓存：4 个文件内容未变，沿用上次的读取结果；重新读取 1 个。" in again.output
    stats = _options(out)["cache"]
    assert (stats["hits"], stats["read"], stats["stored"]) == (4, 1, 1)
    # … and the outputs are those of a run without the cache
    fresh = tmp_path / "fresh"
    reads.clear()
    _run(str(src), "-o", str(fresh), "--no-cache")
    assert len(reads) == 5
    assert not (fresh / CACHE).exists()
    assert _options(fresh)["cache"] is None
    assert run_outputs(out) == run_outputs(fresh)
    assert run_outputs(out)["projects.csv"] != before["projects.csv"]
    # a renamed file is shown under its new name
    assert "改名后.xlsx" in (out / "projects.csv").read_text(encoding="utf-8-sig")


def test_cache_dir_shared_and_inside_an_input_folder(bench, tmp_path, reads) -> None:
    src = _folder(bench, tmp_path, n=1)
    inside = src / "cache"
    _run(str(src), "-o", str(tmp_path / "out1"), "--cache-dir", str(inside))
    assert len(_entries(inside)) == 2
    reads.clear()
    _run(str(src), "-o", str(tmp_path / "out2"), "--cache-dir", str(inside))
    assert reads == []  # shared between output folders
    for out in ("out1", "out2"):
        assert not (tmp_path / out / CACHE).exists()
    # the cache inside the input folder is not taken for submissions
    data = json.loads((tmp_path / "out2" / "run.json").read_text(encoding="utf-8"))
    status = {i["file"]: (i["status"], i["reason"]) for i in data["inputs"]}
    assert status["in/cache"] == ("skipped", "perfxl 读取缓存文件夹")
    assert not [f for f in status if f.startswith("in/cache/")]


def test_cache_options_usage_errors(tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (tmp_path / "file").write_text("x")
    runner = CliRunner()
    both = runner.invoke(
        main, ["run", str(src), "-o", str(tmp_path / "o"), "--no-cache", "--cache-dir", "c"]
    )
    assert both.exit_code == 2
    assert "perfxl: --no-cache 与 --cache-dir 不能同时使用" in both.output
    not_dir = runner.invoke(
        main, ["run", str(src), "-o", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "file")]
    )
    assert not_dir.exit_code == 2
    assert "是文件，此处需要文件夹" in not_dir.output  # click's own check, in Chinese
    assert not (tmp_path / "o").exists()


def test_library_runs_without_a_cache_unless_asked(bench, tmp_path) -> None:
    from perfxl.run.batch import run_batch

    src = _folder(bench, tmp_path, n=1)
    run = run_batch([src], tmp_path / "out", jobs=1, cache_dir=tmp_path / "c")
    assert run.options["cache"]["stored"] == 2
    assert list((tmp_path / "out").iterdir()) == []
    assert inspect_default(run_batch, "cache_dir") is None


def inspect_default(fn: Any, name: str) -> Any:
    import inspect

    return inspect.signature(fn).parameters[name].default


# ---------------------------------------------------------------- damage and interruptions


class _Trap:
    """A pickle that would leave a file behind if anything ever unpickled it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "unpickled"))


def _rewrite(entry: Path, body: bytes) -> None:
    """Replace an entry's body and give it a matching header: damage a checksum cannot see."""
    head = entry.read_bytes().split(b"\n", 1)[0].split(b" ")
    head[4] = hashlib.sha256(body).hexdigest().encode()
    entry.write_bytes(b" ".join(head) + b"\n" + body)


def test_damaged_entries_are_dropped_and_rebuilt(bench, tmp_path, reads) -> None:
    src = _folder(bench, tmp_path, n=6)
    root = tmp_path / "cache"
    first, _ = _read(src, root)
    entries = _entries(root)
    assert len(entries) == 7
    names = {}
    for e in entries:
        body = e.read_bytes().split(b"\n", 1)[1]
        names[e] = Path(json.loads(body)["file"]).name
    marker = tmp_path / "pwned"
    truncated, flipped, empty, shape, pickled, foreign, _ = entries
    raw = truncated.read_bytes()
    truncated.write_bytes(raw[: len(raw) // 2])  # a power cut mid-write
    raw = bytearray(flipped.read_bytes())
    raw[-40] ^= 0x01  # one bit on the disk
    flipped.write_bytes(bytes(raw))
    empty.write_bytes(b"")
    _rewrite(shape, json.dumps({"file": 1, "findings": "x"}).encode())  # hand-edited, wrong shape
    _rewrite(pickled, pickle.dumps(_Trap(marker)))  # someone planted code
    foreign.write_bytes(entries[-1].read_bytes())  # another file's entry under this name
    (root / "CACHEDIR.TAG").write_bytes(b"\x00garbage")
    (root / "index.json").write_bytes(b"{not json")
    damaged = sorted(names[e] for e in (truncated, flipped, empty, shape, pickled, foreign))

    reads.clear()
    again, cache = _read(src, root)
    assert sorted(reads) == damaged
    assert (cache.rejected, cache.hits, cache.stored) == (6, 1, 6)
    assert not marker.exists()  # an entry is never unpickled, nor run
    assert _same(
        [dataclasses.replace(s, read_ms=0.0) for s in again],
        [dataclasses.replace(s, read_ms=0.0) for s in first],
    )
    reads.clear()
    third, cache = _read(src, root)
    assert reads == [] and cache.hits == 7  # rebuilt
    assert _same(
        [dataclasses.replace(s, read_ms=0.0) for s in third],
        [dataclasses.replace(s, read_ms=0.0) for s in first],
    )


def test_an_interrupted_run_keeps_what_it_read(bench, tmp_path, monkeypatch) -> None:
    src = _folder(bench, tmp_path)
    root = tmp_path / "cache"
    real = perfxl.run.reading.read_task
    calls: list[str] = []

    def interrupted(task):
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C (or a kill) while the third file is read
        calls.append(task[1])
        return real(task)

    monkeypatch.setattr(perfxl.run.reading, "read_task", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _read(src, root)
    assert len(_entries(root)) == 2  # the two files read before the interruption
    assert not list(root.rglob("*.tmp"))
    # a write cut short by kill -9 leaves a temporary file: swept once it is old
    shard = _entries(root)[0].parent
    stale = shard / f".{'a' * 64}.99999999.0123abcd.tmp"
    stale.write_bytes(b"half an entry")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    recent = shard / f".{'b' * 64}.99999999.0123abcd.tmp"
    recent.write_bytes(b"another run is writing this one")

    calls.clear()
    monkeypatch.setattr(perfxl.run.reading, "read_task", lambda t: (calls.append(t[1]), real(t))[1])
    _, cache = _read(src, root)
    assert len(calls) == 3 and cache.hits == 2  # the rest only
    assert not stale.exists() and recent.exists()
    assert len(_entries(root)) == 5


KILLABLE = """
import sys, time
import perfxl.run.reading
from perfxl.cli import main

ready, args = sys.argv[1], sys.argv[2:]
real, done = perfxl.run.reading.read_task, []

def slow(task):
    if len(done) == 2:
        open(ready, "w").close()
        time.sleep(120)  # killed here, while the third file is being read
    done.append(task)
    return real(task)

perfxl.run.reading.read_task = slow
main(args)
"""


def test_kill_9_keeps_what_was_read(bench, tmp_path, reads) -> None:
    import signal
    import subprocess
    import sys

    src = _folder(bench, tmp_path)
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    args = ["run", str(src), "-o", str(out), "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, str(ready), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(_entries(out / CACHE)) == 2
    assert not (out / "summary.xlsx").exists()
    reads.clear()
    _run(str(src), "-o", str(out))
    assert len(reads) == 3  # only what the killed run had not read


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(bench, tmp_path) -> None:
    src = _folder(bench, tmp_path, n=1)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder's parent should be")
    subs, cache = _read(src, blocker / "cache")
    assert len(subs) == 2 and not any(s.blocked for s in subs)
    assert (cache.stored, cache.hits, cache.writable) == (0, 0, False)


def test_old_entries_and_other_readers_are_pruned(bench, tmp_path, reads, monkeypatch) -> None:
    src = _folder(bench, tmp_path, n=2)
    root = tmp_path / "cache"
    _read(src, root)
    entries = {e.stem: e for e in _entries(root)}
    old = time.time() - 40 * 24 * 3600
    for e in entries.values():
        os.utime(e, (old, old))
    gone = src / "0.xlsx"
    gone_sha = hashlib.sha256(gone.read_bytes()).hexdigest()
    gone.unlink()
    _read(src, root)
    left = {e.stem for e in _entries(root)}
    assert left == set(entries) - {gone_sha}  # unused for 40 days: removed; used: kept
    # another perfxl (version, source, parser): nothing it cached is used, and it is removed
    version_dir = next(p for p in root.iterdir() if p.is_dir())
    monkeypatch.setattr(perfxl.run.cache, "_fingerprint", "f" * 64)
    reads.clear()
    _read(src, root)
    assert len(reads) == 2
    assert not version_dir.exists()


def test_fingerprint_follows_source_and_versions(tmp_path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "read").mkdir(parents=True)
    (pkg / "read" / "extract.py").write_text("A = 1\n")
    (pkg / "spec.py").write_text("B = 2\n")
    base = fingerprint_of(pkg, "0.1.0", "0.9.1")
    assert fingerprint_of(pkg, "0.1.0", "0.9.1") == base
    assert fingerprint_of(pkg, "0.1.1", "0.9.1") != base
    assert fingerprint_of(pkg, "0.1.0", "0.9.2") != base
    (pkg / "spec.py").write_text("B = 3\n")
    assert fingerprint_of(pkg, "0.1.0", "0.9.1") != base


# ---------------------------------------------------------------- the entry format


def test_every_sample_survives_the_round_trip(bench) -> None:
    from synth.foreign import STYLES

    paths = sorted((ROOT / "samples").glob("*.xlsx"))
    for style in STYLES:
        if style == "xls":
            pytest.importorskip("xlwt")
        s = bench.national()
        s["layout"] = "foreign"
        s["foreign"] = {"style": style}
        paths.append(bench.build(s, f"foreign_{style}.{'xls' if style == 'xls' else 'xlsx'}"))
    paths.append(bench.build(bench.seed()))
    for p in paths:
        sub = read_workbook(p)
        assert _same(decode(encode(sub)), sub), p.name


def test_values_json_has_no_type_for_come_back_as_they_were() -> None:
    from perfxl.model.submission import Extract, Submission

    tz = dt.timezone(dt.timedelta(hours=8))
    zoo = {
        "nan": math.nan,
        "inf": -math.inf,
        "negzero": -0.0,
        "big": 10**30,
        "float": 0.1 + 0.2,
        "tuple": ("表1", "B7"),
        "nested": [("a", 1), {"k": (1, 2)}],
        "date": dt.date(2024, 12, 31),
        "datetime": dt.datetime(2025, 3, 5, 10, 30, 1, 5, tzinfo=tz),
        "naive": dt.datetime(2025, 3, 5, 10, 30),
        "time": dt.time(9, 15),
        "delta": dt.timedelta(days=2, seconds=5),
        "int_keys": {1: "a", (2, 3): "b"},
        "dollar": {"$tuple": "not a tag"},
        "text": "=SUM(A1) \u202e 中文",
        "none": None,
        "bool": True,
    }
    ex = Extract("national2020", "template", project=copy.deepcopy(zoo), refs={"x": ("S", "A1")})
    ex.indicators.append(copy.deepcopy(zoo))
    sub = Submission("a.xlsx", "ab" * 32, 10, 1.5, "xlsx", extract=ex)
    back = decode(encode(sub))
    assert _same(back, sub)
    for bad in (np.float64(1.5), decimal.Decimal("1.5"), {1, 2}, b"bytes"):
        ex.project["bad"] = bad
        with pytest.raises(Unencodable):
            encode(sub)


def test_what_is_not_cached(tmp_path) -> None:
    cache = ReadCache(tmp_path / "c")
    crashed = unreadable(str(tmp_path / "x.xls"), "x.xls", "ab" * 32, "R01", "crash")
    assert not cacheable(crashed)  # a crash or an OS error may not happen next time
    cache.put(crashed)
    assert cache.stored == 0
    from perfxl.model.submission import Submission

    odd = Submission("a.xlsx", "cd" * 32, 1, None, "xlsx", provenance={})
    odd.read_ms = np.float64(1.0)  # type: ignore[assignment]  # a value JSON would not bring back
    cache.put(odd)
    assert (cache.stored, cache.uncacheable) == (0, 1)
    assert cache.get("cd" * 32, "a.xlsx", tmp_path) is None


def test_entry_header_names_the_reader_and_the_file(bench, tmp_path) -> None:
    path = bench.build(bench.national())
    sub = read_workbook(path)
    cache = ReadCache(tmp_path / "c")
    cache.put(sub)
    entry = next((tmp_path / "c").rglob("*.json"))
    magic, fmt, fingerprint, sha, digest = entry.read_bytes().split(b"\n", 1)[0].split(b" ")
    assert (magic, fmt, fingerprint.decode(), sha.decode()) == (
        MAGIC,
        b"1",
        cache.fingerprint,
        sub.sha256,
    )
    assert entry.name == f"{sub.sha256}.json" and entry.parent.name == sub.sha256[:2]
    got = cache.get(sub.sha256, "shown.xlsx", path)
    assert got is not None and got.file == "shown.xlsx" and cache.hits == 1
    assert _same(dataclasses.replace(got, file=sub.file, read_ms=sub.read_ms), sub)
