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
