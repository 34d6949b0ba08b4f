import pytest
from conftest import assert_fires, assert_quiet

from perfxl.checks.config import from_mapping
from perfxl.model.findings import RULES, RuleInfo


def test_g01_fires_when_the_grade_is_typed_over(bench) -> None:
    s = bench.national()
    s["fields"]["grade_reported"] = "良"  # the unit typed over the 自评等次 formula
    result = bench.check(s, only={"G01"})
    rows = assert_fires(result, "G01", cell="H55", severity="error", count=1)
    assert rows.iloc[0]["expected"] == "优"
    assert "应为“优”" in rows.iloc[0]["message"]


def test_g01_quiet_on_a_consistent_grade(bench) -> None:
    result = bench.check(bench.national(), only={"G01"})
    assert_quiet(result, "G01")


def test_g01_quiet_on_the_seed(bench) -> None:
    result = bench.check(bench.seed(), only={"G01"})
    assert_quiet(result, "G01")


# ------------------------------------------------------------------ G02–G07

# national template: 总分 I54, 自评等次 H55; hainan: 总分 G23, 评价等次 B24


def test_g02_excellent_with_low_execution(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["executed"] = 210  # 70 % of 300; the exec score follows (7)
    result = bench.check(s, only={"G02"})
    rows = assert_fires(result, "G02", cell="H55", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (70, 80)
    assert "执行率仅 70%" in rows.iloc[0]["message"]


def test_g02_hainan_uses_used_over_arrived(bench) -> None:
    s = bench.seed()
    s["tables"]["funds"][0]["used"] = 412.65  # 70 % of the 589.5 that arrived
    result = bench.check(s, only={"G02"})
    rows = assert_fires(result, "G02", cell="B24", count=1)
    assert rows.iloc[0]["observed"] == 70


def test_g02_quiet(bench) -> None:
    result = bench.check(bench.national(), only={"G02"})
    assert_quiet(result, "G02")
    result = bench.check(bench.seed(), only={"G02"})
    assert_quiet(result, "G02")


def test_g03_excellent_with_an_unmet_output(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"][0]["actual"] = 1100  # target ≥1200, still scored 20/20
    result = bench.check(s, only={"G03"})
    rows = assert_fires(result, "G03", cell="H55", severity="warning", count=1)
    assert "产出指标：受益学生人数" in rows.iloc[0]["message"]
    assert rows.iloc[0]["observed"] == 22.22  # 20 of the 90 indicator points


def test_g03_unmet_share_outside_outputs(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"][4]["actual"] = "85%"  # 体质合格率 ≥90 %, weight 15
    result = bench.check(s, only={"G03"})
    rows = assert_fires(result, "G03", cell="H55", count=1)
    assert rows.iloc[0]["observed"] == 16.67
    assert "产出指标：—" in rows.iloc[0]["message"]
    cfg = from_mapping({"grade_checks": {"unmet_weight_share": 20}})
    result = bench.check(s, cfg=cfg, only={"G03"})
    assert_quiet(result, "G03")


def test_g03_quiet(bench) -> None:
    result = bench.check(bench.national(), only={"G03"})
    assert_quiet(result, "G03")
    result = bench.check(bench.seed(), only={"G03"})
    assert_quiet(result, "G03")


def test_g04_is_declared_not_implementable() -> None:
    info = RULES["G04"]
    assert info.check is None
    assert info.not_implementable and "复核" in info.not_implementable


def test_g05_everything_full(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"][5]["score"] = 15  # the one deduction removed
    s["tables"]["funds"][1]["executed"] = 300  # and 100 % execution
    result = bench.check(s, only={"G05"})
    rows = assert_fires(result, "G05", cell="I54", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 100


def test_g05_hainan_all_full(bench) -> None:
    s = bench.seed()
    for i in (15, 16, 17):
        s["tables"]["scoring"][i]["score"] = 8
    result = bench.check(s, only={"G05"})
    assert_fires(result, "G05", cell="G23", count=1)


def test_g05_quiet(bench) -> None:
    result = bench.check(bench.national(), only={"G05"})
    assert_quiet(result, "G05")
    result = bench.check(bench.seed(), only={"G05"})
    assert_quiet(result, "G05")


def test_g06_total_on_a_boundary(bench) -> None:
    s = bench.seed()
    s["tables"]["scoring"][10]["score"] = 2  # 管理制度 9 → 2: total 90
    result = bench.check(s, only={"G06"})
    rows = assert_fires(result, "G06", cell="G23", severity="info", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (90, 90)


def test_g06_recomputed_total_just_above_90(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"][0]["actual"] = 690  # 20 × 690/1200 = 11.5
    s["tables"]["indicators"][0]["score"] = 11.5
    result = bench.check(s, only={"G06"})
    rows = assert_fires(result, "G06", cell="I54", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (90.32, 90)


def test_g06_quiet(bench) -> None:
    result = bench.check(bench.national(), only={"G06"})
    assert_quiet(result, "G06")
    result = bench.check(bench.seed(), only={"G06"})
    assert_quiet(result, "G06")


def _stub(monkeypatch, rule_id: str, subs_of=lambda ctx: ctx.projects) -> None:
    """Replace an input rule of G07 by a stub firing on every submission."""
    from perfxl.checks.engine import hits

    info = RuleInfo(
        rule_id,
        "warning",
        "submission",
        "stub",
        "stub",
        "stub",
        "stub",
        check=lambda ctx: hits(subs_of(ctx)),
    )
    monkeypatch.setitem(RULES, rule_id, info)


@pytest.fixture
def quiet_signals(monkeypatch):
    """G07's input rules, all silenced: each test switches on the ones it needs."""
    from perfxl.checks.grades import INFLATION_SIGNALS

    for rid in INFLATION_SIGNALS:
        _stub(monkeypatch, rid, lambda ctx: ctx.projects.iloc[0:0])
    return monkeypatch


def test_g07_two_signals_on_a_high_total(bench, quiet_signals) -> None:
    _stub(quiet_signals, "F08")
    _stub(quiet_signals, "I14")
    result = bench.check(bench.national(), only={"G07"})
    rows = assert_fires(result, "G07", cell="I54", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (2, 2)
    assert "（F08、I14）" in rows.iloc[0]["message"]


def test_g07_one_signal_is_not_enough(bench, quiet_signals) -> None:
    _stub(quiet_signals, "N01")
    result = bench.check(bench.national(), only={"G07"})
    assert_quiet(result, "G07")


def test_g07_quiet_below_the_total(bench, quiet_signals) -> None:
    _stub(quiet_signals, "F08")
    _stub(quiet_signals, "T09")
    s = bench.seed()
    s["tables"]["scoring"][10]["score"] = 1  # total 89
    result = bench.check(s, only={"G07"})
    assert_quiet(result, "G07")
    cfg = from_mapping({"grade_checks": {"inflated_min_total": 85}})
    result = bench.check(s, cfg=cfg, only={"G07"})
    assert_fires(result, "G07", cell="G23", count=1)


def test_g07_with_the_real_rules(bench) -> None:
    """Low execution (F08) and a full score on an unmet target (I02) on a 优 project."""
    if not all(RULES.get(r) and RULES[r].check for r in ("F08", "I02")):
        pytest.skip("funds/indicators families not registered")
    s = bench.national()
    s["tables"]["funds"][1]["executed"] = 255  # 85 %
    s["tables"]["indicators"][0]["actual"] = 1150  # target ≥1200, scored 20/20
    result = bench.check(s, only={"G07"})
    rows = assert_fires(result, "G07", cell="I54", count=1)
    assert "F08" in rows.iloc[0]["message"] and "I02" in rows.iloc[0]["message"]


def test_g03_unit_clash_is_not_an_unmet_target(bench) -> None:
    s = bench.national()
    s["tables"]["indicators"][1]["actual"] = "18个"  # target 100 %: not comparable (I06)
    result = bench.check(s, only={"G03"})
    assert_quiet(result, "G03")


def test_g07_on_the_seed(bench) -> None:
    """domain d: the seed has I14 and N01 and a total of 97 (T09 is skipped there, d.3 #22)."""
    if not all(RULES.get(r) and RULES[r].check for r in ("I14", "N01")):
        pytest.skip("indicators/narrative families not registered")
    result = bench.check(bench.seed(), only={"G07"})
    rows = assert_fires(result, "G07", cell="G23", count=1)
    assert "（I14、N01）" in rows.iloc[0]["message"]


# ------------------------------------------------------------------ G08 (on published layouts)


def _published(tmp_path, fixture: str, edit=None):
    import json
    from pathlib import Path

    from perfxl.run.check import check_files
    from synth.published import build_published

    path = Path(__file__).parent / "fixtures" / "published" / f"{fixture}.json"
    form = json.loads(path.read_text(encoding="utf-8"))
    if edit is not None:
        edit(form)
    return check_files([build_published(form, tmp_path / f"{fixture}.xlsx")])


def test_g08_total_overstated_by_a_full_execution_score(tmp_path) -> None:
    """880 of 900 spent, 执行率 scored the full 10: the 总分 100 should be 99.78."""
    report = _published(tmp_path, "own_16_jilin_yanbian_fangyi")
    rows = assert_fires(report, "G08", cell="G20", severity="warning", count=1)
    row = rows.iloc[0]
    assert (row["observed"], row["expected"]) == (100, 99.78)
    assert "执行率得分 9.78" in row["message"] and "应为 99.78" in row["message"]


def test_g08_quiet_when_the_unit_scored_itself_lower(tmp_path) -> None:
    """real_07 deducts more than proportional (I01): a total below the recomputed one is the
    unit's own caution, not a total to raise."""
    report = _published(tmp_path, "real_07_yunnan_yongde")
    assert "I01" in set(report.findings["rule"])
    assert_quiet(report, "G08")


def test_g08_quiet_when_only_a_band_guess_differs(tmp_path) -> None:
    """own_19: a late 完成时间 scored 6 where perfxl only knows the C band: no total from a guess."""
    report = _published(tmp_path, "own_19_guangxi_hechi_jiceng")
    assert "I10" in set(report.findings["rule"])
    assert_quiet(report, "G08")


def test_g08_leaves_a_wrong_sum_to_s03(tmp_path) -> None:
    def typo(form):
        form["total_score_reported"] = 98

    report = _published(tmp_path, "own_16_jilin_yanbian_fangyi", typo)
    assert "S03" in set(report.findings["rule"])
    assert_quiet(report, "G08")


# ------------------------------------------------------------------ G09 (cut-short forms)


def test_g09_every_listed_item_full_on_a_cut_form(tmp_path) -> None:
    """real_14 stops inside 项目效益: the 15 items it lists are all at their maximum (60 of 60)."""
    report = _published(tmp_path, "real_14_hainan_shangwuting")
    rows = assert_fires(report, "G09", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 60
    assert "已列出的 15 项评分（合计 60 分）均为满分" in rows.iloc[0]["message"]
    assert_quiet(report, "G05")  # no 总分 row: G05 does not judge it


def test_g09_quiet_when_a_listed_item_lost_points(tmp_path) -> None:
    def deduct(form):
        form["scoring_table"][7]["得分"] = 5  # 资金使用 7 → 5

    report = _published(tmp_path, "real_14_hainan_shangwuting", deduct)
    assert_quiet(report, "G09")


def test_g09_quiet_on_a_whole_form(tmp_path) -> None:
    report = _published(tmp_path, "own_11_guizhou_zunyi_shuiku")  # 总分 100: a whole form
    assert {"F02", "G08"} <= set(report.findings["rule"])  # its full marks are judged as such
    assert_quiet(report, "G09")
