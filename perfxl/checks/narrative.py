"""Narrative rules (N01–N05): the report text against the tables, deductions explained, independence."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfxl import scoring
from perfxl.checks.engine import Ctx, field_cell, hits, rule
from perfxl.checks.metadata import column, same_org, text_of
from perfxl.scoring import target_score_items as score_item_of

HAINAN = ("hainan2011",)

# "所有的绩效指标…都已达到了设定的目标", "各项指标均已完成", "全部完成"; not "未全部完成".
_NOT = r"(?<!未)(?<!没)(?<!没有)(?<!尚未)(?<!不能)(?<!未能)(?<!不)"
CLAIM_RE = (
    _NOT
    + r"(?:都|均|全部|全都|皆|悉数|圆满)(?:已经|已)?(?:(?![未没不])[\u4e00-\u9fff]){0,2}?"
    + r"(?:达到|完成|实现|达成)"
)
CLAIM_CONTEXT = r"目标|指标|任务"
# A statement that something was not achieved ("项目绩效目标未完成…"), not its denial.
UNMET_RE = (
    r"(?<!无)(?<!没有)(?<!不存在)(?:未能|未|没有|没能)(?:全部|完全|如期)?(?:完成|达到|实现|达成)"
)
DENIAL_RE = r"(?:无|没有|不存在)[^。；;]{0,6}未(?:完成|达到|实现|达成)"
# Sections holding nothing but a placeholder.
BOILERPLATE_RE = (
    r"^(?:暂?无|没有|不存在|略|同上|/|-|—+|无情况说明|无其他(?:需要?)?说明(?:的)?(?:问题|事项|情况)?"
    r"|无(?:需|须)?说明(?:的)?(?:问题|事项|情况)?|无问题|无存在问题|无改进措施|无其他问题)$"
)
PROBLEM_WORDS = r"问题|不足|困难|建议|改进|整改|短板|欠缺|有待|需要加强|需进一步|薄弱"
DEDUCTION_WORDS = r"扣|减分|失分|未得满分|未满分|不足|欠缺|问题|原因|未完成|未达到|偏差|差距"
_SENTENCE_END = r"[。；;！!？?\n]"
UNMET_SECTION = "4.2"  # 四（二）项目绩效目标未完成原因分析
PROBLEM_SECTIONS = ("6", "7")  # 六 经验、问题和建议; 七 其他需说明的问题


def _texts(ctx: Ctx) -> pd.DataFrame:
    """Every free text of a submission as (sub, path, section, text, sheet, cell): the hainan
    report sections, and the national form's 实际完成情况 / 存在问题及改进措施 fields."""
    if "narrative.texts" in ctx.cache:
        return ctx.cache["narrative.texts"]
    nar = ctx.frames.narrative
    parts = [nar[["sub", "path", "section", "text", "sheet", "cell"]].astype(object)]
    p = ctx.projects
    for key, label in (
        ("goal_actual", "年度总体目标实际完成情况"),
        ("problems", "存在问题及改进措施"),
    ):
        has = p["refs"].map(lambda r, k=key: isinstance(r, dict) and k in r)
        rows = p[has]
        if rows.empty:
            continue
        sheet, cell = field_cell(rows, key)
        parts.append(
            pd.DataFrame(
                {
                    "sub": rows["sub"],
                    "path": key,
                    "section": label,
                    "text": column(rows, key),
                    "sheet": sheet,
                    "cell": cell,
                }
            ).astype(object)
        )
    out = pd.concat(parts, ignore_index=True)
    out["text"] = text_of(out["text"]).str.strip()
    out["path"] = text_of(out["path"])
    ctx.cache["narrative.texts"] = out
    return out


def _sentences(texts: pd.DataFrame) -> pd.DataFrame:
    s = texts.assign(sentence=texts["text"].str.split(_SENTENCE_END, regex=True)).explode(
        "sentence"
    )
    s["sentence"] = text_of(s["sentence"]).str.strip()
    return s[s["sentence"].ne("")].reset_index(drop=True)


def _boilerplate(text: pd.Series) -> pd.Series:
    compact = text_of(text).str.replace(r"[\s。.，,！!；;]", "", regex=True)
    return compact.eq("") | compact.str.fullmatch(BOILERPLATE_RE, na=False)


def _short(text: pd.Series, n: int = 40) -> pd.Series:
    t = text_of(text)
    return t.where(t.str.len() <= n, t.str[:n] + "…")


# ---------------------------------------------------------------------------- N01


