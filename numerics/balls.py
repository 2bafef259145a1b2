"""Numbers to python-flint balls: :func:`to_arb`, the one converter of a number to an ``arb`` ball.

A module of its own at the bottom of numerics (it imports nothing of escset), so that both
:mod:`numerics.particles` (the ``"arb"`` backend of :func:`numerics.particles.convert`) and
:mod:`numerics.certified` (which evaluates particles) use it without an import cycle;
:mod:`proofs.symbolic.codegen` re-exports it.
"""
from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["to_arb"]


def to_arb(v):
    """An ``arb`` enclosing ``v`` (ints, Fractions and decimal strings exactly rounded)."""
    import sys
    from fractions import Fraction

    from flint import arb, fmpq

    if isinstance(v, arb):
        return v
    if isinstance(v, (int, np.integer)):
        return arb(int(v))
    if isinstance(v, Fraction):
        return arb(fmpq(v.numerator, v.denominator))
    sp = sys.modules.get("sympy")  # a sympy Rational only exists once sympy is loaded: never import it here
    if sp is not None and isinstance(v, sp.Rational):
        return arb(fmpq(int(v.p), int(v.q)))
    if isinstance(v, str):
        f = Fraction(v)
        return arb(fmpq(f.numerator, f.denominator))
    if isinstance(v, (float, np.floating)):
        return arb(float(v))  # a float is an exact dyadic rational
    if isinstance(v, mpmath.mpf):
        if not mpmath.isfinite(v):
            raise TypeError(f"cannot convert the non-finite number {v} to a ball")
        sign, man, exp, _ = v._mpf_  # man_exp drops the sign: read the raw tuple
        return arb(-int(man) if sign else int(man)) * arb(2) ** int(exp)
    raise TypeError(f"cannot convert {type(v).__name__} to a ball")
