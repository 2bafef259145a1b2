"""Scoped precision for mpmath and python-flint, and the tolerance table.

Library code never changes ``mp.dps`` or ``flint.ctx.prec`` for the caller:
:func:`workdps` and :func:`arb_prec` restore them in a ``finally``
(STYLE.md "Precision, dtype and backends").
"""
from __future__ import annotations

import contextlib
import math

import mpmath
import numpy as np

__all__ = ["workdps", "arb_prec", "dps_to_bits", "TOLERANCE", "tolerance", "mp_tolerance"]

#: default tolerances per dtype (Neural Tangents' ``_DEFAULT_TOLERANCE`` idea)
TOLERANCE = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-10}


def tolerance(dtype) -> float:
    return TOLERANCE[np.dtype(dtype)]


def mp_tolerance(dps: int):
    """Tolerance tied to the working precision, ``10**(-dps+5)`` (mpmath's habit)."""
    return mpmath.mpf(10) ** (-dps + 5)


def dps_to_bits(dps: int) -> int:
    return int(math.ceil(dps * math.log2(10))) + 8


@contextlib.contextmanager
def workdps(dps: int):
    """Scoped mpmath decimal precision (the caller's ``mp.dps`` is restored)."""
    old = mpmath.mp.prec
    try:
        mpmath.mp.dps = int(dps)
        yield
    finally:
        mpmath.mp.prec = old


@contextlib.contextmanager
def arb_prec(bits: int):
    """Scoped python-flint working precision in bits."""
    import flint

    old = flint.ctx.prec
    try:
        flint.ctx.prec = int(bits)
        yield
    finally:
        flint.ctx.prec = old


def arb_endpoint_fraction(x):
    """The exact rational value of an exact ball (its midpoint), e.g. of ``ball.lower()``."""
    from fractions import Fraction

    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


#: endpoints beyond 2^+-OUTWARD_MAX_BITS are printed as the clamped bounds 10^+-OUTWARD_CLAMP_DIGITS
#: (2^100000 > 10^30102 > 10^30000): outward, and cheap whatever the exponent
OUTWARD_MAX_BITS = 100_000
OUTWARD_CLAMP_DIGITS = 30_000


def outward_decimal(x, up: bool, digits: int = 17) -> str:
    """Decimal string of the upper (``up``) or lower end of the ball ``x``, rounded outward to ``digits``
    significant digits, so that printed enclosures stay rigorous. Non-finite ends print as ``inf``/``-inf``/``nan``."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
    from fractions import Fraction

    if not x.is_finite():
        return "nan" if x.is_nan() else ("inf" if up else "-inf")
    end = x.upper() if up else x.lower()
    m, e = end.mid().man_exp()
    m, e = int(m), int(e)
    if m == 0:
        return "0"
    # arb exponents are unbounded (a ball can be 2^(2^40)): never build such an integer; beyond
    # 2^+-OUTWARD_MAX_BITS print a valid outward bound at 10^+-OUTWARD_CLAMP_DIGITS instead
    mag = e + m.bit_length()  # 2^(mag-1) <= |end| < 2^mag
    if mag > OUTWARD_MAX_BITS:  # |end| > 10^OUTWARD_CLAMP_DIGITS
        big = f"1e+{OUTWARD_CLAMP_DIGITS}"
        return ("inf" if up else big) if m > 0 else ("-" + big if up else "-inf")
    if mag < -OUTWARD_MAX_BITS:  # 0 < |end| < 10^-OUTWARD_CLAMP_DIGITS
        tiny = f"1e-{OUTWARD_CLAMP_DIGITS}"
        return (tiny if up else "0") if m > 0 else ("0" if up else "-" + tiny)
    q = Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)
    with localcontext() as ctx:
        ctx.prec = digits + 40
        d = Decimal(q.numerator) / Decimal(q.denominator)
        d = d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_CEILING if up else ROUND_FLOOR)
        # the division above is itself rounded: step once more outward if it landed inside
        if up and Fraction(d) < q:
            d = d.next_plus()
        if not up and Fraction(d) > q:
            d = d.next_minus()
    return format(d.normalize(), "g")
