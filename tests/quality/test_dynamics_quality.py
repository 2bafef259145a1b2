"""Quality tier for the dynamics claims: dropping an assumption gets each one refuted, with a witness
confirmed rigorously (balls, exact sympy) or at higher precision (mpmath)."""
import pytest

from proofs import Verdict
from proofs.registry import all_claims, run_check

DROPPED = [
    ("euler-step-decreases-energy", {"name": "A15 tau=0.26 above 1/4", "model": "a15", "m": 10, "u0": "0.99",
                                     "tau": "0.26", "steps": 20, "drop": "step-size"}),
    ("euler-step-decreases-energy", {"name": "sigmoid net, tau=40", "model": "sigmoid", "m": 20, "n": 16, "d": 2,
                                     "k": 1, "tau": "40", "steps": 50, "drop": "step-size"}),
    ("euler-decreases-energy-at-any-step", {"name": "A15 default", "model": "a15", "m": 10, "u0": "0.99",
                                            "tau": "0.26", "steps": 20}),
    ("relu-balancedness-invariant", {"name": "softplus is not 1-homogeneous", "k": 1, "d": 1, "lambda": "0",
                                     "activation": "softplus"}),
    ("integrator-order", {"name": "Heun tableau off its order conditions (b = 3/4, 1/4), linear test equation",
                          "method": "heun", "order": 2, "problem": "linear", "lambda": "-1", "T": "1",
                          "tableau": {"a": [[], ["1"]], "b": ["3/4", "1/4"]}}),
    ("mean-field-limit-loss-curves", {"name": "unbounded horizon (A15)", "model": "a15", "horizon": "infinite"}),
    ("feature-derivative-linear-growth", {"name": "square activation (unbounded)", "activation": "square", "k": 1,
                                          "d": 2, "n": 4, "seed": 0}),
    ("full-support-kept", {"name": "A15 flow empties a thin ball (m mu_0(B) = 0.64) after t = 0", "model": "a15",
                           "m": 30, "T": "1", "scale": 0.3, "seed": 0, "centers": [["0.2"]], "radius": "0.01"}),
    ("subgaussian-tails-propagate", {"name": "superlinear velocity u' = u^2", "velocity": "u**2", "C": "2"}),
    # a regulariser V = 0.3 |w| above the certified S: no particle escapes, certified from the ball enclosure
    ("escaping-set-weight-growth", {"name": "V = 0.3 |w| above S", "l1": "0.3"}),
]


@pytest.mark.parametrize("cid, inst", DROPPED, ids=[f"{c}:{i['name']}" for c, i in DROPPED])
def test_dynamics_claim_refutes_without_assumption(cid, inst):
    r = run_check(all_claims()[cid], inst)
    assert r.verdict is Verdict.REFUTED, r.message
    assert r.witness, "a refutation must carry a replayable witness"
    assert not r.numerical
    assert any(s in r.precision for s in ("arb", "exact", "mpmath"))


def test_full_support_refutation_comes_from_the_flow():
    """The dropped-assumption witness is not an empty ball at t = 0: the ball holds a particle at t = 0 and the
    exact flow (closed form, checked by sympy) empties it at a time t* in (0, T]."""
    import sympy as sp

    cid, inst = next((c, i) for c, i in DROPPED if c == "full-support-kept")
    r = run_check(all_claims()[cid], inst)
    assert r.verdict is Verdict.REFUTED and r.stats["flow_residual"] == "0"
    w = r.witness
    assert w["count at t = 0"] >= 1 and w["count at t*"] == 0
    t_star = sp.sympify(w["t*"])
    assert 0 < float(t_star) <= 1
    # replay exactly: u_j(t*) = lam* u_j(0) with lam(t*) = lam*, and no particle in the ball
    from fractions import Fraction

    import numpy as np

    from proofs.claims.petit_poon_peyre_2026.dynamics_support import a15_scaling_flow

    rng = np.random.default_rng(0)
    u0 = [Fraction(round(float(v) * 10 ** 4), 10 ** 4) for v in rng.standard_normal(30) * 0.3]
    s0 = sum(v * v for v in u0) / 30
    t, s0s, lam, _, _ = a15_scaling_flow()
    lam_star = sp.Rational(w["lam*"])
    assert sp.simplify(lam.subs({s0s: sp.Rational(s0.numerator, s0.denominator), t: t_star}) - lam_star) == 0
    lo, hi = Fraction(19, 100), Fraction(21, 100)
    assert sum(lo < v < hi for v in u0) >= 1
    assert not any(lo < Fraction(str(lam_star)) * v < hi for v in u0)


def test_full_support_a15_cover_is_proved_and_sigmoid_tail_ball_still_refuted():
    c = all_claims()["full-support-kept"]
    r = run_check(c, c.instances[1])
    assert r.verdict is Verdict.PROVED and r.scope == "instance" and not r.numerical
    r = run_check(c, {"name": "ball far in the tail", "m": 4000, "T": 1.0, "centers": [[6, 0, 0, 0]], "radius": 0.5})
    assert r.verdict is Verdict.REFUTED and r.scope == "instance"


