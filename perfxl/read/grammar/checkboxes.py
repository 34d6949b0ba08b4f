"""Check boxes: whether one cell is ticked and which options a line of boxes ticks."""

from __future__ import annotations

import re
from collections.abc import Sequence

from perfxl.read.grammar.text import _WS_RE, _compact, _raw, normalize, typo_fix

# þ is the Wingdings tick and R the Wingdings 2 tick; £ and ¨ (NFKC: space + U+0308) are their boxes.
_TICKS = frozenset("☑✓✔√■▇☒þ")
_UNTICKS = frozenset("□☐£\u0308")
_PAREN_TICK_RE = re.compile(r"[(\[]\s*[√✓✔☑]\s*[)\]]")
_PAREN_EMPTY_RE = re.compile(r"[(\[]\s*[)\]]")


def _box_text(x: object) -> str:
    s = normalize(x)
    s = _PAREN_TICK_RE.sub("☑", s)
    s = _PAREN_EMPTY_RE.sub("□", s)
    return _WS_RE.sub("", s)


def is_ticked(x: object) -> bool | None:
    """True for a tick mark, False for an empty box, None for anything else."""
    if isinstance(x, bool):
        return x
    raw = _raw(x).strip()
    if raw in ("R", "þ"):
        return True
    if raw in ("£", "¨"):
        return False
    s = _box_text(x)
    if len(s) == 1:
        if s in _TICKS:
            return True
        if s in _UNTICKS:
            return False
    return None


def parse_checkbox_group(x: object, options: Sequence[str]) -> list[str]:
    """Options ticked in one line of boxes; marks may precede or follow the option names."""
    text, _ = typo_fix(_box_text(x))
    wanted = [(o, _compact(o)) for o in options if _compact(o)]
    if not text or not wanted:
        return []
    taken = [False] * len(text)
    hits: list[tuple[int, int, str]] = []
    # Longest first, so "项目单位" inside "项目单位评价组" is not taken for a separate option.
    for option, key in sorted(wanted, key=lambda p: -len(p[1])):
        start = text.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                hits.append((start, end, option))
            start = text.find(key, start + 1)
    if not hits:
        return []
    marks = _TICKS | _UNTICKS
    chosen: set[str] = set()
    if not any(c in marks for c in text):
        # no boxes at all: a dropdown or typed value names the choice itself
        chosen = {h[2] for h in hits}
    else:
        hits.sort()
        first_start = hits[0][0]
        before_first = text[first_start - 1] if first_start else ""
        marks_precede = before_first in marks or before_first == "R"
        for start, end, option in hits:
            if marks_precede:
                c = text[start - 1] if start else ""
                ticked = c in _TICKS or c == "R"
            else:
                ticked = end < len(text) and text[end] in _TICKS
            if ticked:
                chosen.add(option)
    result: list[str] = []
    for option, _key in wanted:
        if option in chosen and option not in result:
            result.append(option)
    return result
