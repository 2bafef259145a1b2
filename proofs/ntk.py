"""The NTK Gram positive-definiteness verdict: lambda_min of the two-layer ReLU Gram matrix H^infty (MATH.md §4.2).

H^infty by the angle formula, a float64 estimate of lambda_min, and on request a ball-Cholesky certified lower
bound with a Rayleigh upper bound; ``refuted`` only from the exact singularity witness of two positively parallel
inputs (Theorem 3.1's hypothesis fails). ``escset ntk`` parses its options and calls :func:`ntk_lambda_min`.
"""
from __future__ import annotations

__all__ = ["ntk_lambda_min", "floor_decimal"]


def ntk_lambda_min(X, *, certify: bool = False, dps: int = 30) -> dict:
    """lambda_min of H^infty (float64 estimate) and, with ``certify``, a ball-Cholesky certified lower bound.

    ``positive_definite`` is ``proved`` only from a certified lower bound > 0; ``refuted`` only when an exact
    certificate of singularity exists (two inputs parallel with the same direction make two rows proportional:
    the 2x2 principal minor is exactly 0, so lambda_min <= 0 — MATH.md §4.2, Theorem 3.1's hypothesis fails);
    otherwise ``inconclusive``.
    """

    from numerics.certified.bnb import as_fraction
    from numerics.certified.linalg import (eigh_float, eigvalsh_float, lambda_min_lower, lambda_min_upper, relu_gram_ball,
                                 relu_gram_float)
    from numerics.certified.precision import arb_prec, dps_to_bits, outward_decimal

    Q = [[as_fraction(v) for v in row] for row in X]
    H = relu_gram_float([[float(v) for v in row] for row in Q])
    est = float(eigvalsh_float(H)[0])  # BLAS held to one thread (numerics.certified.linalg)
    out = {"lambda_min": repr(est), "positive_definite": "inconclusive", "scope": "instance",  # these inputs
           "certified_lower_bound": None,
           "n": len(Q), "precision": "float64 (numpy eigvalsh)", "method": "estimate"}
    # exact singularity witness: x_j = c x_i with c > 0 gives proportional rows of H^infty
    par = _parallel_pair(Q)
    if par is not None:
        out.update({"positive_definite": "refuted", "witness": {"parallel_inputs": list(par)},
                    "message": f"inputs {par[0]} and {par[1]} are positively parallel: rows of H^infty are "
                               "proportional, so H^infty is singular (exact)"})
        return out
    if not certify:
        out["message"] = "float64 estimate only: add --certify for a ball-Cholesky certificate"
    if certify:
        bits = max(128, dps_to_bits(dps))
        with arb_prec(bits):
            Hb = relu_gram_ball(Q)
            cert = lambda_min_lower(Hb, estimate=est)
            ub = lambda_min_upper(Hb, [float(t) for t in eigh_float(H)[1][:, 0]])
        # upper bound rounded up, lower bound rounded down: one printer (numerics.certified.precision.outward_decimal)
        out["certified_upper_bound"] = outward_decimal(ub, True, 20) if ub.is_finite() else None
        out["precision"] = f"arb {bits} bits (ball Cholesky)"
        out["method"] = "ball Cholesky of H - tI"
        out["seconds"] = round(cert.seconds, 3)
        if cert.lower is not None:
            out["certified_lower_bound"] = outward_decimal(cert.lower, False, 20)
            out["certified_lower_bound_exact"] = f"{cert.lower.numerator}/{cert.lower.denominator}"
            out["positive_definite"] = cert.positive_definite
        if out["positive_definite"] != "proved":
            out["message"] = ("no certified positive lower bound: the Cholesky of H - tI failed for every t tried; "
                              "raise --dps (ball radii) or the inputs are nearly parallel")
    return out


def floor_decimal(q, digits: int) -> str:
    """A decimal string <= q (rounded toward -infinity) with ``digits`` significant digits (kept for callers;
    it is :func:`numerics.certified.precision.outward_decimal` with ``up=False``)."""
    from numerics.certified.precision import outward_decimal

    return outward_decimal(q, False, digits)


def _parallel_pair(Q):
    seen = {}
    for i, q in enumerate(Q):
        lead = next(v for v in q if v != 0)
        key = tuple(v / abs(lead) for v in q)
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None
