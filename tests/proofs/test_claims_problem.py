"""The claims' exact instance problem (proofs/claims/_common.py): ``rational_problem`` is ``rational_data``'s
data set and measure, entry for entry, validated as one Problem."""
import pytest

from proofs.claims._common import rational_data, rational_problem
from proofs.problem import Problem
from proofs.symbolic.models import get_model


@pytest.mark.parametrize("model", [get_model("sigmoid", k=2, d=2), get_model("attention", k=1, p=2, L=2),
                                   get_model("relu-lift", d=3)])
@pytest.mark.parametrize("seed,scale", [(0, 1.0), (7, 0.25)])
def test_rational_problem_is_rational_data(model, seed, scale):
    data, mu = rational_data(model, 5, 3, seed, scale)
    p = rational_problem(model, 5, 3, seed, scale)
    assert isinstance(p, Problem) and p.model is model
    assert (p.data.X, p.data.Y) == (data.X, data.Y)
    assert (p.mu.a, p.mu.u, p.mu.mass) == (mu.a, mu.u, mu.mass)
    assert (p.n, p.m) == (5, 3)
