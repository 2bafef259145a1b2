"""Outward decimal printing of ball endpoints (numerics.certified.precision.outward_decimal).

Reference: the exact rational endpoint mid +- rad (python-flint ``man_exp``) compared with the printed
decimal as an exact Fraction: the printed upper end is >= the true one, the lower end <=, and
both are within one unit of the last printed digit. Huge exponents are clamped outward, fast.
"""
from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction

import flint
import pytest
from hypothesis import given, strategies as st

from numerics.certified.precision import OUTWARD_CLAMP_DIGITS, arb_endpoint_fraction, arb_prec, outward_decimal


def _exact(end):
    return arb_endpoint_fraction(end)


@given(st.integers(-10 ** 30, 10 ** 30), st.integers(-400, 400), st.integers(0, 10 ** 6), st.integers(1, 25))
def test_outward_decimal_encloses_and_is_tight(man, exp, rad_man, digits):
    x = flint.arb(flint.arf((man, exp)), flint.arf((rad_man, exp - 20)))
    mid, rad = _exact(x.mid()), _exact(x.rad())
    for up, q in ((True, mid + rad), (False, mid - rad)):  # the exact ends (x.upper() rounds to ctx.prec)
        s = outward_decimal(x, up, digits)
        p = Fraction(Decimal(s))
        assert (p >= q) if up else (p <= q), (s, q)
        if q != 0:
            # at most one unit in the last printed digit away (plus the step taken outward)
            assert abs(p - q) <= 2 * Fraction(10) ** (Decimal(abs(q.numerator) / abs(q.denominator)).adjusted()
                                                      - digits + 1), (s, q)


@pytest.mark.parametrize("sign", [1, -1])
def test_outward_decimal_huge_and_tiny_exponents_are_clamped_outward_and_fast(sign):
    huge = sign * flint.arb(3) * flint.arb(2) ** (2 ** 40)
    tiny = sign / (flint.arb(3) * flint.arb(2) ** (2 ** 40))
    t0 = time.perf_counter()
    hu, hl = outward_decimal(huge, True), outward_decimal(huge, False)
    tu, tl = outward_decimal(tiny, True), outward_decimal(tiny, False)
    assert time.perf_counter() - t0 < 1.0  # no 2^(2^40) integer is built
    big, small = Fraction(10) ** OUTWARD_CLAMP_DIGITS, Fraction(1, 10 ** OUTWARD_CLAMP_DIGITS)
    if sign > 0:
        assert (hu, hl) == ("inf", f"1e+{OUTWARD_CLAMP_DIGITS}") and Fraction(Decimal(hl)) == big
        assert (tu, tl) == (f"1e-{OUTWARD_CLAMP_DIGITS}", "0") and Fraction(Decimal(tu)) == small
    else:
        assert (hu, hl) == (f"-1e+{OUTWARD_CLAMP_DIGITS}", "-inf")
        assert (tu, tl) == ("0", f"-1e-{OUTWARD_CLAMP_DIGITS}")


def test_outward_decimal_non_finite():
    assert outward_decimal(flint.arb("nan"), True) == "nan"
    wide = flint.arb(0, flint.arf("inf"))
    assert (outward_decimal(wide, True), outward_decimal(wide, False)) == ("inf", "-inf")


@pytest.mark.parametrize("digits", [29, 40, 60])
def test_outward_decimal_stays_outward_beyond_28_digits(digits):
    """Decimal's default context has 28 digits: a normalize() outside the working context rounded every bound
    printed with more digits to nearest (analyze prints S(mu) with up to 50)."""
    with arb_prec(400):
        for x in (flint.arb(1) / 3, flint.arb(2) / 3, -flint.arb(2).sqrt(), flint.arb.pi() * 10 ** 40):
            lo, hi = (Fraction(Decimal(outward_decimal(x, up, digits))) for up in (False, True))
            mid, rad = _exact(x.mid()), _exact(x.rad())
            assert lo <= mid - rad and hi >= mid + rad, (x, digits, lo, hi)
            assert len(Decimal(outward_decimal(x, True, digits)).as_tuple().digits) == digits


def test_outward_decimal_is_exact_outside_the_balls_precision_context():
    """A 141-bit ball printed at the default 53-bit context keeps its 141-bit ends (no re-rounding to 53 bits)."""
    with arb_prec(141):
        x = flint.arb(1) / 3
    lo = Fraction(Decimal(outward_decimal(x, False, 40)))
    assert lo <= Fraction(1, 3) and Fraction(1, 3) - lo < Fraction(1, 10 ** 39)


@pytest.mark.parametrize("q", [Fraction(1, 3), Fraction(-22, 7), Fraction(10 ** 50 + 1, 10 ** 20), 0.1, -2.5e-300])
def test_outward_decimal_of_exact_numbers(q):
    import mpmath

    for x in (q, mpmath.mpf(q) if isinstance(q, float) else None):
        if x is None:
            continue
        lo, hi = (Fraction(Decimal(outward_decimal(x, up, 20))) for up in (False, True))
        assert lo <= Fraction(q) <= hi and hi - lo <= abs(Fraction(q)) * Fraction(2, 10 ** 19)
