"""Plain-text renderings for the terminal: per-submission results and the rule catalogue."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from perfxl.model.findings import FAMILIES, RULES, SEVERITY_ZH

SEVERITY_EN = {"error": "error", "warning": "warning", "info": "info"}


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, n: int) -> str:
    return s + " " * max(0, n - width(s))


def clip(s: str, n: int) -> str:
    if width(s) <= n:
        return s
    out, w = "", 0
    for ch in s:
        cw = width(ch)
        if w + cw > n - 1:
            break
        out += ch
        w += cw
    return out + "…"


def table(rows: Sequence[Sequence[str]], header: Sequence[str], max_last: int = 70) -> list[str]:
    widths = [max(width(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = [
        "  ".join(pad(str(h), w) for h, w in zip(header[:-1], widths, strict=True))
        + "  "
        + header[-1]
    ]
    for r in rows:
        head = "  ".join(pad(str(c), w) for c, w in zip(r[:-1], widths, strict=True))
        lines.append(
            head + "  " + clip(str(r[-1]), max_last) if max_last else head + "  " + str(r[-1])
        )
    return lines


def _fmt(v: Any, suffix: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}{suffix}"
    return f"{v}{suffix}"


def render_submission(sub: dict[str, Any], english: bool = False) -> list[str]:
    """Lines for one submission of the `check --json` shape."""
    lines = [
        f"文件：{sub['file']}  [{sub.get('profile') or '未识别'}{'，非标准模板' if sub.get('layout') == 'foreign' else ''}]"
    ]
    if sub.get("project"):
        who = "，".join(x for x in (sub.get("unit"), sub.get("department")) if x)
        year = f" {sub['fiscal_year']}年度" if sub.get("fiscal_year") else ""
        lines.append(f"项目：{sub['project']}（{who}）{year}")
        lines.append(
            f"执行率 {_fmt(sub.get('exec_rate'), '%')}   "
            f"总分 填报 {_fmt(sub.get('total_score_reported'))} / 复核 {_fmt(sub.get('total_score_recomputed'))}   "
            f"等次 填报 {sub.get('grade_reported') or '—'} / 复核 {sub.get('grade_recomputed') or '—'}"
        )
    lines.append(
        f"结论：{sub['status']}   错误 {sub['errors']} · 警告 {sub['warnings']} · 提示 {sub['infos']}"
    )
    found = sub.get("findings", [])
    if found:
        rows = [
            (
                SEVERITY_EN[f["severity"]] if english else SEVERITY_ZH[f["severity"]],
                f["rule"],
                f"{f['sheet']}!{f['cell']}"
                if f.get("sheet") and f.get("cell")
                else (f.get("sheet") or "—"),
                f["message_en"] if english else f["message"],
            )
            for f in found
        ]
        header = (
            ("severity", "rule", "where", "message")
            if english
            else ("级别", "规则", "位置", "说明")
        )
        lines += ["  " + ln for ln in table(rows, header, max_last=0)]
    return lines


def render_report(data: dict[str, Any], english: bool = False) -> str:
    out: list[str] = []
    for sub in data["submissions"]:
        out += render_submission(sub, english)
        out.append("")
    n = len(data["submissions"])
    errors = sum(s["errors"] for s in data["submissions"])
    warnings = sum(s["warnings"] for s in data["submissions"])
    out.append(f"共 {n} 个文件：错误 {errors}，警告 {warnings}。")
    return "\n".join(out)


def catalogue_rows() -> list[dict[str, Any]]:
    rows = []
    for rid in sorted(RULES, key=_rule_order):
        info = RULES[rid]
        rows.append(
            {
                "id": rid,
                "family": FAMILIES.get(info.family, ("", ""))[0],
                "severity": info.severity,
                "severities": info.severities or (info.severity,),
                "scope": info.scope,
                "title_zh": info.title_zh,
                "title_en": info.title_en,
                "message_zh": info.message_zh,
                "message_en": info.message_en,
                "thresholds": info.thresholds,
                "profiles": info.profiles,
                "implemented": info.check is not None
                or info.family == "R"
                or rid in ("S11", "S12", "S00"),
                "not_implementable": info.not_implementable,
                "blocking": info.blocking,
            }
        )
    return rows


def _rule_order(rid: str) -> tuple[int, str]:
    order = "RSFITGNMD"
    return (order.index(rid[0]) if rid[0] in order else 99, rid)


def render_rules(english: bool = False) -> str:
    rows = []
    for r in catalogue_rows():
        sev = "/".join((SEVERITY_EN if english else SEVERITY_ZH)[s] for s in r["severities"])
        title = r["title_en"] if english else r["title_zh"]
        if r["not_implementable"]:
            title += " (not implementable)" if english else "（无法实现，见说明）"
        rows.append((r["id"], sev, title, ", ".join(r["thresholds"])))
    header = (
        ("id", "severity", "title", "thresholds")
        if english
        else ("编号", "级别", "规则", "阈值配置项")
    )
    return "\n".join(table(rows, header, max_last=0))


def rules_markdown(thresholds: dict[str, Any]) -> str:
    """docs/rules.md, generated from the registry (a test keeps the committed copy fresh)."""
    lines = [
        "# perfxl rule catalogue",
        "",
        "Generated by `perfxl rules --markdown`; do not edit by hand. Ids are stable: S, F, I, T, G, N, M",
        "and D name the rule families of the domain rules (`docs/domain.md`), R the reading of the file.",
        "Severity: error 错误 / warning 警告 / info 提示. Thresholds name keys of the configuration",
        "(`perfxl --config FILE`); their default values are listed at the end.",
        "",
    ]
    rows = catalogue_rows()
    for fam in dict.fromkeys(r["id"][0] for r in rows):
        zh, en = FAMILIES.get(fam, (fam, fam))
        lines += [
            f"## {fam} — {zh} ({en})",
            "",
            "| id | severity | rule | message (zh) | message (en) | thresholds |",
            "|---|---|---|---|---|---|",
        ]
        for r in (x for x in rows if x["id"][0] == fam):
            title = f"{r['title_zh']} — {r['title_en']}"
            if r["not_implementable"]:
                title += f" **Not implementable:** {r['not_implementable']}"
            lines.append(
                f"| {r['id']} | {' / '.join(r['severities'])} | {title} | {_md(r['message_zh'])} "
                f"| {_md(r['message_en'])} | {', '.join(r['thresholds'])} |"
            )
        lines.append("")
    lines += ["## Default thresholds", "", "| key | default |", "|---|---|"]
    for k, v in thresholds.items():
        lines.append(f"| `{k}` | {v} |")
    lines.append("")
    return "\n".join(lines)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")
