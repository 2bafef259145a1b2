"""The extended interval evaluator of escset prove: every interval contains every value (sampled with mpmath).

Containment is the property that makes ``proved`` safe: it is checked on boxes with finite and infinite ends,
at points sampled independently of the evaluator (mpmath at 40 digits), plus the exact corner cases
(0 * oo, poles at open ends, lower ends at -oo followed by finite ones).
"""
from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.symbolic.functions import sigmoid, softplus
from proofs.prove.interval import ext_eval

z = sp.Symbol("z", real=True)
INF = math.inf

EXPRS = [
    -z * sp.sign(z), z * sp.exp(-z ** 2), sp.tanh(z) - z, sp.log(1 + z ** 2) - z, sigmoid(z) * (1 - sigmoid(z)),
    softplus(z) - z, sp.erf(z) ** 3 - z / 7, sp.Abs(z - 1) * sp.exp(-sp.Abs(z)), sp.atan(z) * z,
    sp.cos(z) + sp.sin(3 * z), (1 - sp.tanh(z) ** 2) * z ** 2, sp.Max(z, 0) - sp.Min(z, 1),
    sp.cosh(z) / (1 + z ** 2), z ** 3 - 2 * z, sp.sqrt(1 + z ** 2) - sp.Abs(z), sp.erfc(z) * z,
    sp.Piecewise((0, z <= -1), ((z + 1) ** 2, z <= 0), (1, True)), sp.Heaviside(z, sp.S.Half) * z,
]


def _mp(expr, x):
    f = sp.lambdify(z, expr, modules=["mpmath", {"sigmoid": lambda t: 1 / (1 + mpmath.exp(-t)),
                                                  "softplus": lambda t: mpmath.log(1 + mpmath.exp(t))}])
    return f(x)


def _contains(iv, val):
    lo, hi = iv
    lo_ok = (not isinstance(lo, float) and mpmath.mpf(lo.str(40, radius=False)) <= val + mpmath.mpf(10) ** -30) \
        or (isinstance(lo, float) and lo < 0)
    hi_ok = (not isinstance(hi, float) and val - mpmath.mpf(10) ** -30 <= mpmath.mpf(hi.str(40, radius=False))) \
        or (isinstance(hi, float) and hi > 0)
    return lo_ok and hi_ok


@settings(max_examples=150, deadline=None)
@given(k=st.integers(0, len(EXPRS) - 1), a=st.integers(-40, 40), w=st.integers(1, 30),
       side=st.sampled_from(["finite", "right", "left"]), u=st.lists(st.floats(0, 1), min_size=5, max_size=5))
def test_ext_eval_contains_sampled_values(k, a, w, side, u):
    expr = EXPRS[k]
    lo, hi = mpmath.mpf(a) / 4, mpmath.mpf(a + w) / 4
    if side == "finite":
        env = {z: (arb(a) / 4, arb(a + w) / 4)}
        pts = [lo + (hi - lo) * mpmath.mpf(t) for t in u] + [lo, hi]
    elif side == "right":
        env = {z: (arb(a) / 4, INF)}
        pts = [lo + mpmath.mpf(10) ** (4 * t) - 1 for t in u] + [lo, lo + 10 ** 3]
    else:
        env = {z: (-INF, arb(a + w) / 4)}
        pts = [hi - mpmath.mpf(10) ** (4 * t) + 1 for t in u] + [hi, hi - 10 ** 3]
    iv = ext_eval(expr, env)
    with mpmath.workdps(40):
        for x in pts:
            val = _mp(expr, x)
            assert _contains(iv, val), (expr, env, x, val, iv)


def test_ext_eval_zero_times_infinity_and_signs():
    iv = ext_eval(-z * sp.sign(z), {z: (arb(1023), INF)})
    assert iv[0] == -INF and iv[1] == -1023  # the upper end is finite (a min/max bug once made it -oo)
    lo, hi = ext_eval(z * sp.exp(-z), {z: (arb(0), INF)})
    assert lo == 0 and hi == INF  # 0 * oo = 0 at the lower end, no information above without refinement


def test_ext_eval_poles_only_at_open_ends():
    # 1/z on [0, 1]: z = 0 is in the box, so no information unless the box touches an open end of the domain
    assert ext_eval(1 / z, {z: (arb(0), arb(1))}) == (-INF, INF)
    lo, hi = ext_eval(1 / z, {z: (arb(0), arb(1))}, open_end=True)
    assert lo == 1 and hi == INF
    assert ext_eval(sp.log(z), {z: (arb(-1), arb(1))}, open_end=True) == (-INF, INF)


def test_ext_eval_limits_at_infinity():
    assert ext_eval(sp.tanh(z), {z: (arb(0), INF)})[1] == 1
    lo, hi = ext_eval(sigmoid(z), {z: (-INF, arb(0))})
    assert lo == 0 and hi == arb(1) / 2
    lo, hi = ext_eval(sp.erfc(z), {z: (-INF, INF)})
    assert lo == 0 and hi == 2


@pytest.mark.parametrize("expr", [sp.log(z), sp.sqrt(z), z ** sp.Rational(1, 3)])
def test_ext_eval_outside_domain_is_no_information(expr):
    assert ext_eval(expr, {z: (arb(-2), arb(-1))}) == (-INF, INF)


