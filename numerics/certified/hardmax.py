r"""Exact enumeration of the hardmax (argmax) cells of a softmax attention head, and the certified limits of
:math:`\Psi_\mu` along rays in each cell (MATH.md §1b A.3).

Along :math:`A=tA_0`, :math:`t\to\infty`, the softmax of the scores :math:`s_{il}=x_{q,i}^\top A_0\,x_{il}` tends to the
uniform law on :math:`\arg\max_l s_{il}`. The scores are linear in :math:`A_0\in\mathbb R^{p\times p}`, so which key wins
for each query is constant on the open cells of the central hyperplane arrangement
:math:`\{A_0:\langle A_0,x_{q,i}(x_{il}-x_{il'})^\top\rangle_F=0\}`. :func:`arrangement_cells` enumerates the
full-dimensional cells incrementally (one hyperplane at a time, each cell split when a linear program finds a point on
the other side); every cell is kept only with an **exact rational witness** :math:`A_0` whose strict signs are
checked in Fractions, so the floats of the LP (scipy HiGHS) never decide anything. A cell the LP reports feasible
but whose rounded witness fails the exact check is counted in ``unverified`` (then ``complete`` is False).

What is certified: for each returned cell, the hardmax limit of :math:`\Psi_\mu` along :math:`tA_0` (python-flint
balls from exact argmax sets) — a value :math:`\Psi` approaches, hence a lower bound of :math:`S(\mu)`; the maximum
over the cells is the exact supremum of the limits along rays *through open cells*. Rays on the walls (ties, where
the limit averages the tied keys) are not enumerated, so this is not an upper bound of :math:`S(\mu)`.
scipy has no arrangement enumerator and python-flint no LP, hence this hand-written incremental method.
"""
from __future__ import annotations

import time
from fractions import Fraction

__all__ = ["arrangement_cells", "attention_normals", "hardmax_limit", "hardmax_cells"]


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b)), Fraction(0))


def _canonical(v):
    """The hyperplane of normal v up to scaling and sign: a tuple of Fractions with first non-zero entry 1."""
    for x in v:
        if x != 0:
            return tuple(y / x for y in v)
    return None


def attention_normals(X, p, L):
    """Distinct hyperplane normals vec(x_q (x_l - x_l')^T) (row-major a*p+b) of the data (exact Fractions)."""
    seen = {}
    for row in X:
        toks = [row[l * p:(l + 1) * p] for l in range(L)]
        xq = toks[-1]
        for l in range(L):
            for l2 in range(l + 1, L):
                d = [a - b for a, b in zip(toks[l], toks[l2])]
                v = [xq[a] * d[b] for a in range(p) for b in range(p)]
                c = _canonical(v)
                if c is not None:
                    seen.setdefault(c, list(c))
    return list(seen.values())


