"""Public hypothesis strategies: datasets (with degenerate families), activations, models,
measures, whole validated problems and step sizes (DESIGN.md §4).

Every strategy draws exact decimal strings or ints where it can, so that any
witness found is replayable exactly. Use them in your own conjectures::

    from proofs import claim, strategies as st

    @claim("my-conjecture", strategy=st.datasets(n=(2, 6), d=(1, 2)))
    def check(instance, *, dps): ...
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from proofs.symbolic.activations import BUILTINS

__all__ = ["decimals", "datasets", "activations", "bounded_activations", "activation_strings", "models",
           "measures", "problems", "step_sizes", "DEGENERATE_FAMILIES"]

DEGENERATE_FAMILIES = ("generic", "duplicates", "near-duplicates", "parallel", "hyperplane", "low-rank",
                       "clusters", "extreme")


def decimals(lo=-3, hi=3, places=3):
    """Exact decimal strings in [lo, hi] with ``places`` digits."""
    q = 10 ** places
    return st.integers(lo * q, hi * q).map(lambda v: str(Fraction(v, q)))


def _scale(s, c):
    return str(Fraction(s) * Fraction(c))


@st.composite
def datasets(draw, n=(1, 8), d=(1, 3), k=(1, 2), family=None):
    """{"X": n x d, "Y": n x k} of decimal strings; ``family`` picks a degenerate family
    (duplicates, near-duplicates, parallel copies c*x, points on a common hyperplane,
    low rank, clusters, extreme magnitudes) or draws one."""
    nn, dd, kk = draw(st.integers(*n)), draw(st.integers(*d)), draw(st.integers(*k))
    fam = family or draw(st.sampled_from(DEGENERATE_FAMILIES))
    row = st.lists(decimals(), min_size=dd, max_size=dd)
    X = draw(st.lists(row, min_size=nn, max_size=nn))
    if fam == "duplicates" and nn > 1:
        X[-1] = list(X[0])
    elif fam == "near-duplicates" and nn > 1:
        X[-1] = [str(Fraction(v) + Fraction(1, 10 ** 9)) for v in X[0]]
    elif fam == "parallel" and nn > 1:
        c = draw(st.sampled_from(["-1", "2", "0.5", "-3"]))
        X[-1] = [_scale(v, c) for v in X[0]]
    elif fam == "hyperplane" and dd > 1:
        for r in X:
            r[-1] = r[0]  # all points on x_d = x_1
    elif fam == "low-rank":
        base = X[0]
        X = [[_scale(v, draw(st.sampled_from(["1", "-2", "0.25"]))) for v in base] for _ in range(nn)]
    elif fam == "clusters":
        X = [[str(Fraction(v) + Fraction(draw(st.integers(-5, 5)), 10 ** 6)) for v in X[i % 2]] for i in range(nn)]
    elif fam == "extreme":
        X = [[_scale(v, draw(st.sampled_from(["1e-6", "1e6", "1"]))) for v in r] for r in X]
    Y = draw(st.lists(st.lists(decimals(-1, 1), min_size=kk, max_size=kk), min_size=nn, max_size=nn))
    return {"X": X, "Y": Y, "family": fam}


def activation_strings():
    """Grammar strings of bounded and unbounded activations in z."""
    return st.sampled_from(["tanh(z)/2 + z/10", "sigmoid(2*z) - 1/2", "exp(-z**2)", "z/(1 + |z|)",
                            "erf(z) + 0.1*tanh(3*z)", "softplus(z) - softplus(z - 1)", "atan(z)"])


def activations():
    return st.one_of(st.sampled_from(sorted(BUILTINS)), activation_strings())


def bounded_activations():
    return st.sampled_from(["sigmoid", "tanh", "erf", "cubic-step", "exp(-z**2)", "z/(1 + |z|)"])


def models():
    return st.one_of(
        st.fixed_dictionaries({"model": st.just("sigmoid"), "k": st.integers(1, 3), "d": st.integers(1, 3),
                               "activation": bounded_activations()}),
        st.fixed_dictionaries({"model": st.sampled_from(["attention", "attention-qk"]), "k": st.integers(1, 2),
                               "p": st.integers(1, 3), "L": st.integers(1, 3)}),
        st.fixed_dictionaries({"model": st.just("relu-lift"), "d": st.integers(1, 3)}))


@st.composite
def measures(draw, model, m=(1, 5)):
    """{"a": m x k x q, "u": m x p_u, "mass": m} of decimal strings for a model object."""
    mm = draw(st.integers(*m))
    a = [[[draw(decimals()) for _ in range(model.q)] for _ in range(model.k)] for _ in range(mm)]
    u = [[draw(decimals()) for _ in range(model.p_u)] for _ in range(mm)]
    mass = [str(Fraction(1, mm))] * mm
    return {"a": a, "u": u, "mass": mass}


def _model_of(spec):
    """A model object from a :func:`models` dictionary (or the model itself)."""
    if not isinstance(spec, dict):
        return spec
    from proofs.symbolic.models import get_model

    return get_model(spec["model"], **{key: v for key, v in spec.items() if key != "model"})


@st.composite
def problems(draw, model=None, n=(1, 8), m=(1, 5), family=None, need_y=True):
    """A validated :class:`~proofs.problem.Problem`: a model, a data set of its shapes (:func:`datasets` with
    d = p_x and k = the model's k; ``family`` as there) and a measure of its shapes (:func:`measures`).

    ``model`` is a model object, a :func:`models`-style dictionary, a strategy drawing either, or None (draw one
    from :func:`models`). ``need_y=False`` draws inputs only (``Y`` is None), as inverse design takes them.
    Entries are exact decimal strings, and the problem shrinks through its parts (fewer points, fewer particles,
    the simpler model)."""
    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure

    if model is None:
        model = models()
    mdl = _model_of(draw(model) if isinstance(model, st.SearchStrategy) else model)
    # the sizes first: shrinking one of them then leaves the other in place (the entries after it re-shrink)
    nn, mm = draw(st.integers(*n)), draw(st.integers(*m))
    raw = draw(datasets(n=(nn, nn), d=(mdl.p_x, mdl.p_x), k=(mdl.k, mdl.k), family=family))
    mu = draw(measures(mdl, m=(mm, mm)))
    data = Dataset(X=raw["X"], Y=raw["Y"] if need_y else None)
    return Problem(mdl, data, Measure(a=mu["a"], u=mu["u"], mass=mu["mass"]), need_y=need_y)


def step_sizes(lo="0.001", hi="1"):
    return st.sampled_from([s for s in ["0.001", "0.01", "0.05", "0.1", "0.25", "0.5", "1"]
                            if Fraction(lo) <= Fraction(s) <= Fraction(hi)])