# ---------------------------------------------------------------------------------------------------------
# definedness (issue #9): an enclosure is given only where every sub-expression is defined on the whole box
# ---------------------------------------------------------------------------------------------------------
from fractions import Fraction  # noqa: E402

from proofs.prove.interval import ext_eval_defined  # noqa: E402

_LEAVES = [z, z - sp.Rational(1, 2), 2 * z + 1, z ** 2 - sp.Rational(1, 4), sp.Integer(3)]
_UNARY = [sp.tanh, sp.atan, sp.erf, sigmoid, sp.exp, sp.log, sp.sqrt, lambda e: 1 / e, lambda e: e ** sp.Rational(1, 3),
          lambda e: -e, sp.Abs]


@st.composite
def _expr(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(_LEAVES))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(_UNARY))(draw(_expr(depth - 1)))
    a, b = draw(_expr(depth - 1)), draw(_expr(depth - 1))
    return a + b if kind == 1 else a * b


def _mp_value(expr, x):
    """mpmath value at x (50 digits), or None where the expression has no real value."""
    with mpmath.workdps(50):
        try:
            v = _mp(expr, mpmath.mpf(x))
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        if isinstance(v, mpmath.mpc) or not mpmath.isfinite(v):
            return None
        return v


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_expr(), st.fractions(-3, 3, max_denominator=4), st.fractions(0, 3, max_denominator=4))
def test_enclosure_only_where_defined(expr, a, w):
    """Dense exact samples of the box (its ends included): wherever ext_eval_defined returns an interval, every
    sample has a real value inside it. A pole, a log or root of a negative number, anywhere in the box, must
    give None (not certified defined), never a saturated range such as tanh(1/z) in [-1, 1]."""
    b = a + w
    lo, hi = arb(a.numerator) / a.denominator, arb(b.numerator) / b.denominator
    iv = ext_eval_defined(expr, {z: (lo.lower(), hi.upper())})
    if iv is None:
        return
    pts = [a + (b - a) * Fraction(k, 64) for k in range(65)] + [Fraction(1, 2), Fraction(-1, 2), Fraction(0)]
    for p in pts:
        if not a <= p <= b:
            continue
        v = _mp_value(expr, sp.Rational(p.numerator, p.denominator))
        assert v is not None, f"{expr} claimed defined on [{a}, {b}] but has no real value at {p}"
        assert _contains(iv, v), f"{expr} at {p} = {v} outside {iv}"


@pytest.mark.parametrize("expr", [sp.tanh(1 / z), sigmoid(1 / (z - 1)), sp.erf(1 / z) ** 2, sp.atan(1 / (z + 1)),
                                  sp.tanh(sp.sqrt(z)), sigmoid(sp.log(z)), sp.exp(-1 / z ** 2),
                                  sp.tanh(sp.sqrt(-1 - z ** 2)), sp.atan(sp.log(z - 2))])
def test_saturating_functions_of_poles_are_not_enclosed(expr):
    """The mechanisms of issue #9: a pole or an undefined region inside the box, behind a saturating function."""
    assert ext_eval_defined(expr, {z: (arb(-1), arb(1))}) is None


def test_pole_at_an_open_end_is_a_limit_only_when_the_zero_is_that_end():
    from proofs.prove.interval import _zero_only_at_open_ends

    box = {z: (arb(0), arb(1) / 2)}
    # z in (0, 1]: 1/z on [0, 1/2] is [2, oo): the zero of z is the open end 0
    assert ext_eval_defined(1 / z, box, {z: (sp.Integer(0),)}) is not None
    # 1/(z - 1/2)**2 on [0, 1/2] with 0 open: the zero is at 1/2, a point of the domain -> not enclosed
    assert ext_eval_defined(1 / (z - sp.Rational(1, 2)) ** 2, box, {z: (sp.Integer(0),)}) is None
    # z*(2z - 1) vanishes at 0 (open) and at 1/2 (closed): the Sturm count sees both roots
    assert not _zero_only_at_open_ends(z * (2 * z - 1), box, {z: (sp.Integer(0),)})
    assert _zero_only_at_open_ends(z ** 2, box, {z: (sp.Integer(0),)})
    # without an open end, a zero at an end is a point of the domain
    assert ext_eval_defined(sp.log(z), box) is None
    assert ext_eval_defined(sp.log(z), box, {z: (sp.Integer(0),)})[1] < 0


@pytest.mark.parametrize("expr", [1 + sp.I * z, sigmoid(sp.I * z), sp.Abs(z) * sp.I, sp.exp(sp.I * z) + 2,
                                  sp.zoo * z, z + sp.nan, sp.tanh(z) + sp.I])
def test_complex_or_infinite_constants_are_never_enclosed(expr):
    """sympy writes sqrt(-x**2) as I*|x| and 1/0 as zoo: such nodes have no real value to enclose (a FULL range
    here would be saturated by sigmoid/atan/tanh above them into a finite, wrong enclosure)."""
    assert ext_eval_defined(expr, {z: (arb(-1), arb(1))}) is None
    assert ext_eval_defined(sp.atan(expr), {z: (arb(-1), arb(1))}) is None
