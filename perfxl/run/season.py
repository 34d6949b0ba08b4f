"""The season as the ledger records it: each project's status across its versions, and what one
run adds to the ledger.

Status of a project, from its latest version (domain of the 久其-style reporting loop):
- 需修改: the latest version has an open error, or a reply (feedback) went to it and something is
  still open — the unit was asked to change it;
- 已重报: a version arrived after a return, nothing error-level is open, warnings remain;
- 通过: nothing open;
- 已提交: a first version with open warnings only.
Open are the errors and warnings the officer has not accepted; a warning the unit explained
(单位说明) stops counting; infos never do. 未提交: on the roster of the latest run that used one, and
no workbook received for it (that run's D01 findings).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from perfxl.run.resubmissions import project_key

if TYPE_CHECKING:
    from perfxl.report.run_result import RunResult


class Ledger(Protocol):
    """What the season reads and writes of perfxl.run.ledger.Ledger (which calls in here)."""

    def submissions(self) -> pd.DataFrame: ...
    def findings(self) -> pd.DataFrame: ...
    def acceptances(self) -> pd.DataFrame: ...
    def explanations(self) -> pd.DataFrame: ...
    def replies(self) -> pd.DataFrame: ...
    def start_run(self, inputs: list[str], config: dict[str, Any], outdir: str | None) -> int: ...
    def record_inputs(self, run_id: int, inputs: list[dict[str, Any]]) -> None: ...
    def record_submissions(
        self, run_id: int, rows: list[dict[str, Any]], findings: pd.DataFrame
    ) -> dict[str, int]: ...
    def record_explanations(self, submission_id: int, explained: list[dict[str, Any]]) -> None: ...
    def record_not_submitted(
        self, run_id: int, roster: str, missing: list[dict[str, Any]]
    ) -> None: ...
    def not_submitted(self) -> pd.DataFrame: ...


SUBMITTED, RETURNED, RESUBMITTED, PASSED = "已提交", "需修改", "已重报", "通过"
NOT_SUBMITTED = "未提交"
STATUS_EN = {
    NOT_SUBMITTED: "not submitted",
    SUBMITTED: "submitted",
    RETURNED: "returned",
    RESUBMITTED: "resubmitted",
    PASSED: "accepted",
}
STATUS_ORDER = (NOT_SUBMITTED, RETURNED, RESUBMITTED, SUBMITTED, PASSED)
SEASON_COLUMNS = (
    "key",
    "unit",
    "department",
    "project",
    "status",
    "status_en",
    "versions",
    "latest_file",
    "latest_run",
    "open_findings",
    "fixed_findings",
    "still_open_findings",
    "new_findings",
    "explained_findings",
    "accepted_findings",
    "replied_at",
    "days_since_reply",
)
_BLOCKING = ("error", "warning")


class _Accepted:
    """The officer's acceptances as a lookup: (project key, rule) → the cells accepted, where
    None stands for every cell of the rule."""

    def __init__(self, acc: pd.DataFrame) -> None:
        self.cells: dict[tuple[str, str], set[Any]] = defaultdict(set)
        for key, rule, cell in zip(
            acc.get("project_key", ()), acc.get("rule", ()), acc.get("cell", ()), strict=True
        ):
            self.cells[(str(key), str(rule))].add(None if pd.isna(cell) else cell)

    def covers(self, key: Any, rule: str, cell: Any) -> bool:
        cells = self.cells.get((str(key), rule))
        return bool(cells) and (None in cells or cell in cells)


def season_status(ledger: Ledger, today: dt.date | None = None) -> pd.DataFrame:
    """One row per project of the ledger (SEASON_COLUMNS), returned first."""
    subs = ledger.submissions()
    missing = [
        {
            "key": f"roster:{m['department'] or ''}|{m['unit'] or ''}|{m['project']}",
            "unit": m["unit"],
            "department": m["department"],
            "project": m["project"],
            "status": NOT_SUBMITTED,
            "status_en": STATUS_EN[NOT_SUBMITTED],
            "versions": 0,
            "open_findings": 0,
            "fixed_findings": 0,
            "still_open_findings": 0,
            "new_findings": 0,
            "explained_findings": 0,
            "accepted_findings": 0,
        }
        for m in ledger.not_submitted().to_dict("records")
    ]
    if subs.empty:
        return pd.DataFrame(missing, columns=SEASON_COLUMNS)
    findings = ledger.findings()
    acc = _Accepted(ledger.acceptances())
    expl = ledger.explanations()
    replies = ledger.replies()
    today = today or dt.date.today()
    by_sub: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in findings.to_dict("records"):
        by_sub[int(f["submission_id"])].append(f)
    explained = {(int(e["submission_id"]), e["rule"], e["cell"]) for e in expl.to_dict("records")}
    replied: dict[int, str] = {}
    for r in replies.to_dict("records"):
        if r["submission_id"] is not None and not pd.isna(r["submission_id"]):
            replied[int(r["submission_id"])] = str(r["at"])
    subs["key"] = subs["project_key"].where(subs["project_key"].notna(), "sub:" + subs["sub"])
    rows = []
    for key, versions in subs.groupby("key", sort=False):
        versions = versions.sort_values("id")
        latest = versions.iloc[-1]
        lid = int(latest["id"])
        prev = int(versions.iloc[-2]["id"]) if len(versions) > 1 else None
        now = by_sub.get(lid, [])
        before = by_sub.get(prev, []) if prev is not None else []
        fp_now = {f["fingerprint"] for f in now if f["severity"] in _BLOCKING}
        fp_before = {f["fingerprint"] for f in before if f["severity"] in _BLOCKING}
        n_explained = n_accepted = open_errors = open_warnings = 0
        for f in now:
            if f["severity"] not in _BLOCKING and (lid, f["rule"], f["cell"]) not in explained:
                continue
            if acc.covers(key, f["rule"], f["cell"]):
                n_accepted += 1
            elif (lid, f["rule"], f["cell"]) in explained:
                n_explained += 1
                if f["severity"] == "error":
                    open_errors += 1  # an error stays one until the officer accepts it
            elif f["severity"] == "error":
                open_errors += 1
            else:
                open_warnings += 1
        prev_returned = prev is not None and (
            prev in replied
            or any(
                f["severity"] == "error" and not acc.covers(key, f["rule"], f["cell"])
                for f in before
            )
        )
        if open_errors or (lid in replied and open_warnings):
            status = RETURNED
        elif not open_warnings:
            status = PASSED
        elif prev_returned:
            status = RESUBMITTED
        else:
            status = SUBMITTED
        reply_at = replied.get(lid)
        days = None
        if reply_at and status == RETURNED:
            days = (today - dt.datetime.fromisoformat(reply_at).date()).days
        rows.append(
            {
                "key": key,
                "unit": latest["unit"],
                "department": latest["department"],
                "project": latest["project"],
                "status": status,
                "status_en": STATUS_EN[status],
                "versions": len(versions),
                "latest_file": latest["file"],
                "latest_run": int(latest["run_id"]),
                "open_findings": open_errors + open_warnings,
                "fixed_findings": len(fp_before - fp_now),
                "still_open_findings": len(fp_before & fp_now),
                "new_findings": len(fp_now - fp_before) if prev is not None else 0,
                "explained_findings": n_explained,
                "accepted_findings": n_accepted,
                "replied_at": reply_at,
                "days_since_reply": days,
            }
        )
    out = pd.DataFrame(missing + rows, columns=SEASON_COLUMNS)
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    return out.sort_values(
        ["status", "department", "unit", "project"],
        key=lambda s: s.map(order) if s.name == "status" else s.fillna(""),
        kind="stable",
    ).reset_index(drop=True)


def season_counts(status: pd.DataFrame) -> dict[str, Any]:
    """Counts by status, and by department and status."""
    by_status = {s: int((status["status"] == s).sum()) for s in STATUS_ORDER}
    by_dept: dict[str, dict[str, int]] = {}
    for dept, g in status.groupby(status["department"].fillna("（未填主管部门）")):
        by_dept[str(dept)] = {s: int((g["status"] == s).sum()) for s in STATUS_ORDER}
    return {"projects": len(status), "by_status": by_status, "by_department": by_dept}


def open_by_rule(ledger: Ledger) -> pd.DataFrame:
    """The latest versions' open findings counted by rule (errors and warnings)."""
    f = ledger.findings()
    subs = ledger.submissions()
    if f.empty or subs.empty:
        return pd.DataFrame(columns=["rule", "severity", "projects", "findings"])
    latest = subs.groupby(subs["project_key"].fillna("sub:" + subs["sub"]))["id"].max()
    f = f[f["submission_id"].isin(set(latest)) & f["severity"].isin(_BLOCKING)]
    acc = _Accepted(ledger.acceptances())
    keep = [
        not acc.covers(k if isinstance(k, str) else f"sub:{s}", r, c)
        for k, s, r, c in zip(f["project_key"], f["sub"], f["rule"], f["cell"], strict=True)
    ]
    f = f[keep]
    g = f.groupby(["rule", "severity"]).agg(
        projects=("submission_id", "nunique"), findings=("rule", "size")
    )
    return g.reset_index().sort_values(["findings", "rule"], ascending=[False, True])


