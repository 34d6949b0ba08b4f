from conftest import assert_fires, assert_quiet


def test_g01_fires_when_the_grade_is_typed_over(bench) -> None:
    s = bench.national()
    s["fields"]["grade_reported"] = "良"  # the unit typed over the 自评等次 formula
    result = bench.check(s, only={"G01"})
    rows = assert_fires(result, "G01", cell="H55", severity="error", count=1)
    assert rows.iloc[0]["expected"] == "优"
    assert "应为“优”" in rows.iloc[0]["message"]


def test_g01_quiet_on_a_consistent_grade(bench) -> None:
    assert_quiet(bench.check(bench.national(), only={"G01"}), "G01")


def test_g01_quiet_on_the_seed(bench) -> None:
    assert_quiet(bench.check(bench.seed(), only={"G01"}), "G01")
