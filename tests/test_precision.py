"""Precision of the rule catalogue on the published-form fixtures (issue 16).

Every finding perfxl reports on the workbooks of tests/fixtures/published is judged in
tests/fixtures/precision/verdicts.json, as a finance officer reviewing the form would: `right` (a
real problem worth reading), `wrong` (false, or perfxl misread the form), `noise` (true but not
worth the officer's time, or told by another finding). The verdicts are data; this test holds the
line on them, form by form:

(a) a finding judged right must still be reported;
(b) a finding judged wrong must not come back. The wrong findings perfxl still reports today are
    listed in WRONG_TODAY: each is its own case, which xfails while the finding is reported and
    fails once it is gone (remove it from the list then), so the list only shrinks.

Noise is printed (see it with `-s`) and findings nobody has judged yet are warned about; neither
fails. A finding is matched by form + rule + cell, and by the start of its message when it has no
cell.

`python -m tests.test_precision` prints the tables; `--write` regenerates docs/precision.md from
the current code (verdicts kept, new findings `unjudged`); `--add-unjudged` appends those to
verdicts.json for judging.
"""

from __future__ import annotations

import atexit
import json
import math
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from perfxl.run.check import check_files
from synth.published import build_published, load_form

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "published"
FORMS: list[str] = sorted(p.stem for p in FIXTURE_DIR.glob("*.json"))
VERDICTS_PATH = ROOT / "tests" / "fixtures" / "precision" / "verdicts.json"
DOC_PATH = ROOT / "docs" / "precision.md"
MSG_LEN = 30
VERDICTS = ("right", "wrong", "noise", "unjudged")

# Wrong findings perfxl still reports: key -> why. Remove an entry once its rule is fixed (the
# case then fails to say so); never add one for a finding that had stopped.
WRONG_TODAY: dict[str, str] = {
}


# ------------------------------------------------------------------ keys, findings, verdicts


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def finding_key(form: str, rule: str, cell: str, message_start: str) -> str:
    """form + rule + cell; form + rule + message start when the finding has no cell."""
    if cell:
        return f"{form} | {rule} | {cell}"
    return f"{form} | {rule} | | {message_start[:MSG_LEN]}"


def key_of(rec: Mapping[str, Any]) -> str:
    return finding_key(rec["form"], rec["rule"], rec["cell"], rec["message_start"])


@cache
def _workdir() -> Path:
    out = Path(tempfile.mkdtemp(prefix="perfxl-precision-"))
    atexit.register(shutil.rmtree, out, True)
    return out


@cache
def findings_of(form: str) -> tuple[dict[str, Any], ...]:
    """Build the fixture's workbook once per process and check it: its findings (causes)."""
    path = build_published(load_form(FIXTURE_DIR / f"{form}.json"), _workdir() / f"{form}.xlsx")
    report = check_files([path])
    out = []
    for r in report.findings.to_dict("records"):
        message = _text(r.get("message"))
        grouped = r.get("grouped")
        out.append(
            {
                "form": form,
                "rule": _text(r.get("rule")),
                "severity": _text(r.get("severity")),
                "cell": _text(r.get("cell")),
                "message": message,
                "message_start": message[:MSG_LEN],
                "grouped": int(grouped) if isinstance(grouped, int | float) and grouped > 1 else 0,
            }
        )
    return tuple(out)


@cache
def verdict_data() -> dict[str, Any]:
    return json.loads(VERDICTS_PATH.read_text(encoding="utf-8"))


@cache
def verdicts_by_key() -> dict[str, dict[str, Any]]:
    return {key_of(v): v for v in verdict_data()["verdicts"]}


