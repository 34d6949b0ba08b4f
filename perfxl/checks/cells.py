"""Cell values as the checks read them: numbers (text, marks and blanks as NaN) and text (blanks as "")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_numbers(s: pd.Series | None) -> pd.Series:
    """The numbers of a column; what is not a number (text, "—", a blank) is NaN."""
    return pd.to_numeric(s, errors="coerce")


def as_floats(values: Any) -> np.ndarray:
    """`as_numbers` of a column or an array, as a float array for numpy masks and arithmetic."""
    return np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float)


def as_text(s: pd.Series) -> pd.Series:
    """Text with blanks as "" (NaN/None never leak into string operations)."""
    return s.where(s.notna(), "").astype(str)
