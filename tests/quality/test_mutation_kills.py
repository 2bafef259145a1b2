"""Tests that kill the mutants of tests/mutation/mutants.toml which the rest of the suite let survive.

Each test asserts a mathematical property against an independent reference (a closed form from the definition,
a finite difference of another function, mpmath values at sampled points of a ball, an exact rational
computation), never an output of the code under test recorded from a run. The mutant each test was written for is
named in its docstring; the property is what matters, the mutant only shows that the property was untested.
"""
from __future__ import annotations

import json
import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, arb_mat

from numerics.certified.precision import arb_prec, workdps


def _frac(x) -> Fraction:
    """An exact arb (a dyadic) as a Fraction."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


def _mp(x):
    return mpmath.mpf(x.numerator) / x.denominator if isinstance(x, Fraction) else mpmath.mpf(x)


def _ball_contains(b, value: mpmath.mpf) -> bool:
    """``value`` (an mpmath number at high precision) lies in the ball b (with a 1e-40 slack for the reference)."""
    lo, hi = b.lower(), b.upper()
    lo_m = mpmath.mpf(lo.mid().str(60, radius=False))
    hi_m = mpmath.mpf(hi.mid().str(60, radius=False))
    return lo_m - mpmath.mpf(10) ** -40 <= value <= hi_m + mpmath.mpf(10) ** -40


# ------------------------------------------------------------------------------------------- numerics/linalg
def test_singular_member_is_never_certified_positive_definite():
    """linalg.undecided-pivot-accepted: a ball matrix that contains a singular member (or a matrix shifted exactly
    by its smallest eigenvalue) has no certificate lambda_min > t."""
    from numerics.certified.linalg import certify_lambda_min_gt, cholesky_ball

    K = arb_mat([[2, 1], [1, 2]])  # eigenvalues 1 and 3 exactly
    assert not certify_lambda_min_gt(K, Fraction(1))  # lambda_min > 1 is false
    assert certify_lambda_min_gt(K, Fraction(99, 100))
    # [[1 +- 0.1, 1], [1, 1]] contains [[1, 1], [1, 1]] (singular): its Schur pivot 1 - 1/a straddles 0
    Kb = arb_mat([[arb(1, 0.1), arb(1)], [arb(1), arb(1)]])
    assert cholesky_ball(Kb) is None
    assert not certify_lambda_min_gt(Kb, Fraction(0))


def test_indefinite_matrix_is_never_proved_positive_definite():
    """linalg.negative-lower-bound-is-pd: lambda_min(diag(-1, 2)) = -1 < 0."""
    from numerics.certified.linalg import lambda_min_lower

    for methods in (("residual",), ("ball-cholesky",), ("residual", "ball-cholesky")):
        cert = lambda_min_lower(arb_mat([[-1, 0], [0, 2]]), methods=methods)
        assert cert.lower is not None and cert.lower < -1  # a certified lower bound of -1
        assert cert.positive_definite != "proved"


def test_rayleigh_upper_bound_covers_every_member_of_a_wide_ball_matrix():
    """linalg.rayleigh-lower-instead-of-upper: the certified upper bound of lambda_min holds for every member of
    the ball matrix, e.g. for K_mid + r I (its diagonal entries lie in [k_ii - r, k_ii + r])."""
    from numerics.certified.linalg import lambda_min_upper

    r = 1e-3
    mid = np.array([[2.0, 0.5, 0.25], [0.5, 1.5, 0.125], [0.25, 0.125, 1.0]])
    K = arb_mat([[arb(float(mid[i, j]), r if i == j else 0.0) for j in range(3)] for i in range(3)])
    member = mid + r * np.eye(3)
    lam_member = float(np.linalg.eigvalsh(member)[0])
    up = lambda_min_upper(K)
    assert float(up.mid()) >= lam_member - 1e-12


def test_relu_gram_of_collinear_inputs_from_the_definition():
    """linalg.gram-collinear-angle: H_ij = E_w[x_i.x_j 1{w.x_i > 0} 1{w.x_j > 0}] for w ~ N(0, I): x_j = c x_i gives
    x_i.x_j / 2 for c > 0 (the half-space is the same) and 0 for c < 0 (disjoint half-spaces)."""
    from numerics.certified.linalg import relu_gram_ball

    x = [Fraction(3, 5), Fraction(-4, 5)]
    X = [x, [2 * v for v in x], [-v for v in x]]
    H = relu_gram_ball(X)
    dot01 = sum(a * b for a, b in zip(X[0], X[1]))
    assert (H[0, 1] - arb(float(dot01)) / 2).contains(0) and H[0, 1].rad() < 1e-10
    assert H[0, 2].contains(0) and abs(float(H[0, 2].mid())) < 1e-12
    assert (H[0, 0] - arb(float(sum(v * v for v in x))) / 2).contains(0)


# -------------------------------------------------------------------------------------------- proofs/measure
def _small_problem(k=2, d=2, m=3, n=4, seed=7):
    from proofs.problem import measure as M
    from proofs.symbolic.models import get_model

    model = get_model("sigmoid", k=k, d=d)
    rng = random.Random(seed)

    def q():
        return Fraction(rng.randint(-20, 20), 8)
    data = M.Dataset(X=[[q() for _ in range(d)] for _ in range(n)], Y=[[q() for _ in range(k)] for _ in range(n)])
    mu = M.Measure(a=[[[q()] for _ in range(k)] for _ in range(m)], u=[[q() for _ in range(d + 1)] for _ in range(m)],
                   mass=[Fraction(1, m)] * m)
    return model, data, mu


@pytest.mark.parametrize("backend", ["numpy", "mpmath", "arb"])
def test_psi_is_the_first_variation_of_the_loss(backend):
    """measure.psi-1/n-*: <a, Psi_mu(u)> = d/d eps R(mu + eps delta_(a,u)) at 0 (first variation, MATH.md §1b A.1),
    checked against a central difference of measure.loss (adding a particle of mass eps), at 40 digits."""
    from proofs.problem import measure as M

    model, data, mu = _small_problem()
    a_new = [[Fraction(3, 4)], [Fraction(-5, 4)]]
    u_new = [Fraction(1, 2), Fraction(-1, 4), Fraction(1, 8)]
    with workdps(40):
        eps = mpmath.mpf(10) ** -12

        def R(e):
            nu = M.Measure(a=list(mu.a) + [a_new], u=list(mu.u) + [u_new],
                           mass=[_mp(p) for p in mu.mass] + [e])
            return M.loss(model, nu, data, "mpmath")
        fd = (R(eps) - R(-eps)) / (2 * eps)
        if backend == "arb":
            with arb_prec(200):
                P = M.psi(model, mu, data, [u_new], "arb")[0]
                got = sum((P[c][0] * arb(float(a_new[c][0])) for c in range(model.k)), arb(0))
                got = mpmath.mpf(got.mid().str(40, radius=False))
        elif backend == "mpmath":
            P = M.psi(model, mu, data, [[_mp(v) for v in u_new]], "mpmath")[0]
            got = sum(P[c][0] * _mp(a_new[c][0]) for c in range(model.k))
        else:
            P = M.psi(model, mu, data, np.array([[float(v) for v in u_new]]), "numpy")[0]
            got = mpmath.mpf(float(sum(P[c, 0] * float(a_new[c][0]) for c in range(model.k))))
    assert abs(got - fd) <= mpmath.mpf(10) ** -10 * (1 + abs(fd)), (got, fd)


@pytest.mark.parametrize("backend", ["mpmath", "arb"])
def test_stationarity_residual_is_the_largest_particle_speed(backend):
    """measure.stationarity-min: max_j |(a_j', u_j')|, against the numpy velocity's per-particle norms."""
    from proofs.problem import measure as M

    model, data, mu = _small_problem(m=4)
    va, vu = M.velocity(model, mu, data, "numpy")
    speeds = np.sqrt(np.sum(va.reshape(len(va), -1) ** 2, axis=1) + np.sum(vu ** 2, axis=1))
    assert speeds.max() > 1.5 * speeds.min()  # the particles move at different speeds: max != min
    with workdps(30), arb_prec(128):
        s = M.stationarity_residual(model, mu, data, backend)
        s = float(s) if backend == "mpmath" else float(s.mid())
    assert s == pytest.approx(float(speeds.max()), rel=1e-12)


