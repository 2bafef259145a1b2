"""Soundness tier of ``escset prove`` (issue #9, part 7): statements of known truth, never a wrong verdict.

Every line has a truth established by hand (the comment on the line is the proof note: why it holds, or the
counterexample, or the point where the statement is undefined) and one of three outcomes:

* ``"true"``      -- holds at every point of the domain that satisfies the assumptions, and is defined there;
* ``"false"``     -- both sides are defined at some point of the domain where the relation fails (``point``);
* ``"undefined"`` -- some side is undefined (pole, log of a number <= 0, square root or fractional power of a
  negative number, 0/0 of a removable singularity) at a point of the domain (``point``). The README promises
  that such a statement is never ``proved`` -- also when sympy folds the singularity away (``x/x`` -> ``1``,
  ``sqrt(x)**2`` -> ``x``, ``exp(log(x))`` -> ``x``): the statement is the text the user wrote.

Grammar semantics used here (those of :mod:`proofs.symbolic.grammar`): ``a**b`` is sympy's ``Pow``, i.e. the principal
branch, so ``x**(1/3)`` and ``x**(2/3)`` are *not real* for ``x < 0`` (undefined there), while ``(x**2)**(1/3)``
is real; ``heaviside(0) = 1/2``; ``sign(0) = 0``; ``cubic_step`` and its derivatives take, at a breakpoint, the
value of the piece sympy's ``Piecewise`` assigns to it (``cubic_step''(0) = 12``, the left piece).

What is asserted, per line (each line its own test id):

* no ``proved`` on a false or undefined line; no ``refuted`` on a true line;
* every ``refuted`` carries a witness that lies in the domain, satisfies the assumptions, and violates the
  statement when replayed by an evaluator of the grammar written here on mpmath (independent of escset) at
  twice the working digits (and again at four times, to tell an exact equality from rounding);
* ``inconclusive`` is allowed everywhere; what came back is recorded per line, printed at the end of the run
  and written to ``$TMPDIR/escset_prove_soundness_coverage.md``.

The table itself is checked independently of the code under test (``test_table_*``): the counterexample and
undefined points really are counterexamples / undefined, and dense sampling of every true line finds neither a
violation nor an undefined point. The default run uses a small budget per line; ``-m slow`` reruns every line
with a larger one.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import pytest

from proofs.result import Verdict

from _prove_outcome import prove_outcome  # tests/quality is on sys.path (tests/conftest.py)

DPS = 20                                         # working digits of the prover (its default)
BUDGET = {"max_boxes": 4000, "time_limit": 2.0, "dps": DPS}
SLOW_BUDGET = {"max_boxes": 40000, "time_limit": 30.0, "dps": DPS}
REPLAY_DPS = 2 * DPS                             # witnesses are replayed at twice the digits, then at 4x


# =====================================================================================================
# an independent evaluator of the statement grammar on mpmath (no escset code)
# =====================================================================================================
class Undefined(Exception):
    """The expression has no real value at this point."""


_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*'*)"
                    r"|(?P<op>\*\*|==|<=|>=|[-+*/(),<>|]))")
_RELS = ("==", "<=", "<", ">=", ">")


def _tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None and m.end() > pos, f"cannot tokenize {text!r} at {pos}"
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    out.append(("end", ""))
    return out


class _P:
    """Recursive descent parser to a small AST: ('num', Fraction) ('var', name) ('const', name)
    ('add'|'sub'|'mul'|'div'|'pow', a, b) ('neg', a) ('call', name, primes, [args])."""

    def __init__(self, text):
        self.t, self.i = _tokens(text), 0

    def peek(self):
        return self.t[self.i][1]

    def take(self, v=None):
        tok = self.t[self.i]
        assert v is None or tok[1] == v, (v, tok)
        self.i += 1
        return tok

    def relation(self):
        a = self.expr()
        if self.peek() in _RELS:
            op = self.take()[1]
            return a, op, self.expr()
        return a, None, None

    def expr(self):
        n = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            n = ("add" if op == "+" else "sub", n, self.term())
        return n

    def term(self):
        n = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            n = ("mul" if op == "*" else "div", n, self.unary())
        return n

    def unary(self):
        if self.peek() in ("+", "-"):
            op = self.take()[1]
            v = self.unary()
            return v if op == "+" else ("neg", v)
        return self.power()

    def power(self):
        b = self.atom()
        if self.peek() == "**":
            self.take()
            return ("pow", b, self.unary())
        return b

    def atom(self):
        kind, val = self.take()
        if kind == "num":
            return ("num", Fraction(val))
        if val == "(":
            v = self.expr()
            self.take(")")
            return v
        if val == "|":
            v = self.expr()
            self.take("|")
            return ("call", "abs", 0, [v])
        assert kind == "name", val
        name = val.rstrip("'")
        primes = len(val) - len(name)
        if self.peek() == "(":
            self.take("(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return ("call", name, primes, args)
        if name in ("pi", "E"):
            return ("const", name)
        return ("var", name)


def parse(text):
    p = _P(text)
    out = p.relation()
    assert p.peek() == "", f"trailing input in {text!r}"
    return out


def _sig(u):
    return 1 / (1 + mpmath.exp(-u))


def _cubic(u, k):
    h = mpmath.mpf(1) / 2
    if u <= -h:
        return mpmath.mpf(0)
    if u <= 0:
        return [4 * (u + h) ** 3, 12 * (u + h) ** 2, 24 * (u + h)][k]
    if u < h:
        return [1 - 4 * (h - u) ** 3, 12 * (h - u) ** 2, -24 * (h - u)][k]
    return mpmath.mpf(1 if k == 0 else 0)


def _erf_d(u, k):
    g = mpmath.exp(-u ** 2) / mpmath.sqrt(mpmath.pi)
    return [mpmath.erf(u), 2 * g, -4 * u * g, (8 * u ** 2 - 4) * g][k]


def _tanh_d(u, k):
    t = mpmath.tanh(u)
    return [t, 1 - t ** 2, -2 * t * (1 - t ** 2), -2 * (1 - t ** 2) * (1 - 3 * t ** 2)][k]


def _sig_d(u, k):
    s = _sig(u)
    return [s, s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s ** 2)][k]


#: zero test of the evaluator (poles, log 0, jumps of heaviside/sign): exact when replaying a witness of the
#: prover (rational points); a tiny tolerance only while checking the table itself, whose points may be
#: irrational (sqrt(2), pi), where a zero is never hit exactly in floating point
_ZTOL = [mpmath.mpf(0)]


class _zero_tol:
    def __init__(self, digits):
        self.digits = digits

    def __enter__(self):
        _ZTOL[0] = mpmath.mpf(10) ** -self.digits

    def __exit__(self, *exc):
        _ZTOL[0] = mpmath.mpf(0)


def _log(u):
    if u <= _ZTOL[0]:
        raise Undefined(f"log of {mpmath.nstr(u, 5)}")
    return mpmath.log(u)


def _sqrt(u):
    if u < 0:
        raise Undefined(f"sqrt of {mpmath.nstr(u, 5)}")
    return mpmath.sqrt(u)


_F1 = {  # name -> function of one argument, by number of primes
    ("exp", 0): mpmath.exp, ("log", 0): _log, ("sqrt", 0): _sqrt, ("sinh", 0): mpmath.sinh,
    ("cosh", 0): mpmath.cosh, ("sin", 0): mpmath.sin, ("cos", 0): mpmath.cos, ("atan", 0): mpmath.atan,
    ("erfc", 0): mpmath.erfc, ("abs", 0): abs, ("identity", 0): lambda u: u, ("square", 0): lambda u: u ** 2,
    ("softplus", 0): lambda u: mpmath.log1p(mpmath.exp(u)), ("softplus", 1): _sig,
    ("softplus", 2): lambda u: _sig_d(u, 1),
    ("relu", 0): lambda u: max(u, mpmath.mpf(0)),
    ("sign", 0): lambda u: mpmath.mpf((u > _ZTOL[0]) - (u < -_ZTOL[0])),
    ("heaviside", 0): lambda u: mpmath.mpf(1) if u > _ZTOL[0] else (mpmath.mpf(0) if u < -_ZTOL[0] else mpmath.mpf(1) / 2),
}
for _k in range(4):
    _F1[("sigmoid", _k)] = (lambda k: lambda u: _sig_d(u, k))(_k)
    _F1[("tanh", _k)] = (lambda k: lambda u: _tanh_d(u, k))(_k)
    _F1[("erf", _k)] = (lambda k: lambda u: _erf_d(u, k))(_k)
for _k in range(3):
    _F1[("cubic_step", _k)] = (lambda k: lambda u: _cubic(u, k))(_k)


def _pow(b, e):
    if mpmath.isint(e):
        if abs(b) <= _ZTOL[0] and e < 0:
            raise Undefined("0 to a negative power")
        return b ** int(e)
    if b < 0:
        raise Undefined(f"{mpmath.nstr(b, 5)} to the non-integer power {mpmath.nstr(e, 5)} (principal branch)")
    if b == 0:
        if e > 0:
            return mpmath.mpf(0)
        raise Undefined("0 to a non-positive power")
    return b ** e


def ev(node, env):
    """Value of the AST at the point ``env`` (name -> mpf) in the current mpmath precision."""
    k = node[0]
    if k == "num":
        return mpmath.mpf(node[1].numerator) / node[1].denominator
    if k == "var":
        return env[node[1]]
    if k == "const":
        return mpmath.pi if node[1] == "pi" else mpmath.e
    if k == "neg":
        return -ev(node[1], env)
    if k in ("add", "sub", "mul", "div", "pow"):
        a, b = ev(node[1], env), ev(node[2], env)
        if k == "add":
            return a + b
        if k == "sub":
            return a - b
        if k == "mul":
            return a * b
        if k == "div":
            if abs(b) <= _ZTOL[0]:
                raise Undefined("division by zero")
            return a / b
        return _pow(a, b)
    assert k == "call"
    _, name, primes, args = node
    vals = [ev(a, env) for a in args]
    if name in ("max", "min"):
        assert primes == 0
        return max(vals) if name == "max" else min(vals)
    assert len(vals) == 1 and (name, primes) in _F1, f"evaluator lacks {name}{chr(39) * primes}"
    return _F1[(name, primes)](vals[0])


def value(text, env_exact, dps):
    """Value of an expression text (constants only, or with ``env_exact`` name -> exact number string)."""
    node, op, _ = parse(text)
    assert op is None
    with mpmath.workdps(dps):
        return +ev(node, {n: _num(v) for n, v in (env_exact or {}).items()})


def _num(s):
    """An mpf from an exact witness coordinate: a fraction/decimal string, or a constant expression."""
    try:
        f = Fraction(str(s))
        return mpmath.mpf(f.numerator) / f.denominator
    except (ValueError, ZeroDivisionError):
        node, op, _ = parse(str(s))
        assert op is None
        return ev(node, {})


# -- the relation --------------------------------------------------------------------------------------
def slack(stmt, env):
    """(op, v, scale) at the point: ``v`` > 0 is a violation of ``<=``/``>=`` (>= 0 of ``<``/``>``), ``v`` is
    LHS - RHS for ``==``. Raises :class:`Undefined`."""
    lhs, op, rhs = parse(stmt)
    a, b = ev(lhs, env), ev(rhs, env)
    v = a - b if op in ("<=", "<", "==") else b - a
    return op, v, max(mpmath.mpf(1), abs(a), abs(b))


def violates(stmt, point, dps):
    """True when the statement fails at ``point`` (name -> exact string); raises :class:`Undefined` when a side
    is undefined there. Decided at ``dps`` digits where the slack is clearly away from 0, else at ``2 dps``;
    a slack within rounding of 0 at both precisions is an exact equality (a violation of ``<``, ``>`` only)."""
    for d in (dps, 2 * dps):
        with mpmath.workdps(d):
            env = {n: _num(s) for n, s in point.items()}
            op, v, scale = slack(stmt, env)
            tol = scale * mpmath.mpf(10) ** (-d + 5)
            if abs(v) > tol:
                return True if op == "==" else bool(v > 0)
    return op in ("<", ">")


# -- domains ---------------------------------------------------------------------------------------------
@dataclass
class Rng:
    name: str
    lo: object          # mpf-able text or None for -oo
    hi: object
    lo_open: bool
    hi_open: bool


def parse_range(text):
    text = text.strip()
    m = re.fullmatch(r"(\w+)\s+in\s+R", text)
    if m:
        return Rng(m.group(1), None, None, True, True)
    m = re.fullmatch(r"(\w+)\s+in\s+([\[(])\s*(.+?)\s*,\s*(.+?)\s*([\])])", text)
    if m:
        lo, hi = m.group(3), m.group(4)
        return Rng(m.group(1), None if lo == "-oo" else lo, None if hi == "oo" else hi,
                   m.group(2) == "(", m.group(5) == ")")
    m = re.fullmatch(r"(\w+)\s*(>=|>|<=|<)\s*(.+)", text)
    assert m, f"cannot parse range {text!r}"
    n, op, c = m.groups()
    if op in (">=", ">"):
        return Rng(n, c, None, op == ">", True)
    return Rng(n, None, c, True, op == "<")


def in_domain(point, over, assume, dps):
    """Whether ``point`` lies in the ranges and satisfies the assumptions (decided at ``dps`` digits)."""
    with mpmath.workdps(dps):
        env = {n: _num(s) for n, s in point.items()}
        tol = mpmath.mpf(10) ** (-dps + 5)
        for r in map(parse_range, over):
            x = env[r.name]
            if r.lo is not None:
                lo = value(r.lo, None, dps)
                if x < lo or (r.lo_open and x == lo):
                    return False
            if r.hi is not None:
                hi = value(r.hi, None, dps)
                if x > hi or (r.hi_open and x == hi):
                    return False
        for a in assume:
            lhs, op, rhs = parse(a)
            g = ev(lhs, env) - ev(rhs, env) if op in ("<=", "<") else ev(rhs, env) - ev(lhs, env)
            if g > tol or (op in ("<", ">") and g >= 0):
                return False
    return True


def variables_of(line):
    return [parse_range(o).name for o in line.over]


def replay_refutation(line, r):
    """Assertion messages (empty when the witness is a real counterexample)."""
    if r.witness is None:
        return ["refuted without a witness"]
    names = variables_of(line)
    missing = [n for n in names if n not in r.witness]
    if missing:
        return [f"witness {r.witness} lacks {missing}"]
    point = {n: str(r.witness[n]) for n in names}
    if not in_domain(point, line.over, line.assume, REPLAY_DPS):
        return [f"witness {point} is outside the domain {line.over} / assumptions {line.assume}"]
    try:
        if not violates(line.stmt, point, REPLAY_DPS):
            return [f"witness {point} does not violate {line.stmt!r} (replayed at {REPLAY_DPS} and "
                    f"{2 * REPLAY_DPS} digits)"]
    except Undefined as exc:
        return [f"witness {point}: the statement is undefined there ({exc}), which is not a violation"]
    return []


# =====================================================================================================
# the table
# =====================================================================================================
@dataclass
class Line:
    family: str
    stmt: str
    over: list
    assume: list
    truth: str                  # "true" | "false" | "undefined"
    point: dict | None = None   # counterexample (false) or undefined point (undefined)
    id: str = field(default="")
    saturates: bool = False     # true strict line whose slack underflows every precision (erf(1e30 x) < 1)


LINES: list[Line] = []


def L(family, stmt, over, truth, point=None, assume=(), saturates=False):
    assert truth in ("true", "false", "undefined")
    assert (point is None) == (truth == "true"), stmt
    over = [over] if isinstance(over, str) else list(over)
    LINES.append(Line(family, stmt, over, list(assume), truth, point, saturates=saturates))


R = "R"


def z(x):
    return {"z": str(x)}


def x(v):
    return {"x": str(v)}


def xy(a, b):
    return {"x": str(a), "y": str(b)}


def xyz(a, b, c):
    return {"x": str(a), "y": str(b), "z": str(c)}


# ---- poles and branch cuts of atan / log -----------------------------------------------------------------
F = "atan_log"
L(F, "atan(1/(z+1/2)) + atan(z+1/2) == pi/2", "z in R", "false", z(-1))       # w=z+1/2=-1/2<0: sum is -pi/2 (and undefined at -1/2)
L(F, "atan(z) + atan(1/z) == pi/2", "z in (0, oo)", "true")                   # derivative 1/(1+z^2) - 1/(1+z^2) = 0, value pi/2 at 1
L(F, "atan(z) + atan(1/z) == pi/2", "z in R", "false", z(-1))                 # -pi/4 - pi/4 = -pi/2 at z=-1
L(F, "atan(z) + atan(1/z) == -pi/2", "z in (-oo, 0)", "true")                 # odd: z<0 gives -(pi/2)
L(F, "atan(z) + atan(1/z) == pi/2", "z in [0, oo)", "undefined", z(0))        # 1/z at z=0; true on (0, oo)
L(F, "atan(z) + atan(1/z) == pi/2*sign(z)", "z in R", "undefined", z(0))     # true for z != 0, 1/0 at 0
L(F, "atan(1/(z-1)) + atan(z-1) == pi/2", "z in (1, oo)", "true")             # w=z-1>0, the (0,oo) identity
L(F, "atan(1/(z-1)) + atan(z-1) == pi/2", "z in [1, 2]", "undefined", z(1))  # pole at 1; true on (1, 2]
L(F, "atan(1/(z-1)) + atan(z-1) == pi/2", "z in [0, 2]", "false", z("1/2"))  # w=-1/2<0: -pi/2
L(F, "atan(1/z) < pi/2", "z in (0, oo)", "true")                              # atan < pi/2 on R
L(F, "atan(1/z) <= pi/2", "z in [-1, 1]", "undefined", z(0))                  # true off 0, pole at 0
L(F, "atan(1/z) < 2", "z in [-1, 1]", "undefined", z(0))                      # |atan| < pi/2 < 2 off 0
L(F, "atan(1/z) >= -pi/2", "z in R", "undefined", z(0))
L(F, "log(z) <= z - 1", "z in [0, oo)", "undefined", z(0))                    # log 0; true on (0, oo)
L(F, "log(z) <= z - 1", "z in (0, oo)", "true")                               # concavity, tangent at 1
L(F, "log(x**2) <= x**2 - 1", "x in [-1, 1]", "undefined", x(0))              # log 0 at x=0; t=x^2>0 elsewhere
L(F, "log(x**2) <= x**2 - 1", "x in [1/2, 2]", "true")                        # log t <= t-1, t=x^2
L(F, "log(1 + x) <= x", "x in [-1, 1]", "undefined", x(-1))                   # log 0 at -1
L(F, "log(1 + x) <= x", "x in (-1, 1]", "true")                               # log(1+x) <= x
L(F, "log(x - 1) <= x - 2", "x in (1, 3]", "true")                            # t=x-1>0
L(F, "log(x - 1) <= x - 2", "x in [0, 3]", "undefined", x("1/2"))             # log(-1/2)
L(F, "log(|x|) <= |x| - 1", "x in [-1, 1]", "undefined", x(0))                # log 0
L(F, "atan(x) <= x", "x in [0, oo)", "true")                                  # atan' = 1/(1+x^2) <= 1, atan 0 = 0
L(F, "atan(x) >= x - x**3/3", "x in [0, oo)", "true")                         # 1/(1+x^2) >= 1-x^2 ((1+x^2)(1-x^2)=1-x^4<=1)
L(F, "atan(x) <= x - x**3/3 + x**5/5", "x in [0, oo)", "true")                # 1/(1+x^2) <= 1-x^2+x^4 ((1+x^2)(...)=1+x^6)
L(F, "atan(x) <= x", "x in R", "false", x(-1))                                # -pi/4 > -1
L(F, "log(x)/(x - 1) <= 1", "x in (1, oo)", "true")                           # log x <= x - 1, divide by x-1 > 0
L(F, "log(x)/(x - 1) <= 1", "x in (0, 2]", "false", x("1/2"))                 # x<1 flips: log(1/2)/(-1/2) = 1.386
L(F, "log(x)/(x - 1) <= 1", "x in [1, 2]", "undefined", x(1))                 # 0/0 at 1; true on (1, 2]
L(F, "log(x)/(x - 1) >= 1", "x in (0, 1)", "true")                            # log x <= x-1 < 0, divide by x-1 < 0
L(F, "log(x)/(x - 1) > 0", "x in (0, 3]", "undefined", x(1))                  # positive off 1 (same sign), 0/0 at 1
L(F, "log(-1 - x**2) <= 0", "x in R", "undefined", x(0))                      # log(-1): argument <= -1 everywhere
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [0, 1/2]", "y in [0, 1/2]"], "true")   # addition formula, xy<=1/4<1
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [-1/2, 1/2]", "y in [-1/2, 1/2]"], "true")  # |xy|<1
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [0, 2]", "y in [0, 2]"], "false", xy(2, 2))  # 2.214 vs atan(-4/3)
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(1, 1))  # 1-xy=0 at (1,1)
L(F, "atan(x) - atan(x - 1) == atan(1/(1 - x + x**2))", "x in R", "true")     # a-b formula, ab = x^2-x >= -1/4 > -1
L(F, "atan((1 + x)/(1 - x)) - atan(x) == pi/4", "x in (-oo, 1)", "true")      # derivative 0, value pi/4 at 0
L(F, "atan((1 + x)/(1 - x)) - atan(x) == pi/4", "x in [0, 2]", "false", x(2))  # -3pi/4 for x>1 (and pole at 1)
L(F, "atan((1 + x)/(1 - x)) - atan(x) == -3*pi/4", "x in (1, oo)", "true")    # derivative 0, value at 2: atan(-3)-atan 2

# ---- saturating functions of poles ----------------------------------------------------------------------
F = "sat_pole"
L(F, "tanh(1/x) <= 1", "x in [-1, 1]", "undefined", x(0))                    # 1/0
L(F, "tanh(1/x) < 1", "x in (0, 1]", "true")                                  # tanh < 1 at every finite argument
L(F, "tanh(1/x) >= -1", "x in [-1, 1]", "undefined", x(0))
L(F, "|tanh(1/x)| <= 1", "x in R", "undefined", x(0))
L(F, "sigmoid(1/(x - 1)) <= 1", "x in [0, 2]", "undefined", x(1))
L(F, "sigmoid(1/(x - 1)) < 1", "x in [0, 2]", "undefined", x(1))
L(F, "sigmoid(1/(x - 1)) >= 0", "x in [0, 2]", "undefined", x(1))
L(F, "sigmoid(1/(x - 1)) <= 1/2", "x in [0, 1)", "true")                       # 1/(x-1) < 0
L(F, "sigmoid(1/(x - 1)) <= 1/2", "x in [0, 1]", "undefined", x(1))
L(F, "sigmoid(1/x) <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "erf(1/x) <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "erf(1/x) <= 1", "x in (0, 2]", "true")                                  # erf < 1
L(F, "erf(1/x) > 0", "x in (0, oo)", "true")                                  # erf(u) > 0 for u > 0
L(F, "erf(1/x) > 0", "x in [-1, 1]", "false", x(-1))                          # erf(-1) < 0 (and pole at 0)
L(F, "exp(-1/x**2) <= 1", "x in [-1, 1]", "undefined", x(0))                  # as written, 1/0 at 0
L(F, "exp(-1/x**2) <= 1", "x in (0, 1]", "true")
L(F, "exp(-1/x**2) < exp(-1)", "x in (0, 1)", "true")                         # x<1: -1/x^2 < -1
L(F, "exp(-1/x**2) < exp(-1)", "x in (0, 1]", "false", x(1))                  # equality at 1, strict sign
L(F, "sigmoid(1/x) + sigmoid(-1/x) == 1", "x in [-1, 1]", "undefined", x(0))  # identity off 0
L(F, "sigmoid(1/x) + sigmoid(-1/x) == 1", "x in (0, 1]", "true")              # s(u) + s(-u) = 1
L(F, "x*tanh(1/x) <= 1", "x in (0, 2]", "true")                               # tanh(u)/u <= 1, u = 1/x
L(F, "x*tanh(1/x) <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "erf(1/(x**2 - 1/4)) <= 1", "x in [0, 1]", "undefined", x("1/2"))
L(F, "tanh(1/sin(x)) <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "sigmoid(1/x) - heaviside(x) <= 1/2", "x in [-1, 1]", "undefined", x(0))  # 1/0 at 0
L(F, "tanh(1/(x - y)) <= 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy("1/2", "1/2"))
L(F, "tanh(1/(x - y)) < 1", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + 1/10 <= y"])  # x<y: finite
L(F, "sigmoid(x/y) <= 1", ["x in [-1, 1]", "y in [-1, 1]"], "undefined", xy(1, 0))
L(F, "sigmoid(x/y) < 1", ["x in [-1, 1]", "y in [1/2, 1]"], "true")
L(F, "tanh(1/x) + tanh(1/y) <= 2", ["x in [-1, 1]", "y in [1, 2]"], "undefined", xy(0, 1))

# ---- undefined regions ------------------------------------------------------------------------------------
F = "undef_region"
L(F, "sigmoid(sqrt(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))        # sqrt of a negative
L(F, "sigmoid(sqrt(x)) <= 1", "x in [0, 1]", "true")
L(F, "sqrt(x) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "sqrt(x) >= 0", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "sqrt(x) >= 0", "x in [0, oo)", "true")
L(F, "log(x) <= x", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "log(x) <= x", "x in (0, 1]", "true")                                    # log x <= x - 1 < x
L(F, "log(sin(x)) <= 0", "x in [1, 2]", "true")                               # sin in (0, 1]; = 0 at pi/2
L(F, "log(sin(x)) <= 0", "x in [-1, 1]", "undefined", x(0))
L(F, "log(cos(x)) <= 0", "x in [0, 2]", "undefined", x(2))                    # cos 2 = -0.416
L(F, "log(cos(x)) <= 0", "x in [-1, 1]", "true")                              # cos in [cos 1, 1]
L(F, "x**(1/3) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))                # principal branch: not real for x<0
L(F, "x**(1/3) <= 1", "x in [0, 1]", "true")
L(F, "x**(1/3) >= x", "x in [0, 1]", "true")                                  # t^3 <= t on [0, 1]
L(F, "x**(2/3) >= 0", "x in [-1, 1]", "undefined", x("-1/2"))                # principal branch again
L(F, "(x**2)**(1/3) >= 0", "x in [-1, 1]", "true")                            # base >= 0
L(F, "x**(-1/2) >= 1", "x in (0, 1]", "true")
L(F, "x**(-1/2) >= 1", "x in [0, 1]", "undefined", x(0))                      # 0 to a negative power
L(F, "log(log(x)) <= x", "x in (1, oo)", "true")                              # log log x <= log x - 1 < x
L(F, "log(log(x)) <= x", "x in (0, 3]", "undefined", x("1/2"))                # log(log 1/2) = log(negative)
L(F, "sqrt(1 - x**2) <= 1", "x in [-1, 1]", "true")
L(F, "sqrt(1 - x**2) <= 1", "x in [-2, 2]", "undefined", x("3/2"))
L(F, "sqrt(1 - x**2 - y**2) <= 1", ["x in [-1, 1]", "y in [-1, 1]"], "true", assume=["x**2 + y**2 <= 1"])
L(F, "sqrt(1 - x**2 - y**2) <= 1", ["x in [-1, 1]", "y in [-1, 1]"], "undefined", xy(1, 1))
L(F, "log(x*y) <= x*y - 1", ["x in (0, 1]", "y in (0, 1]"], "true")
L(F, "log(x*y) <= x*y - 1", ["x in [-1, 1]", "y in (0, 1]"], "undefined", xy("-1/2", "1/2"))
L(F, "log(x - y) <= x - y - 1", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["y < x"])
L(F, "log(x - y) <= x - y - 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy("1/2", "1/2"),
  assume=["y <= x"])                                                           # the diagonal is allowed: log 0
L(F, "sqrt(x - y) >= 0", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["y <= x"])
L(F, "sqrt(x - y) >= 0", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(0, 1))
L(F, "sqrt(x*y*z) <= (x + y + z)/3", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true")  # sqrt(p) <= p^(1/3) <= AM, p<=1
L(F, "sqrt(x*y*z) <= (x + y + z)/3", ["x in [-1, 1]", "y in [-1, 1]", "z in [-1, 1]"], "undefined",
  xyz(-1, 1, 1))

# ---- complex intermediate values --------------------------------------------------------------------------
F = "complex_mid"
L(F, "sqrt(x - 2) <= 1", "x in [0, 1]", "undefined", x("1/2"))               # x-2 < 0 everywhere
L(F, "sqrt(x - 2)**2 == x - 2", "x in [0, 1]", "undefined", x("1/2"))        # sympy folds to x-2, still undefined
L(F, "sqrt(x - 2)**2 + 2 >= x", "x in [0, 1]", "undefined", x("1/2"))
L(F, "log(-1 - x**2) == log(1 + x**2)", "x in R", "undefined", x(0))         # complex log differs by i*pi
L(F, "sqrt(-x**2) <= 0", "x in [-1, 1]", "undefined", x("1/2"))
L(F, "sqrt(-x**2) == 0", "x in R", "undefined", x(1))
L(F, "sqrt(x)*sqrt(x) == x", "x in [-1, 1]", "undefined", x("-1/2"))         # complex product is x; not real
L(F, "sqrt(x)**2 == x", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "sqrt(x)**2 == x", "x in [0, oo)", "true")
L(F, "sqrt(x**2 - 1) >= 0", "x in [-2, 2]", "undefined", x(0))
L(F, "sqrt(x**2 - 1) <= |x|", "x in [1, 3]", "true")                          # x^2 - 1 <= x^2
L(F, "sqrt(x**2 - 1) <= |x|", "x in [-3, -1]", "true")
L(F, "log(x**3) == 3*log(x)", "x in (0, 2]", "true")
L(F, "log(x**3) == 3*log(x)", "x in [-2, -1]", "undefined", x("-3/2"))        # x^3 < 0
L(F, "log(x**2) == 2*log(x)", "x in (0, 2]", "true")
L(F, "log(x**2) == 2*log(x)", "x in [-2, -1]", "undefined", x("-3/2"))        # LHS real, RHS not
L(F, "log(x**2) == 2*log(|x|)", "x in [-2, -1/2]", "true")
L(F, "log(x**2) == 2*log(|x|)", "x in [-1, 1]", "undefined", x(0))
L(F, "sqrt(x**2) == |x|", "x in R", "true")
L(F, "sqrt(x*y) == sqrt(x)*sqrt(y)", ["x in [-1, -1/2]", "y in [-1, -1/2]"], "undefined", xy("-3/4", "-3/4"))
L(F, "sqrt(x*y) == sqrt(x)*sqrt(y)", ["x in [0, 1]", "y in [0, 1]"], "true")
L(F, "sqrt(x)*sqrt(y) <= (x + y)/2", ["x in [0, 1]", "y in [0, 1]"], "true")  # AM-GM
L(F, "(x - 2)**(1/2) >= 0", "x in [0, 1]", "undefined", x("1/2"))
L(F, "atan(sqrt(x - 2)) <= pi/2", "x in [0, 1]", "undefined", x("1/2"))
L(F, "tanh(log(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "erf(sqrt(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "sigmoid(log(x)) == x/(1 + x)", "x in (0, oo)", "true")                  # 1/(1 + 1/x)
L(F, "sigmoid(log(x)) == x/(1 + x)", "x in [0, oo)", "undefined", x(0))       # log 0
L(F, "sigmoid(log(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))

# ---- removable singularities ------------------------------------------------------------------------------
F = "removable"
L(F, "sin(x)/x <= 1", "x in [-1, 1]", "undefined", x(0))                      # 0/0
L(F, "sin(x)/x <= 1", "x in (0, 1]", "true")                                  # sin x <= x
L(F, "sin(x)/x <= 1", "x in [-1, 0)", "true")                                 # even function
L(F, "(x**2 - 1)/(x - 1) == x + 1", "x in [0, 2]", "undefined", x(1))
L(F, "(x**2 - 1)/(x - 1) == x + 1", "x in (1, 2]", "true")
L(F, "(x**2 - 1)/(x - 1) <= 3", "x in [0, 2]", "undefined", x(1))            # = x+1 <= 3 off 1
L(F, "x/x == 1", "x in [-1, 1]", "undefined", x(0))                           # sympy folds x/x to 1
L(F, "x/x == 1", "x in (0, 1]", "true")
L(F, "x*(1/x) <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "x**2/x == x", "x in [-1, 1]", "undefined", x(0))                        # sympy folds to x
L(F, "log(x) - log(x) == 0", "x in [-1, 1]", "undefined", x("-1/2"))          # sympy folds to 0
L(F, "0*log(x) == 0", "x in [-1, 1]", "undefined", x(0))                      # sympy folds to 0
L(F, "(exp(x) - 1)/x >= 1", "x in [-1, 1]", "false", x(-1))                   # (1 - 1/e) = 0.632 at -1 (and 0/0 at 0)
L(F, "(exp(x) - 1)/x >= 1", "x in [0, 1]", "undefined", x(0))                 # e^x >= 1 + x on (0, 1]
L(F, "(exp(x) - 1)/x >= 1", "x in (0, 1]", "true")
L(F, "(1 - cos(x))/x**2 <= 1/2", "x in [-1, 1]", "undefined", x(0))
L(F, "(1 - cos(x))/x**2 <= 1/2", "x in (0, 2]", "true")                       # 1 - cos x <= x^2/2
L(F, "log(1 + x)/x <= 1", "x in (-1, 1]", "false", x("-1/2"))                 # x<0 flips: 1.386 at -1/2
L(F, "log(1 + x)/x <= 1", "x in [0, 1]", "undefined", x(0))
L(F, "log(1 + x)/x <= 1", "x in (0, 1]", "true")                              # log(1+x) <= x
L(F, "tanh(x)/x <= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "tanh(x)/x <= 1", "x in (0, 2]", "true")                                 # tanh x <= x for x >= 0
L(F, "sinh(x)/x >= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "sinh(x)/x >= 1", "x in (0, 1]", "true")                                 # sinh x >= x
L(F, "(x**3 - x)/(x**2 - 1) == x", "x in [-2, 2]", "undefined", x(1))
L(F, "(x**3 - x)/(x**2 - 1) == x", "x in [2, 3]", "true")
L(F, "x/sqrt(x**2) == sign(x)", "x in [-1, 1]", "undefined", x(0))
L(F, "x/sqrt(x**2) == sign(x)", "x in (0, 1]", "true")
L(F, "relu(x)/x == heaviside(x)", "x in [-1, 1]", "undefined", x(0))          # 0/0; H(0) = 1/2 anyway
L(F, "sin(x*y)/(x*y) <= 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(0, "1/2"))
L(F, "sin(x*y)/(x*y) <= 1", ["x in [1/2, 1]", "y in [1/2, 1]"], "true")
L(F, "(x - y)/(x - y) == 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy("1/3", "1/3"))

# ---- piecewise and kinks ----------------------------------------------------------------------------------
F = "piecewise"
L(F, "relu(x) >= x", "x in R", "true")
L(F, "relu(x) > x", "x in R", "false", x(0))                                  # equal for x >= 0
L(F, "relu(x) - relu(-x) == x", "x in R", "true")
L(F, "relu(x) + relu(-x) == |x|", "x in R", "true")
L(F, "|x| > x", "x in R", "false", x(1))
L(F, "max(x, 1 - x) >= 1/2", "x in R", "true")
L(F, "max(x, 1 - x) > 1/2", "x in R", "false", x("1/2"))
L(F, "max(x, 0) + min(x, 0) == x", "x in R", "true")
L(F, "min(x, 1 - x) <= 1/2", "x in R", "true")
L(F, "min(x, 1 - x) < 1/2", "x in R", "false", x("1/2"))
L(F, "heaviside(x) <= 1", "x in R", "true")
L(F, "heaviside(x) < 1", "x in R", "false", x(1))
L(F, "heaviside(x) + heaviside(-x) == 1", "x in R", "true")                   # 1/2 + 1/2 at 0
L(F, "heaviside(x) >= 1/2", "x in [-1, 1]", "false", x(-1))
L(F, "heaviside(x)*x == relu(x)", "x in R", "true")
L(F, "sign(x)*|x| == x", "x in R", "true")
L(F, "sign(x)**2 == 1", "x in R", "false", x(0))                              # sign(0) = 0
L(F, "|sign(x)| <= 1", "x in R", "true")
L(F, "cubic_step(z) <= 1", "z in R", "true")
L(F, "cubic_step(z) >= 0", "z in R", "true")
L(F, "cubic_step(z) < 1", "z in R", "false", z("1/2"))                        # = 1 for z >= 1/2
L(F, "cubic_step(z) > 0", "z in R", "false", z("-1/2"))                       # = 0 for z <= -1/2
L(F, "cubic_step(z) + cubic_step(-z) == 1", "z in R", "true")                 # point symmetry about (0, 1/2)
L(F, "cubic_step(z) <= 1/2 + 3*z", "z in [0, oo)", "true")                    # concave on [0,1/2], tangent at 0
L(F, "cubic_step(z) <= 1/2 + 3*z", "z in R", "false", z("-1/4"))             # 1/16 > -1/4
L(F, "cubic_step'(z) <= 3", "z in R", "true")
L(F, "cubic_step'(z) < 3", "z in R", "false", z(0))                           # 12 (1/2)^2 = 3 at 0
L(F, "cubic_step''(z) > -12", "z in R", "true")                               # -12 + 24 z > -12 on (0, 1/2); value 12 at 0
L(F, "relu(x - 1) + relu(1 - x) == |x - 1|", "x in R", "true")
L(F, "|x - 1| + |x + 1| >= 2", "x in R", "true")                              # triangle inequality
L(F, "|x - 1| + |x + 1| <= 2", "x in R", "false", x(2))                       # 1 + 3 = 4
L(F, "max(x, y) >= (x + y)/2", ["x in R", "y in R"], "true")
L(F, "max(x, y) > (x + y)/2", ["x in R", "y in R"], "false", xy(0, 0))
L(F, "min(x, y) <= sqrt(x*y)", ["x in [0, 1]", "y in [0, 1]"], "true")        # min <= geometric mean
L(F, "relu(x)*relu(-x) == 0", "x in R", "true")
L(F, "|x| - |y| <= |x - y|", ["x in R", "y in R"], "true")                    # reverse triangle
L(F, "|x + y| < |x| + |y|", ["x in R", "y in R"], "false", xy(1, 1))
L(F, "max(x, y, z) >= (x + y + z)/3", ["x in R", "y in R", "z in R"], "true")
L(F, "heaviside(x - y) + heaviside(y - x) == 1", ["x in R", "y in R"], "true")
L(F, "relu(sin(x)) <= 1", "x in R", "true")
L(F, "heaviside(x) == (sign(x) + 1)/2", "x in R", "true")                     # 1/2 = 1/2 at 0
L(F, "relu(x) == (x + |x|)/2", "x in R", "true")
L(F, "max(x, y) == (x + y + |x - y|)/2", ["x in R", "y in R"], "true")

# ---- saturation at infinity -------------------------------------------------------------------------------
F = "saturation"
L(F, "sigmoid(z) < 1", "z in R", "true")
L(F, "sigmoid(z) > 0", "z in R", "true")
L(F, "tanh(z) < 1", "z in R", "true")
L(F, "tanh(z) > -1", "z in R", "true")
L(F, "1 - exp(-z**2) < 1", "z in R", "true")
L(F, "exp(-z) > 0", "z in R", "true")
L(F, "exp(-z**2) > 0", "z in R", "true")
L(F, "erf(z) < 1", "z in R", "true")
L(F, "atan(z) < pi/2", "z in R", "true")
L(F, "atan(z) > -pi/2", "z in R", "true")
L(F, "softplus(z) > 0", "z in R", "true")
L(F, "softplus(z) > z", "z in R", "true")                                     # 1 + e^z > e^z
L(F, "tanh(z)**2 < 1", "z in R", "true")
L(F, "sigmoid(z) + sigmoid(-z) == 1", "z in R", "true")
L(F, "sigmoid(z) < 1 - 1e-10", "z in R", "false", z(30))                      # 1 - sigmoid(30) = 9.4e-14
L(F, "tanh(z) < 0.999999", "z in R", "false", z(10))                          # 1 - tanh 10 = 4.1e-9
L(F, "erf(z) < 0.9999", "z in R", "false", z(3))                              # erfc 3 = 2.2e-5
L(F, "exp(-z) > 1e-10", "z in R", "false", z(30))                             # e^-30 = 9.4e-14
L(F, "1 - exp(-z**2) < 0.999", "z in R", "false", z(3))                       # e^-9 = 1.2e-4
L(F, "sigmoid(z) > 1e-9", "z in R", "false", z(-30))
L(F, "atan(z) < 1.5707", "z in R", "false", z(100000))                        # pi/2 - 1e-5 = 1.570786
L(F, "softplus(z) - z >= 1e-20", "z in R", "false", z(50))                    # log(1 + e^-50) = 1.9e-22

# ---- near-tight constants, irrational maximisers, strict versus non-strict ---------------------------------
F = "near_tight"
L(F, "x*exp(-x) <= 1/E", "x in [0, oo)", "true")                             # max at 1
L(F, "x*exp(-x) <= 1/E", "x in R", "true")                                   # negative for x < 0
L(F, "x*exp(-x) <= 1/E - 1e-12", "x in [0, oo)", "false", x(1))
L(F, "x*exp(-x) < 1/E", "x in [0, oo)", "false", x(1))                       # equality at 1
L(F, "x*exp(-x) < 1/E", "x in [0, 1)", "true")                               # increasing on [0, 1), max excluded
L(F, "x*exp(-x) < 1/E", "x in [0, 1]", "false", x(1))
L(F, "x*exp(-x**2) <= 1/sqrt(2*E)", "x in R", "true")                         # max at 1/sqrt 2
L(F, "x*exp(-x**2) <= 1/sqrt(2*E) - 1e-12", "x in R", "false", x("0.7071067811865476"))
L(F, "x - x**3 <= 2/(3*sqrt(3))", "x in [0, 1]", "true")                     # max at 1/sqrt 3
L(F, "x - x**3 <= 2/(3*sqrt(3)) - 1e-12", "x in [0, 1]", "false", x("0.5773502691896258"))
L(F, "sin(x) + cos(x) <= sqrt(2)", "x in R", "true")                          # sqrt2 sin(x + pi/4)
L(F, "sin(x) + cos(x) <= sqrt(2) - 1e-12", "x in R", "false", x("0.7853981633974483"))
L(F, "sin(x) + cos(x) < sqrt(2)", "x in R", "false", x("pi/4"))               # equality at pi/4 only (irrational)
L(F, "sin(x)*cos(x) <= 1/2", "x in R", "true")                                # sin(2x)/2
L(F, "x*(1 - x) < 1/4", "x in [0, 1]", "false", x("1/2"))
L(F, "x*(1 - x) <= 1/4", "x in [0, 1]", "true")                               # 1/4 - x(1-x) = (x-1/2)^2
L(F, "log(x)/x <= 1/E", "x in (0, oo)", "true")                               # max at e
L(F, "log(x)/x <= 1/E - 1e-12", "x in (0, oo)", "false", x("2.718281828459045"))
L(F, "log(x)/x < 1/E", "x in (0, oo)", "false", x("E"))                       # equality at e only (irrational)
L(F, "x**2*exp(-x) <= 4/E**2", "x in [0, oo)", "true")                        # max at 2
L(F, "x**2*exp(-x) <= 4/E**2 - 1e-12", "x in [0, oo)", "false", x(2))
L(F, "sigmoid'(z) <= 1/4", "z in R", "true")
L(F, "sigmoid'(z) <= 1/4 - 1e-15", "z in R", "false", z(0))
L(F, "sigmoid''(z) <= 1/(6*sqrt(3))", "z in R", "true")                      # at log(2 - sqrt 3)
L(F, "sigmoid''(z) <= 1/(6*sqrt(3)) - 1e-12", "z in R", "false", z("-1.3169578969248166"))
L(F, "tanh''(z) <= 4/(3*sqrt(3))", "z in R", "true")                          # at -atanh(1/sqrt 3)
L(F, "tanh''(z) <= 4/(3*sqrt(3)) - 1e-12", "z in R", "false", z("-0.6584789484624084"))
L(F, "erf'(z) <= 2/sqrt(pi)", "z in R", "true")
L(F, "erf'(z) < 2/sqrt(pi)", "z in R", "false", z(0))
L(F, "erf''(z) <= 2*sqrt(2/(pi*E))", "z in R", "true")                        # at -1/sqrt 2
L(F, "erf''(z) <= 2*sqrt(2/(pi*E)) - 1e-12", "z in R", "false", z("-0.7071067811865476"))
L(F, "x*log(x) >= -1/E", "x in (0, oo)", "true")                              # min at 1/e
L(F, "x*log(x) >= -1/E + 1e-12", "x in (0, oo)", "false", x("0.36787944117144233"))
L(F, "x*log(x) > -1/E", "x in (0, oo)", "false", x("1/E"))                    # equality at 1/e only
L(F, "sqrt(x)*(1 - x) <= 2/(3*sqrt(3))", "x in [0, 1]", "true")              # max at 1/3
L(F, "sqrt(x)*(1 - x) <= 2/(3*sqrt(3)) - 1e-12", "x in [0, 1]", "false", x("1/3"))
L(F, "exp(-x)*sin(x) <= exp(-pi/4)/sqrt(2)", "x in [0, oo)", "true")          # max at pi/4, later humps smaller
L(F, "exp(-x)*sin(x) <= exp(-pi/4)/sqrt(2) - 1e-12", "x in [0, oo)", "false", x("0.7853981633974483"))
L(F, "exp(-x)*sin(x) <= exp(-pi/4)/sqrt(2)", "x in R", "false", x(-5))       # e^5 sin(-5) = 142
L(F, "1 - x**2 < 1", "x in [-1, 1]", "false", x(0))
L(F, "1 - x**2 <= 1", "x in [-1, 1]", "true")
L(F, "1 - x**2 < 1", "x in (0, 1]", "true")
L(F, "sin(x) < 1", "x in [0, 3]", "false", x("pi/2"))                         # sin(pi/2) = 1, irrational point
L(F, "sin(x) <= 1", "x in R", "true")
L(F, "4*x*(1 - x) < 1", "x in [0, 1/2)", "true")                              # 1 - 4x(1-x) = (2x-1)^2 > 0
L(F, "4*x*(1 - x) < 1", "x in [0, 1/2]", "false", x("1/2"))
L(F, "x**2 < 1", "x in (-1, 1)", "true")
L(F, "x**2 < 1", "x in [-1, 1]", "false", x(1))
L(F, "exp(-x**2) < 1", "x in (0, oo)", "true")
L(F, "exp(-x**2) < 1", "x in [0, oo)", "false", x(0))

# ---- two and three variables with constraints -------------------------------------------------------------
F = "multivar"
L(F, "x*y*(1 - x - y) <= 1/27", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y <= 1"])  # AM-GM at (1/3,1/3)
L(F, "x*y*(1 - x - y) < 1/27", ["x in [0, 1]", "y in [0, 1]"], "false", xy("1/3", "1/3"), assume=["x + y <= 1"])
L(F, "x*y*(1 - x - y) <= 1/27 - 1e-12", ["x in [0, 1]", "y in [0, 1]"], "false", xy("1/3", "1/3"),
  assume=["x + y <= 1"])
L(F, "x*y*z <= 1/27", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true", assume=["x + y + z <= 1"])
L(F, "x*y*z < 1/27", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "false", xyz("1/3", "1/3", "1/3"),
  assume=["x + y + z <= 1"])
L(F, "x*y <= 1/4", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y <= 1"])
L(F, "x*y < 1/4", ["x in [0, 1]", "y in [0, 1]"], "false", xy("1/2", "1/2"), assume=["x + y <= 1"])
L(F, "x*y <= 1/4", ["x in [-1, 1]", "y in [-1, 1]"], "false", xy(-1, -1), assume=["x + y <= 1"])  # xy = 1
L(F, "x**2 + y**2 >= 2*x*y", ["x in R", "y in R"], "true")                   # (x-y)^2 >= 0
L(F, "x**2 + y**2 > 2*x*y", ["x in R", "y in R"], "false", xy(1, 1))
L(F, "x + y >= 2*sqrt(x*y)", ["x in [0, oo)", "y in [0, oo)"], "true")
L(F, "x*y + y*z + z*x <= x**2 + y**2 + z**2", ["x in R", "y in R", "z in R"], "true")  # sum of squares of differences
L(F, "x*y*z <= 1", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true")
L(F, "x*y*z < 1", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "false", xyz(1, 1, 1))
L(F, "x**2 + y**2 <= 1", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y <= 1"])  # <= (x+y)^2
L(F, "x**2 + y**2 <= 1", ["x in [0, 1]", "y in [0, 1]"], "false", xy(1, 1))   # assumption dropped
L(F, "log(x + y) <= x + y - 1", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y >= 1/2"])
L(F, "log(x + y) <= x + y - 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(0, 0))
L(F, "x/y <= 1", ["x in [0, 1]", "y in (0, 1]"], "true", assume=["x <= y"])
L(F, "x/y <= 1", ["x in [0, 1]", "y in (0, 1]"], "false", xy(1, "1/2"))
L(F, "x/y <= 1", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(0, 0), assume=["x <= y"])  # 0/0 allowed
L(F, "sqrt(y - x**2) <= 1", ["x in [-1, 1]", "y in [0, 1]"], "true", assume=["x**2 <= y"])
L(F, "sqrt(y - x**2) <= 1", ["x in [-1, 1]", "y in [0, 1]"], "undefined", xy(1, 0))
L(F, "x*y*z <= (x + y + z)**3/27", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true")  # AM-GM
L(F, "atan(x) + atan(y) <= pi/2", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x*y <= 1"])  # y <= 1/x
L(F, "atan(x) + atan(y) < pi/2", ["x in [0, 1]", "y in [0, 1]"], "false", xy(1, 1), assume=["x*y <= 1"])
L(F, "x**2 + y**2 + z**2 >= 1/3", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true",
  assume=["x + y + z >= 1"])                                                   # QM-AM
L(F, "x**2 + y**2 + z**2 > 1/3", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "false",
  xyz("1/3", "1/3", "1/3"), assume=["x + y + z >= 1"])
L(F, "exp(x + y) >= 1 + x + y", ["x in R", "y in R"], "true")
L(F, "x*y <= 0.26", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y <= 1"])

# ---- identities true only on part of the domain -----------------------------------------------------------
F = "partial_identity"
L(F, "sqrt(x**2) == x", "x in R", "false", x(-1))
L(F, "sqrt(x**2) == x", "x in [0, oo)", "true")
L(F, "log(exp(x)) == x", "x in R", "true")
L(F, "exp(log(x)) == x", "x in [-1, 1]", "undefined", x("-1/2"))             # sympy folds to x; log(x<=0)
L(F, "exp(log(x)) == x", "x in (0, oo)", "true")
L(F, "|x| == x", "x in R", "false", x(-1))
L(F, "sign(x) == x/|x|", "x in [-1, 1]", "undefined", x(0))
L(F, "sign(x) == x/|x|", "x in (0, 1]", "true")
L(F, "atan(x) == pi/2 - atan(1/x)", "x in (0, oo)", "true")
L(F, "atan(x) == pi/2 - atan(1/x)", "x in (-oo, 0)", "false", x(-1))           # -pi/4 vs 3pi/4
L(F, "log(x*y) == log(x) + log(y)", ["x in (0, 1]", "y in (0, 1]"], "true")
L(F, "log(x*y) == log(x) + log(y)", ["x in [-1, -1/2]", "y in [-1, -1/2]"], "undefined", xy("-3/4", "-3/4"))
L(F, "exp(x)*exp(-x) == 1", "x in R", "true")
L(F, "sinh(x)**2 + 1 == cosh(x)**2", "x in R", "true")
L(F, "cosh(x) - sinh(x) == exp(-x)", "x in R", "true")
L(F, "sin(x)**2 + cos(x)**2 == 1", "x in R", "true")
L(F, "sqrt(1 - sin(x)**2) == cos(x)", "x in [-1, 1]", "true")                  # cos > 0 on [-1, 1]
L(F, "sqrt(1 - sin(x)**2) == cos(x)", "x in [0, 3]", "false", x(3))           # = |cos 3| = -cos 3
L(F, "atan(sinh(x)) == 2*atan(exp(x)) - pi/2", "x in R", "true")              # both the Gudermannian
L(F, "2*atan(x) == atan(2*x/(1 - x**2))", "x in (-1, 1)", "true")            # double angle, |x| < 1
L(F, "2*atan(x) == atan(2*x/(1 - x**2))", "x in [0, 2]", "false", x(2))       # 2.214 vs atan(-4/3)
L(F, "2*atan(x) == atan(2*x/(1 - x**2))", "x in [0, 1]", "undefined", x(1))   # pole at 1, true on [0, 1)
L(F, "log(sigmoid(z)) == -softplus(-z)", "z in R", "true")                     # -log(1 + e^-z)
L(F, "erf(x) + erfc(x) == 1", "x in R", "true")
L(F, "erf(-x) == -erf(x)", "x in R", "true")
L(F, "softplus(z) == log(1 + exp(z))", "z in R", "true")
L(F, "tanh(z) == 2*sigmoid(2*z) - 1", "z in R", "true")
L(F, "sigmoid'(z) == sigmoid(z)*(1 - sigmoid(z))", "z in R", "true")
L(F, "log(x**2) == 2*log(x)", "x in [-2, 2]", "undefined", x(-1))             # 0 vs 2 log(-1)

# ---- second round: traps for the engine's shortcuts (irrational poles, folded singularities, disconnected
# ---- domains, assumptions met at one point, constants tight to 30 digits) ---------------------------------
F = "atan_log"
L(F, "atan(z) + atan(1/z) == pi/2", "z in [-2, 2]", "false", z(-1), assume=["z**2 >= 1"])  # domain [-2,-1] U [1,2]: not connected
L(F, "atan(z) + atan(1/z) == pi/2", "z in R", "false", z(-1), assume=["|z| > 0"])          # R \ {0}: -pi/2 on the left
L(F, "atan(z) + atan(1/z) == 1.570796326794896619231321691639", "z in (0, oo)", "false", z(1))  # pi/2 - c = 7.5e-31
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x*y < 1"])  # sum in [0, pi/2)
L(F, "atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in [0, 1]", "y in [0, 1]"], "undefined", xy(1, 1),
  assume=["x*y <= 1"])                                                          # (1, 1) allowed: 2/0
L(F, "atan(1/(x - pi)) + atan(x - pi) == pi/2", "x in (pi, 4]", "true")        # w = x - pi > 0
L(F, "atan(1/(x - pi)) + atan(x - pi) == pi/2", "x in [3, 4]", "false", x(3))  # w = 3 - pi < 0: -pi/2
L(F, "atan(1/(x - pi)) + atan(x - pi) == pi/2", "x in [pi, 4]", "undefined", x("pi"))  # irrational closed end
L(F, "log(x - pi) <= x - pi - 1", "x in (pi, 5]", "true")
L(F, "log(x - pi) <= x - pi - 1", "x in [pi, 5]", "undefined", x("pi"))       # log 0 at the irrational end
L(F, "log(x - pi) <= x - pi - 1", "x in [3, 5]", "undefined", x(3))
L(F, "log((x**2 - 2)**2) <= 10", "x in [1, 2]", "undefined", x("sqrt(2)"))    # log 0 at sqrt 2 only; <= log 4 elsewhere

F = "sat_pole"
L(F, "tanh(1/(x**2 - 2)) <= 1", "x in [1, 2]", "undefined", x("sqrt(2)"))     # irrational pole
L(F, "sigmoid(1/sin(x)) <= 1", "x in [3, 4]", "undefined", x("pi"))
L(F, "exp(-1/(x - pi)**2) <= 1", "x in [3, 4]", "undefined", x("pi"))
L(F, "-1/(x**2 - 2)**2 <= 0", "x in [1, 2]", "undefined", x("sqrt(2)"))       # slack -> -oo at the pole
L(F, "sigmoid'(1/x) == sigmoid(1/x)*(1 - sigmoid(1/x))", "x in [-1, 1]", "undefined", x(0))  # s' = s(1-s) off 0
L(F, "sigmoid(1/x)*(1 - sigmoid(1/x)) <= 1/4", "x in [-1, 1]", "undefined", x(0))
L(F, "erf(1/x)**2 < 1", "x in [-1, 1]", "undefined", x(0))
L(F, "erf(1/x)**2 < 1", "x in (0, 1]", "true")                                 # |erf| < 1

F = "undef_region"
L(F, "-1/x**2 <= 0", "x in [-1, 1]", "undefined", x(0))                       # slack -> -oo at 0
L(F, "1/x**2 >= 1", "x in [-1, 1]", "undefined", x(0))
L(F, "log(x**2) <= 0", "x in [-1, 1]", "undefined", x(0))
L(F, "-log(x) >= 0", "x in [0, 1]", "undefined", x(0))
L(F, "x*log(x) <= 0", "x in [0, 1]", "undefined", x(0))                       # limit 0, but log 0 as written
L(F, "x*log(x) >= -1/E", "x in [0, 1]", "undefined", x(0))
L(F, "x*log(x) <= 0", "x in (0, 1]", "true")
L(F, "(x**3)**(1/3) == x", "x in [-1, 1]", "undefined", x("-1/2"))           # principal root of a negative
L(F, "(x**3)**(1/3) == x", "x in [0, 1]", "true")

F = "removable"
L(F, "0/x == 0", "x in [-1, 1]", "undefined", x(0))                           # sympy folds 0/x to 0
L(F, "(1/x)**0 == 1", "x in [-1, 1]", "undefined", x(0))                      # sympy folds to 1
L(F, "sqrt(x) - sqrt(x) == 0", "x in [-1, 1]", "undefined", x("-1/2"))       # folds to 0
L(F, "sin(1/x) - sin(1/x) <= 0", "x in [-1, 1]", "undefined", x(0))          # folds to 0
L(F, "1/x - 1/x == 0", "x in [0, 1]", "undefined", x(0))
L(F, "exp(log(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))             # folds to x <= 1
L(F, "x**(1/2)*x**(1/2) == x", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "0*log(x) + 1 >= 1", "x in [-1, 1]", "undefined", x(0))

F = "multivar"
L(F, "x*y < 1", ["x in [0, 1]", "y in [0, 1]"], "false", xy(1, 1), assume=["x + y >= 2"])  # only (1, 1) is allowed
L(F, "x*y <= 1", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y >= 3/2"])
L(F, "x + y + 1 > 1", ["x in [-1, 1]", "y in [-1, 1]"], "false", xy(0, 0), assume=["x**2 + y**2 <= 0"])  # only (0,0)
L(F, "exp(-x**2 - y**2)*(x**2 + y**2) <= 1/E", ["x in R", "y in R"], "true")  # r^2 e^-r^2 <= 1/e, circle r = 1
L(F, "exp(-x**2 - y**2)*(x**2 + y**2) < 1/E", ["x in R", "y in R"], "false", xy(1, 0))
L(F, "exp(-x**2 - y**2)*(x**2 + y**2) <= 1/E - 1e-12", ["x in R", "y in R"], "false", xy(0, 1))
L(F, "sqrt(x*y) <= (x + y)/2", ["x in [0, oo)", "y in [0, oo)"], "true")

F = "near_tight"
L(F, "exp(pi) - pi < 20", [], "true")                                          # 19.99909997918947...
L(F, "exp(pi) - pi <= 19.999099979", [], "false", {})                         # 19.9990999791894757... > c
L(F, "exp(pi*sqrt(163)) < 262537412640768744", [], "true")                     # = 640320^3 + 744 - 7.4992e-13
L(F, "exp(pi*sqrt(163)) == 262537412640768744", [], "false", {})
L(F, "exp(pi*sqrt(163)) > 262537412640768743.9999999999999", [], "false", {})  # ...743.99999999999925 < c
L(F, "sqrt(2) < 1.4142135623730950488", [], "false", {})                      # sqrt 2 = 1.41421356237309504880168...
L(F, "sqrt(2) < 1.4142135623730950489", [], "true")
L(F, "pi < 3.141592653589793238462643383279", [], "false", {})                # pi = ...3832795...
L(F, "pi < 3.141592653589793238462643383280", [], "true")
L(F, "sigmoid(z) + sin(z)/10**30 <= 1", "z in R", "false", z(70))            # -e^-70 + sin(70) 1e-30 = 3.8e-31 > 0
L(F, "tanh(z) + exp(-z**2)/10**30 < 1", "z in R", "true")                     # needs e^(z^2 - 2z) <= 5e-31: never
L(F, "exp(-(z - 1000)**2) <= 1/2", "z in R", "false", z(1000))              # a bump far out
L(F, "z*exp(-z/1000) <= 367", "z in [0, oo)", "false", z(1000))              # 1000/e = 367.88
L(F, "z*exp(-z/1000) <= 1000/E", "z in [0, oo)", "true")
L(F, "x**2 >= 1e-400", "x in [1e-200, 1]", "true")
L(F, "x**2 > 1e-400", "x in [1e-200, 1]", "false", x("1e-200"))              # equality at the end
L(F, "1/x < 1e40", "x in [1e-40, 1]", "false", x("1e-40"))
L(F, "1/x <= 1e40", "x in [1e-40, 1]", "true")
L(F, "exp(1e-25*x) >= 1 + 1e-25*x", "x in R", "true")                       # e^t >= 1 + t
L(F, "exp(1e-25*x) > 1 + 1e-25*x", "x in R", "false", x(0))
L(F, "sin(x) >= x - x**3/6", "x in [0, oo)", "true")
L(F, "sin(x) - x + x**3/6 >= 1e-30", "x in [0, 1]", "false", x(0))
L(F, "cos(x) <= 1 - x**2/2 + x**4/24", "x in R", "true")
L(F, "max(sin(x), cos(x)) >= -sqrt(2)/2", "x in R", "true")                   # min at 5 pi/4, both -sqrt2/2
L(F, "max(sin(x), cos(x)) > -sqrt(2)/2", "x in R", "false", x("5*pi/4"))     # irrational equality point

F = "partial_identity"
L(F, "log(x**2) == 2*log(x)", "x in [0, 2]", "undefined", x(0))               # nonnegative symbol, log 0
L(F, "sqrt(x**2) == x", "x in R", "true", assume=["x >= 0"])                  # sign given by the assumption only
L(F, "sqrt(x**2) == x", "x in R", "false", x("-1/20"), assume=["x >= -1/10"])

# ---- third round: mirror images, tolerances below the working precision, symbols' signs, degenerate and
# ---- disconnected domains, jumps at irrational points ------------------------------------------------------
F = "near_tight"
L(F, "x - x**3 <= 2/(3*sqrt(3)) - 1e-40", "x in [0, 1]", "false", x("sqrt(3)/3"))   # a violation of 1e-40 at 1/sqrt 3
L(F, "x - x**3 <= 2/(3*sqrt(3)) + 1e-40", "x in [0, 1]", "true")
L(F, "x - x**3 < 2/(3*sqrt(3))", "x in [0, 1]", "false", x("sqrt(3)/3"))            # equality at an irrational point
L(F, "log(x)/x <= 1/E - 1e-30", "x in (0, oo)", "false", x("E"))                    # 1e-30 at e
L(F, "|sigmoid''(z)| + z/10**15 <= 1/(6*sqrt(3))", "z in R", "false", z("1.3169578969248166"))  # not symmetric: +1.3e-15 at log(2+sqrt3)
L(F, "|sigmoid''(z)| <= 1/(6*sqrt(3)) + z**2/10**15", "z in R", "true")
L(F, "|tanh''(z)| <= 4/(3*sqrt(3)) - z/10**15", "z in R", "false", z("0.6584789484624084"))     # -6.6e-16 on the right max
L(F, "(1 + 1/x)**x < E", "x in [1, oo)", "true")                                    # increases to e, never reaches it
L(F, "(1 + 1/x)**x >= 2", "x in [1, oo)", "true")                                   # increasing, 2 at 1
L(F, "(1 + 1/x)**x <= E - 1e-10", "x in [1, oo)", "false", x("1e11"))              # e - e/(2x) + O(1/x^2)
L(F, "(1 + x)**(1/x) <= E", "x in (0, 1]", "true")                                  # log(1+x)/x <= 1
L(F, "(1 + x)**(1/x) <= E", "x in [0, 1]", "undefined", x(0))                      # 1/0 at 0
L(F, "erfc(x) > 0", "x in R", "true")
L(F, "erfc(x) < 2", "x in R", "true")
L(F, "erfc(x) > 1e-300", "x in R", "false", x(27))                                  # erfc(27) ~ 1e-318
L(F, "exp(-x) > 1e-300", "x in R", "false", x(700))                                 # 9.9e-305
L(F, "log(x) <= 690", "x in (0, 1e300]", "false", x("1e300"))                      # 690.78
L(F, "log(x) <= 691", "x in (0, 1e300]", "true")

F = "atan_log"
L(F, "atan(z) + atan(1/z) == pi/2", "z in [-1.0001, 2]", "false", z(-1), assume=["z**2 >= 1"])  # tiny component [-1.0001, -1]
L(F, "atan(z) + atan(1/z) == pi/2", "z in [-2, 2]", "false", z(-1),
  assume=["(z - 1)*(z + 1)*(z + 1.0001) >= 0"])                                      # [-1.0001, -1] U [1, 2]

F = "partial_identity"
L(F, "|z|/z == 1", "z in [-1/1000, 1]", "false", z("-1/1000"), assume=["|z| > 0"])  # derivative 0, value -1 on [-1/1000, 0)
L(F, "|z|/z == 1", "z in [-1, 1]", "false", z(-1))                                  # and 0/0 at 0
L(F, "sqrt(z**2)/z == 1", "z in R", "false", z(-1), assume=["z**2 > 0"])
L(F, "sqrt(x*y) == sqrt(x)*sqrt(y)", ["x in [0, 1]", "y in [-1, 0]"], "undefined", xy("1/2", "-1/2"))  # sqrt(y), y < 0
L(F, "sqrt(x*y) <= 2", ["x in [0, 1]", "y in [-1, 0]"], "undefined", xy("1/2", "-1/2"))
L(F, "(x**2)**(1/3) == x**(2/3)", "x in [0, 1]", "true")
L(F, "(x**2)**(1/3) == x**(2/3)", "x in [-1, 1]", "undefined", x("-1/2"))
L(F, "heaviside(x - pi) + heaviside(pi - x) == 1", "x in R", "true")
L(F, "sign(x**2 - 2)**2 == 1", "x in [1, 2]", "false", x("sqrt(2)"))                # sign 0 at sqrt 2 only

F = "piecewise"
L(F, "heaviside(x - sqrt(2)) <= 1/2", "x in [0, sqrt(2)]", "true")                  # 1/2 at the end, 0 before
L(F, "heaviside(x - sqrt(2)) <= 1/2", "x in [0, 3/2]", "false", x("3/2"))
L(F, "heaviside(x**2 - 2) >= 1/2", "x in [sqrt(2), 2]", "true")
L(F, "heaviside(x**2 - 2) > 1/2", "x in [sqrt(2), 2]", "false", x("sqrt(2)"))       # H(0) = 1/2 at the irrational end
L(F, "sign(x - pi)*(x - pi) >= 0", "x in R", "true")                                # = |x - pi|
L(F, "heaviside(sin(x)) <= 1/2", "x in [pi, 2*pi]", "true")                         # sin <= 0 there, 0 at both ends
L(F, "heaviside(sin(x)) <= 1/2", "x in [3, 2*pi]", "false", x(3))                   # sin 3 > 0
L(F, "heaviside(sin(x)) < 1/2", "x in [pi, 2*pi]", "false", x("pi"))                # sin(pi) = 0 exactly: H = 1/2
L(F, "max(x, 2 - x**2) >= 1", "x in [-1, oo)", "true")                              # 2 - x^2 >= 1 on [-1, 1], x >= 1 after
L(F, "max(x, 2 - x**2) >= 1", "x in R", "false", x(-2))
L(F, "cubic_step(z*sqrt(2)) <= 1/2", "z in (-oo, 0]", "true")                       # irrational breakpoints
L(F, "cubic_step(z - sqrt(2)) > 0", "z in (sqrt(2) - 1/2, 2]", "true")
L(F, "cubic_step(z - sqrt(2)) > 0", "z in [sqrt(2) - 1/2, 2]", "false", z("sqrt(2) - 1/2"))  # 0 at the end
L(F, "x > 1", "x in [1, 1]", "false", x(1))                                        # a one-point domain
L(F, "x >= 1", "x in [1, 1]", "true")
L(F, "1/(x - 1) >= 0", "x in [1, 1]", "undefined", x(1))

F = "multivar"
L(F, "x*y*z <= (x**2 + y**2 + z**2)**(3/2)/sqrt(27)", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "true")  # AM-GM on squares; equality on x=y=z
L(F, "x*y*z < (x**2 + y**2 + z**2)**(3/2)/sqrt(27)", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "false",
  xyz(1, 1, 1))
L(F, "x**y <= 1", ["x in (0, 1]", "y in [0, 1]"], "true")
L(F, "x**y >= x", ["x in (0, 1]", "y in [0, 1]"], "true")                           # x <= 1, y <= 1
L(F, "x**y > x", ["x in (0, 1]", "y in [0, 1]"], "false", xy("1/2", 1))
L(F, "(-x)**y <= 1", ["x in [1/2, 1]", "y in [0, 1]"], "undefined", xy("1/2", "1/2"))  # negative base, y = 1/2

# ---- fourth round: tails that approach the limit from the wrong side, poles far out, needle domains -------
F = "saturation"
L(F, "exp(-z) > exp(-z/2)/10**30", "z in [0, oo)", "false", z(200))              # the second term wins for z > 138
L(F, "sigmoid(z) + exp(-z/2)/10**30 < 1", "z in [0, oo)", "false", z(200))      # tail approaches 1 from above
L(F, "sigmoid(z) + exp(-2*z)/10**30 < 1", "z in [0, oo)", "true")               # e^-z (1e-30 e^-z - 1/(1+e^-z)) < 0
L(F, "erf(10**30*x) <= 1", "x in R", "true")
L(F, "erf(10**30*x) < 1", "x in R", "true", saturates=True)                   # erf < 1 on R; 1 - erf(1e29) underflows
L(F, "erf(10**30*x) < 1 - 1e-10", "x in R", "false", x("1e-29"))                # erf(10) = 1 - 2e-45
L(F, "tanh(10**20*x) + tanh(-10**20*x) == 0", "x in R", "true")                 # odd

F = "sat_pole"
L(F, "1/(z - 1000) <= 1", "z in [0, oo)", "false", z("2001/2"))                 # 2 at 1000.5 (and a pole at 1000)
L(F, "-1/(z - 1000)**2 <= 0", "z in [0, oo)", "undefined", z(1000))            # a pole far out, slack -> -oo
L(F, "tanh(1/(z - 1000)) <= 1", "z in [0, oo)", "undefined", z(1000))
L(F, "sigmoid(1/(z - 10**6)) <= 1", "z in R", "undefined", z(1000000))
L(F, "atan(1/(z - 1000)) + atan(z - 1000) == pi/2", "z in (1000, oo)", "true")
L(F, "atan(1/(z - 1000)) + atan(z - 1000) == pi/2", "z in [0, oo)", "false", z(0))  # w = -1000 < 0: -pi/2
L(F, "log(|z - 1000|) <= |z - 1000|", "z in R", "undefined", z(1000))
L(F, "tanh(1/(z**2 - 2000000)) <= 1", "z in R", "undefined", z("sqrt(2000000)"))  # irrational pole at 1414.21...

F = "near_tight"
L(F, "x**2 - 2 <= 3.3e-18", "x in [1.41421356237309504, 1.41421356237309505]", "false",
  x("1.41421356237309505"))                                                     # 2 sqrt2 (1.198e-18) = 3.389e-18
L(F, "x**2 - 2 <= 3.4e-18", "x in [1.41421356237309504, 1.41421356237309505]", "true")
L(F, "x**2 < 2", "x in [1, 1.4142135623730950488]", "true")                     # end below sqrt 2 by 1.7e-21
L(F, "x**2 < 2", "x in [1, 1.4142135623730950489]", "false", x("1.4142135623730950489"))  # above by 8.3e-21
L(F, "log(1 + x**2/10**30) <= x**2/10**30", "x in R", "true")                   # log(1+t) <= t
L(F, "log(1 + x**2/10**30) < x**2/10**30", "x in R", "false", x(0))             # equality at 0

F = "multivar"
L(F, "x*y*z <= 1/27 - 1e-12", ["x in [0, 1]", "y in [0, 1]", "z in [0, 1]"], "false", xyz("1/3", "1/3", "1/3"),
  assume=["x + y + z <= 1"])
L(F, "x <= 1/2", ["x in [0, 1]", "y in [0, 1]"], "true", assume=["x + y <= 1/2"])  # y >= 0
L(F, "x < 1/2", ["x in [0, 1]", "y in [0, 1]"], "false", xy("1/2", 0), assume=["x + y <= 1/2"])

F = "piecewise"
L(F, "sigmoid(1/relu(x)) <= 1", "x in [-1, 1]", "undefined", x("-1/2"))          # relu = 0 for x <= 0: 1/0
L(F, "1/relu(x) >= 1", "x in (0, 1]", "true")                                     # = 1/x there
L(F, "x - 1/relu(x + 1) < 100", "x in R", "undefined", x(-1))                     # 1/0 for x <= -1

_count = {}
for _l in LINES:
    _count[_l.family] = _count.get(_l.family, 0) + 1
    _l.id = f"{_l.family}-{_count[_l.family]:02d}"


# =====================================================================================================
# the table checked by itself (no escset code)
# =====================================================================================================
def test_table_is_large_and_covers_every_family():
    assert len(LINES) >= 150, len(LINES)
    fams = {l.family for l in LINES}
    assert fams >= {"atan_log", "sat_pole", "undef_region", "complex_mid", "removable", "piecewise",
                    "saturation", "near_tight", "multivar", "partial_identity"}
    for t in ("true", "false", "undefined"):
        assert sum(l.truth == t for l in LINES) >= 30, t
    keys = [(l.stmt, tuple(l.over), tuple(l.assume)) for l in LINES]
    assert len(keys) == len(set(keys)), "duplicate lines"
    for l in LINES:
        assert {parse_range(o).name for o in l.over} >= _free_names(l), l.stmt


def _free_names(line):
    out = set()

    def walk(n):
        if n[0] == "var":
            out.add(n[1])
        for c in n[1:]:
            if isinstance(c, tuple):
                walk(c)
            elif isinstance(c, list):
                for a in c:
                    walk(a)
    lhs, _, rhs = parse(line.stmt)
    walk(lhs)
    walk(rhs)
    return out


@pytest.mark.parametrize("line", [l for l in LINES if l.truth != "true"],
                         ids=[l.id for l in LINES if l.truth != "true"])
def test_table_point_is_a_counterexample_or_undefined(line):
    assert in_domain(line.point, line.over, line.assume, 60), (line.point, line.over, line.assume)
    with _zero_tol(50):
        if line.truth == "undefined":
            with pytest.raises(Undefined):
                violates(line.stmt, line.point, 60)
        else:
            assert violates(line.stmt, line.point, 60), line.point


def _samples(rng, n):
    """Grid points of one range (exact strings), open ends and infinity left out; unbounded sides to +-10."""
    lo = Fraction(-10) if rng.lo is None else None
    hi = Fraction(10) if rng.hi is None else None
    with mpmath.workdps(30):
        flo = lo if lo is not None else Fraction(str(mpmath.nstr(value(rng.lo, None, 30), 25)))
        fhi = hi if hi is not None else Fraction(str(mpmath.nstr(value(rng.hi, None, 30), 25)))
    if rng.lo is not None and rng.hi is None:
        fhi = flo + 10
    if rng.hi is not None and rng.lo is None:
        flo = fhi - 10
    pts = [flo + (fhi - flo) * k / (n - 1) for k in range(n)]
    exact_ends = {flo: rng.lo, fhi: rng.hi}
    out = []
    for p in pts:
        if p == flo and (rng.lo_open or rng.lo is None):
            continue
        if p == fhi and (rng.hi_open or rng.hi is None):
            continue
        out.append(exact_ends.get(p) or str(p) if p in (flo, fhi) else str(p))
    return out


@pytest.mark.parametrize("line", [l for l in LINES if l.truth == "true"],
                         ids=[l.id for l in LINES if l.truth == "true"])
def test_table_true_line_survives_dense_sampling(line):
    rngs = [parse_range(o) for o in line.over]
    n = {0: 1, 1: 61, 2: 17, 3: 8}[len(rngs)]
    grids = [_samples(r, n) for r in rngs]
    pts = [{}]
    for r, g in zip(rngs, grids):
        pts = [dict(p, **{r.name: v}) for p in pts for v in g]
    checked = 0
    dps = 80
    with _zero_tol(70):
        checked = _check_samples(line, pts, dps)
    assert checked >= min(5, len(pts)), checked


def _check_samples(line, pts, dps):
    checked = 0
    for p in pts:
        if not in_domain(p, line.over, line.assume, dps):
            continue
        checked += 1
        with mpmath.workdps(dps):
            env = {k: _num(v) for k, v in p.items()}
            try:
                op, v, scale = slack(line.stmt, env)
            except Undefined as exc:
                pytest.fail(f"true line undefined at {p}: {exc}")
            tol = scale * mpmath.mpf(10) ** (-dps + 10)
            if op == "==":
                assert abs(v) <= tol, (p, v)
            elif op in ("<", ">"):
                if not v < -tol:  # equality, or rounding near saturation (erf(60) = 1 - 1e-1565): look closer
                    with mpmath.workdps(2000):
                        _, v, _ = slack(line.stmt, {k: _num(w) for k, w in p.items()})
                        assert v < 0 or (v == 0 and line.saturates), (p, v)
            else:
                assert v <= tol, (p, v)
    return checked


# =====================================================================================================
# the prover against the table
# =====================================================================================================
_RESULTS: dict[str, tuple] = {}


@pytest.fixture(scope="module", autouse=True)
def _coverage_report(request):
    yield
    if not _RESULTS:
        return
    by = {l.id: l for l in LINES}
    rows = ["| id | truth | verdict | ok | statement | over | assume | message |", "|---|---|---|---|---|---|---|---|"]
    tally = {}
    for lid, (verdict, ok, msg) in sorted(_RESULTS.items()):
        l = by[lid]
        tally.setdefault(l.family, {}).setdefault((l.truth, verdict), 0)
        tally[l.family][(l.truth, verdict)] += 1
        rows.append(f"| {lid} | {l.truth} | {verdict} | {'ok' if ok else 'WRONG'} | `{l.stmt}` | "
                    f"{', '.join(l.over)} | {', '.join(l.assume)} | {msg[:140].replace('|', '/')} |")
    summary = ["", "family: (truth -> verdict) counts"]
    for fam, t in sorted(tally.items()):
        summary.append(f"  {fam}: " + ", ".join(f"{a}->{b}: {c}" for (a, b), c in sorted(t.items())))
    text = "\n".join(rows + summary) + "\n"
    path = os.path.join(tempfile.gettempdir(), "escset_prove_soundness_coverage.md")
    try:
        with open(path, "w") as fh:
            fh.write(text)
    except OSError:  # pragma: no cover
        path = "(not written)"
    tr = request.config.pluginmanager.getplugin("terminalreporter")
    cap = request.config.pluginmanager.getplugin("capturemanager")
    if tr is not None:
        import contextlib
        with cap.global_and_fixture_disabled() if cap is not None else contextlib.nullcontext():
            tr.write_line("")
            tr.write_line(f"prove soundness coverage ({len(_RESULTS)} lines; table in {path})")
            for s in summary[1:]:
                tr.write_line(s)


def prove_isolated(stmt, over, assume, budget, hard_limit):
    """See tests/quality/_prove_outcome.py: prove in this process, a call past ``hard_limit`` seconds is a hang."""
    return prove_outcome(stmt, over, assume, budget, hard_limit)


def _hard_limit(budget):
    """Seconds after which a call is a hang: far past its time_limit (5 s by default: 30 s)."""
    return 4 * budget["time_limit"] + 10


def _check(line, budget):
    r = prove_isolated(line.stmt, line.over, line.assume, budget, _hard_limit(budget))
    if r.verdict == "rejected":
        # a rejected statement is no wrong verdict; recorded so the coverage shows it
        _RESULTS[line.id] = ("rejected", True, r.message)
        return
    if r.verdict in ("crash", "hang"):
        _RESULTS[line.id] = (r.verdict, False, r.message)
        pytest.fail(f"{line.stmt!r} over {line.over} assume {line.assume}: prove gave no verdict ({r.verdict}): "
                    f"{r.message}")
    problems = []
    if r.verdict is Verdict.PROVED and line.truth != "true":
        problems.append(f"proved a {line.truth} line ({line.point})")
    if r.verdict is Verdict.REFUTED:
        if line.truth == "true":
            problems.append("refuted a true line")
        problems += replay_refutation(line, r)
    _RESULTS[line.id] = (r.verdict.value, not problems, r.message.split("\n")[0])
    assert not problems, f"{line.stmt!r} over {line.over} assume {line.assume}: {problems}; " \
                         f"witness {r.witness}; message: {r.message}"


@pytest.mark.parametrize("line", LINES, ids=[l.id for l in LINES])
def test_prove_soundness(line):
    _check(line, BUDGET)


@pytest.mark.slow
@pytest.mark.parametrize("line", LINES, ids=[l.id for l in LINES])
def test_prove_soundness_large_budget(line):
    _check(line, SLOW_BUDGET)
