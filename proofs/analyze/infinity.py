r"""The analysis at infinity (MATH.md §1b A.3, A.5): exact limits of :math:`\Psi_\mu` along rays for sigmoid-type
activations (half-space sets of the data), hardmax limits for softmax attention, and the compactified
branch-and-bound over all of :math:`\mathbb R^{d+1}` (polar coordinates, :math:`\rho=\tau/(1-\tau)`).
"""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

from numerics.certified.bnb import as_fraction, point_ball
from numerics.certified.halfspaces import affine_dichotomies, affine_rank, hyperplane_cuts, sampled_cuts

from proofs.analyze.balls import _lo, _norm, _up, _vsum, exact_str

__all__ = ["MAX_EXACT_HYPERPLANES"]

#: above this many candidate hyperplanes (C(n, d)) the half-space sets are sampled, not enumerated
MAX_EXACT_HYPERPLANES = 20000


def _act_info(model):
    """Limits (alpha, beta), range closure [smin, smax] and monotonicity of a sigmoid-type model's activation."""
    import sympy as sp
    from sympy.calculus.util import maximum, minimum

    from proofs.symbolic.functions import to_elementary
    from proofs.symbolic.activations import Z
    from proofs.symbolic.codegen import compile_expr

    act = getattr(model, "activation", None)
    if act is None or model.name in ("attention", "attention-qk") or model.name.startswith(("relu-lift", "lift[")):
        return None
    lo, hi = act.limits
    if isinstance(lo, sp.AccumBounds) or isinstance(hi, sp.AccumBounds):  # no limit (sin z): interior search only
        return None
    if not (lo.is_finite and hi.is_finite):
        return None
    mono = act.monotone
    srange = None
    if mono:
        srange = (lo, hi)
    else:
        try:
            e = to_elementary(act.expr)
            srange = (minimum(e, Z, sp.S.Reals), maximum(e, Z, sp.S.Reals))
            if not all(v.is_finite for v in srange):
                srange = None
        except (NotImplementedError, ValueError, TypeError):
            srange = None
    vals = [lo, hi] + (list(srange) if srange else [])
    balls = compile_expr([], vals, "arb")()
    sigma0 = compile_expr([Z], act.expr, "arb")(0)  # a value sigma takes (tie points along a pure ray)
    info = {"alpha": balls[0], "beta": balls[1], "monotone": bool(mono), "name": act.name, "sigma0": sigma0,
            "limits": (str(lo), str(hi))}
    if srange:
        info["smin"], info["smax"] = balls[2], balls[3]
        info["range"] = (str(srange[0]), str(srange[1]))
    else:
        b = act.bound.value
        info["smin"] = info["smax"] = None
        info["bound"] = None if b is None or not b.is_finite else compile_expr([], [b], "arb")()[0]
    return info


