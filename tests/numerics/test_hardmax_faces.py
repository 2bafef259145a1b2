"""Every face of the argmax arrangement of an attention head (open cells and the walls where keys tie) and the exact
supremum over rays of the hardmax limits (numerics.certified.hardmax.arrangement_faces / hardmax_faces).

Independent references: the face numbers of arrangements in general position (closed form), Whitney's and
Zaslavsky's theorems evaluated by brute force over subsets of hyperplanes (own Fraction elimination, no code shared
with the enumerator), sign vectors of exact points on random flats, and the softmax evaluated in mpmath at a large t.
"""
from __future__ import annotations

import functools
import itertools
import math
import random
from fractions import Fraction

import mpmath
import pytest
from flint import arb

from numerics.certified import hardmax as hm
from numerics.errors import InvalidArgument


# ------------------------------------------------------------------------------------------------ references
def _rank(rows):
    """Rank of a list of rational vectors (plain Gaussian elimination in Fractions)."""
    M = [[Fraction(x) for x in r] for r in rows]
    rk, col, ncol = 0, 0, len(M[0]) if M else 0
    while rk < len(M) and col < ncol:
        piv = next((i for i in range(rk, len(M)) if M[i][col] != 0), None)
        if piv is None:
            col += 1
            continue
        M[rk], M[piv] = M[piv], M[rk]
        for i in range(len(M)):
            if i != rk and M[i][col] != 0:
                f = M[i][col] / M[rk][col]
                M[i] = [a - f * b for a, b in zip(M[i], M[rk])]
        rk, col = rk + 1, col + 1
    return rk


def _whitney_face_counts(N, D):
    """{dim: number of faces} of the central arrangement with normals N in R^D, excluding the origin: for each flat
    X (brute force over all subsets), the regions of the restriction by Zaslavsky's theorem r = (-1)^dim chi(-1),
    chi from Whitney's theorem (a sum over subsets)."""
    H = len(N)
    flats = {}
    for size in range(H + 1):
        for T in itertools.combinations(range(H), size):
            rk = _rank([N[k] for k in T]) if T else 0
            closure = frozenset(k for k in range(H) if _rank([N[j] for j in T] + [N[k]]) == rk) if T else frozenset()
            flats.setdefault(closure, D - rk)
    out = {}
    for S, dim in flats.items():
        if dim == 0:
            continue
        base = [N[k] for k in S]
        rk0 = _rank(base) if base else 0
        # the restriction: hyperplanes not containing X, as sets (coinciding restrictions counted once)
        rest, seen = [], set()
        for k in range(H):
            if k in S:
                continue
            key = frozenset(j for j in range(H) if _rank(base + [N[k], N[j]]) == _rank(base + [N[k]]))
            if key not in seen:
                seen.add(key)
                rest.append(k)
        chi_m1 = 0  # chi(-1) = sum_T (-1)^|T| (-1)^dim(X cap T)
        for size in range(len(rest) + 1):
            for T in itertools.combinations(rest, size):
                d_T = D - (_rank(base + [N[k] for k in T]) if (base or T) else 0)
                chi_m1 += (-1) ** size * (-1) ** d_T
        assert rk0 == D - dim
        out[dim] = out.get(dim, 0) + (-1) ** dim * chi_m1
    return dict(sorted(out.items()))


def _general_position_counts(H, D):
    """Faces by dimension of H >= D central hyperplanes in general position in R^D (origin excluded): a flat of
    codimension c is cut by c of the hyperplanes (C(H, c) of them), and H - c hyperplanes in general position cut
    R^j (j = D - c) into 2 sum_{i<j} C(H - c - 1, i) regions."""
    return {D - c: math.comb(H, c) * 2 * sum(math.comb(H - c - 1, i) for i in range(D - c))
            for c in range(D)}


def _close(v, ball, slack=1e-28):
    """The mpmath value v lies in the ball up to ``slack`` (the softmax tail at the chosen t)."""
    mid = mpmath.mpf(ball.mid().str(40, radius=False))
    rad = mpmath.mpf(ball.rad().str(5, radius=False)) if ball.rad() > 0 else 0
    return abs(v - mid) <= rad + slack


@functools.lru_cache(maxsize=None)
def _faces_of(n, L, p, seed):
    X = _att_data(n, L, p, seed)
    N = hm.attention_normals(X, p, L)
    return X, N, hm.arrangement_faces(N, p * p)


