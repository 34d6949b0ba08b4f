"""Side-by-side timings on one folder of workbooks: the calamine floor, a naive pandas loop, perfxl.

    python benchmarks/make_corpus.py 2000 /tmp/corpus
    python benchmarks/bench.py /tmp/corpus [--jobs 2] [--skip-naive] [--repeat 3] [--rerun]

Everything runs in this one invocation on the same files, so the ratios are comparable even on a
shared, noisy machine: the calamine floor and `perfxl run` alternate (--repeat pairs), and each
figure is printed as min / median / max over them, the ratio as the median of the pairs' ratios.
`perfxl run` is timed as a whole process (interpreter start, imports, summary included; no
reading cache), wall and CPU (user + system of it and its reading processes); its stages are then
timed in-process. `--rerun` adds a season's re-runs with the reading cache on a copy of the folder:
a full run without the cache, then for each repeat the same files again and one file replaced.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTS)


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of CPU, user + system, the process and all its children
    peak: float = float("nan")  # MB, the measured process
    worker_peak: float = float("nan")  # MB, the largest of its children


def calamine_floor(files: list[Path]) -> Timing:
    import python_calamine as pc

    t, c = time.perf_counter(), time.process_time()
    for p in files:
        wb = pc.CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return Timing(time.perf_counter() - t, time.process_time() - c)


def naive_pandas(files: list[Path]) -> tuple[float, int]:
    import warnings

    import pandas as pd

    t = time.perf_counter()
    done = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in files:
            if p.suffix.lower() != ".xlsx":
                continue  # the openpyxl engine reads xlsx only
            pd.read_excel(p, sheet_name=None, engine="openpyxl")
            done += 1
    return time.perf_counter() - t, done


def perfxl_process(
    folder: Path, jobs: int, out: Path | None = None, extra: tuple[str, ...] = ("--no-cache",)
) -> Timing:
    """`perfxl run` as a process of its own (by default without the reading cache, so every
    file is read): wall and CPU time, peak RSS of it and of the largest reading process."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import resource, sys\n"
                "from perfxl.cli import main\n"
                "try:\n    main(sys.argv[1:])\n"
                "except SystemExit:\n    pass\n"
                "r = resource.getrusage\n"
                "print(r(resource.RUSAGE_SELF).ru_maxrss, r(resource.RUSAGE_CHILDREN).ru_maxrss,"
                " file=sys.stderr)",
                "run",
                str(folder),
                "-o",
                str(out or Path(tmp) / "out"),
                "--jobs",
                str(jobs),
                "--no-progress",
                *extra,
            ],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # as installed: compiled modules are cached (some sandboxes switch that off)
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        )
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    last = (proc.stderr.strip().splitlines() or [""])[-1].split()
    if len(last) == 2 and all(x.isdigit() for x in last):
        return Timing(wall, cpu, int(last[0]) / 1024, int(last[1]) / 1024)
    return Timing(wall, cpu)


