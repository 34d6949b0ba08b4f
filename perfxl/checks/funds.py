"""Funds rules (F): amounts by source, execution and arrival rates, their scores, and the narrative."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl import parse, scoring
from perfxl.checks.derive import HAINAN_MEASURES, NATIONAL_MEASURES
from perfxl.checks.engine import Ctx, cached, field_cell, hits, rule
from perfxl.findings import fmt_value

NATIONAL, HAINAN = "national2020", "hainan2011"
MEASURES = NATIONAL_MEASURES + HAINAN_MEASURES

MEASURE_ZH = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "planned": "计划投资额",
    "arrived": "实际到位资金",
    "used": "实际使用情况",
}
SOURCE_ZH = {
    "total": "合计",
    "current_year": "当年财政拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
    "special": "财政专户管理资金",
    "unit_own": "单位资金",
    "central": "中央财政",
    "provincial": "省财政",
    "county": "市县财政",
}
# the national total row is printed 年度资金总额 on the form; the hainan one 合计
TOTAL_ZH = {NATIONAL: "年度资金总额", HAINAN: "合计"}

# F05: words that show a budget adjustment is explained in the narrative fields
ADJUST_WORDS = r"预算调整|调整预算|资金调整|调整后|追加|调增|调减|核减|追减|调剂"
# F13: words that say why money was left over; an explanation also names an amount (same sentence)
BALANCE_WORDS = (
    r"结余|节余|结存|节约|节省|剩余|未执行|未支出|未使用|未用|压缩|压减|结转|缴回|上缴|退回"
)
MONEY_FIGURE = r"\d[\d,]*(?:\.\d+)?\s*(?:亿元|万元|元)"
SENTENCE_END = r"[。;!?]"
# a note that says nothing ("无", "/", "—") is no explanation
PLACEHOLDER = r"(?:无|[/／]+|[-—–]+|不适用|暂无|无情况说明|无说明)?[。.]?"

# F12: a figure in the narrative and the words just before it within its clause. The clause
# stops at punctuation; the look-behind keeps a number from being picked up in its middle.
MENTION_RE = (
    r"(?P<ctx>[^。;,:!?]{0,24}?)(?<![\d.,])"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|%)"
)
# Keyword -> the table figure a number after it must match. Longer words first: the last keyword
# before the number decides, and "预算执行率" must read as a rate, not as a budget.
MENTION_CLASSES: tuple[tuple[str, str], ...] = (
    ("预算执行率", "rate"),
    ("资金使用率", "rate"),
    ("资金到位率", "arrival_rate"),
    ("支出进度", "rate"),
    ("支付进度", "rate"),
    ("执行进度", "rate"),
    ("完成指标", "rate"),
    ("执行率", "rate"),
    ("支出率", "rate"),
    ("到位率", "arrival_rate"),
    ("未执行", "balance"),
    ("未支出", "balance"),
    ("未使用", "balance"),
    ("结余", "balance"),
    ("节余", "balance"),
    ("结存", "balance"),
    ("节约", "balance"),
    ("剩余", "balance"),
    ("追加", "adjust"),
    ("调增", "adjust"),
    ("调减", "adjust"),
    ("核减", "adjust"),
    ("追减", "adjust"),
    ("支出", "executed"),
    ("使用", "executed"),
    ("执行", "executed"),
    ("支付", "executed"),
    ("花费", "executed"),
    ("开支", "executed"),
    ("用款", "executed"),
    ("到位", "arrived"),
    ("拨付", "arrived"),
    ("到账", "arrived"),
    ("预算", "budget"),
    ("批复", "budget"),
    ("下达", "budget"),
    ("安排", "budget"),
    ("计划", "budget"),
    ("投资", "budget"),
    ("资金", "any"),
    ("经费", "any"),
    ("总额", "any"),
    ("金额", "any"),
)
# figures about something else than this year's funds: multi-year totals, growth, unit costs
MENTION_SKIP = r"累计|总投资|同比|环比|增长|下降|人均|生均|每|标准|单价|上年度|去年|以前年度"
_KEYWORD_CLASS = dict(MENTION_CLASSES)
_LAST_KEYWORD = r".*(" + "|".join(k for k, _ in MENTION_CLASSES) + r")"
RATE_CLASSES = ("rate", "arrival_rate")
CLASS_ZH = {
    "rate": "执行率",
    "arrival_rate": "资金到位率",
    "balance": "结余",
    "adjust": "预算调整数",
    "executed": "执行（使用）数",
    "arrived": "到位资金",
    "budget": "预算数",
    "any": "资金数",
}
# the fund measures each money class may refer to, per profile
CLASS_MEASURES: dict[str, dict[str, tuple[str, ...]]] = {
    NATIONAL: {
        "budget": ("initial_budget", "annual_budget"),
        "arrived": ("annual_budget", "initial_budget"),
        "executed": ("executed",),
        "any": NATIONAL_MEASURES,
    },
    HAINAN: {
        "budget": ("planned", "arrived"),
        "arrived": ("arrived",),
        "executed": ("used",),
        "any": HAINAN_MEASURES,
    },
}


# ------------------------------------------------------------------ shared views of the funds


def _money(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 4)


def _amounts(ctx: Ctx) -> pd.DataFrame:
    """The funds frame with a float `amount` (NaN for blanks and "—") and the profile, in form
    order. Computed once per run (ctx.cache); callers copy before they change it."""
    if "funds.amounts" not in ctx.cache:
        f = ctx.frames.funds
        out = f[["sub", "measure", "source", "amount_wan", "sheet", "cell"]].copy()
        out["amount"] = pd.to_numeric(out["amount_wan"], errors="coerce").astype(float)
        out["profile"] = out["sub"].map(ctx.projects.set_index("sub")["profile"])
        out = out.drop_duplicates(["sub", "measure", "source"]).reset_index(drop=True)
        ctx.cache["funds.amounts"] = out
    return ctx.cache["funds.amounts"]


@cached
def _pair_rows(ctx: Ctx, profile: str, num: str, den: str) -> pd.DataFrame:
    """Fund rows of `profile` with the `num` and `den` measures side by side, one per source.

    The total row carries the recomputed measure totals (Σ sources where the unit left the
    total 0 or blank), so total-level checks agree with the rate the scoring uses."""
    a = _amounts(ctx)
    a = a[a["profile"].eq(profile)]
    cols = ["sub", "source", "amount", "cell"]
    w = (
        a.loc[a["measure"].eq(num), [*cols, "sheet", "profile"]]
        .rename(columns={"amount": "num", "cell": "num_cell"})
        .merge(
            a.loc[a["measure"].eq(den), cols].rename(columns={"amount": "den", "cell": "den_cell"}),
            on=["sub", "source"],
            how="left",
        )
    )
    tot = w["source"].eq("total")
    res = ctx.results
    for key, m in (("num", num), ("den", den)):
        w.loc[tot, key] = res[m].reindex(w.loc[tot, "sub"]).to_numpy(dtype=float)
    w["row"] = w["source"].map(SOURCE_ZH).fillna(w["source"])
    w["row"] = w["row"].where(~tot, w["profile"].map(TOTAL_ZH))
    return w


def _prefer_sources(rows: pd.DataFrame) -> pd.DataFrame:
    """A flagged source row names the cell to fix; its total row only repeats it, so drop that."""
    src = rows["source"].ne("total")
    return rows[src | ~rows["sub"].isin(rows.loc[src, "sub"])]


def _over(a: pd.Series, b: pd.Series, ctx: Ctx) -> pd.Series:
    """a exceeds b beyond the money tolerance (RULES b.8)."""
    return (a > b) & ~scoring.money_close(a, b, ctx.cfg)


@cached
def _total_exec(ctx: Ctx) -> pd.DataFrame:
    """The 年度资金总额 row of the national exec frame, indexed by sub."""
    ex = ctx.frames.exec
    return ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")


def _texts(ctx: Ctx) -> pd.DataFrame:
    """Every explanatory text of the batch, normalised: sub, text, kind, sheet, cell.

    kind "narrative" is the report and the 实际完成情况/存在问题 fields; "note" is a note
    next to a figure (funds 说明, 偏差原因, 评分说明). Computed once per run (ctx.cache)."""
    if "funds.texts" not in ctx.cache:
        ctx.cache["funds.texts"] = _collect_texts(ctx)
    return ctx.cache["funds.texts"]


def _collect_texts(ctx: Ctx) -> pd.DataFrame:
    parts: list[pd.DataFrame] = []
    nar = ctx.frames.narrative
    parts.append(nar[["sub", "text", "sheet", "cell"]].assign(kind="narrative"))
    p = ctx.projects
    for key in ("goal_actual", "problems"):
        if key in p.columns:
            sheet, cell = field_cell(p, key)
            parts.append(
                pd.DataFrame(
                    {"sub": p["sub"], "text": p[key], "sheet": sheet, "cell": cell}
                ).assign(kind="narrative")
            )
    ex = ctx.frames.exec
    parts.append(ex[["sub", "note", "sheet"]].rename(columns={"note": "text"}).assign(kind="note"))
    ind = ctx.indicators
    parts.append(
        ind[["sub", "deviation", "sheet", "deviation_cell"]]
        .rename(columns={"deviation": "text", "deviation_cell": "cell"})
        .assign(kind="note")
    )
    items = ctx.frames.score_items
    parts.append(
        items[["sub", "note", "sheet"]].rename(columns={"note": "text"}).assign(kind="note")
    )
    filled = [x.astype(object) for x in parts if not x.empty]
    if not filled:
        return pd.DataFrame(columns=["sub", "text", "sheet", "cell", "kind"])
    t = pd.concat(filled, ignore_index=True)
    t = t[t["text"].notna()].copy()
    t["text"] = t["text"].map(parse.normalize)
    return t[t["text"].ne("")].reset_index(drop=True)


def _subs_saying(texts: pd.DataFrame, words: str, with_figure: bool) -> pd.Index:
    """Subs with a sentence holding one of `words` (and a money figure, when asked)."""
    if texts.empty:
        return pd.Index([])
    s = texts[["sub"]].assign(text=texts["text"].str.split(SENTENCE_END, regex=True))
    s = s.explode("text")
    s = s[s["text"].notna()]
    ok = s["text"].str.contains(words, regex=True)
    if with_figure:
        ok &= s["text"].str.contains(MONEY_FIGURE, regex=True)
    return pd.Index(s.loc[ok, "sub"].unique())


def _real_note(text: pd.Series) -> pd.Series:
    t = text.fillna("").astype(str).str.strip()
    return t.ne("") & ~t.str.fullmatch(PLACEHOLDER)


# ------------------------------------------------------------------ F01 – F02 rates and scores


@rule(
    "F01",
    "error",
    "row",
    "执行率计算错误",
    "rate miscalculated",
    "{item}填报为 {observed}%，按 {num} ÷ {den} 万元复核应为 {expected}%。",
    "{item} is reported as {observed}%; {num} / {den} 万元 gives {expected}%.",
    thresholds=("tolerance.rate_pp", "execution.denominator"),
)
def f01_rate(ctx: Ctx) -> pd.DataFrame:
    parts: list[pd.DataFrame] = []

    # national: every fund row that shows a rate (执行率 column), against its own amounts
    ex = ctx.frames.exec
    ex = ex.assign(reported=pd.to_numeric(ex["rate_reported"], errors="coerce").astype(float))
    ex = ex[ex["reported"].notna()]
    rows = ex[["sub", "source", "sheet", "reported", "rate_raw", "rate_cell"]].merge(
        _pair_rows(ctx, NATIONAL, "executed", ctx.cfg.execution.denominator).drop(columns="sheet"),
        on=["sub", "source"],
        how="inner",
    )
    parts.append(
        pd.DataFrame(
            {
                "sub": rows["sub"],
                "sheet": rows["sheet"],
                "cell": rows["rate_cell"],
                "reported": rows["reported"],
                "raw": rows["rate_raw"],
                "num": rows["num"],
                "den": rows["den"],
                "item": rows["row"] + "执行率",
            }
        )
    )

    # hainan: the 预算执行率 and 资金到位率 cells under the funds table
    p = ctx.projects[ctx.projects["profile"].eq(HAINAN)]
    res = ctx.results.reindex(p["sub"])
    for key, num, den, item in (
        ("exec_rate", "used", "arrived", "预算执行率"),
        ("arrival_rate", "arrived", "planned", "资金到位率"),
    ):
        if key not in p.columns:
            continue
        sheet, cell = field_cell(p, key)
        parts.append(
            pd.DataFrame(
                {
                    "sub": p["sub"].to_numpy(),
                    "sheet": sheet.to_numpy(),
                    "cell": cell.to_numpy(),
                    "reported": pd.to_numeric(p[key], errors="coerce").to_numpy(dtype=float),
                    "raw": p.get(f"{key}_raw", pd.Series(None, index=p.index)).to_numpy(),
                    "num": res[num].to_numpy(dtype=float),
                    "den": res[den].to_numpy(dtype=float),
                    "item": item,
                }
            )
        )
    r = pd.concat([x for x in parts if not x.empty] or parts[:1], ignore_index=True)
    calc = scoring.rate(r["num"].astype(float), r["den"].astype(float))
    gap = (r["reported"].astype(float) - calc).abs()
    # A bare number in a rate cell is read as a fraction up to 1.5 and as a percent above, so a
    # cached 9.82 (982 %) reads as 9.82 %: either reading of a bare number may stand.
    bare = pd.to_numeric(r["raw"], errors="coerce").astype(float)
    other = (np.minimum((bare - calc).abs(), (bare * 100 - calc).abs())).fillna(np.inf)
    tol = ctx.cfg.tolerance.rate_pp + 1e-9
    # a row without a usable budget has no rate to compare: that is F09's finding
    bad = calc.notna() & (gap > tol) & (other > tol)
    r = r[bad]
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=r["reported"].astype(float).round(2),
        expected=calc[bad].round(2),
        stake=_money(gap[bad] / 100 * r["den"]),
        item=r["item"],
        num=_money(r["num"]),
        den=_money(r["den"]),
    )


@rule(
    "F02",
    "error",
    "submission",
    "预算执行率得分错误",
    "execution score miscalculated",
    "预算执行率得分填报 {observed} 分，按分值 {weight} × 执行率 {rate}%（最高为分值）应为 {expected} 分。",
    "The execution score is reported as {observed}; weight {weight} × rate {rate}% "
    "(capped at the weight) gives {expected}.",
    thresholds=("tolerance.score", "tolerance.score_fine", "execution.weight"),
    profiles=(NATIONAL,),
)
def f02_exec_score(ctx: Ctx) -> pd.DataFrame:
    res = ctx.results
    r = res[res["profile"].eq(NATIONAL)].rename_axis("sub").reset_index()
    reported = r["exec_score_reported"].astype(float)
    calc = r["exec_score_calc"].astype(float)
    tol = scoring.score_tol(reported, calc, ctx.cfg)
    bad = reported.notna() & calc.notna() & ((reported - calc).abs() > tol + 1e-9)
    r = r[bad]
    tot = _total_exec(ctx)
    return hits(
        r,
        sheet=tot["sheet"].reindex(r["sub"]).to_numpy(),
        cell=tot["score_cell"].reindex(r["sub"]).to_numpy(),
        observed=reported[bad].round(2),
        expected=calc[bad].round(2),
        stake=(reported[bad] - calc[bad]).abs().round(2),
        weight=r["exec_weight"].astype(float).round(2),
        rate=r["exec_rate_calc"].astype(float).round(2),
    )


# ------------------------------------------------------------------ F03 – F05, F09 row pairs


def _excess(ctx: Ctx, rows: pd.DataFrame, **labels: str) -> pd.DataFrame:
    """Rows whose `num` exceeds a positive `den` (a zero or blank `den` is F09's finding).

    A total that is over only because a source row is over, or spent money it had no
    budget for (F09), repeats that row's finding and is left out."""
    over = rows["den"].gt(0) & _over(rows["num"], rows["den"], ctx)
    src = rows["source"].ne("total")
    culprit = src & (over | (rows["num"].gt(0) & ~rows["den"].gt(0)))
    r = rows[over & (src | ~rows["sub"].isin(rows.loc[culprit, "sub"]))]
    diff = _money(r["num"] - r["den"])
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["num_cell"],
        observed=_money(r["num"]),
        expected=_money(r["den"]),
        stake=diff,
        diff=diff,
        row=r["row"],
        **labels,
    )


