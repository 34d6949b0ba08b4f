"""Narrative rules (N01–N05): the report text against the tables, deductions explained, independence."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from perfxl.checks import scoring
from perfxl.checks.engine import Ctx, field_cell, hits, rule
from perfxl.checks.metadata import column, same_org, text_of
from perfxl.checks.scoring import target_score_items as score_item_of

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


_TEXT_COLUMNS = ("sub", "path", "section", "text", "sheet", "cell")
_FORM_TEXTS = (
    ("goal_actual", "年度总体目标实际完成情况"),
    ("problems", "存在问题及改进措施"),
)


def _texts(ctx: Ctx) -> pd.DataFrame:
    """Every free text of a submission as (sub, path, section, text, sheet, cell): the hainan
    report sections, and the national form's 实际完成情况 / 存在问题及改进措施 fields.

    Built from plain arrays in one constructor call and cached per run: on a one-workbook batch
    every intermediate frame costs more than the text work itself."""
    if "narrative.texts" in ctx.cache:
        return ctx.cache["narrative.texts"]
    nar = ctx.frames.narrative
    cols = {c: [nar[c].to_numpy(dtype=object)] for c in _TEXT_COLUMNS}
    p = ctx.projects
    refs = p["refs"].to_numpy()
    for key, label in _FORM_TEXTS:
        has = np.fromiter((isinstance(r, dict) and key in r for r in refs), bool, len(refs))
        if not has.any():
            continue
        at = [r[key] for r in refs[has]]  # (sheet, cell) as the reader recorded it
        cols["sub"].append(p["sub"].to_numpy(dtype=object)[has])
        cols["path"].append(np.full(len(at), key, dtype=object))
        cols["section"].append(np.full(len(at), label, dtype=object))
        cols["text"].append(column(p, key).to_numpy(dtype=object)[has])
        cols["sheet"].append(_objects([a[0] for a in at]))
        cols["cell"].append(_objects([a[1] for a in at]))
    out = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})
    out["text"] = text_of(out["text"]).str.strip()
    out["path"] = text_of(out["path"])
    ctx.cache["narrative.texts"] = out
    return out


def _objects(values: list[Any]) -> np.ndarray:
    """A 1-d object array of `values`."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _sentences(ctx: Ctx) -> pd.DataFrame:
    """Every non-empty sentence of the texts as (row, sub, path, sentence), in text order; `row`
    is the text's position in `_texts`. Cached per run: N01 and N02 both need it."""
    if "narrative.sentences" in ctx.cache:
        return ctx.cache["narrative.sentences"]
    texts = _texts(ctx)
    # re.split never gives an empty list: every piece is a string, no text_of needed
    pieces = texts["text"].str.split(_SENTENCE_END, regex=True).explode()
    sentence = pieces.str.strip()
    keep = sentence.ne("").to_numpy()
    row = pieces.index.to_numpy()[keep]  # _texts has a RangeIndex: labels are positions
    out = pd.DataFrame(
        {
            "row": row,
            "sub": texts["sub"].to_numpy()[row],
            "path": texts["path"].to_numpy()[row],
            "sentence": sentence.to_numpy()[keep],
        }
    )
    ctx.cache["narrative.sentences"] = out
    return out


def _boilerplate(text: pd.Series) -> pd.Series:
    # `text` comes from _texts: a stripped string, never missing
    compact = text.str.replace(r"[\s。.，,！!；;]", "", regex=True)
    return compact.eq("") | compact.str.fullmatch(BOILERPLATE_RE, na=False)


def _short(text: pd.Series, n: int = 40) -> pd.Series:
    t = text_of(text)
    return t.where(t.str.len() <= n, t.str[:n] + "…")


def _value_text(v: Any) -> str:
    """`text_of` of one value."""
    return "" if pd.isna(v) else str(v)


def _short_text(v: Any, n: int = 40) -> str:
    """`_short` of one value."""
    t = _value_text(v)
    return t if len(t) <= n else t[:n] + "…"


