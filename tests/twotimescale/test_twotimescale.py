"""The two-timescale regime (Marion & Berthier 2023): float model vs exact rationals, the sharp-step limit, the flows,
the claims D2-D7 / F15 / F16 (reference values computed another way, dropped assumptions) and the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from numerics.twotimescale import (EMB1_TARGET, Target, floor, joint_flow, limit_flow, loss_and_grads, reduced_loss,
                                   sgd, sharp_flow, sharp_grad, sharp_loss, sigma, step_init, summarize_run)
from numerics.twotimescale.additive import additive_run
from proofs.registry import get_claim
from proofs.result import Verdict
from proofs.twotimescale import (ExactTarget, exact_floor, exact_grad_u, exact_loss, exact_min_loss,
                                 exact_sharp_grad, exact_sharp_loss)

T2 = Target((0.35, 0.78), (0.1, 0.95, 0.65))
E2 = ExactTarget(("0.35", "0.78"), ("0.1", "0.95", "0.65"))
U6 = [0.1, 0.3, 0.42, 0.6, 0.74, 0.9]


def _check(cid, inst):
    return get_claim(cid).check(inst)


# ------------------------------------------------------------------------------------- model: float vs exact
def test_float_loss_and_gradients_match_exact_rationals():
    rng = np.random.default_rng(3)
    for _ in range(3):
        u = np.sort(rng.random(5))
        a = rng.normal(size=6)
        eta = 0.05
        L, ga, gu = loss_and_grads(a, u, eta, T2)
        Le = exact_loss([Fraction(x) for x in a], [Fraction(x) for x in u], Fraction(eta), E2)
        ge = exact_grad_u([Fraction(x) for x in a], [Fraction(x) for x in u], Fraction(eta), E2)
        assert abs(L - float(Le)) < 1e-12
        assert np.allclose(gu, [float(x) for x in ge], atol=1e-11)
        # dL/da by finite differences of the exact loss's float counterpart
        e = np.zeros(6)
        e[2] = 1e-6
        fd = (loss_and_grads(a + e, u, eta, T2)[0] - loss_and_grads(a - e, u, eta, T2)[0]) / 2e-6
        assert abs(fd - ga[2]) < 1e-7


def test_reduced_loss_reference_values_and_exact_agreement():
    # reference numbers computed independently (least squares on a fine grid, the catalogue's [N] values)
    ref = {1e-2: 0.011694, 1e-3: 0.011867, 1e-4: 0.0118845}
    for eta, val in ref.items():
        L = reduced_loss(np.array(U6), eta, T2)[0]
        assert abs(L - val) < 2e-6
        Le, _ = exact_min_loss([Fraction(x) for x in U6], Fraction(eta), E2)
        assert abs(float(Le) - L) < 1e-12
    assert abs(sharp_loss(U6, T2) - 0.0118865) < 1e-7
    assert exact_sharp_loss(["0.1", "0.3", "0.42", "0.6", "0.74", "0.9"], E2) == Fraction(1141, 95990) or \
        abs(float(exact_sharp_loss(["0.1", "0.3", "0.42", "0.6", "0.74", "0.9"], E2)) - 0.011886458333) < 1e-11


def test_sharp_gradient_matches_central_differences():
    t = Target((0.3, 0.45, 0.7), (0.2, 1.5, -0.4, 0.9))
    u = np.array([0.1, 0.25, 0.6, 0.85])
    g = sharp_grad(u, t)
    fd = [(sharp_loss(u + h, t) - sharp_loss(u - h, t)) / 2e-7 for h in np.eye(4) * 1e-7]
    assert np.allclose(g, fd, atol=1e-7)
    assert np.allclose(g, [0, -0.045, 0.1008, 0.1352], atol=1e-12)
    eg = exact_sharp_grad(["0.1", "0.25", "0.6", "0.85"], ExactTarget(("0.3", "0.45", "0.7"), ("0.2", "1.5", "-0.4", "0.9")))
    assert [float(x) for x in eg] == pytest.approx([0, -0.045, 0.1008, 0.1352], abs=1e-15)
    assert np.isnan(sharp_grad(np.array([0.3, 0.6]), t)[0])  # a neuron on a jump: one-sided only


def test_floor_against_mpmath_quadrature():
    # int_{-1/2}^{1/2} (1{z>0} - sigma(z))^2 dz by mpmath quadrature, split at 0 (independent of sympy)
    with mpmath.workdps(30):
        val = mpmath.quad(lambda z: (4 * (z + 0.5) ** 3) ** 2, [-0.5, 0]) + \
            mpmath.quad(lambda z: (4 * (0.5 - z) ** 3) ** 2, [0, 0.5])
        assert abs(val - mpmath.mpf(1) / 28) < 1e-25
    et = ExactTarget(("0.2", "0.35", "0.5", "0.65", "0.8"), ("1", "5", "1", "3", "1", "5"))
    eta = Fraction(4, 1000)
    L = exact_loss([1, 4, -4, 2, -2, 4], list(et.v), eta, et)
    assert L == exact_floor(et, eta) == eta
    assert floor(EMB1_TARGET, 0.004) == pytest.approx(0.004)
    assert abs(float(sigma(0.0)) - 0.5) < 1e-15


# ------------------------------------------------------------------------------------------------ flows
def test_sharp_flow_snaps_and_refuses_bad_subdivision_with_flank_rule():
    res = sharp_flow(U6, T2, 3.0, 3000)
    assert res.status == "ok" and set(res.info["snapped"]) == {1, 4}  # the nearer flank of each jump
    assert res.info["snapped"][1]["jump"] == 0.35 and res.loss[-1] < 1e-12
    one = [0.1, 0.3, 0.5, 0.9]  # the piece (0.35, 0.78) holds one neuron
    bad = sharp_flow(one, T2, 1.0, 10, rule="flanks")
    assert bad.status == "bad-subdivision" and bad.info["bad_pieces"] == [1, 2]
    ok = sharp_flow(one, T2, 1.0, 100, rule="general")
    assert ok.status == "ok" and ok.loss[-1] < ok.loss[0]


def test_limit_and_joint_flows_on_a_small_instance():
    u0, a0 = step_init(8, 1)
    t = Target((0.3, 0.7), (0.0, 2.0, 0.5))
    r = limit_flow(u0, t, 0.05, 0.5, n_record=5)
    s = summarize_run(r, t, 0.05)
    assert s["outcome"] == "global" and r.loss[-1] < r.loss[0]
    frozen = joint_flow(u0, a0, t, 0.05, 1e-9, 0.1, 0.005, n_record=2)  # eps -> 0: the positions barely move
    assert np.max(np.abs(frozen.u_final - u0)) < 1e-6 and frozen.loss[-1] < frozen.loss[0]
    j = joint_flow(u0, a0, t, 0.05, 1.0, 1.0, 0.005, n_record=5)
    assert j.loss[-1] < j.loss[0] and j.status == "ok"
    g = sgd(u0, a0, t, 0.05, 0.5, 0.01, 2000, seed=0, n_record=3)
    assert g.loss[-1] < g.loss[0] and g.u_final.shape == (8,)


def test_additive_two_timescale_small():
    r = additive_run(d=2, J=4, n=200, eps=0.1, lr=0.3, epochs=200, seed=0, n_record=3)
    assert r["final_error"] < r["error"][0]


# ------------------------------------------------------------------------------------------------ claims
@pytest.mark.parametrize("cid", ["sharp-step-reduced-loss-limit", "slow-flow-flanking-derivatives",
                                 "sharp-loss-general-gradient", "finite-eta-floor", "sharp-limit-any-layout",
                                 "sharp-slow-flow-qualitative"])
def test_claims_give_expected_verdicts(cid):
    c = get_claim(cid)
    for inst in c.instances:
        r = c.check(inst)
        if c.expected == "fails":
            assert r.verdict is Verdict.REFUTED, r.message
        elif c.numerical:
            assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and r.margin > 0, r.message
        else:
            assert r.verdict is Verdict.PROVED, (inst.get("name"), r.message)
        assert r.scope in ("universal", "instance") and r.statement


def test_dropped_assumptions_are_reported():
    d2 = dict(get_claim("sharp-step-reduced-loss-limit").instances[0], u=["0.1", "0.105", "0.6"], etas=["1/100"])
    assert _check("sharp-step-reduced-loss-limit", d2).verdict is Verdict.INCONCLUSIVE  # neurons < eta apart
    d3 = dict(get_claim("slow-flow-flanking-derivatives").instances[1], eta="1/20")
    assert _check("slow-flow-flanking-derivatives", d3).verdict is Verdict.REFUTED  # eta not small
    d3b = dict(get_claim("slow-flow-flanking-derivatives").instances[1], neurons=[0])
    assert _check("slow-flow-flanking-derivatives", d3b).verdict is Verdict.INCONCLUSIVE  # not a flank
    d5 = dict(get_claim("sharp-loss-general-gradient").instances[1], u=["0.1", "0.3", "0.6"])
    assert _check("sharp-loss-general-gradient", d5).verdict is Verdict.INCONCLUSIVE  # neuron on a jump
    d6 = dict(get_claim("finite-eta-floor").instances[1], offset="1/1000")
    assert _check("finite-eta-floor", d6).verdict is Verdict.REFUTED  # neurons off the jumps
    f16 = dict(get_claim("sharp-limit-any-layout").instances[0],
               u=["0.05", "0.15", "0.25", "0.3", "0.4", "0.45", "0.55", "0.6", "0.7", "0.75", "0.85", "0.9"])
    assert _check("sharp-limit-any-layout", f16).verdict is Verdict.INCONCLUSIVE  # >= 2 neurons per piece


def test_d5_random_instances_from_the_strategy():
    from hypothesis import given, settings

    c = get_claim("sharp-loss-general-gradient")

    @settings(max_examples=2, deadline=None, database=None)
    @given(c.get_strategy())
    def run(inst):
        r = c.check(inst)
        assert r.verdict in (Verdict.PROVED, Verdict.INCONCLUSIVE) and r.verdict is not Verdict.REFUTED

    run()


def test_f15_transient_is_not_a_witness():
    # at t = 3 a jump is still uncovered, but the flow is moving (exact gradient above tolerance): no refutation
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], t_one=3.0)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.INCONCLUSIVE and "transient" in r.message


def test_f15_decision_needs_every_confirmation():
    from proofs.claims.marion_berthier_2023.slow_dynamics import f15_confirmed

    F = Fraction
    ok = dict(L=F(5), Lmin=F(3), fl=F(1), dist=F(1, 10), eta=F(1, 25), same=True, persists=True)
    assert f15_confirmed(**ok)
    for key, bad in (("L", F(4)), ("Lmin", F(2)), ("dist", F(1, 25)), ("same", False), ("persists", False)):
        assert not f15_confirmed(**dict(ok, **{key: bad})), key


def test_f15_with_small_eps_finds_no_witness():
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], eps=0.02)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.INCONCLUSIVE and "no witness" in r.message


def test_f15_short_horizon_witness_is_refuted_exactly():
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], t_one=8.0)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.REFUTED and r.witness["uncovered_jump"] == "1/2"
    assert float(r.witness["exact_loss"]) > 4 * float(Fraction(r.witness["exact_floor"]))


@pytest.mark.slow
def test_d7_and_f15_default_instances():
    r = _check("two-timescale-reaches-floor", get_claim("two-timescale-reaches-floor").instances[0])
    assert r.verdict is Verdict.INCONCLUSIVE and r.margin > 0
    assert r.stats["single_timescale"]["outcome"] == "stalled"
    f = _check("single-timescale-finds-global-optimum", get_claim("single-timescale-finds-global-optimum").instances[0])
    assert f.verdict is Verdict.REFUTED and f.witness["uncovered_jump"] == "1/2"


# ------------------------------------------------------------------------------------------------ CLI
def _cli(*args):
    return subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()", *args], capture_output=True, text=True, timeout=120)


def test_cli_bad_input_exit_2():
    p = _cli("two-timescale", "run", "--eta", "0.5")
    assert p.returncode == 2 and "--eta" in p.stderr and "Traceback" not in p.stderr


def test_cli_run_json_small():
    p = _cli("two-timescale", "run", "--m", "6", "--tau", "0.2", "--t-one", "0.5", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out["two_timescale"]) >= {"final_loss", "floor", "covered", "outcome"}


def test_cli_sweep_local_processes_small():
    p = _cli("two-timescale", "sweep", "--seeds", "2", "--workers", "1", "--m", "6", "--tau", "0.2", "--t-one", "0.5",
             "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["seeds_done"] == [0, 1]
    assert sum(out["counts"]["two_timescale"].values()) == 2


@pytest.mark.slow
def test_cli_sweep_on_a_dask_scheduler():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        p = _cli("two-timescale", "sweep", "--seeds", "2", "--m", "6", "--tau", "0.2", "--t-one", "0.5",
                 "--scheduler", c.scheduler_address, "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["seeds_done"] == [0, 1]


@pytest.mark.slow
def test_cli_sweep_ctrl_c_keeps_finished_seeds_and_exits_130():
    import os
    import signal
    import time

    p = subprocess.Popen([sys.executable, "-c", "from proofs.cli import main; main()", "two-timescale", "sweep",
                          "--seeds", "6", "--workers", "1", "--m", "6", "--tau", "0.2", "--t-one", "30", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(8)
    os.killpg(p.pid, signal.SIGINT)
    t0 = time.time()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130 and time.time() - t0 < 10
    obj = json.loads(out)
    assert obj["interrupted"] is True and "interrupted at" in err