# ------------------------------------------------------------------ one run into the ledger


def submission_rows(run: RunResult) -> list[dict[str, Any]]:
    """The run's readable, current submissions as ledger rows (superseded versions of this
    batch are recorded too: they are versions of the season)."""
    frames = run.report.frames.projects.set_index("sub")
    # where a plain file can be read again (last year's forms for --previous): not a zip member
    # or attachment, which lived in the run's work folder only
    on_disk = {i.sub: str(i.path.resolve()) for i in run.inputs if i.sub and i.origin == "file"}
    out = []
    for row in run.projects.to_dict("records"):
        sub = row["sub"]
        if row.get("status") == "无法读取" or sub not in frames.index:
            continue
        extra = frames.loc[sub].to_dict()
        extra["sub"] = sub
        out.append(
            {
                "sub": sub,
                "project_key": project_key(extra),
                "unit": row.get("unit"),
                "department": row.get("department"),
                "project": row.get("project"),
                "fiscal_year": row.get("fiscal_year"),
                "file": row.get("file"),
                "sha256": row.get("sha256"),
                "sender": _plain(extra.get("prov_email_address") or extra.get("prov_email_from")),
                "mail_subject": _plain(extra.get("prov_email_subject")),
                "received": _plain(extra.get("prov_email_date")),
                "total": row.get("total_score_recomputed"),
                "grade": row.get("grade_recomputed"),
                "errors": row.get("errors"),
                "warnings": row.get("warnings"),
                "infos": row.get("infos"),
                "status": row.get("status"),
                "path": on_disk.get(sub),
            }
        )
    return out


