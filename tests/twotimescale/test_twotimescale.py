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
    assert _check("slow-flow-flanking-derivatives", d3).verdict is Verdict.INCONCLUSIVE  # eta not << h
    d3b = dict(get_claim("slow-flow-flanking-derivatives").instances[1], neurons=[0])
    assert _check("slow-flow-flanking-derivatives", d3b).verdict is Verdict.INCONCLUSIVE  # not a flank
    d5 = dict(get_claim("sharp-loss-general-gradient").instances[1], u=["0.1", "0.3", "0.6"])
    assert _check("sharp-loss-general-gradient", d5).verdict is Verdict.INCONCLUSIVE  # neuron on a jump
    for bad in (dict(offset="1/1000"), dict(eta="1/5"), dict(v=["0.001"], values=["0", "1"], eta="1/100")):
        d6 = dict(get_claim("finite-eta-floor").instances[1], **bad)  # off the jumps, overlapping, leaving [0, 1]
        r6 = _check("finite-eta-floor", d6)
        assert r6.verdict is Verdict.INCONCLUSIVE and "hypothesis not met" in r6.message, bad
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
    # at t = 3 a jump is still uncovered, but the loss is still falling over [T, 2T]: no refutation
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], t_one=3.0)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.INCONCLUSIVE and "transient" in r.message


def test_f15_decision_needs_every_confirmation():
    from proofs.claims.marion_berthier_2023.slow_dynamics import f15_confirmed

    F = Fraction
    ok = dict(L=F(5), Lmin=F(3), fl=F(1), dist=F(1, 10), eta=F(1, 25), grad_small=True, plateau=True, persists=True,
              agrees=True)
    assert f15_confirmed(**ok)
    for key, bad in (("L", F(4)), ("Lmin", F(2)), ("dist", F(1, 25)), ("grad_small", False), ("plateau", False),
                     ("persists", False), ("agrees", False)):
        assert not f15_confirmed(**dict(ok, **{key: bad})), key


def test_f15_plateau_persistence_and_agreement_helpers():
    from proofs.claims.marion_berthier_2023.slow_dynamics import f15_agrees, f15_persists, f15_plateau

    assert f15_plateau(1.0, 0.9995) and not f15_plateau(1.0, 0.99) and not f15_plateau(7.1, 5.3)
    s = {"outcome": "stalled", "uncovered_jumps": [0.5]}
    assert f15_persists(s, dict(s))
    assert not f15_persists(s, {"outcome": "stalled", "uncovered_jumps": [0.35]})  # another jump
    assert not f15_persists(s, {"outcome": "other", "uncovered_jumps": [0.5]})
    assert f15_agrees(1.0, 0.99, 1.005, 0.995, s, dict(s))
    assert not f15_agrees(1.0, 0.99, 1.5, 0.995, s, dict(s))  # half off at T
    assert not f15_agrees(1.0, 0.99, 1.0, 0.5, s, dict(s))  # half off at 2T
    assert not f15_agrees(1.0, 0.99, 1.0, 0.99, s, {"outcome": "failed", "uncovered_jumps": [0.5]})


def test_unstable_euler_step_is_a_failed_run():
    # E-MB1, one neuron: h = 3 is far beyond the stability limit, the loss increases: never evidence
    u0, a0 = step_init(4, 0)
    r = joint_flow(u0, a0, EMB1_TARGET, 0.04, 1.0, 30.0, 3.0)
    s = summarize_run(r, EMB1_TARGET, 0.04)
    assert r.info["loss_increases"] > 0 and s["outcome"] == "failed" and not s["monotone"]
    ok = summarize_run(joint_flow(u0, a0, EMB1_TARGET, 0.04, 1.0, 1.0, 0.01), EMB1_TARGET, 0.04)
    assert ok["monotone"] and ok["outcome"] != "failed"


def test_summarize_run_outcomes():
    from numerics.twotimescale import FlowResult, floor as fl_
    t = Target((0.5,), (0.0, 1.0))
    f = fl_(t, 0.04)

    def res(u, L):
        return FlowResult(np.array([0.0]), np.array([L]), np.array([u]), np.zeros(len(u) + 1), np.array(u))
    assert summarize_run(res([0.5], f), t, 0.04)["outcome"] == "global"
    assert summarize_run(res([0.5], 10 * f), t, 0.04)["outcome"] == "other"  # covered but high loss
    assert summarize_run(res([0.1], f), t, 0.04)["outcome"] == "other"  # uncovered but low loss
    assert summarize_run(res([0.1], 10 * f), t, 0.04)["outcome"] == "stalled"


