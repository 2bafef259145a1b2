"""NTK-scaled training: GD agrees with the dynamics engine, the small-step flow with the linearised flow
(scipy expm), deep GD with a hand step; recorded quantities are what they claim to be."""
import math

import numpy as np
import pytest
import scipy.linalg

from numerics.errors import InvalidArgument
from numerics.ntk import networks as nw
from numerics.ntk import training as tr


def _unit(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_gd_matches_the_dynamics_engine_ntk_flow():
    """Independent implementation: the particle-flow engine's ntk_flow (fused kernels) gives the same iterates."""
    from numerics.dynamics import State
    from proofs.dynamics import ntk_flow

    X, y = _unit(6, 3, 0), np.random.default_rng(1).standard_normal(6)
    W, a = nw.two_layer_init(40, 3, 2)
    t = tr.train_two_layer(X, y, W, a, eta=0.07, steps=5)
    s = ntk_flow(X, y[:, None], a[:, None, None], eta=0.07, activation="relu").run(State(a[:, None, None], W), 5)
    assert np.max(np.abs(s.u - t.final["W"])) < 1e-12
    u = nw.two_layer_output(X, t.final["W"], a)
    assert abs(t.residual[-1] - np.sum((y - u) ** 2)) < 1e-12


def test_small_step_flow_matches_linearised_flow_at_large_width():
    """Wide network: u(t) follows y - e^{-H(0) t}(y - u(0)) (lazy regime); H(0) fixed, scipy expm reference."""
    X, y = _unit(5, 4, 3), np.random.default_rng(4).standard_normal(5)
    W, a = nw.two_layer_init(20_000, 4, 5)
    H0 = nw.two_layer_gram(X, W)
    r0 = y - nw.two_layer_output(X, W, a)
    t = tr.train_two_layer(X, y, W, a, eta=0.01, steps=200, method="flow", record_gram=False)
    lin = tr.linearised_residual(H0, r0, [2.0])[0]
    assert np.allclose(lin, scipy.linalg.expm(-2.0 * H0) @ r0, atol=1e-12)
    r_t = y - nw.two_layer_output(X, t.final["W"], a)
    assert t.t[-1] == pytest.approx(2.0)
    assert np.linalg.norm(r_t - lin) < 0.02 * np.linalg.norm(r0)


def test_recorded_quantities():
    X, y = _unit(4, 3, 6), np.random.default_rng(7).standard_normal(4)
    W, a = nw.two_layer_init(300, 3, 8)
    t = tr.train_two_layer(X, y, W, a, eta=0.2, steps=30)
    assert t.movement[0] == 0 and t.pattern_change[0] == 0
    Wf = t.final["W"]
    assert t.movement[-1] == pytest.approx(np.max(np.linalg.norm(Wf - W, axis=1)))
    assert t.pattern_change[-1] == pytest.approx(np.mean(nw.patterns(X, Wf) != nw.patterns(X, W)))
    assert t.lam_H[-1] == pytest.approx(np.linalg.eigvalsh(nw.two_layer_gram(X, Wf))[0])
    assert t.residual[-1] < t.residual[0] and not t.diverged


def test_joint_training_moves_a_and_records_G():
    X, y = _unit(4, 3, 9), np.random.default_rng(10).standard_normal(4)
    W, a = nw.two_layer_init(200, 3, 11)
    t = tr.train_two_layer(X, y, W, a, eta=0.05, steps=10, joint=True)
    assert not np.array_equal(t.final["a"], a) and len(t.lam_G) == 11 and np.all(t.lam_G > -1e-12)


def test_mean_field_scaling_moves_neurons_independently_of_width():
    """Under the 1/m scaling with step eta m a neuron moves O(1) whatever m; under 1/sqrt m it moves ~ m^{-1/2}."""
    X, y = _unit(4, 3, 12), np.random.default_rng(13).standard_normal(4)
    mv = {}
    for sc in ("ntk", "mean-field"):
        for m in (200, 3200):
            W, a = nw.two_layer_init(m, 3, 14)
            mv[sc, m] = np.mean(np.linalg.norm(tr.train_two_layer(X, y, W, a, eta=0.05, steps=20, scaling=sc,
                                                                  record_gram=False).final["W"] - W, axis=1))
    assert mv["ntk", 200] / mv["ntk", 3200] > 3  # sqrt(16) = 4
    assert 0.5 < mv["mean-field", 200] / mv["mean-field", 3200] < 2


def test_large_step_is_flagged_diverged():
    X, y = _unit(4, 3, 15), np.random.default_rng(16).standard_normal(4)
    W, a = nw.two_layer_init(500, 3, 17)
    lmax = np.linalg.eigvalsh(nw.relu_h_infinity(X))[-1]
    t = tr.train_two_layer(X, y, W, a, eta=4 / lmax, steps=200, record_gram=False, blowup=1e4)
    assert t.diverged and t.residual[-1] > 1e4 * t.residual[0]


@pytest.mark.parametrize("arch", ["fc", "resnet"])
def test_deep_gd_is_the_hand_step_and_decreases(arch):
    X, y = _unit(5, 3, 18), np.random.default_rng(19).standard_normal(5)
    net = nw.deep_init(3, 64, 3, 20, arch=arch)
    eta = 0.5 / np.linalg.eigvalsh(sum(nw.layer_grams(net, X)))[-1]
    t = tr.train_deep(net, X, y, eta=eta, steps=3)
    manual = net.copy()
    for _ in range(3):
        _, gW, ga = nw.deep_gradient(manual, X, y)
        manual.Ws = [w - eta * g for w, g in zip(manual.Ws, gW)]
        manual.a = manual.a - eta * ga
    fin = t.final["net"]
    assert all(np.allclose(p, q, atol=1e-13) for p, q in zip(fin.Ws, manual.Ws))
    assert np.all(np.diff(t.residual) < 0)
    assert t.movement[0] == 0 and t.movement[-1] == pytest.approx(
        max(np.linalg.norm(w - w0) / 8 for w, w0 in zip(fin.Ws, net.Ws)))


def test_resnet_without_1_over_H_amplifies_perturbations():
    x = np.ones(3) / math.sqrt(3)
    with_h = nw.perturbation_growth(nw.deep_init(3, 64, 30, 0, arch="resnet"), x)
    without = nw.perturbation_growth(nw.deep_init(3, 64, 30, 0, arch="resnet", res_scale=0.5), x)
    assert with_h[-1] < 2 < 10 < without[-1]


def test_bad_input():
    X = _unit(3, 2, 0)
    W, a = nw.two_layer_init(5, 2, 0)
    with pytest.raises(InvalidArgument, match="step size"):
        tr.train_two_layer(X, np.zeros(3), W, a, eta=-1.0, steps=2)
    with pytest.raises(InvalidArgument, match="labels"):
        tr.train_two_layer(X, np.zeros(4), W, a, eta=0.1, steps=2)
    with pytest.raises(InvalidArgument, match="method"):
        tr.train_two_layer(X, np.zeros(3), W, a, eta=0.1, steps=2, method="rk4")
    with pytest.raises(InvalidArgument, match="scaling"):
        tr.train_two_layer(X, np.zeros(3), W, a, eta=0.1, steps=2, scaling="mup")