def test_measure_file_without_mass_is_the_mean_field_average(tmp_path):
    """measure.default-mass: without 'mass' every particle has mass 1/m, so a file with m copies of one particle
    predicts exactly what the one-particle file predicts (the empirical measure is the same)."""
    from proofs.problem import measure as M
    from proofs.symbolic.models import get_model

    model = get_model("sigmoid", k=1, d=1)
    one, three = tmp_path / "one.json", tmp_path / "three.json"
    one.write_text(json.dumps({"a": ["1.5"], "w": [["0.5"]], "b": ["-0.25"]}))
    three.write_text(json.dumps({"a": ["1.5"] * 3, "w": [["0.5"]] * 3, "b": ["-0.25"] * 3}))
    data = M.Dataset(X=[["0.3"], ["-1.2"]], Y=[["0"], ["1"]])
    f1 = M.predict(model, M.load_measure(one, model), data)
    f3 = M.predict(model, M.load_measure(three, model), data)
    assert np.allclose(f1, f3, rtol=1e-15, atol=0)
    assert sum(Fraction(p) for p in M.load_measure(three, model).mass) == 1


# -------------------------------------------------------------------------------------------- proofs/codegen
def _ball(lo, hi):
    return arb.union(arb(lo), arb(hi))


def _enclosure_cases():
    from proofs.symbolic.functions import sigmoid

    z = sp.Symbol("z", real=True)
    return z, [
        ("sigmoid", sigmoid(z), lambda t: 1 / (1 + mpmath.exp(-t))),
        ("square", z ** 2, lambda t: t ** 2),
        ("cube", z ** 3, lambda t: t ** 3),
        ("heaviside", sp.Heaviside(z, sp.S.Half), lambda t: mpmath.mpf(1) if t > 0 else
         (mpmath.mpf(0) if t < 0 else mpmath.mpf(1) / 2)),
        ("rational", z / 3 + sp.Rational(1, 7), lambda t: t / 3 + mpmath.mpf(1) / 7),
    ]


@pytest.mark.parametrize("lo,hi", [(-1.5, 2.0), (-3.0, -0.5), (0.25, 4.0), (-2.0, 0.0)])
def test_ball_evaluators_enclose_the_function_on_wide_balls(lo, hi):
    """codegen.arb-sigmoid-mid, arb-even-power-straddling-zero, arb-odd-power-as-even, arb-heaviside-undecided-is-one,
    arb-rational-as-float: the ball of f on [lo, hi] contains f at every sampled point of [lo, hi] (mpmath
    values at 50 digits: an independent reference), ends and 0 included."""
    from proofs.symbolic.codegen import compile_expr

    z, cases = _enclosure_cases()
    pts = [lo + (hi - lo) * i / 16 for i in range(17)] + ([0.0] if lo <= 0 <= hi else [])
    for name, expr, ref in cases:
        f = compile_expr([z], expr, "arb")
        with arb_prec(200):
            b = f(_ball(lo, hi))
        with workdps(50):
            for t in pts:
                assert _ball_contains(b, ref(mpmath.mpf(t))), (name, lo, hi, t, b)


def test_ball_evaluator_keeps_rational_constants_exact():
    """codegen.arb-rational-as-float: 3 * (z/3) - z = 0 exactly in balls at an exact point (a float 1/3 leaves
    a residue of 2^-54 that no ball of radius 2^-200 contains)."""
    from proofs.symbolic.codegen import compile_expr

    z = sp.Symbol("z", real=True)
    f = compile_expr([z], z * sp.Rational(1, 3), "arb")
    with arb_prec(200):
        v = f(arb(1)) * 3 - 1
    assert v.contains(0) and v.rad() < 2.0 ** -150


