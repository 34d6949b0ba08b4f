"""指标明细: every performance indicator of every project, as a long table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from perfxl.report.run_result import RunResult
from perfxl.report.summary.book import (
    Col,
    Table,
    sample_rows,
)
from perfxl.report.summary.registry import sheet
from perfxl.report.summary.sources import Sources
from perfxl.report.summary.values import (
    as_number,
    is_false,
    is_true,
    records,
)

NAME = "指标明细"
DIRECTION_ZH = {
    "pos": "正向",
    "neg": "反向",
    "eq": "等于",
    "range": "区间",
    "qual": "定性",
    "date": "时限",
}
BASIS_ZH = {"formula": "按公式计算", "band": "定性分档", "reported": "采用填报值"}


def run_frame(run: RunResult, name: str) -> pd.DataFrame:
    """A canonical frame of the checked submissions (with the recomputed columns)."""
    report = getattr(run, "report", None)
    for holder in (getattr(report, "checked", None), report):
        df = getattr(getattr(holder, "frames", None), name, None)
        if isinstance(df, pd.DataFrame):
            return df
    return pd.DataFrame()


def project_context(run: RunResult) -> dict[str, tuple[Any, ...]]:
    p = run.projects.reindex(columns=["sub", "department", "unit", "project", "status"])
    return {r[0]: r[1:] for r in p.itertuples(index=False, name=None)}


INDICATOR_COLS = [
    Col("主管部门", cap=22),
    Col("单位", cap=24),
    Col("项目", cap=26),
    Col("状态", width=8),
    Col("工作表", cap=18),
    Col("行号", "int", width=6),
    Col("序号", "int", width=6),
    Col("一级指标", cap=14),
    Col("二级指标", cap=18),
    Col("三级指标", cap=30),
    Col("指标方向", width=8),
    Col("计量单位", cap=10),
    Col("年度指标值（填报）", cap=22),
    Col("指标值（解析）", "num", width=12),
    Col("实际完成值（填报）", cap=24),
    Col("实际值（解析）", "num", width=12),
    Col("完成比例", "pct", width=10),
    Col("分值", "score", width=7),
    Col("得分（填报）", "score", width=9),
    Col("得分（复核）", "score", width=9),
    Col("得分差", "score", width=8),
    Col("计分依据", cap=12),
    Col("是否完成", width=8),
    Col("偏差原因", cap=40),
    Col("得分单元格", width=9),
    Col("提交编号", width=14),
]
INDICATOR_SOURCE = [
    "sub",
    "sheet",
    "row",
    "seq",
    "level1",
    "level2",
    "name",
    "direction",
    "unit",
    "target_raw",
    "target_a",
    "actual_raw",
    "a_value",
    "completion",
    "weight",
    "score_reported",
    "score_calc",
    "score_basis",
    "met",
    "deviation",
    "score_cell",
]


@sheet(NAME, "所有项目的绩效指标（长表，便于数据透视）", position=40)
def indicators_table(run: RunResult, src: Sources) -> Table | None:
    ind = run_frame(run, "indicators").reindex(columns=INDICATOR_SOURCE)
    ctx = project_context(run)

    def row(d: dict[str, Any]) -> list[Any]:
        dept, unit, project, status = ctx.get(d["sub"], (None, None, None, None))
        rep, calc = as_number(d["score_reported"]), as_number(d["score_calc"])
        met = d["met"]
        completion = as_number(d["completion"])
        return [
            dept,
            unit,
            project,
            status,
            d["sheet"],
            d["row"],
            d["seq"],
            d["level1"],
            d["level2"],
            d["name"],
            DIRECTION_ZH.get(d["direction"], d["direction"]),
            d["unit"],
            d["target_raw"],
            d["target_a"],
            d["actual_raw"],
            d["a_value"],
            completion,  # already a fraction (1.05 = 105 %)
            d["weight"],
            rep,
            calc,
            round(rep - calc, 6) if rep is not None and calc is not None else None,
            BASIS_ZH.get(d["score_basis"], d["score_basis"]),
            "是" if is_true(met) else "否" if is_false(met) else None,
            d["deviation"],
            d["score_cell"],
            d["sub"],
        ]

    def rows() -> Iterator[list[Any]]:
        for d in records(ind, INDICATOR_SOURCE):
            yield row(d)

    return Table(
        NAME,
        INDICATOR_COLS,
        rows,
        len(ind),
        sample_rows(rows(), len(ind)),
        print_cols=len(INDICATOR_COLS) - 1,
    )
