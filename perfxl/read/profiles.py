"""Profile readers: national2020 and hainan2011 workbooks, template or foreign layout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from perfxl.model.submission import Extract
from perfxl.read import grammar as parse
from perfxl.read.extract import (
    infer_year,
    locate_table,
    money_unit_near,
    read_fields,
    read_indicators,
    record_headers,
    sheet_grids,
    stand_in,
    title_year,
)
from perfxl.read.funds import (
    HAINAN_FUND_SOURCES,
    NATIONAL_FUND_SOURCES,
    find_measure_rows,
    read_funds,
    read_funds_across,
)
from perfxl.read.grammar import keys_of, label_key
from perfxl.read.grid import Book, Grid
from perfxl.read.locate import TableSpot, find_label
from perfxl.read.values import as_number, as_text, is_na, raw_text
from perfxl.spec import Profile, get_profile

# Labels that identify each profile in a workbook without perfxl metadata.
NATIONAL_MARKS = keys_of(
    (
        "年度资金总额",
        "全年预算数",
        "全年执行数",
        "年度指标值",
        "实际完成值",
        "三级指标",
        "偏差原因分析及改进措施",
    )
)
HAINAN_MARKS = keys_of(
    (
        "项目决策",
        "项目管理",
        "项目绩效",
        "计划投资额",
        "实际到位资金",
        "绩效标准",
        "三级指标",
        "评价等次",
    )
)


def _form_grid(book: Book, marks: frozenset[str]) -> Grid | None:
    best: tuple[int, Grid] | None = None
    for g in book.grids:
        n = len({label_key(v) for v in g.labels().values()} & marks)
        if n and (best is None or n > best[0]):
            best = (n, g)
    return best[1] if best else None


def _choice(ex: Extract, key: str, options: tuple[str, ...]) -> None:
    """Checkbox rows ("□实施过程评价 ☑完成结果评价") and dropdown values alike become one choice."""
    raw = ex.project.get(key + "_raw")
    if raw is None:
        ex.project[key + "_ticks"] = 0
        return
    ticked = parse.parse_checkbox_group(raw, options)
    ex.project[key + "_ticks"] = len(ticked)
    ex.project[key] = ticked[0] if len(ticked) == 1 else (None if not ticked else "、".join(ticked))
    if not ticked:
        fixed, _ = parse.typo_fix(parse.normalize(raw))
        ex.project[key] = fixed or None


def _split_codes(ex: Extract) -> None:
    """ "219-池州市…" carries a code: keep the name clean and the code aside."""
    for key, code_key in (
        ("dept", "dept_code"),
        ("unit", "unit_code"),
        ("project_name", "project_code"),
    ):
        v = ex.project.get(key)
        if isinstance(v, str):
            code, name = parse.split_code_name(v)
            if code and name:
                ex.project[key] = name
                if not ex.project.get(code_key):
                    ex.project[code_key] = code


def _org_names(ex: Extract, keys: tuple[str, ...]) -> None:
    for key in keys:
        v = ex.project.get(key + "_raw")
        if v:
            canonical, alias = parse.normalize_org(v)
            ex.project[key] = canonical or None
            ex.project[key + "_alias"] = alias


# ------------------------------------------------------------------ national2020


@dataclass(frozen=True)
class ScoredForm:
    """What differs between the scored forms of the 2020 family (project, department-wide):
    read the same way otherwise — funds table, indicator table, fields, totals."""

    profile_id: str
    marks: frozenset[str]  # labels that tell its sheet when the funds table is not found
    funds_end: tuple[str, ...]  # labels below the funds table
    org_keys: tuple[str, ...]  # the organisation fields to normalise
    sources: tuple[tuple[str, tuple[str, ...]], ...]  # fund row label words -> source key
    skip_unknown: bool = False  # pass over fund rows no source names (else they end the table)
    fund_rows: int = 10
    satisfaction_expected: bool = True  # a cut form is missing its 满意度 block if it has none


FUND_MEASURES = ("initial_budget", "annual_budget", "executed")
_INDICATOR_END = (
    "总分",
    "合计",
    "自评等次",
    "评价等次",
    "自评等级",
    "自评结论",
    "存在问题及改进措施",
)


def read_scored_form(book: Book, template: bool, form_kind: ScoredForm) -> Extract:
    profile = get_profile(form_kind.profile_id)
    sheet = profile.sheet("self_eval")
    ex = Extract(form_kind.profile_id, "template" if template else "foreign")
    funds_t = locate_table(
        book,
        sheet,
        sheet.table("funds"),
        template,
        None,
        min_hits=2,
        required=(("annual_budget", "initial_budget"), "executed"),
        end_labels=form_kind.funds_end,
    )
    form = funds_t.grid if funds_t else _form_grid(book, form_kind.marks)
    ind_t = locate_table(
        book,
        sheet,
        sheet.table("indicators"),
        template,
        form,
        min_hits=4,
        required=("name",),
        end_labels=_INDICATOR_END,
    )
    read_fields(ex, book, profile, sheet, template, form)
    if ex.project.get("fiscal_year") is None:
        year, ref = title_year(book)
        if year is not None:
            ex.project["fiscal_year"] = year
            ex.project["fiscal_year_source"] = "title"
            if ref:
                ex.refs["fiscal_year"] = ref
    _split_codes(ex)
    _org_names(ex, form_kind.org_keys)
    ex.project["grade_reported_raw"] = ex.project.get("grade_reported")
    ex.project["grade_reported"] = parse.parse_grade(ex.project.get("grade_reported_raw"))
    if funds_t is None:
        ex.missing_blocks.append("funds")
    else:
        _scored_funds(ex, funds_t, template, form_kind)
    if ind_t is None:
        ex.missing_blocks.append("indicators")
    else:
        record_headers(ex, "indicators", ind_t)
        ex.indicators = read_indicators(ind_t, ex.project.get("fiscal_year"))
        if not template:
            _totals_from_end_row(ex, ind_t, "weight", "score")
            _block_weights(ex, funds_t, ind_t)
        _completeness(ex, ind_t, template, form_kind.satisfaction_expected)
    if "funds" in ex.missing_blocks and "indicators" not in ex.missing_blocks:
        # the indicators alone can still be checked: a cut form, not an unreadable one
        ex.missing_blocks.remove("funds")
        ex.incomplete.append("funds")
    return ex


def _scored_funds(ex: Extract, ts: TableSpot, template: bool, form_kind: ScoredForm) -> None:
    record_headers(ex, "funds", ts)
    if "annual_budget" not in ts.cols:
        # 年初预算数（A）| 全年执行数（B）| 执行率（B/A）: the form's own denominator
        stand_in(ex, ts, "annual_budget", "initial_budget")
    if not template:
        ex.money_unit = money_unit_near(ts.grid, ts) or "万元"
    read_funds(
        ex,
        ts,
        FUND_MEASURES,
        form_kind.sources,
        with_exec=True,
        skip_unknown=form_kind.skip_unknown,
        max_rows=form_kind.fund_rows,
    )


# "绩效指标（80分）", "预算执行情况（万元）（20分）", "得分（20分*执行率）": a block's points
_BLOCK_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*分\s*(?:[)）*×xX]|$)")


def _points_in(texts: list[tuple[str, str]]) -> tuple[float, str, str] | None:
    """The first (points, text, cell) among (text, cell) pairs that print a block's points."""
    for text, cell in texts:
        m = _BLOCK_POINTS.search(text)
        if m:
            return float(m.group(1)), text, cell
    return None


