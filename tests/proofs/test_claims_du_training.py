"""Claims along simulated training (Du et al. 2018: B5, B7-B11, F12, F17; Du et al. 2019: C3, C5, C7, F13).

For each claim: the expected verdict on its instance (reduced sizes here, the registered defaults in the slow
test), an independent reference value, and a dropped assumption that the check reports (negative margin, or a
false variant that is no longer refuted)."""
import math

import numpy as np
import pytest

from proofs.registry import get_claim, run_check
from proofs.report import classify
from proofs.result import Verdict

D18 = "proofs.claims.du_2018.training"


def _run(cid, **over):
    c = get_claim(cid)
    inst = dict(c.instances[0], **over)
    r = run_check(c, inst)
    assert r.scope == "instance" and r.statement
    return c, r


def _holds(cid, **over):
    c, r = _run(cid, **over)
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and c.numerical
    assert r.margin > 0, r.message
    assert classify(c, r)[0]
    return r


def _flagged(cid, **over):
    """The dropped assumption is reported: numerical evidence against the claim (margin <= 0), unexpected."""
    c, r = _run(cid, **over)
    assert r.verdict is Verdict.INCONCLUSIVE and not r.margin > 0, (r.margin, r.message)
    assert not classify(c, r)[0]
    return r


# ------------------------------------------------------------------ B5
def test_b5_concentration_and_lemma_width():
    r = _holds("du2018-initial-gram-concentration", trials=10)
    assert r.stats["frequency"] >= 0.9 and abs(r.stats["fitted_slope"] + 0.5) < 0.15


def test_b5_reference_values():
    """lambda_0 of the float data against the certified ball Cholesky bound; H^infty against a Monte Carlo over
    w ~ N(0, I) with 4e5 draws (tolerance 6 / sqrt(N)); the Lemma 3.1 width by hand."""
    from numerics.certified.linalg import lambda_min_lower, lambda_min_upper, relu_gram_ball
    from proofs.claims.du_2018.training import data, lemma31_width

    X, _, H, lam0, _ = data({"n": 6, "d": 5, "seed": 0})
    B = relu_gram_ball(X.tolist())
    assert float(lambda_min_lower(B).lower) <= lam0 <= float(lambda_min_upper(B).mid()) + 1e-15
    w = np.random.default_rng(5).standard_normal((400_000, 5))
    S = (X @ w.T >= 0).astype(float)
    assert np.max(np.abs((X @ X.T) * (S @ S.T) / len(w) - H)) < 6 / math.sqrt(4e5)
    assert lemma31_width(6, lam0, 0.1) == math.ceil(32 * 36 * math.log(720) / lam0 ** 2)


def test_b5_far_below_the_lemma_width_the_event_fails():
    r = _flagged("du2018-initial-gram-concentration", m=20, trials=10)
    assert r.stats["frequency"] < 0.9


# ------------------------------------------------------------------ B7
def test_b7_stability_radius_and_adversary():
    from numerics.ntk.networks import patterns, two_layer_init
    from proofs.claims.du_2018.training import adversarial_move, data, stability_radius

    assert stability_radius(6, 0.5, 0.1) == pytest.approx(math.sqrt(2 * math.pi) / 16 * 0.1 * 0.5 / 36)
    X = data({"n": 6, "d": 5, "seed": 0})[0]
    W = two_layer_init(500, 5, 1)[0]
    Wp = adversarial_move(X, W, 0.3)
    assert np.allclose(np.linalg.norm(Wp - W, axis=1), 0.3)
    S, Sp = patterns(X, W), patterns(X, Wp)
    assert np.sum(S & ~Sp) > 0  # some patterns switched off...
    assert 2 * np.sum(~S & Sp) < np.sum(S & ~Sp)  # ...more than twice as many as switched on: flips add up
    _holds("du2018-gram-stability-radius", trials=10)


def test_b7_radius_far_above_R_breaks_the_bound():
    _flagged("du2018-gram-stability-radius", radius_factor=3000, trials=10)


# ------------------------------------------------------------------ B8, B9
def test_b8_lazy_movement():
    r = _holds("du2018-lazy-movement", widths=[500, 2000, 8000], time=5.0, gd_steps=50)
    assert max(r.stats["movement_over_bound"]) < 1


