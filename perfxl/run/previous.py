"""Last year, for the Y rules (`perfxl run --previous SOURCE`): from a folder (or zip) of last
year's workbooks, from an earlier OUTDIR's run.json, or from a season ledger.

- workbooks: read and checked like this year's, so every Y rule has what it needs;
- run.json: the projects as that run saw them (budget, execution rate, grade) — enough for the
  matching table and the budget and grade rules (Y05, Y07 needs the indicators too), not for
  targets, actuals or texts;
- a ledger: the previous fiscal year's latest versions (accepted ones first), read again from
  the files they were read from when those are still there, else as projects only.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from perfxl.checks.config import Config
from perfxl.checks.engine import Ctx, run_checks
from perfxl.checks.narrative import _texts
from perfxl.checks.previous_year import LastYear
from perfxl.model.frames import Frames


class PreviousError(Exception):
    """Last year's data cannot be used; the message is the Chinese line a user reads."""


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def load_previous(source: str | Path, cfg: Config, year: int | None = None) -> LastYear:
    path = Path(source)
    if not path.exists():
        raise PreviousError(f"上年数据不存在：{path}")
    if path.is_file() and _is_sqlite(path):
        return _from_ledger(path, cfg, year)
    if path.is_dir() and (path / "run.json").is_file():
        return _from_run_json(path / "run.json")
    return _from_workbooks([path], cfg, str(path), "folder")


def _from_workbooks(paths: list[Path], cfg: Config, source: str, kind: str) -> LastYear:
    from perfxl.run.check import read_batch

    frames = read_batch(paths)
    active = frames.projects[~frames.projects["blocked"].fillna(False).astype(bool)]
    if active.empty:
        raise PreviousError(f"上年数据中没有可读取的自评表：{source}")
    checked = run_checks(frames, cfg)
    return LastYear(
        projects=_projects(frames, checked.results),
        indicators=frames.indicators,
        texts=_texts(Ctx(frames, checked.results, cfg)),
        source=source,
        kind=kind,
    )


def _projects(frames: Frames, results: pd.DataFrame) -> pd.DataFrame:
    p = frames.projects
    p = p[~p["blocked"].fillna(False).astype(bool)]
    r = results.reindex(p["sub"])
    grade = p["grade_reported"].where(p["grade_reported"].notna(), r["grade_calc"].to_numpy())
    return pd.DataFrame(
        {
            "sub": p["sub"].to_numpy(),
            "project_code": p["project_code"].to_numpy(),
            "project_name": p["project_name"].to_numpy(),
            "unit": p["unit"].to_numpy(),
            "dept": p["dept"].to_numpy(),
            "fiscal_year": p["fiscal_year"].to_numpy(),
            "budget_wan": r["budget_wan"].to_numpy(),
            "exec_rate": r["exec_rate_calc"].to_numpy(),
            "grade": grade.to_numpy(),
            "total": r["total_calc"].to_numpy(),
        }
    )


def _from_run_json(path: Path) -> LastYear:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows: list[dict[str, Any]] = data["projects"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PreviousError(
            f"{path} 不是 perfxl 写出的 run.json，无法作为上年数据（{exc}）"
        ) from None
    active = [r for r in rows if r.get("status") not in ("无法读取", "已被替代")]
    projects = pd.DataFrame(
        [
            {
                "sub": r.get("sub"),
                "project_code": r.get("project_code"),
                "project_name": r.get("project"),
                "unit": r.get("unit"),
                "dept": r.get("department"),
                "fiscal_year": r.get("fiscal_year"),
                "budget_wan": r.get("budget_wan"),
                "exec_rate": r.get("exec_rate"),
                "grade": r.get("grade_reported") or r.get("grade_recomputed"),
                "total": r.get("total_score_recomputed"),
            }
            for r in active
        ]
    )
    if projects.empty:
        raise PreviousError(f"{path} 中没有可用的项目")
    return LastYear(projects=projects, source=str(path), kind="run.json")


def _from_ledger(path: Path, cfg: Config, year: int | None) -> LastYear:
    from perfxl.run.ledger import Ledger, LedgerError
    from perfxl.run.season import PASSED

    try:
        with Ledger(path, create=False) as book:
            subs = book.submissions()
            status = book.status()
    except (LedgerError, sqlite3.DatabaseError) as exc:
        raise PreviousError(str(exc)) from None
    if subs.empty:
        raise PreviousError(f"台账 {path} 中还没有任何提交")
    years = pd.to_numeric(subs["fiscal_year"], errors="coerce")
    want = (year - 1) if year is not None else years.max() - 1
    last = subs[years == want]
    if last.empty:
        raise PreviousError(f"台账 {path} 中没有 {want} 年度的提交")
    last = last.assign(key=last["project_key"].fillna("sub:" + last["sub"]))
    passed = set(status.loc[status["status"] == PASSED, "key"])
    # per project its latest version, an accepted project's when there is one
    last = last.sort_values("id").groupby("key").tail(1)
    files = [Path(f) for f in last["path"] if isinstance(f, str) and Path(f).is_file()]
    if files and len(files) == len(last):
        return _from_workbooks(files, cfg, f"{path}（{want} 年度）", "ledger")
    projects = pd.DataFrame(
        {
            "sub": last["sub"].to_numpy(),
            "project_code": [
                k.removeprefix("code:") if isinstance(k, str) and k.startswith("code:") else None
                for k in last["project_key"]
            ],
            "project_name": last["project"].to_numpy(),
            "unit": last["unit"].to_numpy(),
            "dept": last["department"].to_numpy(),
            "fiscal_year": last["fiscal_year"].to_numpy(),
            "grade": last["grade"].to_numpy(),
            "total": last["total"].to_numpy(),
            "accepted": last["key"].isin(passed).to_numpy(),
        }
    )
    return LastYear(projects=projects, source=f"{path}（{want} 年度）", kind="ledger")


__all__ = ["PreviousError", "load_previous"]
