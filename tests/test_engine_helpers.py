"""Small helpers of the rule engine that many checks lean on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfxl.checks.engine import map_distinct


def test_map_distinct_calls_once_per_value_and_keeps_the_rows() -> None:
    calls: list[object] = []

    def fn(v: object) -> str:
        calls.append(v)
        return f"<{v}>"

    s = pd.Series(
        ["无", None, "无", np.nan, "/", "无"], index=[10, 11, 12, 13, 14, 15], dtype=object
    )
    got = map_distinct(s, fn)
    assert list(got) == ["<无>", "<None>", "<无>", "<None>", "</>", "<无>"]
    assert list(got.index) == [10, 11, 12, 13, 14, 15]
    assert sorted(map(str, calls)) == ["/", "None", "无"]  # blanks reach fn once, as None
    assert map_distinct(pd.Series([], dtype=object), fn).empty
