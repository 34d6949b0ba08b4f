"""The summary workbook alone: seconds and microseconds per written cell, at a folder's size.

    python benchmarks/make_corpus.py 2000 /tmp/corpus2000 --seed 7
    python benchmarks/bench_summary.py /tmp/corpus2000 --repeat 5

The folder is read and checked once (`run_batch`); then `write_summary` writes summary.xlsx
--repeat times in this process, and each round's wall and CPU time is divided by the cells the
workbook holds (every <c> element of every sheet: the cells actually written, blanks not
counted). Printed as min / median / max over the rounds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CELL = re.compile(rb"<c[ >/]")


def written_cells(path: Path) -> tuple[int, dict[str, int]]:
    """The cells of the workbook, in all and per sheet part."""
    per: dict[str, int] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                per[name] = len(_CELL.findall(zf.read(name)))
    return sum(per.values()), per


def spread(values: list[float], unit: str) -> str:
    v = sorted(values)
    return f"{v[0]:.2f} / {statistics.median(v):.2f} / {v[-1]:.2f} {unit}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("folder", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)

    from perfxl.report.summary import write_summary
    from perfxl.run.batch import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        run = run_batch([args.folder], out, jobs=args.jobs)
        walls, cpus = [], []
        path = out / "summary.xlsx"
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            write_summary(run, path, outdir=out)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        cells, per = written_cells(path)
        size = path.stat().st_size
    n = len(run.projects)
    print(f"summary.xlsx for {n} projects: {cells:,} written cells, {size / 1e6:.1f} MB")
    print(f"  write_summary, {args.repeat} rounds (min / median / max)")
    print(f"    wall  {spread(walls, 's')}   {spread([w / cells * 1e6 for w in walls], 'µs/cell')}")
    print(f"    cpu   {spread(cpus, 's')}   {spread([c / cells * 1e6 for c in cpus], 'µs/cell')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
