"""The season board as data and as a workbook (`perfxl status`): counts by status and department,
the projects waiting on their units, what resubmissions changed, open findings by rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from perfxl.files import write_atomic

STATUSES = ("未提交", "需修改", "已重报", "已提交", "通过")
_PROJECT_HEAD = (
    ("主管部门", "department", 22),
    ("单位", "unit", 26),
    ("项目", "project", 30),
    ("状态", "status", 8),
    ("版本数", "versions", 7),
    ("未关闭问题", "open_findings", 10),
    ("已整改", "fixed_findings", 8),
    ("仍未整改", "still_open_findings", 9),
    ("新增问题", "new_findings", 9),
    ("单位已说明", "explained_findings", 10),
    ("已接受", "accepted_findings", 8),
    ("最近回复时间", "replied_at", 22),
    ("回复后天数", "days_since_reply", 10),
    ("项目编号", "key", 34),
)


def board_json(status: pd.DataFrame, counts: dict[str, Any]) -> dict[str, Any]:
    """`perfxl status --json`: `projects` (each with key, unit, department, status, versions,
    open_findings, fixed_findings, explained_findings …) and `counts`."""
    clean = status.astype(object).where(status.notna(), None)
    return {"projects": clean.to_dict("records"), "counts": counts}


def board_lines(status: pd.DataFrame, counts: dict[str, Any], by_rule: pd.DataFrame) -> list[str]:
    """What `perfxl status` prints."""
    n = counts["by_status"]
    lines = [
        f"本季 {counts['projects']} 个项目：" + "，".join(f"{s} {n.get(s, 0)}" for s in STATUSES)
    ]
    for dept, c in counts["by_department"].items():
        lines.append(f"  {dept}：" + "，".join(f"{s} {c[s]}" for s in STATUSES if c[s]))
    waiting = status[(status["status"] == "需修改") & status["replied_at"].notna()]
    if len(waiting):
        lines.append(f"已退回、尚未重报（{len(waiting)}）：")
        for d in waiting.to_dict("records"):
            lines.append(
                f"  {d['unit']} · {d['project']}：回复后 {d['days_since_reply']} 天，"
                f"未关闭问题 {d['open_findings']}"
            )
    again = status[status["versions"] > 1]
    if len(again):
        lines.append(f"已重报（{len(again)}）：")
        for d in again.to_dict("records"):
            lines.append(
                f"  {d['unit']} · {d['project']}：第 {d['versions']} 版，已整改 {d['fixed_findings']}，"
                f"仍未整改 {d['still_open_findings']}，新增 {d['new_findings']}，"
                f"单位已说明 {d['explained_findings']} → {d['status']}"
            )
    if len(by_rule):
        lines.append("未关闭问题（按规则）：")
        for d in by_rule.head(15).to_dict("records"):
            lines.append(
                f"  {d['rule']}（{d['severity']}）：{d['findings']} 条，{d['projects']} 个项目"
            )
    return lines


def write_board(
    path: Path, status: pd.DataFrame, counts: dict[str, Any], by_rule: pd.DataFrame
) -> Path:
    """board.xlsx: 台账总览, 项目状态, 未关闭问题 — written whole or not at all."""

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": True})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        ws = wb.add_worksheet("台账总览")
        ws.write_row(0, 0, ["主管部门", *STATUSES], head)
        ws.write_row(1, 0, ["合计", *(counts["by_status"].get(s, 0) for s in STATUSES)], head)
        for r, (dept, c) in enumerate(counts["by_department"].items(), start=2):
            ws.write_row(r, 0, [dept, *(c[s] for s in STATUSES)])
        ws.set_column(0, 0, 28)
        ws = wb.add_worksheet("项目状态")
        for c, (label, _key, width) in enumerate(_PROJECT_HEAD):
            ws.write(0, c, label, head)
            ws.set_column(c, c, width)
        clean = status.astype(object).where(status.notna(), None)
        for r, d in enumerate(clean.to_dict("records"), start=1):
            ws.write_row(r, 0, [d[key] for _label, key, _w in _PROJECT_HEAD])
        ws.autofilter(0, 0, max(len(clean), 1), len(_PROJECT_HEAD) - 1)
        ws.freeze_panes(1, 0)
        ws = wb.add_worksheet("未关闭问题")
        ws.write_row(0, 0, ["规则", "级别", "涉及项目", "问题条数"], head)
        for r, d in enumerate(by_rule.to_dict("records"), start=1):
            ws.write_row(r, 0, [d["rule"], d["severity"], d["projects"], d["findings"]])
        for sheet in wb.worksheets():  # printed as officers print: A4 across, one page wide
            sheet.set_landscape()
            sheet.set_paper(9)
            sheet.fit_to_pages(1, 0)
            sheet.repeat_rows(0)
        wb.close()

    return write_atomic(path, write)


__all__ = ["board_json", "board_lines", "write_board"]
