"""A restricted expression grammar: user text becomes sympy without ``eval``.

Grammar (recursive descent, precedence low to high)::

    relation := expr [("==" | "<=" | "<" | ">=" | ">") expr]
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := ("+" | "-") unary | power
    power    := atom ["**" unary]            (right associative, like Python)
    atom     := NUMBER | NAME | NAME "'"* "(" args ")" | "(" expr ")" | "|" expr "|"

NUMBER is a decimal literal (``1``, ``0.1``, ``2.5e-3``) read *exactly* as a
rational. NAME is a variable the caller allows, a constant (``pi``, ``E``), or a
function of the whitelist (or one the caller adds, e.g. an activation and its
derivatives written ``sigmoid'(z)``). Everything else is a :class:`GrammarError`
naming what is valid. Python's ``eval`` and ``sympify`` are never called on the
text (DESIGN.md §2).
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Callable, Mapping

import sympy as sp

from proofs.errors import GrammarError

__all__ = ["parse_expression", "parse_relation", "BASE_FUNCTIONS", "CONSTANTS", "MAX_LENGTH"]

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_INT_EXPONENT = 64

_z = sp.Dummy("z")


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


BASE_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
    "sin": sp.sin, "cos": sp.cos, "atan": sp.atan, "erf": sp.erf, "erfc": sp.erfc, "abs": sp.Abs,
    "sigmoid": _sigmoid, "softplus": lambda x: sp.log(1 + sp.exp(x)),
    "relu": lambda x: sp.Max(0, x), "max": sp.Max, "min": sp.Min, "sign": sp.sign,
    "heaviside": lambda x: sp.Heaviside(x, sp.Rational(1, 2)),
}
_ARITY = {"max": (2, 8), "min": (2, 8)}
CONSTANTS = {"pi": sp.pi, "E": sp.E}

#: ASCII digits only (``\d`` would read fullwidth or Arabic-Indic digits as numbers)
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*'*)"
    r"|(?P<op>\*\*|==|<=|>=|[-+*/(),<>|^]))", re.ASCII
)
#: a literal's decimal exponent is at most this in size (1e999999999 would build a billion-digit integer)
MAX_DECIMAL_EXPONENT = 1000
#: an exact number built by ``**`` of two numbers has at most this many bits in numerator and denominator
MAX_NUMBER_BITS = 20000
_RELATIONS = ("==", "<=", "<", ">=", ">")


def _tokenize(text: str):
    if not isinstance(text, str):
        raise GrammarError(f"expected an expression string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise GrammarError(f"expression of {len(text)} characters is longer than the limit of {MAX_LENGTH}")
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = text[pos:].lstrip()[:1]
            raise GrammarError(
                f"unexpected character {bad!r} at position {pos} in {text!r}; valid are numbers, names, "
                "+ - * / ** ( ) | | , and the comparisons == <= < >= >")
        kind = m.lastgroup
        val = m.group(kind)
        if val == "^":
            raise GrammarError(f"'^' is not a power operator here; write '**' (in {text!r})")
        out.append((kind, val, m.start(kind)))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text, variables, functions):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.variables = variables
        self.functions = functions
        self.depth = 0
        self.in_abs = 0
        #: every division, non-integer/negative power and function call as written, built on its own: sympy
        #: simplifies while building (exp(log(x)) is x, 1/x - 1/x is 0), which would hide where the text is
        #: undefined; the prover certifies definedness of these nodes too (see ``parse_relation``)
        self.partial = []

    # -- helpers -------------------------------------------------------
    def peek(self):
        return self.toks[self.i]

    def take(self, val=None):
        tok = self.toks[self.i]
        if val is not None and tok[1] != val:
            where = "end of input" if tok[0] == "end" else repr(tok[1])
            raise GrammarError(f"expected {val!r} at position {tok[2]} but found {where} in {self.text!r}")
        self.i += 1
        return tok

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise GrammarError(f"expression nested deeper than {MAX_DEPTH} levels")

    # -- grammar -------------------------------------------------------
    def relation(self):
        lhs = self.expr()
        tok = self.peek()
        if tok[1] in _RELATIONS:
            self.take()
            rhs = self.expr()
            if self.peek()[1] in _RELATIONS:
                raise GrammarError(f"chained comparisons are not supported in {self.text!r}; split them")
            return lhs, tok[1], rhs
        return lhs, None, None

    def expr(self):
        self.enter()
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            rhs = self.term()
            node = node + rhs if op == "+" else node - rhs
        self.depth -= 1
        return node

    def term(self):
        node = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            rhs = self.unary()
            if op == "*":
                node = node * rhs
            else:
                if rhs == 0:
                    raise GrammarError(f"division by zero in {self.text!r}")
                self.partial.append(sp.Pow(rhs, -1, evaluate=False))
                node = node / rhs
        return node

    def unary(self):
        self.enter()
        tok = self.peek()
        if tok[1] in ("+", "-"):
            self.take()
            v = self.unary()
            out = v if tok[1] == "+" else -v
        else:
            out = self.power()
        self.depth -= 1
        return out

    def power(self):
        base = self.atom()
        if self.peek()[1] == "**":
            self.take()
            expo = self.unary()
            if expo.is_Number and base.is_Number and abs(expo) > MAX_INT_EXPONENT:
                raise GrammarError(f"numeric exponent {expo} exceeds the limit of {MAX_INT_EXPONENT}")
            if expo.is_Number and abs(expo) > 10 * MAX_INT_EXPONENT:
                raise GrammarError(f"exponent {expo} exceeds the limit of {10 * MAX_INT_EXPONENT}")
            if expo.is_Integer and base.is_Rational:
                bits = max(int(base.p).bit_length(), int(base.q).bit_length()) * abs(int(expo))
                shown = str(base) if len(str(base)) <= 40 else f"{str(base)[:12]}...({len(str(base))} digits)"
                if bits > MAX_NUMBER_BITS:
                    raise GrammarError(f"the number {shown}**{expo} would have about {bits} bits, beyond the limit "
                                       f"of {MAX_NUMBER_BITS}; write the statement with smaller constants")
            out = sp.Pow(base, expo)
            if not (expo.is_Integer and expo >= 0):
                self.partial.append(sp.Pow(base, expo, evaluate=False))  # (-1)**(1/2) stays, not I
            return out
        return base

    def atom(self):
        kind, val, pos = self.peek()
        if kind == "num":
            self.take()
            mant, _, ex = val.lower().partition("e")
            if ex and abs(int(ex)) > MAX_DECIMAL_EXPONENT:
                raise GrammarError(f"number {val!r} at position {pos}: its exponent is beyond the limit of "
                                   f"+-{MAX_DECIMAL_EXPONENT}; valid are literals like 1e300")
            return sp.Rational(Fraction(val).numerator, Fraction(val).denominator)
        if val == "(":
            self.take()
            v = self.expr()
            self.take(")")
            return v
        if val == "|":
            self.take()
            self.in_abs += 1
            v = self.expr()
            self.in_abs -= 1
            self.take("|")
            return sp.Abs(v)
        if kind == "name":
            self.take()
            primes = len(val) - len(val.rstrip("'"))
            name = val.rstrip("'")
            if self.peek()[1] == "(":
                return self.call(name, primes, pos)
            if primes:
                raise GrammarError(f"{val!r} at position {pos}: a derivative needs an argument, e.g. {val}(z)")
            if name in self.variables:
                return self.variables[name]
            if name in CONSTANTS:
                return CONSTANTS[name]
            if name in self.functions:
                raise GrammarError(f"{name!r} is a function; call it, e.g. {name}(z)")
            allowed = sorted(self.variables) + sorted(CONSTANTS)
            raise GrammarError(f"unknown name {name!r} at position {pos}; valid names are {', '.join(allowed)}")
        where = "end of input" if kind == "end" else repr(val)
        raise GrammarError(f"expected a number, a name or '(' at position {pos} but found {where} in {self.text!r}")

    def call(self, name, primes, pos):
        if name not in self.functions:
            raise GrammarError(
                f"unknown function {name!r} at position {pos}; valid functions are {', '.join(sorted(self.functions))}")
        self.take("(")
        args = [self.expr()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        lo, hi = _ARITY.get(name, (1, 1))
        if not lo <= len(args) <= hi:
            raise GrammarError(f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} argument(s), got {len(args)}")
        fn = self.functions[name]
        if primes:
            if len(args) != 1:
                raise GrammarError(f"{name}{chr(39) * primes} needs exactly one argument")
            body = fn(_z)
            out = sp.diff(body, _z, primes).subs(_z, args[0])
        else:
            out = fn(*args)
        if name == "sqrt":
            self.partial.append(sp.Pow(args[0], sp.S.Half, evaluate=False))  # sqrt(-1) stays, not I
        elif isinstance(fn, type) and issubclass(fn, sp.Function):
            self.partial.append(fn(*args, evaluate=False))  # log(-2) stays, not log(2) + I*pi
        else:
            self.partial.append(out)
        return out


def _prepare(variables, functions):
    vars_ = {}
    for v in variables or ():
        sym = v if isinstance(v, sp.Symbol) else sp.Symbol(v, real=True)
        vars_[sym.name] = sym
    funcs = dict(BASE_FUNCTIONS)
    funcs.update(functions or {})
    clash = set(vars_) & (set(funcs) | set(CONSTANTS))
    if clash:
        raise GrammarError(f"variable names {sorted(clash)} clash with function or constant names")
    return vars_, funcs


def parse_expression(text: str, variables=("z",), functions: Mapping[str, Callable] | None = None) -> sp.Expr:
    """Parse ``text`` into a sympy expression over the allowed ``variables``.

    >>> parse_expression("1/(1 + exp(-z))")
    1/(1 + exp(-z))
    >>> parse_expression("0.1*z")
    z/10
    """
    vars_, funcs = _prepare(variables, functions)
    p = _Parser(text, vars_, funcs)
    lhs, op, _ = p.relation()
    if op is not None:
        raise GrammarError(f"expected an expression, got a comparison {op!r} in {text!r}")
    if p.peek()[0] != "end":
        raise GrammarError(f"unexpected {p.peek()[1]!r} at position {p.peek()[2]} in {text!r}")
    return lhs


def parse_relation(text: str, variables=("z",), functions: Mapping[str, Callable] | None = None,
                   partial: list | None = None):
    """Parse ``"LHS op RHS"``; returns ``(lhs, op, rhs)`` with op in == <= < >= >.

    ``partial``: a list that receives every division (as ``1/denominator``), every power with a negative or
    fractional exponent and every function call of the text, each built on its own (sympy's simplification
    while building can cancel them: ``1/x - 1/x`` parses as 0), so that a caller can certify that the
    statement as written is defined."""
    vars_, funcs = _prepare(variables, functions)
    p = _Parser(text, vars_, funcs)
    if partial is not None:
        p.partial = partial
    lhs, op, rhs = p.relation()
    if p.peek()[0] != "end":
        raise GrammarError(f"unexpected {p.peek()[1]!r} at position {p.peek()[2]} in {text!r}")
    if op is None:
        raise GrammarError(f"expected a comparison (one of {', '.join(_RELATIONS)}) in {text!r}")
    return lhs, op, rhs
