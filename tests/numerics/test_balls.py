"""numerics.balls.to_arb: every conversion encloses the exact value it was given (the sign included).

Reference: the exact rational of an mpf read from mpmath's own ``man_exp`` (magnitude) and the comparison
``v < 0`` (sign), independently of the converter's code path.
"""
from fractions import Fraction

import mpmath
import pytest
from flint import arb, fmpq

from numerics.balls import to_arb


def _exact(v: mpmath.mpf) -> Fraction:
    man, exp = v.man_exp
    mag = Fraction(abs(int(man))) * (Fraction(2) ** int(exp))
    return -mag if v < 0 else mag


def _contains(ball, q: Fraction) -> bool:
    return bool(ball.contains(arb(fmpq(q.numerator, q.denominator))))


@pytest.mark.parametrize("text", ["-1.5", "-0.1", "-1e-30", "-123456789.123456789", "0", "2.5", "1e40", "-7"])
@pytest.mark.parametrize("dps", [15, 60])
def test_mpf_ball_encloses_the_exact_value_with_its_sign(text, dps):
    with mpmath.workdps(dps):
        v = mpmath.mpf(text)
    ball = to_arb(v)
    assert _contains(ball, _exact(v))
    if v != 0:
        assert (ball < 0) == (v < 0) and (ball > 0) == (v > 0)


@pytest.mark.parametrize("v", ["-3/7", Fraction(-3, 7), -2, -0.375])
def test_exact_inputs_stay_exact_and_signed(v):
    ball = to_arb(v)
    q = Fraction(v)
    assert _contains(ball, q) and ball < 0


def test_non_finite_mpf_is_refused():
    with pytest.raises(TypeError):
        to_arb(mpmath.inf)
