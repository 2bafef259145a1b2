"""Branch-and-bound on functions with closed-form suprema: containment and width (numerics/certified/bnb.py)."""
from fractions import Fraction

import mpmath
import pytest
from flint import arb

from numerics.certified.bnb import maximize, minimize
from proofs.errors import InvalidArgument



def test_maximize_trig_sum_contains_closed_form_and_is_tight():
    # sup_{[0,3]x[-1,1.5]} sin x + cos 2y = 2 at (pi/2, 0)
    f = lambda b: b[0].sin() + (2 * b[1]).cos()
    g = lambda b: [b[0].cos(), -2 * (2 * b[1]).sin()]
    # plain ball enclosures overestimate to first order near a smooth max: only a coarse tol is reachable
    plain = maximize(f, [(0, 3), ("-1", "1.5")], tol="1e-3")
    # the mean-value form is second order near the max: a tight tol is cheap
    mv = maximize(f, [(0, 3), ("-1", "1.5")], tol="1e-10", grad=g)
    for r, tol in ((plain, "1e-3"), (mv, "1e-10")):
        assert not r.exhausted and r.unresolved == []
        assert r.lower.lower() <= 2 <= r.upper
        assert r.upper - r.lower.lower() <= arb(tol) + arb("1e-15")
    assert abs(float(mv.argmax[0]) - mpmath.pi / 2) < 1e-4 and abs(float(mv.argmax[1])) < 1e-4


def test_maximize_with_gradient_mean_value_form_same_answer():
    # sup of -(x-1/3)^2 - (y+2/7)^2 + x*y/10 ... use a separable concave one with known max 5/4 at (1/3,-2/7)
    a, b = arb(1) / 3, arb(-2) / 7
    f = lambda u: arb(5) / 4 - (u[0] - a) ** 2 - 3 * (u[1] - b) ** 2
    g = lambda u: [-2 * (u[0] - a), -6 * (u[1] - b)]
    plain = maximize(f, [(-2, 2), (-2, 2)], tol="1e-4")
    mv = maximize(f, [(-2, 2), (-2, 2)], tol="1e-4", grad=g)
    five_quarters = arb(5) / 4  # exact (dyadic)
    for r in (plain, mv):
        assert r.lower.lower() <= five_quarters <= r.upper
        assert r.upper - r.lower.lower() <= arb("1e-4")
    # never worse than the plain form (the min of both bounds is used)
    assert mv.boxes_explored <= plain.boxes_explored


def test_maximize_sup_on_boundary():
    # 2x - x^2 is increasing on [0,1]: sup 1 at the edge, reached by centres of ever thinner boxes
    f = lambda u: u[0] * (1 - u[0]) + u[0]
    r = maximize(f, [(0, 1)], tol="1e-12", grad=lambda u: [2 - 2 * u[0]])
    assert not r.exhausted
    assert r.lower.lower() <= 1 <= r.upper and r.upper - r.lower.lower() <= arb("1e-12")


def test_minimize_swaps_roles():
    f = lambda u: (u[0] - arb(1) / 3) ** 2 + 1
    r = minimize(f, [(-2, 2)], tol="1e-12")
    assert r.lower <= 1 <= r.upper.upper()
    assert r.upper.upper() - r.lower < arb("1e-11")
    assert abs(r.argmax[0] - Fraction(1, 3)) < Fraction(1, 10**5)


def test_budget_exhausted_keeps_valid_bounds():
    f = lambda b: b[0].sin() * b[1].cos() + (3 * b[0] * b[1]).sin()
    r = maximize(f, [(-3, 3), (-3, 3)], tol="1e-12", max_boxes=5)
    assert r.exhausted and r.unresolved
    # an independent dense grid value never exceeds the certified upper bound
    grid = max(mpmath.sin(x) * mpmath.cos(y) + mpmath.sin(3 * x * y)
               for x in mpmath.linspace(-3, 3, 61) for y in mpmath.linspace(-3, 3, 61))
    assert grid <= float(r.upper.mid()) + 1e-12
    assert r.lower.lower() <= grid + 1e-12


def test_nonfinite_enclosures_are_bisected_not_trusted():
    # x + 1/(1 + x - x) = x + 1: the dependency makes 1 + x - x contain 0 on boxes of width >= 1 (enclosure
    # +-inf there); the sup over [0, 2] is 3 and is certified once boxes are thin
    r = maximize(lambda b: b[0] + 1 / (1 + b[0] - b[0]), [(0, 2)], tol="1e-3")
    assert not r.exhausted
    assert r.lower.lower() <= 3 <= r.upper and r.upper - r.lower.lower() <= arb("1e-3")
    # and where the enclosure is never finite near a point (log at 0), the answer stays honest: upper = +inf
    r = maximize(lambda b: b[0].log(), [(0, 2)], tol="1e-10", max_boxes=200)
    assert r.exhausted and not r.upper.is_finite() and r.lower.lower() <= arb(2).log()


def test_point_box_is_unresolved_not_fake():
    # a function whose enclosure never tightens (a wide constant ball) cannot be resolved
    f = lambda b: arb(0, 1) + 0 * b[0]
    r = maximize(f, [(0, 1)], tol="1e-3", max_boxes=50)
    assert r.exhausted and r.upper >= 1


@pytest.mark.parametrize("box", [[], [(1, 0)], [("a", 1)], [(0, 1, 2)]])
def test_maximize_rejects_bad_box(box):
    with pytest.raises(InvalidArgument, match="valid is"):
        maximize(lambda b: b[0], box, tol=0)


def test_maximize_rejects_negative_tol():
    with pytest.raises(InvalidArgument, match="tol"):
        maximize(lambda b: b[0], [(0, 1)], tol=-1)
