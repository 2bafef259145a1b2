r"""Half-space sets of a finite point cloud, enumerated exactly (MATH.md §1b A.3, A.5).

For bounded activations with limits at :math:`\pm\infty` the first variation at infinity is a threshold sum over
the sets :math:`H=\{i: v\cdot x_i+c>0\}` cut from the data by affine hyperplanes (MATH.md §1b A.3). This module
enumerates them in exact rational arithmetic.

* :func:`hyperplane_cuts` — every affine hyperplane through ``d`` affinely independent data points (or, for data in
  a lower-dimensional flat, through a maximal independent subset), with its positive, negative and tie index sets.
  Every limit configuration along a ray (or a sequence) to infinity is dominated by one of them: translate and rotate
  any separating hyperplane, keeping its sides, until it touches a maximal affinely independent set; the points it
  picks up become ties, whose limiting values range over the closure of the activation's range, which contains both
  limits (MATH.md §1b A.5).
* :func:`affine_dichotomies` — every subset realisable as :math:`\{i: v\cdot x_i+c>0\}`, each with an exact
  *strictly* separating witness ``(v, c)`` (no data point on the hyperplane), so that along the ray
  :math:`t\,(v,c)`, :math:`t\to\infty`, the sigmoid feature tends exactly to the indicator of the set.
  Ties of a cut are split by the dichotomies of the tie points inside their own flat (recursion on the dimension),
  combined lexicographically through a rational ``eps`` small enough not to move any other point across.

Exact for every ``d``; the cost is :math:`O(\binom{n}{d}\,n)` rational operations, so for ``d > max_exact_d`` the
callers use :func:`sampled_cuts` (random hyperplanes through random ``d``-subsets, with the count of those tried out
of :math:`\binom nd` as the honest coverage figure).
"""
from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

__all__ = ["hyperplane_cuts", "affine_dichotomies", "sampled_cuts", "as_points", "cover_count",
           "affine_rank"]


def as_points(X) -> list[tuple[Fraction, ...]]:
    """Rows of ``X`` as tuples of Fractions (decimal strings and floats read exactly)."""
    from numerics.certified.bnb import as_fraction

    return [tuple(as_fraction(v) for v in row) for row in X]


def cover_count(n: int, d: int) -> int:
    """Number of affine dichotomies of ``n`` points in general position in R^d (Cover 1965), incl. the trivial two."""
    return 2 * sum(math.comb(n - 1, k) for k in range(d + 1))


# ----------------------------------------------------------------------------- exact linear algebra on Fractions
def _rref_basis(vectors):
    """A maximal linearly independent subset of ``vectors`` (indices), by exact elimination."""
    basis_idx, rows = [], []
    for idx, v in enumerate(vectors):
        w = list(v)
        for piv, r in rows:
            if w[piv] != 0:
                f = w[piv] / r[piv]
                w = [a - f * b for a, b in zip(w, r)]
        piv = next((j for j, a in enumerate(w) if a != 0), None)
        if piv is not None:
            rows.append((piv, w))
            basis_idx.append(idx)
    return basis_idx


def affine_rank(P) -> int:
    """Dimension of the affine hull of the points ``P``."""
    if not P:
        return -1
    base = P[0]
    return len(_rref_basis([tuple(a - b for a, b in zip(p, base)) for p in P[1:]]))


def _solve(A, b):
    """Exact solution of the square system A x = b (A invertible), Gauss-Jordan on Fractions."""
    n = len(A)
    M = [list(row) + [bi] for row, bi in zip(A, b)]
    for col in range(n):
        piv = next(r for r in range(col, n) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        inv = 1 / M[col][col]
        M[col] = [v * inv for v in M[col]]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col]
                M[r] = [a - f * c for a, c in zip(M[r], M[col])]
    return [M[r][n] for r in range(n)]


def _kernel_vector(rows, width):
    """A non-zero exact vector z (length ``width``) with row . z = 0 for every row (rows of rank width - 1)."""
    R = [list(r) for r in rows]
    pivots = []
    r = 0
    for col in range(width):
        piv = next((i for i in range(r, len(R)) if R[i][col] != 0), None)
        if piv is None:
            continue
        R[r], R[piv] = R[piv], R[r]
        inv = 1 / R[r][col]
        R[r] = [v * inv for v in R[r]]
        for i in range(len(R)):
            if i != r and R[i][col] != 0:
                f = R[i][col]
                R[i] = [a - f * b for a, b in zip(R[i], R[r])]
        pivots.append(col)
        r += 1
    free = next(c for c in range(width) if c not in pivots)
    z = [Fraction(0)] * width
    z[free] = Fraction(1)
    for i, col in enumerate(pivots):
        z[col] = -R[i][free]
    return z


def _dot(v, x):
    return sum((a * b for a, b in zip(v, x)), Fraction(0))


