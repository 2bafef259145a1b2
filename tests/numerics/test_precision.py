"""Outward decimal printing of ball endpoints (numerics.precision.outward_decimal).

Reference: the exact rational endpoint (python-flint ``man_exp``) compared with the printed
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

from numerics.precision import OUTWARD_CLAMP_DIGITS, arb_endpoint_fraction, outward_decimal


def _exact(end):
    return arb_endpoint_fraction(end)


@given(st.integers(-10 ** 30, 10 ** 30), st.integers(-400, 400), st.integers(0, 10 ** 6), st.integers(1, 25))
def test_outward_decimal_encloses_and_is_tight(man, exp, rad_man, digits):
    x = flint.arb(flint.arf((man, exp)), flint.arf((rad_man, exp - 20)))
    for up, end in ((True, x.upper()), (False, x.lower())):
        q = _exact(end)
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