def verdict_for(rec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The verdict of a finding: form + rule + cell + message start, else the test's key."""
    exact = (rec["form"], rec["rule"], rec["cell"], rec["message_start"])
    v = next(
        (
            v
            for v in verdict_data()["verdicts"]
            if (v["form"], v["rule"], v["cell"], v["message_start"]) == exact
        ),
        None,
    ) or verdicts_by_key().get(key_of(rec))
    return v if v and v["verdict"] != "unjudged" else None


def _line(v: Mapping[str, Any]) -> str:
    return f"{v['rule']} {v['cell'] or '-'} “{v['message_start']}…”: {v.get('why', '')}"


# ------------------------------------------------------------------ the tests


def test_verdicts_are_well_formed() -> None:
    data = verdict_data()
    keys = Counter(key_of(v) for v in data["verdicts"])
    assert not [k for k, n in keys.items() if n > 1], "two verdicts share a key"
    for v in data["verdicts"]:
        assert v["form"] in FORMS, v
        assert v["verdict"] in VERDICTS, v
        assert v["verdict"] == "unjudged" or v["why"].strip(), v
    wrong = {key_of(v) for v in data["verdicts"] if v["verdict"] == "wrong"}
    assert set(WRONG_TODAY) <= wrong, set(WRONG_TODAY) - wrong
    anomalies = {
        (f, a["rule"])
        for f in FORMS
        for a in load_form(FIXTURE_DIR / f"{f}.json")["expected"]["anomalies"]
    }
    for m in data["caught"] + data["misses"]:
        assert (m["form"], m["anomaly"]) in anomalies, m


@pytest.mark.parametrize("form", FORMS)
def test_right_findings_stay(form: str) -> None:
    """(a) every finding judged right is still reported."""
    now = {key_of(r) for r in findings_of(form)}
    lost = [v for v in verdict_data()["verdicts"] if v["form"] == form and v["verdict"] == "right"]
    lost = [v for v in lost if key_of(v) not in now]
    assert not lost, f"{form}: findings judged right are gone:\n  " + "\n  ".join(map(_line, lost))


@pytest.mark.parametrize("form", FORMS)
def test_wrong_findings_stay_away(form: str) -> None:
    """(b) no finding judged wrong comes back (those still reported today: WRONG_TODAY)."""
    back, noise, unjudged = [], [], []
    for rec in findings_of(form):
        v = verdict_for(rec)
        if v is None:
            unjudged.append({**rec, "why": "(not judged yet)"})
        elif v["verdict"] == "noise":
            noise.append(v)
        elif v["verdict"] == "wrong" and key_of(rec) not in WRONG_TODAY:
            back.append(v)
    if noise or unjudged:
        print(f"{form}: {len(noise)} noise, {len(unjudged)} unjudged")
        for v in noise:
            print("  noise", _line(v))
    if unjudged:
        warnings.warn(
            f"{form}: {len(unjudged)} findings not judged yet in verdicts.json:\n  "
            + "\n  ".join(map(_line, unjudged)),
            stacklevel=1,
        )
    assert not back, f"{form}: findings judged wrong are back:\n  " + "\n  ".join(map(_line, back))


@pytest.mark.parametrize(
    "key",
    sorted(WRONG_TODAY),
    ids=[
        f"{k.split(' | ')[0]}-{k.split(' | ')[1]}-{k.split(' | ')[2] or 'nocell'}"
        for k in sorted(WRONG_TODAY)
    ],
)
def test_wrong_today(key: str) -> None:
    """A wrong finding perfxl still reports: xfail while it is there, fail once it is gone."""
    form = key.split(" | ")[0]
    if key in {key_of(r) for r in findings_of(form)}:
        pytest.xfail(f"still reported, judged wrong: {WRONG_TODAY[key]}")
    pytest.fail(f"{key} is no longer reported: remove it from WRONG_TODAY (keep its verdict)")


# ------------------------------------------------------------------ docs/precision.md


def _judged(forms: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    for form in forms:
        for rec in findings_of(form):
            v = verdict_for(rec)
            rows.append(
                {
                    **rec,
                    "verdict": v["verdict"] if v else "unjudged",
                    "why": v["why"] if v else "",
                }
            )
    return rows


def _rule_order(rule: str) -> tuple[int, str]:
    return ("RSFITGNMD".find(rule[:1]) if rule[:1] in "RSFITGNMD" else 99, rule)


def _pct(num: int, den: int) -> str:
    return f"{num / den * 100:.1f}%" if den else "—"


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def _anomaly_status(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(caught, missed) anomalies of the fixtures, from verdicts.json and today's findings."""
    data = verdict_data()
    now = {(r["form"], r["rule"], r["cell"]) for r in rows}
    new_now = {(r["form"], r["rule"]): r for r in rows if r["verdict"] == "unjudged"}
    caught, missed = [], []
    listed = set()
    for c in data["caught"]:
        listed.add((c["form"], c["anomaly"]))
        hits = [b for b in c["by"] if (c["form"], b["rule"], b["cell"]) in now]
        if hits:
            caught.append(
                {**c, "by_now": ", ".join(f"{b['rule']} {b['cell'] or ''}".strip() for b in hits)}
            )
        else:
            missed.append(
                {
                    **c,
                    "should_be_rule": c["by"][0]["rule"],
                    "kind": "lost",
                    "note": "was caught; no longer",
                }
            )
    for m in data["misses"]:
        if m.get("partial"):
            continue
        listed.add((m["form"], m["anomaly"]))
        hit = new_now.get((m["form"], m["should_be_rule"]))
        note = m["note"]
        if hit:
            note += f" (check: an unjudged {hit['rule']} {hit['cell']} now fires on this form)"
        missed.append({**m, "note": note})
    for form in sorted({r["form"] for r in rows} | set(FORMS)):
        for a in load_form(FIXTURE_DIR / f"{form}.json")["expected"]["anomalies"]:
            if (form, a["rule"]) not in listed:
                missed.append(
                    {
                        "form": form,
                        "anomaly": a["rule"],
                        "should_be_rule": "?",
                        "kind": "unjudged",
                        "note": a.get("detail", ""),
                    }
                )
    return caught, missed


def _git_head() -> str:
    """The commit the code was run at, `+ uncommitted changes` when perfxl/ or synth/ differ."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "perfxl", "synth"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    return f"`{head or '?'}`" + (" + uncommitted changes" if dirty else "")


PRINCIPLES = """\
**How the findings were judged.** Each finding was read against what the form prints (the fixture
JSON: its values, its `expected` block and the `anomalies` its maker planted; for the three real_*
forms also `anomalies_spotted` in /work/shared/real). The verdict is what a careful finance officer
reviewing that form would say:

- `right`: a real problem the officer would want to read (every planted anomaly, and real problems
  the maker did not list, e.g. an in-year budget change nothing on the form explains);
- `wrong`: false: the form is fine there, or perfxl misread it (a 20分 block read as 10, a
  其他需要说明事项 read as 存在问题及改进措施, sources that do add up);
- `noise`: true but not worth the officer's time: a note about perfxl's own reading (S12, S13), an
  ask that comes on every form whatever it says (I14 at 88–96 % satisfaction, F13 on a 2 万元
  balance), or a finding that repeats another one on the same cell or cause (I01 beside I02, G07
  over its signals).

Conventions: an execution-score deduction that equals 分值 × the printed 执行率 needs no reason
(N02 there is wrong); a 全年预算数 that exceeds 年初预算数 by exactly the 上年结转资金 row is
explained (F05 wrong), one with no such row is not (F05 right); payment of a subsidy or
compensation is the output of a subsidy project, and a 成本指标 is money by definition (I08 wrong
there), while 资金拨付/到位及时率 of a grant is a weak process indicator (I08 noise); a qualitative
效益 target such as 明显改善, met as printed, is a target-design remark (I07 noise), a yes/no
target such as 建立 is measurable (I07 wrong); a 100 % satisfaction with no survey is worth asking
about (I14 right). Precision = right ÷ (right + wrong + noise).
"""


def render(forms: Iterable[str] = FORMS) -> str:
    forms = list(forms)
    rows = _judged(forms)
    data = verdict_data()
    caught, missed = _anomaly_status(rows)
    count = Counter(r["verdict"] for r in rows)
    judged = count["right"] + count["wrong"] + count["noise"]
    reader_only = [m for m in missed if m.get("kind") == "reader only"]
    marked = len(caught) + len(missed)
    out = [
        "# Precision of the rule catalogue on published forms",
        "",
        "Generated by `python -m tests.test_precision --write` from the current code; do not edit by "
        "hand. The verdicts live in `tests/fixtures/precision/verdicts.json` (kept by matching form + "
        "rule + cell + message start; a new finding shows `unjudged` until someone judges it there, "
        "`--add-unjudged` appends them for that). `tests/test_precision.py` fails when a finding "
        "judged `right` disappears or one judged `wrong` returns (the wrong ones perfxl still reports "
        "are its `WRONG_TODAY`, xfailed one by one).",
        "",
        f"Code at {_git_head()}; {len(forms)} forms (`tests/fixtures/published`: 3 real ones "
        "transcribed from published forms, the others our own), each built with "
        "`synth.published.build_published` and checked alone with `perfxl.run.check.check_files`. "
        "A finding is a cause as the officer reads it (a rule repeated on a form is one grouped cause).",
        "",
        PRINCIPLES,
        "## Overall",
        "",
        "| findings | right | wrong | noise | unjudged | precision | anomalies marked | caught | recall |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {len(rows)} | {count['right']} | {count['wrong']} | {count['noise']} | {count['unjudged']} "
        f"| {_pct(count['right'], judged)} | {marked} | {len(caught)} | {_pct(len(caught), marked)} |",
        "",
        f"Recall = anomalies caught by at least one finding ÷ anomalies the forms' makers marked "
        f"(`expected.anomalies`). {len(reader_only)} of the misses are traps for the reader that perfxl "
        f"reads right and need no finding; without them recall is "
        f"{_pct(len(caught), marked - len(reader_only))}. Most findings on one form: "
        + (
            "{} ({}).".format(
                *max(
                    ((n, f) for f, n in Counter(r["form"] for r in rows).items()), default=(0, "—")
                )
            )
            if rows
            else "—."
        ),
        "",
        "| severity | findings | right | wrong | noise | unjudged | precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for sev in ("error", "warning", "info"):
        c = Counter(r["verdict"] for r in rows if r["severity"] == sev)
        j = c["right"] + c["wrong"] + c["noise"]
        out.append(
            f"| {sev} | {sum(c.values())} | {c['right']} | {c['wrong']} | {c['noise']} "
            f"| {c['unjudged']} | {_pct(c['right'], j)} |"
        )
    out += [
        "",
        "## Per rule",
        "",
        "| rule | findings | right | wrong | noise | unjudged | precision | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_rule: dict[str, Counter[str]] = {}
    for r in rows:
        by_rule.setdefault(r["rule"], Counter())[r["verdict"]] += 1
    notes = data.get("rule_notes", {})
    for rule in sorted(by_rule, key=_rule_order):
        c = by_rule[rule]
        n = sum(c.values())
        j = c["right"] + c["wrong"] + c["noise"]
        out.append(
            f"| {rule} | {n} | {c['right']} | {c['wrong']} | {c['noise']} | {c['unjudged']} "
            f"| {_pct(c['right'], j)} | {_cell(notes.get(rule, ''))} |"
        )
    out += [
        "",
        "## Per form",
        "",
        "| form | findings | right | wrong | noise | unjudged | anomalies | caught | missed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for form in forms:
        c = Counter(r["verdict"] for r in rows if r["form"] == form)
        a_c = sum(1 for x in caught if x["form"] == form)
        a_m = sum(1 for x in missed if x["form"] == form)
        out.append(
            f"| {form} | {sum(c.values())} | {c['right']} | {c['wrong']} | {c['noise']} "
            f"| {c['unjudged']} | {a_c + a_m} | {a_c} | {a_m} |"
        )
    out += [
        "",
        "## Misses",
        "",
        "Anomalies marked on a form that no finding catches (`kind`: `misread`, perfxl reads the form "
        "wrong there; `rule silent`, the rule exists but does not fire; `no rule`, nothing in the "
        "catalogue checks it; `reader only`, a trap for the reader that perfxl reads right). Partly "
        "caught ones are listed after the table.",
        "",
        "| form | anomaly | should be caught by | kind | note |",
        "|---|---|---|---|---|",
    ]
    for m in missed:
        out.append(
            f"| {m['form']} | {_cell(m['anomaly'])} | {m['should_be_rule']} | {m.get('kind', '')} | {_cell(m.get('note', ''))} |"
        )
    partial = [m for m in data["misses"] if m.get("partial")]
    if partial:
        out.append("")
        for m in partial:
            out.append(f"- Partly caught, {m['form']}, {m['anomaly']}: {m['note']}")
    out += [
        "",
        "## Caught anomalies",
        "",
        "| form | anomaly | caught by |",
        "|---|---|---|",
    ]
    for c in caught:
        out.append(f"| {c['form']} | {_cell(c['anomaly'])} | {c['by_now']} |")
    out += [
        "",
        "## Every finding",
        "",
        "| form | rule | sev | cell | message (start) | verdict | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["form"], _rule_order(r["rule"]), r["cell"])):
        sev = {"error": "E", "warning": "W", "info": "I"}.get(r["severity"], r["severity"])
        grouped = f" (×{r['grouped']})" if r["grouped"] else ""
        out.append(
            f"| {r['form']} | {r['rule']} | {sev} | {r['cell'] or '—'}{grouped} | {_cell(r['message_start'])}… "
            f"| {r['verdict']} | {_cell(r['why'])} |"
        )
    now = {key_of(r) for r in rows}
    stale = [v for v in data["verdicts"] if v["form"] in forms and key_of(v) not in now]
    if stale:
        out += [
            "",
            "## Verdicts with no finding today",
            "",
            "A `right` one here fails the test; a `wrong` one is a fixed rule (drop it from WRONG_TODAY).",
            "",
            "| form | rule | cell | message (start) | verdict | why |",
            "|---|---|---|---|---|---|",
        ]
        for v in stale:
            out.append(
                f"| {v['form']} | {v['rule']} | {v['cell'] or '—'} | {_cell(v['message_start'])}… | {v['verdict']} | {_cell(v['why'])} |"
            )
    return "\n".join(out) + "\n"


def dump_verdicts(data: Mapping[str, Any]) -> str:
    """verdicts.json with one verdict, anomaly or note per line."""

    def one(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    parts = ["{", f' "about": {one(data["about"])},']
    for name in ("verdicts", "caught", "misses"):
        items = ",\n".join(f"  {one(v)}" for v in data[name])
        parts.append(f' "{name}": [\n{items}\n ],')
    notes = ",\n".join(f"  {one(k)}: {one(v)}" for k, v in data["rule_notes"].items())
    parts.append(f' "rule_notes": {{\n{notes}\n }}')
    parts.append("}")
    return "\n".join(parts) + "\n"


def _sync_report(rows: list[dict[str, Any]]) -> list[str]:
    """Where WRONG_TODAY and today's findings disagree."""
    now = {key_of(r): r for r in rows}
    lines = []
    for v in verdict_data()["verdicts"]:
        k = key_of(v)
        if v["verdict"] == "wrong" and k in now and k not in WRONG_TODAY:
            lines.append(f"wrong and reported, not in WRONG_TODAY: {k!r}")
    lines += [f"in WRONG_TODAY, no longer reported: {k!r}" for k in WRONG_TODAY if k not in now]
    return lines


def main(argv: list[str]) -> int:
    rows = _judged(FORMS)
    if "--add-unjudged" in argv:
        data = dict(verdict_data())
        new = [
            {k: r[k] for k in ("form", "rule", "cell", "message_start")}
            | {"verdict": "unjudged", "why": ""}
            for r in rows
            if r["verdict"] == "unjudged" and key_of(r) not in verdicts_by_key()
        ]
        data["verdicts"] = list(data["verdicts"]) + new
        VERDICTS_PATH.write_text(dump_verdicts(data), encoding="utf-8")
        print(f"{len(new)} unjudged findings appended to {VERDICTS_PATH.relative_to(ROOT)}")
        verdict_data.cache_clear()
        verdicts_by_key.cache_clear()
    text = render(FORMS)
    if "--write" in argv:
        DOC_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DOC_PATH.relative_to(ROOT)}")
    else:
        print(text.split("\n## Misses")[0])
    for line in _sync_report(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
