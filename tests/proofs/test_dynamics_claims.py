"""Reference values of the dynamics claims (MATH.md §8 A3, A11, A14, discretisation order)."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given, settings

from proofs import Verdict
from proofs.registry import all_claims, run_check

CLAIMS = all_claims()


def _a15_F(u):
    s = sum(x * x for x in u) / len(u)
    return (s - 1) ** 2


def _a15_euler(u, tau):
    s = sum(x * x for x in u) / len(u)
    return [x - 4 * tau * x * (s - 1) for x in u]


def _witness_velocity(model, w):
    """The measure of a balancedness witness (exact decimal strings) and its velocity, in mpmath at the caller's
    precision: an independent replay of the witness, not the claim's own arithmetic."""
    from proofs.problem.measure import Dataset, Measure, velocity

    conv = lambda v: mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator  # noqa: E731
    data = Dataset(X=[[conv(v) for v in row] for row in w["X"]], Y=[[conv(v) for v in row] for row in w["Y"]])
    mu = Measure(a=[[[conv(v) for v in r_] for r_ in aj] for aj in w["a"]],
                 u=[[conv(v) for v in uj] for uj in w["theta"]], mass=[conv(v) for v in w["mass"]])
    va, vu = velocity(model, mu, data, "mpmath")
    return mu, va, vu


def test_a3_threshold_reference_values():
    """A15 model, m = 10 at u = 1: lambda_max(Hess F_m) = 0.8 (finite differences), threshold 1/4."""
    from proofs.claims.chizat_bach_2018.dynamics_energy import a15_threshold_at_minimiser

    m, h = 10, 1e-4
    u0 = np.ones(m)

    def F(u):
        return (np.mean(u * u) - 1) ** 2

    H = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            e_i, e_j = np.eye(m)[i] * h, np.eye(m)[j] * h
            H[i, j] = (F(u0 + e_i + e_j) - F(u0 + e_i - e_j) - F(u0 - e_i + e_j) + F(u0 - e_i - e_j)) / (4 * h * h)
    lam = np.linalg.eigvalsh(H).max()
    assert abs(lam - 0.8) < 1e-6
    assert a15_threshold_at_minimiser(m) == Fraction(1, 4) == Fraction(2) / (m * Fraction(4, 5))


def test_a3_default_verdicts_and_witness_values():
    c = CLAIMS["euler-step-decreases-energy"]
    res = [run_check(c, inst) for inst in c.instances]
    assert [r.verdict for r in res] == [Verdict.PROVED, Verdict.PROVED]  # a theorem: every default is certified
    assert all(r.scope == "instance" for r in res)  # one trajectory, these parameters
    # the float64 path for networks stays available on request, as numerical evidence only
    r = run_check(c, {"name": "sigmoid teacher, m=20, tau=0.5 (float64)", "model": "sigmoid", "m": 20, "n": 16,
                      "d": 2, "k": 1, "tau": "0.5", "steps": 150, "seed": 0})
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and r.margin > 0
    # independent exact recomputation (Fractions) of the first instance: monotone for 100 steps
    u = [Fraction("0.995")] * 10
    for _ in range(30):
        u2 = _a15_euler(u, Fraction("0.24"))
        assert _a15_F(u2) < _a15_F(u)
        u = [Fraction(float(x)) for x in u2]  # keep the fractions small; monotonicity is robust
    # the false variant: tau = 0.26 from u = 0.99 increases F at step 0 (exact values of the witness)
    f = CLAIMS["euler-decreases-energy-at-any-step"]
    r = run_check(f, f.instances[0])
    assert r.verdict is Verdict.REFUTED and r.witness["step"] == 0
    u = [Fraction("0.99")] * 10
    F0, F1 = _a15_F(u), _a15_F(_a15_euler(u, Fraction("0.26")))
    assert F1 > F0
    assert abs(Fraction(r.witness["F_k"]) - F0) < Fraction(1, 10 ** 18)
    assert abs(Fraction(r.witness["F_k_plus_1"]) - F1) < Fraction(1, 10 ** 18)


@settings(max_examples=8, deadline=None)
@given(CLAIMS["euler-step-decreases-energy"].get_strategy())
def test_a3_never_refuted_on_its_strategy(inst):
    r = run_check(CLAIMS["euler-step-decreases-energy"], inst)
    assert r.verdict is not Verdict.REFUTED, r.message