def _side_texts(ts: TableSpot) -> list[tuple[str, str]]:
    """The texts left of a table's first column on its header and data rows (the side label
    merged down the block: 绩效指标（80分）), with their cells."""
    g, first = ts.grid, min(ts.cols.values())
    out = []
    for r in range(ts.header_top, ts.data_end):
        for c in range(first):
            v = g.value(r, c)
            if isinstance(v, str) and not g.is_merged_continuation(r, c):
                out.append((v, g.ref(r, c)))
    return out


def _block_weights(ex: Extract, funds_t: TableSpot | None, ind_t: TableSpot) -> None:
    """A form with a 得分 column and no per-indicator 分值 (Hubei: 预算执行 20 + 绩效指标 80) prints
    its weights on the blocks only: the execution row's from its 得分 header or side label, the
    indicators' as one sum. Each reading is reported, so the officer sees what was assumed."""
    if "weight" in ind_t.cols or "score" not in ind_t.cols:
        return
    ex.project["indicator_weights"] = "block"
    found = _points_in(_side_texts(ind_t))
    if found is not None:
        points, text, cell = found
        ex.project["indicator_block_weight"] = points
        ex.headers.append(_assumed("indicators", text, ind_t.grid.name, cell, "block"))
    total = next((r for r in ex.exec if r["source"] == "total"), None)
    if funds_t is None or total is None or total.get("weight") is not None:
        return
    score_head = [(funds_t.header_texts.get("score") or "", funds_t.header_refs.get("score") or "")]
    found = _points_in(score_head + _side_texts(funds_t))
    if found is not None:
        points, text, cell = found
        total["weight"], total["weight_raw"], total["weight_cell"] = points, text, cell
        ex.headers.append(_assumed("funds", text, funds_t.grid.name, cell, "meaning"))