@rule(
    "N01",
    "warning",
    "submission",
    "报告表述前后矛盾",
    "report contradicts itself",
    "报告表述前后矛盾：“{observed}”与{against}不一致。",
    "The report contradicts itself: “{observed}” does not agree with {against}.",
)
def n01_contradiction(ctx: Ctx) -> pd.DataFrame | None:
    p = ctx.projects
    texts = _texts(ctx)
    sent = _sentences(texts[texts["path"].ne("problems")])
    claim = sent[
        sent["sentence"].str.contains(CLAIM_RE, regex=True, na=False)
        & sent["sentence"].str.contains(CLAIM_CONTEXT, regex=True, na=False)
    ].drop_duplicates("sub")
    # a 未完成原因 section with real content, or a plain "未完成" in the national 实际完成情况
    sec = texts[texts["path"].eq(UNMET_SECTION)]
    sec = sec[
        ~_boilerplate(sec["text"])
        & ~sec["text"].str.contains(DENIAL_RE, regex=True, na=False)
        & ~(
            sec["text"].str.contains(CLAIM_RE, regex=True, na=False)
            & ~sec["text"].str.contains(UNMET_RE, regex=True, na=False)
        )
    ].assign(quote=lambda d: d["text"].str.split(_SENTENCE_END, n=1, regex=True).str[0])
    goal = sent[
        sent["path"].eq("goal_actual")
        & sent["sentence"].str.contains(UNMET_RE, regex=True, na=False)
    ]
    goal = goal.assign(quote=goal["sentence"])
    unmet_text = pd.concat([sec, goal], ignore_index=True).drop_duplicates("sub")

    ind = ctx.indicators
    met = ind["met"] if "met" in ind else pd.Series(dtype=object)
    unmet = ind[met.eq(False)]
    unmet_names = unmet.groupby("sub")["name"].agg(lambda x: "「" + "」「".join(map(str, x)) + "」")
    known = ind[met.notna()].groupby("sub").size()

    base = p[["sub"]].copy()
    base = base.merge(
        claim[["sub", "sentence", "sheet", "cell", "section"]].rename(
            columns={
                "sentence": "claim",
                "sheet": "c_sheet",
                "cell": "c_cell",
                "section": "c_section",
            }
        ),
        on="sub",
        how="left",
    )
    base = base.merge(
        unmet_text[["sub", "quote", "sheet", "cell", "section"]].rename(
            columns={"sheet": "u_sheet", "cell": "u_cell", "section": "u_section"}
        ),
        on="sub",
        how="left",
    )
    base["unmet"] = base["sub"].map(unmet_names)
    base["n_known"] = base["sub"].map(known).fillna(0)
    has_c, has_u, has_t = base["claim"].notna(), base["quote"].notna(), base["unmet"].notna()
    all_met = ~has_t & (base["n_known"] > 0)
    fire = (has_c & (has_u | has_t)) | (~has_c & has_u & all_met)
    b = base[fire]
    if b.empty:
        return None
    c, u, t = has_c[fire], has_u[fire], has_t[fire]
    section_quote = "「" + text_of(b["u_section"]) + "」“" + _short(b["quote"]) + "”"
    unmet_list = "未完成的指标" + text_of(b["unmet"])
    against = np.select(
        [c & u & t, c & u, c],
        [section_quote + "、" + unmet_list, section_quote, unmet_list],
        default="绩效目标表（各项指标均已完成）",
    )
    return hits(
        b,
        sheet=b["c_sheet"].astype(object).fillna(b["u_sheet"]),
        cell=b["c_cell"].astype(object).fillna(b["u_cell"]),
        observed=_short(b["claim"].astype(object).fillna(b["quote"]), 60),
        expected="表述与指标完成情况一致",
        against=against,
    )


# ---------------------------------------------------------------------------- N02


@rule(
    "N02",
    "warning",
    "submission",
    "扣分未说明原因",
    "deduction not explained",
    "扣分未说明原因：{items}共扣 {lost} 分，评分说明、偏差原因和报告正文中都没有写明原因。",
    "Deduction not explained: {items} lose {lost} point(s) in all, with no reason in the scoring "
    "note, the deviation column or the report text.",
    thresholds=("tolerance.full_eps",),
)
def n02_unexplained(ctx: Ctx) -> pd.DataFrame | None:
    parts = [_n02_hainan(ctx), _n02_national(ctx)]
    parts = [x for x in parts if x is not None and not x.empty]
    return pd.concat(parts, ignore_index=True) if parts else None


