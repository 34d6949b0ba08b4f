"""Funds rules (F), the execution and arrival rates: the rates recomputed (F01), the execution
score (F02), a low rate (F08), full marks despite short funds or a low rate (F10, F11); and the
views of the funds tables (amounts, measure pairs per source, texts, cells) every F rule reads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.cells import as_floats
from perfxl.checks.engine import Ctx, cached, field_cell, hits, no_hits, rule
from perfxl.model.findings import fmt_value
from perfxl.read import grammar as parse
from perfxl.spec import NATIONAL_STYLE, PROFILE_IDS

NATIONAL, HAINAN = PROFILE_IDS[:2]  # national2020, hainan2011
DEPARTMENT = "department2020"  # 部门整体支出: its 预算执行率 row is the national one

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
    "basic": "基本支出",
    "personnel": "人员经费",
    "public": "公用经费",
    "project": "项目支出",
}
# the national total row is printed 年度资金总额 on the form; the hainan one 合计
TOTAL_ZH = {NATIONAL: "年度资金总额", HAINAN: "合计", DEPARTMENT: "资金总额"}
# a money figure in a text, and the end of a sentence (the F05 and F13 explanations)
MONEY_FIGURE = r"\d[\d,]*(?:\.\d+)?\s*(?:亿元|万元|元)"
SENTENCE_END = r"[。;!?]"


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
        cols["layout"] = _take(p["layout"].to_numpy(dtype=object), at)
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


def _apart(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, ctx: Ctx) -> np.ndarray:
    """a and b differ beyond the money tolerance (domain b.8): not scoring.money_close. That is
    only asked for the pairs further apart than its absolute part, nearly always none."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    apart = ~(np.abs(a - b) <= ctx.cfg.tolerance.money_abs + 1e-9)  # NaN: apart, as ~money_close
    if apart.any():
        i = np.flatnonzero(apart)
        apart[i] = ~scoring.money_close(pd.Series(a[i]), pd.Series(b[i]), ctx.cfg).to_numpy()
    return apart


def _over(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, ctx: Ctx) -> np.ndarray:
    """a exceeds b beyond the money tolerance (domain b.8)."""
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
    profiles=PROFILE_IDS,
)
def f01_rate(ctx: Ctx) -> pd.DataFrame:
    # the rows that show a rate, as column arrays (one frame is built for the bad rows only)
    parts: list[dict[str, np.ndarray]] = []
    for profile in NATIONAL_STYLE:
        if profile in ctx.present:
            parts.append(_national_rate_rows(ctx, profile))
    if HAINAN in ctx.present:
        parts.extend(_hainan_rate_rows(ctx))
    if not parts:
        return _no_fund_hits("item", "num", "den")
    return _misreported_rates(ctx, {k: np.concatenate([x[k] for x in parts]) for k in parts[0]})


def _national_rate_rows(ctx: Ctx, profile: str = NATIONAL) -> dict[str, np.ndarray]:
    """F01, national (and department): every fund row that shows a rate (执行率 column), with
    its own amounts."""
    ex = ctx.frames.exec
    reported = as_floats(ex["rate_reported"])
    at = np.flatnonzero(~np.isnan(reported))
    w = _pair_rows(ctx, profile, "executed", ctx.cfg.execution.denominator)
    ex_sub, ex_source = ex["sub"].to_numpy()[at], ex["source"].to_numpy()[at]
    # an inner merge of the reported rates on their fund rows (keys unique among the rows)
    pos = _find((ex_sub, ex_source), (w["sub"].to_numpy(), w["source"].to_numpy()))
    at, pos = at[pos >= 0], pos[pos >= 0]
    return {
        "sub": ex["sub"].to_numpy()[at],
        "sheet": ex["sheet"].to_numpy()[at],
        "cell": ex["rate_cell"].to_numpy()[at],
        "reported": reported[at],
        "raw": ex["rate_raw"].to_numpy()[at],
        "num": w["num"].to_numpy()[pos],
        "den": w["den"].to_numpy()[pos],
        "item": (w["row"] + "执行率").to_numpy()[pos],
    }


def _hainan_rate_rows(ctx: Ctx) -> list[dict[str, np.ndarray]]:
    """F01, hainan: the 预算执行率 and 资金到位率 cells under the funds table, with the amounts."""
    parts = []
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
    return parts


def _misreported_rates(ctx: Ctx, rows: dict[str, np.ndarray]) -> pd.DataFrame:
    """F01's hits among the rows that show a rate: the reported rate off num ÷ den."""
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
    profiles=NATIONAL_STYLE,
)
def f02_exec_score(ctx: Ctx) -> pd.DataFrame:
    res = ctx.results
    gap = np.abs(
        res["exec_score_reported"].to_numpy(dtype=float)
        - res["exec_score_calc"].to_numpy(dtype=float)
    )
    # the tolerance is one of two: only a gap past the smaller one needs a closer look
    least = min(ctx.cfg.tolerance.score, ctx.cfg.tolerance.score_fine)
    near = np.isin(res["profile"].to_numpy(), NATIONAL_STYLE) & (gap > least + 1e-9)
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


# ------------------------------------------------------------------ F08, F10, F11 rates vs scores


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
    profiles=PROFILE_IDS,
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
    profiles=PROFILE_IDS,
)
def f11_low_rate_full(ctx: Ctx) -> pd.DataFrame:
    line = ctx.cfg.execution.full_score_below
    res = ctx.results
    parts: list[pd.DataFrame] = []

    # national (and department): the 预算执行率 score itself
    if ctx.present & set(NATIONAL_STYLE):
        score = res["exec_score_reported"].to_numpy(dtype=float)
        weight = res["exec_weight"].to_numpy(dtype=float)
        rate = res["exec_rate_calc"].to_numpy(dtype=float)
        bad = np.isin(res["profile"].to_numpy(), NATIONAL_STYLE) & (rate < line - 1e-9)
        bad &= ~np.isnan(score)
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

    # hainan: the 资金使用 item against use ÷ arrivals (domain b.2) and use ÷ plan, whichever is
    # lower: money that never arrived was not used either (the real 服务贸易 form: 69.45 % of plan, scored 7/7)
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
