from conftest import assert_fires, assert_quiet

from perfxl.checks.config import from_mapping

FUNDS = {f"F{i:02d}" for i in range(1, 14)}


def _real_hainan(s: dict) -> dict:
    """The seed with the funding of the real 服务贸易 form (real, published): 570 planned, 398.88 arrived,
    395.86 used, all 省财政."""
    s["tables"]["funds"] = [{}, {}, {"planned": 570, "arrived": 398.88, "used": 395.86}, {}, {}]
    return s


def _by_cell(rows) -> dict:
    return {r.cell: r for r in rows.itertuples()}


# ------------------------------------------------------------------ the clean cases and the seed


def test_clean_national_and_seed_raise_only_the_seed_expectations(bench) -> None:
    result = bench.check([bench.national(), bench.seed()], only=FUNDS)
    assert_quiet(result, "F01")
    assert_quiet(result, "F02")
    assert_quiet(result, "F03")
    assert_quiet(result, "F04")  # domain d: the seed's 588.06 used ≤ 589.5 arrived
    assert_quiet(result, "F05")  # national: 全年预算 300 ≠ 年初 280, explained in the 说明 column
    assert_quiet(result, "F07")
    assert_quiet(result, "F08")
    assert_quiet(result, "F09")
    assert_quiet(result, "F10")
    assert_quiet(result, "F11")
    assert_quiet(result, "F12")  # domain d.4 #32: the seed's 589.5 / 588.06 / 99.76% match
    # domain d.2 #12: 实际使用 588.06 with no source breakdown; 计划/到位 add up. The finding
    # points at 省财政, the source the seed's other measures use.
    rows = assert_fires(result, "F06", cell="D11", severity="warning", count=1)
    r = rows.iloc[0]
    assert (r["sheet"], r["observed"], r["expected"], r["stake"]) == (
        "项目基本信息",
        588.06,
        None,
        588.06,
    )
    assert r["message"] == (
        "实际使用情况合计 588.06 万元，各资金来源（已填 0 项）合计 0 万元，二者应相等。"
    )
    # domain d.2 #13: a 1.44 万元 balance explained only by "压缩了会议费"
    rows = assert_fires(result, "F13", cell="F14", severity="info", count=1)
    assert rows.iloc[0]["observed"] == 1.44
    assert rows.iloc[0]["message"] == (
        "结余 1.44 万元（实际到位资金 589.5 − 实际使用情况 588.06 万元），"
        "正文和说明中未见写明金额的结余原因。"
    )


def test_a_blank_funds_table_raises_no_funds_finding(bench) -> None:
    # blanks are S05's business; nothing can be recomputed, and nothing may crash
    s = bench.national()
    s["tables"]["funds"] = [{}, {}, {}, {}]
    s["fields"]["goal_actual"] = "全年支出280万元。"
    result = bench.check(s, only=FUNDS)
    assert result.findings.empty, result.findings["message"].tolist()


# ------------------------------------------------------------------ F01 – F02 rates and scores


def test_f01_fires_on_a_typed_total_rate(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][0]["rate"] = 0.95  # typed over the 执行率 formula
    result = bench.check(s, only={"F01"})
    rows = assert_fires(result, "F01", cell="H7", severity="error", count=1)
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (95, 98.2, 9.6)
    assert r["message"] == "年度资金总额执行率填报为 95%，按 294.6 ÷ 300 万元复核应为 98.2%。"


