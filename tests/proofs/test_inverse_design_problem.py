"""Inverse design on the problem object (proofs/problem/inverse_design.py, MATH.md §1b A.4): the Problem form gives
the raw form's results, and the designed problems are stationary / optimal."""
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from numerics.certified.precision import workdps
from proofs.errors import InvalidArgument
from proofs.problem import Problem
from proofs.problem.inverse_design import (_exact_predict, _exact_values, constraint_matrix, stationary_problem,
                                           stationary_targets, stationary_targets_exact, teacher_problem,
                                           teacher_targets, teacher_targets_exact)
from proofs.problem.measure import Dataset, Measure, residual, stationarity_residual
from proofs.symbolic.models import get_model

X = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
MU0 = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])  # rational features
MODEL = get_model("sigmoid", k=1, d=1)


def _problem(mu, Y=None):
    return Problem(MODEL, Dataset(X=X, Y=Y), mu, need_y=Y is not None)


@pytest.mark.parametrize("Y", [None, [["0.25"]] * len(X)])  # targets, if the problem has them, are not read
def test_problem_form_is_the_raw_form(Y):
    p, p0 = _problem(MU, Y), _problem(MU0, Y)
    assert stationary_targets(p, dps=30, seed=4) == stationary_targets(MODEL, MU, X, dps=30, seed=4)
    assert teacher_targets(p, dps=30) == teacher_targets(MODEL, MU, X, dps=30)
    assert constraint_matrix(p, dps=30) == constraint_matrix(MODEL, MU, X, dps=30)
    assert stationary_targets_exact(p0, seed=2) == stationary_targets_exact(MODEL, MU0, X, seed=2)
    assert teacher_targets_exact(p0) == teacher_targets_exact(MODEL, MU0, X)


def test_problem_and_parts_together_rejected():
    with pytest.raises(InvalidArgument, match="either a Problem"):
        stationary_targets(_problem(MU), MU, X)
    with pytest.raises(InvalidArgument, match="needs a measure"):
        teacher_targets(MODEL, MU)


def _exact_velocity(problem):
    """The particle velocity (a', u') in exact rationals (sympy), from the exact feature values."""
    model, mu, n = problem.model, problem.mu, problem.n
    G, J = _exact_values(model, mu, problem.data.X)
    f = _exact_predict(model, mu, G)
    r = [[f[i][c] - sp.Rational(str(Fraction(problem.data.Y[i][c]))) for c in range(model.k)] for i in range(n)]
    A = [[[sp.Rational(str(Fraction(v))) for v in row] for row in aj] for aj in mu.a]
    q, pu = model.q, model.p_u
    va = [[[-sum((r[i][c] * G[j][i][qq] for i in range(n)), sp.S.Zero) / n for qq in range(q)]
           for c in range(model.k)] for j in range(problem.m)]
    vu = [[-sum((r[i][c] * A[j][c][qq] * J[j][i][qq * pu + t] for i in range(n) for c in range(model.k)
                 for qq in range(q)), sp.S.Zero) / n for t in range(pu)] for j in range(problem.m)]
    return va, vu, r


@pytest.mark.parametrize("given", ["problem", "parts"])
def test_exact_stationary_problem_has_zero_velocity(given):
    args = (_problem(MU0),) if given == "problem" else (MODEL, MU0, X)
    sp_ = stationary_problem(*args, exact=True, seed=1)
    assert isinstance(sp_, Problem) and sp_.mu is MU0 and sp_.data.X == X
    assert sp_.data.Y == stationary_targets_exact(MODEL, MU0, X, seed=1)["Y"]
    va, vu, r = _exact_velocity(sp_)
    assert all(v == 0 for A in va for row in A for v in row) and all(v == 0 for u in vu for v in u)
    assert any(v != 0 for row in r for v in row)  # stationary, not a minimiser
    res = sp_.velocity("arb")  # the ball route agrees: every component encloses 0
    assert all(v.contains(0) for A in res[0] for row in A for v in row)
    assert all(v.contains(0) for u in res[1] for v in u)
    assert stationarity_residual(MODEL, MU0, sp_.data, "arb").contains(0)


@pytest.mark.parametrize("dps", [20, 50])
def test_stationary_problem_to_dps_digits(dps):
    sp_ = stationary_problem(_problem(MU), dps=dps, seed=3)
    assert sp_.data.Y == stationary_targets(MODEL, MU, X, dps=dps, seed=3)["Y"]
    with workdps(dps + 20):
        assert stationarity_residual(MODEL, MU, sp_.data, "mpmath") < mpmath.mpf(10) ** (-dps + 3)


def test_teacher_problems_fit():
    tp = teacher_problem(_problem(MU0), exact=True)
    assert tp.data.Y == teacher_targets_exact(MODEL, MU0, X)
    assert all(v[0].is_exact() and v[0].is_zero() for v in tp.residual("arb"))
    tp = teacher_problem(MODEL, MU, X, dps=40)
    assert tp.data.Y == teacher_targets(MODEL, MU, X, dps=40)
    with workdps(50):
        assert max(abs(v[0]) for v in residual(MODEL, MU, tp.data, "mpmath")) < mpmath.mpf(10) ** -38


def test_with_targets_keeps_model_measure_inputs_and_views():
    p = _problem(MU)
    pts = p.points
    q = p.with_targets([["1"]] * len(X))
    assert (q.model, q.mu, q.data.X, q.data.Y) == (MODEL, MU, X, [["1"]] * len(X))
    assert q.points is pts
    with pytest.raises(InvalidArgument):
        p.with_targets([["1", "2"]] * len(X))  # k = 1