def _first_of(sub: np.ndarray, subs: np.ndarray) -> np.ndarray:
    """For each of `subs`, the position of its first row in `sub`, or -1: a left merge on the
    first row per submission, without a merge's fixed cost."""
    if len(sub) == 0:
        return np.full(len(subs), -1)
    first = np.flatnonzero(~pd.Index(sub).duplicated())
    at = pd.Index(sub[first]).get_indexer(subs)
    return np.where(at >= 0, first[at], -1)


def _take(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """values[at], None where `at` is -1."""
    out = np.full(len(at), None, dtype=object)
    ok = at >= 0
    out[ok] = values[at[ok]]
    return out


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
    # positions and numpy arrays rather than sliced frames: this runs on every workbook and
    # each frame operation costs ~0.1-0.3 ms however few the rows
    texts = _texts(ctx)
    sent = _sentences(ctx)
    claim, sec, goal = _n01_statements(texts, sent)
    if not (len(claim) or len(sec) or len(goal)):
        return None
    st = _n01_first_statements(ctx, texts, sent, claim, sec, goal)
    has_c, has_u = st.claim_at >= 0, st.unmet_at >= 0

    ind = ctx.indicators
    met = ind["met"]
    unmet = met.eq(False).to_numpy()
    ind_sub = ind["sub"].to_numpy(dtype=object)
    has_t = pd.Index(st.subs).isin(ind_sub[unmet])
    all_met = ~has_t & pd.Index(st.subs).isin(ind_sub[met.notna().to_numpy()])
    fire = (has_c & (has_u | has_t)) | (~has_c & has_u & all_met)
    if not fire.any():
        return None
    return _n01_hits(ctx, texts, st, np.flatnonzero(fire), has_t, unmet)


def _n01_statements(
    texts: pd.DataFrame, sent: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """N01's statements, as positions: the sentences claiming every target was met, the real
    未完成原因 sections (rows of `texts`), and the 实际完成情况 sentences saying something is
    unmet."""
    said = sent["sentence"]
    claim = np.flatnonzero(
        sent["path"].ne("problems").to_numpy()
        & said.str.contains(CLAIM_RE, regex=True, na=False).to_numpy()
        & said.str.contains(CLAIM_CONTEXT, regex=True, na=False).to_numpy()
    )
    # a 未完成原因 section with real content, or a plain "未完成" in the national 实际完成情况
    sec = np.flatnonzero(texts["path"].eq(UNMET_SECTION).to_numpy())
    if len(sec):
        t = texts["text"].iloc[sec]
        real = (
            ~_boilerplate(t)
            & ~t.str.contains(DENIAL_RE, regex=True, na=False)
            & ~(
                t.str.contains(CLAIM_RE, regex=True, na=False)
                & ~t.str.contains(UNMET_RE, regex=True, na=False)
            )
        )
        sec = sec[real.to_numpy()]
    goal = np.flatnonzero(sent["path"].eq("goal_actual").to_numpy())
    if len(goal):
        goal = goal[said.iloc[goal].str.contains(UNMET_RE, regex=True, na=False).to_numpy()]
    return claim, sec, goal


class _FirstStatements(NamedTuple):
    """N01, per submission of the batch: its first claim and its first statement of something
    unmet (a position in the claims / the unmet statements, -1 for none), and for each claim and
    unmet statement its text and the row of `_texts` it was written in."""

    subs: np.ndarray  # ctx.projects' subs
    claim_at: np.ndarray
    unmet_at: np.ndarray
    claim_text: np.ndarray
    claim_row: np.ndarray
    unmet_quote: np.ndarray
    unmet_row: np.ndarray


def _n01_first_statements(
    ctx: Ctx,
    texts: pd.DataFrame,
    sent: pd.DataFrame,
    claim: np.ndarray,
    sec: np.ndarray,
    goal: np.ndarray,
) -> _FirstStatements:
    # per submission: its first claim, and its first statement of something unmet (a 未完成原因
    # section before a 实际完成情况 sentence); rows of `texts` give where each was written
    p_sub = ctx.projects["sub"].to_numpy(dtype=object)
    s_sub, s_row = sent["sub"].to_numpy(dtype=object), sent["row"].to_numpy()
    s_sentence = sent["sentence"].to_numpy(dtype=object)
    t_text = texts["text"].to_numpy(dtype=object)
    ci = _first_of(s_sub[claim], p_sub)
    u_sub = np.concatenate([texts["sub"].to_numpy(dtype=object)[sec], s_sub[goal]])
    sec_quote = [_SENTENCE_END_RE.split(x, maxsplit=1)[0] for x in t_text[sec]]
    u_quote = np.concatenate([_objects(sec_quote), s_sentence[goal]])
    u_row = np.concatenate([sec, s_row[goal]]).astype(np.intp)
    ui = _first_of(u_sub, p_sub)
    return _FirstStatements(p_sub, ci, ui, s_sentence[claim], s_row[claim], u_quote, u_row)


def _n01_hits(
    ctx: Ctx,
    texts: pd.DataFrame,
    st: _FirstStatements,
    f: np.ndarray,
    has_t: np.ndarray,
    unmet: np.ndarray,
) -> pd.DataFrame:
    """N01's hit table for the submissions at positions `f` (of the batch's projects)."""
    # the hit rows only, as few as the findings they make
    p_sub, c_row, u_row = st.subs, st.claim_row, st.unmet_row
    cf, uf = st.claim_at[f], st.unmet_at[f]
    c, u, t = cf >= 0, uf >= 0, has_t[f]
    t_sheet, t_cell, t_section = (
        texts[col].to_numpy(dtype=object) for col in ("sheet", "cell", "section")
    )
    claim_text, quote = _take(st.claim_text, cf), _take(st.unmet_quote, uf)
    unmet_names = np.full(len(f), None, dtype=object)
    if t.any():
        ind = ctx.indicators
        rows = ind[unmet & ind["sub"].isin(p_sub[f]).to_numpy()]
        names = rows.groupby("sub")["name"].agg(lambda x: "「" + "」「".join(map(str, x)) + "」")
        unmet_names = names.reindex(p_sub[f]).to_numpy(dtype=object)
    section_quote = [
        "「" + _value_text(s) + "」“" + _short_text(q) + "”"
        for s, q in zip(_take(t_section[u_row], uf), quote, strict=True)
    ]
    unmet_list = ["未完成的指标" + _value_text(x) for x in unmet_names]
    against = np.select(
        [c & u & t, c & u, c],
        [
            _objects([a + "、" + b for a, b in zip(section_quote, unmet_list, strict=True)]),
            _objects(section_quote),
            _objects(unmet_list),
        ],
        default="绩效目标表（各项指标均已完成）",
    )
    return pd.DataFrame(
        {
            "sub": p_sub[f],
            "sheet": _or(_take(t_sheet[c_row], cf), _take(t_sheet[u_row], uf)),
            "cell": _or(_take(t_cell[c_row], cf), _take(t_cell[u_row], uf)),
            "observed": [_short_text(x, 60) for x in _or(claim_text, quote)],
            "expected": "表述与指标完成情况一致",
            "against": against,
        },
        index=f,
    )


def _or(values: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """`values`, `fallback` where a value is missing (Series.fillna on arrays)."""
    return np.where(pd.isna(values), fallback, values)


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
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True) if parts else None


def _n02_hainan(ctx: Ctx) -> pd.DataFrame | None:
    """Each 三级 scoring item below its 分值 with no 评分说明, no 完成情况说明 on an indicator
    mapped to it, and no report sentence naming it together with a reason (domain d.3 #19: the
    seed's three 7/8 items)."""
    items = ctx.frames.score_items
    if items.empty:
        return None
    score = pd.to_numeric(items["score"], errors="coerce")
    w3 = pd.to_numeric(items["w3"], errors="coerce")
    short = _short_of(score, w3, ctx)
    if short.any():
        short &= _blank_text(items["note"]).to_numpy()
    if not short.any():
        return None
    # positions of the items losing points (arrays: the frames are wide, the hits few)
    at = np.flatnonzero(short)
    sub, level3 = items["sub"].to_numpy()[at], items["level3"].to_numpy()[at]
    names = sorted({str(n) for n in level3 if not pd.isna(n)}, key=len, reverse=True)
    sent = _sentences(ctx)
    sent = sent[sent["sentence"].str.contains(DEDUCTION_WORDS, regex=True, na=False)]
    pattern = "(" + "|".join(re.escape(n) for n in names) + ")"
    # the (submission, item name) pairs the report names in a sentence giving a reason
    # (findall: the matches extractall would give, without its MultiIndex frame)
    found = sent["sentence"].str.findall(pattern)
    said = {(s, n) for s, names_in in zip(sent["sub"], found, strict=True) for n in names_in}
    keep = np.array([(s, n) not in said for s, n in zip(sub, level3, strict=True)], dtype=bool)
    # the 完成情况说明 of a target-table indicator answering to the item (domain b.5) explains it too
    ind = ctx.indicators
    if keep.any() and not ind.empty:
        noted = ~_blank_text(ind["deviation"]).to_numpy() & ind["sub"].isin(sub).to_numpy()
        if noted.any():
            noted = ind[noted]
            noted = set(zip(noted["sub"], score_item_of(noted), strict=True))
            keep &= np.array([(s, n) not in noted for s, n in zip(sub, level3, strict=True)])
    if not keep.any():
        return None
    at, sub, level3 = at[keep], sub[keep], level3[keep]
    score, w3 = score.to_numpy()[at], w3.to_numpy()[at]
    lost = w3 - score
    return pd.DataFrame(
        {
            "sub": sub,
            "sheet": items["sheet"].to_numpy()[at],
            # where the reason goes
            "cell": _or(items["note_cell"].to_numpy()[at], items["score_cell"].to_numpy()[at]),
            "observed": score,
            "expected": w3,
            "stake": lost,
            "items": ["「" + _value_text(n) + "」" for n in level3],
            "lost": lost,
        },
        index=items.index[at],
    )


def _n02_national(ctx: Ctx) -> pd.DataFrame | None:
    """Project level: an execution score below 分值 × 执行率 whose reason is given neither in a
    funds 说明 nor in the form's 实际完成情况 / 存在问题及改进措施 text. (An indicator deducted
    without a reason is I03's, on its row.)"""
    ind = ctx.indicators
    p = ctx.projects
    if ind.empty or "national2020" not in ctx.present:
        return None
    is_nat = p["profile"].eq("national2020")
    nat = None if is_nat.all() else set(p.loc[is_nat, "sub"])  # None: every submission
    if nat is not None:
        ind = ind[ind["sub"].isin(nat)]
    rows = []
    # the budget-execution score, deducted beyond its formula
    ex = ctx.frames.exec
    if not ex.empty:
        if nat is not None:
            ex = ex[ex["sub"].isin(nat)]
        top = ex[ex["source"].eq("total")]
        ew = pd.to_numeric(top["weight"], errors="coerce")
        es = pd.to_numeric(top["score_reported"], errors="coerce")
        short_e = _short_of(es, ew, ctx)
        if short_e.any():
            # 分值 × 执行率 is its own explanation: a 97.56 % rate costs 0.24 of 10 points
            calc = ctx.results["exec_score_calc"].reindex(top["sub"]).to_numpy(dtype=float)
            short_e &= ~(np.abs(es.to_numpy(dtype=float) - calc) <= ctx.cfg.tolerance.score + 1e-9)
        if short_e.any():
            noted = ex.loc[~_blank_text(ex["note"]), "sub"]  # a note on any execution row
            te = top[short_e & ~top["sub"].isin(noted).to_numpy()]
            if not te.empty:
                rows.append(
                    pd.DataFrame(
                        {"sub": te["sub"], "name": "预算执行率", "lost": (ew - es)[te.index]}
                    )
                )
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
    out["refs"] = p["refs"].to_numpy()[ctx.project_pos(out["sub"])]
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


def _short_of(score: pd.Series, weight: pd.Series, ctx: Ctx) -> np.ndarray:
    """Both numbers given and the score below the weight."""
    s, w = score.to_numpy(), weight.to_numpy()
    return ~pd.isna(s) & ~pd.isna(w) & ~scoring.is_full(s, w, ctx.cfg)


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


_TARGET_IN_CLAUSE_RE = re.compile(_TARGET_IN_CLAUSE)
_NOT_A_YEAR_RE = re.compile(_NOT_A_YEAR)
_ACTUAL_IN_CLAUSE_RE = re.compile(_ACTUAL_IN_CLAUSE)
_CLAUSE_PIECE_RE = re.compile(r"[，,]")
_SENTENCE_END_RE = re.compile(_SENTENCE_END)


def _clause_after(text: str, name: str) -> str | None:
    """The words after the first mention of `name`, up to the end of the sentence."""
    i = text.find(name) if name else -1
    if i < 0:
        return None
    rest = text[i + len(name) :]
    return _SENTENCE_END_RE.split(rest, maxsplit=1)[0]


def _figure_after(text: str, name: str) -> tuple[str, str | None] | None:
    """(number, unit) the report gives for `name` in `text`, or None."""
    clause = _clause_after(text, name)
    if clause is None:
        return None
    clause = _TARGET_IN_CLAUSE_RE.sub("", clause)
    for piece in _CLAUSE_PIECE_RE.split(clause):
        if _NOT_A_YEAR_RE.search(piece):
            m = _ACTUAL_IN_CLAUSE_RE.search(piece)
            return None if m is None else (m.group(1), m.group(2))
    return None


def _pairs_by_sub(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j) of the row pairs with left[i] == right[j], in the order of an inner
    `merge(on="sub")`: left's rows in turn, each with its partners in right's order. Cheaper
    than a merge of small frames by ~2 ms."""
    codes, _ = pd.factorize(np.concatenate([left.astype(object), right.astype(object)]))
    lc, rc = codes[: len(left)], codes[len(left) :]
    order = np.argsort(rc, kind="stable")
    sorted_rc = rc[order]
    start = np.searchsorted(sorted_rc, lc, side="left")
    count = np.searchsorted(sorted_rc, lc, side="right") - start
    i = np.repeat(np.arange(len(left)), count)
    # within each left row, 0..count-1 added to its start in the sorted right side
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    j = order[np.repeat(start, count) + offset]
    return i, j


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
    # positions into `ind` and `texts` rather than sliced frames (the indicator frame is wide)
    a_all = pd.to_numeric(ind["a_value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(
        ind["a_kind"].eq("number").to_numpy() & ~np.isnan(a_all) & ind["name"].notna().to_numpy()
    )
    texts = _texts(ctx)
    said = np.flatnonzero(texts["path"].ne("problems").to_numpy() & texts["text"].ne("").to_numpy())
    if not len(rows) or not len(said):
        return None
    # each indicator against each text of its submission, as a merge on sub would pair them
    i, j = _pairs_by_sub(ind["sub"].to_numpy()[rows], texts["sub"].to_numpy()[said])
    if not len(i):
        return None
    i, j = rows[i], said[j]
    # where the report names the indicator, the figure in the words that follow it: the stated
    # target removed, the first comma-separated piece holding a number other than a year
    names = ind["name"].to_numpy(dtype=object)[i]
    text = texts["text"].to_numpy(dtype=object)[j]
    found = [_figure_after(t, str(n)) for t, n in zip(text, names, strict=True)]
    got = np.fromiter((f is not None for f in found), bool, len(found))
    if not got.any():
        return None
    i, j = i[got], j[got]
    found = [f for f in found if f is not None]
    n_val = np.array([float(f[0]) for f in found])
    n_pct = np.array([f[1] in ("%", "％") for f in found])
    n_text = np.array([f[0] + (f[1] or "") for f in found], dtype=object)
    a = a_all[i]
    a_pct = ind["a_percent"].fillna(False).astype(bool).to_numpy()[i]
    tol = np.where(n_pct, ctx.cfg.tolerance.rate_pp, 0.0) + 1e-4 * np.abs(a) + 1e-9
    # a percentage and a count are not the same figure; compare like with like
    comparable = (n_pct == a_pct) | ~n_pct
    same = (np.abs(n_val - a) <= tol)[comparable]
    i, j, n_text = i[comparable], j[comparable], n_text[comparable]
    # one agreeing mention is enough: the report may cite the figure more than once
    if not len(i):
        return None
    key, _ = pd.factorize(
        _objects(list(zip(ind["sub"].to_numpy()[i], ind["seq"].to_numpy()[i], strict=True)))
    )
    agree = np.bincount(key, weights=same) > 0
    bad = ~agree[key] & ~pd.Index(key).duplicated()
    if not bad.any():
        return None
    i, j = i[bad], j[bad]

    def at(df: pd.DataFrame, col: str, pos: np.ndarray) -> np.ndarray:
        return df[col].to_numpy()[pos]

    return pd.DataFrame(
        {
            "sub": at(ind, "sub", i),
            "sheet": at(ind, "sheet", i),
            "cell": at(ind, "actual_cell", i),
            "observed": at(ind, "actual_raw", i),
            "expected": n_text[bad],
            "name": at(ind, "name", i),
            "section": at(texts, "section", j),
        }
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
    # each evaluator's project row (an inner merge on sub, without the merge)
    at = ctx.project_pos(ev["sub"])
    ev = ev[at >= 0]
    at = at[at >= 0]
    head = p["unit"].to_numpy(dtype=object)[at]
    alias = column(p, "unit_alias").to_numpy(dtype=object)[at]
    leader_raw = p["leader"].to_numpy(dtype=object)[at]
    # evaluators write their unit in short forms ("省海防与口岸办信息中心" for the former name)
    ours = np.array(
        [
            isinstance(u, str) and (same_org(u, h) or (isinstance(a, str) and same_org(u, a)))
            for u, h, a in zip(ev["unit"], head, alias, strict=True)
        ],
        dtype=bool,
    )
    name = text_of(ev["name"]).str.replace(r"\s+", "", regex=True).to_numpy(dtype=object)
    leader = (
        text_of(pd.Series(leader_raw)).str.replace(r"\s+", "", regex=True).to_numpy(dtype=object)
    )
    is_leader = (name != "") & (name == leader)
    # per submission (positions in p): all evaluators ours, the leader among them
    n = np.bincount(at, minlength=len(p))
    all_ours = np.bincount(at, weights=~ours, minlength=len(p)) == 0
    leader_in = np.bincount(at, weights=is_leader, minlength=len(p)) > 0
    fire = (n > 0) & all_ours & leader_in
    if not fire.any():
        return None
    # where the leader signs: their first row in each firing submission, ordered by sub as the
    # groupby this replaces
    rows = np.flatnonzero(is_leader & fire[at])
    rows = rows[~pd.Index(at[rows]).duplicated()]
    sub = p["sub"].to_numpy(dtype=object)[at[rows]]
    rows = rows[np.argsort(sub, kind="stable")]
    pos = at[rows]
    return pd.DataFrame(
        {
            "sub": ev["sub"].to_numpy()[rows],
            "sheet": ev["sheet"].to_numpy()[rows],
            "cell": ev["cell"].to_numpy()[rows],
            "observed": n[pos],
            "expected": "评价人员独立于项目",
            "leader": leader_raw[rows],
        }
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
    at = np.flatnonzero(texts["path"].isin([*PROBLEM_SECTIONS, "problems"]).to_numpy())
    if not len(at):
        return None
    text = texts["text"].iloc[at]
    empty = text.eq("").to_numpy()
    boiler = _boilerplate(text).to_numpy() & ~empty
    # 六 asks for 经验、问题和建议: practices alone leave the problems part unwritten
    silent = (texts["path"].to_numpy()[at] == "6") & ~empty & ~boiler
    if silent.any():
        silent &= ~text.str.contains(PROBLEM_WORDS, regex=True, na=False).to_numpy()
    bad = empty | boiler | silent
    if not bad.any():
        return None
    at, empty = at[bad], empty[bad]
    text = text.to_numpy(dtype=object)[bad]
    return pd.DataFrame(
        {
            "sub": texts["sub"].to_numpy()[at],
            "sheet": texts["sheet"].to_numpy()[at],
            "cell": texts["cell"].to_numpy()[at],
            "observed": text,
            "expected": "写明存在的问题和改进措施",
            "section": texts["section"].to_numpy()[at],
            # the hit rows only
            "excerpt": [
                "空白" if e else "“" + _short_text(t, 30) + "”"
                for e, t in zip(empty, text, strict=True)
            ],
        },
        index=at,
    )
