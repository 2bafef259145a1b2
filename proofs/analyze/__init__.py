r"""``escset analyze``: loss, stationarity, and a global-optimality certificate or witness for a measure.

MATH.md §1b A.1: :math:`\mu` is a global minimiser (no regulariser) iff :math:`\Psi_\mu\equiv0`, including its limits
at infinity (A.3); :math:`S(\mu)=\sup_u|\Psi_\mu(u)|_F` is the optimality gap. MATH.md §3.6 is the same test for the
lifted problem.

What is certified
-----------------
* ``refuted`` (not globally optimal): a rigorous python-flint ball shows :math:`S(\mu)>0` — the lower bound comes
  from :math:`|\Psi_\mu|` at a concrete rational point, or from an exact limit along a ray to infinity (a limit of
  values :math:`\Psi` takes, so also a lower bound of the supremum). The witness is replayable.
* ``proved`` (globally optimal): only when the residual :math:`f_\mu(x_i)-y_i` is certified to be exactly zero
  (exact-point balls: exact rational data, exactly representable features), so :math:`\Psi_\mu\equiv0`.
* ``inconclusive`` otherwise, e.g. when every enclosure of :math:`S(\mu)` still contains 0 at the highest precision
  tried (``--dps`` / ``max_dps`` is the knob).

Where the supremum lives (MATH.md §1b A.3, A.5): for monotone bounded activations (sigmoid, tanh, erf, ...) the
supremum over the compactified domain is exactly the maximum over the half-space sets of the data
(:mod:`numerics.certified.halfspaces`, exact for d <= 3 or when all hyperplanes are enumerable; sampled otherwise, with the
coverage reported), so ``attained = "infinity"`` and both bounds are certified. For non-monotone bounded activations
the limits at infinity are threshold sums whose tie points take any value in the closure of the activation's range;
the interior is searched on a box (branch-and-bound with ``certify``, multistart otherwise) and the location is
called ``interior`` with ``location_certified: true`` only when a certified interior value exceeds the certified
upper bound of every limit at infinity. With ``certify`` and d = 1, a branch-and-bound over the compactified plane
(polar coordinates, :math:`\rho=\tau/(1-\tau)`, sigma enclosed on unbounded intervals through its limits and
monotone tails) bounds :math:`S(\mu)` over all of :math:`\mathbb R^2` and can certify a supremum at infinity up to a
stated tolerance. For softmax attention the hardmax limits along sampled directions give lower bounds only; for the
ReLU lift (positively homogeneous) :math:`S(\mu)=+\infty` as soon as :math:`\Psi\ne0`; other unbounded activations
are searched on the box only (said in the message).

Escaping set (MATH.md §1b A.2): ``escaping_set`` reports whether :math:`E_\epsilon` is non-empty (iff
:math:`\epsilon<S(\mu)`), the steepest output direction :math:`\hat a`, and with ``certify`` the MATH.md §3.9 E2
certificate that :math:`-S/2` is a regular value of :math:`h=\langle\hat a,\Psi\rangle` on the search box.
"""
from __future__ import annotations

import itertools
import math
import random
import time
from fractions import Fraction

import mpmath

from numerics.certified.bnb import as_fraction, point_ball
from numerics.certified.enclosures import PsiEnclosure, sup_abs_psi_box
from numerics.certified.halfspaces import affine_dichotomies, affine_rank, as_points, hyperplane_cuts, sampled_cuts
from numerics.highprec import loss_mp, refine_argmax_abs_psi, velocity_mp
from numerics.certified.precision import (arb_prec, dps_to_bits, enclosure_decimal, mp_tolerance, outward_decimal,
                                value_decimal, workdps)

from proofs.errors import InvalidArgument
from proofs.problem.measure import residual

__all__ = ["analyze", "exact_str", "MAX_EXACT_HYPERPLANES"]

#: above this many candidate hyperplanes (C(n, d)) the half-space sets are sampled, not enumerated
MAX_EXACT_HYPERPLANES = 20000


def exact_str(q) -> str:
    """A Fraction as a finite decimal string when it has one, else "p/q" (both read exactly by the loaders)."""
    q = Fraction(q)
    d = q.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{q.numerator}/{q.denominator}"
    e = max(twos, fives)
    scaled = q * 10 ** e
    s = str(abs(scaled.numerator)).rjust(e + 1, "0")
    out = s[:-e] + "." + s[-e:] if e else s
    out = out.rstrip("0").rstrip(".") if "." in out else out
    return ("-" if q < 0 else "") + out


