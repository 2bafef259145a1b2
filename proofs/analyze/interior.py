r"""The interior part of the analysis: :math:`\sup|\Psi_\mu|` on the box :math:`[-R, R]^{p_u}` (branch-and-bound
with ``certify``, a multistart refined by Newton otherwise, always evaluated in balls), and the MATH.md §3.9 E2
regular-level certificate of the escaping set on that box.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath

from numerics.certified.bnb import as_fraction, point_ball
from numerics.certified.enclosures import sup_abs_psi_box
from numerics.highprec import refine_argmax_abs_psi

from proofs.analyze.balls import _bstr, _lo, _norm, exact_str

__all__ = []


def _interior(problem, enc, *, certify, box_radius, dps, tol, max_boxes, time_limit, seed):
    """Interior part on the box [-R, R]^p_u: certified lower bound at a point, and an upper bound when certifying."""
    import numpy as np

    model, mu, data = problem.model, problem.mu, problem.data
    R = as_fraction(box_radius)
    box = [(-R, R)] * model.p_u
    out = {"box": [exact_str(-R), exact_str(R)], "upper": None, "boxes": 0, "exhausted": None}
    start = None
    if certify:
        res = sup_abs_psi_box(enc, box, tol=tol, max_boxes=max_boxes, time_limit=time_limit)
        out["upper"] = res["upper"] if res["upper"].is_finite() else None
        out["boxes"] = res["bnb"].boxes_explored
        out["exhausted"] = res["bnb"].exhausted
        start = res["argmax"]
    # multistart (numpy) to seed the refinement: particles, a grid of random points, the bnb point
    rng = np.random.default_rng(seed)
    cands = rng.uniform(-float(R), float(R), size=(400, model.p_u))
    U = np.vstack([cands, problem.u_float])
    vals = problem.psi(U, "numpy")
    norms = np.sqrt((vals.reshape(len(U), -1) ** 2).sum(axis=1))
    order = np.argsort(-norms)[:3]
    starts = [list(U[j]) for j in order]
    if start is not None:
        starts.insert(0, [float(v) for v in start])
    best = None
    for s0 in starts:
        try:
            u, _, conv = refine_argmax_abs_psi(model, mu, data, [Fraction(v) for v in s0], dps=dps, max_iter=30)
        except (ZeroDivisionError, ValueError):
            continue
        uq = [Fraction(mpmath.nstr(v, dps + 5, strip_zeros=False, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
              for v in u]
        if any(abs(v) > R for v in uq):  # left the box: keep the start point instead
            uq = [Fraction(v) for v in s0]
        val = _norm(enc.psi([point_ball(v) for v in uq]))
        if best is None or val.mid() > best[0].mid():
            best = (val, uq, conv)
    if start is not None:
        val = _norm(enc.psi([point_ball(v) for v in start]))
        if best is None or val.lower() > best[0].lower():
            best = (val, list(start), False)
    out["value"], out["u"], out["newton_converged"] = best
    return out


def floor_decimal(x, digits: int = 12) -> str:
    """A positive float printed as a decimal rounded down to ``digits`` significant digits (a lower bound stays one)."""
    import math

    q = Fraction(x)
    if q <= 0:
        return exact_str(q)
    e = math.floor(math.log10(q))
    scale = Fraction(10) ** (digits - 1 - e)
    return exact_str(Fraction(math.floor(q * scale)) / scale)


def dyadic_level(lower, bits: int = 24) -> Fraction:
    """The level -S/2 rounded to a dyadic rational (exact in floats and balls): -round(S_lower / 2 * 2^bits) / 2^bits."""
    half = Fraction(_bstr(lower, 15)) / 2
    return -Fraction(round(half * 2 ** bits), 2 ** bits)


def _regular_level(enc, a_hat, lower, box_radius, max_boxes, *, problem=None, r=None, time_limit=20.0,
                   level=None, beta_target=None):
    r"""The regular-level step of the escaping-set argument on the search box: is the level (default -S/2) a
    regular value of :math:`h=\langle\hat a,\Psi\rangle` there, with a certified lower bound :math:`\beta` of
    :math:`\min|\nabla h|` on the level set? Every ridge model :math:`\sigma(\ell(x)\cdot u)` with a C^1 activation
    (builtin or user, monotone or not; :func:`proofs.analyze.levelset_tables.ridge_layout`) uses the vectorised
    outward-rounded certificate of :mod:`numerics.certified.levelset` (the logistic sigmoid and tanh through their
    monotone table, every other one through per-cell ball tables of sigma, sigma', sigma''); other models the
    python-flint bisection of :func:`numerics.certified.enclosures.certify_regular_level` (slower). The note says
    "certified" only when the certificate finished; otherwise the status is "inconclusive" and no bound is given."""
    from numerics.certified.enclosures import certify_regular_level

    a = [Fraction(v) for v in a_hat]
    level = dyadic_level(lower) if level is None else Fraction(level)
    R = as_fraction(box_radius)
    rs = None
    if problem is not None and r is not None:
        from proofs.analyze.levelset_tables import ridge_sum_from_problem

        try:
            rs = ridge_sum_from_problem(problem.model, problem.data, r, a)
        except (NotImplementedError, ArithmeticError, TypeError):  # no ball table: the slow path decides
            rs = None
    if rs is not None:
        from numerics.certified.levelset import certify_ridge_level

        c = certify_ridge_level(rs, level, R, max_boxes=max(max_boxes, 2_000_000), time_limit=time_limit,
                                beta_target=beta_target)
        box = c.box[0]
        method = ("vectorised outward-rounded interval bisection (centred and first-order forms; "
                  + ("monotone table of the logistic sigmoid)" if rs.table is None else
                     f"per-cell python-flint ball tables of {rs.activation} and its first two derivatives)"))
        certified, beta, boxes, meets = c.certified, c.beta_lower, c.boxes, not c.level_set_empty
        beta_s = None if beta is None else floor_decimal(beta)
        stopped = c.stopped
        seconds = c.seconds
        box_s = [exact_str(Fraction(box[0])), exact_str(Fraction(box[1]))]
    else:
        import time as _time

        t0 = _time.perf_counter()
        h, gh = enc.h(a)
        c = certify_regular_level(h, gh, [(-R, R)] * enc.p_u, level, max_boxes=max_boxes, min_width="1e-9")
        method = "python-flint ball bisection"
        certified, boxes, meets = c.certified, c.boxes, not c.level_set_empty
        beta_s = _lo(c.beta_lower, 12) if c.beta_lower is not None else None
        stopped = "" if c.certified else f"box budget {max_boxes} spent or an undecided narrow box"
        seconds = _time.perf_counter() - t0
        box_s = [exact_str(-R), exact_str(R)]
    if certified:
        status = "certified"
        note = ("certified: grad_u h != 0 on {h = level} inside the box, with min |grad h| >= beta_lower there "
                "(the level set may continue outside the box, where bounded features flatten: A.2)")
        if not meets:
            note = "certified: the level set {h = level} does not meet the box"
    else:
        status = "inconclusive"
        note = (f"inconclusive: the certificate did not finish ({stopped}); no lower bound of |grad h| on the level "
                "set is claimed (raise the budget: time limit or boxes, or shrink --box-radius)")
    return {"level": exact_str(level), "a_hat_exact": [exact_str(v) for v in a], "box": box_s,
            "certified": certified, "status": status, "level_set_meets_box": meets if certified else None,
            "beta_lower": beta_s if certified else None, "boxes": boxes, "method": method,
            "seconds": round(seconds, 3), "note": note}