def _at_infinity_sigmoid(problem, r, info, *, seed=0, max_exact=None):
    """Exact limits of Psi at infinity for a sigmoid-type model (MATH.md §1b A.3, A.5)."""
    from flint import arb

    max_exact = MAX_EXACT_HYPERPLANES if max_exact is None else max_exact
    n, k, d = problem.n, problem.model.k, problem.model.p_x
    X = problem.points
    alpha, beta = info["alpha"], info["beta"]
    tot = _vsum(r, range(n), k)
    total_hyp = math.comb(n, d) if n >= d else 0
    exact = total_hyp <= max_exact
    best = None  # (value ball, witness)
    upper = arb(0)
    coverage = {"hyperplanes_total": total_hyp}

    def consider(vec, wit):
        nonlocal best, upper
        val = _norm([v / n for v in vec])
        u = val.upper() if val.is_finite() else arb("inf")
        if u > upper:
            upper = u
        if best is None or val.mid() > best[0].mid():
            best = (val, wit, [v / n for v in vec])

    if info["monotone"]:
        if exact:
            D = affine_dichotomies(X)
            coverage["hyperplanes_tried"] = total_hyp
        else:
            cuts, tried, _ = sampled_cuts(X, samples=max_exact, seed=seed)
            D = {}
            for v, c, P, N, T in cuts:  # ties joined to one side (not every split of them: a lower bound)
                svals = [abs(sum((a * b for a, b in zip(v, x)), Fraction(0)) + c) for x in X]
                delta = min((t for t in svals if t), default=Fraction(2)) / 2  # shift c: ties strictly inside
                for H, vv, cc in ((P | T, v, c + delta), (N | T, [-a for a in v], -c + delta)):
                    D.setdefault(frozenset(H), (vv, cc))
            D.setdefault(frozenset(), ([Fraction(0)] * d, Fraction(-1)))
            D.setdefault(frozenset(range(n)), ([Fraction(0)] * d, Fraction(1)))
            coverage["hyperplanes_tried"] = tried
        for H, (v, c) in D.items():
            sH = _vsum(r, H, k)
            vec = [alpha * tot[cc] + (beta - alpha) * sH[cc] for cc in range(k)]
            consider(vec, {"kind": "direction", "w": [exact_str(a) for a in v], "b": exact_str(c),
                           "threshold_set": sorted(H), "ties": []})
        return {"value": best[0], "upper": upper if exact else None, "exact": exact, "witness": best[1],
                "psi_limit": best[2], "coverage": coverage, "candidates": len(D)}

    # non-monotone bounded activation: cuts with tie points free in the closure of the range
    smin, smax = info.get("smin"), info.get("smax")
    lower_only = smin is None
    if lower_only:
        bnd = info.get("bound")
        smin_u, smax_u = (-bnd, bnd) if bnd is not None else (None, None)
    else:
        smin_u, smax_u = smin, smax
    if exact:
        cuts = hyperplane_cuts(X)
        coverage["hyperplanes_tried"] = total_hyp
    else:
        cuts, tried, _ = sampled_cuts(X, samples=max_exact, seed=seed)
        coverage["hyperplanes_tried"] = tried
    ncand = 0
    complete = exact and not lower_only
    # constant limits (v = 0): every point at alpha, or every point at beta
    for lim, name in ((alpha, "alpha"), (beta, "beta")):
        consider([lim * t for t in tot], {"kind": "direction", "w": ["0"] * d, "b": "1" if name == "beta" else "-1",
                                          "threshold_set": list(range(n)) if name == "beta" else [], "ties": []})
    if affine_rank(X) == 0 and not lower_only:  # one location: every point ties, common value in the range
        for name, s in (("smin", smin), ("smax", smax)):
            consider([s * t for t in tot], {"kind": "direction", "w": ["0"] * d, "b": "0", "threshold_set": [],
                                            "ties": list(range(n)), "tie_value": name})
    for v, c, P, N, T in cuts:
        for sign in (1, -1):
            Pos, Neg = (P, N) if sign == 1 else (N, P)
            base = [beta * a + alpha * b for a, b in zip(_vsum(r, Pos, k), _vsum(r, Neg, k))]
            groups = {}
            for i in sorted(T):
                groups.setdefault(X[i], []).append(i)
            locs = list(groups)
            indep = affine_rank(locs) == len(locs) - 1
            R = [_vsum(r, groups[loc], k) for loc in locs]
            choices = [("smin", smin), ("smax", smax)] if not lower_only else [("sigma(0)", info["sigma0"])]
            # lower candidates: a common tie value (offset b0 only), always realisable
            for name, s in choices:
                if s is None:
                    continue
                vec = [base[cc] + s * sum((Rg[cc] for Rg in R), arb(0)) for cc in range(k)]
                ncand += 1
                consider(vec, {"kind": "direction", "w": [exact_str(sign * a) for a in v], "b": exact_str(sign * c),
                               "threshold_set": sorted(Pos), "ties": sorted(T), "tie_value": name})
            # independent tie values (realisable when the tie locations are affinely independent)
            if len(locs) > 1:
                for pick in itertools.product((0, 1), repeat=len(locs)):
                    if smin_u is None:
                        complete = False
                        break
                    vec = [base[cc] + sum(((smin_u, smax_u)[p] * Rg[cc] for p, Rg in zip(pick, R)), arb(0))
                           for cc in range(k)]
                    ncand += 1
                    if indep and not lower_only:
                        consider(vec, {"kind": "direction", "w": [exact_str(sign * a) for a in v],
                                       "b": exact_str(sign * c), "threshold_set": sorted(Pos), "ties": sorted(T),
                                       "tie_value": ["smin" if p == 0 else "smax" for p in pick]})
                    else:  # tie locations not independent: the box of tie values only gives an upper bound
                        val = _norm([x / n for x in vec])
                        u = val.upper() if val.is_finite() else arb("inf")
                        if u > upper:
                            upper = u
    return {"value": best[0], "upper": upper if complete else None, "exact": complete, "witness": best[1],
            "psi_limit": best[2], "coverage": coverage, "candidates": ncand}


