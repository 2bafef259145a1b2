"""Shared reading of instance parameters for the Petit-Poon-Peyre claim families (a helper module: not a family)."""
from __future__ import annotations

from proofs.errors import InvalidArgument


def integer_param(inst, key, default, lo, hi) -> int:
    """``inst[key]`` (default ``default``) as an integer in [lo, hi]; booleans and non-integers are refused with one
    line (InvalidArgument)."""
    v = inst.get(key, default)
    try:
        ok = not isinstance(v, bool) and float(v) == int(float(v)) and lo <= int(float(v)) <= hi
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InvalidArgument(f"{key}={v!r}; valid is an integer in [{lo}, {hi}]")
    return int(float(v))