def test_interrupted_run_propagates_and_is_not_cached(monkeypatch):
    from numerics.twotimescale import FlowResult
    import proofs.claims.marion_berthier_2023.slow_dynamics as sd

    def fake(*a, **k):
        return FlowResult(np.array([0.0]), np.array([1.0]), np.zeros((1, 3)), np.zeros(4), np.zeros(3), "interrupted")
    monkeypatch.setattr(sd, "joint_flow", fake)
    inst = dict(sd.F15_INST, m=3, t_one=0.123)
    with pytest.raises(KeyboardInterrupt):
        sd.check_f15(inst)
    assert not any(k[-1] == 0.123 for k in sd._RUNS)
    with pytest.raises(KeyboardInterrupt):
        sd.check_d7(dict(sd.RUN_DEFAULT, m=3, tau_small=0.0123))
    assert not sd._RUNS or all(r.status == "ok" for r in sd._RUNS.values())


def test_d7_margin_needs_every_jump_covered(monkeypatch):
    import proofs.claims.marion_berthier_2023.slow_dynamics as sd
    from numerics.twotimescale import FlowResult

    t = Target(tuple(sd.RUN_DEFAULT["v"]), tuple(sd.RUN_DEFAULT["values"]))
    fl = floor(t, 0.04)
    u = np.array([0.2, 0.35, 0.5, 0.65, 0.1])  # the jump at 0.8 uncovered, loss at the floor
    good = FlowResult(np.array([0.0]), np.array([fl]), u[None], np.zeros(6), u, "ok", info={"loss_increases": 0})
    monkeypatch.setattr(sd, "_run_two", lambda *a: good)
    monkeypatch.setattr(sd, "_run_one", lambda *a: good)
    assert sd.check_d7(sd.RUN_DEFAULT).margin < 0
    bad = FlowResult(good.times, good.loss, good.u, good.a, np.array([0.2, 0.35, 0.5, 0.65, 0.8]), "ok",
                     info={"loss_increases": 3})
    monkeypatch.setattr(sd, "_run_two", lambda *a: bad)
    r = sd.check_d7(sd.RUN_DEFAULT)
    assert r.margin < 0 and "FAILED RUN" in r.message


def test_misspelled_instance_keys_are_rejected():
    from proofs.errors import InvalidArgument
    for cid, inst in (("slow-flow-flanking-derivatives", {"name": "typo", "U": ["0.1"]}),
                      ("sharp-loss-general-gradient", {"name": "typo", "v": ["0.5"], "values": ["0", "1"]}),
                      ("finite-eta-floor", {"name": "typo", "V": ["0.5"]}),
                      ("sharp-loss-general-gradient", {"name": "symbolic", "extra": 1})):
        with pytest.raises(InvalidArgument, match="valid is"):
            _check(cid, inst)


def test_d3_vacuous_tolerance_and_bad_inputs():
    from proofs.errors import InvalidArgument
    base = get_claim("slow-flow-flanking-derivatives").instances[1]
    r = _check("slow-flow-flanking-derivatives", dict(base, h="1/2", tol="1000"))
    assert r.verdict is Verdict.INCONCLUSIVE and "hypothesis not met" in r.message
    for bad in (dict(tol="-1"), dict(h="0"), dict(neurons=[7]), dict(neurons=[]), dict(neurons=[-1])):
        with pytest.raises(InvalidArgument):
            _check("slow-flow-flanking-derivatives", dict(base, **bad))


def test_d3_mismatch_beyond_tol_is_refuted_and_d6_compares_with_the_floor(monkeypatch):
    base = get_claim("slow-flow-flanking-derivatives").instances[1]
    # eta = 1/1000 is not small enough for tol = 1e-5: the exact FD differs from the eta -> 0 formula by O(eta)
    r = _check("slow-flow-flanking-derivatives", dict(base, eta="1/1000", h="1/100", tol="1/100000", neurons=[1]))
    assert r.verdict is Verdict.REFUTED
    ok = _check("slow-flow-flanking-derivatives", dict(base, eta="1/1000", h="1/100", tol="1/1000", neurons=[1]))
    assert ok.verdict is Verdict.PROVED and "tol 1/1000" in ok.message
    import proofs.claims.marion_berthier_2023.reduced_loss as rl
    real = rl.exact_loss
    monkeypatch.setattr(rl, "exact_loss", lambda *a: real(*a) + Fraction(1, 10 ** 9))  # a loss off the floor
    assert rl.check_d6(get_claim("finite-eta-floor").instances[1]).verdict is Verdict.REFUTED


def test_d2_gap_is_the_absolute_difference():
    r = _check("sharp-step-reduced-loss-limit", get_claim("sharp-step-reduced-loss-limit").instances[0])
    L0 = float(r.stats["L0"])
    for row in r.stats["rows"]:
        assert float(row["gap"]) >= 0
        assert abs(float(row["gap"]) - abs(float(row["min_a_L"]) - L0)) <= 1e-8