def test_a11_reference_values_and_witness_replay():
    from proofs.claims.chizat_bach_2018.dynamics_balancedness import activation_euler_identity, symbolic_factorisation
    from proofs.symbolic.activations import get_activation
    from proofs.symbolic.models import get_model
    import sympy as sp

    c = CLAIMS["relu-balancedness-invariant"]
    for inst in c.instances:
        r = run_check(c, inst)
        assert r.verdict is Verdict.PROVED
        assert r.stats["max_rel_drift_vs_exp_decay"] < 1e-4  # RK4 on the kinked ReLU field: small drift
    ok, coeff = symbolic_factorisation(get_model("relu-lift", k=1, d=1))
    assert ok and sp.simplify(coeff - (-2 * sp.Symbol("a1", real=True) * sp.Symbol("r1", real=True))) == 0
    assert activation_euler_identity(get_activation("softplus"))[1][2] == sp.log(2)
    # the softplus witness replays in mpmath at 50 digits: d/dt delta_j is nonzero with the ball's sign
    r = run_check(c, {"name": "softplus", "k": 1, "d": 1, "lambda": "0", "activation": "softplus"})
    assert r.verdict is Verdict.REFUTED
    w = r.witness
    model = get_model("relu-lift", k=1, d=1, activation="softplus")
    with mpmath.workdps(50):
        mu, va, vu = _witness_velocity(model, w)
        j = w["particle"]
        dd = 2 * mu.a[j][0][0] * va[j][0][0] - 2 * sum(x * y for x, y in zip(mu.u[j], vu[j]))
        assert abs(dd) > mpmath.mpf(10) ** -10
        assert (dd > 0) == (r.margin.mid() > 0)


def test_order_default_slopes_within_band():
    c = CLAIMS["integrator-order"]
    for inst in c.instances:
        r = run_check(c, inst)
        if inst.get("problem") == "linear":  # the exact linear test equation: order certified by sympy
            assert r.verdict is Verdict.PROVED and not r.numerical and r.scope == "instance"
            continue
        assert r.verdict is Verdict.INCONCLUSIVE and r.numerical
        assert abs(r.stats["slope_float64"] - inst["order"]) < 0.3


def test_a14_closed_form_reference_values():
    """The A15 closed form against an independent ODE integration (scipy), and the exact witness time."""
    from scipy.integrate import solve_ivp

    from proofs.claims.chizat_bach_2018.dynamics_mean_field_limit import a15_closed_form

    t, m, u, F, ode, init = a15_closed_form()
    assert ode == 0 and init == 0
    for mm in (2, 10, 100):
        sol = solve_ivp(lambda s, y: 4 * y * (1 - y * y), (0, 1.5), [1 / mm], rtol=1e-12, atol=1e-14,
                        dense_output=True)
        for s in (0.1, 0.7, 1.5):
            assert abs(sol.sol(s)[0] - float(u.subs({m: mm, t: s}))) < 1e-9
        tm = np.log(mm * mm - 1) / 8
        assert abs(float(F.subs({m: mm, t: tm})) - 0.25) < 1e-12
    c = CLAIMS["mean-field-limit-loss-curves"]
    r0 = run_check(c, c.instances[0])
    assert r0.verdict is Verdict.PROVED and r0.witness["m^2 sup_distance ->"] == "2*exp(8)"
    r1 = run_check(c, c.instances[1])
    assert r1.verdict is Verdict.INCONCLUSIVE and r1.numerical
    d = r1.stats["sup_distance"]
    assert d[0] > d[-1]  # the loss curves approach the reference as m grows


