"""Instability simulations (proofs.experiments.instability) and the claims built on them (§8 A5, A8, A9, G5)."""
import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from proofs.errors import InvalidArgument
from proofs.experiments import instability as I
from proofs.registry import get_claim, run_check
from proofs.result import Verdict

ESCSET = [sys.executable, "-c", "from proofs.cli import main; main()"]


@pytest.fixture(scope="module")
def designed():
    return I.designed_stationary()


@pytest.fixture(scope="module")
def diag(designed):
    return I.best_direction(designed)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ------------------------------------------------------------------------------------------ instance and diagnostics
def test_designed_instance_is_exactly_stationary_and_certified_non_global_at_infinity(designed, diag):
    # the done-means of the issue: an exactly stationary non-global measure whose best escaping direction is at
    # infinity, and the diagnostics say so with certificates
    assert designed.exact and designed.problem is not None
    assert diag["stationary"] is True and float(diag["stationarity_residual"]) < 1e-25
    assert diag["verdict"] == "refuted" and diag["attained"] == "infinity" and diag["location_certified"]
    lo, hi = (Fraction(v) for v in diag["sup_psi_enclosure"])
    assert 0 < lo <= hi < lo + Fraction(1, 10 ** 20)


def test_designed_residual_is_orthogonal_to_one_and_x_exactly(designed):
    # reference computed another way: particles at u = 0 are stationary iff sum r_i = 0 and sum r_i x_i = 0
    P = designed.problem
    m = len(P.mu.u)
    f = sum(Fraction(1, m) * Fraction(aj[0][0]) / 2 for aj in P.mu.a)
    r = [f - Fraction(y[0]) for y in P.data.Y]
    assert sum(r) == 0
    for c in range(designed.d):
        assert sum(ri * Fraction(x[c]) for ri, x in zip(r, P.data.X)) == 0
    assert any(ri != 0 for ri in r)


def test_psi_points_matches_the_direct_formula(designed):
    rng = np.random.default_rng(3)
    U = rng.standard_normal((7, designed.d + 1)) * 3
    r = designed.residual()
    Xt = np.hstack([designed.X, np.ones((len(designed.X), 1))])
    ref = (_sigmoid(U @ Xt.T) @ r) / len(r)  # (1/n) sum_i r_i s(u . x~_i)
    assert np.allclose(I.psi_points(designed, U), ref, rtol=0, atol=1e-14)


def test_max_margin_direction_cuts_the_threshold_set(designed, diag):
    v = np.asarray(diag["direction"])
    Xt = np.hstack([designed.X, np.ones((len(designed.X), 1))])
    z = Xt @ v
    H = set(diag["threshold_set"])
    assert all((z[i] > 0) == (i in H) for i in range(len(z)))
    assert np.min(np.abs(z)) == pytest.approx(diag["margin"], rel=1e-6)
    # far along the ray, Psi tends to the certified limit (the half-space sum)
    assert I.psi_points(designed, 60 / diag["margin"] * v)[0, 0] == pytest.approx(diag["psi_inf"][0], abs=1e-12)


def test_threshold_search_never_exceeds_the_certified_supremum(designed, diag):
    val, *_ = I._threshold_search(designed.X, designed.residual(), samples=2000, seed=1)
    assert val <= float(diag["sup_psi_enclosure"][1]) + 1e-12
    assert val >= 0.9 * float(diag["sup_psi_enclosure"][0])


# ------------------------------------------------------------------------------------------ escape runs
def test_frozen_escape_follows_the_escape_inequality(designed, diag):
    u0 = 0.5 / diag["margin"] * np.asarray(diag["direction"])
    run = I.escape_run(designed, u0, frozen=True, T=200.0, dt=0.05)
    # r' = -h at t = 0, h non-increasing, |a| grows at least at the initial rate, |u| drifts outwards
    assert run["measured_rate"] == pytest.approx(run["predicted_rate"], rel=1e-3)
    assert np.all(np.diff(run["h"]) <= 1e-9)
    assert run["min_rate_bound_holds"]
    assert run["u_norm"][-1] > 1.5 * run["u_norm"][0]
    assert run["a_norm"][-1] > 5.0
    # h moves towards -S (the infimum, approached at infinity)
    assert run["h"][-1] < 2 * run["h"][0] and run["h"][-1] > -float(diag["sup_psi_enclosure"][1])