def test_d5_compares_every_neuron(monkeypatch):
    import proofs.claims.marion_berthier_2023.reduced_loss as rl
    real = rl.exact_sharp_grad

    def wrong(u, t):
        g = list(real(u, t))
        g[2] += Fraction(1, 10 ** 6)
        return g
    monkeypatch.setattr(rl, "exact_sharp_grad", wrong)
    r = rl.check_d5(get_claim("sharp-loss-general-gradient").instances[1])
    assert r.verdict is Verdict.REFUTED and r.witness["neuron"] == 2


def test_f16_statement_is_the_precondition():
    cid = "sharp-limit-any-layout"
    base = get_claim(cid).instances[0]
    # one neuron on the jump 0.35 and one inside [0.2, 0.35]: only one strictly inside -> refuted
    r = _check(cid, dict(base, u=["0.05", "0.15", "0.3", "0.35", "0.4", "0.45", "0.55", "0.6", "0.7", "0.75",
                                  "0.85", "0.9"]))
    assert r.verdict is Verdict.REFUTED and r.stats["piece_counts"][1] == 1
    assert "at least two neurons strictly inside" in r.statement
    assert _check(cid, {"name": "no jump", "v": [], "values": ["1"], "u": ["0.5"]}).verdict is Verdict.INCONCLUSIVE


def test_f15_with_small_eps_finds_no_witness():
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], eps=0.02)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.INCONCLUSIVE and "no witness" in r.message


def test_f15_short_horizon_transient_is_not_refuted():
    # at t = 8 the loss is still falling (by more than 0.1 % over [8, 16]): not a stall
    inst = dict(get_claim("single-timescale-finds-global-optimum").instances[0], t_one=8.0)
    r = _check("single-timescale-finds-global-optimum", inst)
    assert r.verdict is Verdict.INCONCLUSIVE and "transient" in r.message


@pytest.mark.slow
def test_d7_and_f15_default_instances():
    r = _check("two-timescale-reaches-floor", get_claim("two-timescale-reaches-floor").instances[0])
    assert r.verdict is Verdict.INCONCLUSIVE and r.margin > 0
    assert r.stats["single_timescale"]["outcome"] == "stalled"
    f = _check("single-timescale-finds-global-optimum", get_claim("single-timescale-finds-global-optimum").instances[0])
    assert f.verdict is Verdict.REFUTED and f.witness["uncovered_jump"] == "1/2"
    assert float(f.witness["exact_loss"]) > 4 * float(Fraction(f.witness["exact_floor"]))
    assert f.witness["relative_drop_T_2T"] < 1e-3 and "float" in f.precision
    # a transient of the true flow (seed 3: the loss keeps falling to the floor) is never refuted
    g = _check("single-timescale-finds-global-optimum",
               dict(get_claim("single-timescale-finds-global-optimum").instances[0], seed=3, t_one=10.0))
    assert g.verdict is Verdict.INCONCLUSIVE


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


def test_malformed_instances_are_one_line_errors():
    from proofs.errors import InvalidArgument
    d2 = get_claim("sharp-step-reduced-loss-limit").instances[0]
    f15 = get_claim("single-timescale-finds-global-optimum").instances[0]
    d7 = get_claim("two-timescale-reaches-floor").instances[0]
    cases = [("sharp-step-reduced-loss-limit", dict(d2, etas=[])),
             ("sharp-step-reduced-loss-limit", {k: x for k, x in d2.items() if k != "etas"}),
             ("single-timescale-finds-global-optimum", dict(f15, seed=-2)),
             ("single-timescale-finds-global-optimum", {k: x for k, x in f15.items() if k != "h_one"}),
             ("two-timescale-reaches-floor", dict(d7, eps_small=0)),
             ("two-timescale-reaches-floor", dict(d7, sed=1))]
    for cid, inst in cases:
        with pytest.raises(InvalidArgument):
            _check(cid, inst)


def test_d4_vacuous_layouts_are_not_evidence():
    base = get_claim("sharp-slow-flow-qualitative").instances[0]
    for u in ([], [0.1, 0.9], [0.1, 0.35, 0.5]):
        r = _check("sharp-slow-flow-qualitative", dict(base, u=u))
        assert r.verdict is Verdict.INCONCLUSIVE and not r.margin > 0 and "nothing to observe" in r.message, u


@pytest.mark.slow
def test_cli_bad_seed_figure_and_scheduler_exit_2(tmp_path):
    for args in (("run", "--seed", "-1"), ("additive", "--seed", "-1"),
                 ("run", "--m", "4", "--tau", "0.1", "--t-one", "0.1", "--figure", str(tmp_path / "x.txt")),
                 ("run", "--m", "4", "--tau", "0.1", "--t-one", "0.1", "--figure", str(tmp_path / "no" / "x.png")),
                 ("sweep", "--seeds", "1", "--m", "4", "--tau", "0.1", "--t-one", "0.1", "--scheduler", "garbage")):
        p = _cli("two-timescale", *args)
        assert p.returncode == 2 and "Traceback" not in p.stderr, (args, p.stderr[-300:])
    assert not (tmp_path / "no").exists()