def test_b8_tiny_width_violates_the_lemma_hypothesis():
    r = _flagged("du2018-lazy-movement", widths=[4, 8, 16], time=5.0, gd_steps=20)
    assert "lambda_min(H(s)) >= lambda_0/2 failed" in r.message


def test_b9_rate_and_reference():
    """The flow's rate against the linearised flow e^{-H^infty t} (reference: the decay of the linear ODE is at
    least 2 lambda_0, twice the proved rate)."""
    from numerics.ntk.training import linearised_residual
    from proofs.claims.du_2018.training import data

    from numerics.ntk.networks import two_layer_init
    from numerics.ntk.training import train_two_layer

    r = _holds("du2018-linear-rate", time=5.0, gd_steps=100)
    assert not r.stats["gd_diverged"] and r.stats["min_lambda_H_flow"] >= r.stats["lambda_0"] / 2
    X, y, H, lam0, _ = data({"n": 6, "d": 5, "seed": 0})
    # the GD gap recomputed from an independent run of the same initialisation
    W, a = two_layer_init(4000, 5, (0, 7, 4000))
    eta = lam0 / 36
    res = train_two_layer(X, y, W, a, eta=eta, steps=100, record_gram=False).residual
    k = np.arange(1, 101)
    gap = np.log(res[0]) + k * np.log(1 - eta * lam0 / 2) - np.log(res[1:])
    assert r.stats["min_log_gap_gd"] == pytest.approx(float(np.min(gap)), rel=1e-9)
    lin = linearised_residual(H, y, [5.0])[0]
    assert np.sum(lin ** 2) <= math.exp(-2 * lam0 * 5.0) * np.sum(y ** 2) * (1 + 1e-12)


def test_b9_step_above_2_over_lambda_max_fails_the_rate():
    r = _flagged("du2018-linear-rate", eta=3.0, time=1.0, gd_steps=50)
    assert r.stats["eta"] > r.stats["2/lambda_max"]


# ------------------------------------------------------------------ B10
def test_b10_pattern_changes_decrease():
    r = _holds("du2018-pattern-changes-decrease-with-width", widths=[100, 1000, 10000], seeds=2, steps=50)
    assert r.stats["fitted_slope"] < -0.25


def test_b10_mean_field_scaling_does_not_decrease():
    """Dropping the NTK scaling (1/m output, step eta m: width-independent mean-field dynamics): no decrease."""
    _flagged("du2018-pattern-changes-decrease-with-width", scaling="mean-field", widths=[100, 1000, 10000],
             seeds=2, steps=50)


# ------------------------------------------------------------------ B11
def test_b11_joint_gram():
    r = _holds("du2018-joint-training-gram", steps=100)
    assert r.stats["min_lambda_G"] > 0 and r.stats["max_identity_rel_error"] < 0.01


def test_b11_reference_G_is_arc_cosine_kernel():
    from numerics.ntk.networks import relu_g_infinity, two_layer_init, two_layer_output_gram
    from proofs.claims.du_2018.training import data

    X = data({"n": 6, "d": 5, "seed": 0})[0]
    G = two_layer_output_gram(X, two_layer_init(200_000, 5, 3)[0])
    assert np.max(np.abs(G - relu_g_infinity(X))) < 6 / math.sqrt(2e5)


def test_b11_dropping_G_breaks_the_prediction_identity():
    r = _flagged("du2018-joint-training-gram", omit_G=True, steps=100)
    assert r.stats["max_identity_rel_error"] > 0.1


# ------------------------------------------------------------------ F12
def test_f12_refuted_and_witness_replays_in_floats():
    c, r = _run("du2018-any-constant-step-converges")
    assert r.verdict is Verdict.REFUTED and classify(c, r)[0]
    assert float(r.stats["certified_upper_lambda_min(I - eta H(0))"]) < -1 and r.stats["linearised_iteration_expansive"]
    fl = r.stats["float_residuals"]
    k = r.stats["witness_step"]
    assert fl[k] / fl[0] == pytest.approx(r.stats["mp_residual_growth"], rel=1e-9)
    # independent: the float run against the float rate with the float lambda_0
    lam0 = r.stats["lambda_0/n^2"] * 16
    assert fl[k] > (1 - r.stats["eta"] * lam0 / 2) ** k * fl[0]
    assert r.stats["mp_residual_over_bound"]["dps=60"] == pytest.approx(
        fl[k] / ((1 - r.stats["eta"] * r.stats["certified_lambda_0_lower"] / 2) ** k * fl[0]), rel=1e-6)