def test_ball_piecewise_activation_encloses_across_a_breakpoint():
    """codegen.arb-piecewise-partial-overlap-skipped: the cubic step on balls that meet two or three pieces
    contains its values at sampled points (exact rational evaluation of the sympy expression)."""
    from proofs.symbolic.activations import Z, get_activation
    from proofs.symbolic.codegen import _univariate

    act = get_activation("cubic-step")
    f = _univariate(act, 0, "arb")
    for lo, hi in ((-0.75, -0.25), (-0.25, 0.25), (0.1, 0.9), (-1.0, 1.0)):
        with arb_prec(128):
            b = f(_ball(lo, hi))
        for i in range(9):
            t = sp.Rational(lo) + (sp.Rational(hi) - sp.Rational(lo)) * sp.Rational(i, 8)
            val = sp.nsimplify(act.expr.subs(Z, t))
            with workdps(50):
                assert _ball_contains(b, mpmath.mpf(sp.N(val, 50))), (lo, hi, t, b)


# ------------------------------------------------------------------------------ numerics/dynamics: regularisers
def _net(seed=3, n=6, d=2, k=2, m=4):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal((n, k)), rng.standard_normal((m, k, 1)),
            rng.standard_normal((m, d + 1)))


@pytest.mark.parametrize("masses", [False, True])
def test_energy_is_loss_plus_integral_of_the_regulariser(masses):
    """dynamics.energy-weight-decay-half, energy-l1-dropped, energy-uniform-mass: F(mu) = R(mu) + int V dmu with
    V = lambda |a| + lambda_2/2 (|a|^2 + |u|^2) (MATH.md §1.1, §1.2); R from the generated evaluators of
    proofs.problem.measure (an independent implementation), the integral summed here."""
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField
    from proofs.problem import measure as M
    from proofs.symbolic.models import get_model

    X, Y, a, u = _net()
    m = len(u)
    p = np.array([0.1, 0.2, 0.3, 0.4]) if masses else np.full(m, 1.0 / m)
    lam, lam2 = 0.07, 0.3
    flow = ParticleFlow(NetField(X, Y, mass=p if masses else None), dt=0.1, l1=lam, weight_decay=lam2)
    model = get_model("sigmoid", k=2, d=2)
    R = M.loss(model, M.Measure(a=a, u=u, mass=p), M.Dataset(X=X, Y=Y))
    na = np.sqrt(np.sum(a.reshape(m, -1) ** 2, axis=1))
    V = lam * na + lam2 / 2 * (na ** 2 + np.sum(u ** 2, axis=1))
    assert flow.energy(State(a, u)) == pytest.approx(R + float(np.sum(p * V)), rel=1e-12)


@pytest.mark.parametrize("kw", [dict(weight_decay=0.3), dict(l1=0.05), dict(l1=0.05, weight_decay=0.2)])
def test_velocity_is_minus_m_times_the_energy_gradient(kw):
    """dynamics.velocity-weight-decay-inner-dropped, velocity-l1-sign: away from a = 0 the reported velocity is
    theta_j' = -m dF_m/dtheta_j (mean-field time, F_m = R + (1/m) sum_j V(theta_j)); central differences of the
    energy, every coordinate of every particle."""
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    X, Y, a, u = _net(seed=5)
    m = len(u)
    flow = ParticleFlow(NetField(X, Y), dt=0.1, **kw)
    va, vu = flow.velocity(State(a, u))
    h = 1e-6
    for arr, v, is_a in ((a, va, True), (u, vu, False)):
        for idx in np.ndindex(arr.shape):
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += h
            minus[idx] -= h
            sp_ = State(plus, u) if is_a else State(a, plus)
            sm_ = State(minus, u) if is_a else State(a, minus)
            fd = -m * (flow.energy(sp_) - flow.energy(sm_)) / (2 * h)
            assert v[idx] == pytest.approx(fd, rel=1e-6, abs=1e-7), (idx, is_a)


# ------------------------------------------------------------------------------------ proofs/claims: A3 (A15)
def _a15_exact_first_step(m, u0, tau):
    """Exact rationals: s_0, s_1 of the A15 Euler step u <- u - 4 tau u (s - 1), s = |u|^2/m (every particle at
    u0), F = (s - 1)^2, and Lip(s) = max(|12 s - 4|, 4 |s - 1|)/m, the spectral radius of the Hessian
    (8/m^2) u u^T + (4 (s - 1)/m) I (MATH.md §8 A3)."""
    u0, tau = Fraction(u0), Fraction(tau)
    s0 = u0 * u0
    u1 = u0 - 4 * tau * u0 * (s0 - 1)
    s1 = u1 * u1

    def lip(s):
        return max(abs(12 * s - 4), 4 * abs(s - 1)) / m
    return s0, s1, (s0 - 1) ** 2, (s1 - 1) ** 2, lip(s0), lip(s1)


@pytest.mark.parametrize("inst", [
    {"name": "segment end", "model": "a15", "m": 1, "u0": "0.9", "tau": "0.3", "steps": 1},
    {"name": "above threshold", "model": "a15", "m": 10, "u0": "0.99", "tau": "0.26", "steps": 20}])
def test_descent_lemma_is_never_refuted_where_its_condition_fails(inst):
    """claims.energy.lipschitz-at-segment-start-only, claims.energy.top-eigenvalue: on these instances F_m increases
    at step 0 but m tau Lip >= 2 at the end of the step's segment (exact rationals), so the hypothesis of the
    descent lemma fails there and an increase is no counterexample: the (true) claim must not be refuted."""
    from proofs import check
    from proofs.result import Verdict

    m, tau = inst["m"], Fraction(inst["tau"])
    s0, s1, F0, F1, lip0, lip1 = _a15_exact_first_step(m, inst["u0"], tau)
    assert F1 > F0  # the energy does increase at step 0
    assert m * tau * lip1 >= 2  # ... where the step-size condition fails on the segment
    assert check("euler-step-decreases-energy", inst).verdict is not Verdict.REFUTED


