"""The roster of expected projects (--roster): who should submit, and their approved budgets."""

from __future__ import annotations

import pandas as pd

from perfxl.read import grammar as parse


def match_subs(
    roster: pd.DataFrame, codes: pd.Series, units: pd.Series, names: pd.Series, subs: pd.Series
) -> list[str | None]:
    """For each roster row, the submission that answers it: same 项目编码, else same 单位 and
    项目名称, else (a roster without units) the same 项目名称."""
    by_code = {
        str(c).strip(): r
        for c, r in zip(codes, subs, strict=True)
        if isinstance(c, str) and c.strip()
    }
    by_name = {
        (parse.clean_label(u), parse.clean_label(n)): r
        for u, n, r in zip(units, names, subs, strict=True)
        if isinstance(n, str) and isinstance(u, str)
    }
    by_project = {
        parse.clean_label(n): r for n, r in zip(names, subs, strict=True) if isinstance(n, str)
    }
    out: list[str | None] = []
    for rec in roster.to_dict("records"):
        sub = None
        if rec.get("project_code"):
            sub = by_code.get(str(rec["project_code"]).strip())
        if sub is None and rec.get("unit"):
            sub = by_name.get((parse.clean_label(rec["unit"]), parse.clean_label(rec["project"])))
        if sub is None and not rec.get("unit"):
            sub = by_project.get(parse.clean_label(rec["project"]))
        out.append(sub)
    return out


def match_roster(roster: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Each roster row with the active submission that answers it, and that submission's budget."""
    active = projects[projects["status"].isin(("通过", "需修改"))]
    subs = match_subs(
        roster, active["project_code"], active["unit"], active["project"], active["sub"]
    )
    out = roster.copy()
    out["sub"] = subs
    budgets = dict(
        zip(active["sub"], pd.to_numeric(active["budget_wan"], errors="coerce"), strict=True)
    )
    out["submitted_budget_wan"] = [budgets.get(s) if s else None for s in subs]
    out["submitted"] = out["sub"].notna()
    return out
