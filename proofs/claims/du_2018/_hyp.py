"""Instance validation and hypothesis tests shared by the Du et al. 2018 / 2019 claims (a helper module, not a
claim family).

A claim's check tests its hypotheses on the instance before deciding: an instance that violates one is reported
``inconclusive`` with "hypothesis ... fails on this instance" (never ``refuted``: dropping a hypothesis of a true
theorem does not make the theorem false). Unknown instance keys are rejected.
"""
from __future__ import annotations

from fractions import Fraction

from proofs.errors import InvalidArgument

__all__ = ["check_keys", "as_int", "as_fraction_key", "parallel_pair", "non_unit", "hypothesis_fails"]


def check_keys(inst: dict, allowed) -> None:
    """InvalidArgument listing the allowed keys when ``inst`` has another one (``name`` is always allowed)."""
    allowed = set(allowed) | {"name"}
    bad = sorted(k for k in inst if k not in allowed)
    if bad:
        raise InvalidArgument(f"unknown instance key(s) {', '.join(map(repr, bad))}; valid are "
                              f"{', '.join(sorted(allowed))}")


def as_int(inst, key, default, lo=1, hi=10 ** 6):
    v = inst.get(key, default)
    if isinstance(v, bool):
        raise InvalidArgument(f"instance key {key!r} must be an integer, got {v!r}")
    try:
        v = int(v)
    except (TypeError, ValueError):
        raise InvalidArgument(f"instance key {key!r} must be an integer, got {v!r}") from None
    if not lo <= v <= hi:
        raise InvalidArgument(f"instance key {key!r} must lie in [{lo}, {hi}], got {v}")
    return v


def as_fraction_key(inst, key, default=None):
    """An exact rational from a decimal / fraction string or a number (InvalidArgument otherwise)."""
    v = inst.get(key, default)
    if v is None:
        raise InvalidArgument(f"instance key {key!r} is required (a number or a decimal string such as '9/10')")
    try:
        q = Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(f"instance key {key!r} must be a finite number or decimal string, got {v!r}") from None
    return q


def parallel_pair(X):
    """(i, j) with x_j = c x_i for some c != 0 (parallel or antiparallel, exact), or None."""
    seen = {}
    for i, row in enumerate(X):
        q = [Fraction(v) for v in row]
        lead = next((v for v in q if v != 0), None)
        if lead is None:
            return (i, i)  # the zero vector is parallel to everything
        key = tuple(v / lead for v in q)  # direction up to sign
        if key in seen:
            return (seen[key], i)
        seen[key] = i
    return None


def non_unit(X):
    """Index of the first input with |x_i|^2 != 1 (exact), or None."""
    for i, row in enumerate(X):
        if sum(Fraction(v) ** 2 for v in row) != 1:
            return i
    return None


def hypothesis_fails(inconclusive, cid, inst, hypothesis: str, detail: str, *, assumptions, statement):
    """The ``inconclusive`` result of a check whose hypothesis fails on the instance."""
    return inconclusive(cid, inst, margin=None, method="hypothesis test", precision="exact",
                        assumptions=assumptions, scope="instance", statement=statement,
                        stats={"hypothesis_failed": hypothesis},
                        message=f"hypothesis {hypothesis!r} fails on this instance ({detail}): the claim says "
                                "nothing here (not a counterexample)")


def unit_inputs(n, d, seed, unit=True):
    """Seeded inputs: exact rational points on the unit sphere (stereographic projection of rationals with
    denominator 100: |x|^2 = 1 exactly) when ``unit``, else 4-digit rationals. A row parallel or antiparallel to an
    earlier one (or zero) is resampled, so the generated inputs meet "no two inputs parallel"."""
    from proofs.errors import InvalidArgument

    if d < 2 and n > 1:
        raise InvalidArgument(f"got n={n}, d={d}: two inputs in dimension 1 are always parallel; valid is d >= 2")
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 100 * n + 1000:
            raise InvalidArgument(f"could not draw n={n} non-parallel inputs in d={d}; use a larger d")
        row = rng.standard_normal(d)
        if unit:
            t = [Fraction(round(v * 100), 100) for v in row[:-1]]
            s = sum(v * v for v in t)
            cand = [str(2 * v / (1 + s)) for v in t] + [str((1 - s) / (1 + s))]
        else:
            cand = [str(Fraction(round(v * 10 ** 4), 10 ** 4)) for v in row]
        if parallel_pair(out + [cand]) is None:
            out.append(cand)
    return out
