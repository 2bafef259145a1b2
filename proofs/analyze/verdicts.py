r"""The verdict of one analysis pass (MATH.md §1b A.1-A.5): ``proved`` when the residual is exactly zero, ``refuted``
when a certified lower bound of :math:`S(\mu)=\sup_u|\Psi_\mu(u)|_F` is positive (witness at a point or at
infinity), ``inconclusive`` otherwise; the location of the supremum, its enclosure and the escaping-set report.
"""
from __future__ import annotations

import time
from fractions import Fraction

from numerics.certified.bnb import point_ball
from numerics.certified.enclosures import PsiEnclosure
from numerics.certified.precision import value_decimal

from proofs.analyze.balls import _bstr, _is_exact_zero, _lo, _norm, _up, exact_str
from proofs.analyze.infinity import _at_infinity_attention, _at_infinity_sigmoid, _compactified_sup
from proofs.analyze.interior import _interior, _regular_level

__all__ = []


def _residual_exactly_zero(problem, limit=4000):
    """True when f_mu(x_i) = y_i holds in exact rational arithmetic (sympy), for features that are rational at the
    particles (e.g. u = 0 with a sigmoid); None when that does not apply or n * m exceeds ``limit``."""
    from proofs.errors import InvalidArgument
    from proofs.problem.inverse_design import _exact_predict, _exact_values

    model, mu, data = problem.model, problem.mu, problem.data
    if data.n * len(mu.u) > limit:
        return None
    try:
        G, _ = _exact_values(model, mu, data.X)
    except (InvalidArgument, ValueError, TypeError):
        return None
    f = _exact_predict(model, mu, G)
    return all(f[i][c] == Fraction(data.Y[i][c]) for i in range(data.n) for c in range(model.k))