def test_escape_near_infinity_grows_at_nearly_S_and_feedback_lowers_the_loss(designed, diag):
    exp = I.escape_experiment(designed, T=40.0)
    S = diag["sup_psi"]
    near = exp["runs"]["near infinity, frozen"]
    compact = exp["runs"]["compact part, frozen"]
    assert near["predicted_rate"] > 0.85 * S and near["predicted_rate"] < S
    assert compact["predicted_rate"] < near["predicted_rate"]
    fb = exp["runs"]["near infinity, feedback"]
    assert fb["loss_decrease"] > 1e-3 and near["loss_decrease"] < 1e-9  # frozen probe: the loss does not move


def test_escape_figure_is_written(designed, tmp_path):
    exp = I.escape_experiment(designed, T=4.0, dt=0.1)
    out = I.plot_escape(exp, str(tmp_path / "escape.png"))
    with open(out, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_regulariser_above_S_stops_the_escape():
    # dropped assumption: with V = lambda |a|, lambda > S, r' = -h - lambda < 0: the weight decays to 0 (the zero
    # configuration: its own particles sit at a = 0, where the soft threshold keeps them, |Psi(0)| <= lambda)
    z = I.zero_configuration()
    dg = I.best_direction(z, samples=1000)
    u0 = 3 / dg["margin"] * np.asarray(dg["direction"])
    lam = 1.5 * dg["sup_psi"]
    run = I.escape_run(z, u0, frozen=True, T=5.0, dt=0.05, l1=lam)
    assert run["a_norm"][-1] < run["a_norm"][0]
    assert run["max_u_mu"][-1] == 0.0  # the measure's particles did not move
    ok = I.escape_run(z, u0, frozen=True, T=5.0, dt=0.05, l1=0.0)
    assert ok["a_norm"][-1] > ok["a_norm"][0] + 0.5 * ok["predicted_rate"] * 5.0


def test_escape_run_rejects_bad_input(designed):
    with pytest.raises(InvalidArgument):
        I.escape_run(designed, np.zeros(2))
    with pytest.raises(InvalidArgument):
        I.escape_run(designed, np.ones(3), dt=-1.0)
    with pytest.raises(InvalidArgument):
        I.escape_run(designed, np.zeros(3))  # Psi(0) = 0 exactly: not in an escaping set


def test_zero_configuration_stays_put_without_perturbation():
    z = I.zero_configuration()
    run = I.perturbation_run(z, sigma=0.0, steps=500)
    assert abs(run["final_loss"] - run["initial_loss"]) < 1e-14
    assert run["final_max_abs_a"] < 1e-15
    assert I._stationarity(z) < 1e-15


# ------------------------------------------------------------------------------------------ E8 and boundary probes
def test_negative_weights_leave_K_only_when_large(designed):
    e8 = I.e8_experiment(designed, probes=6, w0s=(-0.01, -10.0))
    assert e8["results"]["-0.01"]["exited"] == 0
    assert e8["results"]["-10.0"]["exited"] >= 1


def test_boundary_probes_enter_K_and_weights_grow(designed):
    b = I.boundary_experiment(designed, probes=6)
    assert b["entered_K"] and b["wdot_bound_held"]
    # reference: in the frozen limit w' = -g(theta) >= eta on K, so the minimum is at least eta/2 with room
    assert min(b["min_wdot_in_K"].values()) > 0.9 * b["eta"]


def test_weight_velocity_is_measured_only_inside_K(designed):
    # large negative weights push theta out of K (ascent of g); outside K, w' = -g < eta: the minimum over the
    # probes while in K stays >= eta (frozen limit w' = -g >= eta on K, up to the probes' small mass)
    b = I.boundary_experiment(designed, probes=6, w0=10.0, T=20.0)
    assert min(b["min_wdot_in_K"].values()) >= 0.99 * b["eta"]


def test_experiments_reject_bad_levels(designed):
    with pytest.raises(InvalidArgument):
        I.e8_experiment(designed, eta=10.0)
    with pytest.raises(InvalidArgument):
        I.boundary_experiment(I.designed_stationary(k=2), probes=2)


# ------------------------------------------------------------------------------------------ claims
def _run(cid, inst):
    c = get_claim(cid)
    return run_check(c, dict({"name": "test"}, **inst))


def test_claims_are_registered_numerical_with_labels():
    for cid, label in (("stationary-first-variation-vanishes-on-support", "§8 A5"),
                       ("zero-configuration-unstable-under-perturbation", "§8 A8"),
                       ("escaping-set-boundary-enters", "§8 A9 (iii)"), ("escaping-set-weight-growth", "§8 A9 (iv)"),
                       ("vector-output-escape-rate", "§8 G5")):
        c = get_claim(cid)
        assert c.numerical and c.label == label and c.expected == "holds" and "MATH" not in c.label


def test_a5_default_holds_and_weight_decay_on_sigmoid_breaks_it():
    ok = _run("stationary-first-variation-vanishes-on-support", {"model": "sigmoid", "seed": 1})
    assert ok.verdict is Verdict.INCONCLUSIVE and ok.numerical and ok.margin > 0 and ok.scope == "instance"
    assert ok.stats["stationarity_residual"] < 1e-10
    bad = _run("stationary-first-variation-vanishes-on-support", {"model": "sigmoid", "weight_decay": 0.05})
    assert bad.margin < 0
    # reference for the failure: at a weight-decay stationary point F' = lambda/2 (|theta|^2 - |w|^2)
    w = np.asarray(bad.stats["particles"]["w"])
    th = np.asarray(bad.stats["particles"]["theta"])
    assert bad.stats["max_abs_first_variation_on_support"] == pytest.approx(
        np.max(np.abs(0.025 * (np.sum(th ** 2, 1) - w ** 2))), rel=1e-6)


def test_a5_relu_lift_with_two_homogeneous_weight_decay_holds():
    r = _run("stationary-first-variation-vanishes-on-support", {"model": "relu-lift", "weight_decay": 0.05})
    assert r.margin > 0


def test_a8_small_run_and_dropped_perturbation():
    bad = _run("zero-configuration-unstable-under-perturbation", {"sigma": 0.0, "steps": 300})
    assert bad.margin < 0 and "stays" in bad.message
    ok = _run("zero-configuration-unstable-under-perturbation", {"sigma": 1e-2, "steps": 8000, "dt": 0.25})
    assert ok.margin > 0 and ok.stats["final_loss"] < 0.01 < ok.stats["initial_loss"]


def test_a9_iii_holds_for_positive_weights_and_fails_for_negative():
    ok = _run("escaping-set-boundary-enters", {})
    assert ok.margin > 0
    bad = _run("escaping-set-boundary-enters", {"w0": -1.0, "T": 20.0})
    assert bad.margin < 0


def test_a9_iv_holds_and_a_regulariser_above_S_is_refuted_with_a_certificate():
    ok = _run("escaping-set-weight-growth", {})
    assert ok.margin > 0
    bad = _run("escaping-set-weight-growth", {"l1": "0.3"})
    assert bad.verdict is Verdict.REFUTED and not bad.numerical
    assert Fraction(bad.witness["S_upper"]) < Fraction(bad.witness["lambda"])
    below = _run("escaping-set-weight-growth", {"l1": "0.01"})  # lambda < eta/2: growth still holds
    assert below.verdict is Verdict.INCONCLUSIVE and below.margin > 0
    between = _run("escaping-set-weight-growth", {"l1": "0.1"})  # S/2 < lambda < S: not certified, not refuted
    assert between.verdict is Verdict.INCONCLUSIVE


def test_g5_rate_matches_G_and_aligned_orientation_shrinks():
    ok = _run("vector-output-escape-rate", {"k": 2})
    assert ok.margin > 0 and ok.stats["verdict_optimality"] == "refuted"
    assert ok.stats["measured_rate"] == pytest.approx(ok.stats["abs_G"], rel=0.01)
    bad = _run("vector-output-escape-rate", {"k": 2, "orientation": "aligned"})
    assert bad.margin < 0 and bad.stats["measured_rate"] < 0


# ------------------------------------------------------------------------------------------ CLI
def _cli(*args):
    return subprocess.run(ESCSET + list(args), capture_output=True, text=True, timeout=300)


def test_cli_escape_json():
    p = _cli("experiment", "escape", "--T", "10", "--json")
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["diagnostics"]["attained"] == "infinity"
    assert set(obj["runs"]) == {"near infinity, frozen", "near infinity, feedback", "compact part, frozen",
                                "compact part, feedback"}
    assert "negative_weights" in obj and "boundary" in obj


@pytest.mark.parametrize("args", [("--instance", "nope"), ("--instance", "zero", "--k", "2")])
def test_cli_escape_bad_input_exits_2(args):
    p = _cli("experiment", "escape", *args)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


# ------------------------------------------------------------------------------------ referee findings (a1 audit)
def test_a9_iv_refutation_certifies_that_K_is_non_empty(designed):
    bad = _run("escaping-set-weight-growth", {"l1": "1e3"})
    assert bad.verdict is Verdict.REFUTED
    K = bad.witness["K_nonempty"]
    lo, hi = (Fraction(v) for v in bad.witness.get("S_enclosure", I.best_direction(designed)["sup_psi_enclosure"]))
    psi_H = Fraction(K["abs_psi_H"])
    assert lo - Fraction(1, 10 ** 20) <= psi_H <= hi + Fraction(1, 10 ** 20)  # |psi_H| is S itself
    assert psi_H > Fraction(K["eta"])
    # independent: Psi far along the ray (float engine) tends to +-psi_H, the opposite ray to the other sign
    wb = np.asarray([float(Fraction(v)) for v in K["ray"]["w"]] + [float(Fraction(K["ray"]["b"]))])
    far = I.psi_points(designed, np.vstack([1e3 * wb, -1e3 * wb]))[:, 0]
    assert sorted(far) == pytest.approx([-float(psi_H), float(psi_H)], abs=1e-9)


def test_g5_is_about_vector_outputs_only_and_files_under_the_canonical_paper():
    for k in (1, 0, "2.5"):
        with pytest.raises(InvalidArgument):
            _run("vector-output-escape-rate", {"k": k})
    for key, v in (("eps", "nan"), ("mass", -1), ("window", "abc")):
        with pytest.raises(InvalidArgument):
            _run("vector-output-escape-rate", {"k": 2, key: v})
    c = get_claim("vector-output-escape-rate")
    assert c.paper == "Petit-Poon-Peyre 2026" and "[I]" in c.source and "catalog" not in (c.source + c.description)


def test_a_diverging_escape_run_is_an_error_not_data(designed):
    with pytest.raises(InvalidArgument, match="diverged"):
        I.escape_experiment(designed, T=1e101, dt=1e100)
    run = {"loss": [1.0, float("inf")], "a_norm": [1.0, 1.0], "u_norm": [1.0, 1.0], "t": [0.0, 1.0], "dt": 1.0}
    with pytest.raises(InvalidArgument, match="diverged"):
        I.check_finite_run(run, "x")
    I.check_finite_run({**run, "loss": [1.0, 0.5]}, "x")  # finite: no error


def test_cli_escape_bad_plot_extension_exits_2_before_running(tmp_path):
    target = tmp_path / "x.txt"
    p = _cli("experiment", "escape", "--T", "1", "--plot", str(target))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert ".png" in p.stderr and not target.exists()
