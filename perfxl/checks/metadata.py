"""Metadata rules (M): fiscal year, organisation names, dates, checkbox groups, known typos."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from perfxl import parse
from perfxl.checks.engine import Ctx, cached, field_cell, hits, map_distinct, rule

# Province-level names stripped before comparing organisations: "海南省商务厅…" and "省商务厅…"
# are the same body, and units drop the province in their own evaluator rows.
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|"
    "广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆"
)
_PROVINCE_PREFIX = re.compile(
    rf"^(?:中国)?(?:(?:{_PROVINCES})(?:壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)?|省)"
)
# Common short forms of organisation words ("海防与口岸办公室" → "海防与口岸办").
_ORG_ABBREVIATIONS = (("办公室", "办"), ("委员会", "委"), ("管理局", "局"), ("人民政府", "政府"))
_MIN_ABBREVIATION = 4  # a shorter name ("财政局") is too generic to be matched as an abbreviation


def org_key(name: object) -> str:
    """A comparison key for an organisation name: no former name, province or long forms."""
    canonical, _ = parse.normalize_org(name)
    s = re.sub(r"\s+", "", canonical)
    s = _PROVINCE_PREFIX.sub("", s)
    for long, short in _ORG_ABBREVIATIONS:
        s = s.replace(long, short)
    return s


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def same_org(a: object, b: object) -> bool:
    """Whether two names denote one organisation: equal keys, or one is an abbreviation
    (its characters in order) of the other."""
    ka, kb = org_key(a), org_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long = sorted((ka, kb), key=len)
    return len(short) >= _MIN_ABBREVIATION and _subsequence(short, long)


def column(df: pd.DataFrame, name: str) -> pd.Series:
    """A column, or all-missing when this batch's profiles do not have it."""
    if name in df.columns:
        return df[name]
    return pd.Series(None, index=df.index, dtype=object)


def text_of(s: pd.Series) -> pd.Series:
    """Strings with blanks as "", whatever dtype a column of missing values came in as."""
    return s.astype(object).where(s.notna(), "").astype(str)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype(str).str.strip().eq("")


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce")


# ---------------------------------------------------------------------------- M01


@cached
def _narrative_year(ctx: Ctx) -> pd.Series:
    """Per submission, the year its narrative talks about (the reader records it)."""
    p = ctx.projects
    return pd.to_numeric(column(p, "fiscal_year_narrative"), errors="coerce").set_axis(p["sub"])


