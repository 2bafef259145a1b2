"""Escape simulations for softmax attention heads (proofs.experiments.instability_attention) and the claim built on
them (attention-escape-rate, §8 G5 attention variant)."""
import json
from fractions import Fraction

import numpy as np
import pytest

from proofs.errors import InvalidArgument
from proofs.experiments import instability_attention as IA
from proofs.registry import get_claim, run_check
from proofs.result import Verdict

SMALL = dict(k=2, p=2, L=2, n=6, m=1, seed=0)


@pytest.fixture(scope="module")
def inst():
    return IA.designed_attention(**SMALL)


@pytest.fixture(scope="module")
def diag(inst):
    return IA.best_direction(inst, interior_starts=4)


def _softmax_feature(A, X):
    """g(A, X) = X^T softmax(X A^T x_q) for one sample X (L, p), written out by hand."""
    s = X @ A.T @ X[-1]
    w = np.exp(s - s.max())
    return X.T @ (w / w.sum())


def _psi_direct(inst, A):
    r = inst.residual()
    G = np.stack([_softmax_feature(np.asarray(A).reshape(inst.p, inst.p), Xi) for Xi in inst.X])  # (n, p)
    return r.T @ G / inst.n  # (k, p)


# ------------------------------------------------------------------------------------------ exact design
def test_designed_measure_is_exactly_stationary_and_not_a_global_minimiser(inst, diag):
    st = IA.exact_stationarity(inst)
    assert st["exact"] and st["stationary"] and st["max_abs"] == 0 and st["residual_nonzero"]
    assert diag["nonglobal_certified"] and Fraction(diag["sup_psi_inf_enclosure"][0]) > 0
    # float view agrees: the engine's velocity at the designed measure is at the rounding level
    va, vu, _ = inst.field().evaluate(inst.a, inst.u)
    assert np.max(np.abs(va)) < 1e-14 and np.max(np.abs(vu)) < 1e-14


def test_a_perturbed_target_is_reported_not_stationary(inst):
    import copy

    bad = copy.copy(inst)
    P = inst.problem
    Y = [list(row) for row in P.data.Y]
    Y[0][0] = str(Fraction(Y[0][0]) + Fraction(1, 100))
    bad.problem = P.with_targets(Y)
    st = IA.exact_stationarity(bad)
    assert not st["stationary"] and st["max_abs"] > 0


def test_closed_form_derivatives_at_zero_match_finite_differences(inst):
    # reference computed another way: central differences of the hand-written softmax feature at A = 0
    X = inst.X[3]
    tok = [inst.Xq[3][l * inst.p:(l + 1) * inst.p] for l in range(inst.L)]
    xbar, dg = IA._features_at_zero(tok)
    assert np.allclose([float(v) for v in xbar], _softmax_feature(np.zeros((inst.p, inst.p)), X), atol=1e-15)
    h = 1e-6
    for a in range(inst.p):
        for b in range(inst.p):
            E = np.zeros((inst.p, inst.p))
            E[a, b] = h
            fd = (_softmax_feature(E, X) - _softmax_feature(-E, X)) / (2 * h)
            assert np.allclose(fd, [float(dg[t][a][b]) for t in range(inst.p)], atol=1e-8)


def test_psi_points_matches_the_direct_formula(inst):
    rng = np.random.default_rng(2)
    U = rng.standard_normal((5, inst.p * inst.p)) * 2
    got = IA.psi_points(inst, U)
    for A, g in zip(U, got):
        assert np.allclose(g, _psi_direct(inst, A), rtol=0, atol=1e-14)