def _att_data(n, L, p, seed):
    rng = random.Random(seed)
    return [[Fraction(rng.randint(-20, 20), 10) for _ in range(L * p)] for _ in range(n)]


def _psi_softmax_mp(X, r, A0, p, L, t, dps=60):
    """Psi(t A0) with the softmax evaluated in mpmath (a different code path from the hardmax limit)."""
    with mpmath.workdps(dps):
        n, k = len(X), len(r[0])
        acc = [[mpmath.mpf(0)] * p for _ in range(k)]
        for row, ri in zip(X, r):
            toks = [[mpmath.mpf(v.numerator) / v.denominator for v in row[l * p:(l + 1) * p]] for l in range(L)]
            xq = toks[-1]
            A = [mpmath.mpf(a.numerator) / a.denominator for a in A0]
            sc = [t * mpmath.fsum(xq[a] * A[a * p + b] * toks[l][b] for a in range(p) for b in range(p))
                  for l in range(L)]
            mx = max(sc)
            w = [mpmath.exp(s - mx) for s in sc]
            Z = mpmath.fsum(w)
            g = [mpmath.fsum(w[l] * toks[l][c] for l in range(L)) / Z for c in range(p)]
            for c in range(k):
                for j in range(p):
                    acc[c][j] += mpmath.mpf(ri[c]) * g[j] / n
        return [v for row in acc for v in row]


# ---------------------------------------------------------------------------------------------- face counts
def test_face_numbers_match_general_position_formula_and_zaslavsky():
    rng = random.Random(3)
    N = [[rng.randint(-9, 9) for _ in range(3)] for _ in range(5)]
    assert all(_rank(list(T)) == 3 for T in itertools.combinations(N, 3))  # general position (checked)
    out = hm.arrangement_faces(N, 3)
    assert out["complete"] and out["unverified"] == 0
    assert out["faces_by_dim"] == _general_position_counts(5, 3) == _whitney_face_counts(N, 3)
    assert len({s for s, _, _ in out["faces"]}) == len(out["faces"])


def test_attention_arrangement_face_numbers_match_whitney_brute_force():
    """A degenerate arrangement (attention walls: many flats, non-generic) against the brute-force count; every
    face's witness has exactly its sign vector (checked here again, in Fractions)."""
    X = _att_data(3, 3, 2, 4)
    N = hm.attention_normals(X, 2, 3)
    out = hm.arrangement_faces(N, 4)
    assert out["complete"] and out["faces_by_dim"] == _whitney_face_counts(N, 4)
    for signs, A0, dim in out["faces"]:
        vals = [sum((Fraction(a) * b for a, b in zip(n_, A0)), Fraction(0)) for n_ in N]
        assert tuple((v > 0) - (v < 0) for v in vals) == signs
        assert _rank([N[k] for k, s in enumerate(signs) if s == 0] or [[0] * 4]) == 4 - dim


def test_points_on_random_flats_have_a_sign_vector_among_the_faces():
    """Exact points on intersections of random subsets of walls (sympy null spaces, generic combinations): their
    sign vectors are faces of the enumeration (walls are not missed)."""
    import sympy as sp

    X, N, out = _faces_of(4, 3, 2, 9)
    faces = {s for s, _, _ in out["faces"]}
    rng = random.Random(0)
    hits = 0
    for _ in range(40):
        T = rng.sample(range(len(N)), rng.randint(1, 3))
        null = sp.Matrix([N[k] for k in T]).nullspace()
        if not null:
            continue
        v = sum((rng.randint(-50, 50) * b for b in null), sp.zeros(4, 1))
        if all(x == 0 for x in v):
            continue
        vals = [sum(sp.Rational(a) * x for a, x in zip(n_, v)) for n_ in N]
        assert tuple(int(sp.sign(x)) for x in vals) in faces
        hits += 1
    assert hits > 20


# ------------------------------------------------------------------------------------------ limits on walls
def _wall_instance():
    """Sample 1 has tokens (x1, x1, x3), sample 2 (x1, x3, x3), both with query x3: one wall, where sample 1
    averages 2/3 x1 + 1/3 x3 and sample 2 1/3 x1 + 2/3 x3; in both open cells the two samples pick the same token
    and cancel (r = 1, -1). Sample 3 has query 0 (always uniform)."""
    x1, x3 = [1, 1], [0, 1]
    X = [[Fraction(v) for v in x1 + x1 + x3], [Fraction(v) for v in x1 + x3 + x3],
         [Fraction(v) for v in (1, 0, 0, 0, 0, 0)]]
    return X, [["1"], ["-1"], ["0.3"]]