def _assumed(table: str, text: str, sheet: str, cell: str, how: str) -> dict[str, Any]:
    return {
        "table": table,
        "column": "weight",
        "header": text,
        "sheet": sheet,
        "cell": cell,
        "how": how,
    }


def _completeness(ex: Extract, ind_t: TableSpot, template: bool, satisfaction: bool) -> None:
    """Say what the form lacks: no 分值/得分 columns (an unscored form), or a table cut short (no
    总分 row, nor the 满意度 block it should have) — totals, grades and weight sums are not
    judged on half a form."""
    ex.project["scored"] = template or "weight" in ind_t.cols or "score" in ind_t.cols
    if template:
        return
    has_total = any(ex.project.get(k) is not None for k in ("total_reported", "weight_total"))
    if not has_total and ex.project["scored"]:
        levels = {i.get("level1") for i in ex.indicators}
        if satisfaction and "满意度指标" not in levels:
            ex.incomplete.append("satisfaction")
        ex.incomplete.append("total")


NATIONAL_FORM = ScoredForm(
    "national2020",
    NATIONAL_MARKS,
    ("年度总体目标", "绩效指标", "一级指标", "总体目标"),
    ("unit", "dept"),
    NATIONAL_FUND_SOURCES,
)


def read_national(book: Book, template: bool) -> Extract:
    return read_scored_form(book, template, NATIONAL_FORM)


_TOTAL_ROW = keys_of(("总分", "合计", "总计"))


def _totals_from_end_row(ex: Extract, ts: TableSpot, weight_key: str, score_key: str) -> None:
    """On a foreign form the 总分 row holds the weight and score totals under their columns;
    a label search would take the first number right of "总分", which is the weight."""
    g, r = ts.grid, ts.data_end
    if not any(k in _TOTAL_ROW for c, k in g.row_keys(r) if c < 4):
        return
    for field_key, col_key in (("weight_total", weight_key), ("total_reported", score_key)):
        c = ts.cols.get(col_key)
        if c is None:
            continue
        v = g.value(r, c)
        ex.project[field_key + "_raw"] = raw_text(v)
        ex.project[field_key] = as_number(v)[0] if not is_na(v) else None
        ex.refs[field_key] = (g.name, g.ref(r, c))


# ------------------------------------------------------------------ hainan2011

TIER_COLUMNS = (
    ("优", "tier_excellent"),
    ("良", "tier_good"),
    ("中", "tier_fair"),
    ("差", "tier_poor"),
)


def read_hainan(book: Book, template: bool) -> Extract:
    profile = get_profile("hainan2011")
    ex = Extract("hainan2011", "template" if template else "foreign")
    form = None if template else _form_grid(book, HAINAN_MARKS)
    for sheet in profile.sheets:
        read_fields(ex, book, profile, sheet, template, form)
    _hainan_cover(ex, profile)
    _hainan_goals(ex, book, profile, template, form)
    _hainan_funds(ex, book, profile, template, form)
    _hainan_scoring(ex, book, profile, template, form)
    _hainan_evaluators(ex, book, profile, template)
    _hainan_narrative(ex, book, profile, template)
    if "targets" in ex.missing_blocks and not {"funds", "scoring"} <= set(ex.missing_blocks):
        # a 评分表 without its 绩效目标表 is a cut form: its funds and scores are still checked
        ex.missing_blocks.remove("targets")
        ex.incomplete.append("targets")
    ex.project["scored"] = True  # the 评分表 is the form's heart
    if not template and ex.project.get("total_reported") is None and ex.score_items:
        ex.incomplete.append("total")  # a 评分表 without its 合计 row: cut short
    # the year the narrative talks about, for M01 whether or not the cover states one
    year = infer_year([n["text"] for n in ex.narrative if n["path"] and n["path"][0] in "24"])
    ex.project["fiscal_year_narrative"] = year or infer_year([n["text"] for n in ex.narrative])
    if ex.project.get("fiscal_year") is None:
        ex.project["fiscal_year_inferred"] = ex.project["fiscal_year_narrative"]
    return ex


