"""GeneratedField (any model, from its array-API evaluators) against the hand-written fields and the references.

GeneratedField on the built-in sigmoid model and on attention heads equals NetField / AttentionField
(velocities and loss to 1e-12) on numpy and on array_api_strict, and equals the mean-field velocity of
proofs.problem.measure evaluated in mpmath (MATH.md §1b A.1) to 1e-10. Also: the activations' array-API
evaluators (generated from the sympy source) against the hand-fused numpy kernel, no overflow at |z| = 800,
and the one-line error where a namespace lacks a function.
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest

from numerics.certified.precision import workdps
from numerics.dynamics import AttentionField, GeneratedField, ParticleFlow, State
from numerics.dynamics import NetField as NumericsNetField
from proofs.dynamics import NetField, field_for
from proofs.errors import InvalidArgument
from proofs.problem.measure import Dataset, Measure, loss as measure_loss, velocity as measure_velocity
from proofs.symbolic.activations import BUILTINS
from proofs.symbolic.models import AttentionHead, SigmoidNet, get_model


def _close(x, y, tol):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.max(np.abs(x - y)) <= tol * max(1.0, np.max(np.abs(y)))


def _np(x):
    return x if isinstance(x, np.ndarray) else np.from_dlpack(x)


def _generated(model, X, Y, xp=np, mass=None):
    return GeneratedField(X, Y, model.compile("g", "xp"), model.compile("dg", "xp"), model.k, model.q, model.p_u,
                          xp=xp, mass=mass, name=model.name)


def _instance(model, seed, n=6, m=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, model.p_x))
    Y = rng.standard_normal((n, model.k))
    a = rng.standard_normal((m, model.k, model.q))
    u = rng.standard_normal((m, model.p_u))
    return X, Y, a, u


def _backends():
    out = [np]
    try:
        import array_api_strict

        out.append(array_api_strict)
    except ImportError:  # pragma: no cover - a test dependency
        pass
    return out


@pytest.mark.parametrize("xp", _backends(), ids=lambda xp: xp.__name__)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus", "cubic-step"])
@pytest.mark.parametrize("masses", [False, True])
def test_generated_field_equals_net_field(xp, activation, masses):
    model = get_model("sigmoid", k=2, d=3, activation=activation)
    X, Y, a, u = _instance(model, 1)
    mass = np.random.default_rng(2).uniform(0.1, 1.0, len(u)) if masses else None
    ref = NetField(X, Y, activation, mass=mass)  # numpy (fused kernel for sigmoid/tanh)
    va0, vu0, L0 = ref.evaluate(a, u)
    gen = _generated(model, xp.asarray(X), xp.asarray(Y), xp=xp, mass=mass)
    va, vu, L = gen.evaluate(xp.asarray(a), xp.asarray(u))
    assert _close(_np(va), va0, 1e-12) and _close(_np(vu), vu0, 1e-12)
    assert abs(L - L0) <= 1e-12 * max(1.0, L0)
    assert _close(_np(gen.predict(xp.asarray(a), xp.asarray(u))), ref.predict(a, u), 1e-12)


@pytest.mark.parametrize("xp", _backends(), ids=lambda xp: xp.__name__)
@pytest.mark.parametrize("qk", [False, True])
def test_generated_field_equals_attention_field(xp, qk):
    model = AttentionHead(k=2, p=2, L=3, qk=qk, dq=2)
    X, Y, a, u = _instance(model, 3)
    ref = AttentionField(X.reshape(len(X), 3, 2), Y, qk=qk, dq=2)
    va0, vu0, L0 = ref.evaluate(a, u)
    gen = _generated(model, xp.asarray(X), xp.asarray(Y), xp=xp)
    va, vu, L = gen.evaluate(xp.asarray(a), xp.asarray(u))
    assert _close(_np(va), va0, 1e-12) and _close(_np(vu), vu0, 1e-12)
    assert abs(L - L0) <= 1e-12 * max(1.0, L0)


@pytest.mark.parametrize("model", [SigmoidNet(k=2, d=2, activation="tanh"), AttentionHead(k=1, p=2, L=2),
                                   AttentionHead(k=1, p=2, L=2, normalize=False)], ids=lambda m: m.name)
def test_generated_field_equals_the_measure_velocity_in_mpmath(model):
    """MATH.md §1b A.1: a' = -Psi_mu(u), u' = -grad_u <a, Psi_mu(u)>, evaluated by proofs.problem.measure at 30
    digits from the same sympy source (and, for the unnormalised head, the field field_for builds)."""
    X, Y, a, u = _instance(model, 4, n=5, m=4)
    mass = [0.1, 0.2, 0.3, 0.4]
    mu, data = Measure(a=a, u=u, mass=mass), Dataset(X=X, Y=Y)
    with workdps(30):
        ra, ru = measure_velocity(model, mu, data, backend="mpmath")
        rL = measure_loss(model, mu, data, backend="mpmath")
    ref_a = np.array([[[float(v) for v in row] for row in M] for M in ra])
    ref_u = np.array([[float(v) for v in row] for row in ru])
    field = field_for(model, X, Y, mass=np.array(mass))
    assert isinstance(field, GeneratedField) == (not getattr(model, "normalize", False) and model.q > 1)
    for f in (field, _generated(model, X, Y, mass=np.array(mass))):
        va, vu, L = f.evaluate(a, u)
        assert _close(va, ref_a, 1e-10) and _close(vu, ref_u, 1e-10)
        assert abs(L - float(rL)) <= 1e-10 * max(1.0, abs(float(rL)))
    assert isinstance(rL, mpmath.mpf)


def test_field_for_routes_builtins_to_their_fields_and_other_models_to_generated():
    assert type(field_for(get_model("sigmoid", k=1, d=2), np.zeros((3, 2)), np.zeros((3, 1)))).__name__ == "NetField"
    head = AttentionHead(k=1, p=2, L=2)
    assert isinstance(field_for(head, np.zeros((3, 4)), np.zeros((3, 1))), AttentionField)
    raw = AttentionHead(k=1, p=2, L=2, normalize=False)
    f = field_for(raw, np.zeros((3, 4)), np.zeros((3, 1)), fused=False)  # speed options ignored there
    assert isinstance(f, GeneratedField) and f.name == raw.name


def test_generated_field_flow_matches_net_field_flow():
    model = get_model("sigmoid", k=1, d=2, activation="tanh")
    X, Y, a, u = _instance(model, 5)
    kw = dict(dt=0.05, method="rk4", dt_inner=0.02, l1=0.01, weight_decay=0.03)
    s_ref = ParticleFlow(NetField(X, Y, "tanh"), **kw).run(State(a, u), 5)
    s_gen = ParticleFlow(_generated(model, X, Y), **kw).run(State(a, u), 5)
    assert _close(s_gen.a, s_ref.a, 1e-12) and _close(s_gen.u, s_ref.u, 1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_fused_kernel_equals_the_generated_activation_path(activation):
    """The hand-fused numpy kernel (selected by the activation's name) against the generated (sigma, sigma')."""
    model = get_model("sigmoid", k=2, d=3, activation=activation)
    X, Y, a, u = _instance(model, 6, n=9, m=7)
    u = 3.0 * u
    fused, plain = NetField(X, Y, activation), NetField(X, Y, activation, fused=False)
    assert fused.fused and not plain.fused
    (va, vu, L), (va2, vu2, L2) = fused.evaluate(a, u), plain.evaluate(a, u)
    assert _close(va, va2, 1e-13) and _close(vu, vu2, 1e-13) and abs(L - L2) <= 1e-14
    s, _ = BUILTINS[activation].evaluators(np)
    A = a.reshape(len(u), 2)
    ref = s(np.hstack([X, np.ones((len(X), 1))]) @ u.T) @ A / len(u)
    assert _close(fused.predict(a, u), ref, 1e-13)


@pytest.mark.parametrize("xp", _backends(), ids=lambda xp: xp.__name__)
@pytest.mark.parametrize("name", [n for n in BUILTINS if n != "erf"])
def test_activation_evaluators_are_stable_at_large_arguments(xp, name):
    """No overflow RuntimeWarning (an error in this test configuration) at |z| = 800; finite values of z's shape."""
    s, ds = BUILTINS[name].evaluators(xp)
    z = xp.asarray(np.array([[-800.0, -1.0, 0.0], [0.5, 2.0, 800.0]]))
    for f in (s, ds):
        v = _np(f(z))
        assert v.shape == (2, 3) and v.dtype == np.float64
        if name not in ("identity", "square", "relu", "softplus"):  # bounded ones stay bounded
            assert np.all(np.abs(v) <= 3.0)  # sup |sigma|, |sigma'| <= 3 (cubic step: sigma'(0) = 3)
        assert np.all(np.isfinite(v))
    if name in ("sigmoid", "tanh"):
        assert float(_np(ds(z))[0, 0]) == 0.0


