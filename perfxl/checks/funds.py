"""Funds rules (F): amounts by source, execution and arrival rates, their scores, and the narrative."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_floats
from perfxl.checks.derive import HAINAN_MEASURES, NATIONAL_MEASURES
from perfxl.checks.engine import Ctx, cached, field_cell, hits, no_hits, rule
from perfxl.model.findings import fmt_value
from perfxl.read import grammar as parse

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
#
# A one-workbook `perfxl check` is all fixed costs: a merge or groupby costs ~1-3 ms even on a
# few rows, a numpy operation a few µs. So the rules below find their candidate rows with numpy
# first, return an empty hit table when there are none, skip a profile absent from the batch
# (ctx.present), and keep the pandas work for the rows they report. Over a big batch the same
# code stays vectorised.

HIT_BASE = ("sub", "sheet", "cell", "observed", "expected", "stake")


def _no_fund_hits(*params: str) -> pd.DataFrame:
    """The empty hit table of a funds check: the usual columns and the check's own."""
    return no_hits(*HIT_BASE[1:], *params)


def _one_table(parts: list[pd.DataFrame], *params: str) -> pd.DataFrame:
    """The hit tables of a rule's parts as one (a concat only when two parts have hits)."""
    filled = [x for x in parts if not x.empty]
    if not filled:
        return _no_fund_hits(*params)
    return filled[0] if len(filled) == 1 else pd.concat(filled, ignore_index=True)


def _money(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float), 4)


def _key_codes(*columns: np.ndarray) -> np.ndarray:
    """One integer per distinct combination of the columns' values (a row key); a blank is a
    value of its own, as in a merge key."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        c, uniques = pd.factorize(col, use_na_sentinel=False)
        code = code * max(len(uniques), 1) + c
    return code


def _find(left: tuple[np.ndarray, ...], right: tuple[np.ndarray, ...]) -> np.ndarray:
    """For each left row, the position of the right row with the same key, else -1 (the right
    keys are unique). Blanks match blanks, as in a merge; a fraction of a merge's cost."""
    n = len(left[0])
    code = _key_codes(*(np.concatenate([lv, rv]) for lv, rv in zip(left, right, strict=True)))
    return pd.Index(code[n:]).get_indexer(code[:n])