def _at_infinity_attention(problem, r, *, samples=200, seed=0, extra=(), enumerate_cells=False, time_limit=10.0):
    """Hardmax limits of Psi along rays A = t A0 (softmax of t z tends to the uniform law on argmax z): sampled
    directions, and with ``enumerate_cells`` every face of the argmax arrangement (open cells and the walls where
    keys tie) enumerated exactly (:func:`numerics.certified.hardmax.hardmax_faces`) for the bilinear head, and for
    ``attention-qk`` when dq >= p (then A = Q K^T ranges over every p x p matrix: Q = A0, K = I). When that
    enumeration is complete the value is the exact supremum of the limits along rays (``coverage["rays_sup_exact"]``,
    ``rays_sup``); it is still only a lower bound of S(mu): finite A and curves to infinity that are not rays are not
    covered (``upper`` stays None). ``attention-qk`` with dq < p (a rank constraint) stays sampled."""
    from flint import arb

    model = problem.model
    n, k, p = problem.n, model.k, model.p
    L = model.L
    if getattr(model, "normalize", True) is False:
        return None  # unnormalised exp weights: no hardmax limit (Psi grows along rays)
    X = problem.X_decimal
    rng = random.Random(seed)
    dirs = [(list(e), None) for e in extra]
    for _ in range(samples):
        if model.qk:  # A = Q K^T with Q, K of shape p x dq
            dq = model.dq
            Q0 = [Fraction(rng.randint(-9, 9)) for _ in range(p * dq)]
            K0 = [Fraction(rng.randint(-9, 9)) for _ in range(p * dq)]
            A0 = [sum((Q0[a * dq + t] * K0[b * dq + t] for t in range(dq)), Fraction(0))
                  for a in range(p) for b in range(p)]
            dirs.append((A0, {"Q": [exact_str(v) for v in Q0], "K": [exact_str(v) for v in K0]}))
        else:
            dirs.append(([Fraction(rng.randint(-9, 9)) for _ in range(p * p)], None))
    best = None
    for A0, qk in dirs:
        A0q = [as_fraction(a) for a in A0]
        acc = [arb(0)] * (k * p)
        for i in range(n):
            toks = [X[i][l * p:(l + 1) * p] for l in range(L)]
            xq = toks[-1]
            # score_l = x_q^T A x_l
            sc = [sum(xq[a] * A0q[a * p + b] * toks[l][b] for a in range(p) for b in range(p)) for l in range(L)]
            mx = max(sc)
            M = [l for l in range(L) if sc[l] == mx]
            gv = [sum(toks[l][t] for l in M) / len(M) for t in range(p)]
            for c in range(k):
                for t in range(p):
                    acc[c * p + t] = acc[c * p + t] + r[i][c] * point_ball(gv[t])
        vec = [v / n for v in acc]
        val = _norm(vec)
        if best is None or val.mid() > best[0].mid():
            wit = {"kind": "direction", "A": [exact_str(a) for a in A0q], "hardmax": True}
            if qk:
                wit.update(qk)
            best = (val, wit, vec)
    coverage = {"directions_sampled": len(dirs)}
    full_rank = not model.qk or model.dq >= p  # rank(Q K^T) <= dq: every A reachable iff dq >= p
    rays_sup = None
    if enumerate_cells and full_rank:
        # every face of the argmax arrangement, exact witnesses (numerics.certified.hardmax): a certified limit per
        # face; when complete, their maximum is the exact sup of the limits along rays
        import time

        from numerics.certified.hardmax import hardmax_faces

        Xq = [[as_fraction(v) for v in row] for row in X]
        t_start = time.perf_counter()
        hf = hardmax_faces(Xq, r, p, L, k, time_limit=0.6 * time_limit)
        done = bool(hf["complete"]) and hf["best"] is not None
        if not done and p * p <= 9:
            # the faces are built bottom-up, so a cut-short enumeration may lack the open cells: enumerate those
            # directly (top-down, numerics.certified.hardmax.hardmax_cells) with the time left; lower bounds only
            from numerics.certified.hardmax import hardmax_cells

            hc = hardmax_cells(Xq, r, p, L, k, time_limit=max(0.5, time_limit - (time.perf_counter() - t_start)))
            coverage["argmax_open_cells_fallback"] = {"cells": hc["cells"], "complete": hc["complete"]}
            if hc["best"] is not None and (hf["best"] is None or hc["best"][0].mid() > hf["best"][0].mid()):
                hf["best"], hf["best_dim"] = hc["best"], p * p
        n_cells = max(hf["cells"], coverage.get("argmax_open_cells_fallback", {}).get("cells", 0))
        coverage.update({"argmax_faces": hf["faces"], "argmax_faces_by_dim": {str(d): c for d, c in
                                                                             hf["faces_by_dim"].items()},
                         "argmax_flats": hf["flats"], "argmax_cells": n_cells,
                         "argmax_cells_evaluated": hf["cells"] if done else None,
                         "argmax_patterns": hf["patterns"], "argmax_hyperplanes": hf["hyperplanes"],
                         "argmax_cells_complete": done, "argmax_unverified": hf["unverified"],
                         "rays_sup_exact": done})
        if not done:
            coverage["argmax_incomplete_reason"] = hf["reason"] or "unverified witnesses"
        if done:  # the exact sup over rays, enclosed; and what the open cells alone give (the walls left out)
            coverage["rays_sup_enclosure"] = [_lo(hf["sup"], 20), _up(hf["sup"], 20)]
            if hf["best_cell"] is not None:
                coverage["rays_sup_open_cells_only"] = _lo(hf["best_cell"][0], 20)
        elif hf["best"] is not None:  # a lower bound only: some faces were not enumerated
            coverage["rays_sup_lower"] = _lo(hf["best"][0], 20)
        if hf["best"] is not None and (best is None or hf["best"][0].mid() >= best[0].mid()):
            val, A0, vec = hf["best"]
            wit = {"kind": "direction", "A": [exact_str(a) for a in A0], "hardmax": True,
                   "face": _face_words(Xq, A0, p, L, hf["best_dim"])}
            if model.qk:  # A0 = Q K^T with Q = [A0 | 0], K = [I | 0] (p x dq)
                dq = model.dq
                wit["Q"] = [exact_str(A0[a * p + t]) if t < p else "0" for a in range(p) for t in range(dq)]
                wit["K"] = ["1" if t == b else "0" for b in range(p) for t in range(dq)]
            best = (val, wit, vec)
        if done:
            rays_sup = hf["sup"]
    elif enumerate_cells:
        coverage["argmax_not_enumerated"] = (f"attention-qk with dq = {model.dq} < p = {p}: A = Q K^T has rank <= dq, "
                                             "the rank constraint is not enumerated; hardmax limits sampled")
    if best is None:
        return None
    return {"value": best[0], "upper": None, "exact": False, "witness": best[1], "psi_limit": best[2],
            "coverage": coverage, "candidates": len(dirs) + coverage.get("argmax_faces", 0), "rays_sup": rays_sup}