def test_f12_with_a_safe_step_is_not_refuted():
    c, r = _run("du2018-any-constant-step-converges", eta_factor=0.5)
    assert r.verdict is Verdict.INCONCLUSIVE


# ------------------------------------------------------------------ F17
def test_f17_refuted_and_reference():
    """The certified ||e^{-tH} r||^2 against the eigen formula sum_i c_i^2 e^{-2 lambda_i t} in floats."""
    from proofs.claims.du_2018.training import data

    c, r = _run("du2018-only-least-eigenvalue-matters")
    assert r.verdict is Verdict.REFUTED and classify(c, r)[0]
    H = data({"n": 6, "d": 5, "seed": 0})[2]
    lam, V = np.linalg.eigh(H)
    v = V[:, -1]
    ref = np.sum((V.T @ v) ** 2 * np.exp(-2 * lam * 3.0))
    assert float(r.stats["lhs"]) == pytest.approx(ref, rel=1e-8)
    assert r.stats["finite_width_rate"] > 2 * r.stats["lambda_0"]


def test_f17_bottom_eigenvector_is_not_a_witness():
    _, r = _run("du2018-only-least-eigenvalue-matters", direction="bottom")
    assert r.verdict is Verdict.INCONCLUSIVE


# ------------------------------------------------------------------ C3
@pytest.mark.parametrize("arch", ["fc", "resnet"])
def test_c3_recursion_vs_finite_width(arch):
    c = get_claim("du2019-gram-recursion-matches-finite-width")
    inst = next(i for i in c.instances if i["arch"] == arch)
    r = run_check(c, dict(inst, widths=[100, 400, 1600], nets=2))
    assert r.numerical and r.margin > 0 and classify(c, r)[0], r.message


def test_c3_at_tiny_width_the_error_is_out_of_tolerance():
    _flagged("du2019-gram-recursion-matches-finite-width", widths=[3, 6, 12], nets=2)


def test_c3_the_error_tolerance_is_enforced():
    r = _flagged("du2019-gram-recursion-matches-finite-width", tol=0.02, nets=2)
    assert r.stats["relative_error"][-1] > 0.02


def test_c3_reference_depth_one_relu_is_twice_h_infinity():
    """Independent value: for H = 1 and ReLU the finite-width G^(1) tends to 2 H^infty (closed form)."""
    from numerics.ntk.networks import deep_init, layer_grams, relu_h_infinity
    from proofs.claims.du_2019.training import data

    X, _ = data({"n": 4, "d": 3, "seed": 0})
    G = layer_grams(deep_init(3, 100_000, 1, 0, activation="relu"), X)[0]
    assert np.max(np.abs(G - 2 * relu_h_infinity(X))) < 0.03


# ------------------------------------------------------------------ C5
def test_c5_resnet_depth_scaling():
    r = _holds("du2019-resnet-gram-depth-scaling", depths=[2, 4, 8, 16])
    fc = r.stats["fc_lambda_min (H <= 16)"]
    assert fc[-1] < 1e-3 * fc[0]  # the FC Gram degrades, the ResNet's scaled one does not


def test_c5_fully_connected_is_not_bounded():
    _flagged("du2019-resnet-gram-depth-scaling", arch="fc", depths=[2, 4, 8])


# ------------------------------------------------------------------ C7
@pytest.mark.parametrize("arch", ["fc", "resnet"])
def test_c7_deep_gd_rate(arch):
    c = get_claim("du2019-deep-gd-linear-rate")
    inst = next(i for i in c.instances if i["arch"] == arch)
    r = run_check(c, dict(inst, m=200, steps=20))
    assert r.numerical and r.margin > 0 and classify(c, r)[0], r.message
    bound = 1 - r.stats["eta"] * r.stats["lambda_min_K_H"] / 2
    assert r.margin == pytest.approx(bound - r.stats["max_loss_ratio"], rel=1e-9)


