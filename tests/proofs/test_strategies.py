"""The public strategies (proofs.strategies): each degenerate family has its structure exactly, families combine and
act on any number of points, unit-norm points are exactly unit-norm, measures have their kinds' properties
(checked independently of how they were built), activations are bounded, and everything shrinks to simple
witnesses."""
import json
import warnings
import math
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as hs

from proofs import strategies as st
from proofs.errors import InvalidArgument

warnings.filterwarnings("ignore", message=".*example.*method", category=Warning)
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

FAST = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def F(rows):
    return [[Fraction(v) for v in r] for r in rows]


def test_public_name_resolves():
    import proofs
    import proofs.search.strategies as mod

    assert proofs.strategies is mod and set(mod.__all__) >= {"datasets", "measures", "particle_problems"}


@FAST
@given(st.datasets(n=(2, 6), d=(1, 3), family="duplicates"))
def test_duplicates(ds):
    X = F(ds["X"])
    for rec in ds["structure"]:
        assert rec["points"] and all(X[j] == X[rec["source"]] for j in rec["points"])


@FAST
@given(st.datasets(n=(2, 6), d=(1, 3), family="near-duplicates"))
def test_near_duplicates(ds):
    X = F(ds["X"])
    for rec in ds["structure"]:
        for j in rec["points"]:
            gap = max(abs(a - b) for a, b in zip(X[j], X[rec["source"]]))
            assert 0 < gap <= Fraction(3, 10 ** 6)


@FAST
@given(st.datasets(n=(2, 6), d=(1, 3), family="parallel"))
def test_parallel_copies_any_real_c(ds):
    X = F(ds["X"])
    for rec in ds["structure"]:
        for j in rec["points"]:
            c = Fraction(rec["c"][j])
            assert c != 0 and X[j] == [c * v for v in X[rec["source"]]]


@FAST
@given(st.datasets(n=(2, 7), d=(2, 4), family="hyperplane"))
def test_hyperplane(ds):
    X = F(ds["X"])
    (rec,) = ds["structure"]
    assert all(sum(w * v for w, v in zip(rec["w"], X[j])) == Fraction(rec["b"]) for j in rec["points"])


@FAST
@given(st.datasets(n=(3, 7), d=(2, 4), family="low-rank"))
def test_low_rank(ds):
    (rec,) = ds["structure"]
    M = sp.Matrix([[sp.Rational(str(v)) for v in ds["X"][j]] for j in rec["points"]])
    assert M.rank() <= rec["rank_at_most"] < len(ds["X"][0])


@FAST
@given(st.datasets(n=(2, 6), family="extreme"))
def test_extreme_magnitudes(ds):
    (rec,) = ds["structure"]
    assert set(rec["exponent"].values()) <= {3, -3, 6, -6, 8, -8}


@FAST
@given(st.datasets(n=(2, 8), d=(1, 4), unit_norm=True))
def test_unit_norm_is_exact_whatever_the_families(ds):
    assert ds["unit_norm"]
    for row in F(ds["X"]):
        assert sum(v * v for v in row) == 1


@FAST
@given(st.datasets(n=(2, 6), d=(2, 3), unit_norm=True, family="parallel"))
def test_unit_norm_parallel_is_antipodal(ds):
    X = F(ds["X"])
    for rec in ds["structure"]:
        for j in rec["points"]:
            assert X[j] == [-v for v in X[rec["source"]]]


@FAST
@given(st.datasets(n=(3, 8), d=(2, 3), family=("duplicates", "parallel", "extreme")))
def test_families_combine(ds):
    assert ds["family"] == ["duplicates", "parallel", "extreme"]
    assert [r["family"] for r in ds["structure"]] == ["duplicates", "parallel", "extreme"]


def test_families_reach_several_points():
    ds = find(st.datasets(n=(5, 5), family="duplicates"), lambda d: len(d["structure"][0]["points"]) >= 3,
              settings=settings(max_examples=300, database=None))
    X = F(ds["X"])
    assert sum(1 for r in X if r == X[ds["structure"][0]["source"]]) >= 4


def test_bad_family_is_one_line():
    with pytest.raises(InvalidArgument, match="valid are generic"):
        st.datasets(family="nope").example()


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.random_bounded_activations())
def test_random_activations_parse_and_are_bounded(text):
    from proofs.symbolic.activations import get_activation

    act = get_activation(text)  # the activation grammar accepts it
    # independent bound: each term is |c| times at most 1 (sigmoid, tanh, erf, bump, z/(1+|z|), sin, cos) or pi/2
    # (atan), a product of two atoms at most (pi/2)^2
    bound = sum(abs(Fraction(c)) if c else 1 for c in _coefficients(text)) * (math.pi / 2) ** 2
    f = sp.lambdify(sp.Symbol("z"), act.expr.subs(act.expr.free_symbols.pop(), sp.Symbol("z"))
                    if act.expr.free_symbols else act.expr, "mpmath")
    for z in (-1e6, -30, -3, -0.5, 0, 0.7, 4, 50, 1e6):
        assert abs(f(mpmath.mpf(z))) <= bound