# ------------------------------------------------------------------------------------------ direction at infinity
def test_best_direction_is_certified_cell_and_psi_tends_to_its_hardmax_limit(inst, diag):
    assert "certified hardmax cells" in diag["direction_source"] and diag["cells"]["complete"]  # L = 2: complete
    assert diag["scope"] == "instance" and diag["location_certified"] is False
    A = np.asarray(diag["direction"]).reshape(inst.p, inst.p)
    # the run direction is inside its argmax cell with the stated score gap
    for i, w in enumerate(diag["winners"]):
        s = inst.X[i] @ A.T @ inst.X[i, -1]
        gaps = s[w] - np.delete(s, w)
        assert np.min(gaps) >= diag["margin"] * (1 - 1e-9)
    lim = np.asarray(diag["psi_inf"])
    assert np.linalg.norm(lim) == pytest.approx(diag["sup_psi_inf"], rel=1e-12)
    assert np.allclose(IA.hardmax_limit_float(inst, A), lim, atol=1e-14)
    far = 40.0 / diag["margin"] * A.ravel()  # softmax weights of losing keys <= e^-40
    assert np.allclose(IA.psi_points(inst, far)[0], lim, atol=1e-12)
    # interior multistart never beats the certified limit here (the supremum is approached at infinity)
    assert diag["interior"]["sup_sampled"] <= diag["sup_psi_inf"] + 1e-9 and diag["location"] == "infinity"


def test_best_cell_beats_every_sampled_hardmax_direction(inst, diag):
    rng = np.random.default_rng(0)
    vals = [np.linalg.norm(IA.hardmax_limit_float(inst, rng.standard_normal(inst.p * inst.p))) for _ in range(300)]
    assert max(vals) <= diag["sup_psi_inf"] + 1e-12


def test_sampled_directions_never_beat_the_enumerated_cells(inst, diag):
    # the same supremum over open cells computed another way: random rational directions, their ball limits
    sampled = IA.best_direction(inst, cells=False, samples=60, interior_starts=0)
    assert sampled["direction_source"].startswith("sampled directions (60")
    assert sampled["nonglobal_certified"] and sampled["location"].startswith("not compared")
    assert sampled["sup_psi_inf"] <= diag["sup_psi_inf"] + 1e-12
    assert sampled["sup_psi_inf"] >= 0.5 * diag["sup_psi_inf"]
    with pytest.raises(InvalidArgument, match="p\\*p <= 9"):
        IA.best_direction(IA.designed_attention(p=4, n=14, m=1), cells=True)


# ------------------------------------------------------------------------------------------ escape runs
def test_frozen_escape_follows_the_escape_inequality(inst, diag):
    A0 = 1.0 / diag["margin"] * np.asarray(diag["direction"])
    run = IA.escape_run(inst, A0, frozen=True, T=10.0, dt=0.02, fit_window=0.5)
    pred = float(np.linalg.norm(_psi_direct(inst, A0)))  # -h(a_hat0, A0) = |Psi(A0)|, computed by hand
    assert run["predicted_rate"] == pytest.approx(pred, rel=1e-12)
    assert run["measured_rate"] == pytest.approx(pred, rel=2e-3)
    assert run["min_rate_bound_holds"] and np.all(np.diff(run["h"]) <= 1e-12)
    assert run["loss"][-1] == pytest.approx(run["loss"][0], abs=1e-9)  # frozen: the probe does not move the loss
    assert run["u_norm"][-1] > run["u_norm"][0]  # |A| drifts outward, towards the best direction at infinity


def test_experiment_feedback_lowers_the_loss_near_infinity_and_in_the_compact_part(inst, diag):
    exp = IA.escape_experiment(inst, T=10.0, diagnostics=diag)
    assert exp["numerical"] and exp["scope"] == "instance" and exp["stationarity"]["stationary"]
    assert set(exp["runs"]) == {f"{w}, {f}" for w in ("near infinity", "compact part") for f in ("frozen", "feedback")}
    near = exp["runs"]["near infinity, frozen"]
    assert near["saturation"] == pytest.approx(3.0) and near["predicted_rate"] > 0.9 * diag["sup_psi_inf"]
    for label, r in exp["runs"].items():
        assert r["measured_rate"] == pytest.approx(r["predicted_rate"], rel=0.1), label
        assert r["a_norm_end"] > 10 * r["a_norm_start"], label
        if label.startswith("compact"):  # |A| drifts outward, towards the best direction at infinity
            assert r["u_drift"] > 0.01, label
        else:  # near infinity grad_A h ~ e^(-t s): |A| hardly moves (the robustness margin is lost there)
            assert abs(r["u_drift"]) < 1e-3 * r["u_norm_start"], label
        if not r["frozen"]:
            assert r["loss_end"] < 0.95 * r["loss_start"], label