def _hainan_cover(ex: Extract, profile: Profile) -> None:
    """The ticked choices, the organisation names, the grade and the evaluation dates."""
    lists = profile.lists
    for key, options in (
        ("eval_type", lists["eval_type"]),
        ("org_mode", lists["org_mode"]),
        ("eval_agency", lists["eval_agency"]),
        ("project_type", lists["project_type"]),
    ):
        _choice(ex, key, options)
    _org_names(ex, ("unit", "dept", "impl_unit", "eval_org", "basic_dept"))
    ex.project["grade_reported_raw"] = ex.project.get("grade_reported")
    ex.project["grade_reported"] = parse.parse_grade(ex.project.get("grade_reported_raw"))
    lo, hi = parse.parse_date_range(ex.project.get("eval_date_raw"))
    ex.project["eval_date_start"], ex.project["eval_date"] = lo, hi


def _hainan_goals(
    ex: Extract, book: Book, profile: Profile, template: bool, form: Grid | None
) -> None:
    """绩效目标表: the indicators with their four tier standards (优/良/中/差)."""
    goals = profile.sheet("goals")
    tt = locate_table(
        book, goals, goals.table("targets"), template, form, min_hits=4, required=("name",)
    )
    if tt is None:
        ex.missing_blocks.append("targets")
    else:
        record_headers(ex, "targets", tt)
        inds = read_indicators(tt, None, level1_key="target_type")
        for rec in inds:
            r = rec["row"] - 1
            tiers: dict[str, parse.Target] = {}
            cells: dict[str, str] = {}
            raws: dict[str, str | None] = {}
            for tier, key in TIER_COLUMNS:
                c = tt.cols.get(key)
                v = tt.grid.value(r, c) if c is not None else None
                raws[tier] = raw_text(v)
                tiers[tier] = parse.parse_target(v)
                if c is not None:
                    cells[tier] = tt.grid.ref(r, c)
            intervals, inferred = parse.resolve_tier_set(tiers)
            _direction_from_tiers(rec, intervals)
            for tier, _ in TIER_COLUMNS:
                t = tiers[tier]
                iv = intervals.get(tier)
                ex.tiers.append(
                    {
                        "seq": rec["seq"],
                        "tier": tier,
                        "raw": raws[tier],
                        "kind": t.kind,
                        "unit": t.unit,
                        "percent": t.percent,
                        "lo": iv.lo if iv else None,
                        "lo_incl": iv.lo_incl if iv else None,
                        "hi": iv.hi if iv else None,
                        "hi_incl": iv.hi_incl if iv else None,
                        "inferred": tier in inferred,
                        "sheet": tt.grid.name,
                        "cell": cells.get(tier),
                    }
                )
        ex.indicators = inds


def _hainan_funds(
    ex: Extract, book: Book, profile: Profile, template: bool, form: Grid | None
) -> None:
    basic = profile.sheet("basic")
    measures = ("planned", "arrived", "used")
    if not template:
        # 计划投资额 / 实际到位资金 / 实际使用情况 printed as rows, the sources across
        for grid in sheet_grids(book, basic, form):
            across = find_measure_rows(
                grid, basic.table("funds").columns, measures, HAINAN_FUND_SOURCES
            )
            if across is not None:
                printed = [parse.money_unit_from_label(t) for t in across.labels.values()]
                ex.money_unit = (
                    next((u for u in printed if u), None) or money_unit_near(grid, None) or "万元"
                )
                read_funds_across(ex, across)
                return
    ft = locate_table(
        book, basic, basic.table("funds"), template, form, min_hits=2, required=("planned",)
    )
    if ft is None:
        ex.missing_blocks.append("funds")
    else:
        record_headers(ex, "funds", ft)
        if not template:
            ex.money_unit = money_unit_near(ft.grid, ft) or "万元"
        read_funds(ex, ft, measures, HAINAN_FUND_SOURCES, with_exec=False)


def _hainan_scoring(
    ex: Extract, book: Book, profile: Profile, template: bool, form: Grid | None
) -> None:
    scoring = profile.sheet("scoring")
    st = locate_table(
        book,
        scoring,
        scoring.table("scoring"),
        template,
        form,
        min_hits=4,
        required=("level3", "score"),
    )
    if st is None:
        ex.missing_blocks.append("scoring")
    else:
        record_headers(ex, "scoring", st)
        _read_scoring(ex, st)
        if not template:
            _totals_from_end_row(ex, st, "w3", "score")