def test_c7_large_step_breaks_the_rate():
    _flagged("du2019-deep-gd-linear-rate", eta_factor=4.0, m=200, steps=20)


# ------------------------------------------------------------------ F13
def test_f13_refuted_and_float_reference():
    from numerics.ntk.networks import deep_init
    from proofs.claims.du_2019.training import _op_norm_upper

    c, r = _run("du2019-resnet-amplification-bounded-without-1-over-H", m=32, depth=40)
    assert r.verdict is Verdict.REFUTED and classify(c, r)[0]
    assert float(r.stats["amplification"]) == pytest.approx(r.stats["float_amplification_by_depth"][-1], rel=1e-6)
    net = deep_init(3, 32, 40, (0, 13), arch="resnet", activation="softplus", res_scale=0.5)
    ref = math.exp(0.5 * max(np.linalg.norm(w, 2) for w in net.Ws[1:]) / math.sqrt(32))
    assert ref <= float(r.stats["bound_upper"]) <= 1.1 * ref
    W = deep_init(3, 32, 2, 0).Ws[1]
    up = float(_op_norm_upper(W).mid())
    assert np.linalg.norm(W, 2) <= up <= 1.1 * np.linalg.norm(W, 2)


def test_f13_with_the_1_over_H_factor_is_not_refuted():
    _, r = _run("du2019-resnet-amplification-bounded-without-1-over-H", m=32, depth=40, with_1_over_H=True)
    assert r.verdict is Verdict.INCONCLUSIVE and r.margin > 0


# ------------------------------------------------------------------ registered defaults
@pytest.mark.slow
@pytest.mark.parametrize("cid", ["du2018-initial-gram-concentration", "du2018-gram-stability-radius",
                                 "du2018-lazy-movement", "du2018-linear-rate",
                                 "du2018-pattern-changes-decrease-with-width", "du2018-joint-training-gram",
                                 "du2018-any-constant-step-converges", "du2018-only-least-eigenvalue-matters",
                                 "du2019-gram-recursion-matches-finite-width", "du2019-resnet-gram-depth-scaling",
                                 "du2019-deep-gd-linear-rate",
                                 "du2019-resnet-amplification-bounded-without-1-over-H"])
def test_default_instances_give_the_expected_verdict(cid):
    c = get_claim(cid)
    for inst in c.instances:
        r = run_check(c, inst)
        assert classify(c, r)[0], (inst["name"], r.verdict, r.margin, r.message)


def test_f12_needs_the_two_precisions_to_agree(monkeypatch):
    """If the mpmath GD residuals at dps and 2 dps disagree, the witness is not confirmed: never refuted."""
    import proofs.claims.du_2018.training as t18

    real = t18._mp_gd_residuals

    def skewed(X, y, W, a, eta, steps, dps):
        r = real(X, y, W, a, eta, steps, dps)
        return r if dps > 30 else [r[0]] + [2 * v for v in r[1:]]

    monkeypatch.setattr(t18, "_mp_gd_residuals", skewed)
    _, r = _run("du2018-any-constant-step-converges")
    assert r.verdict is not Verdict.REFUTED


def test_f17_overlapping_balls_are_not_a_refutation(monkeypatch):
    """A wide (but valid) upper bound of lambda_0 makes the two sides' balls overlap: inconclusive."""
    from flint import arb

    import numerics.certified.linalg as la

    real = la.lambda_min_upper
    monkeypatch.setattr(la, "lambda_min_upper", lambda K, v=None: arb(real(K, v).mid(), 5))
    _, r = _run("du2018-only-least-eigenvalue-matters")
    assert r.verdict is Verdict.INCONCLUSIVE


def test_f13_overlapping_balls_are_not_a_refutation(monkeypatch):
    """An amplification ball that reaches below the bound (radius = its midpoint): inconclusive."""
    from flint import arb

    import proofs.claims.du_2019.training as t19

    real = t19._ball_amplification

    def wide(*a, **k):
        dH, d1 = real(*a, **k)
        return arb(dH.mid(), dH.mid()), d1

    monkeypatch.setattr(t19, "_ball_amplification", wide)
    _, r = _run("du2019-resnet-amplification-bounded-without-1-over-H")
    assert r.verdict is Verdict.INCONCLUSIVE