def test_escape_figure_is_written(inst, diag, tmp_path):
    exp = IA.escape_experiment(inst, T=1.0, dt=0.05, diagnostics=diag)
    out = IA.plot_escape(exp, str(tmp_path / "escape_attention.png"))
    assert (tmp_path / "escape_attention.png").stat().st_size > 10000 and out.endswith(".png")


# ------------------------------------------------------------------------------------------ dropped assumptions
def test_outside_the_escaping_set_the_head_does_not_grow(inst, diag):
    A0 = 1.0 / diag["margin"] * np.asarray(diag["direction"])
    psi = IA.psi_points(inst, A0)[0]
    run = IA.escape_run(inst, A0, a_norm=0.1, frozen=True, T=0.5, dt=0.01, fit_window=0.3,
                        a_hat=psi / np.linalg.norm(psi))  # h = +|Psi| > 0
    assert run["measured_rate"] == pytest.approx(-np.linalg.norm(psi), rel=0.02)
    assert run["a_norm"][-1] < run["a_norm"][0]
    # at the stationary heads' own position Psi = 0 exactly: not in any escaping set
    with pytest.raises(InvalidArgument, match="escaping set"):
        IA.escape_run(inst, np.zeros(inst.p * inst.p))


def test_bad_input_is_invalid_argument(inst):
    with pytest.raises(InvalidArgument, match="n\\*k"):
        IA.designed_attention(n=3)
    with pytest.raises(InvalidArgument, match="valid is an integer"):
        IA.designed_attention(p=0)
    with pytest.raises(InvalidArgument, match="scale"):
        IA.designed_attention(scale="-1")
    with pytest.raises(InvalidArgument, match="p\\*p"):
        IA.psi_points(inst, np.zeros(3))
    with pytest.raises(InvalidArgument, match="dt"):
        IA.escape_run(inst, np.ones(4), dt=-1.0)
    with pytest.raises(InvalidArgument, match="near"):
        IA.escape_experiment(inst, near=0.0)


# ------------------------------------------------------------------------------------------ claim
def _run(inst):
    return run_check(get_claim("attention-escape-rate"), dict({"name": "test"}, **inst))


def test_claim_is_registered_numerical_with_its_label():
    c = get_claim("attention-escape-rate")
    assert c.numerical and c.expected == "holds" and c.label == "§8 G5 (attention heads)" and "MATH" not in c.label
    assert c.paper == "Petit-Poon-Peyre 2026" and "[I]" in c.source


def test_claim_default_holds_and_aligned_orientation_fails():
    ok = _run({})
    assert ok.verdict is Verdict.INCONCLUSIVE and ok.numerical and ok.scope == "instance" and ok.margin > 0
    assert ok.stats["stationary_exact"] and ok.stats["measured_rate"] >= ok.stats["level_eps"]
    assert ok.stats["loss_end"] < ok.stats["loss_start"]
    bad = _run({"orientation": "aligned", "eps": 0.1, "window": 0.2, "T": 1.0})
    assert bad.margin < 0 and bad.stats["measured_rate"] < 0


def test_claim_margin_needs_the_loss_to_decrease():
    # a light head (mass 1e-3) still grows at the predicted rate, but lowers the loss only a little: the margin is
    # the smaller of the two relative slacks, so here the loss decrease
    r = _run({"mass": 0.001, "T": 2.0})
    s = r.stats
    loss_slack = (s["loss_start"] - s["loss_end"]) / s["loss_start"]
    rate_slack = (s["measured_rate"] - s["level_eps"]) / s["level_eps"]
    assert 0 < loss_slack < rate_slack and r.margin == pytest.approx(loss_slack, rel=1e-12)


@pytest.mark.parametrize("key,v", [("orientation", "sideways"), ("k", 0), ("rtol", 1.5), ("window", -1),
                                   ("L", 9)])
def test_claim_bad_instance_is_invalid_argument(key, v):
    with pytest.raises(InvalidArgument):
        _run({key: v})


