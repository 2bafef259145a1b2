"""The dynamics engine against independent references (MATH.md §1.2, §1b A.1, §10).

References: the evaluators generated from the sympy models (proofs.problem.measure), central finite
differences of the loss, a hand-written peer-style GD step, closed forms (soft threshold,
exponential decay of the ReLU balancedness under weight decay).
"""
from __future__ import annotations

import numpy as np
import pytest

from numerics.dynamics import AttentionField, ParticleFlow, State, TABLEAUS
from proofs.dynamics import NetField, field_for
from proofs.errors import InvalidArgument
from proofs.problem.measure import Dataset, Measure, loss as measure_loss, velocity as measure_velocity
from proofs.symbolic.models import get_model

RTOL = 1e-12


def _net_instance(seed, n=7, d=3, k=2, m=5, scale=2.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((n, k))
    a = rng.standard_normal((m, k, 1))
    u = scale * rng.standard_normal((m, d + 1))
    return X, Y, a, u


def _close(x, y, tol):
    x, y = np.asarray(x), np.asarray(y)
    return np.max(np.abs(x - y)) <= tol * max(1.0, np.max(np.abs(y)))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "erf", "relu", "softplus", "identity", "cubic-step"])
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_net_velocity_matches_generated_evaluators(activation, fused, seed):
    X, Y, a, u = _net_instance(seed)
    m = len(u)
    model = get_model("sigmoid", k=Y.shape[1], d=X.shape[1], activation=activation)
    mu, data = Measure(a=a, u=u, mass=[1 / m] * m), Dataset(X=X, Y=Y)
    ref_a, ref_u = measure_velocity(model, mu, data)
    field = field_for(model, X, Y, fused=fused, block=2, threads=2)
    va, vu, L = field.evaluate(a, u)
    assert _close(va, ref_a, 1e-13) and _close(vu, ref_u, 1e-13)
    assert abs(L - measure_loss(model, mu, data)) <= 1e-14


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_fused_kernel_with_masses_and_blocks(activation):
    X, Y, a, u = _net_instance(3, n=11, d=2, k=3, m=9)
    m = len(u)
    mass = np.random.default_rng(4).uniform(0.1, 1.0, m)
    model = get_model("sigmoid", k=3, d=2, activation=activation)
    mu, data = Measure(a=a, u=u, mass=mass.tolist()), Dataset(X=X, Y=Y)
    ref_a, ref_u = measure_velocity(model, mu, data)
    for block, threads in [(8, 1), (8, 2), (2, 2), (64, 2)]:
        f = NetField(X, Y, activation, mass=mass, block=block, threads=threads)
        va, vu, L = f.evaluate(a, u)
        assert _close(va, ref_a, 1e-13) and _close(vu, ref_u, 1e-13)
        assert abs(L - measure_loss(model, mu, data)) <= 1e-14


