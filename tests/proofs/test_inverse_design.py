"""Inverse design of stationary measures and teacher measures (proofs/problem/inverse_design.py, MATH.md §1b A.4)."""
from fractions import Fraction

import mpmath
import pytest

from proofs.errors import InvalidArgument
from proofs.problem.inverse_design import (constraint_matrix, stationary_targets, stationary_targets_exact,
                                   teacher_targets, teacher_targets_exact)
from proofs.problem.measure import Dataset, Measure, residual, stationarity_residual
from proofs.symbolic.models import get_model
from numerics.certified.precision import workdps

X = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])


@pytest.mark.parametrize("dps", [20, 60])
def test_stationary_to_requested_digits_and_not_a_minimiser(dps):
    model = get_model("sigmoid", k=1, d=1)
    out = stationary_targets(model, MU, X, dps=dps)
    data = Dataset(X=X, Y=out["Y"])
    with workdps(dps + 20):
        res = stationarity_residual(model, MU, data, "mpmath")
        r = residual(model, MU, data, "mpmath")
        assert res < mpmath.mpf(10) ** (-dps + 3)
        # residual is O(1) (scaled to norm sqrt(n)): the measure does not fit the targets
        assert abs(mpmath.sqrt(sum(v[0] ** 2 for v in r)) - mpmath.sqrt(len(X))) < mpmath.mpf(10) ** (-dps + 3)


def test_constraints_linear_in_residual_and_null_vector():
    model = get_model("sigmoid", k=1, d=1)
    out = stationary_targets(model, MU, X, dps=40, seed=3)
    C = constraint_matrix(model, MU, X, dps=40)
    assert (C.rows, C.cols) == (6, 7)  # m (k q + p_u) = 2 * 3 rows, n k columns
    with workdps(40):
        r = mpmath.matrix([v[0] for v in out["r"]])
        assert mpmath.norm(C * r) < mpmath.mpf(10) ** -35


def test_vector_output_attention_stationary():
    model = get_model("attention", k=1, p=2, L=2)
    mu = Measure(a=[[["1", "0"]]], u=[["0.5", "0", "0", "-0.5"]], mass=["1"])
    Xa = [[str(Fraction(i * 7 % 11 - 5, 4)), str(Fraction(i * 3 % 7 - 3, 3)), str(Fraction(i % 5 - 2, 2)),
           str(Fraction(i * 5 % 9 - 4, 5))] for i in range(9)]
    out = stationary_targets(model, mu, Xa, dps=30)
    with workdps(40):
        res = stationarity_residual(model, mu, Dataset(X=Xa, Y=out["Y"]), "mpmath")
    assert res < mpmath.mpf(10) ** -25 and out["null_dim"] >= 9 - (2 + 4)


def test_teacher_targets_fit_exactly_to_dps():
    model = get_model("sigmoid", k=1, d=1)
    Y = teacher_targets(model, MU, X, dps=50)
    with workdps(60):
        r = residual(model, MU, Dataset(X=X, Y=Y), "mpmath")
        assert max(abs(v[0]) for v in r) < mpmath.mpf(10) ** -48


def test_exact_variants_at_rational_features():
    model = get_model("sigmoid", k=1, d=1)
    mu0 = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    out = stationary_targets_exact(model, mu0, X)
    data = Dataset(X=X, Y=out["Y"])
    # exact check by hand: at u = 0, sigma = 1/2 and sigma' = 1/4 for every input, f = (1/2)(1/2 - 1/4) = 1/8,
    # so stationarity is sum_i r_i = 0 and sum_i r_i x_i = 0 in exact rationals
    r = [Fraction(1, 8) - Fraction(y[0]) for y in out["Y"]]
    assert sum(r) == 0 and sum(ri * Fraction(x[0]) for ri, x in zip(r, X)) == 0 and any(r)
    res = stationarity_residual(model, mu0, data, "arb")  # balls agree: the enclosure holds 0 and is tiny
    assert res.contains(0) and res.rad() < 1e-14
    Yt = teacher_targets_exact(model, mu0, X)
    rt = residual(model, mu0, Dataset(X=X, Y=Yt), "arb")
    assert all(v[0].is_exact() and v[0].is_zero() for v in rt)


def test_exact_variant_refuses_irrational_features():
    with pytest.raises(InvalidArgument, match="irrational"):
        stationary_targets_exact(get_model("sigmoid", k=1, d=1), MU, X)


def test_too_few_inputs_rejected():
    with pytest.raises(InvalidArgument, match="add inputs"):
        stationary_targets(get_model("sigmoid", k=1, d=1), MU, X[:5], dps=30)


def test_exact_targets_keep_long_rationals_exactly():
    """Inputs with 21 significant digits make the exact residuals long rationals; sympy's nsimplify maps such
    rationals to simpler, *different* ones (it turns 12345678901234567890123/98765432109876543210987 into 1/8),
    which would make a non-stationary design look stationary. The targets must satisfy the constraints exactly."""
    import sympy as sp

    from proofs.problem.inverse_design import _rat_str

    q = sp.Rational(12345678901234567890123, 98765432109876543210987)
    assert Fraction(_rat_str(q)) == Fraction(12345678901234567890123, 98765432109876543210987)
    model = get_model("sigmoid", k=1, d=1)
    mu0 = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    Xl = [["0.123456789012345678901"], ["-0.98765432109876543211"], ["0.55555555555555555557"],
          ["1.2345678901234567890123"], ["-0.31415926535897932385"]]
    out = stationary_targets_exact(model, mu0, Xl, seed=3)
    r = [Fraction(1, 8) - Fraction(y[0]) for y in out["Y"]]  # f = 1/8 at u = 0 (see the test above)
    assert sum(r) == 0 and sum(ri * Fraction(x[0]) for ri, x in zip(r, Xl)) == 0 and any(r)
    assert max(Fraction(y[0]).denominator for y in out["Y"]) > 10 ** 15  # long rationals indeed
