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


def _regular_level(enc, a_hat, lower, box_radius, max_boxes):
    """MATH.md §3.9 E2 / §1b A.2 on the search box: is -S/2 a regular value of h = <a_hat, Psi> there?"""
    from numerics.certified.enclosures import certify_regular_level

    a = [Fraction(v) for v in a_hat]
    level = -Fraction(_bstr(lower, 12)) / 2
    R = as_fraction(box_radius)
    h, gh = enc.h(a)
    c = certify_regular_level(h, gh, [(-R, R)] * enc.p_u, level, max_boxes=max_boxes, min_width="1e-9")
    return {"level": exact_str(level), "a_hat_exact": [exact_str(v) for v in a], "box": [exact_str(-R), exact_str(R)],
            "certified": c.certified, "level_set_meets_box": not c.level_set_empty,
            "beta_lower": _lo(c.beta_lower, 12) if c.beta_lower is not None else None, "boxes": c.boxes,
            "note": "certified: grad_u h != 0 on {h = level} inside the box, with min |grad h| >= beta_lower there "
                    "(the level set may continue outside the box, where bounded features flatten: A.2)"}