@rule(
    "F03",
    "warning",
    "row",
    "执行数超过预算数",
    "spending exceeds the budget",
    "{row}{num_label} {observed} 万元超过{den_label} {expected} 万元（超出 {diff} 万元）。",
    "{row}: {num_label} {observed} 万元 exceeds {den_label} {expected} 万元 by {diff} 万元.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel", "execution.denominator"),
    profiles=(NATIONAL,),
)
def f03_over_budget(ctx: Ctx) -> pd.DataFrame:
    den = ctx.cfg.execution.denominator
    return _excess(
        ctx,
        _pair_rows(ctx, NATIONAL, "executed", den),
        num_label=MEASURE_ZH["executed"],
        den_label=MEASURE_ZH[den],
    )


@rule(
    "F04",
    "error",
    "row",
    "使用数超过到位数",
    "funds used exceed funds arrived",
    "{row}实际使用 {observed} 万元超过实际到位 {expected} 万元（超出 {diff} 万元）。",
    "{row}: {observed} 万元 used exceeds the {expected} 万元 that arrived, by {diff} 万元.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
    profiles=(HAINAN,),
)
def f04_used_over_arrived(ctx: Ctx) -> pd.DataFrame:
    return _excess(ctx, _pair_rows(ctx, HAINAN, "used", "arrived"))