# ----------------------------------------------------------------------------- cuts
def _full_dim_cuts(P, d):
    """Hyperplanes through d affinely independent points of P (P spans R^d): (normal, offset) pairs, deduplicated."""
    seen = set()
    for combo in itertools.combinations(range(len(P)), d):
        rows = [list(P[i]) + [Fraction(1)] for i in combo]
        if len(_rref_basis(rows)) < d:
            continue
        z = _kernel_vector(rows, d + 1)
        v, c = z[:d], z[d]
        # normalise: first non-zero entry of (v, c) equals 1, so equal hyperplanes collide
        lead = next(a for a in z if a != 0)
        key = tuple(a / lead for a in z)
        key = key if lead > 0 else key
        if key in seen:
            continue
        seen.add(key)
        yield [a / abs(lead) for a in v], c / abs(lead)


def _flat_coords(P):
    """(base, M) with lambda = M (p - base) exact affine coordinates of P's points in their affine hull."""
    base = P[0]
    diffs = [tuple(a - b for a, b in zip(p, base)) for p in P]
    B = [diffs[i] for i in _rref_basis(diffs)]
    G = [[_dot(bi, bj) for bj in B] for bi in B]
    r = len(B)
    # M = G^{-1} B  (r x d): lambda = G^{-1} B (p - base) since p - base = B^T lambda
    cols = []
    for j in range(len(base)):
        e = [B[i][j] for i in range(r)]
        cols.append(_solve(G, e))
    M = [[cols[j][i] for j in range(len(base))] for i in range(r)]
    return base, M


def hyperplane_cuts(X):
    """Every maximal cut of the data: list of ``(v, c, P, N, T)`` with exact ``v, c`` and index sets.

    ``P = {i: v.x_i + c > 0}``, ``N`` the negative side, ``T`` the points on the hyperplane. If the data lie in a
    lower-dimensional flat, hyperplanes are taken inside the flat (then extended orthogonally).
    """
    P = as_points(X)
    n = len(P)
    if n == 0:
        return []
    d = len(P[0])
    r = affine_rank(P)
    out = []
    if r == 0:
        return out  # one location: no hyperplane separates anything (only the two constant limits)
    if r < d:
        base, M = _flat_coords(P)
        Q = [tuple(_dot(row, [a - b for a, b in zip(p, base)]) for row in M) for p in P]
        for vq, cq, Pi, Ni, Ti in hyperplane_cuts(Q):
            v = [sum((vq[i] * M[i][j] for i in range(len(M))), Fraction(0)) for j in range(d)]
            c = cq - _dot(v, base)
            out.append((v, c, Pi, Ni, Ti))
        return out
    for v, c in _full_dim_cuts(P, d):
        s = [_dot(v, p) + c for p in P]
        out.append((v, c, frozenset(i for i in range(n) if s[i] > 0), frozenset(i for i in range(n) if s[i] < 0),
                    frozenset(i for i in range(n) if s[i] == 0)))
    return out


def _dichotomies_generic(P):
    """dict frozenset(H) -> (v, c) strictly separating H from its complement (exact), for points P (any rank)."""
    n = len(P)
    d = len(P[0])
    zero = [Fraction(0)] * d
    out = {frozenset(): (zero, Fraction(-1)), frozenset(range(n)): (zero, Fraction(1))}
    if affine_rank(P) == 0:
        return out
    for v, c, Pos, Neg, T in hyperplane_cuts(P):
        s = [_dot(v, p) + c for p in P]
        Tl = sorted(T)
        sub = _dichotomies([P[i] for i in Tl])
        off = [abs(s[i]) for i in range(n) if i not in T]
        for S_loc, (v2, c2) in sub.items():
            S = frozenset(Tl[i] for i in S_loc)
            if all(side | S in out for side in (Pos, Neg)):
                continue
            if off:
                big = max(abs(_dot(v2, P[i]) + c2) for i in range(n) if i not in T)
                eps = min(off) / (2 * big + 1)
            else:
                eps = Fraction(1)
            for sign, side in ((1, Pos), (-1, Neg)):
                H = side | S
                if H in out:
                    continue
                vv = [sign * a + eps * b for a, b in zip(v, v2)]
                out[H] = (vv, sign * c + eps * c2)
    return out


def _dichotomies_line(P):
    """d = 1: thresholds between consecutive distinct values (sorting), with exact witnesses."""
    n = len(P)
    xs = [p[0] for p in P]
    vals = sorted(set(xs))
    out = {frozenset(): ([Fraction(0)], Fraction(-1)), frozenset(range(n)): ([Fraction(0)], Fraction(1))}
    for lo, hi in zip(vals, vals[1:]):
        mid = (lo + hi) / 2
        up = frozenset(i for i, x in enumerate(xs) if x > mid)
        out.setdefault(up, ([Fraction(1)], -mid))
        out.setdefault(frozenset(range(n)) - up, ([Fraction(-1)], mid))
    return out


