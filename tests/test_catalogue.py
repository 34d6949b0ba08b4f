"""The rule catalogue: every rule documented, every rule tested both ways, docs/rules.md fresh."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from perfxl.checks import load_all
from perfxl.checks.config import Config
from perfxl.cli import main
from perfxl.model.findings import RULES, SEVERITIES
from perfxl.report.text import rules_markdown

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

# Every id of the domain rules (docs/domain.md): each must be registered, implemented or declared
# not implementable.
RULES_MD_IDS = (
    [f"S{i:02d}" for i in range(1, 12)]
    + [f"F{i:02d}" for i in range(1, 14)]
    + [f"I{i:02d}" for i in range(1, 21)]
    + [f"T{i:02d}" for i in range(1, 10)]
    + [f"G{i:02d}" for i in range(1, 8)]
    + [f"N{i:02d}" for i in range(1, 7)]
    + [f"M{i:02d}" for i in range(1, 6)]
    + [f"D{i:02d}" for i in range(1, 5)]
)
# Rules raised outside the check registry (reading, run bookkeeping), tested in their own files.
EMITTED_ELSEWHERE = {
    "R01",
    "R02",
    "R03",
    "R04",
    "R05",
    "R06",
    "R07",
    "R08",
    "S00",
    "S11",
    "S12",
    "S13",
    "S14",
    "S15",
    "S16",
    "S17",
    "S99",
    "D06",
}


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    import perfxl.read.workbook  # noqa: F401  (declares the reading rules)
    import perfxl.run.batch  # noqa: F401  (declares D06)

    load_all()


def _test_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py"))


def test_every_rules_md_id_is_registered() -> None:
    missing = [rid for rid in RULES_MD_IDS if rid not in RULES]
    assert not missing, f"domain rules not registered: {missing}"


def test_every_rule_is_implemented_or_says_why_not() -> None:
    for rid, info in RULES.items():
        if rid in EMITTED_ELSEWHERE:
            continue
        assert info.check is not None or info.not_implementable, f"{rid} has no check and no reason"


@pytest.mark.parametrize("field", ["title_zh", "title_en", "message_zh", "message_en"])
def test_every_rule_has_its_texts(field) -> None:
    for rid, info in RULES.items():
        assert getattr(info, field).strip(), f"{rid} lacks {field}"
        assert info.severity in SEVERITIES


def test_message_templates_name_only_known_fields() -> None:
    for rid, info in RULES.items():
        zh = set(re.findall(r"{(\w+)}", info.message_zh))
        en = set(re.findall(r"{(\w+)}", info.message_en))
        assert zh == en, f"{rid}: zh fields {sorted(zh)} differ from en fields {sorted(en)}"


def test_every_implemented_rule_has_a_firing_and_a_quiet_test() -> None:
    src = _test_sources()
    fires = set(re.findall(r"assert_fires\([^,]+,\s*\"([A-Z]\d{2})\"", src))
    quiet = set(re.findall(r"assert_quiet\([^,]+,\s*\"([A-Z]\d{2})\"", src))
    implemented = {rid for rid, info in RULES.items() if info.check is not None}
    assert not implemented - fires, f"rules with no firing test: {sorted(implemented - fires)}"
    assert not implemented - quiet, f"rules with no passing test: {sorted(implemented - quiet)}"


def test_thresholds_name_real_config_keys() -> None:
    keys = set(Config().flat())
    for rid, info in RULES.items():
        for t in info.thresholds:
            assert t in keys, f"{rid} names unknown config key {t}"


def test_docs_rules_md_is_fresh() -> None:
    expected = rules_markdown(Config().flat())
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == expected, (
        "docs/rules.md is stale: run  perfxl rules --markdown > docs/rules.md"
    )


def test_cli_rules_lists_every_rule() -> None:
    out = CliRunner().invoke(main, ["rules"]).output
    for rid in RULES:
        assert rid in out
    md = CliRunner().invoke(main, ["rules", "--markdown"]).output
    assert md == rules_markdown(Config().flat())