@rule(
    "M01",
    "warning",
    "submission",
    "年度不明确或不一致",
    "fiscal year missing or inconsistent",
    "评价年度不明确或不一致（{what}）：请写明被评价资金所属年度，并与报告正文、评价时间一致；"
    "完成结果评价应在年度结束后进行。",
    "Fiscal year missing or inconsistent ({what}): state the budget year of the evaluated funds, "
    "consistent with the report text and the evaluation date; a completion evaluation comes after "
    "the year ends.",
)
def m01_fiscal_year(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    fy = pd.to_numeric(p["fiscal_year"], errors="coerce")
    inferred = pd.to_numeric(column(p, "fiscal_year_inferred"), errors="coerce")
    nyear = p["sub"].map(_narrative_year(ctx)).astype(float)
    parts = []

    # (a) no fiscal year stated
    a = p[fy.isna()]
    if not a.empty:
        guess = inferred[fy.isna()]
        sheet, cell = field_cell(a, "fiscal_year")
        has = guess.notna()
        g = guess.map(lambda v: str(int(v)) if v == v else "")
        parts.append(
            hits(
                a,
                sheet=sheet,
                cell=cell,
                observed=None,
                expected=guess.where(has, None),
                what=np.where(has, "评价年度 空白，报告正文 " + g + "年", "评价年度 空白"),
            )
        )

    # (b) a stated year the narrative contradicts
    b_mask = fy.notna() & nyear.notna() & (fy != nyear)
    b = p[b_mask]
    if not b.empty:
        sheet, cell = field_cell(b, "fiscal_year")
        f, n = fy[b_mask].astype(int).astype(str), nyear[b_mask].astype(int).astype(str)
        parts.append(
            hits(
                b,
                sheet=sheet,
                cell=cell,
                observed=fy[b_mask],
                expected=nyear[b_mask],
                what="评价年度 " + f + "年，报告正文 " + n + "年",
            )
        )

    # (c) a completion evaluation dated inside the fiscal year it evaluates; of a date range
    # the end counts, since the work may well be prepared before the year closes
    year = fy.fillna(inferred)
    when = _dates(column(p, "eval_date")).fillna(_dates(column(p, "eval_date_start")))
    year_end = pd.to_datetime(year.map(lambda y: f"{int(y)}-12-31" if y == y else None))
    in_progress = column(p, "eval_type").astype(object).eq("实施过程评价")
    c_mask = when.notna() & year_end.notna() & (when <= year_end) & ~in_progress
    c = p[c_mask]
    if not c.empty:
        sheet, cell = field_cell(c, "eval_date")
        y = year[c_mask].astype(int).astype(str)
        d = when[c_mask].dt.strftime("%Y-%m-%d")
        parts.append(
            hits(
                c,
                sheet=sheet,
                cell=cell,
                observed=d,
                expected="晚于 " + y + "-12-31",
                what="评价年度 " + y + "年，评价时间 " + d,
            )
        )
    parts = [x for x in parts if not x.empty]
    return pd.concat(parts, ignore_index=True) if parts else None


# ---------------------------------------------------------------------------- M02

_UNIT_FIELDS = ("unit", "impl_unit", "eval_org")
_DEPT_FIELDS = ("dept", "basic_dept")
_SPACES = re.compile(r"\s+")


@rule(
    "M02",
    "info",
    "submission",
    "单位名称已归一",
    "organisation names normalised",
    "单位名称存在多种写法，已统一为“{expected}”：{observed}。",
    "The organisation is written in several ways; normalised to “{expected}”: {observed}.",
)
def m02_org_names(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    rows: list[pd.DataFrame] = []
    for family, fields in (("unit", _UNIT_FIELDS), ("dept", _DEPT_FIELDS)):
        for f in fields:
            raw = column(p, f + "_raw")
            canonical = column(p, f)
            alias = column(p, f + "_alias")
            head = column(p, family)
            head_alias = column(p, family + "_alias")
            # whitespace is the reader's business; the variants worth showing differ in words
            shown = raw.astype(object).map(
                lambda v: _SPACES.sub("", str(v)) if isinstance(v, str) else None
            )
            # a former name in brackets, or another field naming the same body differently
            renamed = alias.notna()
            differs = canonical.notna() & head.notna() & canonical.ne(head)
            same = pd.Series(
                [
                    bool(d) and (same_org(c, h) or (isinstance(ha, str) and same_org(c, ha)))
                    for d, c, h, ha in zip(differs, canonical, head, head_alias, strict=True)
                ],
                index=p.index,
                dtype=bool,
            )
            keep = (renamed | same) & shown.notna()
            rows.append(
                pd.DataFrame(
                    {"sub": p["sub"][keep], "text": "“" + shown[keep] + "”", "family": family}
                )
            )
    # evaluators writing their unit in a short form
    ev = ctx.frames.evaluators
    if not ev.empty:
        ev = ev[ev["unit"].notna()].drop_duplicates(["sub", "unit"])
        ev = ev.merge(p[["sub", "unit"]].rename(columns={"unit": "head"}), on="sub")
        ev = ev.merge(
            pd.DataFrame({"sub": p["sub"], "head_alias": column(p, "unit_alias")}), on="sub"
        )
        u = ev["unit"].map(lambda v: parse.normalize_org(v)[0])
        variant = pd.Series(
            [
                x != h and (same_org(x, h) or (isinstance(ha, str) and same_org(x, ha)))
                for x, h, ha in zip(u, ev["head"], ev["head_alias"], strict=True)
            ],
            index=ev.index,
            dtype=bool,
        )
        ev = ev[variant]
        rows.append(
            pd.DataFrame(
                {"sub": ev["sub"], "text": "“" + u[variant] + "”（评价人员）", "family": "unit"}
            )
        )
    found = pd.concat(rows, ignore_index=True).drop_duplicates(["sub", "text"])
    if found.empty:
        return None
    # one finding per body: the project unit at its cell, the department at its own
    out = found.groupby(["sub", "family"], sort=False)["text"].agg("；".join).rename("variants")
    out = out.reset_index().merge(p[["sub", "unit", "dept", "refs"]], on="sub")
    parts = []
    for family in ("unit", "dept"):
        rows = out[out["family"].eq(family)]
        if rows.empty:
            continue
        sheet, cell = field_cell(rows, family)
        parts.append(
            hits(rows, sheet=sheet, cell=cell, observed=rows["variants"], expected=rows[family])
        )
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------- M03


@rule(
    "M03",
    "warning",
    "submission",
    "日期顺序异常或无法识别",
    "dates out of order or unreadable",
    "日期顺序异常或无法识别：{what}。",
    "Dates out of order or unreadable: {what}.",
)
def m03_dates(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    parts: list[pd.DataFrame] = []
    submit = _dates(column(p, "submit_date"))
    eval_end = _dates(column(p, "eval_date"))

    # dates written but not readable as dates
    for key, zh in (
        ("submit_date", "上报时间"),
        ("eval_date", "评价时间"),
    ):
        raw = column(p, key + "_raw")
        value = column(p, key)
        mask = ~_blank(raw) & value.isna()
        rows = p[mask]
        if rows.empty:
            continue
        sheet, cell = field_cell(rows, key)
        parts.append(
            hits(
                rows,
                sheet=sheet,
                cell=cell,
                observed=raw[mask],
                expected="日期，如 2019年6月11日",
                what=zh + "“" + text_of(raw[mask]) + "”（无法识别）",
            )
        )

    # submitted before the evaluation ended
    mask = submit.notna() & eval_end.notna() & (submit < eval_end)
    rows = p[mask]
    if not rows.empty:
        sheet, cell = field_cell(rows, "submit_date")
        s, e = submit[mask].dt.strftime("%Y-%m-%d"), eval_end[mask].dt.strftime("%Y-%m-%d")
        parts.append(
            hits(
                rows,
                sheet=sheet,
                cell=cell,
                observed=s,
                expected="不早于 " + e,
                what="上报时间 " + s + " < 评价时间 " + e,
            )
        )

    # a self-evaluation submitted before its fiscal year was over (national form: no 评价时间)
    fy = pd.to_numeric(p["fiscal_year"], errors="coerce")
    year_end = pd.to_datetime(fy.map(lambda y: f"{int(y)}-12-31" if y == y else None))
    mask = (
        p["profile"].eq("national2020") & submit.notna() & year_end.notna() & (submit <= year_end)
    )
    rows = p[mask]
    if not rows.empty:
        sheet, cell = field_cell(rows, "submit_date")
        s, y = submit[mask].dt.strftime("%Y-%m-%d"), fy[mask].astype(int).astype(str)
        parts.append(
            hits(
                rows,
                sheet=sheet,
                cell=cell,
                observed=s,
                expected="晚于 " + y + "-12-31",
                what="填报日期 " + s + " ≤ 年度末 " + y + "-12-31",
            )
        )
    parts = [x for x in parts if not x.empty]
    return pd.concat(parts, ignore_index=True) if parts else None


# ---------------------------------------------------------------------------- M04

CHECKBOX_GROUPS = (
    ("eval_type", "评价类型"),
    ("org_mode", "组织方式"),
    ("eval_agency", "评价机构"),
    ("project_type", "项目类型"),
)


@rule(
    "M04",
    "warning",
    "submission",
    "选项勾选异常",
    "checkbox group not ticked exactly once",
    "「{label}」勾选了 {observed} 项（“{raw}”），应勾选且只勾选一项。",
    "{label}: {observed} options ticked (“{raw}”); tick exactly one.",
    profiles=("hainan2011",),
)
def m04_ticks(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    parts = []
    for key, label in CHECKBOX_GROUPS:
        raw = column(p, key + "_raw")
        ticks = pd.to_numeric(column(p, key + "_ticks"), errors="coerce")
        # a blank group is a missing required field (S05), not a ticking slip
        mask = ~_blank(raw) & ticks.notna() & ticks.ne(1)
        rows = p[mask]
        if rows.empty:
            continue
        sheet, cell = field_cell(rows, key)
        parts.append(
            hits(
                rows,
                sheet=sheet,
                cell=cell,
                observed=ticks[mask].astype(int),
                expected=1,
                label=label,
                raw=raw[mask].map(lambda v: _SPACES.sub(" ", str(v)).strip()),
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


# ---------------------------------------------------------------------------- M05


def _typos(texts: pd.Series) -> pd.Series:
    """(wrong, right) pairs per text; empty lists for clean ones."""
    return map_distinct(texts, lambda v: parse.typo_fix(v)[1] if isinstance(v, str) else [])


@rule(
    "M05",
    "info",
    "row",
    "疑似笔误",
    "likely typo",
    "“{observed}”疑为“{expected}”的笔误，已按“{expected}”识别。",
    "“{observed}” looks like a typo for “{expected}”; read as “{expected}”.",
)
def m05_typos(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    raw_cols = [c for c in p.columns if c.endswith("_raw")]
    long = p[["sub", "refs", *raw_cols]].melt(
        id_vars=["sub", "refs"], var_name="field", value_name="text"
    )
    long = long[long["text"].map(lambda v: isinstance(v, str))]
    long["field"] = long["field"].str[: -len("_raw")]
    long["sheet"] = [_ref(r, f)[0] for r, f in zip(long["refs"], long["field"], strict=True)]
    long["cell"] = [_ref(r, f)[1] for r, f in zip(long["refs"], long["field"], strict=True)]
    ind = ctx.indicators
    if not ind.empty:
        labels = pd.DataFrame(
            {
                "sub": ind["sub"],
                "text": ind["direction_label"],
                "sheet": ind["sheet"],
                "cell": column(ind, "direction_cell"),
            }
        )
        long = pd.concat([long[["sub", "text", "sheet", "cell"]], labels], ignore_index=True)
    long = long.assign(pairs=_typos(long["text"])).explode("pairs").dropna(subset=["pairs"])
    if long.empty:
        return None
    long = long.drop_duplicates(["sub", "cell", "pairs"])
    return hits(
        long,
        sheet=long["sheet"],
        cell=long["cell"],
        observed=long["pairs"].map(lambda t: t[0]),
        expected=long["pairs"].map(lambda t: t[1]),
    )


def _ref(refs: Any, key: str) -> tuple[str | None, str | None]:
    if isinstance(refs, dict) and key in refs:
        return refs[key]
    return None, None