# ------------------------------------------------------------------------------------ proofs/claims/_common
def test_symbolic_zero_never_calls_a_nonzero_polynomial_an_identity():
    """claims.common.undecided-identity-is-zero: a polynomial that vanishes at every probe point of the ball test
    but not identically is not reported as an identity (True only for expressions that are 0)."""
    from proofs.claims import _common

    x = sp.Symbol("x", real=True)
    if hasattr(_common, "_seeded_scaled_points"):
        probes = [pt[x] for _, _, pt in _common._seeded_scaled_points([x], set())]
    else:
        probes = [_common.random_rational_point([x], seed=12345)[x]]
    poly = sp.Integer(1)
    for v in probes:
        poly *= x - sp.Rational(v.numerator, v.denominator)
    assert poly.subs(x, max(probes) + 1) != 0  # not the zero polynomial
    assert _common.symbolic_zero(poly) is not True
    assert _common.symbolic_zero([x - x, poly]) is not True


# ------------------------------------------------------------------------------- numerics/kernels_attention
def test_fused_attention_kernel_at_scores_beyond_the_exp_range():
    """kernels.attention.never-shift: scores of about 10^3 (exp overflows beyond 709): the fused kernel's velocity and
    loss are finite and equal those of the max-shifted peer contraction (fused=False)."""
    from numerics.dynamics import AttentionField

    rng = np.random.default_rng(11)
    n, L, p, k, H = 5, 3, 2, 1, 3
    X = rng.standard_normal((n, L, p))
    X /= np.linalg.norm(X, axis=2, keepdims=True)  # unit tokens: |score| <= |A|_F
    Y = rng.standard_normal((n, k))
    a = rng.standard_normal((H, k, p))
    u = 1200.0 * rng.standard_normal((H, p * p)) / np.sqrt(p * p)
    fused = AttentionField(X, Y, fused=True).evaluate(a, u)
    peer = AttentionField(X, Y, fused=False).evaluate(a, u)
    scores = np.einsum("nle,hfe,nf->nlh", X, u.reshape(H, p, p), X[:, -1, :])
    assert np.max(np.abs(scores)) > 720  # the unshifted exponentials would overflow
    for got, ref in zip(fused[:2], peer[:2]):
        assert np.all(np.isfinite(got))
        assert np.max(np.abs(got - ref)) <= 1e-9 * max(1.0, np.max(np.abs(ref)))
    assert fused[2] == pytest.approx(peer[2], rel=1e-12)


# ------------------------------------------------------------------------------------ proofs/_prove_interval
def test_interval_sum_contains_the_exact_sum_at_low_precision():
    """interval.add-mid-instead-of-lower: at 10 bits the rounded sum of two exact ends is enclosed outward: the
    interval of x + y over the point box contains the exact rational sum (compared as Fractions)."""
    from proofs.prove.interval import ext_eval

    x, y = sp.symbols("x y", real=True)
    rng = random.Random(4)
    for i in range(40):
        a = Fraction(rng.randint(1, 2 ** 12), 2 ** 12) + rng.randint(0, 8)
        b = Fraction(rng.randint(1, 2 ** 12), 2 ** 14)
        if i % 2:  # negative sums too: python-flint rounds a midpoint towards 0, so only they expose a midpoint
            a, b = -a, -b  # used as a lower end
        A, B = arb(float(a)), arb(float(b))  # exact: a and b have < 20 significant bits
        assert A.is_exact() and B.is_exact()
        with arb_prec(10):  # ... but their sum needs more than 10: it is rounded
            lo, hi = ext_eval(x + y, {x: (A, A), y: (B, B)})
        assert _frac(lo) <= a + b <= _frac(hi), (a, b, lo, hi)


@pytest.mark.parametrize("box", [(-1, 0), (-1, 1), (-2, -1)])
def test_interval_of_a_piecewise_function_contains_every_piece_it_meets(box):
    """interval.strict-less-on-closed-end, interval.undecided-condition-true: the interval of
    Piecewise((z, z < 0), (z + 10, True)) over a box contains its value at every sampled point of the box
    (exact rationals), in particular 10 at z = 0, where the second piece applies."""
    from proofs.prove.interval import ext_eval

    z = sp.Symbol("z", real=True)
    f = sp.Piecewise((z, z < 0), (z + 10, True))
    lo_b, hi_b = box
    lo, hi = ext_eval(f, {z: (arb(lo_b), arb(hi_b))})
    for i in range(9):
        t = Fraction(lo_b) + (Fraction(hi_b) - Fraction(lo_b)) * Fraction(i, 8)
        val = t if t < 0 else t + 10
        assert _frac(lo) <= val <= _frac(hi), (box, t, lo, hi)


# ------------------------------------------------------------------------------- proofs/prove, _prove_domain
@pytest.mark.parametrize("statement,over,truth", [
    ("1 < 1", [], False),
    ("sin(pi/7)**2 + cos(pi/7)**2 < 1", [], False),          # equal constants (sympy), not separable by balls
    ("sign(x) >= 1", ["x in [0, 1]"], False),                # sign(0) = 0
    ("x <= 999/1000", ["x in (-oo, 1)"], False),             # x = 9995/10000
    ("x <= 3", ["x in [0, oo)"], False),                     # x = 4
    ("x <= 3", ["x in R"], False),
    ("x*(2/3 - x) <= 1/9 - 1/10**12", ["x in [0, 1]"], False),  # 10^-12 > 0 at x = 1/3
    ("(x**2 - 2)**2 > 0", ["x in [0, 2]"], False),           # 0 at x = sqrt(2)
    ("-(x - 5/16)**3*(x - 5/16 + 2/10**7) <= 0", ["x in [0, 1]"], False),  # > 0 on (5/16 - 2e-7, 5/16)
    ("x > 0", ["x in (0, 1]"], True),                        # the open end 0 is excluded
    ("x <= 0", ["x in [-1, 0]"], True),                      # equality at the closed end is allowed
])
def test_prove_verdict_never_contradicts_the_known_truth(statement, over, truth):
    """prove.constant-strict-equal, prove.constant-sympy-equal-strict, prove.proved-within-tolerance,
    prove.strict-proved-with-sup-zero, prove.sample-refute-non-strict-zero, domain.*: each line's truth is known
    by hand (the witness or the reason is in the comment); a false line is never proved, a true one never
    refuted."""
    from proofs.result import Verdict
    from proofs.prove import prove

    r = prove(statement, over=over, time_limit=60)
    assert r.verdict is not (Verdict.REFUTED if truth else Verdict.PROVED), (statement, r.message)