def test_subgaussian_check_uses_the_velocity_it_is_given():
    """The dropped-assumption refutation is computed from the parsed velocity: superlinear velocities are refuted
    with their own hitting times, linear ones within C are not (the old check refuted any 'velocity')."""
    c = all_claims()["subgaussian-tails-propagate"]
    r = run_check(c, {"name": "u^2", "velocity": "u**2", "C": "2"})
    assert r.verdict is Verdict.REFUTED and r.witness["velocity"] == "u**2"
    import sympy as sp

    U, tU = sp.Rational(r.witness["level U"]), sp.sympify(r.witness["hitting time t_U = int_u0^U dv/f(v)"])
    assert sp.simplify(tU - (1 - 1 / U)) == 0  # u(t) = 1/(1-t) reaches U at t = 1 - 1/U
    assert float(1 + U - 2 * sp.exp(2 * tU)) > 0
    r = run_check(c, {"name": "u^3", "velocity": "u**3", "C": "5"})
    assert r.verdict is Verdict.REFUTED and r.witness["velocity"] == "u**3"
    r = run_check(c, {"name": "e^u from 0", "velocity": "exp(u)", "u0": "0", "C": "3"})
    assert r.verdict is Verdict.REFUTED
    for vel, C in (("2*u", "2"), ("u/2", "1"), ("tanh(u)", "1")):
        r = run_check(c, {"name": vel, "velocity": vel, "C": C})
        assert r.verdict is Verdict.INCONCLUSIVE, (vel, r.message)
    r = run_check(c, {"name": "2u with C = 1", "velocity": "2*u", "C": "1"})
    assert r.verdict is Verdict.REFUTED  # |u'| <= C(1+|u|) fails for C = 1: the bound with C = 1 breaks


def test_integrator_order_is_never_refuted_by_a_slope_fit():
    """RK4 on the kinked ReLU field fits an order ~1.6 < 4 - 0.3 (confirmed in mpmath): evidence against the order,
    but a fitted slope is no certified error bound, so the verdict is inconclusive (numerical)."""
    c = all_claims()["integrator-order"]
    r = run_check(c, {"name": "RK4 on the kinked ReLU field", "method": "rk4", "order": 4, "activation": "relu",
                      "seed": 0, "T": "1"})
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical
    assert r.stats["slope_mpmath"] < 3.7 and r.margin < 0
    r = run_check(c, {"name": "Euler claimed of order 2", "method": "euler", "order": 2, "seed": 0})
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical


def test_integrator_order_linear_test_equation_is_exact():
    c = all_claims()["integrator-order"]
    for method, p in (("euler", 1), ("heun", 2), ("rk4", 4)):
        r = run_check(c, {"name": method, "method": method, "order": p, "problem": "linear", "lambda": "-2",
                          "T": "1/2"})
        assert r.verdict is Verdict.PROVED and r.scope == "instance", r.message
        r = run_check(c, {"name": method, "method": method, "order": p + 1, "problem": "linear", "lambda": "-2",
                          "T": "1/2"})
        assert r.verdict is Verdict.REFUTED, r.message


def test_a3_lipschitz_bound_is_taken_over_the_whole_segment():
    """A15, m = 10, s_0 = 0.5, tau = 0.45: m tau Lip is 0.9 at the start of step 0 but 7.9 at its end, and F_m
    increases on that step. The theorem's hypothesis fails on the segment, so the step is no counterexample: a
    Lipschitz bound taken at the segment start only would turn this true theorem into 'refuted'."""
    c = all_claims()["euler-step-decreases-energy"]
    r = run_check(c, {"name": "overshoot", "model": "a15", "m": 10, "u0": "0.7071", "tau": "0.45", "steps": 3})
    assert r.verdict is Verdict.INCONCLUSIVE, r.message
    assert "not < 2" in r.message
    # the same step without the step-size condition is a certified refutation (the false variant)
    f = all_claims()["euler-decreases-energy-at-any-step"]
    r = run_check(f, {"name": "overshoot", "model": "a15", "m": 10, "u0": "0.7071", "tau": "0.45", "steps": 3})
    assert r.verdict is Verdict.REFUTED and r.witness["step"] == 0


def test_a14_limit_flow_is_computed(monkeypatch):
    """The limit flow from delta_0 is computed from R and Phi: with a velocity field that does not vanish at 0
    (a planted change of the model), the stationary limit flow is not derived and nothing is proved."""
    import sympy as sp

    from proofs.claims.chizat_bach_2018 import dynamics_mean_field_limit as mfl

    c = all_claims()["mean-field-limit-loss-curves"]
    r = run_check(c, c.instances[0])
    assert r.verdict is Verdict.PROVED and r.scope == "instance"
    assert r.stats["limit_flow"] == {"v_delta0(0)": "0", "ode_residual_of_u=0": "0", "F(mu_t)": "1"}
    orig = mfl.a15_velocity

    def shifted():
        u, R, Phi, x, s, v = orig()
        return u, R, Phi, x, s, v + sp.Rational(1, 10)

    monkeypatch.setattr(mfl, "a15_velocity", shifted)
    r = run_check(c, c.instances[0])
    assert r.verdict is not Verdict.PROVED


def test_false_variant_is_registered_as_failing():
    c = all_claims()["euler-decreases-energy-at-any-step"]
    assert c.expected == "fails"
    assert all(run_check(c, i).verdict is Verdict.REFUTED for i in c.instances)
