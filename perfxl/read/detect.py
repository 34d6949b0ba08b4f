"""Which profile a workbook that is not our template is: by the labels it carries."""

from __future__ import annotations

from perfxl.read.department import looks_departmental
from perfxl.read.grammar import label_key
from perfxl.read.grid import Book
from perfxl.read.profiles import HAINAN_MARKS, NATIONAL_MARKS


def detect_profile(book: Book) -> str | None:
    """Guess the profile of a foreign workbook from the labels it carries."""
    if looks_departmental(book):
        return "department2020"
    nat = hai = 0
    for g in book.grids:
        keys = {label_key(v) for v in g.labels().values()}
        nat += len(keys & NATIONAL_MARKS)
        hai += len(keys & HAINAN_MARKS)
    if nat >= 3 and nat >= hai:
        return "national2020"
    if hai >= 4:
        return "hainan2011"
    return None