@pytest.mark.parametrize("route", ["tanh", "exp"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("scale", [2.0, 400.0])
def test_fused_kernel_tanh_routes(route, activation, scale):
    """Both ways of computing tanh in the fused kernel (np.tanh, or 2/(1+e^{-2y}) - 1 with
    e^{-2y} = inf at y < -354) against the generated evaluators; scale 400 puts most
    pre-activations far into saturation (the overflow limit), with no warning."""
    from numerics.dynamics.kernels_net import NetNumpyKernel

    X, Y, a, u = _net_instance(5, n=13, d=3, k=2, m=10, scale=scale)
    m = len(u)
    model = get_model("sigmoid", k=2, d=3, activation=activation)
    mu, data = Measure(a=a, u=u, mass=[1 / m] * m), Dataset(X=X, Y=Y)
    ref_a, ref_u = measure_velocity(model, mu, data)
    ker = NetNumpyKernel(X, Y, activation, m, block=4, threads=2, tanh_route=route)
    assert ker.tanh_route == route
    va, vu = np.empty((m, 2)), np.empty((m, 4))
    L = ker.evaluate(a.reshape(m, 2).copy(), u.copy(), va, vu)
    assert np.all(np.isfinite(va)) and np.all(np.isfinite(vu))
    assert _close(va, ref_a.reshape(m, 2), 1e-13) and _close(vu, ref_u, 1e-13)
    assert abs(L - measure_loss(model, mu, data)) <= 1e-14
    if scale > 100:
        assert np.max(np.abs(ker.T)) == 1.0  # saturated entries are exactly +-1, as tanh's
    with pytest.raises(ValueError, match="tanh_route"):
        NetNumpyKernel(X, Y, activation, m, tanh_route="expit")


@pytest.mark.parametrize("name", ["attention", "attention-qk"])
@pytest.mark.parametrize("fused", [True, "peer", "regrouped"])
def test_attention_velocity_matches_generated_evaluators(name, fused):
    """The fused kernel and both array-API contraction orders against the generated evaluators."""
    rng = np.random.default_rng(5)
    n, k, p, L, dq, m = 6, 2, 3, 4, 2, 5
    model = get_model(name, k=k, p=p, L=L, dq=dq)
    X = rng.standard_normal((n, L * p))
    Y = rng.standard_normal((n, k))
    a = rng.standard_normal((m, k, p))
    u = rng.standard_normal((m, model.p_u))
    mu, data = Measure(a=a, u=u, mass=[1 / m] * m), Dataset(X=X, Y=Y)
    ref_a, ref_u = measure_velocity(model, mu, data)
    for block, threads in ((4, 2), (1, 2), (2, 1), (64, 1)):
        if fused is True:
            f = field_for(model, X, Y, fused=True, block=block, threads=threads)
        else:
            f = field_for(model, X, Y, fused=False, contraction=fused)
            assert f.contraction == fused
        va, vu, Lv = f.evaluate(a, u)
        assert _close(va, ref_a, 1e-13) and _close(vu, ref_u, 1e-13)
        assert abs(Lv - measure_loss(model, mu, data)) <= 1e-14


def test_euler_step_is_gradient_descent_with_step_m_tau():
    """MATH.md §10: an Euler step of size tau equals theta_j -= tau * m * grad_{theta_j} F_m
    (gradient by central finite differences of the loss, computed by proofs.problem.measure)."""
    X, Y, a, u = _net_instance(6, n=5, d=2, k=2, m=3, scale=1.0)
    m, tau = len(u), 0.3
    model = get_model("sigmoid", k=2, d=2)
    data = Dataset(X=X, Y=Y)

    def F(a_, u_):
        return measure_loss(model, Measure(a=a_, u=u_, mass=[1 / m] * m), data)

    h = 1e-6
    ga, gu = np.zeros_like(a), np.zeros_like(u)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = h
        ga[idx] = (F(a + e, u) - F(a - e, u)) / (2 * h)
    for idx in np.ndindex(u.shape):
        e = np.zeros_like(u)
        e[idx] = h
        gu[idx] = (F(a, u + e) - F(a, u - e)) / (2 * h)
    out = ParticleFlow(NetField(X, Y), dt=tau).run(State(a, u), 1)
    assert np.max(np.abs(out.a - (a - tau * m * ga))) < 1e-8
    assert np.max(np.abs(out.u - (u - tau * m * gu))) < 1e-8


def test_run_does_not_modify_input_and_step_matches_run():
    X, Y, a, u = _net_instance(7)
    a0, u0 = a.copy(), u.copy()
    flow = ParticleFlow(NetField(X, Y), dt=0.1)
    s1 = flow.run(State(a, u), 3)
    s2 = State(a, u)
    for _ in range(3):
        s2 = flow.step(s2)
    assert np.array_equal(a, a0) and np.array_equal(u, u0)
    assert _close(s1.a, s2.a, 1e-14) and _close(s1.u, s2.u, 1e-14)


@pytest.mark.parametrize("method", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("model_name", ["sigmoid", "attention-qk", "relu-lift"])
def test_array_api_strict_matches_numpy(method, model_name):
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(8)
    if model_name == "attention-qk":
        n, k, p, L, dq, m = 5, 2, 3, 4, 2, 4
        X, Y = rng.standard_normal((n, L, p)), rng.standard_normal((n, k))
        a, u = rng.standard_normal((m, k, p)), rng.standard_normal((m, 2 * p * dq))
        f_np = AttentionField(X, Y, qk=True, dq=dq)
        f_st = AttentionField(xps.asarray(X), xps.asarray(Y), qk=True, dq=dq, xp=xps)
    else:
        X, Y, a, u = _net_instance(9)
        act = "relu" if model_name == "relu-lift" else "sigmoid"
        f_np = NetField(X, Y, act)
        f_st = NetField(xps.asarray(X), xps.asarray(Y), act, xp=xps)
    kw = dict(dt=0.05, method=method, dt_inner=0.02, l1=0.01, weight_decay=0.03)
    s_np = ParticleFlow(f_np, **kw).run(State(a, u), 4)
    s_st = ParticleFlow(f_st, **kw).run(State(xps.asarray(a), xps.asarray(u)), 4)
    assert isinstance(s_st.a, type(xps.asarray(1.0)))
    assert s_st.u.dtype == xps.float64
    assert _close(np.from_dlpack(s_st.a), s_np.a, 1e-13) and _close(np.from_dlpack(s_st.u), s_np.u, 1e-13)
    d_st = ParticleFlow(f_st, **kw).diagnostics(s_st)
    d_np = ParticleFlow(f_np, **kw).diagnostics(s_np)
    for key in ("loss", "energy", "stationarity_residual"):
        assert abs(d_st[key] - d_np[key]) <= 1e-12 * max(1.0, abs(d_np[key]))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus", "erf"])
def test_no_overflow_at_large_weights(activation):
    X, Y, a, u = _net_instance(10)
    u = u * 1e6  # pre-activations ~ 1e6: saturated units
    a = a * 1e3
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        flow = ParticleFlow(NetField(X, Y, activation), dt=1e-3, method="rk4")
        if activation == "softplus":  # unbounded: one evaluation (a run may legitimately diverge)
            va, vu, L = flow.field.evaluate(a, u)
            assert np.all(np.isfinite(va)) and np.all(np.isfinite(vu)) and np.isfinite(L)
        else:
            s = flow.run(State(a, u), 2)
            assert np.all(np.isfinite(s.a)) and np.all(np.isfinite(s.u))
    rng = np.random.default_rng(11)
    Xa, Ya = rng.standard_normal((4, 3, 2)), rng.standard_normal((4, 1))
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        for fused in (True, False):
            f = AttentionField(Xa, Ya, fused=fused)
            va, vu, L = f.evaluate(rng.standard_normal((3, 1, 2)), 1e5 * rng.standard_normal((3, 4)))
            assert np.all(np.isfinite(va)) and np.all(np.isfinite(vu)) and np.isfinite(L)


def test_soft_threshold_at_zero_output_weight():
    """MATH.md §1.2 / §8 A12: with V = lambda|a| a particle at a = 0 stays iff |Psi(u)| <= lambda;
    otherwise one Euler+prox step gives a = -tau Psi (1 - lambda/|Psi|)."""
    X, Y, a, u = _net_instance(12, m=4)
    a[:2] = 0.0
    field = NetField(X, Y)
    va, _, _ = field.evaluate(a, u)
    psi_norm = np.linalg.norm(va.reshape(4, -1), axis=1)
    tau = 0.01
    lam_hi = 1.01 * psi_norm[:2].max()
    lam_lo = 0.5 * psi_norm[:2].min()
    s = ParticleFlow(field, dt=tau, l1=lam_hi).run(State(a, u), 1)
    assert np.all(s.a[:2] == 0.0)
    s = ParticleFlow(field, dt=tau, l1=lam_lo).run(State(a, u), 1)
    expect = tau * va[:2] * (1 - lam_lo / psi_norm[:2])[:, None, None]
    assert _close(s.a[:2], expect, 1e-13)
    # minimal-norm velocity at a = 0 is the soft threshold of the smooth velocity
    v = ParticleFlow(field, dt=tau, l1=lam_lo).velocity(State(a, u))[0]
    assert _close(v[:2], va[:2] * (1 - lam_lo / psi_norm[:2])[:, None, None], 1e-13)
    v = ParticleFlow(field, dt=tau, l1=lam_hi).velocity(State(a, u))[0]
    assert np.all(v[:2] == 0.0)


def test_two_timescales_freeze_inner_parameters():
    X, Y, a, u = _net_instance(13)
    for method in ("euler", "rk4"):
        s = ParticleFlow(NetField(X, Y), dt=0.1, dt_inner=0.0, method=method).run(State(a, u), 3)
        assert np.array_equal(s.u, u) and not np.array_equal(s.a, a)
    # Euler with dt_inner: the u increment is (dt_inner/dt) times the single-timescale one
    s1 = ParticleFlow(NetField(X, Y), dt=0.1).run(State(a, u), 1)
    s2 = ParticleFlow(NetField(X, Y), dt=0.1, dt_inner=0.025).run(State(a, u), 1)
    assert _close(s2.u - u, 0.25 * (s1.u - u), 1e-13) and _close(s2.a, s1.a, 1e-15)


def test_relu_balancedness_decays_with_weight_decay():
    """MATH.md §3.10 / §8 A11: w^2 - |theta|^2 is conserved without V, decays like e^{-2 lambda t}
    with V = lambda/2 |u|^2 (RK4 with a small step: agreement to 1e-8)."""
    X, Y, a, u = _net_instance(14, k=1)
    field = NetField(X, Y, "relu")
    delta0 = a[:, 0, 0] ** 2 - np.sum(u * u, axis=1)
    T, steps = 0.5, 200
    s = ParticleFlow(field, dt=T / steps, method="rk4").run(State(a, u), steps)
    delta = s.a[:, 0, 0] ** 2 - np.sum(s.u * s.u, axis=1)
    assert np.max(np.abs(delta - delta0)) < 1e-8 * np.max(np.abs(delta0))
    lam = 0.7
    s = ParticleFlow(field, dt=T / steps, method="rk4", weight_decay=lam).run(State(a, u), steps)
    delta = s.a[:, 0, 0] ** 2 - np.sum(s.u * s.u, axis=1)
    assert np.max(np.abs(delta - delta0 * np.exp(-2 * lam * T))) < 1e-7 * np.max(np.abs(delta0))


def test_energy_identity_along_the_flow():
    """MATH.md §1.2: dF/dt = -(1/m) sum_j |theta_j'|^2 (central difference in time, RK4)."""
    X, Y, a, u = _net_instance(15)
    flow = ParticleFlow(NetField(X, Y), dt=1e-3, method="rk4")
    s0 = State(a, u)
    d = flow.diagnostics(s0)
    fwd = flow.run(s0, 1)
    bwd = ParticleFlow(NetField(X, Y), dt=1e-3, method="rk4")
    # backward in time: flip the field's sign through a negative step is not allowed; use symmetric
    # one-sided second-order difference instead: (-3 F0 + 4 F1 - F2) / (2 h)
    f2 = bwd.run(s0, 2)
    h = 1e-3
    dFdt = (-3 * flow.energy(s0) + 4 * flow.energy(fwd) - flow.energy(f2)) / (2 * h)
    assert abs(dFdt + d["dissipation"]) < 1e-5 * d["dissipation"]


@pytest.mark.parametrize("method,order", [("euler", 1), ("heun", 2), ("rk4", 4)])
def test_fitted_order_of_each_method(method, order):
    """Diffrax-style order test: error at T against a fine RK4 reference, slope of log error in log dt."""
    X, Y, a, u = _net_instance(16, n=6, d=2, k=1, m=3, scale=1.0)
    field = NetField(X, Y, "tanh")
    T = 0.4
    ref = ParticleFlow(field, dt=T / 2048, method="rk4").run(State(a, u), 2048)
    errs, dts = [], []
    for steps in (8, 16, 32):
        s = ParticleFlow(field, dt=T / steps, method=method).run(State(a, u), steps)
        errs.append(np.max(np.abs(np.concatenate([(s.a - ref.a).ravel(), (s.u - ref.u).ravel()]))))
        dts.append(T / steps)
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    # band: +-0.3 around the declared order (pre-asymptotic terms at these coarse steps)
    assert abs(slope - order) < 0.3, (slope, errs)
    assert TABLEAUS[method].order == order


def test_bench_w1_small_matches_hand_peer():
    """The W1 workload (bench/ protocol) against a hand-written peer-style step, small m."""
    from proofs.bench import bench_dynamics, make_w1

    rec = bench_dynamics("w1", m=64, steps=20, n=64)
    X, Y, (A, W, b) = make_w1(64, 16, 4, 64)
    for _ in range(20):  # the numpy peer's hand gradient (bench/README.md)
        Z = X @ W.T + b
        S = 1 / (1 + np.exp(-Z))
        E = S @ A / 64 - Y
        gA = S.T @ E / 64
        G = (E @ A.T) * S * (1 - S) / 64
        A, W, b = A - 0.05 * gA, W - 0.05 * (G.T @ X), b - 0.05 * G.sum(0)
    E = (1 / (1 + np.exp(-(X @ W.T + b)))) @ A / 64 - Y
    ref = 0.5 * np.sum(E * E) / 64
    assert abs(rec["final_loss"] - ref) <= 1e-12 * ref


@pytest.mark.slow
@pytest.mark.parametrize("workload,reference", [("w1", 0.00507083439265303), ("w2", 0.100823454892019)])
def test_bench_default_final_loss_agrees_with_peers(workload, reference):
    """Final losses of the peers (bench/README.md, all peers agree to 3.4e-16): 1e-9 relative."""
    from proofs.bench import bench_dynamics

    rec = bench_dynamics(workload)
    assert abs(rec["final_loss"] - reference) <= 1e-9 * reference


@pytest.mark.parametrize("kwargs,needle", [
    (dict(dt=0.0), "dt must be positive"),
    (dict(dt=float("nan")), "finite"),
    (dict(dt=0.1, method="rk5"), "valid are euler, heun, rk4"),
    (dict(dt=0.1, l1=-1.0), ">= 0"),
    (dict(dt=0.1, dt_inner=-0.1), "dt_inner"),
])
def test_flow_rejects_bad_arguments(kwargs, needle):
    X, Y, a, u = _net_instance(17)
    with pytest.raises(InvalidArgument, match=needle):
        ParticleFlow(NetField(X, Y), **kwargs)


def test_field_rejects_bad_inputs():
    X, Y, a, u = _net_instance(18)
    with pytest.raises(InvalidArgument, match="NaN or inf"):
        NetField(np.where(X > 0, np.nan, X), Y)
    with pytest.raises(InvalidArgument, match="shape"):
        ParticleFlow(NetField(X, Y), dt=0.1).run(State(a, u[:, :2]), 1)
    xps = pytest.importorskip("array_api_strict")
    with pytest.raises(InvalidArgument, match="no array-API kernel"):
        NetField(xps.asarray(X), xps.asarray(Y), "erf", xp=xps)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_ntk_flow_is_du_et_al_gradient_descent(activation):
    """MATH.md §4.1: f = (1/sqrt m) sum_r a_r sigma(w_r . x), L = sum_i (f_i - y_i)^2 / 2, a frozen,
    w_r -= eta dL/dw_r with the hand gradient (1/sqrt m) sum_i (f_i - y_i) a_r sigma'(w_r.x_i) x_i."""
    from proofs.dynamics import ntk_flow

    rng = np.random.default_rng(19)
    n, d, m, eta = 6, 3, 50, 0.05
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = rng.standard_normal((n, 1))
    W = rng.standard_normal((m, d))
    a = rng.choice([-1.0, 1.0], size=m)

    def sig(z):
        return np.maximum(z, 0) if activation == "relu" else np.tanh(z)

    def dsig(z):
        return (z >= 0).astype(float) if activation == "relu" else 1 - np.tanh(z) ** 2

    Wr = W.copy()
    for _ in range(5):
        Z = X @ Wr.T
        f = sig(Z) @ a / np.sqrt(m)
        G = ((f - Y[:, 0])[:, None] * dsig(Z) * a[None, :]).T @ X / np.sqrt(m)
        Wr = Wr - eta * G
    flow = ntk_flow(X, Y, a[:, None, None], eta=eta, activation=activation)
    s = flow.run(State(a[:, None, None], W), 5)
    assert np.array_equal(s.a[:, 0, 0], a)
    assert _close(s.u, Wr, 1e-12)


@pytest.mark.parametrize("backend", ["jax", "cupy", "torch"])
def test_optional_backends_match_numpy(backend):
    """The same generic code on the optional namespaces (skipped where not installed)."""
    pytest.importorskip(backend)
    from numerics.dynamics.backend import get_backend, to_numpy

    xp = get_backend(backend)
    X, Y, a, u = _net_instance(20)
    kw = dict(dt=0.05, method="rk4", l1=0.01, weight_decay=0.02, dt_inner=0.03)
    s_np = ParticleFlow(NetField(X, Y), **kw).run(State(a, u), 3)
    f = NetField(xp.asarray(X), xp.asarray(Y), xp=xp)
    s_x = ParticleFlow(f, **kw).run(State(xp.asarray(a), xp.asarray(u)), 3)
    assert _close(to_numpy(s_x.a), s_np.a, 1e-13) and _close(to_numpy(s_x.u), s_np.u, 1e-13)


@pytest.mark.parametrize("model", ["net", "attention-qk"])
def test_jax_compiled_run_matches_numpy_steps_and_callbacks(model, monkeypatch):
    """On JAX, run() executes chunks of steps in one jitted fori_loop: same states as numpy
    (every method, regularisers, two timescales), callbacks at the same steps with the same
    losses (chunks end at callback steps and at COMPILED_CHUNK), recompiled when dt changes."""
    pytest.importorskip("jax")
    from numerics.dynamics.backend import get_backend, to_numpy

    xp = get_backend("jax")
    if model == "net":
        X, Y, a, u = _net_instance(23)

        def make(xq):
            return NetField(xq.asarray(X), xq.asarray(Y), xp=xq) if xq is not np else NetField(X, Y)
    else:
        rng = np.random.default_rng(23)
        X, Y = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 2))
        a, u = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2 * 2 * 2))

        def make(xq):
            return AttentionField(xq.asarray(X), xq.asarray(Y), qk=True, dq=2, xp=xq)
    monkeypatch.setattr(ParticleFlow, "COMPILED_CHUNK", 2)
    for kw in (dict(method="euler"), dict(method="heun", l1=0.02, weight_decay=0.01, dt_inner=0.05)):
        seen = {}
        for name, xq in (("numpy", np), ("jax", xp)):
            log = []
            flow = ParticleFlow(make(xq), dt=0.1, **kw)
            st = State(xq.asarray(a), xq.asarray(u)) if xq is not np else State(a, u)
            out = flow.run(st, 7, every=3, callback=lambda s, sta, loss: log.append((s, loss)))
            seen[name] = (to_numpy(out.a), to_numpy(out.u), log, flow)
        (a0, u0, log0, _), (a1, u1, log1, jflow) = seen["numpy"], seen["jax"]
        assert jflow._compiled is not None  # the compiled loop ran
        assert _close(a1, a0, 1e-12) and _close(u1, u0, 1e-12)
        assert [s for s, _ in log1] == [s for s, _ in log0] == [3, 6, 7]
        assert all(abs(l1 - l0) <= 1e-13 * max(1.0, abs(l0)) for (_, l1), (_, l0) in zip(log1, log0))
        # a changed step size is honoured (the traced step is recompiled)
        jflow.dt = 0.05
        ref = ParticleFlow(make(np), dt=0.05, **kw).run(State(a, u), 2)
        got = jflow.run(State(xp.asarray(a), xp.asarray(u)), 2)
        assert _close(to_numpy(got.u), ref.u, 1e-12)


