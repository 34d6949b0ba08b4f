"""Metadata rules (M): fiscal year, organisation names, dates, checkbox groups, known typos."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks.engine import Ctx, field_cell, hits, rule
from perfxl.read import grammar as parse

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


def _dates_if_any(p: pd.DataFrame, key: str) -> pd.Series | None:
    """`_dates` of a column, or None when it is absent or all blank (no date can come of it)."""
    if key not in p.columns or not p[key].notna().any():
        return None
    return _dates(p[key])


def _values(df: pd.DataFrame, name: str) -> np.ndarray:
    """A column's values as an object array, all None when this batch's profiles lack it."""
    if name in df.columns:
        return df[name].to_numpy(dtype=object)
    return np.full(len(df), None, dtype=object)


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The non-empty hit tables one after another (as `pd.concat(ignore_index=True)`), or None."""
    parts = [x for x in parts if x is not None and not x.empty]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------- M01


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
    parts = []
    # each part is skipped when its mask cannot select anything: on a one-workbook batch the
    # pandas calls cost more than the checks

    # (a) no fiscal year stated
    missing = fy.isna()
    if missing.any():
        a = p[missing]
        guess = inferred[missing]
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

    # (b) a stated year the narrative (the year the reader found in it) contradicts
    if "fiscal_year_narrative" in p.columns and not missing.all():
        nyear = pd.to_numeric(p["fiscal_year_narrative"], errors="coerce").astype(float)
        b_mask = fy.notna() & nyear.notna() & (fy != nyear)
        if b_mask.any():
            b = p[b_mask]
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
    end, start = _dates_if_any(p, "eval_date"), _dates_if_any(p, "eval_date_start")
    if end is not None or start is not None:
        year = fy.fillna(inferred)
        when = start if end is None else end if start is None else end.fillna(start)
        year_end = pd.to_datetime(year.map(lambda y: f"{int(y)}-12-31" if y == y else None))
        in_progress = column(p, "eval_type").astype(object).eq("实施过程评价")
        c_mask = when.notna() & year_end.notna() & (when <= year_end) & ~in_progress
        if c_mask.any():
            c = p[c_mask]
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
    return _stack(parts)


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
    # the variants found, as (sub, text, family) in order: built as lists, since a frame per
    # field costs more than the comparisons on a one-workbook batch
    field_sub, field_text, field_family = _field_variants(ctx.projects)
    ev_sub, ev_text, ev_family = _evaluator_variants(ctx)
    found_sub = field_sub + ev_sub
    if not found_sub:
        return None
    return _variant_findings(ctx, found_sub, field_text + ev_text, field_family + ev_family)


# the variants of a body: (sub, text, family) in order, as three lists
_Variants = tuple[list[Any], list[str], list[str]]


def _field_variants(p: pd.DataFrame) -> _Variants:
    """The unit and department fields that write the project's body another way: a former name
    in brackets, or another field naming the same body differently."""
    found_sub: list[Any] = []
    found_text: list[str] = []
    found_family: list[str] = []
    sub = p["sub"].to_numpy(dtype=object)
    for family, fields in (("unit", _UNIT_FIELDS), ("dept", _DEPT_FIELDS)):
        head = _values(p, family)
        head_alias = _values(p, family + "_alias")
        for f in fields:
            if f + "_raw" not in p.columns:
                continue  # nothing written, nothing to show
            # whitespace is the reader's business; the variants worth showing differ in words
            shown = np.array(
                [_SPACES.sub("", v) if isinstance(v, str) else None for v in p[f + "_raw"]],
                dtype=object,
            )
            canonical = _values(p, f)
            # a former name in brackets, or another field naming the same body differently
            renamed = pd.notna(_values(p, f + "_alias"))
            differs = pd.notna(canonical) & pd.notna(head) & (canonical != head)
            same = np.array(
                [
                    bool(d) and (same_org(c, h) or (isinstance(ha, str) and same_org(c, ha)))
                    for d, c, h, ha in zip(differs, canonical, head, head_alias, strict=True)
                ],
                dtype=bool,
            )
            keep = (renamed | same) & pd.notna(shown)
            if keep.any():
                found_sub.extend(sub[keep])
                found_text.extend("“" + s + "”" for s in shown[keep])
                found_family.extend([family] * int(keep.sum()))
    return found_sub, found_text, found_family


def _evaluator_variants(ctx: Ctx) -> _Variants:
    """The evaluators writing the project's unit in a short form."""
    found_sub: list[Any] = []
    found_text: list[str] = []
    found_family: list[str] = []
    p = ctx.projects
    ev = ctx.frames.evaluators
    if not ev.empty:
        ev = ev[ev["unit"].notna()].drop_duplicates(["sub", "unit"])
        at = ctx.project_pos(ev["sub"])  # each row's project (an inner merge)
        ev, at = ev[at >= 0], at[at >= 0]
        head = _values(p, "unit")[at]
        head_alias = _values(p, "unit_alias")[at]
        u = [parse.normalize_org(v)[0] for v in ev["unit"]]
        variant = np.array(
            [
                x != h and (same_org(x, h) or (isinstance(ha, str) and same_org(x, ha)))
                for x, h, ha in zip(u, head, head_alias, strict=True)
            ],
            dtype=bool,
        )
        if variant.any():
            found_sub.extend(ev["sub"].to_numpy(dtype=object)[variant])
            found_text.extend(
                "“" + x + "”（评价人员）" for x, v in zip(u, variant, strict=True) if v
            )
            found_family.extend(["unit"] * int(variant.sum()))
    return found_sub, found_text, found_family


