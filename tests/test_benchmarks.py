"""The benchmark scripts keep working: a small corpus, and bench.py over it end to end."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from perfxl.read.workbook import read_workbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from make_corpus import make
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    paths = make(40, out, seed=3)
    assert len(paths) == 40
    return out


def test_corpus_is_distinct_and_varied(corpus) -> None:
    files = sorted(corpus.iterdir())
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert len(digests) == len(files)  # distinct workbooks, not copies
    subs = [read_workbook(p) for p in files]
    assert {s.profile for s in subs} == {"national2020", "hainan2011"}
    assert not [s.file for s in subs if s.blocked]  # every one readable
    assert len({(s.extract.project.get("unit"), s.extract.project.get("dept")) for s in subs}) > 10
    assert any(s.layout != "template" for s in subs)  # some foreign national layouts


def test_bench_runs_side_by_side_and_prints_the_ratios(corpus) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            str(corpus),
            "--jobs",
            "1",
            "--rerun",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in (
        "python-calamine, every sheet (floor)",
        "pandas.read_excel loop (openpyxl)",
        "perfxl run, whole process",
        "read",
        "check",
        "write",
        "ratio perfxl run / calamine floor",
        "ratio naive loop / perfxl run",
        "re-run, one file changed",
        "ratio one file changed / full run",
    ):
        assert label in out, label
    peak = [line for line in out.splitlines() if "perfxl run, whole process" in line][0]
    assert " MB" in peak and "nan" not in peak  # the run process reported its peak memory


def test_bench_check_times_one_workbook_next_to_the_pandas_import() -> None:
    sample = ROOT / "samples" / "临江市第一中学_校舍维修改造_2024.xlsx"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_check.py"), str(sample), "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = dict(
        line.strip().rsplit(None, 1)
        for line in proc.stdout.splitlines()[1:]
        if line.startswith("  ") and "in-process" not in line
    )
    for label in (
        "python (empty interpreter)",
        "python -c 'import pandas'",
        "python-calamine read, every sheet",
        "perfxl check FILE",
        "perfxl own (check − import pandas)",
    ):
        assert float(rows[label]) > 0 or label.startswith("perfxl own"), label
    assert float(rows["perfxl check FILE"]) > float(rows["python (empty interpreter)"])
    stages = [line for line in proc.stdout.splitlines() if "in-process" in line][0]
    for stage in ("import pandas", "read", "frames", "checks", "table"):
        assert f"{stage} " in stages and " ms" in stages, stage
