"""What `perfxl check` costs on one workbook, next to what any Python tool on pandas must pay.

    python benchmarks/bench_check.py [FILE ...] [--repeat 7]

Each round runs, as separate processes and one right after the other: an empty interpreter,
`import pandas`, a bare python-calamine read of the file (interpreter + calamine, every sheet),
and `perfxl check FILE` (the console command, output to a pipe). The rounds alternate, so the
medians share the machine's moods; "perfxl's own" is perfxl's median minus `import pandas`'s.
Then one in-process breakdown: imports, reading, frames, checks, the printed table.
Defaults to the two real-form samples (a national 2024 form and the Hainan 2018 report).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = (
    ROOT / "samples" / "临江市第一中学_校舍维修改造_2024.xlsx",
    ROOT / "samples" / "海南省商务厅_信息系统运行维护_2018.xlsx",
)
CALAMINE_READ = (
    "import sys, python_calamine as pc\n"
    "wb = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
    "for n in wb.sheet_names: wb.get_sheet_by_name(n).to_python()\n"
)
STAGES = """
import sys, time
t0 = time.perf_counter()
import pandas
t1 = time.perf_counter()
import perfxl.cli
from perfxl.checks import load_all
from perfxl.checks.engine import run_checks
from perfxl.model.frames import build_frames
from perfxl.checks.outcome import Report
from perfxl.run.check import read_files
from perfxl.report.machine import report_dict
from perfxl.report.text import render_report
from perfxl.checks.config import DEFAULT
load_all()
t2 = time.perf_counter()
subs = read_files([sys.argv[1]])
t3 = time.perf_counter()
frames = build_frames(subs)
t4 = time.perf_counter()
checked = run_checks(frames)
t5 = time.perf_counter()
render_report(report_dict(Report(subs, frames, checked, DEFAULT)))
t6 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
"""
STAGE_NAMES = ("import pandas", "import perfxl + rules", "read", "frames", "checks", "table")


def _perfxl_command() -> list[str]:
    exe = Path(sys.executable).with_name("perfxl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "perfxl"]


def _timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    took = time.perf_counter() - t
    if proc.returncode not in (0, 1):  # 1: the workbook has error-level findings
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return took


def contenders(path: Path) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python (empty interpreter)": [py, "-c", "pass"],
        "python -c 'import pandas'": [py, "-c", "import pandas"],
        "python-calamine read, every sheet": [py, "-c", CALAMINE_READ, str(path)],
        "perfxl check FILE": [*_perfxl_command(), "check", str(path)],
    }


def bench_file(path: Path, repeat: int) -> dict[str, float]:
    runs = contenders(path)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for cmd in runs.values():  # one warm-up round: file cache, .pyc files
        _timed(cmd)
    for _ in range(repeat):
        for name, cmd in runs.items():
            times[name].append(_timed(cmd))
    return {name: statistics.median(t) for name, t in times.items()}


def stages(path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", STAGES, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return dict(zip(STAGE_NAMES, map(float, out), strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    ap.add_argument("--repeat", type=int, default=7, help="rounds per file (median reported)")
    args = ap.parse_args(argv)
    for path in args.files:
        med = bench_file(path, args.repeat)
        pandas_floor = med["python -c 'import pandas'"]
        mine = med["perfxl check FILE"]
        print(f"{path.name}  (median of {args.repeat}, wall seconds)")
        for name, t in med.items():
            print(f"  {name:<36} {t:7.3f}")
        print(f"  {'perfxl own (check − import pandas)':<36} {mine - pandas_floor:7.3f}")
        print(f"  {'perfxl check / import pandas':<36} {mine / pandas_floor:7.2f}×")
        parts = stages(path)
        print("  in-process: " + " · ".join(f"{k} {v * 1000:.0f} ms" for k, v in parts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
