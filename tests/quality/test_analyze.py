"""Quality tier for analyze / ntk: planted non-optimality is found, near ties never give a wrong verdict."""
import random
from fractions import Fraction

import mpmath
import pytest

from proofs.analyze import analyze
from proofs.problem.inverse_design import stationary_targets, teacher_targets_exact
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model


def _threshold_sup(r, xs):
    """max over threshold sets of |sum_H r| / n (sigmoid limits 0, 1), brute force over sorted cuts."""
    best = Fraction(0) if isinstance(r[0], Fraction) else mpmath.mpf(0)
    cuts = sorted(set(xs))
    for c in [cuts[0] - 1] + cuts:
        for side in (1, -1):
            best = max(best, abs(sum((ri for ri, x in zip(r, xs) if (x - c) * side > 0), 0 * r[0])) / len(xs))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_planted_target_perturbation_of_a_teacher_is_refuted_with_exact_value(seed):
    rng = random.Random(seed)
    model = get_model("sigmoid", k=1, d=1)
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    X = [[str(Fraction(rng.randint(-40, 40), 8))] for _ in range(6)]
    Y = teacher_targets_exact(model, mu, X)
    i = rng.randrange(6)
    delta = Fraction(rng.choice([-1, 1]), 2 ** rng.randint(3, 30))
    Y[i] = [str(Fraction(Y[i][0]) + delta)]
    out = analyze(model, mu, Dataset(X=X, Y=Y), dps=20)
    g = out["global_optimality"]
    assert g["verdict"] == "refuted"
    # exact brute force: r = f - y = 1/8 - y (f = 1/8 at u = 0)
    r = [Fraction(1, 8) - Fraction(y[0]) for y in Y]
    ref = _threshold_sup(r, [Fraction(x[0]) for x in X])
    assert abs(Fraction(g["sup_psi"]) - ref) <= ref * Fraction(1, 10**15)


@pytest.mark.parametrize("seed", range(3))
def test_designed_stationary_points_are_never_called_optimal(seed):
    model = get_model("sigmoid", k=1, d=1, activation="tanh")
    rng = random.Random(100 + seed)
    mu = Measure(a=[[[str(rng.randint(-3, 3) or 1)]], [[str(rng.randint(-3, 3) or 1)]]],
                 u=[[str(rng.randint(-4, 4)), str(rng.randint(-4, 4))] for _ in range(2)], mass=["0.5", "0.5"])
    X = [[str(Fraction(k, 3))] for k in range(-5, 5)]
    Y = stationary_targets(model, mu, X, dps=30, seed=seed, scale="0.01")["Y"]
    out = analyze(model, mu, Dataset(X=X, Y=Y), dps=20)
    assert out["stationary"] is True
    assert out["global_optimality"]["verdict"] == "refuted"
    assert out["global_optimality"]["attained"] == "infinity"  # monotone activation (MATH.md §1b A.5)


def test_residual_below_precision_is_never_proved_nor_refuted_without_escalation():
    model = get_model("sigmoid", k=1, d=1)
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    X = [["-1"], ["0"], ["1"], ["2"]]
    Y = [["0.125"], ["0.125"], ["0.125"], [str(Fraction(1, 8) + Fraction(1, 10**40))]]
    out = analyze(model, mu, Dataset(X=X, Y=Y), dps=15, max_dps=15)
    assert out["global_optimality"]["verdict"] == "inconclusive"
    out = analyze(model, mu, Dataset(X=X, Y=Y), dps=15, max_dps=60)
    assert out["global_optimality"]["verdict"] == "refuted"
    assert abs(Fraction(out["global_optimality"]["sup_psi"]) - Fraction(1, 4 * 10**40)) < Fraction(1, 10**55)


def test_nearly_parallel_inputs_ntk_never_overclaims():
    from proofs.ntk import ntk_lambda_min
    from numerics.certified.linalg import lambda_min_mpmath, relu_gram_ball
    from numerics.certified.precision import arb_prec

    X = [["1", "0"], ["1", "0.000001"], ["0", "1"]]
    out = ntk_lambda_min(X, certify=True)
    with arb_prec(300):
        ref = lambda_min_mpmath(relu_gram_ball(X), dps=80)
    assert ref > 0
    if out["positive_definite"] == "proved":
        assert Fraction(out["certified_lower_bound"]) <= Fraction(mpmath.nstr(ref, 60))
    else:
        assert out["positive_definite"] == "inconclusive"