def _hainan_evaluators(ex: Extract, book: Book, profile: Profile, template: bool) -> None:
    ev = profile.sheet("evaluators")
    et = locate_table(
        book,
        ev,
        ev.table("evaluators"),
        template,
        None,
        min_hits=3,
        required=("name",),
        end_labels=("评价工作组组长", "项目单位负责人"),
    )
    if et is not None:
        for r in range(et.data_start, et.data_end):
            vals = {k: et.grid.value(r, c) for k, c in et.cols.items()}
            name = parse.clean_label(vals.get("name")) if vals.get("name") is not None else ""
            if not name:
                continue
            ex.evaluators.append(
                {
                    "name": name,
                    "title": parse.clean_label(vals.get("title")) or None,
                    "unit": as_text(vals.get("unit")),
                    "score": as_number(vals.get("score"))[0],
                    "signed": as_text(vals.get("signed")),
                    "sheet": et.grid.name,
                    "cell": et.grid.ref(r, et.cols["name"]),
                }
            )


def _hainan_narrative(ex: Extract, book: Book, profile: Profile, template: bool) -> None:
    rep = profile.sheet("report")
    rt = locate_table(
        book, rep, rep.table("narrative"), template, None, min_hits=2, required=("text",)
    )
    if rt is not None:
        for r in range(rt.data_start, rt.data_end):
            vals = {k: rt.grid.value(r, c) for k, c in rt.cols.items()}
            section = as_text(vals.get("section"))
            if section is None and vals.get("path") is None:
                continue
            ex.narrative.append(
                {
                    "path": raw_text(vals.get("path")),
                    "section": section,
                    "text": as_text(vals.get("text")) or "",
                    "text_raw": raw_text(vals.get("text")),
                    "sheet": rt.grid.name,
                    "cell": rt.grid.ref(r, rt.cols["text"]) if "text" in rt.cols else None,
                }
            )


def _direction_from_tiers(rec: dict[str, Any], intervals: dict[str, parse.Interval]) -> None:
    """Tier standards settle a direction the target text leaves open (domain b.0, d.1 #4)."""
    if rec.get("direction_how") in ("comparator", "label"):
        return
    best = intervals.get("优")
    if best is not None and best.lo is not None and best.hi is not None:
        # a bounded 优 band is an optimum range: more is not better
        rec["direction"], rec["direction_how"] = "range", "tiers"
        rec["t_range_lo"], rec["t_range_hi"] = best.lo, best.hi
        return
    target = parse.Target(
        raw=rec.get("target_raw") or "",
        kind=rec.get("t_kind") or "empty",
        comparator=rec.get("t_cmp"),
        lo=rec.get("t_lo"),
        lo_incl=rec.get("t_lo_incl"),
        hi=rec.get("t_hi"),
        hi_incl=rec.get("t_hi_incl"),
        incl_source=None,
        unit=rec.get("t_unit"),
        percent=bool(rec.get("t_percent")),
        qual_level=rec.get("t_qual"),
        deadline=rec.get("t_deadline"),
    )
    direction, how = parse.infer_direction(target, rec.get("name") or "", intervals)
    rec["direction"], rec["direction_how"] = direction, how


def _read_scoring(ex: Extract, st: TableSpot) -> None:
    g = st.grid
    last: dict[str, Any] = {}
    for r in range(st.data_start, st.data_end):
        vals = {k: g.value(r, c) for k, c in st.cols.items()}
        level3 = parse.clean_label(vals.get("level3")) if vals.get("level3") is not None else ""
        if not level3:
            continue
        rec: dict[str, Any] = {"seq": len(ex.score_items) + 1, "row": r + 1, "sheet": g.name}
        for key in ("level1", "level2"):
            v = parse.clean_label(vals.get(key)) if vals.get(key) is not None else ""
            rec[key] = v or last.get(key)
        rec["level3"] = level3
        for key in ("w1", "w2", "w3", "score"):
            v = vals.get(key)
            num = as_number(v)[0] if not is_na(v) else None
            if key in ("w1", "w2") and num is None:
                num = last.get(key)
            rec[key] = num
            c = st.cols.get(key)
            rec[key + "_cell"] = g.ref(r, c) if c is not None else None
        rec["score_raw"] = raw_text(vals.get("score"))
        rec["note"] = as_text(vals.get("note"))
        c = st.cols.get("note")
        rec["note_cell"] = g.ref(r, c) if c is not None else None
        last = rec
        ex.score_items.append(rec)


__all__ = ["find_label", "read_hainan", "read_national"]
