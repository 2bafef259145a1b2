r"""Exact enumeration of the argmax (hardmax) arrangement of a softmax attention head — its open cells and every
wall where keys tie — and the certified limits of :math:`\Psi_\mu` along rays.

Along :math:`A=tA_0`, :math:`t\to\infty`, :math:`A_0\ne0`, the softmax of the scores
:math:`s_{il}=x_{q,i}^\top A_0\,x_{il}` tends to the uniform law on :math:`\arg\max_l s_{il}` (softmax of :math:`tz`
tends to the uniform distribution on the maximisers of :math:`z`; the tied keys are averaged). The scores are linear
in :math:`A_0\in\mathbb R^{p\times p}`, so the argmax sets are constant on each face (relative interior, any
dimension) of the central hyperplane arrangement
:math:`\{A_0:\langle A_0,x_{q,i}(x_{il}-x_{il'})^\top\rangle_F=0\}`.

* :func:`arrangement_cells` / :func:`ray_cells`: the full-dimensional cells (incremental splits with a scipy HiGHS
  linear program, or the extreme rays); every cell is kept only with an **exact integer witness** whose strict signs
  are checked exactly, so the floats of the LP never decide anything (``unverified`` counts the rejects).
* :func:`arrangement_faces`: every face, walls included, from the intersection lattice (exact integer linear
  algebra), built bottom-up from the lines with exact integer lifts (no linear program); each face's full sign
  vector (-, 0, +) is verified exactly at its witness.
* :func:`hardmax_faces`: the limit of :math:`\Psi_\mu` on every face in python-flint balls from exact argmax sets;
  when the enumeration is complete their maximum is the **exact** supremum of :math:`|\lim_t\Psi_\mu(tA_0)|_F` over
  all rays :math:`A_0\ne0` (a finite maximum, enclosed in a ball).

What this does not cover: finite :math:`A` (the interior search), and curves to infinity that are not rays
(:math:`tA_0+B` with :math:`A_0` on a wall, whose limit is a softmax of :math:`B`'s scores over the tied keys). So
the supremum over rays is a certified **lower** bound of :math:`S(\mu)=\sup_A|\Psi_\mu(A)|_F`, never an upper bound.
:func:`hardmax_cells` (open cells only) is kept for comparison: it misses the walls.
scipy has no arrangement enumerator and python-flint no LP, hence these hand-written methods.
"""
from __future__ import annotations

import time
from fractions import Fraction

from numerics.errors import InvalidArgument

__all__ = ["arrangement_cells", "arrangement_faces", "attention_normals", "hardmax_cells", "hardmax_faces",
           "hardmax_limit", "ray_cells"]


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
    has an extreme ray on which :math:`D-1` independent walls meet. For each such ray :math:`\rho` (both signs)
    and each sign pattern :math:`\sigma` of those walls, :math:`\rho+\epsilon d` with
    :math:`\langle a_k,d\rangle=\sigma_k` lies in a cell once :math:`\epsilon` is small; every candidate is kept
    only after its strict signs against all walls are checked exactly (integers). When more than D-1 walls meet on
    a ray some patterns may be missed, so ``complete`` is then False; likewise when the arrangement is not
    essential or the budget runs out.
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
    keys = ("complete", "unverified", "hyperplanes", "hyperplanes_done", "seconds")
    return {"best": best, "evaluated": evaluated, "patterns": len(seen), **{key: arr[key] for key in keys},
            "cells": len(arr["cells"])}


# ---------------------------------------------------------------------------------------------- every face (walls)
def _sign(x):
    return 1 if x > 0 else (-1 if x < 0 else 0)


def _hyperplane_in_flat(row):
    """An integer basis (list of vectors) of the null space of one non-zero integer row in R^m (exact)."""
    i0 = next(i for i, x in enumerate(row) if x != 0)
    out = []
    for j in range(len(row)):
        if j == i0:
            continue
        v = [0] * len(row)
        v[j], v[i0] = row[i0], -row[j]
        out.append(_gcd_reduced(v))
    return out


