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

__all__ = ["workdps", "arb_prec", "dps_to_bits", "TOLERANCE", "tolerance", "mp_tolerance", "outward_decimal",
           "enclosure_decimal", "value_decimal", "exact_fraction"]

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


def exact_fraction(x):
    """The exact rational value of a finite point number: int, Fraction, float, Decimal, a decimal string, an mpmath
    ``mpf`` or an exact python-flint ``arb``/``arf`` (its midpoint); None for non-finite values."""
    from decimal import Decimal
    from fractions import Fraction

    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, (int, Fraction)):
        return Fraction(x)
    if isinstance(x, float):
        return Fraction(x) if math.isfinite(x) else None
    if isinstance(x, Decimal):
        return Fraction(x) if x.is_finite() else None
    if isinstance(x, str):
        return Fraction(x)
    if isinstance(x, mpmath.mpf):
        if not mpmath.isfinite(x):
            return None
        sign, m, e, _ = x._mpf_  # mpf.man_exp drops the sign
        m, e = (-int(m) if sign else int(m)), int(e)
        return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)
    import flint

    if isinstance(x, flint.arf):
        x = flint.arb(x)
    if isinstance(x, flint.arb):
        if not x.is_finite():
            return None
        return arb_endpoint_fraction(x)
    raise TypeError(f"not a number: {type(x).__name__}")


def _fraction2(m: int, e: int):
    from fractions import Fraction

    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


def _round_fraction(q, up: bool, digits: int) -> str:
    """``q`` (a Fraction) rounded to ``digits`` significant decimal digits, up (towards +inf) or down."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
    from fractions import Fraction

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
        # normalize() rounds to the context precision: inside this context (digits + 40), never the default 28
        # digits (round-half-even), which would undo the outward rounding of any bound printed with > 28 digits
        d = d.normalize()
    return format(d, "g")


def outward_decimal(x, up: bool, digits: int = 17) -> str:
    """THE printer of bounds: a decimal string ``>=`` (``up``) or ``<=`` the bound, ``digits`` significant digits.

    Every command prints its lower bounds with ``up=False`` and its upper bounds with ``up=True`` through this
    function, so that a printed bound is still a bound. ``x`` is a python-flint ball (its upper or lower end is
    printed), an mpmath interval ``mpi`` (its ``b`` or ``a`` end), or an exact point number (int, Fraction,
    float, Decimal, decimal string, mpmath ``mpf``: the number itself, rounded outward). Non-finite ends print as
    ``inf``/``-inf``/``nan``."""
    from fractions import Fraction

    if isinstance(x, mpmath.ctx_iv.ivmpf):
        x = x.b if up else x.a
        x = mpmath.mpf(x)
    import flint

    if isinstance(x, flint.arf):
        x = flint.arb(x)
    if not isinstance(x, flint.arb):
        if isinstance(x, float) and math.isnan(x) or isinstance(x, mpmath.mpf) and mpmath.isnan(x):
            return "nan"
        if isinstance(x, float) and math.isinf(x) or isinstance(x, mpmath.mpf) and mpmath.isinf(x):
            return "inf" if x > 0 else "-inf"
        return _round_fraction(exact_fraction(x), up, digits)
    if not x.is_finite():
        return "nan" if x.is_nan() else ("inf" if up else "-inf")
    # the end mid +- rad exactly, whatever the caller's flint precision (x.upper()/x.lower() would round it to
    # ctx.prec: outward, but a 141-bit enclosure printed outside its precision context would come out at 53 bits)
    (mm, me), (rm, re_) = x.mid().man_exp(), x.rad().man_exp()
    mm, me, rm, re_ = int(mm), int(me), int(rm), int(re_)
    if all(-OUTWARD_MAX_BITS < t < OUTWARD_MAX_BITS for t in (me, re_, me + mm.bit_length(), re_ + rm.bit_length())):
        q = _fraction2(mm, me) + (_fraction2(rm, re_) if up else -_fraction2(rm, re_))
        return _round_fraction(q, up, digits)
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
    return _round_fraction(q, up, digits)


def enclosure_decimal(x, digits: int = 17, *, nonnegative: bool = False) -> list:
    """``[lower, upper]`` of a ball as outward-rounded decimal strings (:func:`outward_decimal`); with
    ``nonnegative`` the lower end is clamped at 0 (for a quantity known to be >= 0, such as a norm)."""
    lo = outward_decimal(x, False, digits)
    if nonnegative and (lo.startswith("-") or lo == "nan"):
        lo = "0"
    return [lo, outward_decimal(x, True, digits)]


def value_decimal(x, digits: int = 20) -> str:
    """An approximate value (not a bound): the digits of a ball that its radius justifies, rounded to nearest.

    For estimates only (a best value found, a direction); bounds go through :func:`outward_decimal`."""
    import flint

    if isinstance(x, flint.arb):
        if not x.is_finite():
            return "nan" if x.is_nan() else "inf"
        s = x.str(digits, radius=False)
        return s if "[" not in s else x.mid().str(3, radius=False)  # no digit certain: a 3-digit midpoint
    if isinstance(x, mpmath.mpf):
        return mpmath.nstr(x, digits)
    return str(x)