def _bstr(x, digits=25) -> str:
    """Decimal string of a ball's midpoint: for chosen points and directions only (a_hat, a level), which are
    exact once printed. Bounds are printed by :func:`numerics.certified.precision.outward_decimal` (lower bounds down,
    upper bounds up), values by :func:`numerics.certified.precision.value_decimal` (only the digits the radius justifies)."""
    if not x.is_finite():
        return "nan" if x.is_nan() else "inf"
    return x.mid().str(digits, radius=False)


def _lo(x, digits=25) -> str:
    """A certified lower bound, printed rounded down."""
    return outward_decimal(x, False, digits)


def _up(x, digits=25) -> str:
    """A certified upper bound, printed rounded up."""
    return outward_decimal(x, True, digits)


def _norm(vec):
    from flint import arb

    s = arb(0)
    for v in vec:
        s = s + v * v
    return s.nonnegative_part().sqrt() if s.is_finite() else arb("nan")


def _is_exact_zero(b) -> bool:
    return b.is_exact() and b.is_zero()


# ------------------------------------------------------------------------------------------------ activation data
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


# ------------------------------------------------------------------------------------------------ at infinity
def _vsum(rows, idx, k):
    from flint import arb

    out = [arb(0)] * k
    for i in idx:
        for c in range(k):
            out[c] = out[c] + rows[i][c]
    return out


def _at_infinity_sigmoid(model, data, r, info, *, seed=0, max_exact=None):
    """Exact limits of Psi at infinity for a sigmoid-type model (MATH.md §1b A.3, A.5)."""
    from flint import arb

    max_exact = MAX_EXACT_HYPERPLANES if max_exact is None else max_exact
    n, k, d = data.n, model.k, model.p_x
    X = as_points(data.X)
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


def _at_infinity_attention(model, data, r, *, samples=200, seed=0, extra=()):
    """Hardmax limits of Psi along sampled rays A = t A0 (MATH.md §1b A.3): lower bounds only."""
    from flint import arb

    n, k, p = data.n, model.k, model.p
    L = model.L
    X = [[Fraction(str(v)) if not isinstance(v, (int, Fraction)) else Fraction(v) for v in row] for row in data.X]
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
    if best is None:
        return None
    return {"value": best[0], "upper": None, "exact": False, "witness": best[1], "psi_limit": best[2],
            "coverage": {"directions_sampled": len(dirs)}, "candidates": len(dirs)}


# ------------------------------------------------------------------------------------------------ compactified (d = 1)
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


def _compactified_sup(model, data, r, info, *, tol, max_boxes, time_limit):
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

    act = model.activation
    if info.get("smin") is None or _tails(info, act) is None:
        return None
    sig = compile_expr([Z], act.expr, "arb")
    xs = [[to_arb(v) for v in x] for x in data.X]
    d = model.p_x
    n, k = data.n, model.k

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


# ------------------------------------------------------------------------------------------------ interior
def _interior(model, mu, data, enc, *, certify, box_radius, dps, tol, max_boxes, time_limit, seed):
    """Interior part on the box [-R, R]^p_u: certified lower bound at a point, and an upper bound when certifying."""
    import numpy as np

    from proofs.problem.measure import psi as psi_fn

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
    U = np.vstack([cands, np.asarray([[float(Fraction(v)) for v in uj] for uj in mu.u], dtype=float)])
    vals = psi_fn(model, mu, data, U, "numpy")
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


# ------------------------------------------------------------------------------------------------ main entry
def _stationarity(model, mu, data, dps):
    from flint import arb

    from proofs.problem.measure import velocity

    va, vu = velocity(model, mu, data, "arb")
    worst = arb(0)
    for A, u in zip(va, vu):
        s = _norm([v for row in A for v in row] + list(u))
        worst = worst.max(s) if s.is_finite() else arb("nan")
    return worst