def _decide(problem, info, *, dps, certify, box_radius, tol, max_boxes, time_limit, seed):
    """One pass at the current python-flint precision: verdict, sup, location, witness."""
    from flint import arb

    model, mu, data = problem.model, problem.mu, problem.data

    deadline = time_limit  # the deadline (time.perf_counter()) of the whole analysis: each search gets what is left

    def left():
        return max(0.05, deadline - time.perf_counter())

    r = problem.residual("arb")
    stats = {}
    exact_zero = all(_is_exact_zero(v) for row in r for v in row)
    if not exact_zero and all(v.contains(0) for row in r for v in row):
        exact_zero = _residual_exactly_zero(problem)
        stats["exact_residual_check"] = exact_zero
    if exact_zero:
        return {"verdict": "proved", "sup_psi": "0", "attained": "interior", "witness": {"kind": "identically-zero"},
                "sup_psi_enclosure": ["0", "0"], "location_certified": True,
                "message": ("the residual f_mu(x_i) - y_i is exactly zero, so Psi_mu = 0 everywhere: mu is a global "
                            "minimiser (no regulariser: optimal iff Psi_mu = 0)"),
                "escaping_set": {"nonempty": False}, "stats": stats}
    enc = PsiEnclosure(model, mu, data, r=r)
    inf = None
    if info is not None:
        inf = _at_infinity_sigmoid(problem, r, info, seed=seed)
    elif model.name in ("attention", "attention-qk"):
        extra = [] if model.qk else problem.u_exact
        inf = _at_infinity_attention(problem, r, seed=seed, extra=extra, enumerate_cells=certify,
                                     time_limit=min(10.0, left()))
    # positively 1-homogeneous features (the ReLU lift, MATH.md §3.7): Psi(t u) = t Psi(u), so S = +inf unless Psi = 0
    homogeneous = model.name == "relu-lift"
    unbounded = info is None and not homogeneous and model.name not in ("attention", "attention-qk")
    need_interior = not (info is not None and info["monotone"] and inf["exact"])
    inter = None
    if need_interior:
        inter = _interior(problem, enc, certify=certify, box_radius=box_radius, dps=dps, tol=tol,
                          max_boxes=max_boxes, time_limit=left(), seed=seed)
        stats.update({"interior_boxes": inter["boxes"], "interior_exhausted": inter["exhausted"]})
    if inf is not None:
        stats.update({"infinity_candidates": inf["candidates"], **inf["coverage"]})

    # certified lower bound of S(mu): the best of the values found (points, or limits of values)
    cands = []
    if inf is not None:
        cands.append(("infinity", inf["value"]))
    if inter is not None:
        cands.append(("interior", inter["value"]))
    lower = max((v.lower() for _, v in cands if v.is_finite()), default=arb(0))
    lower = lower.max(arb(0))
    # certified upper bound of S(mu) where available
    upper = None
    location_certified = False
    if info is not None and info["monotone"] and inf["exact"]:
        upper = inf["upper"]  # MATH.md §1b A.5: the sup over the compactified domain is the max over H
        attained = "infinity"
        location_certified = True
        best_val, witness = inf["value"], inf["witness"]
        psi_at = inf["psi_limit"]
    else:
        i_val = inter["value"] if inter else None
        f_val = inf["value"] if inf else None
        if homogeneous:
            attained, best_val = "infinity", i_val
            witness = {"kind": "point", "u": [exact_str(v) for v in inter["u"]],
                       "note": "Psi is positively homogeneous along rays here: S(mu) = +inf if Psi(u) != 0"}
            psi_at = enc.psi([point_ball(v) for v in inter["u"]])
        elif unbounded:  # no compactification known: the box is all that was searched
            attained, best_val = "interior", i_val
        elif f_val is not None and inf["upper"] is not None and i_val.lower() > inf["upper"]:
            attained, location_certified, best_val = "interior", True, i_val
        elif f_val is not None and (i_val is None or f_val.mid() >= i_val.mid()):
            attained, best_val = "infinity", f_val
            # the box's upper bound does not cover its complement; the compactified branch-and-bound does (d <= 3)
            if certify and model.p_x <= 3 and info is not None and inf["upper"] is not None:
                loc_tol = f_val.upper().max(arb(1)) * arb("1e-6")
                comp = _compactified_sup(problem, r, info, tol=Fraction(str(float(loc_tol.upper()))),
                                            max_boxes=max_boxes * 4, time_limit=left())
                if comp is not None:
                    stats["compactified_boxes"] = comp["boxes"]
                    upper = comp["upper"]
                    if comp["upper"] <= f_val.upper() + loc_tol:
                        location_certified = True
                        stats["location_tolerance"] = _up(loc_tol, 3)
        else:
            attained, best_val = "interior", i_val
        if not homogeneous:
            if attained == "interior":
                witness = {"kind": "point", "u": [exact_str(v) for v in inter["u"]],
                           "layout": [name for name, _, syms in model.u_groups for _ in syms]}
                psi_at = enc.psi([point_ball(v) for v in inter["u"]])
            else:
                witness, psi_at = inf["witness"], inf["psi_limit"]
        if certify and inter and inter["upper"] is not None and inf is not None and inf["upper"] is not None \
                and not homogeneous:
            upper_box = inter["upper"].max(inf["upper"])
            stats["sup_upper_on_box_and_infinity"] = _up(upper_box)
        if certify and upper is None and info is not None and not info["monotone"] and model.p_x <= 3:
            # a global upper bound for the enclosure (plain ball forms: valid, first-order tight)
            ref = best_val.upper().max(arb(1)) * arb("1e-6")
            comp = _compactified_sup(problem, r, info, tol=Fraction(str(float(ref.upper()))),
                                     max_boxes=max_boxes * 4, time_limit=left())
            if comp is not None and comp["upper"].is_finite():
                stats["compactified_boxes"] = comp["boxes"]
                upper = comp["upper"]
    witness["psi"] = [value_decimal(v, 25) for v in psi_at]  # values at the witness (approximate)
    digits = max(15, min(dps, 50))
    if not best_val.is_finite() and upper is not None and upper.is_finite() and lower.is_finite():
        best_val = arb.union(lower, upper)  # huge but finite inputs: the best value's ball overflowed, the bound did not
    sup_str = "inf" if homogeneous and lower > 0 else value_decimal(best_val, digits)
    # the certified enclosure of S(mu): lower end rounded down, upper end rounded up
    enclosure = [_lo(lower, digits), _up(upper, digits) if upper is not None else None]
    if lower > 0:
        verdict = "refuted"
        msg = (f"S(mu) >= {_lo(lower, 12)} > 0 (certified ball): mu is not a global minimiser; the witness "
               f"({attained}) gives Psi != 0, and without a regulariser mu is optimal iff Psi_mu = 0")
    else:
        verdict = "inconclusive"
        msg = (f"every enclosure of S(mu) contains 0 at {dps} dps (best value {value_decimal(best_val, 5)}); "
               "the sign of the optimality gap is undecided: raise --dps")
    if location_certified and "location_tolerance" in stats:
        msg += (f"; located at infinity up to {stats['location_tolerance']}: the compactified branch-and-bound bounds "
                "|Psi| over all of R^2 by the limit value plus that tolerance")
    if not location_certified and verdict == "refuted":
        if unbounded and getattr(model, "activation", None) is None:  # a user's model: no limits known
            msg += ("; the model's limits at infinity are not known here, so only the box [-R, R]^p_u was searched "
                    "(sup_psi is the sup found there, not S(mu); raise --box-radius)")
        elif unbounded:
            msg += ("; the activation has an infinite limit, so only the box [-R, R]^p_u was searched (sup_psi is the "
                    "sup found there, not S(mu); raise --box-radius)")
        elif homogeneous:
            msg += "; the features are positively homogeneous, so S(mu) = +inf along the witness ray"
        else:
            msg += "; the location of the sup is not certified (outside the search box is not covered)" \
                if attained == "interior" or certify else "; location from the search, not certified (use --certify)"
    a_hat = None
    if lower > 0 and best_val.is_finite():
        nrm = _norm(psi_at)
        a_hat = [_bstr(-v / nrm, 15) for v in psi_at] if nrm > 0 else None
    esc = {"nonempty": bool(lower > 0), "epsilon_sup": sup_str if lower > 0 else "0",
           "a_hat": a_hat,
           "note": "E_eps = {h(a/|a|, u) < -eps} is non-empty exactly for eps < S(mu) (a particle in E_eps with a "
                   "along a_hat grows |a| at rate > eps); a_hat = -Psi/|Psi| at the witness is the steepest escaping "
                   "output direction"}
    if certify and a_hat is not None and lower > 0 and not homogeneous and not unbounded:
        esc["regular_level"] = _regular_level(enc, a_hat, lower, box_radius, max_boxes, problem=problem, r=r,
                                              time_limit=max(left(), 30.0))
    return {"verdict": verdict, "sup_psi": sup_str, "attained": attained, "witness": witness,
            "sup_psi_enclosure": enclosure, "location_certified": location_certified, "message": msg,
            "escaping_set": esc, "stats": stats}