def test_maximum_only_on_a_wall_the_cell_method_misses_it():
    X, rs = _wall_instance()
    r = [[arb(v) for v in row] for row in rs]
    new = hm.hardmax_faces(X, r, 2, 3, 1)
    old = hm.hardmax_cells(X, r, 2, 3, 1)
    assert new["complete"] and old["complete"]
    assert new["best_dim"] == 3 and new["faces_by_dim"] == {3: 1, 4: 2}
    exact_wall = (Fraction(1, 3) + Fraction(1, 10)) / 3  # (2/3 - 1/3 + 0.3 * 1/3) / 3, second coordinate 0
    exact_cell = Fraction(1, 10) / 3
    assert new["sup"].contains(arb(exact_wall.numerator) / exact_wall.denominator)
    assert old["best"][0].upper() < new["sup"].lower()  # old < new, certified
    assert old["best"][0].contains(arb(exact_cell.numerator) / exact_cell.denominator)
    assert new["best_cell"][0].overlaps(old["best"][0])
    # the wall's limit against the softmax along the ray, in mpmath (exact ties: the uniform law on the tied keys)
    A0 = new["best"][1]
    assert sum(Fraction(a) * b for a, b in zip(hm.attention_normals(X, 2, 3)[0], A0)) == 0
    ref = _psi_softmax_mp(X, rs, A0, 2, 3, mpmath.mpf(10) ** 6)
    assert all(_close(v, ball) for v, ball in zip(ref, new["best"][2]))


def test_face_limits_match_softmax_at_large_t_on_random_walls():
    """On every wall of a random instance (k = 2 outputs), the certified limit equals Psi(t A0) computed with the
    softmax in mpmath at a t where the untied keys' weights are below 1e-30."""
    X = _att_data(3, 3, 2, 11)
    rng = random.Random(5)
    rs = [[str(Fraction(rng.randint(-9, 9), 10)) for _ in range(2)] for _ in range(3)]
    r = [[arb(v) for v in row] for row in rs]
    N = hm.attention_normals(X, 2, 3)
    out = hm.arrangement_faces(N, 4)
    walls = [f for f in out["faces"] if f[2] < 4]
    checked = 0
    for signs, A0, dim in walls[::7]:
        gaps = []
        for row in X:
            toks = [row[l * 2:(l + 1) * 2] for l in range(3)]
            sc = [sum(toks[-1][a] * A0[a * 2 + b] * toks[l][b] for a in range(2) for b in range(2)) for l in range(3)]
            gaps += [max(sc) - s for s in sc if s != max(sc)]
        t = mpmath.mpf(80) / float(min(gaps)) if gaps else mpmath.mpf(1)
        ref = _psi_softmax_mp(X, rs, A0, 2, 3, t)
        lim = hm.hardmax_limit(X, r, A0, 2, 3, 2)
        assert all(_close(v, ball) for v, ball in zip(ref, lim)), (A0, ref, lim)
        checked += 1
    assert checked >= 5


def test_best_face_dominates_every_cell_and_sampled_direction_and_p4_is_exact():
    X = _att_data(4, 3, 2, 9)
    r = [[arb(v)] for v in ("0.3", "-0.2", "0.1", "-0.5")]
    new = hm.hardmax_faces(X, r, 2, 3, 1)
    assert new["faces"] == len(_faces_of(4, 3, 2, 9)[2]["faces"])
    old = hm.hardmax_cells(X, r, 2, 3, 1)
    assert new["complete"] and new["sup"].upper() >= old["best"][0].lower()
    rng = random.Random(1)
    for _ in range(40):  # random integer directions (often on walls: small integers tie)
        A0 = [Fraction(rng.randint(-2, 2)) for _ in range(4)]
        if not any(A0):
            continue
        vec = hm.hardmax_limit(X, r, A0, 2, 3, 1)
        assert hm._norm_ball(vec).lower() <= new["sup"].upper()
    # p = 4 (A in R^16): a small instance is enumerated exactly
    X4 = _att_data(3, 2, 4, 2)
    r4 = [[arb(v)] for v in ("0.5", "-0.25", "0.125")]
    out4 = hm.hardmax_faces(X4, r4, 4, 2, 1, time_limit=20)
    assert out4["complete"] and out4["faces_by_dim"] == _whitney_face_counts(hm.attention_normals(X4, 4, 2), 16)