def _n02_hainan(ctx: Ctx) -> pd.DataFrame | None:
    """Each 三级 scoring item below its 分值 with no 评分说明, no 完成情况说明 on an indicator
    mapped to it, and no report sentence naming it together with a reason (RULES d.3 #19: the
    seed's three 7/8 items)."""
    items = ctx.frames.score_items
    if items.empty:
        return None
    score = pd.to_numeric(items["score"], errors="coerce")
    w3 = pd.to_numeric(items["w3"], errors="coerce")
    short = score.notna() & w3.notna() & ~scoring.is_full(score, w3, ctx.cfg)
    d = items.assign(score=score, w3=w3)[short & _blank_text(items["note"])]
    if d.empty:
        return None
    names = sorted(set(d["level3"].dropna().astype(str)), key=len, reverse=True)
    sent = _sentences(_texts(ctx))
    sent = sent[sent["sentence"].str.contains(DEDUCTION_WORDS, regex=True, na=False)]
    pattern = "(" + "|".join(re.escape(n) for n in names) + ")"
    found = sent["sentence"].str.extractall(pattern)
    if not found.empty:
        said = found.reset_index(level=1, drop=True).join(sent[["sub"]])
        said = set(zip(said["sub"], said[0], strict=True))
        mentioned = pd.Series(
            [(s, n) in said for s, n in zip(d["sub"], d["level3"], strict=True)], index=d.index
        )
        d = d[~mentioned]
    # the 完成情况说明 of a target-table indicator answering to the item (RULES b.5) explains it too
    ind = ctx.indicators
    if not d.empty and not ind.empty:
        noted = ind[~_blank_text(ind["deviation"])]
        noted = set(zip(noted["sub"], score_item_of(noted), strict=True))
        explained = pd.Series(
            [(s, n) in noted for s, n in zip(d["sub"], d["level3"], strict=True)], index=d.index
        )
        d = d[~explained]
    if d.empty:
        return None
    lost = d["w3"] - d["score"]
    return hits(
        d,
        sheet=d["sheet"],
        cell=d["note_cell"].where(d["note_cell"].notna(), d["score_cell"]),  # where the reason goes
        observed=d["score"],
        expected=d["w3"],
        stake=lost,
        items="「" + text_of(d["level3"]) + "」",
        lost=lost,
    )


def _n02_national(ctx: Ctx) -> pd.DataFrame | None:
    """Project level: deductions whose reason is given neither on their row (I03 reports the
    blank row) nor in the form's 实际完成情况 / 存在问题及改进措施 text. One finding per form."""
    ind = ctx.indicators
    p = ctx.projects
    nat = set(p.loc[p["profile"].eq("national2020"), "sub"])
    if ind.empty or not nat:
        return None
    ind = ind[ind["sub"].isin(nat)]
    w = pd.to_numeric(ind["weight"], errors="coerce")
    s = pd.to_numeric(ind["score_reported"], errors="coerce")
    short = (
        w.notna()
        & s.notna()
        & ~scoring.is_full(s, w, ctx.cfg)
        & ~ind["weight_na"].fillna(False).astype(bool)
    )
    d = ind.assign(lost=w - s)[short & _blank_text(ind["deviation"])]
    # the budget-execution score is a deduction too
    ex = ctx.frames.exec
    rows = []
    if not ex.empty:
        ex = ex[ex["sub"].isin(nat)]
        top = ex[ex["source"].eq("total")]
        ew = pd.to_numeric(top["weight"], errors="coerce")
        es = pd.to_numeric(top["score_reported"], errors="coerce")
        noted = (~_blank_text(ex["note"])).groupby(ex["sub"]).any()
        short_e = ew.notna() & es.notna() & ~scoring.is_full(es, ew, ctx.cfg)
        te = top[short_e & ~top["sub"].map(noted).fillna(False).astype(bool)]
        if not te.empty:
            rows.append(
                pd.DataFrame({"sub": te["sub"], "name": "预算执行率", "lost": (ew - es)[te.index]})
            )
    if not d.empty:
        rows.append(d[["sub", "name", "lost"]])
    if not rows:
        return None
    d = pd.concat(rows, ignore_index=True)
    texts = _texts(ctx)
    said = (
        texts[texts["path"].isin(["goal_actual", "problems"])].groupby("sub")["text"].agg(" ".join)
    )
    body = text_of(d["sub"].map(said))
    mentioned = pd.Series(
        [bool(n) and str(n) in t for n, t in zip(d["name"], body, strict=True)], index=d.index
    )
    d = d[~mentioned]
    if d.empty:
        return None
    g = d.groupby("sub")
    out = pd.DataFrame(
        {
            "names": g["name"].agg(lambda x: "「" + "」「".join(map(str, x)) + "」"),
            "n": g.size(),
            "lost": g["lost"].sum(),
        }
    ).reset_index()
    out = out.merge(p[["sub", "refs"]], on="sub")
    sheet, cell = field_cell(out, "problems")
    lost = out["lost"].round(2)
    return hits(
        out,
        sheet=sheet,
        cell=cell,
        observed=lost,
        expected=0,
        stake=lost,
        items=out["names"],
        lost=lost,
    )