def test_f01_checks_every_source_row_and_the_hainan_rates(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["rate"] = "90%"
    ok = bench.national()
    ok["tables"]["funds"][0]["rate"] = 0.9824  # 98.24 vs 98.2: inside 0.05 pp
    h = bench.seed()
    h["fields"]["exec_rate"] = 0.99
    h["fields"]["arrival_rate"] = 0.98
    result = bench.check([s, ok, h], only={"F01"})
    rows = assert_fires(result, "F01", severity="error", count=3)
    got = {(r.cell, r.observed, r.expected) for r in rows.itertuples()}
    assert got == {("H8", 90, 98.2), ("D14", 99, 99.76), ("B14", 98, 100)}
    assert "资金到位率填报为 98%，按 589.5 ÷ 589.5 万元复核应为 100%。" in set(rows["message"])


def test_f02_fires_on_a_typed_score(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][0]["score"] = 10
    result = bench.check(s, only={"F02"})
    rows = assert_fires(result, "F02", cell="I7", severity="error", count=1)
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (10, 9.82, 0.18)
    assert r["message"] == (
        "预算执行率得分填报 10 分，按分值 10 × 执行率 98.2%（最高为分值）应为 9.82 分。"
    )


# ------------------------------------------------------------------ F03 – F05, F09 row pairs


def test_f03_points_at_the_row_that_overspent(bench) -> None:
    src = bench.national()
    src["tables"]["funds"][1]["executed"] = 310  # the total follows: only the source row counts
    total = bench.national()
    total["tables"]["funds"][0]["executed"] = 305  # typed over the 年度资金总额 formula
    result = bench.check([src, total], only={"F03"})
    rows = assert_fires(result, "F03", severity="warning", count=2)
    cells = _by_cell(rows)
    assert set(cells) == {"F8", "F7"}
    assert (cells["F8"].observed, cells["F8"].expected, cells["F8"].stake) == (310, 300, 10)
    assert cells["F8"].message == (
        "当年财政拨款全年执行数 310 万元超过全年预算数 300 万元（超出 10 万元）。"
    )
    assert (cells["F7"].observed, cells["F7"].expected) == (305, 300)


def test_f04_fires_when_more_is_used_than_arrived(bench) -> None:
    s = bench.seed()
    s["tables"]["funds"][0] = {}  # the 合计 row sums its sources again
    s["tables"]["funds"][2]["used"] = 600
    result = bench.check(s, only={"F04"})
    rows = assert_fires(result, "F04", cell="D11", severity="error", count=1)
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (600, 589.5, 10.5)
    assert r["message"] == "省财政实际使用 600 万元超过实际到位 589.5 万元（超出 10.5 万元）。"


def test_f05_warns_when_more_arrived_than_planned(bench) -> None:
    s = bench.seed()
    s["tables"]["funds"][2]["arrived"] = 600
    result = bench.check(s, only={"F05"})
    rows = assert_fires(result, "F05", cell="C11", severity="warning", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["expected"]) == (600, 589.5)


def test_f05_info_on_an_unexplained_budget_adjustment(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1].pop("note")
    explained = bench.national()
    explained["tables"]["funds"][1].pop("note")
    explained["fields"]["problems"] = "年中根据学生人数增加追加预算，已按程序报批。"
    result = bench.check([s, explained], only={"F05"})
    rows = assert_fires(result, "F05", cell="E7", severity="info", count=1)
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (300, 280, 20)
    assert r["message"] == (
        "年度资金总额全年预算数 300 万元与年初预算数 280 万元相差 20 万元，须核实并在说明中写明原因。"
    )


def test_f05_quiet_when_the_rise_is_the_carry_over_printed_below(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1] = {"initial_budget": 280.0, "annual_budget": 280.0, "executed": 275}
    s["tables"]["funds"][2] = {"initial_budget": None, "annual_budget": 20.0, "executed": 19.6}
    result = bench.check(s, only={"F05"})  # 300 − 280 = the 上年结转资金 20: nothing to explain
    assert_quiet(result, "F05")


def test_f05_quiet_when_the_adjustment_is_explained_in_the_problems_field(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["note"] = "无"  # a placeholder note explains nothing …
    s["fields"]["problems"] = "全年预算数含年中调增的20万元。"  # … but this does
    result = bench.check(s, only={"F05"})
    assert_quiet(result, "F05")


def test_f09_fires_on_spending_without_budget(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][2] = {"initial_budget": 0, "annual_budget": 0, "executed": 10}
    s["tables"]["funds"][3] = {"executed": 2}  # 其他资金: budget left blank
    h = bench.seed()
    h["tables"]["funds"][2]["arrived"] = None  # nothing arrived, 588.06 used
    result = bench.check([s, h], only={"F09", "F03", "F04"})
    rows = assert_fires(result, "F09", severity="error", count=3)
    assert {(r.cell, r.observed) for r in rows.itertuples()} == {
        ("E9", 10),
        ("E10", 2),
        ("C9", 588.06),
    }
    assert "上年结转资金全年执行数 10 万元，但全年预算数为 0 或空白，无法计算执行率。" in set(
        rows["message"]
    )
    # the over-spent total and used > arrived repeat the same slip: F09 alone reports it
    assert_quiet(result, "F03")
    assert_quiet(result, "F04")


# ------------------------------------------------------------------ F06 – F07 amounts


def test_f06_error_when_the_total_is_typed_over(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][0]["annual_budget"] = 310
    result = bench.check(s, only={"F06"})
    rows = assert_fires(result, "F06", cell="E7", severity="error", count=1)
    r = rows.iloc[0]
    assert (r["observed"], r["expected"], r["stake"]) == (310, 300, 10)
    assert r["message"] == (
        "全年预算数合计 310 万元，各资金来源（已填 3 项）合计 300 万元，二者应相等。"
    )


def test_f06_error_on_a_zero_total_row_over_filled_sources(bench) -> None:
    # a real Anhui form: 年度资金总额 0/0/0 while 本年财政拨款 is 90/89.974/89.974
    s = bench.national()
    s["tables"]["funds"] = [
        {"initial_budget": 0, "annual_budget": 0, "executed": 0},
        {"initial_budget": 90, "annual_budget": 90, "executed": 89.974},
        {},
        {},
    ]
    result = bench.check(s, only={"F06"})
    rows = assert_fires(result, "F06", severity="error", count=3)
    assert {(r.cell, r.observed, r.expected) for r in rows.itertuples()} == {
        ("D7", 0, 90),
        ("E7", 0, 90),
        ("F7", 0, 89.974),
    }


def test_f06_quiet_when_sources_add_up(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][0]["executed"] = 294.605  # typed, but within 1e-4 relative
    result = bench.check(s, only={"F06"})
    assert_quiet(result, "F06")


def test_f07_flags_amounts_typed_in_yuan(bench) -> None:
    across = bench.national()
    across["tables"]["funds"][1]["executed"] = 2946000  # 294.6 万元 typed in 元
    within = bench.national()
    # 其他资金 typed in 元 (280 万元 → 2,800,000) in the budget columns only
    within["tables"]["funds"][3] = {"initial_budget": 2800000, "annual_budget": 2800000}
    result = bench.check([across, within], only={"F07"})
    rows = assert_fires(result, "F07", severity="warning", count=3)
    cells = _by_cell(rows)
    assert set(cells) == {"F8", "D10", "E10"}  # the inflated totals are not repeated
    assert (cells["F8"].observed, cells["F8"].expected) == (2946000, 294.6)
    assert cells["F8"].message == (
        "全年执行数（当年财政拨款） 2946000 万元，是全年预算数（当年财政拨款） 300 万元的 9820 倍，"
        "疑似按“元”填写（按元计为 294.6 万元）。"
    )
    assert "是年初预算数（当年财政拨款） 280 万元的 10000 倍" in cells["D10"].message


def test_f07_flags_amounts_over_the_project_ceiling(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1] = {"initial_budget": 2e6, "annual_budget": 2e6, "executed": 2e6}
    result = bench.check(s, only={"F07"})
    rows = assert_fires(result, "F07", severity="warning", count=3)
    assert set(rows["cell"]) == {"D8", "E8", "F8"}  # the totals only repeat the source row
    assert "是单个项目上限 1000000 万元的 2 倍" in rows.iloc[0]["message"]
    # the ratio window and the ceiling are configuration
    cfg = from_mapping({"funds": {"max_project_wan": 5e6}})
    result = bench.check(s, cfg=cfg, only={"F07"})
    assert_quiet(result, "F07")


# ------------------------------------------------------------------ F08, F10, F11 rates vs scores


def test_f08_warns_on_a_low_rate_in_both_profiles(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["executed"] = 250
    h = bench.seed()
    h["tables"]["funds"][0]["used"] = 500
    at_line = bench.national()
    at_line["tables"]["funds"][1]["executed"] = 270  # exactly 90 %
    result = bench.check([s, h, at_line], only={"F08"})
    rows = assert_fires(result, "F08", severity="warning", count=2)
    cells = _by_cell(rows)
    assert (cells["H7"].observed, cells["H7"].stake) == (83.33, 50)
    assert (cells["D14"].observed, cells["D14"].stake) == (84.82, 89.5)
    assert cells["H7"].message == "预算执行率 83.33%，未达 90%（未执行 50 万元），需说明原因。"


def test_f08_line_is_configuration(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["executed"] = 250
    result = bench.check(s, cfg=from_mapping({"execution": {"warn_below": 80}}), only={"F08"})
    assert_quiet(result, "F08")


def test_f10_fires_on_the_real_hainan_arrival_shortfall(bench) -> None:
    s = _real_hainan(bench.seed())
    reduced = _real_hainan(bench.seed())
    reduced["tables"]["scoring"][5]["score"] = 2  # 到位率 no longer full
    result = bench.check([s, reduced], only={"F10"})
    rows = assert_fires(result, "F10", cell="G8", severity="warning", count=1)
    r = rows.iloc[0]
    assert (r["sheet"], r["observed"], r["expected"], r["stake"]) == (
        "绩效评价指标评分",
        3,
        "< 3",
        171.12,
    )
    assert r["message"] == (
        "资金到位率 69.98%（到位 398.88 ÷ 计划 570 万元），但“到位率”得满分 3/3，应低于 3 分。"
    )


def test_f11_fires_in_both_profiles(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["executed"] = 250
    s["tables"]["funds"][0]["score"] = 10
    reduced = bench.national()
    reduced["tables"]["funds"][1]["executed"] = 250  # 83 %, the formula scores 8.33: not full
    h = _real_hainan(bench.seed())
    result = bench.check([s, reduced, h], only={"F11"})
    rows = assert_fires(result, "F11", severity="warning", count=2)
    got = {(r.cell, r.observed, r.expected) for r in rows.itertuples()}
    assert got == {("I7", 10, "< 10"), ("G10", 7, "< 7")}
    # the real 服务贸易 form: 395.86 used of 570 planned (69.45 %), 99.24 % of what arrived, scored 7/7
    assert _by_cell(rows)["G10"].message == (
        "执行率 69.45%（实际使用 ÷ 计划投资额）低于 90%，但“资金使用”得满分 7/7，应低于 7 分。"
    )


def test_f11_quiet_when_the_rate_is_high(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][0]["score"] = 10  # wrong (F02) but the rate is 98.2 %
    result = bench.check(s, only={"F11"})
    assert_quiet(result, "F11")


# ------------------------------------------------------------------ F12 – F13 narrative


def test_f12_fires_on_a_narrative_amount_off_the_table(bench) -> None:
    h = bench.seed()
    h["tables"]["narrative"][4]["text"] = (
        "2018年信息系统运行维护项目预算资金为589.5万元，总支出600万元，全年完成指标99.76%。"
    )
    result = bench.check(h, only={"F12"})
    rows = assert_fires(result, "F12", cell="C7", severity="warning", count=1)
    r = rows.iloc[0]
    assert (r["sheet"], r["observed"], r["expected"], r["stake"]) == (
        "评价报告",
        600,
        588.06,
        11.94,
    )
    assert r["message"] == (
        "正文“总支出600万元”写 600万元，与表格执行（使用）数 588.06万元 不一致（相差 11.94万元）。"
    )


def test_f12_fires_on_national_text_amounts_and_rates(bench) -> None:
    s = bench.national()
    s["fields"]["goal_actual"] = "全年支出280万元，预算执行率95%，为1210名学生提供营养午餐。"
    result = bench.check(s, only={"F12"})
    rows = assert_fires(result, "F12", cell="G12", severity="warning", count=2)
    got = {(r.observed, r.expected) for r in rows.itertuples()}
    assert got == {(280, 294.6), (95, 98.2)}


def test_f12_accepts_rounded_converted_and_unrelated_figures(bench) -> None:
    s = bench.national()
    s["fields"]["goal_actual"] = (
        "全年预算300万元，执行2946000元，执行率约98%，结余5.4万元，年中追加20万元；"
        "项目累计投入资金1500万元，生均补助标准5元。"
    )
    result = bench.check(s, only={"F12"})
    assert_quiet(result, "F12")


def test_f13_info_when_the_balance_is_not_explained(bench) -> None:
    s = bench.national()
    s["tables"]["funds"][1]["note"] = "年中追加20万元（临财教〔2024〕35号）。"
    s["tables"]["funds"][1]["executed"] = 285.0  # 15 of 300 left: 5 %, above the 90 % line
    result = bench.check(s, only={"F13"})
    rows = assert_fires(result, "F13", cell="F7", severity="info", count=1)
    assert (rows.iloc[0]["observed"], rows.iloc[0]["stake"]) == (15.0, 15.0)


def test_f13_quiet_on_a_small_balance_nobody_mentions_or_below_the_line(bench) -> None:
    s = bench.national()  # 5.4 of 300 left (1.8 %): not worth a line of its own
    s["tables"]["funds"][1]["note"] = "年中追加20万元（临财教〔2024〕35号）。"
    assert_quiet(bench.check(s, only={"F13"}), "F13")
    s["tables"]["funds"][1]["executed"] = 240.0  # 80 %: F08 asks for the reason already
    result = bench.check(s, only={"F13"})
    assert_quiet(result, "F13")


def test_f13_quiet_when_the_balance_is_explained_with_an_amount(bench) -> None:
    h = bench.seed()
    h["tables"]["narrative"][12]["text"] = "结余1.44万元，系压缩会议费开支形成，已按规定收回。"
    result = bench.check(h, only={"F13"})
    assert_quiet(result, "F13")
