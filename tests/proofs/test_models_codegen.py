"""Generated evaluators against finite differences (mpmath) and against each other."""
import random

import mpmath
import numpy as np
import pytest
from flint import arb

from numerics.certified.precision import arb_prec, workdps
from proofs.problem import measure as M
from proofs.symbolic.models import get_model

MODELS = [
    dict(name="sigmoid", k=2, d=2),
    dict(name="sigmoid", k=1, d=3, activation="tanh"),
    dict(name="sigmoid", k=2, d=1, activation="cubic-step"),
    dict(name="sigmoid", k=1, d=2, activation="exp(-z**2)"),
    dict(name="attention", k=2, p=2, L=3),
    dict(name="attention-qk", k=1, p=2, L=2, dq=2),
    dict(name="relu-lift", k=1, d=2),
]


def _model(spec):
    spec = dict(spec)
    return get_model(spec.pop("name"), **spec)


@pytest.mark.parametrize("spec", MODELS, ids=lambda s: f"{s['name']}-{s.get('activation', '')}")
def test_jacobian_matches_mpmath_finite_differences(spec):
    model = _model(spec)
    rng = random.Random(7)
    with workdps(40):
        u = [mpmath.mpf(rng.uniform(-1.5, 1.5)) for _ in range(model.p_u)]
        x = [mpmath.mpf(rng.uniform(-1, 1)) for _ in range(model.p_x)]
        g = model.compile("g", "mpmath")
        dg = model.compile("dg", "mpmath")
        J = dg(*u, *x)
        for qi in range(model.q):
            for t in range(model.p_u):
                def fq(s, t=t, qi=qi):
                    uu = list(u)
                    uu[t] = s
                    return g(*uu, *x)[qi]
                fd = mpmath.diff(fq, u[t])
                assert abs(fd - J[qi * model.p_u + t]) < mpmath.mpf(10) ** -25


@pytest.mark.parametrize("spec", MODELS, ids=lambda s: f"{s['name']}-{s.get('activation', '')}")
def test_three_backends_agree_and_balls_enclose(spec):
    model = _model(spec)
    rng = np.random.default_rng(3)
    mu = M.Measure(a=rng.standard_normal((3, model.k, model.q)), u=rng.standard_normal((3, model.p_u)),
                   mass=np.full(3, 1 / 3))
    data = M.Dataset(X=rng.standard_normal((4, model.p_x)), Y=rng.standard_normal((4, model.k)))
    va_np, vu_np = M.velocity(model, mu, data, "numpy")
    with workdps(30):
        va_mp, vu_mp = M.velocity(model, mu, data, "mpmath")
        for j in range(3):
            for t in range(model.p_u):
                assert abs(vu_np[j, t] - float(vu_mp[j][t])) <= 1e-12 * (1 + abs(vu_np[j, t]))
        loss_mp = M.loss(model, mu, data, "mpmath")
    with arb_prec(200):
        loss_arb = M.loss(model, mu, data, "arb")
    with workdps(40):
        assert abs(mpmath.mpf(loss_arb.mid().str(40, radius=False)) - loss_mp) < mpmath.mpf(10) ** -25
    assert loss_arb.rad() < 1e-40  # width, not just containment
    assert M.loss(model, mu, data, "numpy") == pytest.approx(float(loss_mp), rel=1e-13)


def test_velocity_is_minus_gradient_of_loss_times_m():
    # independent of the first-variation code path: finite differences of the loss itself
    model = get_model("sigmoid", k=2, d=2)
    rng = np.random.default_rng(5)
    m = 3
    a, u = rng.standard_normal((m, 2, 1)), rng.standard_normal((m, 3))
    data = M.Dataset(X=rng.standard_normal((5, 2)), Y=rng.standard_normal((5, 2)))
    mu = M.Measure(a=a, u=u, mass=np.full(m, 1 / m))
    va, vu = M.velocity(model, mu, data)
    h = 1e-6
    for j in range(m):
        for t in range(3):
            up, dn = u.copy(), u.copy()
            up[j, t] += h
            dn[j, t] -= h
            fd = (M.loss(model, M.Measure(a, up, mu.mass), data) - M.loss(model, M.Measure(a, dn, mu.mass), data)) / (2 * h)
            assert vu[j, t] == pytest.approx(-m * fd, rel=1e-6, abs=1e-9)


def test_numpy_evaluators_are_stable_at_large_weights():
    model = get_model("sigmoid", k=1, d=1)
    mu = M.Measure(a=np.ones((2, 1, 1)), u=np.array([[800.0, 0.0], [-900.0, 5.0]]), mass=np.full(2, 0.5))
    data = M.Dataset(X=np.array([[1.0], [-1.0]]), Y=np.zeros((2, 1)))
    va, vu = M.velocity(model, mu, data)  # strict numpy: overflow would raise
    assert np.all(np.isfinite(vu)) and np.all(np.isfinite(va))
    att = get_model("attention", k=1, p=2, L=2)
    mu = M.Measure(a=np.ones((1, 1, 2)), u=np.array([[900.0, -700.0, 800.0, 1000.0]]), mass=np.ones(1))
    data = M.Dataset(X=np.array([[1.0, 2.0, -1.0, 0.5]]), Y=np.zeros((1, 1)))
    va, vu = M.velocity(att, mu, data)
    assert np.all(np.isfinite(vu))


def test_latex_of_every_expression():
    model = get_model("sigmoid", k=2, d=1)
    for what in ("feature", "first-variation", "psi", "velocity"):
        assert "\\sigma" in model.latex(what)
