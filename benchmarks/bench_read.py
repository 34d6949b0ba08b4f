"""Reading cost per workbook: perfxl's reader against a bare python-calamine read of the same files.

    python benchmarks/bench_read.py samples/ --repeat 5

Both loops run in this one process, alternating, over the same files, so machine noise hits both.
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
        t = time.perf_counter()
        for p in files:
            calamine_all_sheets(p)
        floor.append((time.perf_counter() - t) / len(files) * 1000)
        t = time.perf_counter()
        for p in files:
            read_workbook(p)
        ours.append((time.perf_counter() - t) / len(files) * 1000)
    f, o = statistics.median(floor), statistics.median(ours)
    print(f"{len(files)} workbooks × {args.repeat} rounds (median ms per workbook)")
    print(f"  python-calamine, all sheets : {f:7.2f} ms")
    print(f"  perfxl read_workbook        : {o:7.2f} ms")
    print(f"  ratio perfxl / calamine     : {o / f:7.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