# ------------------------------------------------------------------------------------------ CLI
def _cli(capsys, *args):
    """``escset ARGS`` in this process (the entry point users run; in-process keeps the file fast)."""
    from proofs.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_escape_attention_json(capsys):
    code, out, err = _cli(capsys, "experiment", "escape", "--model", "attention", "--n", "6", "--L", "2", "--heads",
                          "1", "--T", "2", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["model"] == "attention" and res["numerical"] is True and res["scope"] == "instance"
    assert res["stationarity"]["stationary"] is True and res["diagnostics"]["nonglobal_certified"] is True
    assert len(res["runs"]) == 4 and "series" not in res


def test_cli_escape_sigmoid_still_rejects_what_it_rejected(capsys):
    code, _, err = _cli(capsys, "experiment", "escape", "--instance", "zero", "--k", "2")
    assert code == 2 and "valid is --k 1" in err


@pytest.mark.parametrize("args", [("--model", "transformer"), ("--model", "attention", "--instance", "zero"),
                                  ("--model", "attention", "--d", "2"), ("--model", "attention", "--dt", "-1"),
                                  ("--model", "attention", "--n", "3")])
def test_cli_escape_attention_bad_input_exits_2(capsys, args):
    code, _, err = _cli(capsys, "experiment", "escape", *args)
    assert code == 2 and err.strip().count("\n") == 0 and err.startswith("escset: error:"), err


# ------------------------------------------------------------------ audit regressions: exact stationarity has teeth
def _moved_targets(which):
    """Targets changed by 1e-30 along an exact null direction of every stationarity row but one: that row is the
    last gradient coordinate of head 1 (``"grad"``) or Psi of the last output (``"psi"``); m = 2 heads."""
    import copy

    import flint

    inst = IA.designed_attention(k=2, p=2, L=3, n=12, m=2, seed=0)
    P = inst.problem
    k, p, n = inst.k, inst.p, inst.n
    toks = [[inst.Xq[i][l * p:(l + 1) * p] for l in range(inst.L)] for i in range(n)]
    feats = [IA._features_at_zero(t) for t in toks]
    a = [[[Fraction(str(v)) for v in row] for row in aj] for aj in P.mu.a]
    rows = []
    for c in range(k):
        for t in range(p):
            row = [Fraction(0)] * (n * k)
            for i in range(n):
                row[i * k + c] = feats[i][0][t]
            rows.append(row)

    def grad_row(j, a_, b):
        row = [Fraction(0)] * (n * k)
        for i in range(n):
            for c in range(k):
                row[i * k + c] = sum((a[j][c][t] * feats[i][1][t][a_][b] for t in range(p)), Fraction(0))
        return row

    G = [grad_row(j, x, y) for j in range(2) for x in range(p) for y in range(p)]
    keep, target = (rows[:p] + G, rows[-1]) if which == "psi" else (rows + G[:-1], G[-1])
    Nul, nul = flint.fmpz_mat([IA._int_row(r) for r in keep]).nullspace()
    v = next(c for c in ([Fraction(int(Nul[i, col])) for i in range(n * k)] for col in range(nul))
             if sum(x * y for x, y in zip(c, target)) != 0)
    delta = Fraction(1, 10 ** 30) / max(abs(x) for x in v)
    Y = [[Fraction(str(P.data.Y[i][c])) - delta * v[i * k + c] for c in range(k)] for i in range(n)]
    bad = copy.copy(inst)
    bad.problem = P.with_targets([[str(x) for x in row] for row in Y])
    return inst, bad


@pytest.mark.parametrize("which", ["grad", "psi"])
def test_exact_stationarity_sees_one_moved_coordinate(which):
    good, bad = _moved_targets(which)
    assert IA.exact_stationarity(good)["stationary"] is True
    assert IA.exact_stationarity(bad)["stationary"] is False  # a 1e-30 change of one row, exactly detected


def test_exact_stationarity_with_several_heads_and_masses():
    for m, n, seed in ((2, 12, 0), (3, 14, 1)):
        inst = IA.designed_attention(k=2, p=2, L=3, n=n, m=m, seed=seed)
        assert len(inst.problem.mu.mass) == m and IA.exact_stationarity(inst)["stationary"] is True
