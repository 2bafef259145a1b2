"""Exact half-space sets (numerics/certified/halfspaces.py), checked against Cover's counting theorem and brute force."""
import random
from fractions import Fraction

import pytest

from numerics.certified.halfspaces import affine_dichotomies, cover_count, hyperplane_cuts, sampled_cuts


def _strict(D, X):
    for H, (v, c) in D.items():
        for i, x in enumerate(X):
            s = sum((a * Fraction(t) for a, t in zip(v, x)), Fraction(0)) + c
            assert s != 0 and (s > 0) == (i in H)


@pytest.mark.parametrize("d,n,seed", [(1, 9, 0), (2, 9, 1), (2, 11, 2), (3, 8, 3)])
def test_dichotomy_count_matches_cover_theorem_in_general_position(d, n, seed):
    rng = random.Random(seed)
    X = [[Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 97)) for _ in range(d)] for _ in range(n)]
    D = affine_dichotomies(X)
    assert len(D) == cover_count(n, d)  # Cover (1965): 2 sum_{k<=d} C(n-1, k), independent of the code
    _strict(D, X)


def test_collinear_and_duplicate_points_in_the_plane():
    # on a line the realisable sets are the prefixes/suffixes in the order along the line; duplicates go together
    X = [[0, 0], [1, 1], [2, 2], [3, 3], [1, 1]]
    D = affine_dichotomies(X)
    order = [[0], [1, 4], [2], [3]]
    expected = {frozenset()}
    for k in range(1, 5):
        pre = frozenset(i for grp in order[:k] for i in grp)
        expected |= {pre, frozenset(range(5)) - pre}
    assert set(D) == expected
    _strict(D, X)


def test_brute_force_subsets_small_plane():
    # a subset is an affine dichotomy iff its convex hull misses the hull of the complement; check the enumeration
    # against random directions (a lower bound) and the count: every sampled dichotomy is enumerated
    rng = random.Random(5)
    X = [[rng.randint(-20, 20), rng.randint(-20, 20)] for _ in range(7)]
    D = affine_dichotomies(X)
    for _ in range(3000):
        v = [Fraction(rng.randint(-999, 999)), Fraction(rng.randint(-999, 999))]
        c = Fraction(rng.randint(-30000, 30000), 1000)
        s = [v[0] * x[0] + v[1] * x[1] + c for x in X]
        if any(t == 0 for t in s):
            continue
        assert frozenset(i for i, t in enumerate(s) if t > 0) in D


def test_cuts_have_d_points_on_the_hyperplane():
    X = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]
    cuts = hyperplane_cuts(X)
    assert cuts and all(len(T) >= 3 for *_, T in cuts)
    # the plane z = 0 holds 3 points
    assert any(T == frozenset({0, 1, 2}) for *_, T in cuts)


def test_sampled_cuts_report_coverage():
    rng = random.Random(0)
    X = [[rng.randint(-9, 9) for _ in range(5)] for _ in range(12)]
    cuts, tried, total = sampled_cuts(X, samples=50, seed=1)
    assert total == 792 and 0 < tried <= 50 and len(cuts) <= tried


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_paths_agree_with_generic_recursion_on_degenerate_sets(seed):
    from numerics.certified.halfspaces import _dichotomies_generic, as_points

    rng = random.Random(seed)
    # integer grid points: many collinear triples and coplanar quadruples (ties beyond d points)
    for d, n in ((2, 8), (3, 7), (1, 6)):
        X = [[rng.randint(-2, 2) for _ in range(d)] for _ in range(n)]
        D = affine_dichotomies(X)
        G = _dichotomies_generic(as_points(X))
        assert set(D) == set(G)
        _strict(D, X)


# ------------------------------------------------------------------ argmax cells of attention heads (hardmax.py)
def _att_data(n, L, p, seed):
    import random as _r

    rng = _r.Random(seed)
    return [[Fraction(rng.randint(-20, 20), 10) for _ in range(L * p)] for _ in range(n)]


def test_hardmax_cells_two_algorithms_agree_and_cover_sampled_directions():
    """The extreme-ray enumeration and the incremental LP enumeration give the same open cells (two algorithms), and
    every random direction's argmax pattern (computed independently in floats with a margin) is among them."""
    import numpy as np

    from numerics.certified import hardmax as hm

    X = _att_data(4, 3, 2, 4)
    N = hm.attention_normals(X, 2, 3)
    a = hm.ray_cells(N, 4)
    b = hm.arrangement_cells(N, 4)
    assert b["complete"] and {s for s, _ in a["cells"]} == {s for s, _ in b["cells"]}
    for s, q in a["cells"] + b["cells"]:  # every witness strictly inside its cell (exact), both algorithms
        assert all(si * sum(x * y for x, y in zip(n_, q)) > 0 for si, n_ in zip(s, N))
    pats = {tuple(tuple(hm._argmax(row, q, 2, 3)) for row in X) for _, q in a["cells"]}
    rng = np.random.default_rng(0)
    Xf = np.array([[float(v) for v in row] for row in X])
    hits = 0
    for _ in range(300):
        A = rng.standard_normal(4)
        sc = np.array([[Xf[i, 4:6] @ A.reshape(2, 2) @ Xf[i, 2 * l:2 * l + 2] for l in range(3)] for i in range(4)])
        srt = np.sort(sc, axis=1)
        if (srt[:, -1] - srt[:, -2] < 1e-9).any():
            continue
        assert tuple((int(np.argmax(s)),) for s in sc) in pats
        hits += 1
    assert hits > 250


def test_hardmax_best_limit_dominates_sampled_limits_and_scalar_case():
    """The certified best cell limit |Psi_oo| is at least every sampled direction's limit (mpmath reference), and
    the one-dimensional case (p = 1) has exactly the two cells A > 0 and A < 0."""
    import mpmath
    import numpy as np
    from flint import arb

    from numerics.certified import hardmax as hm

    X = _att_data(5, 2, 2, 7)
    r = [[arb(v)] for v in ("0.3", "-0.2", "0.1", "0.4", "-0.5")]
    out = hm.hardmax_cells(X, r, 2, 2, 1)
    best = out["best"][0]
    rng = np.random.default_rng(1)
    with mpmath.workdps(30):
        for _ in range(100):
            A = [Fraction(int(v)) for v in rng.integers(-9, 10, 4)]
            acc = [mpmath.mpf(0), mpmath.mpf(0)]
            for row, ri in zip(X, ("0.3", "-0.2", "0.1", "0.4", "-0.5")):
                toks = [row[0:2], row[2:4]]
                sc = [sum(toks[1][a] * A[a * 2 + b] * toks[l][b] for a in range(2) for b in range(2)) for l in range(2)]
                M = [l for l in range(2) if sc[l] == max(sc)]
                for t in range(2):
                    acc[t] += mpmath.mpf(ri) * sum(mpmath.mpf(toks[l][t].numerator) / toks[l][t].denominator
                                                   for l in M) / len(M) / 5
            assert mpmath.sqrt(acc[0] ** 2 + acc[1] ** 2) <= mpmath.mpf(best.upper().str(30, radius=False)) + 1e-25
    one = hm.ray_cells(hm.attention_normals(_att_data(3, 2, 1, 0), 1, 2), 1)
    assert one["complete"] and sorted(q[0] for _, q in one["cells"]) == [-1, 1]
