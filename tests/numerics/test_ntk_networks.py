"""Finite-width NTK networks: closed-form limits vs Monte Carlo, hand gradients and Grams vs finite differences."""
import math

import numpy as np
import pytest

from numerics.errors import InvalidArgument
from numerics.ntk import networks as nw


def _unit(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_relu_grams_match_monte_carlo_and_width_limit():
    """H(0) and G(0) at width 2e5 are Monte-Carlo estimates of H^infty / G^infty: entries are means of m bounded
    terms, so |diff| <= 5 / sqrt(m) ~ 0.011 with overwhelming probability."""
    X = _unit(5, 4, 0)
    W, _ = nw.two_layer_init(200_000, 4, 1)
    assert np.max(np.abs(nw.two_layer_gram(X, W) - nw.relu_h_infinity(X))) < 5 / math.sqrt(2e5)
    assert np.max(np.abs(nw.two_layer_output_gram(X, W) - nw.relu_g_infinity(X))) < 5 / math.sqrt(2e5)
    assert np.allclose(np.diag(nw.relu_h_infinity(X)), 0.5) and np.allclose(np.diag(nw.relu_g_infinity(X)), 0.5)


def test_relu_h_infinity_agrees_with_certified_ball_gram():
    from numerics.certified.linalg import relu_gram_ball

    X = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, -0.6, 0.8], [-1.0, 0.0, 0.0]])
    B = relu_gram_ball(X.tolist())
    H = nw.relu_h_infinity(X)
    assert all(abs(H[i, j] - float(B[i, j].mid())) < 1e-14 for i in range(4) for j in range(4))


def test_two_layer_gradient_matches_finite_differences():
    X = _unit(4, 3, 2)
    y = np.array([0.3, -0.2, 0.5, 0.1])
    W, a = nw.two_layer_init(7, 3, 3)

    def L(W, a):
        e = nw.two_layer_output(X, W, a) - y
        return 0.5 * e @ e

    gW, ga = nw.two_layer_gradient(X, y, W, a)
    h = 1e-6
    for r, c in [(0, 0), (3, 2), (6, 1)]:
        E = np.zeros_like(W)
        E[r, c] = h
        assert abs((L(W + E, a) - L(W - E, a)) / (2 * h) - gW[r, c]) < 1e-7
    e2 = np.zeros(7)
    e2[4] = h
    assert abs((L(W, a + e2) - L(W, a - e2)) / (2 * h) - ga[4]) < 1e-7


def test_two_layer_gram_is_jacobian_gram():
    """H(W) with a_r^2 weights = J_W J_W^T with J_W = du/dW (hand formula, checked by finite differences)."""
    X = _unit(3, 3, 4)
    W, _ = nw.two_layer_init(6, 3, 5)
    a = np.random.default_rng(6).standard_normal(6)
    h = 1e-6
    J = np.zeros((3, W.size))
    for p in range(W.size):
        E = np.zeros(W.size)
        E[p] = h
        E = E.reshape(W.shape)
        J[:, p] = (nw.two_layer_output(X, W + E, a) - nw.two_layer_output(X, W - E, a)) / (2 * h)
    assert np.allclose(J @ J.T, nw.two_layer_gram(X, W, a), atol=1e-8)


@pytest.mark.parametrize("arch", ["fc", "resnet"])
def test_deep_gradient_and_layer_grams_match_finite_differences(arch):
    X = _unit(3, 3, 7)
    y = np.array([0.2, -0.4, 0.1])
    net = nw.deep_init(3, 5, 3, 8, arch=arch, activation="softplus")
    loss, gW, ga = nw.deep_gradient(net, X, y)
    h = 1e-6

    def out(nt):
        xs, _ = nw.forward(nt, X)
        return xs[-1] @ nt.a

    for layer in range(3):
        W = net.Ws[layer]
        J = np.zeros((3, W.size))
        for p in range(W.size):
            up, dn = net.copy(), net.copy()
            up.Ws[layer] = W + h * np.eye(1, W.size, p).reshape(W.shape)
            dn.Ws[layer] = W - h * np.eye(1, W.size, p).reshape(W.shape)
            J[:, p] = (out(up) - out(dn)) / (2 * h)
        e = out(net) - y
        assert np.allclose(J.T @ e, gW[layer].ravel(), atol=1e-7)
        assert np.allclose(J @ J.T, nw.layer_grams(net, X)[layer], atol=1e-7)
    xs, _ = nw.forward(net, X)
    assert np.allclose(ga, xs[-1].T @ (out(net) - y))


def test_c_sigma_values():
    """Reference values (mpmath, 30 digits) of c_sigma."""
    for name, ref in [("relu", 2.0), ("softplus", 1.08548650298834), ("tanh", 2.53617543321745),
                      ("sigmoid", 3.4085598416231), ("erf", 2.1525788606076)]:
        assert abs(nw.c_sigma(name) - ref) < 1e-9


def test_fc_normalisation_unit_diagonal():
    """With unit inputs, x_i^(h) . x_i^(h) -> 1 for every h (what c_sigma is for); width 3000, 2 layers."""
    X = _unit(2, 3, 9)
    net = nw.deep_init(3, 3000, 2, 10, activation="tanh")
    xs, _ = nw.forward(net, X)
    for x in xs[1:]:
        assert np.all(np.abs(np.sum(x * x, axis=1) - 1) < 0.1)


def test_bad_input():
    with pytest.raises(InvalidArgument, match="unknown activation"):
        nw.activation_pair("nope")
    with pytest.raises(InvalidArgument, match="ResNet needs depth"):
        nw.deep_init(3, 5, 1, 0, arch="resnet")
    with pytest.raises(InvalidArgument, match="zero vector"):
        nw.relu_h_infinity(np.zeros((2, 3)))