def test_true_identity_checked_by_sampling_is_never_refuted():
    """prove.identity-refuted-by-ball-containing-zero: relu(t) = (t + |t|)/2 is true for every real t; sympy does not
    reduce these forms, so balls at sample points decide -- and with t = tanh(x) the balls are not exact: a ball
    that merely contains 0 refutes nothing."""
    from proofs.result import Verdict
    from proofs.prove import prove

    for st in ("relu(x) == (x + abs(x))/2", "relu(tanh(x)) == (tanh(x) + abs(tanh(x)))/2"):
        assert prove(st, over=["x in R"]).verdict is not Verdict.REFUTED, st


# ------------------------------------------------------------------------------ proofs/claims: attention (G1)
def _g1(inst):
    from proofs import check

    return check("attention-feature-bounded-linear", dict({"name": "kill"}, **inst))


def _certified_positive(margin) -> bool:
    return margin is not None and hasattr(margin, "lower") and bool(margin > 0)


def test_g1_true_bound_at_equality_is_never_refuted():
    """claims.attention.sqrtL-dropped-upper: unnormalised rows exp(XAX^T) with A = 0 are all ones, so with x_1 = e_1,
    x_2..x_4 = 0 and B = e_1: PXB has 4 rows e_1^T B, |PXB|_F = 2 = sqrt(L) max|x_l| |B|_op (exact): the bound holds
    (with equality), and a refutation would need |PXB|_F > sqrt(L) max|x_l| |B|_F = 2."""
    from proofs.result import Verdict

    r = _g1({"L": 4, "p": 2, "k": 1, "normalize": False, "X": [["1", "0"], ["0", "0"], ["0", "0"], ["0", "0"]],
             "A": [["0", "0"], ["0", "0"]], "B": [["1"], ["0"]]})
    assert r.verdict is not Verdict.REFUTED, r.message