@rule(
    "F05",
    "warning",
    "row",
    "到位超计划 / 预算调整未说明",
    "arrivals exceed the plan / budget change unexplained",
    "{row}{num_label} {observed} 万元与{den_label} {expected} 万元相差 {diff} 万元，"
    "须核实并在说明中写明原因。",
    "{row}: {num_label} {observed} 万元 differs from {den_label} {expected} 万元 by {diff} 万元; "
    "check it and give the reason in a note.",
    severities=("warning", "info"),
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f05_arrival_and_adjustment(ctx: Ctx) -> pd.DataFrame:
    # hainan: more money arrived than was planned (WARNING)
    arrived = _excess(
        ctx,
        _pair_rows(ctx, HAINAN, "arrived", "planned"),
        num_label=MEASURE_ZH["arrived"],
        den_label=MEASURE_ZH["planned"],
    )
    # national: the budget changed during the year and nothing says why (INFO). Any real note
    # in the funds 说明 column counts; elsewhere a sentence must speak of an adjustment.
    rows = _pair_rows(ctx, NATIONAL, "annual_budget", "initial_budget")
    rows = rows[rows["source"].eq("total") & rows["num"].notna() & rows["den"].notna()]
    changed = ~scoring.money_close(rows["num"], rows["den"], ctx.cfg)
    ex = ctx.frames.exec
    noted = ex.loc[_real_note(ex["note"]), "sub"]
    said = _subs_saying(_texts(ctx), ADJUST_WORDS, with_figure=False)
    r = rows[changed & ~rows["sub"].isin(noted) & ~rows["sub"].isin(said)]
    diff = _money((r["num"] - r["den"]).abs())
    adjusted = hits(
        r,
        sheet=r["sheet"],
        cell=r["num_cell"],
        observed=_money(r["num"]),
        expected=_money(r["den"]),
        severity="info",
        stake=diff,
        diff=diff,
        row=r["row"],
        num_label=MEASURE_ZH["annual_budget"],
        den_label=MEASURE_ZH["initial_budget"],
    )
    return pd.concat([arrived, adjusted], ignore_index=True)


@rule(
    "F09",
    "error",
    "row",
    "预算数为0却有执行数",
    "spending without a budget",
    "{row}{num_label} {observed} 万元，但{den_label}为 0 或空白，无法计算执行率。",
    "{row}: {num_label} is {observed} 万元 but {den_label} is 0 or blank; "
    "the rate cannot be computed.",
    thresholds=("execution.denominator",),
)
def f09_no_budget(ctx: Ctx) -> pd.DataFrame:
    parts = []
    for profile, num, den in (
        (NATIONAL, "executed", ctx.cfg.execution.denominator),
        (HAINAN, "used", "arrived"),
    ):
        rows = _pair_rows(ctx, profile, num, den)
        r = _prefer_sources(rows[rows["num"].gt(0) & ~rows["den"].gt(0)])
        parts.append(
            hits(
                r,
                sheet=r["sheet"],
                cell=r["den_cell"],
                observed=_money(r["num"]),
                expected=None,
                stake=_money(r["num"]),
                row=r["row"],
                num_label=MEASURE_ZH[num],
                den_label=MEASURE_ZH[den],
            )
        )
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------ F06 – F07 amounts


@rule(
    "F06",
    "error",
    "row",
    "资金来源合计不符",
    "sources do not add up",
    "{measure}合计 {observed} 万元，各资金来源（已填 {filled} 项）合计 {parts} 万元，二者应相等。",
    "The {measure} total is {observed} 万元, but the source rows ({filled} filled) add up to "
    "{parts} 万元; the two must agree.",
    severities=("error", "warning"),
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f06_source_sum(ctx: Ctx) -> pd.DataFrame:
    a = _amounts(ctx)
    is_src = a["source"].ne("total")
    src = a[is_src]
    g = src.groupby(["sub", "measure"], sort=False)["amount"]
    m = (
        a[~is_src]
        .set_index(["sub", "measure"])[["amount", "sheet", "cell"]]
        .join(pd.DataFrame({"parts": g.sum(min_count=1), "filled": g.count()}), how="inner")
        .reset_index()
    )
    parts = m["parts"].fillna(0.0)
    mismatch = m["amount"].notna() & m["filled"].gt(0)
    mismatch &= ~scoring.money_close(m["amount"].fillna(0.0), parts, ctx.cfg)
    missing = m["amount"].gt(ctx.cfg.tolerance.money_abs) & m["filled"].eq(0)

    # A missing breakdown is pointed at the source row the project fills in its other measures
    # (the seed's 实际使用 goes to 省财政, as its 计划/到位 do), else at the first source row.
    filled = src.loc[src["amount"].notna(), ["sub", "source"]].drop_duplicates()
    cand = src.merge(filled.assign(elsewhere=True), on=["sub", "source"], how="left")
    cand = cand.assign(elsewhere=cand["elsewhere"].eq(True))
    cand = cand.sort_values("elsewhere", ascending=False, kind="stable")
    target = cand.drop_duplicates(["sub", "measure"]).set_index(["sub", "measure"])["cell"]
    suggested = m[["sub", "measure"]].join(target, on=["sub", "measure"])["cell"]

    sel = mismatch | missing
    r, mis = m[sel], mismatch[sel].to_numpy()
    diff = _money((r["amount"] - parts[sel]).abs())
    sums = _money(parts[sel])
    return hits(
        r,
        sheet=r["sheet"],
        cell=np.where(mis, r["cell"], suggested[sel].fillna(r["cell"])),
        observed=_money(r["amount"]),
        expected=np.where(mis, sums, None),
        severity=np.where(mis, "error", "warning"),
        stake=np.where(mis, diff, _money(r["amount"])),
        measure=r["measure"].map(MEASURE_ZH),
        filled=r["filled"].astype(int),
        parts=sums,
    )


@rule(
    "F07",
    "warning",
    "row",
    "疑似元/万元单位混用",
    "元 / 万元 mix-up suspected",
    "{item} {observed} 万元，是{ref_item} {ref} 万元的 {ratio} 倍，疑似按“元”填写"
    "（按元计为 {expected} 万元）。",
    "{item} is {observed} 万元, {ratio} times {ref_item} {ref} 万元; it looks like an amount "
    "in 元 ({expected} 万元 if read as 元).",
    thresholds=("funds.magnitude_ratio_lo", "funds.magnitude_ratio_hi", "funds.max_project_wan"),
)
def f07_magnitude(ctx: Ctx) -> pd.DataFrame:
    cfg = ctx.cfg.funds
    a = _amounts(ctx)
    a = a[a["amount"].gt(0)].copy()
    a["item"] = (
        a["measure"].map(MEASURE_ZH) + "（" + a["source"].map(SOURCE_ZH).fillna(a["source"]) + "）"
    )
    key = ["sub", "measure", "source"]
    cols = [*key, "amount", "item"]

    # comparable pairs: one source across measures (totals included), and the sources of one
    # measure among themselves; the larger amount of a ≈10⁴ pair is the one typed in 元
    across = a[cols].merge(a[cols], on=["sub", "source"], suffixes=("", "_o"))
    across = across[across["measure"] != across["measure_o"]]
    parts = a.loc[a["source"].ne("total"), cols]
    within = parts.merge(parts, on=["sub", "measure"], suffixes=("", "_o"))
    within = within[within["source"] != within["source_o"]]
    pairs = pd.concat([across, within], ignore_index=True)
    pairs = pairs.assign(ratio=pairs["amount"] / pairs["amount_o"])
    pairs = pairs[pairs["ratio"].between(cfg.magnitude_ratio_lo, cfg.magnitude_ratio_hi)]
    pairs = pairs.sort_values("ratio", kind="stable").drop_duplicates(key)
    pairs = pairs[[*key, "item_o", "amount_o"]].rename(
        columns={"item_o": "ref_item", "amount_o": "ref"}
    )
    # no comparable amount, but beyond what one project can hold
    big = a.loc[a["amount"] > cfg.max_project_wan, key].assign(
        ref_item="单个项目上限", ref=cfg.max_project_wan
    )
    found = pd.concat([pairs, big], ignore_index=True).drop_duplicates(key)
    r = found.merge(a, on=key, how="inner")
    # a source row typed in 元 inflates its total too: report the source row only
    slipped = r.loc[r["source"].ne("total"), ["sub", "measure"]].drop_duplicates()
    inherited = r[["sub", "measure"]].merge(slipped.assign(hit=True), how="left")["hit"]
    r = r[~(r["source"].eq("total") & inherited.eq(True).to_numpy())]
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=_money(r["amount"]),
        expected=np.round(r["amount"].to_numpy(dtype=float) / 1e4, 6),
        stake=_money(r["amount"] * (1 - 1e-4)),
        item=r["item"],
        ref_item=r["ref_item"],
        ref=_money(r["ref"]),
        ratio=np.round(r["amount"].to_numpy(dtype=float) / r["ref"].to_numpy(dtype=float), 0),
    )


# ------------------------------------------------------------------ F08, F10, F11 rates vs scores


def _rate_cells(ctx: Ctx, subs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where a submission shows its execution rate: the 年度资金总额 执行率 cell (national) or
    the 预算执行率 cell (hainan); else its 全年执行数 / 实际使用 total."""
    p = ctx.projects.set_index("sub", drop=False)
    sheet, cell = field_cell(p, "exec_rate")
    tot = _total_exec(ctx)
    a = _amounts(ctx)
    spent = a[a["source"].eq("total") & a["measure"].isin(["executed", "used"])]
    spent = spent.drop_duplicates("sub").set_index("sub")
    sheet = sheet.reindex(subs).fillna(tot["sheet"].reindex(subs))
    cell = cell.reindex(subs).fillna(tot["rate_cell"].reindex(subs))
    sheet = sheet.fillna(spent["sheet"].reindex(subs))
    cell = cell.fillna(spent["cell"].reindex(subs))
    return sheet.to_numpy(dtype=object), cell.to_numpy(dtype=object)


@rule(
    "F08",
    "warning",
    "submission",
    "预算执行率偏低",
    "execution rate below the line",
    "预算执行率 {observed}%，未达 {threshold}%（未执行 {unspent} 万元），需说明原因。",
    "The execution rate is {observed}%, below {threshold}% ({unspent} 万元 unspent); "
    "the reason must be explained.",
    thresholds=("execution.warn_below",),
)
def f08_low_rate(ctx: Ctx) -> pd.DataFrame:
    line = ctx.cfg.execution.warn_below
    res = ctx.results
    r = res[res["exec_rate_calc"].astype(float) < line - 1e-9].rename_axis("sub").reset_index()
    sheet, cell = _rate_cells(ctx, r["sub"])
    unspent = _money(r["budget_wan"] - r["executed_wan"])
    return hits(
        r,
        sheet=sheet,
        cell=cell,
        observed=r["exec_rate_calc"].astype(float).round(2),
        expected=line,
        stake=unspent,
        threshold=line,
        unspent=unspent,
    )


@cached
def _full_items(ctx: Ctx, pattern: str) -> pd.DataFrame:
    """Hainan 三级 score items named like `pattern` that were given their full 分值."""
    it = ctx.frames.score_items
    it = it[it["level3"].fillna("").astype(str).str.contains(pattern, regex=True)]
    it = it.assign(
        score=pd.to_numeric(it["score"], errors="coerce").astype(float),
        w3=pd.to_numeric(it["w3"], errors="coerce").astype(float),
    )
    it = it[it["score"].notna() & it["w3"].notna()]
    return it[scoring.is_full(it["score"], it["w3"], ctx.cfg)].drop_duplicates("sub")


@rule(
    "F10",
    "warning",
    "submission",
    "到位不足但到位率得满分",
    "funds short yet full arrival score",
    "资金到位率 {rate}%（到位 {arrived} ÷ 计划 {planned} 万元），但“{item}”得满分 {observed}/{weight}，"
    "应低于 {weight} 分。",
    "Only {rate}% of the funds arrived ({arrived} of {planned} 万元), yet “{item}” has full "
    "marks {observed}/{weight}; it should score below {weight}.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel", "tolerance.full_eps"),
    profiles=(HAINAN,),
)
def f10_arrival_full(ctx: Ctx) -> pd.DataFrame:
    it = _full_items(ctx, "到位率")
    res = ctx.results.reindex(it["sub"]).set_axis(it.index)
    planned, arrived = res["planned"].astype(float), res["arrived"].astype(float)
    short = planned.gt(0) & arrived.notna() & _over(planned, arrived, ctx)
    r, res = it[short], res[short]
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["score_cell"],
        observed=r["score"],
        expected=r["w3"].map(lambda w: f"< {fmt_value(w)}"),
        stake=_money(planned[short] - arrived[short]),
        rate=res["arrival_rate_calc"].astype(float).round(2),
        arrived=_money(arrived[short]),
        planned=_money(planned[short]),
        item=r["level3"],
        weight=r["w3"],
    )


@rule(
    "F11",
    "warning",
    "submission",
    "执行不足但资金使用得满分",
    "low execution yet full score",
    "执行率 {rate}%（{basis}）低于 {threshold}%，但“{item}”得满分 {observed}/{weight}，应低于 {weight} 分。",
    "The execution rate is {rate}% ({basis}), below {threshold}%, yet {item} has full "
    "marks {observed}/{weight}; it should score below {weight}.",
    thresholds=("execution.full_score_below", "tolerance.full_eps"),
)
def f11_low_rate_full(ctx: Ctx) -> pd.DataFrame:
    line = ctx.cfg.execution.full_score_below
    res = ctx.results
    parts: list[pd.DataFrame] = []

    # national: the 预算执行率 score itself
    nat = res[res["profile"].eq(NATIONAL)].rename_axis("sub").reset_index()
    score, weight = nat["exec_score_reported"].astype(float), nat["exec_weight"].astype(float)
    rate = nat["exec_rate_calc"].astype(float)
    bad = rate.lt(line - 1e-9) & score.notna() & scoring.is_full(score, weight, ctx.cfg)
    r = nat[bad]
    tot = _total_exec(ctx)
    parts.append(
        pd.DataFrame(
            {
                "sub": r["sub"],
                "sheet": tot["sheet"].reindex(r["sub"]).to_numpy(),
                "cell": tot["score_cell"].reindex(r["sub"]).to_numpy(),
                "rate": rate[bad],
                "basis": "全年执行数 ÷ 全年预算数",
                "item": "预算执行率",
                "score": score[bad],
                "weight": weight[bad],
                "unspent": r["budget_wan"] - r["executed_wan"],
            }
        )
    )

    # hainan: the 资金使用 item against use ÷ arrivals (RULES b.2) and use ÷ plan, whichever is
    # lower: money that never arrived was not used either ([S12] 69.45 % of plan, scored 7/7)
    it = _full_items(ctx, "资金使用")
    h = res.reindex(it["sub"]).set_axis(it.index)
    used = h["used"].astype(float)
    by_arrived = scoring.rate(used, h["arrived"].astype(float))
    by_planned = scoring.rate(used, h["planned"].astype(float))
    on_plan = by_planned.lt(by_arrived.fillna(np.inf))
    h_rate = by_planned.where(on_plan, by_arrived)
    h_den = h["planned"].where(on_plan, h["arrived"]).astype(float)
    low = h_rate.lt(line - 1e-9)
    hr = it[low]
    parts.append(
        pd.DataFrame(
            {
                "sub": hr["sub"],
                "sheet": hr["sheet"],
                "cell": hr["score_cell"],
                "rate": h_rate[low],
                "basis": np.where(on_plan[low], "实际使用 ÷ 计划投资额", "实际使用 ÷ 实际到位"),
                "item": hr["level3"],
                "score": hr["score"],
                "weight": hr["w3"],
                "unspent": (h_den - used)[low],
            }
        )
    )
    r = pd.concat([x for x in parts if not x.empty] or parts[:1], ignore_index=True)
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=r["score"].astype(float),
        expected=r["weight"].map(lambda w: f"< {fmt_value(float(w))}"),
        stake=_money(r["unspent"]),
        rate=r["rate"].astype(float).round(2),
        threshold=line,
        basis=r["basis"],
        item=r["item"],
        weight=r["weight"].astype(float),
    )


# ------------------------------------------------------------------ F12 – F13 narrative


_CLASS_OF_MEASURE = pd.DataFrame(
    [
        (profile, measure, cls)
        for profile, classes in CLASS_MEASURES.items()
        for cls, measures in classes.items()
        for measure in measures
    ],
    columns=["profile", "measure", "cls"],
)


def _table_figures(ctx: Ctx) -> pd.DataFrame:
    """Every figure of the funds tables a narrative may quote: sub, cls, value (万元 or %)."""
    a = _amounts(ctx)
    amounts = a[a["amount"].notna()].merge(_CLASS_OF_MEASURE, on=["profile", "measure"])
    res = ctx.results
    used, planned = res["used"].astype(float), res["planned"].astype(float)
    balance = (res["budget_wan"] - res["executed_wan"]).astype(float)
    adjust = (res["annual_budget"] - res["initial_budget"]).abs().astype(float)
    adjust = adjust.where(res["profile"].eq(NATIONAL))
    # (class, value) columns; a balance or adjustment also counts as a plain 资金数
    derived = pd.DataFrame(
        {
            ("balance", 0): balance,
            ("balance", 1): planned - used,
            ("any", 0): balance,
            ("any", 1): adjust,
            ("adjust", 0): adjust,
            ("rate", 0): res["exec_rate_calc"].astype(float),
            ("rate", 1): scoring.rate(used, planned),
            ("arrival_rate", 0): res["arrival_rate_calc"].astype(float),
        }
    ).rename_axis("sub")
    derived.columns.names = ["cls", "n"]
    derived = derived.stack(["cls", "n"]).rename("value").reset_index()
    out = pd.concat(
        [amounts[["sub", "cls", "amount"]].rename(columns={"amount": "value"}), derived],
        ignore_index=True,
    )
    # a blank table sums to 0: a narrative amount is compared with amounts that were filled in
    keep = out["value"].gt(0) | (out["cls"].isin(RATE_CLASSES) & out["value"].notna())
    return out.loc[keep, ["sub", "cls", "value"]].drop_duplicates()


@rule(
    "F12",
    "warning",
    "row",
    "报告正文与表格金额不一致",
    "narrative figure differs from the table",
    "正文“{snippet}”写 {observed}{unit}，与表格{what} {expected}{unit} 不一致（相差 {diff}{unit}）。",
    "The narrative says “{snippet}”, {observed}{unit}, but the table's {what} is "
    "{expected}{unit} (difference {diff}{unit}).",
    thresholds=("tolerance.money_abs", "tolerance.money_rel", "tolerance.rate_pp"),
)
def f12_narrative_figures(ctx: Ctx) -> pd.DataFrame:
    texts = _texts(ctx)
    texts = texts[texts["kind"].eq("narrative")]
    found = texts["text"].str.extractall(MENTION_RE) if not texts.empty else pd.DataFrame()
    if found.empty:
        return pd.DataFrame()
    m = found.reset_index(level="match", drop=True).join(texts[["sub", "sheet", "cell"]])
    m = m.reset_index(drop=True)
    m["cls"] = m["ctx"].str.extract(_LAST_KEYWORD, expand=False).map(_KEYWORD_CLASS)
    rate = m["unit"].eq("%")
    about_funds = m["cls"].notna() & ~m["ctx"].str.contains(MENTION_SKIP, regex=True)
    m = m[about_funds & (rate == m["cls"].isin(RATE_CLASSES))].copy()
    m["id"] = np.arange(len(m))
    digits = m["num"].str.replace(",", "", regex=False)
    decimals = digits.str.extract(r"\.(\d+)$", expand=False).str.len().fillna(0)
    factor = m["unit"].map(parse.MONEY_FACTORS).fillna(1.0)
    # the figure as written, in 万元 (money) or percent; the parsers do the conversion
    m["value"] = np.where(
        m["unit"].eq("%"),
        digits.map(lambda s: parse.parse_number(s).value),
        (digits + m["unit"]).map(lambda s: parse.parse_money(s).value_wan),
    ).astype(float)
    # a narrative may round or cut a figure to the precision it writes it with
    m["precision"] = factor * 10.0 ** (-decimals)
    pairs = m.merge(_table_figures(ctx), on=["sub", "cls"], suffixes=("", "_t"))
    close = scoring.money_close(pairs["value"], pairs["value_t"], ctx.cfg)
    gap = (pairs["value"] - pairs["value_t"]).abs()
    close = np.where(
        pairs["unit"].eq("%"),
        gap <= np.maximum(ctx.cfg.tolerance.rate_pp, pairs["precision"]) + 1e-9,
        close,
    )
    pairs["ok"] = close | (gap < pairs["precision"] - 1e-9)
    pairs["gap"] = gap
    matched = pairs.groupby("id")["ok"].any()
    nearest = pairs.sort_values("gap", kind="stable").drop_duplicates("id").set_index("id")
    r = nearest[~matched.reindex(nearest.index).to_numpy()].reset_index()
    is_rate = r["unit"].eq("%")
    budget = ctx.results["budget_wan"].reindex(r["sub"]).to_numpy(dtype=float)
    shown = np.where(is_rate, "%", "万元")
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=np.where(is_rate, r["value"].round(2), _money(r["value"])),
        expected=np.where(is_rate, r["value_t"].round(2), _money(r["value_t"])),
        stake=_money(np.where(is_rate, r["gap"] / 100 * budget, r["gap"])),
        snippet=(r["ctx"].str.strip() + r["num"] + r["unit"]).str.slice(-30),
        unit=shown,
        what=r["cls"].map(CLASS_ZH),
        diff=np.where(is_rate, r["gap"].round(2), _money(r["gap"])),
    )


@rule(
    "F13",
    "info",
    "submission",
    "结余未说明",
    "balance unexplained",
    "结余 {observed} 万元（{den_label} {budget} − {num_label} {spent} 万元），"
    "正文和说明中未见写明金额的结余原因。",
    "A balance of {observed} 万元 ({den_label} {budget} − {num_label} {spent} 万元) "
    "is left; no note or narrative explains it with an amount.",
    thresholds=("tolerance.money_abs", "tolerance.money_rel"),
)
def f13_balance_unexplained(ctx: Ctx) -> pd.DataFrame:
    res = ctx.results.rename_axis("sub").reset_index()
    budget, spent = res["budget_wan"].astype(float), res["executed_wan"].astype(float)
    left = _over(budget, spent, ctx)
    # an explanation is a sentence that says why (结余/节约/未执行/压缩 …) and names an amount;
    # "压缩了会议费" alone (the seed) is too vague to reconcile the balance
    said = _subs_saying(_texts(ctx), BALANCE_WORDS, with_figure=True)
    r = res[left & ~res["sub"].isin(said)]
    nat = r["profile"].eq(NATIONAL)
    p = ctx.projects.set_index("sub", drop=False)
    sheet, cell = field_cell(p, "balance")
    a = _amounts(ctx)
    spent_cell = a[a["source"].eq("total") & a["measure"].isin(["executed", "used"])]
    spent_cell = spent_cell.drop_duplicates("sub").set_index("sub")
    balance = _money(budget[r.index] - spent[r.index])
    den = np.where(nat, MEASURE_ZH[ctx.cfg.execution.denominator], MEASURE_ZH["arrived"])
    num = np.where(nat, MEASURE_ZH["executed"], MEASURE_ZH["used"])
    return hits(
        r,
        sheet=sheet.reindex(r["sub"]).fillna(spent_cell["sheet"].reindex(r["sub"])).to_numpy(),
        cell=cell.reindex(r["sub"]).fillna(spent_cell["cell"].reindex(r["sub"])).to_numpy(),
        observed=balance,
        expected=None,
        stake=balance,
        budget=_money(budget[r.index]),
        spent=_money(spent[r.index]),
        den_label=den,
        num_label=num,
    )
