r"""Diagnostics of the escaping set that :func:`proofs.analyze.analyze` adds to its ``escaping_set`` block, and that
:func:`proofs.analyze.escaping.escaping_set` reports (MATH.md §1b A.2, A.3): the robustness radius of the compact
part, the profile of h and |grad h| along a ray to infinity (with a certified exponential bound for the logistic
sigmoid and tanh), and the summary of the attention hardmax limits. This module does not import the analysis (the
analysis imports it).
"""
from __future__ import annotations

import math
from fractions import Fraction

from proofs.errors import InvalidArgument

__all__ = ["robustness_radius", "ray_profile", "extend_analysis_block", "attention_limits_summary"]


def robustness_radius(epsilon, beta) -> dict:
    r"""The C¹ radius of A.2 on the compact part, from a certified level :math:`-\epsilon` and margin :math:`\beta`.

    Inequality used: let :math:`\tilde h` be a perturbation of :math:`h` on :math:`K` with
    :math:`\sup_K|\tilde h-h|\le\delta_0` and :math:`\sup_K|\nabla_u\tilde h-\nabla_uh|\le\delta_1`, and let the flow be
    :math:`u'=-r\nabla_u\tilde h`, :math:`r'=-\tilde h` (fixed :math:`\hat a`; exact for scalar outputs). On
    :math:`\{h=-\epsilon\}\cap K`,

    .. math:: \frac{d}{dt}h(u)=-r\,\nabla h\cdot\nabla\tilde h\le-r|\nabla h|\,(|\nabla h|-\delta_1)\le-r\beta(\beta-\delta_1)<0

    when :math:`\delta_1<\beta`, so trajectories cross the level set only inwards while they stay in :math:`K`; and
    inside :math:`\{h<-\epsilon\}`, :math:`r'=-\tilde h\ge\epsilon-\delta_0>0` when :math:`\delta_0<\epsilon`. Hence
    :math:`\{h<-\epsilon\}\cap K` is forward invariant (up to leaving through the faces of :math:`K`) and :math:`|a|`
    grows at least like :math:`(\epsilon-\delta_0)t` for every perturbation with :math:`\delta_0<\epsilon`,
    :math:`\delta_1<\beta`. Returns the two strict radii as strings (the certified quantities themselves).
    """
    eps = Fraction(epsilon)
    if eps <= 0:
        raise InvalidArgument(f"got epsilon={epsilon!r}, valid is a positive level depth (the level is -epsilon)")
    out = {"sup_perturbation_of_h_below": _s(eps), "sup_perturbation_of_grad_h_below": None,
           "inequality": "d/dt h <= -r |grad h| (|grad h| - delta_1) <= -r beta (beta - delta_1) on {h = -eps}; "
                         "r' = -h_tilde >= eps - delta_0 inside",
           "holds_on": "the compact part K (trajectories that stay in the box); fixed a_hat (exact for k = 1)"}
    if beta is not None:
        b = Fraction(beta)
        if b > 0:
            out["sup_perturbation_of_grad_h_below"] = _s(b)
    return out


def _s(q: Fraction) -> str:
    from proofs.analyze.balls import exact_str

    try:
        return exact_str(q)
    except Exception:  # pragma: no cover - exact_str handles every Fraction
        return str(q)


def _ridge_ball_data(problem, r, a_hat):
    """c_i = <a_hat, r_i>/n and xt_i = (x_i, 1) as balls, with the tanh rescaling (tanh z = 2 sigma(2z) - 1)."""
    from flint import arb

    from numerics.certified.bnb import point_ball

    act = problem.model.activation
    scale = 2 if act.name == "tanh" else 1
    n = problem.n
    a = [point_ball(Fraction(v)) for v in a_hat]
    cs = [sum((ai * rc for ai, rc in zip(a, ri)), arb(0)) * scale / n for ri in r]
    xs = [[point_ball(Fraction(str(v)) * scale) for v in x] + [arb(scale)] for x in problem.data.X]
    return cs, xs