def _face_words(X, A0, p, L, dim):
    """Words for the face of the argmax arrangement containing A0 (of dimension ``dim`` in R^(p*p)): an open cell,
    or a wall, with the samples whose distinct keys tie there."""
    from numerics.certified.hardmax import _argmax

    D = p * p
    if dim == D:
        return "open argmax cell (exact enumeration)"
    ties = []
    for i, row in enumerate(X):
        M = _argmax(row, A0, p, L)
        if len(M) > 1 and any(row[(L - 1) * p:]) and len({tuple(row[l * p:(l + 1) * p]) for l in M}) > 1:
            ties.append(f"{i} (tokens {M})")
    return (f"wall of the argmax arrangement (a face of dimension {dim} of {D}, exact enumeration): keys tie for "
            f"samples {', '.join(ties[:8])}{' ...' if len(ties) > 8 else ''}; the limit averages the tied keys")


def _tails(info, act):
    """Smallest M in (1, 2, 4, 8, 16) with sigma monotone on [M, oo) and on (-oo, -M] (sympy), or None."""
    if "tail_M" in info:
        return info["tail_M"]
    import sympy as sp
    from sympy.calculus.singularities import is_decreasing, is_increasing

    from proofs.symbolic.functions import to_elementary
    from proofs.symbolic.activations import Z

    e = to_elementary(act.expr)
    found = None
    for M in (1, 2, 4, 8, 16):
        try:
            right = is_decreasing(e, sp.Interval(M, sp.oo), Z) or is_increasing(e, sp.Interval(M, sp.oo), Z)
            left = is_decreasing(e, sp.Interval(-sp.oo, -M), Z) or is_increasing(e, sp.Interval(-sp.oo, -M), Z)
        except (NotImplementedError, ValueError, TypeError):
            break
        if right is True and left is True:
            found = M
            break
    info["tail_M"] = found
    return found