def _blank_text(s: pd.Series) -> pd.Series:
    return text_of(s).str.strip().eq("")


# ---------------------------------------------------------------------------- N03

# The stated target inside a clause ("绩效指标49条", "目标值为≥95%") is removed first; then, in the
# first comma-separated piece that holds a number other than a year, the actual is the number
# right after the name or after 实际/达到/为/完成/实现.
_TARGET_IN_CLAUSE = (
    r"(?:绩效)?(?:指标|目标)(?:值)?(?:为|是)?\s*[≥≤><=≧≦]*\s*\d+(?:\.\d+)?\s*"
    r"(?:%|[^\d\s，,。；;、]{0,2})"
)
_NOT_A_YEAR = r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]*\s*年)"
_NUMBER = r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.]*\s*年)"
_CLAUSE_UNIT = r"(%|％|人次|万元|公里|平方米|[条个次人项台套件家户份所座辆米亩吨天])?"
_ACTUAL_IN_CLAUSE = (
    r"^(?:.*?(?:实际|达到|达|为|完成了?|实现|共计|共|计).*?|[\s:：(]*)"
    + _NUMBER
    + r"\s*"
    + _CLAUSE_UNIT
)


def _clause_after(text: str, name: str) -> str | None:
    """The words after the first mention of `name`, up to the end of the sentence."""
    i = text.find(name) if name else -1
    if i < 0:
        return None
    rest = text[i + len(name) :]
    return re.split(_SENTENCE_END, rest, maxsplit=1)[0]


@rule(
    "N03",
    "warning",
    "row",
    "正文数据与表格不一致",
    "report figure differs from the table",
    "指标「{name}」的实际完成值表格填写为“{observed}”，报告正文（{section}）写为“{expected}”。",
    "The actual value of “{name}” is “{observed}” in the table but “{expected}” in the report "
    "({section}).",
    thresholds=("tolerance.rate_pp",),
)
def n03_figures(ctx: Ctx) -> pd.DataFrame | None:
    ind = ctx.indicators
    if ind.empty:
        return None
    b = pd.to_numeric(ind["a_value"], errors="coerce")
    ind = ind[ind["a_kind"].eq("number") & b.notna() & ind["name"].notna()]
    texts = _texts(ctx)
    texts = texts[texts["path"].ne("problems") & texts["text"].ne("")]
    cols = ["sub", "seq", "name", "a_value", "a_percent", "actual_raw", "actual_cell", "sheet"]
    m = ind[cols].merge(texts[["sub", "section", "text"]], on="sub")
    if m.empty:
        return None
    # where the report names the indicator, the words that follow it
    m["clause"] = [_clause_after(t, str(n)) for t, n in zip(m["text"], m["name"], strict=True)]
    m = m[m["clause"].notna()]
    clause = m["clause"].astype(str).str.replace(_TARGET_IN_CLAUSE, "", regex=True)
    pieces = clause.str.split(r"[，,]", regex=True).explode()
    pieces = pieces[pieces.str.contains(_NOT_A_YEAR, regex=True, na=False)]
    pieces = pieces[~pieces.index.duplicated(keep="first")].reindex(m.index)
    got = pieces.astype(object).str.extract(_ACTUAL_IN_CLAUSE)
    m = m.assign(
        n_val=pd.to_numeric(got[0], errors="coerce"),
        n_pct=got[1].isin(["%", "％"]),
        n_text=text_of(got[0]) + text_of(got[1]),
    )
    m = m[m["n_val"].notna()]
    if m.empty:
        return None
    a = pd.to_numeric(m["a_value"], errors="coerce")
    a_pct = m["a_percent"].fillna(False).astype(bool)
    tol = np.where(m["n_pct"], ctx.cfg.tolerance.rate_pp, 0.0) + 1e-4 * a.abs() + 1e-9
    # a percentage and a count are not the same figure; compare like with like
    comparable = m["n_pct"].eq(a_pct) | ~m["n_pct"]
    m = m.assign(same=(m["n_val"] - a).abs() <= tol)[comparable]
    # one agreeing mention is enough: the report may cite the figure more than once
    agree = m.groupby(["sub", "seq"])["same"].transform("any")
    bad = m[~agree].drop_duplicates(["sub", "seq"])
    if bad.empty:
        return None
    return hits(
        bad,
        sheet=bad["sheet"],
        cell=bad["actual_cell"],
        observed=bad["actual_raw"],
        expected=bad["n_text"],
        name=bad["name"],
        section=bad["section"],
    )


