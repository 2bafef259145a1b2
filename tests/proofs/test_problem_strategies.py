"""The public ``problems`` strategy (proofs/search/strategies.py): drawn problems validate, carry the model's
shapes, and shrink to small problems."""
from fractions import Fraction

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as hs

from proofs.problem import Problem
from proofs.search import strategies as st
from proofs.symbolic.models import get_model

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shapes_match(p):
    mdl = p.model
    assert len(p.data.X) == p.n >= 1 and all(len(row) == mdl.p_x for row in p.data.X)
    assert len(p.mu.a) == len(p.mu.u) == len(p.mu.mass) == p.m >= 1
    assert all(len(aj) == mdl.k and all(len(row) == mdl.q for row in aj) for aj in p.mu.a)
    assert all(len(uj) == mdl.p_u for uj in p.mu.u)
    assert sum(Fraction(w) for w in p.mu.mass) == 1


@FAST
@given(st.problems())
def test_drawn_problems_validate_with_the_model_shapes(p):
    assert isinstance(p, Problem)
    _shapes_match(p)
    assert p.data.Y is not None and all(len(row) == p.model.k for row in p.data.Y)
    # a drawn problem passes the boundary again unchanged (it is valid, not merely constructed)
    Problem(p.model, p.data, p.mu)


@FAST
@given(st.problems(model=get_model("sigmoid", k=2, d=2), n=(2, 4), m=(1, 3), need_y=False))
def test_given_model_and_inputs_only(p):
    assert p.model is get_model("sigmoid", k=2, d=2) and p.data.Y is None
    assert 2 <= p.n <= 4 and 1 <= p.m <= 3
    _shapes_match(p)


@FAST
@given(st.problems(model=hs.sampled_from([{"model": "attention", "k": 1, "p": 2, "L": 2},
                                          {"model": "relu-lift", "d": 2}])))
def test_model_dictionaries_and_strategies(p):
    assert p.model.name in ("attention", "relu-lift")
    _shapes_match(p)


def test_shrinking_gives_a_small_problem():
    p = find(st.problems(), lambda p: p.n >= 3 and p.m >= 2,
             settings=settings(max_examples=500, database=None, deadline=None))
    assert (p.n, p.m) == (3, 2)
    assert (p.model.k, p.model.p_x) == (1, 1)  # a smallest model
    assert all(v == "0" for row in p.data.X for v in row)
    assert all(v == "0" for uj in p.mu.u for v in uj)
