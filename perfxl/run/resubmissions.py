"""Resubmissions: which version of a project is the latest one, and which it replaces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd


def project_key(row: pd.Series | dict[str, Any]) -> str | None:
    """Same 项目编码, else same 年度 + 单位 + 项目名称 (rule D02); a department's 部门整体支出
    form: same 年度 + 部门 (one a year)."""
    if row.get("profile") == "department2020":
        dept = row.get("dept")
        year = _year(row)
        return f"dept:{year}|{dept}" if isinstance(dept, str) and dept else None
    code = row.get("project_code")
    if isinstance(code, str) and code.strip():
        return "code:" + code.strip()
    name, unit = row.get("project_name"), row.get("unit")
    if isinstance(name, str) and name and isinstance(unit, str) and unit:
        return f"name:{_year(row)}|{unit}|{name}"
    return None


def _year(row: pd.Series | dict[str, Any]) -> int | str:
    """The form's year (or the one its text gives away), "" when neither is known."""
    year = (
        row.get("fiscal_year")
        if pd.notna(row.get("fiscal_year"))
        else row.get("fiscal_year_inferred")
    )
    return int(year) if year is not None and pd.notna(year) else ""


@dataclass
class Supersession:
    superseded: dict[str, str]  # sub -> sub of the version that replaces it
    ambiguous: list[
        tuple[str, list[str]]
    ]  # (key, subs) where versions differ but cannot be ordered


def resolve_resubmissions(
    projects: pd.DataFrame, received: dict[str, dt.datetime | None]
) -> Supersession:
    """Keep the latest version of each project: by the date the workbook states (填报日期/上报时间),
    then by when it was received (e-mail date, zip member time, file time). `projects` is the
    batch's project frame (one row per submission)."""
    rows = []
    usable = projects[~projects["blocked"].fillna(False).astype(bool)]
    for row in usable.to_dict("records"):
        rows.append(
            {
                "sub": row["sub"],
                "key": project_key(row),
                "stated": row.get("submit_date"),
                "received": received.get(row["sub"]),
            }
        )
    superseded: dict[str, str] = {}
    ambiguous: list[tuple[str, list[str]]] = []
    if not rows:
        return Supersession(superseded, ambiguous)
    df = pd.DataFrame(rows).dropna(subset=["key"])
    for key, g in df.groupby("key", sort=True):
        if len(g) < 2:
            continue
        order = g.assign(
            _stated=pd.to_datetime(g["stated"], errors="coerce"),
            _received=pd.to_datetime(g["received"], errors="coerce"),
        ).sort_values(["_stated", "_received", "sub"], na_position="first")
        latest = order.iloc[-1]
        ties = order[
            (order["_stated"] == latest["_stated"])
            | (order["_stated"].isna() & pd.isna(latest["_stated"]))
        ]
        ties = ties[(ties["_received"] == latest["_received"])]
        if len(ties) > 1:
            ambiguous.append((str(key), list(ties["sub"])))
        for sub in order["sub"].iloc[:-1]:
            superseded[sub] = latest["sub"]
    return Supersession(superseded, ambiguous)