def analyze(model, mu, data, *, dps: int = 30, certify: bool = False, max_dps: int | None = None,
            box_radius="8", tol="1e-10", max_boxes: int = 3000, time_limit: float = 20.0, seed: int = 0) -> dict:
    r"""Loss, stationarity and the global-optimality verdict of ``mu`` (DESIGN.md §3 ``analyze`` contract).

    Parameters
    ----------
    dps : working precision (mpmath digits; balls use the matching number of bits).
    certify : run the box branch-and-bound for the interior part (certified upper bound on the box, and a
        certified location when the activation is not monotone); without it the interior is a multistart search
        whose best point is still evaluated in balls (a certified lower bound).
    max_dps : precision escalation limit (default ``4 * dps``) when the sign of :math:`S(\mu)` is undecided.
    box_radius : the interior box is ``[-R, R]^{p_u}``.
    time_limit : seconds for the whole analysis: every branch-and-bound gets what is left, and no precision
        escalation starts after it is spent (the half-space enumeration at infinity is bounded by its size).

    Returns the JSON-ready dict of DESIGN.md §3 with extra keys ``sup_psi_enclosure``, ``location_certified``,
    ``message`` and ``stats``.
    """
    if not isinstance(dps, int) or isinstance(dps, bool) or not 10 <= dps <= 5000:
        raise InvalidArgument(f"got dps={dps!r}, valid is an integer in [10, 5000]")
    if data.Y is None:
        raise InvalidArgument("analyze needs targets Y in the data file")
    from flint import arb

    max_dps = max(dps, max_dps if max_dps is not None else 4 * dps)
    t0 = time.perf_counter()
    with workdps(dps):
        loss = loss_mp(model, mu, data, dps=dps)
        va, vu = velocity_mp(model, mu, data, dps=dps)
        stat = max((mpmath.sqrt(sum(v * v for row in A for v in row) + sum(v * v for v in u))
                    for A, u in zip(va, vu)), default=mpmath.mpf(0))
    tol_stat = mp_tolerance(dps)
    info = _act_info(model)
    cur = dps
    escalations = []
    result = None
    # one wall-clock budget for the whole analysis: every branch-and-bound gets what is left of it, and no
    # precision escalation starts once it is spent
    deadline = t0 + time_limit
    out_of_time = False
    while True:
        with arb_prec(dps_to_bits(cur)):
            result = _decide(model, mu, data, info, dps=cur, certify=certify, box_radius=box_radius, tol=tol,
                             max_boxes=max_boxes, time_limit=deadline, seed=seed)
            stat_ball = _stationarity(model, mu, data, cur)
        escalations.append(cur)
        if result["verdict"] != "inconclusive" or cur >= max_dps:
            break
        if time.perf_counter() >= deadline:
            out_of_time = True
            break
        cur = min(max_dps, 2 * cur)
    if out_of_time:
        result["message"] += f" (the time limit of {time_limit} s was reached before escalating past {cur} dps)"
    bits = dps_to_bits(cur)
    exact_stat = _is_exact_zero(stat_ball)
    stationary = bool(exact_stat or (stat_ball.is_finite()
                                     and stat_ball.upper() < arb(mpmath.nstr(tol_stat, 5, min_fixed=-mpmath.inf))))
    if result["verdict"] == "inconclusive" and len(escalations) > 1:
        result["message"] += f" (precision escalated {' -> '.join(map(str, escalations))} dps; raise --dps)"
    out = {
        "loss": mpmath.nstr(loss, dps),
        "stationarity_residual": mpmath.nstr(stat, min(dps, 20)),
        "stationary": stationary,
        # printed from the ball itself (no arithmetic outside the working precision), lower end down, upper up
        "stationarity": {"residual_enclosure": enclosure_decimal(stat_ball, 25, nonnegative=True)
                         if stat_ball.is_finite() else None,
                         "exactly_zero": exact_stat, "tolerance": mpmath.nstr(tol_stat, 3)},
        # the verdict is about this measure on this data (an instance), never about the model class
        "global_optimality": {**{k: result[k] for k in ("verdict", "sup_psi", "attained", "witness",
                                                         "sup_psi_enclosure", "location_certified", "message")},
                              "scope": "instance"},
        "escaping_set": result["escaping_set"],
        "precision": f"arb {bits} bits (dps {cur}); mpmath {dps} dps",
        "model": model.describe(),
        "stats": {**result["stats"], "escalations": escalations, "seconds": round(time.perf_counter() - t0, 3)},
    }
    return out