# ---------------------------------------------------------------------------- N04


@rule(
    "N04",
    "info",
    "submission",
    "自评人员与项目负责人重合",
    "evaluators not independent of the project",
    "全部 {observed} 名评价人员均来自项目单位，项目负责人{leader}本人也在评价人员之列，自评缺乏独立性。",
    "All {observed} evaluators come from the project unit and the project leader {leader} is one "
    "of them; the self-evaluation is not independent.",
    profiles=HAINAN,
)
def n04_independence(ctx: Ctx) -> pd.DataFrame | None:
    ev = ctx.frames.evaluators
    p = ctx.projects
    if ev.empty or "leader" not in p:
        return None
    unit = pd.DataFrame(
        {
            "sub": p["sub"],
            "head": p["unit"],
            "alias": column(p, "unit_alias"),
            "leader": p["leader"],
        }
    )
    ev = ev.merge(unit, on="sub")
    # evaluators write their unit in short forms ("省海防与口岸办信息中心" for the former name)
    ours = pd.Series(
        [
            isinstance(u, str) and (same_org(u, h) or (isinstance(a, str) and same_org(u, a)))
            for u, h, a in zip(ev["unit"], ev["head"], ev["alias"], strict=True)
        ],
        index=ev.index,
        dtype=bool,
    )
    name = text_of(ev["name"]).str.replace(r"\s+", "", regex=True)
    leader = text_of(ev["leader"]).str.replace(r"\s+", "", regex=True)
    ev = ev.assign(ours=ours, is_leader=name.ne("") & name.eq(leader))
    g = ev.groupby("sub")
    per = pd.DataFrame(
        {"n": g.size(), "all_ours": g["ours"].all(), "leader_in": g["is_leader"].any()}
    )
    per = per[per["all_ours"] & per["leader_in"]].reset_index()
    if per.empty:
        return None
    at = ev[ev["is_leader"]].drop_duplicates("sub")[["sub", "sheet", "cell", "leader"]]
    per = per.merge(at, on="sub")
    return hits(
        per,
        sheet=per["sheet"],
        cell=per["cell"],
        observed=per["n"],
        expected="评价人员独立于项目",
        leader=per["leader"],
    )


# ---------------------------------------------------------------------------- N05


@rule(
    "N05",
    "info",
    "row",
    "存在问题/改进措施未填写",
    "problems and improvements not written",
    "「{section}」未写明存在的问题和改进措施（现为：{excerpt}）。",
    "“{section}” does not state the problems and improvements (it reads: {excerpt}).",
)
def n05_problems(ctx: Ctx) -> pd.DataFrame | None:
    texts = _texts(ctx)
    t = texts[texts["path"].isin([*PROBLEM_SECTIONS, "problems"])]
    if t.empty:
        return None
    empty = t["text"].eq("")
    boiler = _boilerplate(t["text"]) & ~empty
    # 六 asks for 经验、问题和建议: practices alone leave the problems part unwritten
    silent = (
        t["path"].eq("6")
        & ~empty
        & ~boiler
        & ~t["text"].str.contains(PROBLEM_WORDS, regex=True, na=False)
    )
    t = t.assign(empty=empty, boiler=boiler, silent=silent)
    t = t[t["empty"] | t["boiler"] | t["silent"]]
    if t.empty:
        return None
    excerpt = np.where(t["empty"], "空白", "“" + _short(t["text"], 30) + "”")
    return hits(
        t,
        sheet=t["sheet"],
        cell=t["cell"],
        observed=t["text"],
        expected="写明存在的问题和改进措施",
        section=t["section"],
        excerpt=excerpt,
    )
