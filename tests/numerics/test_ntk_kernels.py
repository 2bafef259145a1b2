"""NTK kernels and recursions (numerics/ntk): closed forms, Gauss-Hermite, mpmath and ball recursions, each against
an independent computation (Monte Carlo over finite-width random networks with stated sample counts, closed forms
vs quadrature, float vs mp vs balls)."""
import mpmath
import numpy as np
import pytest

from numerics.certified.precision import arb_prec
from numerics.errors import InvalidArgument
from numerics.ntk.kernels import (c_sigma, c_sigma_float, g_infinity, g_infinity_ball, h_infinity, h_infinity_mp,
                                  resolve_activation)
from numerics.ntk.quadrature import expect2, expect2_mp, gh_nodes, gh_nodes_mp
from numerics.ntk.recursions import gram


def _unit(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1)[:, None]


def test_hinf_ginf_closed_forms_match_monte_carlo_any_norm():
    """N = 4e5 Gaussian draws, tolerance 6 max|x|^2 / sqrt(N) per entry."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3)) * np.array([[0.5], [1.0], [2.0], [1.0], [0.3]])
    N = 400_000
    Z = rng.standard_normal((N, 3)) @ X.T
    P, R = (Z >= 0).astype(float), np.maximum(Z, 0)
    tol = 6 * np.max(np.sum(X * X, axis=1)) / np.sqrt(N)
    assert np.max(np.abs(P.T @ P / N * (X @ X.T) - h_infinity(X))) < tol
    assert np.max(np.abs(R.T @ R / N - g_infinity(X))) < tol


def test_two_point_value_and_mp_and_ball_agree():
    X = [["1", "0"], ["0.9", str(mpmath.sqrt(mpmath.mpf("0.19")))[:40]]]
    with mpmath.workdps(40):
        H = h_infinity_mp([["1", "0"], ["0.6", "0.8"]], dps=40)
        c = mpmath.mpf("0.6")
        assert abs(H[0, 1] - c * (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)) < mpmath.mpf(10) ** -38
    with arb_prec(200):
        G = g_infinity_ball([["1", "0"], ["0.6", "0.8"]])
        ref = g_infinity(np.array([[1, 0], [0.6, 0.8]]))
        assert G[0, 1].contains(ref[0, 1]) or abs(float(G[0, 1]) - ref[0, 1]) < 1e-15
    assert X  # inputs of the docstring case kept readable


@pytest.mark.parametrize("name,value", [("relu", "2"), ("softplus", "1.08548650298834"),
                                        ("tanh", "2.53617543321745"), ("sigmoid", "3.4085598416231"),
                                        ("erf", "2.1525788606076")])
def test_c_sigma_catalogue_and_float(name, value):
    v = c_sigma(name, dps=30)
    assert abs(v - mpmath.mpf(value)) < 6 * mpmath.mpf(10) ** -(len(value.split(".")[-1]) + 1)
    assert abs(c_sigma_float(name) - float(v)) < 1e-9
    # independent: Monte Carlo with 1e6 draws (relative tolerance 1%)
    z = np.random.default_rng(1).standard_normal(1_000_000)
    act = resolve_activation(name)
    assert abs(1 / np.mean(act.f(z) ** 2) / float(v) - 1) < 1e-2


def test_mp_gauss_hermite_nodes_match_numpy_and_integrate_moments():
    z, w = gh_nodes_mp(20, 40)
    zf, wf = gh_nodes(20)
    assert np.allclose(sorted(float(t) for t in z), sorted(zf), atol=1e-12)
    with mpmath.workdps(40):
        assert abs(mpmath.fsum(wk * zk ** 8 for zk, wk in zip(z, w)) - 105) < mpmath.mpf(10) ** -30  # E z^8 = 7!!


def test_quadrature_matches_erf_closed_form_float_and_mp():
    """E erf(u) erf(v) and E erf'(u) erf'(v) (Williams' arcsine kernel) by Gauss-Hermite, float and mp."""
    a, b, c = np.array([1.0, 0.7, 2.0]), np.array([1.0, 1.3, 0.5]), np.array([0.3, -0.5, 0.99])
    act = resolve_activation("erf")
    q = expect2(act.f, act.f, a, b, c)
    ref = 2 / np.pi * np.arcsin(2 * c / np.sqrt((1 + 2 * a) * (1 + 2 * b)))
    assert np.max(np.abs(q - ref)) < 1e-12
    with mpmath.workdps(30):
        v = expect2_mp(act.f_mp, act.f_mp, "0.7", "1.3", "-0.5", dps=30, nodes=60)
        r = 2 / mpmath.pi * mpmath.asin(2 * mpmath.mpf("-0.5") / mpmath.sqrt(2.4 * mpmath.mpf("3.6")))
        assert abs(v - r) < mpmath.mpf(10) ** -16  # mp Gauss-Hermite, 60 nodes: ~4e-18 observed


def test_near_singular_switch_mp_step_function():
    """relu' x relu' at correlation 1 - 1e-14 (s = 1.4e-7): the degenerate rule (error O(s)) vs the arc-cosine
    closed form."""
    act = resolve_activation("relu")
    with mpmath.workdps(30):
        c = 1 - mpmath.mpf(10) ** -14
        v = expect2_mp(act.df_mp, act.df_mp, 1, 1, c, dps=15, smooth=False)
        ref = (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
        assert abs(v - ref) < 2 * mpmath.sqrt(1 - c * c)


@pytest.mark.parametrize("arch,H", [("fc", 1), ("fc", 3), ("resnet", 2), ("resnet", 4)])
def test_gh_recursion_matches_erf_closed_form_and_ball(arch, H):
    X = _unit(5, 3, H)
    A = gram(X, arch=arch, depth=H, activation="erf")
    B = gram(X, arch=arch, depth=H, activation="erf", closed_form=False)
    assert np.max(np.abs(A - B)) < 1e-12
    Xs = [[repr(float(v)) for v in row] for row in X]
    with arb_prec(160):
        Kb = gram(Xs, arch=arch, depth=H, activation="erf", method="ball")
        assert all(Kb[i, j].rad() < 1e-30 and abs(float(Kb[i, j].mid()) - A[i, j]) < 1e-13
                   for i in range(5) for j in range(5))


def test_two_layer_relu_is_hinf_and_fc1_is_twice_hinf():
    X = _unit(6, 4, 0)
    assert np.allclose(gram(X, arch="two-layer", depth=1, activation="relu"), h_infinity(X), atol=1e-15)
    assert np.allclose(gram(X, arch="fc", depth=1, activation="relu"), 2 * h_infinity(X), atol=1e-15)


def _fc_finite(X, H, act, m, rng):
    f, df = act.f, act.df
    cs = c_sigma_float(act)
    x = X.T
    for _ in range(1, H):
        x = np.sqrt(cs / m) * f(rng.standard_normal((m, x.shape[0])) @ x)
    D = df(rng.standard_normal((m, x.shape[0])) @ x)
    return cs / m * (D.T @ D) * (x.T @ x)


def _res_finite(X, H, act, m, rng, c_res=0.5):
    f, df = act.f, act.df
    cs = c_sigma_float(act)
    x = np.sqrt(cs / m) * f(rng.standard_normal((m, X.shape[1])) @ X.T)
    for _ in range(2, H):
        x = x + c_res / (H * np.sqrt(m)) * f(rng.standard_normal((m, m)) @ x)
    D = df(rng.standard_normal((m, m)) @ x)
    return (c_res / H) ** 2 / m * (D.T @ D) * (x.T @ x)


@pytest.mark.parametrize("arch", ["fc", "resnet"])
def test_recursion_matches_finite_width_networks_softplus(arch):
    """Monte-Carlo twin: the last-layer gradient Gram of 3 random networks of width m = 1500 (a_r^2 averaged to 1),
    relative error of the mean <= 5% entrywise (observed ~1-2%)."""
    act = resolve_activation("softplus")
    X = _unit(4, 3, 7)
    K = gram(X, arch=arch, depth=3, activation="softplus")
    rng = np.random.default_rng(11)
    fin = _fc_finite if arch == "fc" else _res_finite
    emp = np.mean([fin(X, 3, act, 1500, rng) for _ in range(3)], axis=0)
    assert np.max(np.abs(emp - K)) / np.max(np.abs(K)) < 0.05


def test_mp_recursion_matches_float_softplus():
    X = _unit(3, 2, 3)
    Xs = [[repr(float(v)) for v in row] for row in X]
    M = gram(Xs, arch="fc", depth=2, activation="softplus", method="mp", dps=25, nodes=30)
    G = gram(X, arch="fc", depth=2, activation="softplus", nodes=80)
    assert np.max(np.abs(np.array(M.tolist(), dtype=float) - G)) < 1e-10


def test_bad_arguments_are_invalid_argument():
    X = _unit(3, 2, 0)
    for kw in [dict(arch="cnn", depth=2), dict(arch="resnet", depth=1), dict(arch="two-layer", depth=2),
               dict(arch="fc", depth=0), dict(arch="fc", depth=2, c_res=1.5), dict(arch="fc", depth=2, method="x")]:
        with pytest.raises(InvalidArgument):
            gram(X, activation="relu", **kw)
    with pytest.raises(InvalidArgument):
        gram(X, arch="fc", depth=2, activation="nosuch")
    with pytest.raises(InvalidArgument):
        gram(X, arch="fc", depth=2, activation="softplus", method="ball")
    with pytest.raises(InvalidArgument):
        h_infinity([[0.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("a,b,c", [(1.0, 1.0, 0.4), (0.5, 2.0, -0.7), (1.5, 0.8, 1.0)])
def test_closed_forms_against_monte_carlo_non_unit_variances(a, b, c):
    """relu and erf closed forms (m, ff, dd) vs 10^6 correlated Gaussian draws, tolerance 6 sd / sqrt(N)."""
    from numerics.ntk.kernels import closed_pair

    rng = np.random.default_rng(5)
    N = 1_000_000
    L = np.linalg.cholesky(np.array([[a, c], [c, b]]) + 1e-15 * np.eye(2))
    u, v = L @ rng.standard_normal((2, N))
    for kind in ("relu", "erf"):
        act = resolve_activation(kind)
        for which, sample in (("m", act.f(u)), ("ff", act.f(u) * act.f(v)), ("dd", act.df(u) * act.df(v))):
            want = closed_pair(kind, which, np.float64(a), np.float64(b), np.float64(c), "float")
            assert abs(np.mean(sample) - want) < 6 * np.std(sample) / np.sqrt(N) + 1e-12, (kind, which)


def test_resnet_depth4_matches_finite_width_non_unit_inputs():
    """Monte-Carlo twin for H = 4 (two residual layers: the mean sequence b^(h) and the cross terms matter), inputs
    of norms 0.6..1.6, 3 networks of width 1500, softplus; relative error <= 5% (observed ~1%)."""
    act = resolve_activation("softplus")
    X = _unit(4, 3, 2) * np.array([[0.6], [1.0], [1.6], [1.2]])
    K = gram(X, arch="resnet", depth=4, activation="softplus")
    rng = np.random.default_rng(3)
    emp = np.mean([_res_finite(X, 4, act, 1500, rng) for _ in range(3)], axis=0)
    assert np.max(np.abs(emp - K)) / np.max(np.abs(K)) < 0.05


def test_mp_mehler_series_to_25_digits():
    """The mp recursion (Mehler series for smooth activations) against independent computations: the erf arcsine
    kernel (closed form) through the quadrature path, and mp tensor Gauss-Hermite with 120 nodes for softplus."""
    X = [["0.6", "0.8"], ["1", "0"], ["-0.28", "0.96"]]
    info = []
    M = gram(X, arch="fc", depth=2, activation="erf", method="mp", dps=30, closed_form=False, info=info)
    R = gram(X, arch="fc", depth=2, activation="erf", method="mp", dps=30)
    assert all("Mehler" in line for line in info)
    with mpmath.workdps(30):
        assert max(abs(M[i, j] - R[i, j]) for i in range(3) for j in range(3)) < mpmath.mpf(10) ** -27
    from numerics.ntk.quadrature import hermite_coefficients, mehler_pair

    act = resolve_activation("softplus")
    with mpmath.workdps(30):
        h, conv = hermite_coefficients(act.f_mp, mpmath.mpf("0.8"), dps=30)  # the basis of the erf run (cached)
        g, _ = hermite_coefficients(act.f_mp, mpmath.mpf("1.3"), dps=30)
        rho = mpmath.mpf("0.7")
        v = mehler_pair(h, g, rho)
        c = rho * mpmath.sqrt(mpmath.mpf("0.8") * mpmath.mpf("1.3"))
        ref = expect2_mp(act.f_mp, act.f_mp, "0.8", "1.3", c, dps=30, nodes=120)
        assert conv and abs(v - ref) < mpmath.mpf(10) ** -24


def test_float_mehler_series_matches_tensor_gauss_hermite():
    """The float recursion (Mehler series for smooth activations) against the tensor Gauss-Hermite rule (a different
    algorithm), inputs of norms 0.5..2 (the series falls back to the tensor rule where it does not converge)."""
    from dataclasses import replace

    X = _unit(12, 3, 4) * np.linspace(0.5, 2.0, 12)[:, None]
    for name in ("softplus", "sigmoid"):
        act = resolve_activation(name)
        tensor = replace(act, smooth=False)  # the same functions, forced through the tensor rule
        for arch, H in (("fc", 3), ("resnet", 4)):
            info = []
            A = gram(X, arch=arch, depth=H, activation=act, info=info)
            B = gram(X, arch=arch, depth=H, activation=tensor)
            assert any("Mehler" in line for line in info)
            assert np.max(np.abs(A - B)) < 1e-10 * np.max(np.abs(B))


def test_resnet_cross_term_pairs_b_i_with_m_j_on_non_unit_inputs():
    """Independent scalar mpmath recursion (ReLU closed forms, entry by entry) for the ResNet Gram on inputs of
    *different* norms, where b_i m_j + m_i b_j differs from b_i m_i + b_j m_j (unit inputs cannot tell)."""
    import mpmath

    from proofs.ntk import ntk_gram

    X = [[2.0, 0.0], [0.3, 0.4], [0.0, 1.5]]
    H, c_res = 4, 0.5
    pi = mpmath.pi

    def ang(a, b, c):
        return mpmath.acos(max(-1, min(1, c / mpmath.sqrt(a * b))))

    def ff(a, b, c):
        p = ang(a, b, c)
        return mpmath.sqrt(a * b) * (mpmath.sin(p) + (pi - p) * mpmath.cos(p)) / (2 * pi)

    def dd(a, b, c):
        return (pi - ang(a, b, c)) / (2 * pi)

    n = len(X)
    with mpmath.workdps(30):
        K = [[mpmath.mpf(sum(p * q for p, q in zip(X[i], X[j]))) for j in range(n)] for i in range(n)]
        cs, r = mpmath.mpf(2), mpmath.mpf(c_res) / H
        b = [mpmath.sqrt(cs) * mpmath.sqrt(K[i][i] / (2 * pi)) for i in range(n)]
        K = [[cs * ff(K[i][i], K[j][j], K[i][j]) for j in range(n)] for i in range(n)]
        for _ in range(2, H):
            m = [mpmath.sqrt(K[i][i] / (2 * pi)) for i in range(n)]
            F = [[ff(K[i][i], K[j][j], K[i][j]) for j in range(n)] for i in range(n)]
            K = [[K[i][j] + r * (b[i] * m[j] + m[i] * b[j]) + r * r * F[i][j] for j in range(n)] for i in range(n)]
            b = [b[i] + r * m[i] for i in range(n)]
        ref = [[r * r * K[i][j] * dd(K[i][i], K[j][j], K[i][j]) for j in range(n)] for i in range(n)]
    G = ntk_gram(X, arch="resnet", depth=H, activation="relu", c_res=c_res, method="gh")
    assert np.max(np.abs(G - np.array(ref, dtype=float))) < 1e-10
