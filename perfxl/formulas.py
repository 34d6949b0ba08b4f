"""A tiny evaluator for the template's own formulas, so generated workbooks carry cached values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from perfxl.spec import col_index, col_letters

# Cells are addressed as (sheet, "A1"); values are float, str or None (blank).
Value = float | str | None
CellMap = Mapping[tuple[str, str], object]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?)
   |(?P<str>"(?:[^"]|"")*")
   |(?P<ref>(?:'(?:[^']|'')+'!|[^\W\d][\w.]*!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
   |(?P<func>[A-Z][A-Z0-9.]*)\(
   |(?P<op><>|>=|<=|[-+*/&=<>(),])
    )""",
    re.VERBOSE,
)


class FormulaError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"cannot read formula at {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _num(v: Value) -> float:
    if v is None:
        return 0.0
    if isinstance(v, float | int):
        return float(v)
    raise FormulaError("#VALUE!")


def _split_ref(ref: str, sheet: str) -> tuple[str, str]:
    if "!" in ref:
        s, cell = ref.rsplit("!", 1)
        s = s[1:-1].replace("''", "'") if s.startswith("'") else s
        return s, cell.replace("$", "")
    return sheet, ref.replace("$", "")


def _range_cells(ref: str, sheet: str) -> list[tuple[str, str]]:
    s, body = _split_ref(ref, sheet)
    a, _, b = body.partition(":")
    if not b:
        return [(s, a)]
    ma, mb = re.match(r"([A-Z]+)(\d+)", a), re.match(r"([A-Z]+)(\d+)", b)
    assert ma and mb
    c1, c2 = col_index(ma.group(1)), col_index(mb.group(1))
    r1, r2 = int(ma.group(2)), int(mb.group(2))
    return [(s, f"{col_letters(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def evaluate(
    cells: CellMap, sheet: str, formula: str, is_formula: Callable[[object], str | None]
) -> Value:
    """Evaluate `formula` (with its leading '=') on sheet `sheet`.

    `cells` maps (sheet, A1) to a plain value or a formula object; `is_formula` returns the formula
    text of such an object or None. Formula cells are evaluated recursively with memoisation.
    """
    memo: dict[tuple[str, str], Value] = {}

    def cell_value(key: tuple[str, str]) -> Value:
        if key in memo:
            return memo[key]
        raw = cells.get(key)
        text = is_formula(raw)
        if text is not None:
            memo[key] = None  # guards against cycles
            memo[key] = run(text, key[0])
        else:
            memo[key] = raw if isinstance(raw, float | int | str) or raw is None else str(raw)
            if isinstance(memo[key], int):
                memo[key] = float(memo[key])  # type: ignore[arg-type]
        return memo[key]

    def run(text: str, sh: str) -> Value:
        toks = _tokens(text.lstrip("="))
        pos = 0

        def peek() -> tuple[str, str] | None:
            return toks[pos] if pos < len(toks) else None

        def take(value: str | None = None) -> tuple[str, str]:
            nonlocal pos
            tok = peek()
            if tok is None or (value is not None and tok[1] != value):
                raise FormulaError(f"expected {value!r} in {text!r}")
            pos += 1
            return tok

        def args() -> list[object]:
            out: list[object] = []
            if peek() == ("op", ")"):
                take(")")
                return out
            while True:
                out.append(expr_or_range())
                if peek() == ("op", ","):
                    take(",")
                    continue
                take(")")
                return out

        def expr_or_range() -> object:
            tok = peek()
            if tok and tok[0] == "ref" and ":" in tok[1]:
                take()
                return [cell_value(k) for k in _range_cells(tok[1], sh)]
            return comparison()

        def primary() -> Value:
            tok = take()
            kind, val = tok
            if kind == "num":
                return float(val)
            if kind == "str":
                return val[1:-1].replace('""', '"')
            if kind == "ref":
                return cell_value(_split_ref(val, sh))
            if kind == "func":
                return call(val, args())
            if val == "(":
                v = comparison()
                take(")")
                return v
            if val == "-":
                return -_num(primary())
            if val == "+":
                return primary()
            raise FormulaError(f"unexpected {val!r} in {text!r}")

        def term() -> Value:
            v = primary()
            while peek() in (("op", "*"), ("op", "/")):
                op = take()[1]
                r = _num(primary())
                if op == "*":
                    v = _num(v) * r
                else:
                    if r == 0:
                        raise FormulaError("#DIV/0!")
                    v = _num(v) / r
            return v

        def additive() -> Value:
            v = term()
            while peek() in (("op", "+"), ("op", "-")):
                op = take()[1]
                r = _num(term())
                v = _num(v) + r if op == "+" else _num(v) - r
            return v

        def concat() -> Value:
            v = additive()
            while peek() == ("op", "&"):
                take()
                r = additive()
                v = _text(v) + _text(r)
            return v

        def comparison() -> Value:
            v = concat()
            tok = peek()
            if tok and tok[1] in ("=", "<>", ">=", "<=", ">", "<"):
                op = take()[1]
                r = concat()
                return 1.0 if _compare(v, r, op) else 0.0
            return v

        result = comparison()
        if pos != len(toks):
            raise FormulaError(f"trailing tokens in {text!r}")
        return result

    def call(name: str, argv: list[object]) -> Value:
        flat = [x for a in argv for x in (a if isinstance(a, list) else [a])]
        if name == "SUM":
            return sum(float(x) for x in flat if isinstance(x, float | int))
        if name in ("MIN", "MAX"):
            nums = [float(x) for x in flat if isinstance(x, float | int)]
            if not nums:
                return 0.0
            return min(nums) if name == "MIN" else max(nums)
        if name == "N":
            x = argv[0]
            return float(x) if isinstance(x, float | int) else 0.0
        if name == "ISNUMBER":
            return 1.0 if isinstance(argv[0], float | int) else 0.0
        if name == "IF":
            cond = argv[0]
            truthy = bool(_num(cond)) if not isinstance(cond, str) else bool(cond)
            if truthy:
                return argv[1] if len(argv) > 1 else 1.0  # type: ignore[return-value]
            return argv[2] if len(argv) > 2 else 0.0  # type: ignore[return-value]
        if name == "AND":
            return 1.0 if all(_num(x) for x in flat) else 0.0
        if name == "OR":
            return 1.0 if any(_num(x) for x in flat) else 0.0
        if name == "ROUND":
            return round(_num(argv[0]), int(_num(argv[1])))  # type: ignore[arg-type]
        raise FormulaError(f"unsupported function {name}")

    return run(formula, sheet)


def _text(v: Value) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _compare(a: Value, b: Value, op: str) -> bool:
    if a is None:
        a = "" if isinstance(b, str) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else 0.0
    if isinstance(a, str) != isinstance(b, str):
        # Excel orders every number below every text
        a_key: tuple[int, object] = (1, a) if isinstance(a, str) else (0, a)
        b_key: tuple[int, object] = (1, b) if isinstance(b, str) else (0, b)
        ka, kb = a_key[0], b_key[0]
    else:
        ka, kb = a, b  # type: ignore[assignment]
    return {
        "=": ka == kb,
        "<>": ka != kb,
        ">=": ka >= kb,  # type: ignore[operator]
        "<=": ka <= kb,  # type: ignore[operator]
        ">": ka > kb,  # type: ignore[operator]
        "<": ka < kb,  # type: ignore[operator]
    }[op]