def test_g1_false_bound_between_the_two_norms_is_never_proved():
    """claims.attention.lower-bound-of-opnorm-uses-frobenius: the bound without sqrt(L) (drop="sqrt-L") is false for
    L = 2 equal tokens x = e_1 and B = I_3: every row of PXB is e_1^T, |PXB|_F = sqrt(2) > 1 = max|x_l| |B|_op (exact),
    while |B|_F = sqrt(3) would let a Frobenius 'bound' pass."""
    from proofs.result import Verdict

    r = _g1({"L": 2, "p": 3, "k": 3, "drop": "sqrt-L", "X": [["1", "0", "0"], ["1", "0", "0"]],
             "A": [["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"]],
             "B": [["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]]})
    assert r.verdict is not Verdict.PROVED, r.message


def test_g1_proof_carries_a_certified_positive_margin_even_at_a_tie():
    """claims.attention.undecided-bound-proved: 'proved' means the ball of the bound lies strictly above the ball of
    |PXB|_F (README: a rigorous enclosure strictly on the right side). At a tie (L = 1, x = e_1 the top singular
    direction of B = diag(1, 0): |PXB|_F = 1 = the bound, with a softmax ball exp(1)/exp(1) of positive radius) no
    ball separates them: either the verdict is not 'proved' or its margin is certified > 0."""
    from proofs.result import Verdict

    r = _g1({"L": 1, "p": 2, "k": 2, "X": [["1", "0"]], "A": [["1", "0"], ["0", "0"]],
             "B": [["1", "0"], ["0", "0"]]})
    assert r.verdict is not Verdict.PROVED or _certified_positive(r.margin), (r.verdict, r.margin)
    for inst in ({"name": "L=4 p=3 k=2", "L": 4, "p": 3, "k": 2, "seed": 0, "scale": 1.0},):
        r2 = _g1(inst)
        assert r2.verdict is Verdict.PROVED and _certified_positive(r2.margin)


# ------------------------------------------------------------------------------- proofs/claims: A3, A11 again
def test_descent_claim_is_never_proved_at_a_stationary_point():
    """claims.energy.undecided-decrease-counted: at u = 1 (s = 1, the minimiser) the A15 velocity -4u(s - 1) is 0, so
    F_m stays 0: F_k+1 < F_k fails at every step and no decrease may be counted as certified."""
    from proofs import check
    from proofs.result import Verdict

    s0, s1, F0, F1, _, _ = _a15_exact_first_step(10, "1", Fraction(1, 5))
    assert s0 == s1 == 1 and F0 == F1 == 0
    r = check("euler-step-decreases-energy", {"name": "stationary", "model": "a15", "m": 10, "u0": "1",
                                              "tau": "0.2", "steps": 3})
    assert r.verdict is not Verdict.PROVED, r.message


def test_balancedness_witness_value_matches_the_engine_velocity():
    """claims.balancedness.witness-decay-sign: the refutation's margin is d/dt delta_j + 2 lambda delta_j at the
    witness particle (delta = |a|^2 - |theta|^2, weight decay lambda); recomputed here from the float64 engine
    (numerics.dynamics, an independent implementation of the velocity, weight decay included)."""
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField
    from proofs import check
    from proofs.result import Verdict

    lam = 0.5
    r = check("relu-balancedness-invariant", {"name": "softplus", "k": 1, "d": 2, "lambda": "1/2",
                                              "activation": "softplus"})
    assert r.verdict is Verdict.REFUTED
    w = r.witness

    def fl(x):
        return float(Fraction(str(x)))
    X = np.array([[fl(v) for v in row] for row in w["X"]])
    Y = np.array([[fl(v) for v in row] for row in w["Y"]])
    a = np.array([[[fl(v) for v in row] for row in aj] for aj in w["a"]])
    u = np.array([[fl(v) for v in uj] for uj in w["theta"]])
    assert all(Fraction(p) == Fraction(1, len(u)) for p in w["mass"])
    va, vu = ParticleFlow(NetField(X, Y, "softplus", fused=False), dt=0.1, weight_decay=lam).velocity(State(a, u))
    j = w["particle"]
    delta = float(np.sum(a[j] ** 2) - np.sum(u[j] ** 2))
    ref = 2 * float(np.sum(a[j] * va[j])) - 2 * float(np.sum(u[j] * vu[j])) + 2 * lam * delta
    assert float(r.margin.mid()) == pytest.approx(ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("method,order", [("heun", 2), ("rk4", 4)])
def test_integrator_order_is_never_refuted_when_float64_hits_rounding(method, order):
    """claims.order.mpmath-stage-sum-off-by-one: at T = 0.02 the float64 errors of Heun/RK4 reach rounding level, so
    the fitted float slope is low and the claim recomputes the errors with its own mpmath Runge-Kutta loop; the
    methods do have orders 2 and 4, so that recomputation must confirm them (never a refutation)."""
    from proofs import check
    from proofs.result import Verdict

    r = check("integrator-order", {"name": "rounding", "method": method, "order": order, "T": "0.02",
                                   "mp_ref_steps": 64})
    assert r.verdict is not Verdict.REFUTED, r.message
    if "slope_mpmath" in r.stats:
        assert abs(r.stats["slope_mpmath"] - order) < 0.3


# ------------------------------------------------------------------------------------ proofs/claims: G2
def test_g2_constant_is_the_documented_formula_on_the_data():
    """claims.growth.sqrt-of-max-norm-dropped, claims.growth.bias-coordinate-dropped: for tanh, sup|sigma| =
    sup|sigma'| = 1, so C = max(1, max_i |x~_i|) with x~ = (x, 1); recomputed exactly from the witness data."""
    from proofs import check
    from proofs.result import Verdict

    r = check("feature-derivative-linear-growth", {"name": "tanh, k=1, d=3", "activation": "tanh", "k": 1, "d": 3,
                                                   "n": 5, "seed": 1})
    assert r.verdict is Verdict.PROVED
    X = [[Fraction(str(v)) for v in row] for row in r.witness["X"]]
    xt2 = max(1 + sum(v * v for v in row) for row in X)
    assert Fraction(str(r.witness["max |x~_i|^2"])) == xt2
    expected = sp.Max(1, sp.sqrt(sp.Rational(xt2.numerator, xt2.denominator)))
    assert sp.simplify(sp.sympify(r.witness["C"]) - expected) == 0


def test_g2_jacobian_norm_against_finite_differences():
    """claims.growth.feature-norm-1/sqrt(n): ||dPhi(a, u)|| for the feature norm <f, g> = (1/n) sum_i f_i . g_i is
    sqrt(lambda_max(J^T J) / n) with J the Jacobian of (a, u) -> (a sigma(u . x~_i))_i, here by central
    differences of the feature itself."""
    from proofs.claims.petit_poon_peyre_2026.dynamics_feature_growth import _jacobian_norm

    rng = np.random.default_rng(2)
    n, d, k = 5, 2, 2
    X = rng.standard_normal((n, d))
    a, u = rng.standard_normal(k), rng.standard_normal(d + 1)
    Xt = np.hstack([X, np.ones((n, 1))])

    def feat(theta):
        aa, uu = theta[:k], theta[k:]
        return np.concatenate([aa * np.tanh(Xt[i] @ uu) for i in range(n)])
    theta = np.concatenate([a, u])
    h = 1e-6
    J = np.stack([(feat(theta + h * e) - feat(theta - h * e)) / (2 * h) for e in np.eye(len(theta))], axis=1)
    ref = float(np.sqrt(np.linalg.eigvalsh(J.T @ J)[-1] / n))
    got = _jacobian_norm(np.tanh, lambda z: 1 - np.tanh(z) ** 2, X, a, u)
    assert got == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("expr_box", ["1/x on [1, 2]", "1/x on [-3, -1/2]", "x**-2 on [1, 3]",
                                      "1/(1 + x**2) on [0, 2]", "x/(2 + x) on [0, 5]"])
def test_interval_of_a_quotient_contains_its_values(expr_box):
    """interval.reciprocal-ends-swapped: the interval of 1/q over a box where q keeps one sign contains the value at
    every sampled point (exact rationals), and its ends are ordered."""
    from proofs.prove.interval import ext_eval

    x = sp.Symbol("x", real=True)
    text, box = expr_box.split(" on ")
    expr = sp.sympify(text, locals={"x": x})
    lo_b, hi_b = (Fraction(v) for v in box.strip("[]").split(","))
    with arb_prec(64):
        lo, hi = ext_eval(expr, {x: (arb(float(lo_b)), arb(float(hi_b)))})
    assert _frac(lo) <= _frac(hi)
    for i in range(9):
        t = lo_b + (hi_b - lo_b) * Fraction(i, 8)
        val = sp.Rational(expr.subs(x, sp.Rational(t.numerator, t.denominator)))
        assert _frac(lo) <= Fraction(int(val.p), int(val.q)) <= _frac(hi), (text, t, lo, hi)


@pytest.mark.parametrize("expr_box", ["Abs(x) on [-3, 1]", "Abs(x - 1/3) on [-2, 1]", "Abs(x) * x on [-2, 1/2]",
                                      "Heaviside(x, 1/2) on [-1, 1]", "Heaviside(x - 1/4, 1/2) * x on [-1, 1]",
                                      "Heaviside(x, 1/2) on [0, 1]"])
def test_interval_of_kinked_functions_contains_their_values(expr_box):
    """interval.abs-negative-end, interval.heaviside-undecided-is-one: on boxes containing the kink the interval
    contains every sampled value (exact rationals; Heaviside(0) = 1/2 as given), e.g. |x| = 3 at x = -3 and
    Heaviside(x) = 0 at x < 0."""
    from proofs.prove.interval import ext_eval

    x = sp.Symbol("x", real=True)
    text, box = expr_box.split(" on ")
    expr = sp.sympify(text, locals={"x": x, "Heaviside": sp.Heaviside, "Abs": sp.Abs})
    lo_b, hi_b = (Fraction(v) for v in box.strip("[]").split(","))
    with arb_prec(64):
        lo, hi = ext_eval(expr, {x: (arb(float(lo_b)), arb(float(hi_b)))})
    for i in range(17):
        t = lo_b + (hi_b - lo_b) * Fraction(i, 16)
        val = sp.Rational(expr.subs(x, sp.Rational(t.numerator, t.denominator)))
        assert _frac(lo) <= Fraction(int(val.p), int(val.q)) <= _frac(hi), (text, t, lo, hi)


def test_saddle_with_a_thin_irrational_violation_cone_is_never_proved():
    """prove.gershgorin-sign: v = (x^2 + y^2)/10^12 - (x - sqrt(2) y)^2 - (x^2 + y^2)^2 has v(0) = 0, grad v(0) = 0
    and a saddle there (the Hessian [[-2 + 2e-12, 2 sqrt 2], [2 sqrt 2, -4 + 2e-12]] has the eigenvalue 2e-12 > 0
    along (sqrt 2, 1)), so 'v <= 0' is false -- at the rational point checked exactly below, |(x, y)| ~ 1e-7 --
    although no box centre of the search sees it; a concavity certificate around 0 would wrongly prove it (away
    from 0 the quartic term makes v < 0)."""
    from proofs.result import Verdict
    from proofs.prove import prove

    x, y = sp.symbols("x y", real=True)
    v = (x ** 2 + y ** 2) / 10 ** 12 - (x - sp.sqrt(2) * y) ** 2 - (x ** 2 + y ** 2) ** 2
    wy = sp.Rational(1, 10 ** 7)
    wx = sp.Rational(int(sp.floor(sp.sqrt(2) * 10 ** 20)), 10 ** 27)  # |x - sqrt(2) y| < 1e-27
    assert sp.N(v.subs({x: wx, y: wy}), 60) > 0
    r = prove("(x**2 + y**2)/10**12 - (x - sqrt(2)*y)**2 - (x**2 + y**2)**2 <= 0",
              over=["x in [-1, 1]", "y in [-1, 1]"], time_limit=60)
    assert r.verdict is not Verdict.PROVED, r.message


def test_strict_bound_attained_on_the_constraint_boundary_is_never_proved():
    """prove.constraint-undecided-infeasible: 'x + y < 7/10' assuming x + y <= 7/10 fails exactly on the boundary
    (x = y = 7/20), which only boxes straddling the constraint contain: they may not be discarded as infeasible."""
    from proofs.result import Verdict
    from proofs.prove import prove

    r = prove("x + y < 7/10", over=["x in [0, 1]", "y in [0, 1]"], assume=["x + y <= 7/10"], time_limit=60)
    assert r.verdict is not Verdict.PROVED, r.message


# -------------------------------------------------------------------------------------------- proofs/analyze
_MU1 = {"a": [[["1"]], [["-0.5"]]], "u": [["1", "0"], ["-2", "0.5"]], "mass": ["0.5", "0.5"]}
_X1 = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
_Y1 = [["0.3"], ["-0.2"], ["0.5"], ["0.1"], ["-0.4"], ["0.25"], ["0"]]


def _analyze_tanh(**kw):
    from proofs.analyze import analyze
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    model = get_model("sigmoid", k=1, d=1, activation="tanh")
    mu = Measure(**_MU1)
    return analyze(model, mu, Dataset(X=_X1, Y=_Y1), dps=30, **kw)


def _tanh_residuals(dps=40):
    """r_i = f_mu(x_i) - y_i from the formula f = sum_j p_j a_j tanh(w_j x + b_j), in mpmath."""
    with workdps(dps):
        r = []
        for (x,), (y,) in zip(_X1, _Y1):
            x = _mp(Fraction(x))
            f = sum(_mp(Fraction(p)) * _mp(Fraction(a[0][0])) * mpmath.tanh(_mp(Fraction(u[0])) * x +
                                                                               _mp(Fraction(u[1])))
                    for p, a, u in zip(_MU1["mass"], _MU1["a"], _MU1["u"]))
            r.append(f - _mp(Fraction(y)))
        return r


def test_tanh_sup_at_infinity_is_the_best_threshold_limit():
    """analyze.limit-alpha-dropped: for tanh (limits -1 and +1) along a ray (w, b) t, t -> oo, Psi tends to
    (1/n) sum_i r_i sign(w x_i + b); for a monotone bounded activation S(mu) is the largest such limit over all
    threshold splits of the data (MATH.md §1b A.5). Brute force over every split of the sorted inputs."""
    out = _analyze_tanh()
    g = out["global_optimality"]
    assert g["verdict"] == "refuted" and g["attained"] == "infinity"
    with workdps(40):
        r = _tanh_residuals()
        xs = [Fraction(x[0]) for x in _X1]
        best = mpmath.mpf(0)
        for c in [min(xs) - 1] + sorted(set(xs)):
            for side in (1, -1):
                s = sum(ri * (1 if (x - c) * side > 0 else -1) for ri, x in zip(r, xs))
                best = max(best, abs(s) / len(xs))
        assert abs(mpmath.mpf(g["sup_psi"]) - best) <= mpmath.mpf(10) ** -20 * best


def test_stationarity_enclosure_contains_the_largest_particle_speed():
    """analyze.stationarity-min: the residual enclosure is that of max_j |theta_j'| (largest particle speed),
    recomputed here from the numpy velocity of proofs.problem.measure."""
    from proofs.problem import measure as M
    from proofs.symbolic.models import get_model

    out = _analyze_tanh()
    model = get_model("sigmoid", k=1, d=1, activation="tanh")
    mu = M.Measure(a=np.array([[[float(Fraction(v)) for v in row] for row in aj] for aj in _MU1["a"]]),
                   u=np.array([[float(Fraction(v)) for v in uj] for uj in _MU1["u"]]),
                   mass=np.array([0.5, 0.5]))
    data = M.Dataset(X=np.array([[float(Fraction(x[0]))] for x in _X1]), Y=np.array([[float(Fraction(y[0]))]
                                                                                       for y in _Y1]))
    va, vu = M.velocity(model, mu, data, "numpy")
    speeds = np.sqrt(np.sum(va.reshape(2, -1) ** 2, axis=1) + np.sum(vu ** 2, axis=1))
    assert speeds.max() > 1.1 * speeds.min()
    lo, hi = (float(v) for v in out["stationarity"]["residual_enclosure"])
    assert lo - 1e-12 <= speeds.max() <= hi + 1e-12
    assert float(out["stationarity_residual"]) == pytest.approx(speeds.max(), rel=1e-10)


def test_escaping_direction_decreases_h():
    """analyze.escaping-direction-sign: a_hat = -Psi/|Psi| at the witness, so h(a_hat, u) = <a_hat, Psi> = -|Psi| < 0:
    the escaping set {h < -eps} is non-empty (MATH.md §1b A.2)."""
    out = _analyze_tanh()
    esc, g = out["escaping_set"], out["global_optimality"]
    assert esc["nonempty"]
    a_hat = np.array([float(v) for v in esc["a_hat"]])
    psi = np.array([float(v) for v in g["witness"]["psi"]])
    assert float(a_hat @ psi) == pytest.approx(-float(np.linalg.norm(psi)), rel=1e-10)
    assert float(np.linalg.norm(a_hat)) == pytest.approx(1.0, rel=1e-12)


def test_attention_hardmax_limit_with_tied_tokens_matches_the_softmax_along_the_ray():
    """analyze.hardmax-tie-average: along A = t A0, t -> oo, the softmax over tokens tends to the uniform weights on
    the tokens of maximal score (duplicated tokens always tie); the witness's Psi must equal Psi(t A0) at a large t
    (mpmath softmax, proofs.problem.measure at 40 digits) when the supremum is reported at infinity, and Psi(u) at the
    witness point otherwise."""
    from proofs.problem import measure as M
    from proofs.analyze import analyze
    from proofs.symbolic.models import get_model

    model = get_model("attention", k=1, p=2, L=3)
    mu = M.Measure(a=[[["1", "-0.5"]]], u=[["0.5", "0", "0", "-0.5"]], mass=["1"])
    # token 1 duplicates token 2 in every sample: the two always tie
    X = [["1", "0", "1", "0", "0", "1"], ["0", "1", "0", "1", "1", "0"], ["1", "1", "1", "1", "0.5", "-1"],
         ["-1", "0.5", "-1", "0.5", "1", "1"], ["0.5", "-1", "0.5", "-1", "-1", "0.25"]]
    Y = [["0.3"], ["-0.2"], ["0.1"], ["0.4"], ["-0.3"]]
    data = M.Dataset(X=X, Y=Y)
    g = analyze(model, mu, data, dps=20)["global_optimality"]
    assert g["verdict"] == "refuted"
    w = g["witness"]
    psi_rep = [float(v) for v in w["psi"]]
    with workdps(40):
        if w["kind"] == "direction":
            t = mpmath.mpf(10) ** 4
            U = [[t * _mp(Fraction(v)) for v in w["A"]]]
        else:
            U = [[_mp(Fraction(v)) for v in w["u"]]]
        P = M.psi(model, M.Measure(a=mu.a, u=[[_mp(Fraction(v)) for v in mu.u[0]]], mass=[mpmath.mpf(1)]),
                  M.Dataset(X=[[_mp(Fraction(v)) for v in row] for row in X],
                            Y=[[_mp(Fraction(v)) for v in row] for row in Y]), U, "mpmath")[0]
        ref = [float(v) for row in P for v in row]
    assert np.allclose(psi_rep, ref, rtol=1e-6, atol=1e-9), (w, psi_rep, ref)


def test_sup_approached_only_at_infinity_is_never_certified_interior():
    """analyze.interior-location-upper: sigma = exp(-z^2), both particles at u = (1, 0) (f(x) = e^{-x^2}/4), inputs 0
    and 30, so r0 = 1/4 > |r1| with r1 = e^{-900}/4 - 1/10 < 0 (checked in mpmath). Then
    |Psi(w, b)| = |r0 e^{-b^2} + r1 e^{-(30 w + b)^2}| / 2 < r0 / 2 at every finite (w, b), while the tie at x = 0
    (b = 0, |w| -> oo) gives the limit r0 / 2 = 1/8: the supremum is attained at infinity only. Interior points such
    as u = (1, 0) come within e^{-900} of it (far inside the balls' radius), so no interior value can be
    *certified* above the limits at infinity."""
    from proofs.analyze import analyze
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["1", "0"]], mass=["0.5", "0.5"])
    X, Y = [["0"], ["30"]], [["0"], ["0.1"]]
    with workdps(40):
        def f(x):
            return mpmath.exp(-x ** 2) / 2 - mpmath.exp(-x ** 2) / 4
        r0, r1 = f(mpmath.mpf(0)), f(mpmath.mpf(30)) - mpmath.mpf("0.1")
        assert r0 > abs(r1) > 0 and r1 < 0
    model = get_model("sigmoid", k=1, d=1, activation="exp(-z**2)")
    g = analyze(model, mu, Dataset(X=X, Y=Y), dps=30)["global_optimality"]
    assert g["verdict"] == "refuted"
    assert not (g["attained"] == "interior" and g["location_certified"]), g
    with workdps(40):
        assert abs(mpmath.mpf(g["sup_psi"]) - r0 / 2) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("statement,over", [("x**3 <= x", ["x in [-1, 2]"]), ("x*(x - 1) <= 0", ["x in [0, 3]"])])
def test_cheap_counterexample_search_survives_an_equality_at_an_earlier_sample(statement, over):
    """prove.sample-refute-non-strict-zero: both lines are false (x^3 - x = 6 at x = 2, x(x - 1) = 6 at x = 3) and
    both are 0 at the first sample point x = 0, where equality is allowed: the cheap search for a simple
    counterexample must go on past that point and refute without any branch-and-bound box (a point where v = 0
    is no counterexample of v <= 0, and must not end the search)."""
    from proofs.result import Verdict
    from proofs.prove import prove

    r = prove(statement, over=over)
    assert r.verdict is Verdict.REFUTED
    x = sp.Symbol("x", real=True)
    lhs, rhs = (sp.sympify(t, locals={"x": x}) for t in statement.split("<="))
    assert (lhs - rhs).subs(x, sp.Rational(r.witness["x"])) > 0  # the witness is a violation (exact)
    assert r.stats["boxes_explored"] == 0