def _dichotomies_full(P):
    """Full-rank P in R^d, d >= 2: hyperplanes through d points in integer arithmetic; ties in general position
    (exactly the d defining points) are split by an exact solve, other tie sets by recursion."""
    import math as _m

    n, d = len(P), len(P[0])
    D = 1
    for p in P:
        for v in p:
            D = D * v.denominator // _m.gcd(D, v.denominator)
    Z = [[int(v * D) for v in p] for p in P]  # integer coordinates Z = D P
    zero = [Fraction(0)] * d
    out = {frozenset(): (zero, Fraction(-1)), frozenset(range(n)): (zero, Fraction(1))}
    zmax = max(abs(v) for z in Z for v in z)
    seen = set()
    generic_ties = []
    for combo in itertools.combinations(range(n), d):
        rows = [[Fraction(v) for v in Z[i]] + [Fraction(1)] for i in combo]
        if len(_rref_basis(rows)) < d:
            continue
        kz = _kernel_vector(rows, d + 1)
        den = 1
        for v in kz:
            den = den * v.denominator // _m.gcd(den, v.denominator)
        iz = [int(v * den) for v in kz]
        g = 0
        for v in iz:
            g = _m.gcd(g, abs(v))
        iz = [v // g for v in iz]
        lead = next(v for v in iz if v != 0)
        key = tuple(v if lead > 0 else -v for v in iz)
        if key in seen:
            continue
        seen.add(key)
        w, c0 = iz[:d], iz[d]
        sv = [sum(a * b for a, b in zip(w, z)) + c0 for z in Z]
        T = [i for i in range(n) if sv[i] == 0]
        Pos = frozenset(i for i in range(n) if sv[i] > 0)
        Neg = frozenset(i for i in range(n) if sv[i] < 0)
        off_min = min((abs(sv[i]) for i in range(n) if sv[i] != 0), default=None)
        if len(T) != d:
            generic_ties.append(key)
            continue
        # sign patterns on the d tie points: (v2, c2) solving [z_i, 1].(v2, c2) = +-1 and w.v2 = 0
        M = [[Fraction(v) for v in Z[i]] + [Fraction(1)] for i in T] + [[Fraction(v) for v in w] + [Fraction(0)]]
        for pattern in itertools.product((1, -1), repeat=d):
            S = frozenset(T[j] for j in range(d) if pattern[j] > 0)
            if Pos | S in out and Neg | S in out:
                continue
            sol = _solve(M, [Fraction(t) for t in pattern] + [Fraction(0)])
            v2, c2 = sol[:d], sol[d]
            if off_min is None:
                eps = Fraction(1)
            else:  # |v2.z + c2| <= |v2|_1 max|z| + |c2| for every point
                big = sum(abs(a) for a in v2) * zmax + abs(c2)
                eps = Fraction(off_min) / (2 * big + 1)
            for sign, side in ((1, Pos), (-1, Neg)):
                H = side | S
                if H in out:
                    continue
                vz = [sign * a + eps * b for a, b in zip(w, v2)]
                out[H] = ([a * D for a in vz], sign * c0 + eps * c2)  # back to the original coordinates
    if generic_ties:  # degenerate hyperplanes (more than d points): the generic recursion handles their ties
        for H, wit in _dichotomies_generic(P).items():
            out.setdefault(H, wit)
    return out


def _dichotomies(P):
    """dict frozenset(H) -> (v, c) strictly separating H from its complement (exact), for points P."""
    d = len(P[0])
    r = affine_rank(P)
    if r == 0:
        return _dichotomies_generic(P)
    if d == 1:
        return _dichotomies_line(P)
    if r == d:
        return _dichotomies_full(P)
    return _dichotomies_generic(P)


def affine_dichotomies(X) -> dict:
    """Every affine dichotomy ``H`` of the data with an exact strictly separating ``(v, c)``.

    Returns ``{frozenset(H): (v, c)}``; ``v.x_i + c > 0`` exactly for ``i in H`` and ``< 0`` otherwise.
    """
    P = as_points(X)
    if not P:
        return {}
    return _dichotomies(P)


def sampled_cuts(X, *, samples: int, seed: int = 0):
    """Random maximal cuts (hyperplanes through random d-subsets) for large d; returns (cuts, tried, total).

    ``total`` is :math:`\\binom{n}{d}`: the coverage figure reported to the user is ``tried / total`` of the
    candidate hyperplanes, not a bound on the missing part of the supremum.
    """
    P = as_points(X)
    n, d = len(P), len(P[0])
    total = math.comb(n, d)
    rng = random.Random(seed)
    cuts, tried, seen = [], 0, set()
    combos = (tuple(sorted(rng.sample(range(n), d))) for _ in range(samples)) if total > samples \
        else itertools.combinations(range(n), d)
    for combo in combos:
        if combo in seen:
            continue
        seen.add(combo)
        tried += 1
        rows = [list(P[i]) + [Fraction(1)] for i in combo]
        if len(_rref_basis(rows)) < d:
            continue
        z = _kernel_vector(rows, d + 1)
        v, c = z[:d], z[d]
        s = [_dot(v, p) + c for p in P]
        cuts.append((v, c, frozenset(i for i in range(n) if s[i] > 0), frozenset(i for i in range(n) if s[i] < 0),
                     frozenset(i for i in range(n) if s[i] == 0)))
    return cuts, tried, total