def _int_vector(v):
    """An integer vector on the same ray as the rational vector v (the arrangement is central: scale is free)."""
    import math

    den = 1
    for x in v:
        den = den * Fraction(x).denominator // math.gcd(den, Fraction(x).denominator)
    w = [int(Fraction(x) * den) for x in v]
    g = 0
    for x in w:
        g = math.gcd(g, x)
    return [x // g for x in w] if g > 1 else w


def _lp_point(normals, signs, D):
    """A float point with sign_k <a_k, A> >= delta > 0 for every k (max delta, box |A_j| <= 1), or None."""
    import numpy as np
    from scipy.optimize import linprog

    if len(normals) == 0:
        return [0.5] * D
    A = np.array([[float(x) for x in a] for a in normals])
    A = A / np.abs(A).max(axis=1, keepdims=True)
    s = np.array(signs, dtype=float)
    A_ub = np.hstack([-(s[:, None] * A), np.ones((len(s), 1))])
    c = np.zeros(D + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(len(s)), bounds=[(-1, 1)] * D + [(0, 1)], method="highs")
    if res.status != 0 or res.x[-1] <= 1e-12:
        return None
    return list(res.x[:D])


class _Exact:
    """Exact sign checks <a_k, q> for integer normals and integer points (Python ints: no overflow)."""

    def __init__(self, normals):
        self.N = [_int_vector(a) for a in normals]

    def dot(self, k, q):
        return sum(x * y for x, y in zip(self.N[k], q))

    def verify(self, ks, signs, q):
        return all(s * self.dot(k, q) > 0 for k, s in zip(ks, signs))


def arrangement_cells(normals, D, *, max_cells=20000, time_limit=30.0, seed=0):
    """Open cells of the central arrangement {<a_k, A> = 0} in R^D with exact (integer) witnesses.

    Returns ``{"cells": [(signs, witness)], "complete": bool, "unverified": int, "seconds": float}``; ``complete``
    only when every split was decided and every witness verified exactly within the budget.
    """
    import random

    t0 = time.perf_counter()
    rng = random.Random(seed)
    ex = _Exact(normals)
    cells = [((), [rng.randint(-10 ** 6, 10 ** 6) for _ in range(D)])]
    unverified = 0
    complete = True
    done = 0
    for j in range(len(ex.N)):
        if time.perf_counter() - t0 > time_limit or len(cells) > max_cells:
            complete = False
            break
        used = list(range(j))
        a = ex.N[j]
        aa = sum(x * x for x in a)
        new = []
        out_of_time = False
        for ci, (signs, pt) in enumerate(cells):
            if ci % 64 == 0 and time.perf_counter() - t0 > time_limit:
                out_of_time = True
                break
            v = ex.dot(j, pt)
            if v == 0:  # the witness sits on the new wall: push it off inside the old cell (exact check)
                moved = None
                for num, den in ((1, 10 ** 6), (-1, 10 ** 6), (1, 10 ** 9), (-1, 10 ** 9)):
                    q = [den * aa * x + num * y for x, y in zip(pt, a)]
                    if ex.verify(used, signs, q) and ex.dot(j, q) != 0:
                        moved = q
                        break
                if moved is None:
                    unverified += 1
                    complete = False
                    continue
                pt, v = moved, ex.dot(j, moved)
            side = 1 if v > 0 else -1
            new.append((signs + (side,), pt))
            other = signs + (-side,)
            # cheap exact tries first: the mirror image of the witness across the new wall (and points pushed just
            # through it); the LP only when they leave the old cell.  q = aa*pt - f*v*a, scaled to integers
            found = None
            for fn, fd in ((2, 1), (3, 2), (5, 4), (101, 100)):
                q = [fd * aa * x - fn * v * y for x, y in zip(pt, a)]
                if -side * ex.dot(j, q) > 0 and ex.verify(used, signs, q):
                    found = q
                    break
            if found is None:
                fp = _lp_point([ex.N[k] for k in used] + [a], list(other), D)
                if fp is None:
                    continue
                for digits in (9, 12, 15):
                    q = [round(x * 10 ** digits) for x in fp]
                    if ex.verify(used + [j], other, q):
                        found = q
                        break
                else:
                    unverified += 1
                    complete = False
                    continue
            new.append((other, found))
        if out_of_time:
            complete = False
            break
        cells = new
        done = j + 1
    return {"cells": [(sg, [Fraction(x) for x in q]) for sg, q in cells],
            "complete": complete and done == len(ex.N), "unverified": unverified, "hyperplanes": len(ex.N),
            "hyperplanes_done": done, "seconds": time.perf_counter() - t0}


def _nullspace_ray(rows, D):
    """An integer generator of the null space of ``rows`` ((D-1) x D integer matrix) when it is one-dimensional
    (python-flint exact integer linear algebra)."""
    import flint

    X, nul = flint.fmpz_mat(rows).nullspace()
    if nul != 1:
        return None
    return _int_vector([Fraction(int(X[i, 0])) for i in range(D)])


def ray_cells(normals, D, *, max_subsets=60000, time_limit=30.0):
    r"""Open cells of an essential central arrangement from its extreme rays (hand-written: no library does it).

    Every open cell of an essential central arrangement in :math:`\mathbb R^D` is a pointed cone, so its closure
    has an extreme ray on which :math:`D-1` independent walls meet. For each such ray :math:`
ho` (both signs)
    and each sign pattern :math:`\sigma` of those walls, :math:`
ho+\epsilon d` with :math:`\langle a_k,d
angle=\sigma_k`
    lies in a cell once :math:`\epsilon` is small; every candidate is kept only after its strict signs against all
    walls are checked exactly (integers). When more than D-1 walls meet on a ray some patterns may be missed, so
    ``complete`` is then False; likewise when the arrangement is not essential or the budget runs out.
    """
    import itertools
    import math

    import flint

    t0 = time.perf_counter()
    ex = _Exact(normals)
    N = ex.N
    if D == 1:
        return {"cells": [((), [Fraction(1)]), ((), [Fraction(-1)])], "complete": True, "unverified": 0,
                "hyperplanes": len(N), "hyperplanes_done": len(N), "seconds": 0.0}
    if not N or flint.fmpz_mat(N).rank() < D or math.comb(len(N), D - 1) > max_subsets:
        return None
    cells = {}
    complete = True
    unverified = 0
    seen_rays = set()
    for sub in itertools.combinations(range(len(N)), D - 1):
        if time.perf_counter() - t0 > time_limit:
            complete = False
            break
        rho = _nullspace_ray([N[k] for k in sub], D)
        if rho is None:
            continue
        key = tuple(rho)
        if key in seen_rays:
            continue
        seen_rays.add(key)
        through = [k for k in range(len(N)) if ex.dot(k, rho) == 0]
        if len(through) > D - 1:
            complete = False  # a degenerate ray: the local patterns are not all enumerated
        Q = flint.fmpq_mat(flint.fmpz_mat([N[k] for k in sub]))
        P = Q.transpose() * (Q * Q.transpose()).inv()  # d = P sigma solves <a_k, d> = sigma_k on the sub-walls
        for sgn in (1, -1):
            r0 = [sgn * x for x in rho]
            vals = [ex.dot(k, r0) for k in range(len(N))]
            for pattern in itertools.product((1, -1), repeat=D - 1):
                dv = P * flint.fmpq_mat([[x] for x in pattern])
                dq = [Fraction(int(dv[i, 0].p), int(dv[i, 0].q)) for i in range(D)]
                di = _int_vector(dq)  # a positive multiple of d: the same walls' signs
                ok = None
                for e in range(3, 40, 6):  # q = K r0 + d (integers), K = 10^e large <=> epsilon small
                    K = 10 ** e
                    q = [K * x + y for x, y in zip(r0, di)]
                    sg = tuple(1 if ex.dot(k, q) > 0 else (-1 if ex.dot(k, q) < 0 else 0) for k in range(len(N)))
                    if 0 in sg:
                        continue
                    if all(sg[k] == (1 if vals[k] > 0 else -1) for k in range(len(N)) if vals[k] != 0):
                        ok = (sg, q)
                        break
                if ok is None:
                    unverified += 1
                    continue
                cells.setdefault(ok[0], ok[1])
    return {"cells": [(sg, [Fraction(x) for x in q]) for sg, q in cells.items()], "complete": complete,
            "unverified": unverified, "hyperplanes": len(N), "hyperplanes_done": len(N),
            "seconds": time.perf_counter() - t0}


def _argmax(row, A0, p, L):
    toks = [row[l * p:(l + 1) * p] for l in range(L)]
    xq = toks[-1]
    sc = [sum((xq[a] * A0[a * p + b] * toks[l][b] for a in range(p) for b in range(p)), Fraction(0)) for l in range(L)]
    mx = max(sc)
    return [l for l in range(L) if sc[l] == mx]


def hardmax_limit(X, r, A0, p, L, k):
    """The hardmax limit of Psi along t A0 (balls, k*p entries row-major (c, t)), from exact argmax sets."""
    from flint import arb

    from numerics.certified.bnb import point_ball

    n = len(X)
    acc = [arb(0)] * (k * p)
    for i in range(n):
        toks = [X[i][l * p:(l + 1) * p] for l in range(L)]
        xq = toks[-1]
        sc = [sum((xq[a] * A0[a * p + b] * toks[l][b] for a in range(p) for b in range(p)), Fraction(0))
              for l in range(L)]
        mx = max(sc)
        M = [l for l in range(L) if sc[l] == mx]
        gv = [sum((toks[l][t] for l in M), Fraction(0)) / len(M) for t in range(p)]
        for c in range(k):
            for t in range(p):
                acc[c * p + t] = acc[c * p + t] + r[i][c] * point_ball(gv[t])
    return [v / n for v in acc]


def hardmax_cells(X, r, p, L, k, *, max_dim=9, time_limit=30.0, max_cells=20000):
    """Enumerate the cells (p*p <= max_dim) and return the best certified limit |Psi_oo| with its direction.

    ``X`` exact Fractions (n x L*p), ``r`` residual balls (n x k). Returns None when p*p > max_dim."""
    D = p * p
    if D > max_dim:
        return None
    normals = attention_normals(X, p, L)
    arr = ray_cells(normals, D, time_limit=0.7 * time_limit) if normals else None
    if arr is None:
        arr = arrangement_cells(normals, D, time_limit=0.7 * time_limit, max_cells=max_cells)
    best = None
    t0 = time.perf_counter()
    evaluated = 0
    seen = set()
    # integer score vectors: score_il(A0) = <A0, vec(x_q x_l^T)> scaled by a positive integer per sample (the argmax
    # is unchanged), so each cell's pattern is a few exact integer dot products
    Ms = []
    for row in X:
        toks = [row[l * p:(l + 1) * p] for l in range(L)]
        xq = toks[-1]
        vecs = [[xq[a] * t[b] for a in range(p) for b in range(p)] for t in toks]
        import math as _m

        den = 1
        for v in vecs:
            for x in v:
                den = den * x.denominator // _m.gcd(den, x.denominator)
        Ms.append([[int(x * den) for x in v] for v in vecs])

    def pattern(A0):
        Ai = [int(a) for a in A0]
        out = []
        for M in Ms:
            sc = [sum(x * y for x, y in zip(m, Ai)) for m in M]
            mx = max(sc)
            out.append(tuple(l for l in range(L) if sc[l] == mx))
        return tuple(out)
    for signs, A0 in arr["cells"]:
        if time.perf_counter() - t0 > max(0.5, time_limit - arr["seconds"]):
            arr["complete"] = False  # budget spent: the remaining cells are not evaluated
            break
        evaluated += 1
        # the limit depends only on the argmax sets: evaluate each pattern once
        pat = pattern(A0)
        if pat in seen:
            continue
        seen.add(pat)
        vec = hardmax_limit(X, r, A0, p, L, k)
        s = sum((v * v for v in vec), vec[0] * 0)
        val = s.sqrt() if s > 0 else s.abs_upper() * 0
        if best is None or val.mid() > best[0].mid():
            best = (val, A0, vec)
    return {"best": best, "evaluated": evaluated, "patterns": len(seen), **{key: arr[key] for key in ("complete", "unverified", "hyperplanes", "hyperplanes_done",
                                                        "seconds")},
            "cells": len(arr["cells"])}