def _variant_findings(
    ctx: Ctx, found_sub: list[Any], found_text: list[str], found_family: list[str]
) -> pd.DataFrame:
    """M02's hit table: one finding per body, its variants in order of appearance."""
    p = ctx.projects
    # one finding per body, its variants in order of appearance, each variant once per
    # submission; a loop over the variants found, as few as the findings they make
    variants: dict[tuple[Any, str], list[str]] = {}
    seen: set[tuple[Any, str]] = set()
    for s, text, family in zip(found_sub, found_text, found_family, strict=True):
        if (s, text) not in seen:
            seen.add((s, text))
            variants.setdefault((s, family), []).append(text)
    # the project unit at its cell, the department at its own
    keys = [k for family in ("unit", "dept") for k in variants if k[1] == family]
    at = ctx.project_pos([s for s, _ in keys])
    refs = p["refs"].to_numpy()[at]
    names = {family: p[family].to_numpy(dtype=object)[at] for family in ("unit", "dept")}
    cells = [_ref(r, family) for r, (_, family) in zip(refs, keys, strict=True)]
    return pd.DataFrame(
        {
            "sub": [s for s, _ in keys],
            "sheet": [c[0] for c in cells],
            "cell": [c[1] for c in cells],
            "observed": ["；".join(variants[k]) for k in keys],
            "expected": [names[family][i] for i, (_, family) in enumerate(keys)],
        }
    )


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
    # dates are parsed only where some are written: each pandas call costs ~0.1 ms even on
    # a column of blanks
    submit = _dates_if_any(p, "submit_date")
    eval_end = _dates_if_any(p, "eval_date")

    # dates written but not readable as dates
    for key, zh in (
        ("submit_date", "上报时间"),
        ("eval_date", "评价时间"),
    ):
        if key + "_raw" not in p.columns:
            continue  # nothing written
        mask = column(p, key).isna()
        if not mask.any():
            continue
        raw = p[key + "_raw"]
        mask &= ~_blank(raw)
        if not mask.any():
            continue
        rows = p[mask]
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
    if submit is None:
        return _stack(parts)

    # submitted before the evaluation ended
    if eval_end is not None:
        mask = submit.notna() & eval_end.notna() & (submit < eval_end)
        if mask.any():
            rows = p[mask]
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
    if "national2020" in ctx.present:
        fy = pd.to_numeric(p["fiscal_year"], errors="coerce")
        year_end = pd.to_datetime(fy.map(lambda y: f"{int(y)}-12-31" if y == y else None))
        mask = (
            p["profile"].eq("national2020")
            & submit.notna()
            & year_end.notna()
            & (submit <= year_end)
        )
        if mask.any():
            rows = p[mask]
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
    return _stack(parts)


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
        if key + "_ticks" not in p.columns:
            continue  # not counted: nothing to check
        ticks = pd.to_numeric(p[key + "_ticks"], errors="coerce")
        mask = ticks.notna() & ticks.ne(1)
        if not mask.any():
            continue
        # a blank group is a missing required field (S05), not a ticking slip
        raw = column(p, key + "_raw")
        mask &= ~_blank(raw)
        if not mask.any():
            continue
        rows = p[mask]
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


def _typo_pairs(v: Any) -> list[tuple[str, str]]:
    """The (wrong, right) pairs of a text; an empty list for a clean one or a non-text."""
    return parse.typo_fix(v)[1] if isinstance(v, str) else []


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
    ind = ctx.indicators
    fields = [c[: -len("_raw")] for c in p.columns if c.endswith("_raw")]
    # every raw project field, field after field, then the indicators' direction labels; typos
    # are looked up once per distinct text (as map_distinct does), and only the few texts with
    # one are then placed (no melt/explode of the whole form)
    n = len(p)
    texts = np.concatenate(
        [p[f + "_raw"].to_numpy(dtype=object) for f in fields] + [_values(ind, "direction_label")]
    )
    codes, uniques = pd.factorize(texts)
    pairs = [_typo_pairs(v) for v in uniques]
    if not any(pairs):
        return None
    has = np.array([bool(x) for x in pairs] + [False])  # code -1: a blank
    rows = np.flatnonzero(has[codes])
    sub, refs = p["sub"].to_numpy(dtype=object), p["refs"].to_numpy()
    ind_sub, ind_sheet = _values(ind, "sub"), _values(ind, "sheet")
    ind_cell = _values(ind, "direction_cell")
    out: list[tuple[Any, Any, Any, str, str]] = []
    seen: set[tuple[Any, Any, tuple[str, str]]] = set()
    for r in rows:
        if r < n * len(fields):
            f, i = divmod(r, n)
            s, (sheet, cell) = sub[i], _ref(refs[i], fields[f])
        else:
            i = r - n * len(fields)
            s, sheet, cell = ind_sub[i], ind_sheet[i], ind_cell[i]
        for wrong, right in pairs[codes[r]]:
            if (s, cell, (wrong, right)) not in seen:  # once per cell
                seen.add((s, cell, (wrong, right)))
                out.append((s, sheet, cell, wrong, right))
    return pd.DataFrame(out, columns=["sub", "sheet", "cell", "observed", "expected"])


def _ref(refs: Any, key: str) -> tuple[str | None, str | None]:
    if isinstance(refs, dict) and key in refs:
        return refs[key]
    return None, None