def ray_profile(problem, r, a_hat, direction, *, ts=(1, 2, 4, 8, 16, 32, 64), limit=None) -> dict:
    r"""h and |grad_u h| along the ray u = t v (v = (w, b) exact) for a sigmoid-type model, in python-flint balls.

    Reports the values, the fitted decay rate of :math:`|\nabla_uh|` (least squares on :math:`\log|\nabla h|`
    against :math:`t` over the last half of the points: a fit, not a bound) and, for the builtin logistic sigmoid and
    tanh, the certified bound with rate :math:`\lambda=\min_i|v\cdot\tilde x_i|` (see the module docstring).
    """
    from flint import arb

    from numerics.certified.bnb import point_ball
    from numerics.certified.enclosures import PsiEnclosure

    from proofs.analyze.balls import _lo, _norm, _up

    enc = PsiEnclosure(problem.model, problem.mu, problem.data, r=r)
    h, gh = enc.h([Fraction(v) for v in a_hat])
    v = [Fraction(c) for c in direction]
    M = max(abs(c) for c in v) or Fraction(1)
    v = [c / M for c in v]  # max-norm 1 (exact rationals)
    rows = []
    for t in ts:
        u = [point_ball(t * c) for c in v]
        hv = h(u)
        g = _norm(gh(u))
        rows.append({"t": t, "h": _up(hv, 15) if hv.is_finite() else "nan",
                     "h_lower": _lo(hv, 15) if hv.is_finite() else "nan",
                     "grad_norm_upper": _up(g, 6) if g.is_finite() else "nan", "_g": g})
    # log in arb: float(mid) underflows to 0 for |grad h| below 1e-308 (erf tails)
    pts = [(row["t"], float(row["_g"].mid().log().mid())) for row in rows
           if row["_g"].is_finite() and row["_g"].mid() > 0]
    half = pts[len(pts) // 2:] if len(pts) >= 4 else pts
    rate = None
    if len(half) >= 2:
        tm = sum(p[0] for p in half) / len(half)
        lm = sum(p[1] for p in half) / len(half)
        den = sum((p[0] - tm) ** 2 for p in half)
        rate = -sum((p[0] - tm) * (p[1] - lm) for p in half) / den if den else None
    for row in rows:
        row.pop("_g")
    out = {"direction": [_s(c) for c in v], "values": rows,
           "fitted_decay_rate": None if rate is None else float(f"{rate:.6g}"),
           "fit_note": "least-squares slope of -log|grad h| against t on the last points (a fit, not a bound)"}
    if limit is not None:
        out["limit"] = limit
    from proofs.analyze.levelset_tables import is_ridge_model

    act = getattr(problem.model, "activation", None)
    if is_ridge_model(problem.model):
        cs, xs = _ridge_ball_data(problem, r, a_hat)
        scale = 2 if act.name == "tanh" else 1
        zs = [sum((Fraction(str(xj)) * scale * c for xj, c in zip(x, v[:-1])), Fraction(0)) + scale * v[-1]
              for x in problem.data.X]
        lam = min(abs(z) for z in zs)
        C = sum((ci.abs_upper() * _norm(x).upper() for ci, x in zip(cs, xs)), arb(0))
        C0 = sum((ci.abs_upper() for ci in cs), arb(0))
        out["certified_bound"] = {
            "rate": _s(lam), "C_grad": _up(C, 8), "C_value": _up(C0, 8),
            "statement": "|grad_u h(t v)| <= C_grad exp(-rate t) and |h(t v) - lim h| <= C_value exp(-rate t) for "
                         "t >= 0, rate = min_i |v . (x_i, 1)| (logistic: sigma' <= e^-|z|, |sigma - 1{z>0}| <= "
                         "e^-|z|)" + (" after tanh z = 2 sigma(2z) - 1" if scale == 2 else ""),
            "strict_separation": lam > 0}
    return out


def attention_limits_summary(analysis: dict) -> dict:
    """How the hardmax limits of an attention head were obtained: every face of the argmax arrangement enumerated
    (open cells and the walls where keys tie: the exact supremum of the limits along rays), part of them, the open
    cells only, or sampled directions. All are lower bounds of S(mu): finite A, and curves that reach infinity
    along a wall, are not bounded."""
    st = analysis.get("stats", {})
    if "argmax_faces" in st:
        exact = bool(st.get("rays_sup_exact"))
        out = {"status": "faces enumerated" if exact else "faces partly enumerated", "faces": st["argmax_faces"],
               "faces_by_dim": st.get("argmax_faces_by_dim"), "flats": st.get("argmax_flats"),
               "walls": st.get("argmax_hyperplanes"),
               "rays_sup_enclosure": st.get("rays_sup_enclosure"), "rays_sup_lower": st.get("rays_sup_lower"),
               "rays_sup_open_cells_only": st.get("rays_sup_open_cells_only")}
        out["note"] = ("exact supremum of the hardmax limits along rays (every face, tie walls included, exact "
                       "witnesses); a certified lower bound of S(mu), not an upper bound (finite A and curves to "
                       "infinity along a wall are not covered)") if exact else (
            "certified hardmax limits on the faces found (a lower bound of S(mu)); the enumeration did not finish: "
            + str(st.get("argmax_incomplete_reason") or "budget"))
        return out
    if "argmax_cells" not in st:
        why = st.get("argmax_not_enumerated")
        return {"status": "sampled", "directions": st.get("directions_sampled"),
                "note": "hardmax limits along sampled directions A = t A0 (lower bounds of S(mu) only)"
                        + (f"; not enumerated: {why}" if why else "; the faces are enumerated with --certify")}
    done = st.get("argmax_cells_complete") and st.get("argmax_cells_evaluated") == st.get("argmax_cells")
    return {"status": "enumerated" if done else "partly enumerated", "cells": st["argmax_cells"],
            "cells_evaluated": st.get("argmax_cells_evaluated"), "argmax_patterns": st.get("argmax_patterns"),
            "walls": st.get("argmax_hyperplanes"), "unverified_candidates": st.get("argmax_unverified"),
            "note": "certified hardmax limit in every enumerated open cell (exact witnesses); their maximum is a "
                    "certified lower bound of S(mu); the walls where keys tie are not covered"
                    + ("" if done else "; the enumeration is not complete (degenerate walls or the time budget)")}


def extend_analysis_block(problem, analysis: dict) -> dict:
    """Extra keys of the ``escaping_set`` block of :func:`proofs.analyze.analyze` (the existing keys are kept):
    ``min_h`` / ``min_h_enclosure`` / ``location``, ``rays`` (sigmoid-type models with a witness at infinity) and
    ``robustness`` (from the block's own regular-level certificate when it finished). Nothing is recomputed
    except the ray profile (a few ball evaluations)."""
    esc = analysis["escaping_set"]
    g = analysis["global_optimality"]
    if not esc.get("nonempty") or not esc.get("a_hat"):
        return {}
    lo, hi = g["sup_psi_enclosure"]
    extra = {"min_h": "-" + g["sup_psi"], "min_h_enclosure": [None if hi is None else "-" + hi, "-" + lo],
             "location": g["attained"], "location_certified": g["location_certified"]}
    rl = esc.get("regular_level")
    a_hat = [Fraction(v) for v in (rl["a_hat_exact"] if rl else esc["a_hat"])]
    if rl:
        beta = Fraction(rl["beta_lower"]) if rl.get("certified") and rl.get("beta_lower") else None
        extra["robustness"] = robustness_radius(-Fraction(rl["level"]), beta)
        if not rl.get("certified"):
            extra["robustness"]["note"] = "the regular-level certificate did not finish: no gradient radius"
        elif not rl.get("level_set_meets_box"):
            extra["robustness"]["note"] = ("the level set misses the box, so {h < level} meets K not at all or "
                                           "contains it: no boundary to control (pick a shallower level with "
                                           "proofs.analyze.escaping.escaping_set)")
    wit = g["witness"]
    if wit.get("kind") == "direction" and "w" in wit and [gr[0] for gr in problem.model.u_groups] == ["w", "b"]:
        direction = [Fraction(v) for v in wit["w"]] + [Fraction(wit["b"])]
        extra["rays"] = ray_profile(problem, problem.residual("arb"), a_hat, direction, limit=wit.get("psi"))
    return extra
