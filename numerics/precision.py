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


def outward_decimal(x, up: bool, digits: int = 17) -> str:
    """Decimal string of the upper (``up``) or lower end of the ball ``x``, rounded outward to ``digits``
    significant digits, so that printed enclosures stay rigorous. Non-finite ends print as ``inf``/``-inf``/``nan``."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
    from fractions import Fraction

    if not x.is_finite():
        return "nan" if x.is_nan() else ("inf" if up else "-inf")
    q = arb_endpoint_fraction(x.upper() if up else x.lower())
    if q == 0:
        return "0"
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