def test_g2_constant_and_norm_reference_values():
    """C = max(sup|s|, sup|s'| max|x~|) for the sigmoid (1 and 1/4: closed forms), and the Jacobian
    operator norm of the claim against central finite differences of the feature map."""
    from proofs.claims.petit_poon_peyre_2026.dynamics_feature_growth import _jacobian_norm

    c = CLAIMS["feature-derivative-linear-growth"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.PROVED
    X = np.asarray([[float(Fraction(v)) for v in row] for row in r.witness["X"]])
    xt = np.sqrt(np.max(1 + np.sum(X * X, axis=1)))
    assert abs(float(r.stats["C"]) - max(1.0, 0.25 * xt)) < 1e-15
    assert r.stats["max_ratio_norm_over_1_plus_abs_theta"] <= r.stats["C"]
    rng = np.random.default_rng(3)
    a, u = rng.standard_normal(2), rng.standard_normal(3)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

    def phi(theta):
        aa, uu = theta[:2], theta[2:]
        Xt = np.hstack([X, np.ones((len(X), 1))])
        return (sig(Xt @ uu)[:, None] * aa[None, :]).ravel() / np.sqrt(len(X))

    th, h = np.concatenate([a, u]), 1e-6
    J = np.stack([(phi(th + h * e) - phi(th - h * e)) / (2 * h) for e in np.eye(5)], axis=1)
    ref = np.linalg.norm(J, 2)
    got = _jacobian_norm(sig, lambda z: sig(z) * (1 - sig(z)), X, a, u)
    assert abs(got - ref) < 1e-8


def test_g4_ball_probability_and_counts_reference_values():
    """mu_0(B) by the non-central chi-square against Monte Carlo (n_samples = 200000, 5 sigma band),
    and the default instance keeps every ball populated."""
    from proofs.claims.petit_poon_peyre_2026.dynamics_support import _gauss_ball_prob

    rng = np.random.default_rng(0)
    Zs = rng.standard_normal((200_000, 4))
    for center, r in (([0, 0, 0, 0], 1.0), ([1, 0, 0, 0], 1.0), ([1, -1, 0, 0], 1.5)):
        p = _gauss_ball_prob(np.asarray(center, float), r)
        mc = np.mean(np.sum((Zs - np.asarray(center)) ** 2, axis=1) < r * r)
        assert abs(p - mc) < 5 * np.sqrt(p * (1 - p) / len(Zs))
    c = CLAIMS["full-support-kept"]
    res = run_check(c, c.instances[0])
    assert res.verdict is Verdict.INCONCLUSIVE and res.numerical and res.margin > 0
    assert res.stats["counts"][0] == [int(v) for v in res.stats["counts"][0]]


def test_g3_gronwall_constant_and_tails():
    """C = sqrt(2 F(mu_0)) max(sup|s|, sup|s'| max|x~|) recomputed independently; every particle obeys
    the Gronwall bound; the log-tail slopes in s^2 of N(0, I_4) norms are near -1/2."""
    c = CLAIMS["subgaussian-tails-propagate"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and r.margin > 0
    rng = np.random.default_rng(0)
    X = np.round(rng.standard_normal((20, 2)) / np.sqrt(2), 4)
    tY = (rng.standard_normal((3, 1, 1)) * 2, rng.standard_normal((3, 3)) * 2)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    Xt = np.hstack([X, np.ones((20, 1))])
    Y = sig(Xt @ tY[1].T) @ tY[0][:, :, 0] / 3
    a0, u0 = rng.standard_normal((2000, 1)), rng.standard_normal((2000, 3))
    F0 = 0.5 * np.mean(np.sum((sig(Xt @ u0.T) @ a0 / 2000 - Y) ** 2, axis=1))
    C = np.sqrt(2 * F0) * max(1.0, 0.25 * np.sqrt(np.max(np.sum(Xt * Xt, axis=1))))
    assert abs(r.stats["C"] - C) < 1e-12 * C
    # chi distribution with 4 degrees of freedom: log P(|Z| > s) ~ -s^2/2 + O(log s)
    assert -0.6 < r.stats["initial_tail_slope"] < -0.3


def test_a3_unstable_step_above_threshold_is_no_counterexample():
    """A15, m = 10 near the minimiser with tau = 0.3 > 1/4: F_m increases, and m tau Lip = 2.5 (with the top Hessian
    eigenvalue (12s - 4)/m) says the hypothesis fails, so the theorem is not refuted. Kills a wrong eigenvalue
    (8s - 4)/m, which puts m tau Lip at 1.2 < 2 and turns the increase into a 'genuine counterexample'."""
    c = CLAIMS["euler-step-decreases-energy"]
    r = run_check(c, {"name": "tau 0.3", "model": "a15", "m": 10, "u0": "0.99", "tau": "0.3", "steps": 20})
    assert r.verdict is Verdict.INCONCLUSIVE and "not < 2" in r.message
    assert 2.4 < float(r.message.split("m tau Lip = ")[1].split()[0]) < 2.6


def test_a3_a_step_that_does_not_decrease_is_never_certified():
    """At the minimiser u = 1 every Euler step leaves F_m = 0 unchanged: no strict decrease can be certified, so
    'proved' would be false (kills 'undecided decrease counted as certified')."""
    c = CLAIMS["euler-step-decreases-energy"]
    r = run_check(c, {"name": "at the minimiser", "model": "a15", "m": 10, "u0": "1", "tau": "0.1", "steps": 5})
    assert r.verdict is Verdict.INCONCLUSIVE


def test_a11_softplus_witness_replays_with_weight_decay():
    """lambda = 1/2: the certified residual d/dt delta_j + 2 lambda delta_j of the witness, recomputed in mpmath at
    50 digits from the exact witness with the weight-decay velocity, has the ball's value."""
    from proofs.symbolic.models import get_model

    c = CLAIMS["relu-balancedness-invariant"]
    r = run_check(c, {"name": "softplus wd", "k": 1, "d": 1, "lambda": "1/2", "activation": "softplus"})
    assert r.verdict is Verdict.REFUTED
    w, lam = r.witness, mpmath.mpf(1) / 2
    model = get_model("relu-lift", k=1, d=1, activation="softplus")
    with mpmath.workdps(50):
        mu, va, vu = _witness_velocity(model, w)
        j = w["particle"]
        a, u = mu.a[j][0][0], mu.u[j]
        dd = 2 * a * (va[j][0][0] - lam * a) - 2 * sum(x * (y - lam * x) for x, y in zip(u, vu[j]))
        delta = a * a - sum(x * x for x in u)
        resid = dd + 2 * lam * delta
        assert abs(resid - mpmath.mpf(r.margin.mid().str(40, radius=False))) < mpmath.mpf(10) ** -12


def test_order_mpmath_errors_agree_with_the_engine():
    """The mpmath recomputation of the errors (used to rule out rounding) is the same integrator as the engine:
    on the smooth tanh instance both give the same errors to 1e-3 relative (kills a wrong stage sum)."""
    from proofs.claims.engine.dynamics_order import _float_errors, _mp_errors

    for method in ("heun", "rk4"):
        inst = {"method": method, "seed": 0}
        _, ef, _ = _float_errors(inst)
        _, em = _mp_errors(inst, 30)
        for a, b in zip(ef, em):
            assert abs(a - b) <= 1e-3 * abs(a), (method, ef, em)


def test_g2_constant_is_the_formula_with_the_exact_max_norm():
    """C = max(sup|s|, sup|s'| max_i |(x_i, 1)|) exactly, recomputed from the witness data: for tanh (sup|s'| = 1)
    C = sqrt(max_i (1 + |x_i|^2)) (kills a dropped sqrt and a dropped bias coordinate)."""
    import sympy as sp

    c = CLAIMS["feature-derivative-linear-growth"]
    r = run_check(c, c.instances[1])
    assert r.verdict is Verdict.PROVED
    xt2 = max(1 + sum(Fraction(v) ** 2 for v in row) for row in r.witness["X"])
    assert Fraction(r.witness["max |x~_i|^2"]) == xt2
    assert sp.simplify(sp.sympify(r.witness["C"]) - sp.sqrt(sp.Rational(xt2.numerator, xt2.denominator))) == 0
    assert r.stats["proof_steps"]["max_norm"] is True


def test_a3_lipschitz_bound_covers_the_whole_ball():
    """The A15 Lipschitz bound max(|12s - 4|, 4|s - 1|)/m must hold for every s in a wide ball (upper bounds of the
    absolute values, not lower ones): over s in [1/4, 3/4], m = 10, the true maximum is 1/2, at s = 3/4."""
    from flint import arb

    from proofs.claims.chizat_bach_2018.dynamics_energy import _a15_lip

    s = arb("0.5", "0.25")
    lip = _a15_lip(s, arb(10))
    assert lip >= arb("0.5")
    for v in ("0.25", "0.4", "0.6", "0.75"):  # every point of the ball is covered
        x = arb(v)
        assert lip >= (max(abs(12 * x - 4), 4 * abs(x - 1)) / 10)