def test_relu_derivative_is_zero_at_the_kink():
    """The dynamics' convention sigma'(0) = 0 for relu (the a.e. derivative at the kink)."""
    _, ds = BUILTINS["relu"].evaluators(np)
    assert list(ds(np.array([-1.0, 0.0, 1.0]))) == [0.0, 0.0, 1.0]


def test_missing_function_in_a_namespace_is_one_line():
    xps = pytest.importorskip("array_api_strict")
    with pytest.raises(InvalidArgument, match=r"activation 'erf' has no array-API kernel; on backend "
                                              r"array_api_strict valid are sigmoid, tanh"):
        BUILTINS["erf"].evaluators(xps)
    s, _ = BUILTINS["erf"].evaluators(np)  # numpy takes scipy's erf
    assert abs(float(s(np.array([1.0]))[0]) - 0.8427007929497149) <= 1e-15


def test_numerics_net_field_takes_activation_objects_only():
    X, Y = np.zeros((3, 2)), np.zeros((3, 1))
    with pytest.raises(InvalidArgument, match="proofs.dynamics.NetField"):
        NumericsNetField(X, Y, "tanh")
    f = NumericsNetField(X, Y, BUILTINS["tanh"])
    assert f.activation == "tanh" and f.name == "net[tanh]"


def test_generated_softmax_is_finite_and_exact_at_scores_beyond_exp_overflow():
    """Scores near 1e3 overflow exp in float64; the generated array-API softmax weights must stay the exact
    (max-shifted) ones. Reference: the weights of the shifted scores computed in mpmath at 30 digits."""
    from proofs.symbolic.codegen import compile_expr
    from proofs.symbolic.functions import softmax_w
    import sympy as sp

    s = sp.symbols("s1:4", real=True)
    f = compile_expr(list(s), [softmax_w(si, *s) for si in s], "xp")
    scores = [1000.0, 999.0, -5.0]
    got = [float(v) for v in f(np, *[np.asarray(v) for v in scores])]
    with workdps(30):
        e = [mpmath.exp(mpmath.mpf(v) - 1000) for v in scores]
        ref = [float(v / sum(e)) for v in e]
    assert all(np.isfinite(got))
    assert np.allclose(got, ref, rtol=1e-14, atol=1e-300)
