"""Quality tier of ``escset prove``: a set of true and false lines; never ``proved`` on a false one.

Truth of each line is known from a closed form (given in the comment), not from the code under test. The
false lines include near misses (constants a few 1e-5 below the true supremum, equality attained with a
strict sign, an assumption dropped) because a wrong ``proved`` is the worst bug this command can have.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.result import Verdict
from proofs.prove import prove

BUDGET = {"max_boxes": 4000, "time_limit": 10.0}

TRUE_LINES = [
    ("|sigmoid'(z)| <= 1/4", [], ()),                          # s' = s(1-s) <= 1/4, at 0
    ("|sigmoid''(z)| <= 1/(6*sqrt(3))", [], ()),               # at log(2 -+ sqrt 3)
    ("|tanh'(z)| <= 1", [], ()),
    ("|erf'(z)| <= 2/sqrt(pi)", [], ()),
    ("|erf''(z)| <= 2*sqrt(2/(pi*E))", [], ()),                # at +-1/sqrt 2
    ("|cubic_step'(z)| <= 3", [], ()),                         # MATH.md §6.2
    ("|cubic_step''(z)| <= 12", [], ()),
    ("log(1+x) <= x", ["x in (-1, oo)"], ()),
    ("tanh(x) <= x", ["x in [0, oo)"], ()),
    ("exp(x) >= 1 + x", ["x in R"], ()),
    ("sin(x) <= x", ["x in [0, oo)"], ()),
    ("x*exp(-x**2 - y**2) <= 0.43", ["x in R", "y in R"], ()),  # sup 1/sqrt(2e) = 0.42888
    ("softplus(z) <= relu(z) + 0.7", ["z in R"], ()),           # sup = log 2 = 0.6931
    ("x**2 - x + 1/4 >= 0", ["x in R"], ()),                    # (x - 1/2)^2
    ("x*y <= 0.26", ["x in [0, 1]", "y in [0, 1]"], ("x + y <= 1",)),
    ("erf(x) <= 2*x/sqrt(pi)", ["x in [0, oo)"], ()),           # erf concave on [0, oo)
    ("x*exp(-x) <= 1/E", ["x in [0, oo)"], ()),                 # at x = 1
    ("cosh(x) >= 1 + x**2/2", ["x in R"], ()),
    ("1/x >= 1", ["x in (0, 1]"], ()),
    ("sigmoid(z) <= 1", ["z in R"], ()),
    ("log(x) <= x - 1", ["x in (0, oo)"], ()),
    ("|sin(x)*cos(y)| <= 1.01", ["x in R", "y in [0, pi]"], ()),
    ("tanh(z) == 2*sigmoid(2*z) - 1", [], ()),
    ("sigmoid'(z) == sigmoid(z)*(1 - sigmoid(z))", [], ()),
    ("sqrt(x**2) == x", ["x >= 0"], ()),
    ("pi <= 22/7", [], ()),
    ("cubic_step(z) <= 1/2", ["z in (-oo, 0]"], ()),           # equality at the breakpoint 0
    ("x - x**3 <= 2/(3*sqrt(3))", ["x in [0, 1]"], ()),        # at 1/sqrt 3
    ("x**2*exp(-x) <= 4/E**2", ["x in [0, oo)"], ()),          # at 2
    ("abs(x) == x", ["x in [0, oo)"], ()),
    ("softplus(z) - softplus(-z) == z", [], ()),
    ("tanh(z)**2 <= 1", [], ()),
    ("exp(-z**2) <= 1", [], ()),
    ("max(z, 0, 1 - z) >= 1/2", [], ()),                       # kink at 1/2
    ("sign(z)*z >= 0", [], ()),                                  # = |z|
    ("heaviside(z) >= 1/2", ["z in [0, 1]"], ()),                # H(0) = 1/2
    ("cubic_step''(z) >= -12", [], ()),                          # jump from 12 to -12 at 0
    ("sigmoid(z) < 1", [], ()),                                  # sup 1 approached at infinity only
    ("atan(z) + atan(1/z) == pi/2", ["z in (0, oo)"], ()),       # derivative 0, value at 1
]

FALSE_LINES = [
    ("sigmoid(z) <= 1/2 + z/4", [], ()),                       # z = -1
    ("|sigmoid''(z)| <= 0.0962", [], ()),                       # sup = 0.0962250
    ("|tanh''(z)| <= 0.7698", [], ()),                          # sup = 0.7698004
    ("|erf'(z)| <= 1.1283", [], ()),                            # sup = 1.1283792
    ("|erf''(z)| <= 0.9678", [], ()),                           # sup = 0.9678829
    ("tanh(x) <= x", ["x in R"], ()),
    ("log(1+x) <= x - x**2/2", ["x in [0, oo)"], ()),
    ("exp(x) >= 1 + x + x**2/2", ["x in R"], ()),
    ("sigmoid'(z) < 1/4", [], ()),                              # equality at 0, strict sign
    ("x*y <= 0.26", ["x in [0, 1]", "y in [0, 1]"], ()),        # the assumption x + y <= 1 dropped
    ("sin(x) <= x", ["x in R"], ()),
    ("cubic_step'(z) <= 2.999", [], ()),
    ("|cubic_step''(z)| <= 11.99", [], ()),
    ("x*exp(-x**2 - y**2) <= 0.4288", ["x in R", "y in R"], ()),  # sup 0.4288819
    ("1/x >= 1", ["x in (0, 2]"], ()),
    ("softplus(z) <= relu(z) + 0.693", ["z in R"], ()),         # log 2 = 0.693147
    ("sqrt(x) <= x", ["x in [0, oo)"], ()),
    ("cosh(x) <= 1 + x**2/2 + x**4/24", ["x in R"], ()),
    ("x**2 - x + 1/4 >= 0.00001", ["x in R"], ()),
    ("erf(x) <= x", ["x in [0, oo)"], ()),
    ("x*exp(-x) <= 0.3678", ["x in [0, oo)"], ()),              # 1/e = 0.367879
    ("log(x) <= x - 1.0001", ["x in (0, oo)"], ()),
    ("tanh(z) == 2*sigmoid(z) - 1", [], ()),
    ("sqrt(x**2) == x", ["x in R"], ()),
    ("pi < 3.1415", [], ()),
    ("relu'(z) <= 1/2", [], ()),                                # relu' = 1 for z > 0
    ("heaviside(z) <= 0.5", ["z in [-1, 1]"], ()),
    ("cubic_step(z) < 1/2", ["z in (-oo, 0]"], ()),             # equality at 0, strict sign
    ("1/x <= 1000000", ["x in (0, 1]"], ()),                    # unbounded at the open end
    ("log(x) >= -1000", ["x in (0, 1]"], ()),
    ("x - x**3 <= 0.3849", ["x in [0, 1]"], ()),                # sup 2/(3 sqrt 3) = 0.3849002
    ("x*exp(-x/100) <= 36", ["x in [0, oo)"], ()),              # 100/e = 36.79, far out
    ("log(x)/x <= 0.3678", ["x in (0, oo)"], ()),               # 1/e at x = e
    ("max(x, 0) == x", [], ()),
    ("z**2 > 0", [], ()),
    ("exp(-z**2) < 1", [], ()),
    ("|heaviside(z - 1/7) - 1/2| >= 1/2", [], ()),               # H = 1/2 exactly at the jump
    ("cubic_step''(z) < 12", [], ()),                            # attained at the breakpoint 0
    ("max(z, 0, 1 - z) > 1/2", [], ()),
    ("|z - 1| + |z + 1| > 2", [], ()),                           # equality on all of [-1, 1]
    ("atan(z) + atan(1/z) == pi/2", ["z in R"], ()),             # -pi/2 for z < 0
    ("x*exp(-x) < 1/E", ["x in [0, oo)"], ()),                   # equality at x = 1, strict sign
]


def test_prove_quality_set_is_large_enough():
    assert len(TRUE_LINES) + len(FALSE_LINES) >= 30
    assert len(TRUE_LINES) >= 15 and len(FALSE_LINES) >= 15


@pytest.mark.parametrize("stmt, over, assume", FALSE_LINES)
def test_prove_never_proves_a_false_line(stmt, over, assume):
    r = prove(stmt, over=over, assume=assume, **BUDGET)
    assert r.verdict is not Verdict.PROVED, r.message
    # teeth: every false line of this set is refuted with a witness, not merely left open
    assert r.verdict is Verdict.REFUTED, r.message
    assert r.witness is not None


@pytest.mark.parametrize("stmt, over, assume", TRUE_LINES)
def test_prove_never_refutes_a_true_line_and_proves_it(stmt, over, assume):
    r = prove(stmt, over=over, assume=assume, **BUDGET)
    assert r.verdict is not Verdict.REFUTED, r.message
    assert r.verdict is Verdict.PROVED, r.message


@settings(max_examples=12, deadline=None)
@given(c=st.fractions(min_value=Fraction(1, 5), max_value=Fraction(3, 10), max_denominator=10 ** 6))
def test_prove_sigmoid_derivative_constant_verdict_matches_truth(c):
    # sup sigma' = 1/4 exactly: c >= 1/4 is true, c < 1/4 false; no verdict may contradict that
    r = prove(f"sigmoid'(z) <= {c.numerator}/{c.denominator}", over=["z in R"], **BUDGET)
    if c >= Fraction(1, 4):
        assert r.verdict is not Verdict.REFUTED, r.message
    else:
        assert r.verdict is not Verdict.PROVED, r.message
    if abs(c - Fraction(1, 4)) > Fraction(1, 10 ** 5) or c == Fraction(1, 4):
        assert r.verdict is not Verdict.INCONCLUSIVE, r.message


@settings(max_examples=10, deadline=None)
@given(a=st.fractions(min_value=Fraction(-3), max_value=Fraction(3), max_denominator=64),
       c=st.fractions(min_value=Fraction(0), max_value=Fraction(1), max_denominator=1000))
def test_prove_shifted_gaussian_bump_constant_verdict_matches_truth(a, c):
    # sup_z exp(-(z - a)^2) = 1 for every a: "<= c" holds iff c >= 1
    r = prove(f"exp(-(z - ({a.numerator}/{a.denominator}))**2) <= {c.numerator}/{c.denominator}",
              over=["z in R"], **BUDGET)
    truth = c >= 1
    assert r.verdict is not (Verdict.REFUTED if truth else Verdict.PROVED), r.message
    with mpmath.workdps(30):
        if not truth and r.verdict is Verdict.REFUTED:
            z = Fraction(r.witness["z"])
            assert mpmath.exp(-(mpmath.mpf(z.numerator) / z.denominator - mpmath.mpf(a.numerator) / a.denominator) ** 2) > \
                mpmath.mpf(c.numerator) / c.denominator
