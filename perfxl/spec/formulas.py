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


def _parse(text: str) -> tuple:
    """Formula text -> a small tree of tuples, so IF can evaluate only the branch it takes."""
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

    def args() -> list[tuple]:
        out: list[tuple] = []
        if peek() == ("op", ")"):
            take(")")
            return out
        while True:
            tok = peek()
            if tok and tok[0] == "ref" and ":" in tok[1]:
                take()
                out.append(("range", tok[1]))
            else:
                out.append(comparison())
            if peek() == ("op", ","):
                take(",")
                continue
            take(")")
            return out

    def primary() -> tuple:
        kind, val = take()
        if kind == "num":
            return ("const", float(val))
        if kind == "str":
            return ("const", val[1:-1].replace('""', '"'))
        if kind == "ref":
            return ("ref", val)
        if kind == "func":
            return ("call", val, args())
        if val == "(":
            node = comparison()
            take(")")
            return node
        if val == "-":
            return ("neg", primary())
        if val == "+":
            return primary()
        raise FormulaError(f"unexpected {val!r} in {text!r}")

    def binary(sub: Callable[[], tuple], ops: tuple[str, ...]) -> Callable[[], tuple]:
        def parse_level() -> tuple:
            node = sub()
            while (tok := peek()) is not None and tok[0] == "op" and tok[1] in ops:
                op = take()[1]
                node = ("bin", op, node, sub())
            return node

        return parse_level

    term = binary(primary, ("*", "/"))
    additive = binary(term, ("+", "-"))
    concat = binary(additive, ("&",))

    def comparison() -> tuple:
        node = concat()
        tok = peek()
        if tok and tok[0] == "op" and tok[1] in ("=", "<>", ">=", "<=", ">", "<"):
            op = take()[1]
            node = ("cmp", op, node, concat())
        return node

    tree = comparison()
    if pos != len(toks):
        raise FormulaError(f"trailing tokens in {text!r}")
    return tree


def evaluate(
    cells: CellMap, sheet: str, formula: str, is_formula: Callable[[object], str | None]
) -> Value:
    """Evaluate `formula` (with its leading '=') on sheet `sheet`.

    `cells` maps (sheet, A1) to a plain value or a formula object; `is_formula` returns the formula
    text of such an object or None. Formula cells are evaluated recursively with memoisation.
    """
    result = _Evaluator(cells, is_formula).ev(_parse(formula), sheet)
    if isinstance(result, list):
        raise FormulaError("a range is not a value")
    return result  # type: ignore[return-value]


class _Evaluator:
    """One evaluation: the cells, and the values of the formula cells met so far."""

    def __init__(self, cells: CellMap, is_formula: Callable[[object], str | None]) -> None:
        self.cells, self.is_formula = cells, is_formula
        self.memo: dict[tuple[str, str], Value] = {}

    def cell_value(self, key: tuple[str, str]) -> Value:
        memo = self.memo
        if key in memo:
            return memo[key]
        raw = self.cells.get(key)
        text = self.is_formula(raw)
        if text is not None:
            memo[key] = None  # guards against cycles
            try:
                memo[key] = self.ev(_parse(text), key[0])  # type: ignore[assignment]
            except FormulaError:
                memo[key] = None
        elif isinstance(raw, bool):
            memo[key] = 1.0 if raw else 0.0
        elif isinstance(raw, int | float):
            memo[key] = float(raw)
        elif raw is None or isinstance(raw, str):
            memo[key] = raw
        else:
            memo[key] = str(raw)
        return memo[key]

    def ev(self, node: tuple, sh: str) -> object:
        kind = node[0]
        if kind == "const":
            return node[1]
        if kind == "ref":
            return self.cell_value(_split_ref(node[1], sh))
        if kind == "range":
            return [self.cell_value(k) for k in _range_cells(node[1], sh)]
        if kind == "neg":
            return -_num(self.ev(node[1], sh))  # type: ignore[arg-type]
        if kind == "cmp":
            a, b = self.ev(node[2], sh), self.ev(node[3], sh)
            return 1.0 if _compare(a, b, node[1]) else 0.0  # type: ignore[arg-type]
        if kind == "bin":
            return _binary(node[1], self.ev(node[2], sh), self.ev(node[3], sh))
        if kind == "call":
            return self.call(node[1], node[2], sh)
        raise FormulaError(f"bad node {kind}")

    def call(self, name: str, argv: list[tuple], sh: str) -> Value:
        if name == "IF":  # only the branch taken is evaluated, as in Excel
            cond = self.ev(argv[0], sh)
            truthy = bool(cond) if isinstance(cond, str) else bool(_num(cond))  # type: ignore[arg-type]
            if truthy:
                return self.ev(argv[1], sh) if len(argv) > 1 else 1.0  # type: ignore[return-value]
            return self.ev(argv[2], sh) if len(argv) > 2 else 0.0  # type: ignore[return-value]
        return _function(name, [self.ev(a, sh) for a in argv])


def _binary(op: str, a: object, b: object) -> object:
    if op == "&":
        return _text(a) + _text(b)  # type: ignore[arg-type]
    x, y = _num(a), _num(b)  # type: ignore[arg-type]
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        raise FormulaError("#DIV/0!")
    return x / y


def _function(name: str, values: list[object]) -> Value:
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    if name == "SUM":
        return sum(float(x) for x in flat if isinstance(x, float | int))
    if name in ("MIN", "MAX"):
        nums = [float(x) for x in flat if isinstance(x, float | int)]
        if not nums:
            return 0.0
        return min(nums) if name == "MIN" else max(nums)
    if name == "N":
        x = values[0]
        return float(x) if isinstance(x, float | int) else 0.0
    if name == "ISNUMBER":
        return 1.0 if isinstance(values[0], float | int) else 0.0
    if name == "AND":
        return 1.0 if all(_num(x) for x in flat) else 0.0  # type: ignore[arg-type]
    if name == "OR":
        return 1.0 if any(_num(x) for x in flat) else 0.0  # type: ignore[arg-type]
    if name == "ROUND":
        return round(_num(values[0]), int(_num(values[1])))  # type: ignore[arg-type]
    raise FormulaError(f"unsupported function {name}")


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
