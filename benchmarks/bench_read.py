"""Reading cost per workbook: perfxl's reader against a bare python-calamine read of the same files.

    python benchmarks/bench_read.py samples/ --repeat 5

Both loops run in this one process, alternating, over the same files, so machine noise hits both.
CPU time of this process (the reader's own cost, whatever else the machine runs), per workbook,
min / median / max over the rounds; the ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import python_calamine as pc  # noqa: E402

from perfxl.read.workbook import read_workbook  # noqa: E402

EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}


def calamine_all_sheets(path: Path) -> int:
    wb = pc.CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python()
        cells += sum(len(r) for r in rows)
    return cells


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("folder", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in EXTS)
    if not files:
        print("no workbooks found", file=sys.stderr)
        return 2
    floor: list[float] = []
    ours: list[float] = []
    for p in files:  # warm both paths (imports, regex compilation, OS cache)
        calamine_all_sheets(p)
        read_workbook(p)
    for _ in range(args.repeat):
        t = time.process_time()
        for p in files:
            calamine_all_sheets(p)
        floor.append((time.process_time() - t) / len(files) * 1000)
        t = time.process_time()
        for p in files:
            read_workbook(p)
        ours.append((time.process_time() - t) / len(files) * 1000)
    ratios = [o / f for f, o in zip(floor, ours, strict=True)]

    def spread(v: list[float], unit: str) -> str:
        v = sorted(v)
        return f"{v[0]:6.2f} / {statistics.median(v):6.2f} / {v[-1]:6.2f} {unit}"

    print(f"{len(files)} workbooks × {args.repeat} rounds (CPU per workbook, min / median / max)")
    print(f"  python-calamine, all sheets : {spread(floor, 'ms')}")
    print(f"  perfxl read_workbook        : {spread(ours, 'ms')}")
    print(f"  ratio perfxl / calamine     : {spread(ratios, '×')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