def run_findings(run: RunResult) -> pd.DataFrame:
    """Every finding of the run cell by cell: the ungrouped ones and the detail rows behind each
    grouped cause (a version is compared with the next cell by cell)."""
    f = run.findings
    if "grouped" in f:
        f = f[f["grouped"].isna()]
    if len(run.finding_details):
        f = pd.concat([f, run.finding_details], ignore_index=True)
    return f[f["sub"].notna()]


def record_run(
    ledger: Ledger, run: RunResult, inputs: list[str], outdir: str | None
) -> tuple[int, dict[str, int]]:
    """The run, its inputs and its submission versions with their findings, inside the ledger's
    open run transaction; returns the run id and sub -> submission id."""
    run_id = ledger.start_run(inputs, run.config.flat(), outdir)
    ledger.record_inputs(
        run_id,
        [
            {
                "display": i.display,
                "status": i.status,
                "reason": i.reason,
                "sha256": i.sha256,
                "sub": i.sub,
            }
            for i in run.inputs
        ],
    )
    known = set(ledger.submissions()["id"])
    findings = run_findings(run)
    ids = ledger.record_submissions(run_id, submission_rows(run), findings)
    # the unit's 单位说明 from a returned feedback copy, on the findings of its new version
    # that have the same rule and cell (an explained finding that was fixed is simply gone)
    if run.roster is not None:
        d01 = run.findings[run.findings["rule"] == "D01"]
        roster = str(run.options.get("roster") or "roster")
        ledger.record_not_submitted(
            run_id,
            roster,
            [
                {
                    "unit": _plain(d["unit"]) if d["unit"] != "单位未填" else None,
                    "department": _plain(d["department"])
                    if d["department"] != "部门未填"
                    else None,
                    "project": str(d["project"]),
                }
                for d in d01.to_dict("records")
            ],
        )
    said = run.report.frames.explanations
    for sub, given in said.groupby("sub") if len(said) else ():
        sid = ids.get(sub)
        if sid is None or sid in known:
            continue
        mine = findings[findings["sub"] == sub]
        cells = mine["cell"].where(mine["cell"].notna(), None)
        present = set(zip(mine["rule"], cells, strict=True))
        matched = [
            {"rule": e["rule"], "cell": e["cell"], "text": e["text"]}
            for e in given.to_dict("records")
            if (e["rule"], e["cell"] if isinstance(e["cell"], str) else None) in present
        ]
        if matched:
            ledger.record_explanations(sid, matched)
    return run_id, ids


def _plain(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


__all__ = [
    "NOT_SUBMITTED",
    "PASSED",
    "record_run",
    "run_findings",
    "RESUBMITTED",
    "RETURNED",
    "SEASON_COLUMNS",
    "STATUS_EN",
    "SUBMITTED",
    "open_by_rule",
    "season_counts",
    "season_status",
    "submission_rows",
]