def _take(values: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """values[pos], NaN where pos is -1 (not found)."""
    return np.append(values, np.nan)[pos] if len(pos) else values[:0]


def _amounts(ctx: Ctx) -> pd.DataFrame:
    """The funds frame with a float `amount` (NaN for blanks and "—") and the profile, in form
    order. Computed once per run (ctx.cache); callers copy before they change it."""
    if "funds.amounts" not in ctx.cache:
        f = ctx.frames.funds
        cols = {
            k: f[k].to_numpy() for k in ("sub", "measure", "source", "amount_wan", "sheet", "cell")
        }
        cols["amount"] = as_floats(f["amount_wan"])
        p = ctx.projects
        at = ctx.project_pos(cols["sub"])
        cols["profile"] = _take(p["profile"].to_numpy(dtype=object), at)
        # the first row of each (sub, measure, source), as drop_duplicates keeps it
        first = ~pd.Index(_key_codes(cols["sub"], cols["measure"], cols["source"])).duplicated()
        ctx.cache["funds.amounts"] = pd.DataFrame({k: v[first] for k, v in cols.items()})
    return ctx.cache["funds.amounts"]


@cached
def _pair_rows(ctx: Ctx, profile: str, num: str, den: str) -> pd.DataFrame:
    """Fund rows of `profile` with the `num` and `den` measures side by side, one per source.

    The total row carries the recomputed measure totals (Σ sources where the unit left the
    total 0 or blank), so total-level checks agree with the rate the scoring uses."""
    a = _amounts(ctx)
    in_profile = a["profile"].to_numpy() == profile
    measure = a["measure"].to_numpy()
    n_at = np.flatnonzero(in_profile & (measure == num))
    d_at = np.flatnonzero(in_profile & (measure == den))
    sub, source = a["sub"].to_numpy(), a["source"].to_numpy()
    amount, cell = a["amount"].to_numpy(dtype=float), a["cell"].to_numpy()
    # the den row of each num row's (sub, source): a left merge on unique keys
    pos = _find((sub[n_at], source[n_at]), (sub[d_at], source[d_at]))
    w_sub, w_source = sub[n_at], source[n_at]
    values = {"num": amount[n_at], "den": _take(amount[d_at], pos)}
    tot = w_source == "total"
    if tot.any():
        res = ctx.results
        at = res.index.get_indexer(w_sub[tot])
        for key, m in (("num", num), ("den", den)):
            values[key][tot] = _take(res[m].to_numpy(dtype=float), at)
    codes, uniques = pd.factorize(w_source, use_na_sentinel=False)
    labels = np.array([SOURCE_ZH.get(s, s) for s in uniques], dtype=object)
    return pd.DataFrame(
        {
            "sub": w_sub,
            "source": w_source,
            "num": values["num"],
            "num_cell": cell[n_at],
            "sheet": a["sheet"].to_numpy()[n_at],
            "den": values["den"],
            "den_cell": _take(cell[d_at], pos),
            "row": np.where(tot, TOTAL_ZH.get(profile), labels[codes]),
        }
    )


def _prefer_sources(rows: pd.DataFrame) -> pd.DataFrame:
    """A flagged source row names the cell to fix; its total row only repeats it, so drop that."""
    src = rows["source"].ne("total")
    return rows[src | ~rows["sub"].isin(rows.loc[src, "sub"])]


def _apart(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, ctx: Ctx) -> np.ndarray:
    """a and b differ beyond the money tolerance (RULES b.8): not scoring.money_close. That is
    only asked for the pairs further apart than its absolute part, nearly always none."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    apart = ~(np.abs(a - b) <= ctx.cfg.tolerance.money_abs + 1e-9)  # NaN: apart, as ~money_close
    if apart.any():
        i = np.flatnonzero(apart)
        apart[i] = ~scoring.money_close(pd.Series(a[i]), pd.Series(b[i]), ctx.cfg).to_numpy()
    return apart


def _over(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, ctx: Ctx) -> np.ndarray:
    """a exceeds b beyond the money tolerance (RULES b.8)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    over = a > b
    if over.any():
        over[over] = _apart(a[over], b[over], ctx)
    return over


@cached
def _total_exec(ctx: Ctx) -> pd.DataFrame:
    """The 年度资金总额 row of the national exec frame, indexed by sub."""
    ex = ctx.frames.exec
    return ex[ex["source"].eq("total")].drop_duplicates("sub").set_index("sub")


def _texts(ctx: Ctx) -> pd.DataFrame:
    """Every explanatory text of the batch, normalised: sub, text, sheet, cell, kind.

    kind "narrative" is the report and the 实际完成情况/存在问题 fields; "note" is a note
    next to a figure (funds 说明, 偏差原因, 评分说明). Computed once per run (ctx.cache)."""
    if "funds.texts" not in ctx.cache:
        ctx.cache["funds.texts"] = _collect_texts(ctx)
    return ctx.cache["funds.texts"]


def _collect_texts(ctx: Ctx) -> pd.DataFrame:
    # column arrays per source of text, joined once (a frame per part and a concat cost more)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("sub", "text", "sheet", "cell", "kind")}

    def add(frame: pd.DataFrame, text: pd.Series, sheet: Any, cell: Any, kind: str) -> None:
        n = len(frame)
        if not n:
            return
        for key, value in (("sub", frame["sub"]), ("text", text), ("sheet", sheet), ("cell", cell)):
            cols[key].append(
                np.full(n, np.nan, dtype=object)
                if value is None
                else np.asarray(value, dtype=object)
            )
        cols["kind"].append(np.full(n, kind, dtype=object))

    nar = ctx.frames.narrative
    add(nar, nar["text"], nar["sheet"], nar["cell"], "narrative")
    p = ctx.projects
    for key in ("goal_actual", "problems"):
        if key in p.columns and not p.empty:
            sheet, cell = field_cell(p, key)
            add(p, p[key], sheet, cell, "narrative")
    ex = ctx.frames.exec
    add(ex, ex["note"], ex["sheet"], None, "note")
    ind = ctx.indicators
    add(ind, ind["deviation"], ind["sheet"], ind["deviation_cell"], "note")
    items = ctx.frames.score_items
    add(items, items["note"], items["sheet"], None, "note")
    if not cols["sub"]:
        return pd.DataFrame(columns=list(cols))
    data = {k: np.concatenate(v) for k, v in cols.items()}
    given = ~pd.isna(data["text"])
    data = {k: v[given] for k, v in data.items()}
    data["text"] = np.array([parse.normalize(t) for t in data["text"]], dtype=object)
    said = data["text"] != ""
    return pd.DataFrame({k: v[said] for k, v in data.items()})


# a sentence holding both a word and a money figure: one before the other, no sentence end in
# between (no word shares a character with a figure, so the two cannot overlap)
_IN_SENTENCE = "[^" + SENTENCE_END[1:] + "*"


def _subs_saying(texts: pd.DataFrame, words: str, with_figure: bool) -> pd.Index:
    """Subs with a sentence holding one of `words` (and a money figure, when asked).

    No word spans a sentence end, so it is looked for in the whole text; with the figure, one
    pattern asks for both in one sentence (splitting into sentences and exploding costs ms)."""
    if texts.empty:
        return pd.Index([])
    pattern = (
        f"(?:{words}){_IN_SENTENCE}(?:{MONEY_FIGURE})|(?:{MONEY_FIGURE}){_IN_SENTENCE}(?:{words})"
        if with_figure
        else words
    )
    ok = texts["text"].str.contains(pattern, regex=True).to_numpy(dtype=bool)
    return pd.Index(pd.unique(texts["sub"].to_numpy()[ok]))


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
    # the rows that show a rate, as column arrays (one frame is built for the bad rows only)
    parts: list[dict[str, np.ndarray]] = []

    # national: every fund row that shows a rate (执行率 column), against its own amounts
    if NATIONAL in ctx.present:
        ex = ctx.frames.exec
        reported = as_floats(ex["rate_reported"])
        at = np.flatnonzero(~np.isnan(reported))
        w = _pair_rows(ctx, NATIONAL, "executed", ctx.cfg.execution.denominator)
        ex_sub, ex_source = ex["sub"].to_numpy()[at], ex["source"].to_numpy()[at]
        # an inner merge of the reported rates on their fund rows (keys unique among the rows)
        pos = _find((ex_sub, ex_source), (w["sub"].to_numpy(), w["source"].to_numpy()))
        at, pos = at[pos >= 0], pos[pos >= 0]
        parts.append(
            {
                "sub": ex["sub"].to_numpy()[at],
                "sheet": ex["sheet"].to_numpy()[at],
                "cell": ex["rate_cell"].to_numpy()[at],
                "reported": reported[at],
                "raw": ex["rate_raw"].to_numpy()[at],
                "num": w["num"].to_numpy()[pos],
                "den": w["den"].to_numpy()[pos],
                "item": (w["row"] + "执行率").to_numpy()[pos],
            }
        )

    # hainan: the 预算执行率 and 资金到位率 cells under the funds table
    if HAINAN in ctx.present:
        p = ctx.projects
        hainan = p["profile"].to_numpy() == HAINAN
        if not hainan.all():
            p = p[hainan]
        res = ctx.results
        at = res.index.get_indexer(p["sub"])
        for key, num, den, item in (
            ("exec_rate", "used", "arrived", "预算执行率"),
            ("arrival_rate", "arrived", "planned", "资金到位率"),
        ):
            if key not in p.columns:
                continue
            sheet, cell = field_cell(p, key)
            raw = p[f"{key}_raw"] if f"{key}_raw" in p.columns else None
            parts.append(
                {
                    "sub": p["sub"].to_numpy(),
                    "sheet": sheet.to_numpy(),
                    "cell": cell.to_numpy(),
                    "reported": as_floats(p[key]),
                    "raw": np.full(len(p), None) if raw is None else raw.to_numpy(),
                    "num": _take(res[num].to_numpy(dtype=float), at),
                    "den": _take(res[den].to_numpy(dtype=float), at),
                    "item": np.full(len(p), item, dtype=object),
                }
            )
    if not parts:
        return _no_fund_hits("item", "num", "den")
    rows = {k: np.concatenate([x[k] for x in parts]) for k in parts[0]}
    num, den, reported = rows["num"].astype(float), rows["den"].astype(float), rows["reported"]
    calc = scoring.rate(pd.Series(num), pd.Series(den)).to_numpy(dtype=float)
    gap = np.abs(reported - calc)
    # A bare number in a rate cell is read as a fraction up to 1.5 and as a percent above, so a
    # cached 9.82 (982 %) reads as 9.82 %: either reading of a bare number may stand.
    bare = as_floats(pd.Series(rows["raw"], dtype=object))
    other = np.minimum(np.abs(bare - calc), np.abs(bare * 100 - calc))
    other[np.isnan(other)] = np.inf
    tol = ctx.cfg.tolerance.rate_pp + 1e-9
    # a row without a usable budget has no rate to compare: that is F09's finding
    bad = ~np.isnan(calc) & (gap > tol) & (other > tol)
    if not bad.any():
        return _no_fund_hits("item", "num", "den")
    r = pd.DataFrame({k: v[bad] for k, v in rows.items()})
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["cell"],
        observed=np.round(reported[bad], 2),
        expected=np.round(calc[bad], 2),
        stake=_money(gap[bad] / 100 * den[bad]),
        item=r["item"],
        num=_money(num[bad]),
        den=_money(den[bad]),
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
    gap = np.abs(
        res["exec_score_reported"].to_numpy(dtype=float)
        - res["exec_score_calc"].to_numpy(dtype=float)
    )
    # the tolerance is one of two: only a gap past the smaller one needs a closer look
    least = min(ctx.cfg.tolerance.score, ctx.cfg.tolerance.score_fine)
    near = (res["profile"].to_numpy() == NATIONAL) & (gap > least + 1e-9)
    if not near.any():
        return _no_fund_hits("weight", "rate")
    r = res[near].rename_axis("sub").reset_index()
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
    num, den = rows["num"].to_numpy(dtype=float), rows["den"].to_numpy(dtype=float)
    over = (den > 0) & _over(num, den, ctx)
    if not over.any():
        return _no_fund_hits("diff", "row", *labels)
    src = rows["source"].to_numpy() != "total"
    culprit = src & (over | ((num > 0) & ~(den > 0)))
    sub = rows["sub"]
    r = rows[over & (src | ~sub.isin(sub.to_numpy()[culprit]).to_numpy())]
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
    parts = []
    # hainan: more money arrived than was planned (WARNING)
    if HAINAN in ctx.present:
        parts.append(
            _excess(
                ctx,
                _pair_rows(ctx, HAINAN, "arrived", "planned"),
                num_label=MEASURE_ZH["arrived"],
                den_label=MEASURE_ZH["planned"],
            )
        )
    if NATIONAL in ctx.present:
        parts.append(_unexplained_adjustments(ctx))
    return _one_table(parts, "diff", "row", "num_label", "den_label")


def _unexplained_adjustments(ctx: Ctx) -> pd.DataFrame:
    """F05, national: the budget changed during the year and nothing says why (INFO). Any real
    note in the funds 说明 column counts; elsewhere a sentence must speak of an adjustment."""
    rows = _pair_rows(ctx, NATIONAL, "annual_budget", "initial_budget")
    num, den = rows["num"].to_numpy(dtype=float), rows["den"].to_numpy(dtype=float)
    total = (rows["source"].to_numpy() == "total") & ~np.isnan(num) & ~np.isnan(den)
    changed = total & _apart(num, den, ctx)
    if not changed.any():
        return _no_fund_hits("severity", "diff", "row", "num_label", "den_label")
    rows = rows[changed]
    ex = ctx.frames.exec
    noted = ex.loc[_real_note(ex["note"]), "sub"]
    said = _subs_saying(_texts(ctx), ADJUST_WORDS, with_figure=False)
    r = rows[~rows["sub"].isin(noted) & ~rows["sub"].isin(said)]
    diff = _money((r["num"] - r["den"]).abs())
    return hits(
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
        if profile not in ctx.present:
            continue
        rows = _pair_rows(ctx, profile, num, den)
        spent = rows["num"].to_numpy(dtype=float) > 0
        no_budget = spent & ~(rows["den"].to_numpy(dtype=float) > 0)
        if not no_budget.any():
            continue
        r = _prefer_sources(rows[no_budget])
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
    return _one_table(parts, "row", "num_label", "den_label")


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
    amount = a["amount"].to_numpy(dtype=float)
    is_src = a["source"].to_numpy() != "total"
    # (sub, measure) groups as integers; a blank sub or measure is in no group (as in a groupby)
    sub_code, subs = pd.factorize(a["sub"].to_numpy())
    measure_code, measures = pd.factorize(a["measure"].to_numpy())
    group = sub_code * len(measures) + measure_code
    group[(sub_code < 0) | (measure_code < 0)] = -1
    n = len(subs) * len(measures)
    in_src = is_src & (group >= 0)
    given = in_src & ~np.isnan(amount)
    rows_of = np.bincount(group[in_src], minlength=n)
    filled_of = np.bincount(group[given], minlength=n)
    if filled_of.max(initial=0) <= 2:
        # a sum of at most two numbers is the same however it is added up
        parts_of = np.bincount(group[given], weights=amount[given], minlength=n)
    else:  # pandas' (compensated) group sum, so the figures stay those of a groupby
        g = pd.Series(amount[given]).groupby(group[given]).sum()
        parts_of = np.zeros(n)
        parts_of[g.index.to_numpy()] = g.to_numpy()

    # the total rows of a measure that has source rows
    at = np.flatnonzero(~is_src & (group >= 0))
    at = at[rows_of[group[at]] > 0]
    total, parts, filled = amount[at], parts_of[group[at]], filled_of[group[at]]
    mismatch = ~np.isnan(total) & (filled > 0)
    mismatch &= _apart(np.nan_to_num(total, nan=0.0), parts, ctx)
    missing = (total > ctx.cfg.tolerance.money_abs) & (filled == 0)
    sel = mismatch | missing
    if not sel.any():
        return _no_fund_hits("severity", "measure", "filled", "parts")
    r, mis = a.iloc[at[sel]], mismatch[sel]
    cell_of = a["cell"].to_numpy()
    cell = cell_of[at[sel]]
    if not mis.all():
        # A missing breakdown is pointed at the source row the project fills in its other
        # measures (the seed's 实际使用 goes to 省财政, as its 计划/到位 do), else at the first
        # source row.
        pair = _key_codes(a["sub"].to_numpy(), a["source"].to_numpy())
        src = np.flatnonzero(is_src)
        filled_pairs = pair[src[~np.isnan(amount[src])]]
        src = src[group[src] >= 0]
        src = src[np.argsort(~np.isin(pair[src], filled_pairs), kind="stable")]
        groups, first = np.unique(group[src], return_index=True)
        # every total here has source rows, so its group is found
        target = cell_of[src[first[np.searchsorted(groups, group[at[sel]])]]]
        cell = np.where(mis, cell, _fill(target, cell))
    diff = _money(np.abs(total[sel] - parts[sel]))
    sums = _money(parts[sel])
    return hits(
        r,
        sheet=r["sheet"],
        cell=cell,
        observed=_money(total[sel]),
        expected=np.where(mis, sums, None),
        severity=np.where(mis, "error", "warning"),
        stake=np.where(mis, diff, _money(total[sel])),
        measure=r["measure"].map(MEASURE_ZH),
        filled=filled[sel],
        parts=sums,
    )


def _wide_groups(group: np.ndarray, amount: np.ndarray, mask: np.ndarray, cfg: Any) -> np.ndarray:
    """Rows (in `mask`) of a group whose largest amount is ≥ magnitude_ratio_lo × its smallest."""
    out = np.zeros(len(group), dtype=bool)
    if not mask.any():
        return out
    g, x = group[mask], amount[mask]
    hi = np.full(g.max() + 1, -np.inf)
    lo = np.full(g.max() + 1, np.inf)
    np.maximum.at(hi, g, x)
    np.minimum.at(lo, g, x)
    # the same division as a pair's ratio below: no pair of the group can reach the line if its
    # largest over its smallest does not
    out[mask] = hi[g] / lo[g] >= cfg.magnitude_ratio_lo
    return out


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
    amount = a["amount"].to_numpy(dtype=float)
    positive = amount > 0
    # A ≈10⁴ pair needs a group of comparable amounts whose largest is ≥ ratio_lo × its smallest:
    # only the submissions with such a group are paired up below (nearly always none).
    sub = a["sub"].to_numpy()
    is_src = a["source"].to_numpy() != "total"
    wide = _wide_groups(_key_codes(sub, a["source"].to_numpy()), amount, positive, cfg)
    wide |= _wide_groups(_key_codes(sub, a["measure"].to_numpy()), amount, positive & is_src, cfg)
    big = positive & (amount > cfg.max_project_wan)
    if not (wide.any() or big.any()):
        return _no_fund_hits("item", "ref_item", "ref", "ratio")
    a = a[positive].copy()
    a["item"] = (
        a["measure"].map(MEASURE_ZH) + "（" + a["source"].map(SOURCE_ZH).fillna(a["source"]) + "）"
    )
    key = ["sub", "measure", "source"]
    cols = [*key, "amount", "item"]

    # comparable pairs: one source across measures (totals included), and the sources of one
    # measure among themselves; the larger amount of a ≈10⁴ pair is the one typed in 元
    near = a[a["sub"].isin(sub[wide])]
    across = near[cols].merge(near[cols], on=["sub", "source"], suffixes=("", "_o"))
    across = across[across["measure"] != across["measure_o"]]
    parts = near.loc[near["source"].ne("total"), cols]
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


def _fill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x, with y where x is blank (fillna on arrays)."""
    return np.where(pd.isna(x), y, x)


def _project_cells(ctx: Ctx, key: str, subs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(sheet, cell) of a project field for each of `subs` (blank where not recorded)."""
    p = ctx.projects
    sheet, cell = field_cell(p, key)
    at = ctx.project_pos(subs)
    return _take(sheet.to_numpy(dtype=object), at), _take(cell.to_numpy(dtype=object), at)


def _spent_cells(ctx: Ctx, subs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(sheet, cell) of the 全年执行数 / 实际使用 total of each of `subs`."""
    a = _amounts(ctx)
    total = a["source"].to_numpy() == "total"
    at = np.flatnonzero(total & np.isin(a["measure"].to_numpy(), ["executed", "used"]))
    at = at[~pd.Index(a["sub"].to_numpy()[at]).duplicated()]
    pos = _find((subs.to_numpy(dtype=object),), (a["sub"].to_numpy()[at],))
    return _take(a["sheet"].to_numpy()[at], pos), _take(a["cell"].to_numpy()[at], pos)


def _rate_cells(ctx: Ctx, subs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Where a submission shows its execution rate: the 年度资金总额 执行率 cell (national) or
    the 预算执行率 cell (hainan); else its 全年执行数 / 实际使用 total."""
    sheet, cell = _project_cells(ctx, "exec_rate", subs)
    tot = _total_exec(ctx)
    sheet = _fill(sheet, tot["sheet"].reindex(subs).to_numpy(dtype=object))
    cell = _fill(cell, tot["rate_cell"].reindex(subs).to_numpy(dtype=object))
    spent_sheet, spent_cell = _spent_cells(ctx, subs)
    return _fill(sheet, spent_sheet), _fill(cell, spent_cell)


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
    low = res["exec_rate_calc"].to_numpy(dtype=float) < line - 1e-9
    if not low.any():
        return _no_fund_hits("threshold", "unspent")
    r = res[low].rename_axis("sub").reset_index()
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


def _full_items(ctx: Ctx, pattern: str) -> pd.DataFrame:
    """Hainan 三级 score items named like `pattern` that were given their full 分值 (with the
    score and w3 as floats); no rows when there are none."""
    if "funds.full_items" not in ctx.cache:
        # the items with their full marks, once for both patterns
        it = ctx.frames.score_items
        score, w3 = as_floats(it["score"]), as_floats(it["w3"])
        full = ~np.isnan(score) & ~np.isnan(w3) & scoring.is_full(score, w3, ctx.cfg)
        it = it[full].assign(score=score[full], w3=w3[full]) if full.any() else it.iloc[:0]
        ctx.cache["funds.full_items"] = it
    it = ctx.cache["funds.full_items"]
    if it.empty:
        return it
    named = it["level3"].fillna("").astype(str).str.contains(pattern, regex=True).to_numpy(bool)
    return it[named].drop_duplicates("sub")


def _results_at(ctx: Ctx, subs: pd.Series, *columns: str) -> list[np.ndarray]:
    """Float columns of the results for each of `subs` (NaN where a sub has none)."""
    at = ctx.results.index.get_indexer(subs)
    return [_take(ctx.results[c].to_numpy(dtype=float), at) for c in columns]


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
    if it.empty:
        return _no_fund_hits("rate", "arrived", "planned", "item", "weight")
    planned, arrived, rate = _results_at(ctx, it["sub"], "planned", "arrived", "arrival_rate_calc")
    short = (planned > 0) & ~np.isnan(arrived) & _over(planned, arrived, ctx)
    if not short.any():
        return _no_fund_hits("rate", "arrived", "planned", "item", "weight")
    r = it[short]
    return hits(
        r,
        sheet=r["sheet"],
        cell=r["score_cell"],
        observed=r["score"],
        expected=r["w3"].map(lambda w: f"< {fmt_value(w)}"),
        stake=_money(planned[short] - arrived[short]),
        rate=np.round(rate[short], 2),
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
    if NATIONAL in ctx.present:
        score = res["exec_score_reported"].to_numpy(dtype=float)
        weight = res["exec_weight"].to_numpy(dtype=float)
        rate = res["exec_rate_calc"].to_numpy(dtype=float)
        bad = (res["profile"].to_numpy() == NATIONAL) & (rate < line - 1e-9) & ~np.isnan(score)
        bad &= scoring.is_full(score, weight, ctx.cfg)
        if bad.any():
            r = res[bad].rename_axis("sub").reset_index()
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
    it = _full_items(ctx, "资金使用") if HAINAN in ctx.present else None
    if it is not None and not it.empty:
        used, arrived, planned = _results_at(ctx, it["sub"], "used", "arrived", "planned")
        by_arrived = scoring.rate(pd.Series(used), pd.Series(arrived)).to_numpy(dtype=float)
        by_planned = scoring.rate(pd.Series(used), pd.Series(planned)).to_numpy(dtype=float)
        on_plan = by_planned < np.where(np.isnan(by_arrived), np.inf, by_arrived)
        h_rate = np.where(on_plan, by_planned, by_arrived)
        h_den = np.where(on_plan, planned, arrived)
        low = h_rate < line - 1e-9
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
    r = _one_table(parts, "rate", "threshold", "basis", "item", "weight")
    if r.empty:
        return r
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


_CLASS_OF_MEASURE = tuple(
    (profile, measure, cls)
    for profile, classes in CLASS_MEASURES.items()
    for cls, measures in classes.items()
    for measure in measures
)
# the figures derived per submission, in this order: (class, results column or rule)
_DERIVED = ("balance", "balance", "any", "any", "adjust", "rate", "rate", "arrival_rate")

_MENTION = re.compile(MENTION_RE)
_LAST_KEYWORD_RE = re.compile(_LAST_KEYWORD)
_MENTION_SKIP_RE = re.compile(MENTION_SKIP)
_DECIMALS_RE = re.compile(r"\.(\d+)$")


def _table_figures(ctx: Ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every figure of the funds tables a narrative may quote: sub, cls, value (万元 or %).

    In a fixed order (a row's amounts in form order, then its derived figures), which decides
    the nearest figure between two equally near ones; built from arrays, not a merge and a stack."""
    a = _amounts(ctx)
    amount = a["amount"].to_numpy(dtype=float)
    profile, measure = a["profile"].to_numpy(), a["measure"].to_numpy()
    given = ~np.isnan(amount)
    at, cls_of = [], []
    for prof, meas, cls in _CLASS_OF_MEASURE:
        rows = np.flatnonzero(given & (profile == prof) & (measure == meas))
        at.append(rows)
        cls_of.append(np.full(len(rows), cls, dtype=object))
    at_all, cls_all = np.concatenate(at), np.concatenate(cls_of)
    # each amount row with its classes in _CLASS_OF_MEASURE order, as an inner merge gives them
    order = np.lexsort((np.concatenate([np.full(len(x), j) for j, x in enumerate(at)]), at_all))
    at_all, cls_all = at_all[order], cls_all[order]

    res = ctx.results
    used, planned = res["used"].astype(float), res["planned"].astype(float)
    balance = (res["budget_wan"] - res["executed_wan"]).to_numpy(dtype=float)
    adjust = np.abs((res["annual_budget"] - res["initial_budget"]).to_numpy(dtype=float))
    adjust = np.where(res["profile"].to_numpy() == NATIONAL, adjust, np.nan)
    # per submission, one value per _DERIVED class; a balance or adjustment is also a 资金数
    derived = np.column_stack(
        [
            balance,
            (planned - used).to_numpy(dtype=float),
            balance,
            adjust,
            adjust,
            res["exec_rate_calc"].to_numpy(dtype=float),
            scoring.rate(used, planned).to_numpy(dtype=float),
            res["arrival_rate_calc"].to_numpy(dtype=float),
        ]
    )
    k = len(_DERIVED)
    sub = np.concatenate([a["sub"].to_numpy()[at_all], np.repeat(res.index.to_numpy(), k)])
    cls = np.concatenate([cls_all, np.tile(np.array(_DERIVED, dtype=object), len(res))])
    value = np.concatenate([amount[at_all], derived.ravel()])
    # a blank table sums to 0: a narrative amount is compared with amounts that were filled in
    keep = (value > 0) | (np.isin(cls, RATE_CLASSES) & ~np.isnan(value))
    sub, cls, value = sub[keep], cls[keep], value[keep]
    _, first = np.unique(_key_codes(sub, cls, value), return_index=True)
    first.sort()  # drop_duplicates: the first of equal figures, in order
    return sub[first], cls[first], value[first]


def _narrative_mentions(texts: pd.DataFrame) -> pd.DataFrame:
    """Every figure a narrative text gives about this year's funds, in text order: the text's
    sub, sheet and cell, the words before the figure (ctx), the figure as written (num, unit),
    its class (cls), its value in 万元 or percent and the precision it is written with.

    Each distinct text is read once with `re`: str.extractall and the string methods after it
    cost several ms a call on a handful of texts."""
    narrative = np.flatnonzero(texts["kind"].to_numpy() == "narrative")
    codes, uniques = pd.factorize(texts["text"].to_numpy()[narrative])
    found: list[tuple[Any, ...]] = []
    count = np.zeros(len(uniques), dtype=np.int64)
    for i, text in enumerate(uniques):
        for mt in _MENTION.finditer(text):
            before, num, unit = mt.group("ctx", "num", "unit")
            last = _LAST_KEYWORD_RE.search(before)
            cls = _KEYWORD_CLASS[last.group(1)] if last else None
            about_funds = cls is not None and not _MENTION_SKIP_RE.search(before)
            if not about_funds or (unit == "%") != (cls in RATE_CLASSES):
                continue
            digits = num.replace(",", "")
            # the figure as written, in 万元 (money) or percent; the parsers do the conversion
            value = (
                parse.parse_number(digits).value
                if unit == "%"
                else parse.parse_money(digits + unit).value_wan
            )
            decimals = _DECIMALS_RE.search(digits)
            found.append(
                (
                    before,
                    num,
                    unit,
                    cls,
                    np.nan if value is None else float(value),
                    float(len(decimals.group(1))) if decimals else 0.0,
                    parse.MONEY_FACTORS.get(unit, 1.0),
                )
            )
            count[i] += 1
    # each distinct text's mentions, spread over the rows holding that text
    n = count[codes]
    at = np.repeat((np.cumsum(count) - count)[codes], n) + _offsets(n)
    row = np.repeat(narrative, n)
    names = ("ctx", "num", "unit", "cls", "value", "decimals", "factor")
    cols = dict(zip(names, zip(*found, strict=True), strict=True)) if found else {}
    m = {k: np.array(cols.get(k, ()), dtype=object)[at] for k in ("ctx", "num", "unit", "cls")}
    value, decimals, factor = (np.array(cols.get(k, ()), dtype=float)[at] for k in names[4:])
    return pd.DataFrame(
        {
            "sub": texts["sub"].to_numpy()[row],
            "sheet": texts["sheet"].to_numpy()[row],
            "cell": texts["cell"].to_numpy()[row],
            **m,
            "value": value,
            # a narrative may round or cut a figure to the precision it writes it with
            "precision": factor * 10.0 ** (-decimals),
        }
    )


def _offsets(counts: np.ndarray) -> np.ndarray:
    """0 .. n-1 for each n of `counts`, concatenated."""
    ends = np.cumsum(counts)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts)


def _join(
    left: tuple[np.ndarray, ...], right: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The (left, right) row positions of an inner join on the key columns, in a merge's order:
    left rows in order, each with its right rows in order."""
    n = len(left[0])
    code = _key_codes(*(np.concatenate([lv, rv]) for lv, rv in zip(left, right, strict=True)))
    lc, rc = code[:n], code[n:]
    order = np.argsort(rc, kind="stable")
    start = np.searchsorted(rc[order], lc, side="left")
    count = np.searchsorted(rc[order], lc, side="right") - start
    li = np.repeat(np.arange(n), count)
    return li, order[np.repeat(start, count) + _offsets(count)]


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
    m = _narrative_mentions(_texts(ctx))
    # each mention against every table figure of its class (an inner merge on sub and class)
    fig_sub, fig_cls, fig_value = _table_figures(ctx) if not m.empty else ((), (), ())
    li, ri = _join((m["sub"].to_numpy(), m["cls"].to_numpy()), (fig_sub, fig_cls))
    if not len(li):
        return _no_fund_hits("snippet", "unit", "what", "diff")
    value, value_t = m["value"].to_numpy(dtype=float)[li], np.asarray(fig_value)[ri]
    precision = m["precision"].to_numpy(dtype=float)[li]
    gap = np.abs(value - value_t)
    close = np.where(
        m["unit"].to_numpy()[li] == "%",
        gap <= np.maximum(ctx.cfg.tolerance.rate_pp, precision) + 1e-9,
        ~_apart(value, value_t, ctx),
    )
    ok = close | (gap < precision - 1e-9)
    matched = np.bincount(li[ok], minlength=len(m)) > 0
    # each mention's nearest figure: the first of the smallest gaps (NaN last), as a stable
    # sort by gap and a drop_duplicates give it; the mentions in that order
    blank = np.isnan(gap)
    by_gap = np.lexsort((np.arange(len(li)), np.where(blank, np.inf, gap), blank))
    nearest = by_gap[~pd.Index(li[by_gap]).duplicated()]
    nearest = nearest[~matched[li[nearest]]]
    if not len(nearest):
        return _no_fund_hits("snippet", "unit", "what", "diff")
    r = m.iloc[li[nearest]].assign(value_t=value_t[nearest], gap=gap[nearest])
    r = r.reset_index(drop=True)
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
    res = ctx.results
    budget = res["budget_wan"].to_numpy(dtype=float)
    spent = res["executed_wan"].to_numpy(dtype=float)
    left = _over(budget, spent, ctx)
    if left.any():
        # an explanation is a sentence that says why (结余/节约/未执行/压缩 …) and names an
        # amount; "压缩了会议费" alone (the seed) is too vague to reconcile the balance
        said = _subs_saying(_texts(ctx), BALANCE_WORDS, with_figure=True)
        left &= ~res.index.isin(said)
    if not left.any():
        return _no_fund_hits("budget", "spent", "den_label", "num_label")
    r = res[left].rename_axis("sub").reset_index()
    budget, spent = budget[left], spent[left]
    nat = r["profile"].eq(NATIONAL)
    sheet, cell = _project_cells(ctx, "balance", r["sub"])
    spent_sheet, spent_cell = _spent_cells(ctx, r["sub"])
    balance = _money(budget - spent)
    den = np.where(nat, MEASURE_ZH[ctx.cfg.execution.denominator], MEASURE_ZH["arrived"])
    num = np.where(nat, MEASURE_ZH["executed"], MEASURE_ZH["used"])
    return hits(
        r,
        sheet=_fill(sheet, spent_sheet),
        cell=_fill(cell, spent_cell),
        observed=balance,
        expected=None,
        stake=balance,
        budget=_money(budget),
        spent=_money(spent),
        den_label=den,
        num_label=num,
    )