# ------------------------------------------------------------------------------------------ budget, bad input
def test_budget_reports_incomplete_and_bad_input_is_rejected():
    X = _att_data(4, 2, 2, 5)
    r = [[arb("0.1")] for _ in range(4)]
    out = hm.hardmax_faces(X, r, 2, 2, 1, max_hyperplanes=3)
    assert out["complete"] is False and "max_hyperplanes" in out["reason"] and out["best"] is None
    small = hm.arrangement_faces(hm.attention_normals(X, 2, 2), 4, max_faces=10)
    assert small["complete"] is False and small["reason"] == "max_faces"
    assert hm.arrangement_faces(hm.attention_normals(X, 2, 2), 4)["complete"] is True
    with pytest.raises(InvalidArgument, match="L \\* p"):
        hm.hardmax_faces([row[:-1] for row in X], r, 2, 2, 1)
    with pytest.raises(InvalidArgument, match="positive integer"):
        hm.hardmax_faces(X, r, True, 2, 1)
    with pytest.raises(InvalidArgument, match="residual rows"):
        hm.hardmax_faces(X, r[:-1], 2, 2, 1)
    with pytest.raises(InvalidArgument, match="not exact"):
        hm.hardmax_faces([[0.5] * 4] * 4, r, 2, 2, 1)
    with pytest.raises(InvalidArgument, match="zero"):
        hm.arrangement_faces([[1, 0], [0, 0]], 2)
    with pytest.raises(InvalidArgument, match="entries"):
        hm.arrangement_faces([[1, 0, 1]], 2)


# ------------------------------------------------------------------------------------------------ analyzer
def test_analyze_certify_reports_the_exact_sup_over_rays_on_a_wall():
    from proofs.analyze import analyze
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    X, rs = _wall_instance()
    Xs = [[str(v) for v in row] for row in X]
    # one particle at A = 0 with output weight 0: f = 0, so the residual is -y; y = -r gives the residual r
    model = get_model("attention", k=1, p=2, L=3)
    mu = Measure(a=[[["0", "0"]]], u=[["0", "0", "0", "0"]], mass=["1"])
    data = Dataset(X=Xs, Y=[[str(-Fraction(v[0]))] for v in rs])
    out = analyze(model, mu, data, dps=20, certify=True, max_boxes=50, time_limit=10)
    st, g = out["stats"], out["global_optimality"]
    assert st["rays_sup_exact"] is True and st["argmax_faces"] == 3
    lo, hi = (Fraction(v) for v in st["rays_sup_enclosure"])
    assert lo <= Fraction(13, 90) <= hi and hi - lo < Fraction(1, 10 ** 15)
    assert Fraction(st["rays_sup_open_cells_only"]) < lo
    assert g["verdict"] == "refuted" and g["location_certified"] is False and g["sup_psi_enclosure"][1] is None
    if g["attained"] == "infinity":
        assert "wall" in g["witness"]["face"]


def _problem(name, **kw):
    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    X, rs = _wall_instance()
    data = Dataset(X=[[str(v) for v in row] for row in X], Y=[[str(-Fraction(v[0]))] for v in rs])
    model = get_model(name, k=1, p=2, L=3, **kw)
    mu = Measure(a=[[["0", "0"]]], u=[["0"] * len(model.u_syms)], mass=["1"])
    return Problem(model, data, mu)


def test_attention_qk_full_rank_enumerated_low_rank_sampled():
    from proofs.analyze.infinity import _at_infinity_attention

    pb = _problem("attention-qk", dq=2)
    inf = _at_infinity_attention(pb, pb.residual("arb"), samples=5, enumerate_cells=True)
    cov, w = inf["coverage"], inf["witness"]
    assert cov["rays_sup_exact"] is True and inf["rays_sup"].contains(arb(13) / 90) and inf["upper"] is None
    assert "wall" in w["face"]
    Q, K, A = ([Fraction(v) for v in w[key]] for key in ("Q", "K", "A"))  # Q K^T reproduces the direction A
    assert all(sum(Q[a * 2 + t] * K[b * 2 + t] for t in range(2)) == A[a * 2 + b] for a in range(2) for b in range(2))
    low = _problem("attention-qk", dq=1)
    inf1 = _at_infinity_attention(low, low.residual("arb"), samples=5, enumerate_cells=True)
    assert "argmax_faces" not in inf1["coverage"] and "rank" in inf1["coverage"]["argmax_not_enumerated"]
    assert inf1["rays_sup"] is None


