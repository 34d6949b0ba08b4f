"""Compare two perfxl output folders: CSVs byte for byte, workbooks and run.json value for value.

    python scripts/compare_outputs.py OUT_BEFORE OUT_AFTER

Used to show that a change of structure changed nothing for users. Run stamps (times, durations,
output paths, the version fingerprint) are left out; everything else must be equal. Exits 1 and
lists the first differences when the folders differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

# run.json keys that differ between any two runs ("outputs" holds each output's sha256, and the
# summary's carries its own time; the files themselves are compared below)
_STAMPS = {"started", "finished", "outputs"}
# summary cells that hold the run's time or duration
_STAMP_LABELS = ("运行于 ", "开始时间", "结束时间", "用时（秒）", "汇总表生成时间")


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _stamp_row(row: list[object]) -> bool:
    return bool(row) and isinstance(row[0], str) and row[0].startswith(_STAMP_LABELS)


def _compare_book(a: Path, b: Path, out: list[str]) -> None:
    sa, sb = _sheets(a), _sheets(b)
    if list(sa) != list(sb):
        out.append(f"{a.name}: sheets {list(sa)} != {list(sb)}")
        return
    for name in sa:
        ra, rb = sa[name], sb[name]
        if len(ra) != len(rb):
            out.append(f"{a.name}/{name}: {len(ra)} rows != {len(rb)}")
            continue
        for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
            if x != y and not (_stamp_row(x) and _stamp_row(y)):
                out.append(f"{a.name}/{name} row {i + 1}: {x} != {y}")
                break


def _strip(v: object) -> object:
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if k not in _STAMPS}
    if isinstance(v, list):
        return [_strip(x) for x in v]
    return v


def compare(before: Path, after: Path) -> list[str]:
    out: list[str] = []
    fa = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(after) for p in after.rglob("*") if p.is_file())
    fa = [p for p in fa if ".perfxl-cache" not in p.parts]
    fb = [p for p in fb if ".perfxl-cache" not in p.parts]
    if fa != fb:
        out.append(f"files differ: only before {set(fa) - set(fb)}, only after {set(fb) - set(fa)}")
    for rel in sorted(set(fa) & set(fb)):
        a, b = before / rel, after / rel
        if rel.suffix == ".csv" and a.read_bytes() != b.read_bytes():
            out.append(f"{rel}: bytes differ")
        elif rel.suffix == ".xlsx":
            _compare_book(a, b, out)
        elif rel.suffix == ".json":
            ja, jb = (
                _strip(json.loads(a.read_text("utf-8"))),
                _strip(json.loads(b.read_text("utf-8"))),
            )
            if ja != jb:
                out.append(f"{rel}: values differ")
        elif rel.suffix == ".eml":
            # the Date and Message-ID headers are made at run time
            la = [
                x
                for x in a.read_bytes().splitlines()
                if not x.startswith((b"Date:", b"Message-ID:"))
            ]
            lb = [
                x
                for x in b.read_bytes().splitlines()
                if not x.startswith((b"Date:", b"Message-ID:"))
            ]
            if la != lb:
                out.append(f"{rel}: message differs")
    return out


def main() -> int:
    before, after = (Path(p) for p in sys.argv[1:3])
    diffs = compare(before, after)
    for d in diffs[:40]:
        print(d)
    print(f"{len(diffs)} differences" if diffs else "identical (run stamps aside)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