def _gcd_reduced(v):
    """An integer vector divided by the gcd of its entries (the same ray)."""
    import math

    g = math.gcd(*v)
    return [x // g for x in v] if g > 1 else list(v)


def _reduced(basis):
    """The same lattice's LLL-reduced basis (python-flint): keeps the integer witnesses small deep in the lattice."""
    import flint

    if len(basis) <= 1:
        return [_gcd_reduced(b) for b in basis]
    M = flint.fmpz_mat(basis).lll()
    return [[int(M[i, j]) for j in range(M.ncols())] for i in range(M.nrows())]


def _lift(w, wv, n_, nv):
    """The two points K w + n and K w - n next to the face witness w (values wv = <a_k, w>) off its wall along n
    (values nv), with the integer K > max |<a_k, n>| / |<a_k, w>| over the walls not through w: every non-zero
    sign of w is kept. Returns [(point, values)] (values by linearity; the caller re-checks them)."""
    K = 1 + max((abs(x) // abs(y) for x, y in zip(nv, wv) if y != 0), default=0)
    return [([K * x + sg * y for x, y in zip(w, n_)], [K * x + sg * y for x, y in zip(wv, nv)]) for sg in (1, -1)]


def _signs_at(N, points, D):
    """The sign vectors of the integer points against the integer normals N (one python-flint matrix product)."""
    import flint

    if not points:
        return []
    if not N:
        return [() for _ in points]
    P = flint.fmpz_mat(N) * flint.fmpz_mat(D, len(points), [int(q[i]) for i in range(D) for q in points])
    c = len(points)
    e = P.entries()
    return [tuple(_sign(e[k * c + j]) for k in range(len(N))) for j in range(c)]


def arrangement_faces(normals, D, *, max_faces=200000, max_flats=50000, time_limit=30.0):
    r"""Every face (relative interior of every dimension >= 1) of the central arrangement
    :math:`\{\langle a_k,A\rangle=0\}` in :math:`\mathbb R^D`, each with an exact integer witness; no linear program.

    Method (hand-written: scipy and python-flint have no arrangement enumerator). Each face spans exactly one flat
    :math:`X` of the intersection lattice and is an open cell of the restriction :math:`\mathcal A^X`.

    1. The flats are generated from :math:`\mathbb R^D` by cutting with one hyperplane at a time, each closed under
       "contains" in exact integers (integer bases from exact null spaces, LLL-reduced by python-flint); each flat
       records its sub-flats of codimension one.
    2. The cells are built bottom-up. A cell of :math:`\mathcal A^X` (X not the smallest flat) has a facet, an open
       cell :math:`F` of some sub-flat :math:`Z` of codimension one; conversely, for a witness :math:`w` of such an
       :math:`F` and :math:`n\in X\setminus Z`, the points :math:`Kw\pm n` with the integer
       :math:`K>\max|\langle a_k,n\rangle|/|\langle a_k,w\rangle|` (over the walls not through :math:`w`) keep
       every sign of :math:`w` and leave :math:`Z` on either side: the two cells of :math:`\mathcal A^X` on the
       sides of :math:`F`. The cells of a line are its two rays; the smallest flat (every wall at once), when it is
       not the origin, is one face. The origin is left out (it is not a ray).

    Every face is kept only after its full sign vector (-1, 0, +1 per hyperplane) is recomputed in exact integers at
    the witness, with the zeros exactly on the hyperplanes containing its flat; a failure counts in ``unverified``.
    Returns ``{"faces": [(signs, witness (a tuple of ints), dim)], "flats", "faces_by_dim": {dim: count},
    "complete", "unverified", "seconds", "reason", "hyperplanes"}``; ``complete`` only when every flat and every
    face was enumerated and verified within the budget (``max_faces``, ``max_flats``, ``time_limit`` seconds).
    """
    t0 = time.perf_counter()
    if isinstance(D, bool) or not isinstance(D, int) or D < 1:
        raise InvalidArgument(f"arrangement_faces: D must be a positive integer, got {D!r}")
    if any(len(a) != D for a in normals):
        raise InvalidArgument(f"arrangement_faces: every normal must have D = {D} entries")
    ex = _Exact(normals)
    N = ex.N
    if any(not any(a) for a in N):
        raise InvalidArgument("arrangement_faces: a hyperplane normal is zero (it cuts nothing)")
    H = len(N)
    allS = frozenset(range(H))
    complete, unverified, reason = True, 0, None

    # 1. the intersection lattice, top-down (flat = the set S of walls containing it), with integer bases
    basis = {frozenset(): [[1 if i == j else 0 for j in range(D)] for i in range(D)]}
    children = {}
    order = [frozenset()]
    pos = 0
    while pos < len(order):
        if time.perf_counter() - t0 > time_limit:
            complete, reason = False, "time_limit (intersection lattice)"
            break
        S = order[pos]
        pos += 1
        B = basis[S]
        children[S] = []
        if len(B) <= 1 or S == allS:
            continue  # a line (its only sub-flat is the origin) or the smallest flat
        covered = set(S)
        for k in range(H):
            if k in covered:
                continue
            sub = _hyperplane_in_flat([ex.dot(k, b) for b in B])
            B2 = _reduced([[sum(cj * b[i] for cj, b in zip(c, B)) for i in range(D)] for c in sub])
            S2 = frozenset(j for j in range(H) if all(ex.dot(j, b) == 0 for b in B2))
            covered |= S2
            children[S].append(S2)
            if S2 not in basis:
                basis[S2] = B2
                order.append(S2)
        if len(basis) > max_flats:
            complete, reason = False, "max_flats"
            break

    # 2. the faces, bottom-up (smallest flats first); values <a_k, A0> carried along by linearity, every witness
    #    re-evaluated at the end (one exact integer matrix product)
    cells_of = {}

    def add(S, A0, vals):
        nonlocal unverified, complete
        signs = tuple(_sign(v) for v in vals)
        # zero exactly on the walls through the flat (and A0 != 0): otherwise the point is not in this flat's cell
        if not any(A0) or any((sg == 0) != (k in S) for k, sg in enumerate(signs)):
            unverified += 1
            complete = False
            return
        cells_of[S].setdefault(signs, (A0, vals))

    nfaces = 0
    for S in sorted(children, key=lambda S_: len(basis[S_])):
        if time.perf_counter() - t0 > time_limit:
            complete, reason = False, reason or "time_limit (faces)"
            break
        if nfaces > max_faces:
            complete, reason = False, "max_faces"
            break
        B = basis[S]
        m = len(B)
        cells_of[S] = {}
        if m == 0:
            continue  # the origin: not a ray
        if S == allS or m == 1:  # the smallest flat: one face (all signs zero); a line: its two rays
            b0 = _gcd_reduced(B[0])
            v0 = [ex.dot(k, b0) for k in range(H)]
            add(S, b0, v0)
            if S != allS:
                add(S, [-x for x in b0], [-x for x in v0])
            nfaces += len(cells_of[S])
            continue
        for Z in children[S]:
            if Z not in cells_of:
                complete, reason = False, reason or "a sub-flat was not reached"
                continue
            kz = min(Z - S)
            n_ = next(b for b in B if ex.dot(kz, b) != 0)  # a direction of X off the wall Z
            nv = [ex.dot(k, n_) for k in range(H)]
            for A_w, wv in cells_of[Z].values():
                for A0, vals in _lift(A_w, wv, n_, nv):
                    add(S, A0, vals)
        nfaces += len(cells_of[S])

    faces, by_dim = [], {}
    for S in list(cells_of):
        m = len(basis[S])
        items = list(cells_of.pop(S).items())
        for c0 in range(0, len(items), 4096):  # in chunks: one exact integer matrix product each
            chunk = items[c0:c0 + 4096]
            for (signs, (A0, _)), sg in zip(chunk, _signs_at(N, [A0 for _, (A0, _) in chunk], D)):
                if sg != signs:  # the exact check at the witness: its own sign vector, recomputed from scratch
                    unverified += 1
                    complete = False
                    continue
                faces.append((signs, tuple(A0), m))
                by_dim[m] = by_dim.get(m, 0) + 1
    return {"faces": faces, "flats": len(basis), "faces_by_dim": dict(sorted(by_dim.items())),
            "complete": complete, "unverified": unverified, "seconds": time.perf_counter() - t0, "reason": reason,
            "hyperplanes": H}


def _norm_ball(vec):
    """A ball enclosing the Frobenius norm of a list of balls (also when the squared norm's ball contains 0)."""
    from flint import arb

    s = sum((v * v for v in vec), arb(0))
    if s > 0:
        return s.sqrt()
    up = s.upper().max(arb(0))
    return arb.union(arb(0), up.sqrt())


def _score_vectors(X, p, L):
    """Per sample, integer vectors m_l with score_l(A0) = <m_l, vec A0> times a positive integer (the argmax sets
    are unchanged), so a direction's argmax pattern is a few exact integer dot products."""
    import math

    Ms = []
    for row in X:
        toks = [row[l * p:(l + 1) * p] for l in range(L)]
        xq = toks[-1]
        vecs = [[Fraction(xq[a]) * Fraction(t[b]) for a in range(p) for b in range(p)] for t in toks]
        den = 1
        for v in vecs:
            for x in v:
                den = den * x.denominator // math.gcd(den, x.denominator)
        Ms.append([[int(x * den) for x in v] for v in vecs])
    return Ms


def _pattern(Ms, A0):
    """The argmax set of every sample at the direction A0 (exact)."""
    Ai = [int(a) for a in A0] if all(a.denominator == 1 for a in A0) else _int_vector(A0)
    out = []
    for M in Ms:
        sc = [sum(x * y for x, y in zip(m, Ai)) for m in M]
        mx = max(sc)
        out.append(tuple(l for l in range(len(sc)) if sc[l] == mx))
    return tuple(out)


def _pattern_limits(X, r, p, L, k):
    """A function pattern -> the hardmax limit of Psi (balls, k*p entries row-major (c, t)): the mean of the tied
    tokens of every sample (exact Fractions, one ball per (sample, argmax set), cached) weighted by the residuals."""
    from flint import arb

    from numerics.certified.bnb import point_ball

    n = len(X)
    cache = {}

    def mean(i, M):
        key = (i, M)
        if key not in cache:
            toks = [X[i][l * p:(l + 1) * p] for l in M]
            cache[key] = [point_ball(sum((Fraction(t[j]) for t in toks), Fraction(0)) / len(M)) for j in range(p)]
        return cache[key]

    def limit(pat):
        acc = [arb(0)] * (k * p)
        for i, M in enumerate(pat):
            g = mean(i, M)
            for c in range(k):
                rc = r[i][c]
                for j in range(p):
                    acc[c * p + j] += rc * g[j]
        return [v / n for v in acc]

    return limit


def _check_attention_input(X, r, p, L, k):
    for name, v in (("p", p), ("L", L), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidArgument(f"hardmax: {name} must be a positive integer, got {v!r}")
    if len(X) != len(r):
        raise InvalidArgument(f"hardmax: {len(X)} samples but {len(r)} residual rows")
    for i, (row, ri) in enumerate(zip(X, r)):
        if len(row) != L * p:
            raise InvalidArgument(f"hardmax: sample {i} has {len(row)} entries, expected L * p = {L * p}")
        if len(ri) != k:
            raise InvalidArgument(f"hardmax: residual row {i} has {len(ri)} entries, expected k = {k}")
        if not all(isinstance(x, (int, Fraction)) and not isinstance(x, bool) for x in row):
            raise InvalidArgument(f"hardmax: sample {i} is not exact (ints or Fractions expected)")


def hardmax_faces(X, r, p, L, k, *, max_hyperplanes=48, max_faces=200000, time_limit=30.0):
    r"""The exact supremum over rays of the hardmax limits of :math:`\Psi_\mu`, from every face of the argmax
    arrangement (open cells **and** the walls where keys tie, of every dimension).

    Along :math:`A=tA_0`, :math:`t\to\infty`, :math:`A_0\ne0`, the softmax weights of sample :math:`i` tend to the
    uniform law on its argmax set :math:`M_i(A_0)` (tied keys averaged), so
    :math:`\lim_t\Psi_\mu(tA_0)=\frac1n\sum_ir_i\big(\frac1{|M_i|}\sum_{l\in M_i}x_{il}\big)^\top` depends only on the
    face of the central arrangement containing :math:`A_0`. Every face is enumerated with an exact witness
    (:func:`arrangement_faces`) and its limit is evaluated in python-flint balls from the exact argmax sets, so when
    ``complete`` the returned ``sup`` encloses :math:`\sup_{A_0\ne0}|\lim_t\Psi_\mu(tA_0)|_F` exactly (a maximum
    over finitely many faces).

    What this is and is not: it is the supremum of the limits **along rays**; it is a certified lower bound of
    :math:`S(\mu)=\sup_A|\Psi_\mu(A)|_F`, not an upper bound. Finite :math:`A` (the interior search's job) is not
    covered, nor are curves to infinity that are not rays (:math:`tA_0+B` with :math:`A_0` on a wall tends to a
    softmax of :math:`B` over the tied keys, which can exceed every ray limit).

    ``X``: n rows of exact tokens (L*p ints/Fractions, the last token is the query), ``r``: n x k residual balls.
    Above ``max_hyperplanes`` distinct walls nothing is enumerated (``complete`` False, ``reason`` says so).
    Returns ``{"best": (value ball, A0, Psi limit balls), "best_dim": its face's dimension (p*p: an open cell),
    "best_cell": the same over the open cells only, "sup": a ball enclosing the maximum over the enumerated faces
    (the sup over rays when ``complete``, a lower bound of it otherwise), "faces", "faces_by_dim", "flats",
    "patterns", "cells", "hyperplanes", "complete",
    "unverified", "reason", "seconds"}``.
    """
    from flint import arb

    _check_attention_input(X, r, p, L, k)
    t0 = time.perf_counter()
    D = p * p
    normals = attention_normals(X, p, L)
    out = {"best": None, "best_dim": None, "best_cell": None, "sup": None, "faces": 0, "faces_by_dim": {}, "flats": 0,
           "patterns": 0, "cells": 0, "hyperplanes": len(normals), "complete": False, "unverified": 0, "reason": None}
    if len(normals) > max_hyperplanes:
        out.update(reason=f"{len(normals)} walls > max_hyperplanes = {max_hyperplanes}: not enumerated",
                   seconds=time.perf_counter() - t0)
        return out
    arr = arrangement_faces(normals, D, max_faces=max_faces, time_limit=0.7 * time_limit)
    Ms = _score_vectors(X, p, L)
    limit_of = _pattern_limits(X, r, p, L, k)
    seen = {}
    lo = up = None
    complete = arr["complete"]
    for signs, A0, dim in arr["faces"]:  # each face found is a real ray limit (a lower bound), even when incomplete
        if time.perf_counter() - t0 > time_limit and out["best"] is not None:
            complete = False
            out["reason"] = out["reason"] or "time_limit (face limits not all evaluated)"
            break
        pat = _pattern(Ms, A0)
        if pat in seen:  # the limit depends only on the argmax sets
            val, vec = seen[pat]
        else:
            vec = limit_of(pat)
            val = _norm_ball(vec)
            seen[pat] = (val, vec)
        lo = val.lower() if lo is None else lo.max(val.lower())
        up = val.upper() if up is None else up.max(val.upper())
        if out["best"] is None or val.mid() > out["best"][0].mid():
            out["best"], out["best_dim"] = (val, [Fraction(x) for x in A0], vec), dim
        if dim == D and (out["best_cell"] is None or val.mid() > out["best_cell"][0].mid()):
            out["best_cell"] = (val, [Fraction(x) for x in A0], vec)
    out.update(sup=None if lo is None else arb.union(lo, up), faces=len(arr["faces"]),
               faces_by_dim=arr["faces_by_dim"], flats=arr["flats"], patterns=len(seen),
               cells=arr["faces_by_dim"].get(D, 0), complete=complete, unverified=arr["unverified"],
               reason=out["reason"] or arr["reason"], seconds=time.perf_counter() - t0)
    return out