def test_analyzer_budget_spent_is_not_called_exact(monkeypatch):
    """A budget too small for the enumeration (here max_faces): the faces found are still lower bounds, but the sup
    over rays is not called exact, nor the cells complete."""
    from proofs.analyze.infinity import _at_infinity_attention
    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    X = _att_data(4, 3, 2, 9)
    data = Dataset(X=[[str(v) for v in row] for row in X], Y=[[str(Fraction(i - 2, 10))] for i in range(4)])
    pb = Problem(get_model("attention", k=1, p=2, L=3), data, Measure(a=[[["0", "0"]]], u=[["0"] * 4], mass=["1"]))
    real = hm.hardmax_faces
    monkeypatch.setattr(hm, "hardmax_faces", lambda *a, **kw: real(*a, **{**kw, "max_faces": 50}))
    inf = _at_infinity_attention(pb, pb.residual("arb"), samples=5, enumerate_cells=True)
    cov = inf["coverage"]
    assert cov["argmax_faces"] > 0 and "rays_sup_lower" in cov and "rays_sup_enclosure" not in cov
    assert cov["rays_sup_exact"] is False and cov["argmax_cells_complete"] is False and inf["rays_sup"] is None
    assert cov["argmax_incomplete_reason"] == "max_faces" and cov["argmax_open_cells_fallback"]["cells"] > 0


def test_a_witness_on_a_wall_or_with_wrong_signs_is_rejected(monkeypatch):
    """Defence in depth: a lifted point that lies on a further wall (a zero sign outside its flat), or whose claimed
    sign vector is not its own, is not kept as a face."""
    N = [[1, 0, 0], [0, 1, 0], [1, 1, 1]]
    good = hm.arrangement_faces(N, 3)
    assert good["complete"] and good["unverified"] == 0
    real = hm._lift

    def on_a_wall(w, wv, n_, nv):  # K = 0: the points +-n, which lie on walls through n
        return real(w, wv, n_, nv) + [(list(n_), list(nv))]

    monkeypatch.setattr(hm, "_lift", on_a_wall)
    out = hm.arrangement_faces(N, 3)
    assert out["unverified"] > 0 and out["complete"] is False
    for signs, A0, dim in out["faces"]:
        assert sum(1 for s in signs if s == 0) == 3 - dim if dim < 3 else 0 not in signs

    def wrong_values(w, wv, n_, nv):  # the two points' values swapped
        (p1, v1), (p2, v2) = real(w, wv, n_, nv)
        return [(p1, v2), (p2, v1)]

    monkeypatch.setattr(hm, "_lift", wrong_values)
    bad = hm.arrangement_faces(N, 3)
    assert bad["unverified"] > 0 and bad["complete"] is False
    for signs, A0, _ in bad["faces"]:
        assert tuple((v > 0) - (v < 0) for v in (sum(Fraction(a) * b for a, b in zip(n_, A0)) for n_ in N)) == signs


def test_faces_not_all_evaluated_in_time_are_not_complete(monkeypatch):
    """The arrangement completes, then the clock runs past the budget before the limits are evaluated: the sup over
    rays must not be called exact."""
    import time

    from numerics.certified.bnb import point_ball

    real = hm.arrangement_faces

    def slow(normals, D, **kw):
        out = real(normals, D, max_faces=200000, time_limit=30.0)
        time.sleep(0.3)
        return out

    monkeypatch.setattr(hm, "arrangement_faces", slow)
    F = Fraction
    X = [[F(1), F(0), F(-1), F(0), F(0), F(1)], [F(0), F(1), F(0), F(-1), F(1), F(0)]]
    r = [[point_ball(F(1))], [point_ball(F(-1))]]
    out = hm.hardmax_faces(X, r, 2, 3, 1, time_limit=0.1)
    assert out["complete"] is False
