"""Small helpers of the analysis: exact numbers as decimal strings, balls printed outward, ball norms and sums."""
from __future__ import annotations

from fractions import Fraction

from numerics.certified.precision import outward_decimal

__all__ = ["exact_str"]


def exact_str(q) -> str:
    """A Fraction as a finite decimal string when it has one, else "p/q" (both read exactly by the loaders)."""
    q = Fraction(q)
    d = q.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{q.numerator}/{q.denominator}"
    e = max(twos, fives)
    scaled = q * 10 ** e
    s = str(abs(scaled.numerator)).rjust(e + 1, "0")
    out = s[:-e] + "." + s[-e:] if e else s
    out = out.rstrip("0").rstrip(".") if "." in out else out
    return ("-" if q < 0 else "") + out


def _bstr(x, digits=25) -> str:
    """Decimal string of a ball's midpoint: for chosen points and directions only (a_hat, a level), which are
    exact once printed. Bounds are printed by :func:`numerics.certified.precision.outward_decimal` (lower bounds down,
    upper bounds up), values by :func:`numerics.certified.precision.value_decimal` (only the digits the radius justifies)."""
    if not x.is_finite():
        return "nan" if x.is_nan() else "inf"
    return x.mid().str(digits, radius=False)


def _lo(x, digits=25) -> str:
    """A certified lower bound, printed rounded down."""
    return outward_decimal(x, False, digits)


def _up(x, digits=25) -> str:
    """A certified upper bound, printed rounded up."""
    return outward_decimal(x, True, digits)


def _norm(vec):
    from flint import arb

    s = arb(0)
    for v in vec:
        s = s + v * v
    return s.nonnegative_part().sqrt() if s.is_finite() else arb("nan")


def _is_exact_zero(b) -> bool:
    return b.is_exact() and b.is_zero()


def _vsum(rows, idx, k):
    from flint import arb

    out = [arb(0)] * k
    for i in idx:
        for c in range(k):
            out[c] = out[c] + rows[i][c]
    return out

