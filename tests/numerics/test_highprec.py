"""High-precision evaluation and Newton refinement (numerics/highprec.py)."""
from fractions import Fraction

import mpmath
import pytest

from numerics.highprec import (grad_psi_mp, hessian_psi_mp, loss_mp, psi_mp, refine_argmax_abs_psi,
                               refine_stationary)
from proofs.errors import NoConvergence
from proofs.problem.inverse_design import stationary_targets
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model

MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
X = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
Y = [["0.1"], ["-0.2"], ["0.3"], ["0.05"], ["-0.4"], ["0.2"], ["0.1"]]
MODEL = get_model("sigmoid", k=1, d=1)
DATA = Dataset(X=X, Y=Y)


def _q(v):
    q = Fraction(v)
    return mpmath.mpf(q.numerator) / q.denominator


def _psi_hand(w, b):
    s = lambda z: 1 / (1 + mpmath.exp(-z))
    r = [sum(_q(p) * _q(a[0][0]) * s(_q(u[0]) * _q(x[0]) + _q(u[1])) for p, a, u in zip(MU.mass, MU.a, MU.u))
         - _q(y[0]) for x, y in zip(X, Y)]
    return sum(ri * s(w * _q(x[0]) + b) for ri, x in zip(r, X)) / len(X)


@pytest.mark.parametrize("dps", [15, 30, 100])
def test_psi_gradient_hessian_against_hand_formula(dps):
    tol = mpmath.mpf(10) ** (-dps + 5)
    with mpmath.workdps(dps + 20):
        w, b = mpmath.mpf("0.7"), mpmath.mpf("-0.4")
        ref = _psi_hand(w, b)
        gw = mpmath.diff(lambda t: _psi_hand(t, b), w)
        gb = mpmath.diff(lambda t: _psi_hand(w, t), b)
        hwb = mpmath.diff(lambda s, t: _psi_hand(s, t), (w, b), (1, 1))
    P = psi_mp(MODEL, MU, DATA, ["0.7", "-0.4"], dps=dps)
    J = grad_psi_mp(MODEL, MU, DATA, ["0.7", "-0.4"], dps=dps)
    H = hessian_psi_mp(MODEL, MU, DATA, ["0.7", "-0.4"], dps=dps)
    with mpmath.workdps(dps + 20):
        assert abs(P[0] - ref) < tol
        assert abs(J[0][0] - gw) < tol and abs(J[0][1] - gb) < tol
        assert abs(H[0][0][1] - hwb) < tol and abs(H[0][1][0] - hwb) < tol


def test_loss_at_any_precision_and_scoped():
    old = mpmath.mp.dps
    v50 = loss_mp(MODEL, MU, DATA, dps=50)
    v100 = loss_mp(MODEL, MU, DATA, dps=100)
    assert mpmath.mp.dps == old
    with mpmath.workdps(100):
        assert abs(v50 - v100) < mpmath.mpf(10) ** -45


def test_refine_stationary_recovers_designed_measure_to_requested_digits():
    Ys = stationary_targets(MODEL, MU, X, dps=80)["Y"]
    data = Dataset(X=X, Y=Ys)
    start = Measure(a=[[["1.002"]], [["-0.5"]]], u=[["1", "0.003"], ["-2.001", "0.5"]], mass=["0.5", "0.5"])
    mu, res = refine_stationary(MODEL, start, data, digits=40)
    assert res < mpmath.mpf(10) ** -40
    with mpmath.workdps(60):
        assert abs(mu.u[0][1]) < mpmath.mpf(10) ** -35 and abs(mu.a[0][0][0] - 1) < mpmath.mpf(10) ** -35


def test_refine_stationary_raises_no_convergence_with_limit():
    start = Measure(a=[[["3"]], [["2"]]], u=[["5", "4"], ["-6", "3"]], mass=["0.5", "0.5"])
    with pytest.raises(NoConvergence, match="did not reach 1e-30 in 1 steps") as e:
        refine_stationary(MODEL, start, DATA, digits=30, max_iter=1)
    assert e.value.limit == 1


def test_refine_argmax_finds_interior_critical_point_of_bump():
    model = get_model("sigmoid", k=1, d=1, activation="exp(-z**2)")
    data = Dataset(X=[["-1"], ["0"], ["0.5"], ["2"]], Y=[["-1"], ["-1"], ["-1"], ["1"]])
    mu = Measure(a=[[["0"]]], u=[["0", "0"]], mass=["1"])  # f = 0, r = -y
    u, val, conv = refine_argmax_abs_psi(model, mu, data, ["0.9", "0.2"], dps=40)
    assert conv
    J = grad_psi_mp(model, mu, data, u, dps=40)
    with mpmath.workdps(40):
        P = psi_mp(model, mu, data, u, dps=40)[0]
        assert all(abs(2 * P * J[0][t]) < mpmath.mpf(10) ** -30 for t in range(2))
        assert abs(val - abs(P)) < mpmath.mpf(10) ** -35