def test_jax_compiled_run_ctrl_c_keeps_a_consistent_state():
    pytest.importorskip("jax")
    import os
    import signal

    from numerics.dynamics.backend import get_backend, to_numpy

    xp = get_backend("jax")
    X, Y, a, u = _net_instance(24)
    flow = ParticleFlow(NetField(xp.asarray(X), xp.asarray(Y), xp=xp), dt=0.1)

    def cb(s, st, loss):
        if s == 4:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as exc:
        flow.run(State(xp.asarray(a), xp.asarray(u)), 10, every=2, callback=cb)
    assert exc.value.steps_done == 4
    ref = ParticleFlow(NetField(X, Y), dt=0.1).run(State(a, u), 4)
    assert _close(to_numpy(exc.value.state.u), ref.u, 1e-12)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_ctrl_c_stops_at_a_step_boundary_with_a_consistent_state(method):
    import os
    import signal

    X, Y, a, u = _net_instance(21)
    flow = ParticleFlow(NetField(X, Y), dt=0.1, method=method)

    def cb(s, st, loss):
        if s == 3:
            os.kill(os.getpid(), signal.SIGINT)  # delivered inside the run: deferred to the boundary

    with pytest.raises(KeyboardInterrupt) as exc:
        flow.run(State(a, u), 10, every=1, callback=cb)
    assert exc.value.steps_done == 3
    ref = ParticleFlow(NetField(X, Y), dt=0.1, method=method).run(State(a, u), 3)
    assert np.array_equal(exc.value.state.a, ref.a) and np.array_equal(exc.value.state.u, ref.u)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_w2_distance_reference_values():
    """W2 between particle measures: translation by c gives |c|; 1-D measures match in sorted order."""
    pytest.importorskip("ot")
    from numerics.dynamics import w2_distance

    rng = np.random.default_rng(22)
    a, u = rng.standard_normal((7, 2, 1)), rng.standard_normal((7, 3))
    c_a, c_u = rng.standard_normal((2, 1)), rng.standard_normal(3)
    d = w2_distance(State(a, u), State(a + c_a, u + c_u))
    assert abs(d - np.sqrt(np.sum(c_a ** 2) + np.sum(c_u ** 2))) < 1e-12
    x, y = rng.standard_normal(9), rng.standard_normal(9)
    s1 = State(x[:, None, None], np.zeros((9, 0)))
    s2 = State(y[:, None, None], np.zeros((9, 0)))
    assert abs(w2_distance(s1, s2) - np.sqrt(np.mean((np.sort(x) - np.sort(y)) ** 2))) < 1e-12


def test_backend_names_are_the_top_level_library():
    """jax.numpy is JAX, not numpy (the compiled JAX loop and the bench records rely on it)."""
    import array_api_strict

    from numerics.dynamics.backend import backend_name, get_backend

    assert backend_name(np) == "numpy"
    assert backend_name(array_api_strict) == "array_api_strict"
    for name in ("jax", "torch", "cupy"):
        try:
            xp = get_backend(name)
        except Exception:  # noqa: BLE001 - not installed here
            continue
        assert backend_name(xp) == name