def _sigma_hull(info, sig, lo, hi):
    """A ball containing sigma([lo, hi]); ``lo``/``hi`` exact arbs or None for -oo/+oo (monotone tails beyond M)."""
    from flint import arb

    M = arb(info["tail_M"])
    if lo is None and hi is None:
        return arb.union(info["smin"], info["smax"])
    if hi is None:  # [lo, +oo): sigma on [lo, max(lo, M)], then monotone towards beta
        start = lo.max(M)
        out = arb.union(sig(start), info["beta"])
        return arb.union(out, sig(arb.union(lo, M))) if lo < M else out
    if lo is None:  # (-oo, hi]
        end = hi.min(-M)
        out = arb.union(sig(end), info["alpha"])
        return arb.union(out, sig(arb.union(-M, hi))) if hi > -M else out
    return sig(arb.union(lo, hi))


def _compactified_sup(problem, r, info, *, tol, max_boxes, time_limit):
    r"""Certified upper bound of :math:`S(\mu)` over all of :math:`\mathbb R^{d+1}` (MATH.md §1b A.3).

    Compactify :math:`(w,b)=\rho\,\omega(\theta)` with hyperspherical angles :math:`\theta` (for d = 1,
    :math:`\omega=(\cos\theta,\sin\theta)`, :math:`\theta\in[-4,4]\supset[-\pi,\pi]`) and
    :math:`\rho=\tau/(1-\tau)`, :math:`\tau\in[0,1]`. On a box the pre-activations
    :math:`z_i=\rho\,\langle\omega,(x_i,1)\rangle` range over possibly unbounded intervals, on which sigma is
    enclosed through its exact limits, the closure of its range and its monotone tails (sympy). Boxes touching
    :math:`\tau=1` therefore enclose the limits at infinity, and the branch-and-bound returns an upper bound of the
    supremum over the whole compactified domain (and a value at a point as a lower bound).
    """
    from flint import arb

    from numerics.certified.bnb import maximize

    from proofs.symbolic.activations import Z
    from proofs.symbolic.codegen import compile_expr, to_arb

    model = problem.model
    act = model.activation
    if info.get("smin") is None or _tails(info, act) is None:
        return None
    sig = compile_expr([Z], act.expr, "arb")
    xs = [[to_arb(v) for v in x] for x in problem.data.X]
    d = model.p_x
    n, k = problem.n, model.k

    def f(balls):
        *th, tau = balls
        t0 = tau.lower().max(arb(0))
        t1 = tau.upper()
        rho0 = t0 / (1 - t0)
        rho1 = None if t1 >= 1 else t1 / (1 - t1)
        if rho1 is not None and not tau.rad() > 0:
            rho_pt = tau / (1 - tau)
        else:
            rho_pt = None
        # hyperspherical coordinates of the unit direction (w, b) in R^(d+1)
        direc, prod = [], arb(1)
        for j, t in enumerate(th):
            direc.append(prod * t.cos())
            prod = prod * t.sin()
        direc.append(prod)
        acc = [arb(0)] * k
        for ri, x in zip(r, xs):
            ell = sum((xj * dj for xj, dj in zip(x, direc[:d])), arb(0)) + direc[d]
            if rho_pt is not None:  # a point: plain evaluation
                v = sig(rho_pt * ell)
            else:
                l0, l1 = ell.lower(), ell.upper()
                if l0 > 0:
                    lo = (rho0 * l0).lower()
                    hi = None if rho1 is None else (rho1 * l1).upper()
                elif l1 < 0:
                    lo = None if rho1 is None else (rho1 * l0).lower()
                    hi = (rho0 * l1).upper()
                else:
                    lo = None if rho1 is None else (rho1 * l0).lower()
                    hi = None if rho1 is None else (rho1 * l1).upper()
                v = _sigma_hull(info, sig, lo, hi)
            for cc in range(k):
                acc[cc] = acc[cc] + ri[cc] * v
        return _norm([a / n for a in acc])

    box = [(0, 4)] * (d - 1) + [(-4, 4), (0, 1)]  # angles cover [0, pi]^(d-1) x [-pi, pi]; tau in [0, 1]
    res = maximize(f, box, tol=tol, max_boxes=max_boxes, time_limit=time_limit)
    return {"upper": res.upper, "lower": res.lower, "exhausted": res.exhausted, "boxes": res.boxes_explored}