def _residual_exactly_zero(model, mu, data, limit=4000):
    """True when f_mu(x_i) = y_i holds in exact rational arithmetic (sympy), for features that are rational at the
    particles (e.g. u = 0 with a sigmoid); None when that does not apply or n * m exceeds ``limit``."""
    from proofs.errors import InvalidArgument
    from proofs.problem.inverse_design import _exact_predict, _exact_values

    if data.n * len(mu.u) > limit:
        return None
    try:
        G, _ = _exact_values(model, mu, data.X)
    except (InvalidArgument, ValueError, TypeError):
        return None
    f = _exact_predict(model, mu, G)
    return all(f[i][c] == Fraction(data.Y[i][c]) for i in range(data.n) for c in range(model.k))


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


def _decide(model, mu, data, info, *, dps, certify, box_radius, tol, max_boxes, time_limit, seed):
    """One pass at the current python-flint precision: verdict, sup, location, witness."""
    from flint import arb

    deadline = time_limit  # the deadline (time.perf_counter()) of the whole analysis: each search gets what is left

    def left():
        return max(0.05, deadline - time.perf_counter())

    r = residual(model, mu, data, "arb")
    stats = {}
    exact_zero = all(_is_exact_zero(v) for row in r for v in row)
    if not exact_zero and all(v.contains(0) for row in r for v in row):
        exact_zero = _residual_exactly_zero(model, mu, data)
        stats["exact_residual_check"] = exact_zero
    if exact_zero:
        return {"verdict": "proved", "sup_psi": "0", "attained": "interior", "witness": {"kind": "identically-zero"},
                "sup_psi_enclosure": ["0", "0"], "location_certified": True,
                "message": "the residual f_mu(x_i) - y_i is exactly zero, so Psi_mu = 0 everywhere (MATH.md §1b A.1)",
                "escaping_set": {"nonempty": False}, "stats": stats}
    enc = PsiEnclosure(model, mu, data, r=r)
    inf = None
    if info is not None:
        inf = _at_infinity_sigmoid(model, data, r, info, seed=seed)
    elif model.name in ("attention", "attention-qk"):
        extra = [] if model.qk else [[Fraction(v) for v in uj] for uj in mu.u]
        inf = _at_infinity_attention(model, data, r, seed=seed, extra=extra)
    # positively 1-homogeneous features (the ReLU lift, MATH.md §3.7): Psi(t u) = t Psi(u), so S = +inf unless Psi = 0
    homogeneous = model.name == "relu-lift"
    unbounded = info is None and not homogeneous and model.name not in ("attention", "attention-qk")
    need_interior = not (info is not None and info["monotone"] and inf["exact"])
    inter = None
    if need_interior:
        inter = _interior(model, mu, data, enc, certify=certify, box_radius=box_radius, dps=dps, tol=tol,
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
                comp = _compactified_sup(model, data, r, info, tol=Fraction(str(float(loc_tol.upper()))),
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
            comp = _compactified_sup(model, data, r, info, tol=Fraction(str(float(ref.upper()))),
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
               f"({attained}) gives Psi != 0 (MATH.md §1b A.1)")
    else:
        verdict = "inconclusive"
        msg = (f"every enclosure of S(mu) contains 0 at {dps} dps (best value {value_decimal(best_val, 5)}); "
               "the sign of the optimality gap is undecided: raise --dps")
    if location_certified and "location_tolerance" in stats:
        msg += (f"; located at infinity up to {stats['location_tolerance']}: the compactified branch-and-bound bounds "
                "|Psi| over all of R^2 by the limit value plus that tolerance")
    if not location_certified and verdict == "refuted":
        if unbounded:
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
           "note": "E_eps = {h(a/|a|, u) < -eps} is non-empty exactly for eps < S(mu) (MATH.md §1b A.2); a_hat = "
                   "-Psi/|Psi| at the witness is the steepest escaping output direction"}
    if certify and a_hat is not None and lower > 0 and not homogeneous and not unbounded:
        esc["regular_level"] = _regular_level(enc, a_hat, lower, box_radius, max_boxes)
    return {"verdict": verdict, "sup_psi": sup_str, "attained": attained, "witness": witness,
            "sup_psi_enclosure": enclosure, "location_certified": location_certified, "message": msg,
            "escaping_set": esc, "stats": stats}