def reruns(folder: Path, jobs: int, repeat: int = 1) -> list[tuple[str, list[Timing]]]:
    """A season's re-runs on a copy of the folder: a full run, the same files again, and one
    file changed (a different file replaced by a new workbook each time), each reading only
    what the cache does not hold; `repeat` of each, in turn."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from make_corpus import make

    with tempfile.TemporaryDirectory() as tmp:
        work, out = Path(tmp) / "in", Path(tmp) / "out"
        shutil.copytree(folder, work)
        files = _files(work)
        filling = perfxl_process(work, jobs, out, ())
        full, same, changed = [], [], []
        for k in range(repeat):  # alternating, so the machine's moods hit all three alike
            full.append(perfxl_process(work, jobs, out))
            same.append(perfxl_process(work, jobs, out, ()))
            victim = files[(len(files) // 2 + 97 * k) % len(files)]
            fresh = make(1, Path(tmp) / f"new{k}", seed=len(files) + 7919 + k)[0]
            victim.write_bytes(fresh.read_bytes())
            changed.append(perfxl_process(work, jobs, out, ()))
    return [
        ("full run, no cache (--no-cache)", full),
        ("full run, filling the cache", [filling]),
        ("re-run, nothing changed", same),
        ("re-run, one file changed", changed),
    ]


def _best(timings: Iterable[Timing]) -> Timing:
    """The median wall time and the median CPU of several tries."""
    ts = list(timings)
    return Timing(
        statistics.median(t.wall for t in ts),
        statistics.median(t.cpu for t in ts),
        max(t.peak for t in ts),
        max(t.worker_peak for t in ts),
    )


def spread(values: Iterable[float], unit: str = "s") -> str:
    """min / median / max, as every figure here is printed."""
    v = sorted(values)
    return f"{v[0]:.2f} / {statistics.median(v):.2f} / {v[-1]:.2f} {unit}"


def perfxl_stages(folder: Path, jobs: int) -> dict[str, float]:
    """perfxl's stages in this process, as `perfxl run` chains them (frames are made while the
    files are read; "assemble" is what is left once the last file is in)."""
    from perfxl.checks.engine import run_checks
    from perfxl.intake.discover import discover, hash_inputs
    from perfxl.model.frames import FrameBuilder
    from perfxl.report.outputs import write_outputs
    from perfxl.run.batch import run_batch
    from perfxl.run.reading import read_all

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        notes: list = []
        items = discover([folder], Path(tmp), notes)
        hash_inputs(items)
        out["discover+hash"] = time.perf_counter() - t
        t = time.perf_counter()
        builder = FrameBuilder()
        subs = read_all(items, jobs=jobs, sink=builder.add)
        out["read"] = time.perf_counter() - t
        t = time.perf_counter()
        frames = builder.frames([s.sub for s in subs])
        out["assemble"] = time.perf_counter() - t
        t = time.perf_counter()
        run_checks(frames)
        out["check"] = time.perf_counter() - t
        run = run_batch([folder], Path(tmp) / "o", jobs=jobs)
        t = time.perf_counter()
        write_outputs(run, Path(tmp) / "o")
        out["write"] = time.perf_counter() - t
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("folder", type=Path)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--skip-naive", action="store_true", help="skip the slow pandas.read_excel loop"
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="pairs of floor and perfxl run (and re-runs of each kind); the naive loop runs once",
    )
    ap.add_argument(
        "--rerun",
        action="store_true",
        help="also time re-runs with the reading cache (nothing changed, one file changed)",
    )
    args = ap.parse_args(argv)
    files = _files(args.folder)
    if not files:
        print("no workbooks found", file=sys.stderr)
        return 2
    n = len(files)
    # the contenders alternate, --repeat pairs: a shared machine's noise hits both alike
    floors, runs = [], []
    for _ in range(args.repeat):
        floors.append(calamine_floor(files))
        runs.append(perfxl_process(args.folder, args.jobs))
    floor, run = _best(floors), _best(runs)
    naive = naive_pandas(files) if not args.skip_naive else (float("nan"), 0)
    stages = perfxl_stages(args.folder, args.jobs)
    print(
        f"{n} workbooks in {args.folder}, --jobs {args.jobs}, {args.repeat} alternating pairs "
        "(min / median / max)"
    )
    print(
        f"  {'python-calamine, every sheet (floor)':40s} {spread(t.wall for t in floors)}  "
        f"{floor.wall / n * 1000:.2f} ms/workbook  (cpu {spread(t.cpu for t in floors)})"
    )
    if naive[1]:
        print(
            f"  {'pandas.read_excel loop (openpyxl)':40s} {naive[0]:8.2f} s  "
            f"{naive[0] / naive[1] * 1000:7.2f} ms/workbook ({naive[1]} xlsx, once)"
        )
    print(
        f"  {'perfxl run, whole process':40s} {spread(t.wall for t in runs)}  "
        f"{run.wall / n * 1000:.2f} ms/workbook  (cpu {spread(t.cpu for t in runs)}), "
        f"peak {run.peak:.0f} MB (reading processes: {run.worker_peak:.0f} MB each at most)"
    )
    for k, v in stages.items():
        print(f"    {k:38s} {v:8.2f} s")
    walls = [r.wall / f.wall for f, r in zip(floors, runs, strict=True)]
    cpus = [r.cpu / f.cpu for f, r in zip(floors, runs, strict=True)]
    print(f"  ratio perfxl run / calamine floor        {spread(walls, '×')} wall")
    print(f"                                           {spread(cpus, '×')} cpu")
    if naive[1]:
        per_naive = naive[0] / naive[1]
        print(f"  ratio naive loop / perfxl run            {per_naive / (run.wall / n):8.1f}×")
    if args.rerun:
        times = reruns(args.folder, args.jobs, args.repeat)
        print("  re-runs on a copy of the folder (perfxl run, whole process):")
        for label, ts in times:
            print(
                f"    {label:38s} {spread(t.wall for t in ts)}  (cpu {spread(t.cpu for t in ts)})"
            )
        full, one = times[0][1], times[-1][1]
        wall = [b.wall / a.wall for a, b in zip(full, one, strict=True)]
        cpu = [b.cpu / a.cpu for a, b in zip(full, one, strict=True)]
        print(
            f"  ratio one file changed / full run        {spread(wall, '')} wall, "
            f"{spread(cpu, '')} cpu"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