def _coefficients(text):
    out = []
    for term in text.split(" + "):
        out.append(term[1:term.index(")")] if term.startswith("(") and ")*" in term[:20] else None)
    return out


def test_activation_shrinks_to_tanh():
    assert find(st.random_bounded_activations(), lambda s: True) == "tanh(z)"


def test_measure_kinds():
    from proofs.symbolic.models import get_model

    mdl = get_model("sigmoid", k=2, d=2)
    z = st.measures(mdl, m=(2, 4), kind="zero-output").example()
    assert all(Fraction(v) == 0 for aj in z["a"] for row in aj for v in row)
    s = find(st.measures(mdl, m=(2, 4), kind="symmetric-pairs"),
             lambda s: any(Fraction(v) != 0 for aj in s["a"] for row in aj for v in row),
             settings=settings(max_examples=100, database=None))
    h = len(s["a"]) // 2
    assert all(s["u"][j] == s["u"][j + h] and F(s["a"][j + h]) == [[-v for v in r] for r in F(s["a"][j])]
               for j in range(h))
    with pytest.raises(InvalidArgument, match="needs inputs"):
        st.measures(mdl, kind="stationary").example()


def _mp_predict_and_psi(inst):
    """f_mu(x_i) and the first variation at every particle, computed here in mpmath from sigmoid's formula (not with
    the package's evaluators): Psi(u_j) = (1/n) sum_i r_i sigma(w_j . x_i + b_j)."""
    with mpmath.workdps(60):
        X = [[mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in r] for r in inst["X"]]
        Y = [[mpmath.mpf(v) if "/" not in v else mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
              for v in r] for r in inst["Y"]]
        U = [[mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in u] for u in inst["u"]]
        A = [[mpmath.mpf(Fraction(row[0]).numerator) / Fraction(row[0]).denominator for row in aj] for aj in inst["a"]]
        p = [mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in inst["mass"]]
        s = lambda u, x: 1 / (1 + mpmath.exp(-(sum(a * b for a, b in zip(u[:-1], x)) + u[-1])))  # noqa: E731
        f = [[sum(p[j] * A[j][c] * s(U[j], x) for j in range(len(U))) for c in range(len(A[0]))] for x in X]
        r = [[f[i][c] - Y[i][c] for c in range(len(f[0]))] for i in range(len(X))]
        psi = [max(abs(sum(r[i][c] * s(U[j], X[i]) for i in range(len(X))) / len(X)) for c in range(len(r[0])))
               for j in range(len(U))]
        return r, psi


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.particle_problems(model={"model": "sigmoid", "k": 1, "d": 1}, n=(4, 6), m=(1, 1), measure="stationary"))
def test_stationary_measures_by_inverse_design(inst):
    r, psi = _mp_predict_and_psi(inst)
    if inst["measure"] == "stationary":
        assert max(psi) < mpmath.mpf(10) ** -40 and max(abs(v) for row in r for v in row) > mpmath.mpf(10) ** -6
    else:  # too few inputs for a stationary non-minimiser: a global minimiser instead
        assert max(abs(v) for row in r for v in row) < mpmath.mpf(10) ** -40


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.particle_problems(model={"model": "sigmoid", "k": 1, "d": 1}, n=(1, 4), m=(1, 3),
                            measure="global-minimiser"))
def test_global_minimisers_fit_their_targets(inst):
    r, _ = _mp_predict_and_psi(inst)
    assert max(abs(v) for row in r for v in row) < mpmath.mpf(10) ** -40
    if inst.get("exact"):
        assert all(Fraction(v) == 0 for u in inst["u"] for v in u)


def test_particle_problems_are_json_replayable_problems():
    inst = st.particle_problems(measure="random").example()
    again = json.loads(json.dumps(inst, default=str))
    p = st.as_problem(again)
    assert p.n == len(inst["X"]) and p.m == len(inst["a"]) and Fraction(inst["dt"]) > 0


def test_shrinking_gives_readable_witnesses():
    ds = find(st.datasets(), lambda d: len(d["X"]) >= 3, settings=settings(max_examples=300, database=None))
    assert len(ds["X"]) == 3 and ds["family"] == ["generic"] and all(v == "0" for r in ds["X"] for v in r)
    inst = find(st.particle_problems(model={"model": "sigmoid", "k": 1, "d": 1}), lambda i: len(i["X"]) >= 2,
                settings=settings(max_examples=100, database=None, deadline=None))
    assert inst["measure"] == "random" and inst["dt"] == "0.001" and len(inst["X"]) == 2 and len(inst["u"]) == 1
    assert all(v == "0" for u in inst["u"] for v in u) and all(v == "0" for r in inst["X"] for v in r)


def test_user_models_are_drawn():
    spec = find(st.models(extra=[{"model": "sigmoid", "k": 1, "d": 1, "activation": "tanh"}]),
                lambda s: s.get("activation") == "tanh" and s.get("k") == 1 and s.get("d") == 1,
                settings=settings(max_examples=500, database=None))
    assert spec["model"] == "sigmoid"
