"""Public hypothesis strategies for conjectures: datasets with degenerate families, activations, models, measures,
problems and particle problems. ``from proofs import strategies as st``.

Everything drawn is exact and replayable: numbers are exact rational strings (``"3/2"``, ``"-7"``, ``"1/1000000"``)
or small integers, and every strategy shrinks towards the simplest instance (fewer points, fewer particles, entries
0 or small integers, the generic family, the smallest model), so a counterexample reads like one a person would
write. Use them in your own conjecture file::

    from proofs import claim, strategies as st

    @claim("my-conjecture", strategy=st.particle_problems(model={"model": "sigmoid", "k": 1, "d": 2}))
    def check(instance, *, dps):
        problem, dt = st.as_problem(instance), instance["dt"]
        ...
        return margin          # > 0: the conjecture held here; a negative margin is a candidate counterexample

Datasets (:func:`datasets`): ``family`` names one degenerate family, a tuple of them (applied in turn, each to a
drawn subset of the points: any number of points, not only one), or None (draw zero to two of them):

========================  ==========================================================================================
``generic``               independent entries
``duplicates``            some points equal to another point
``near-duplicates``       some points a tiny perturbation (10^-6 .. 10^-12) of another point
``parallel``              some points c*x of another point x, for drawn real c != 0 (negative: antiparallel)
``hyperplane``            the chosen points on one common affine hyperplane w.x = b (w, b small integers)
``low-rank``              the chosen points in a drawn linear subspace of dimension r < d
``clusters``              points in a few tight clusters (offsets 10^-6)
``extreme``               some points scaled by 10^±3 .. 10^±8
========================  ==========================================================================================

``unit_norm=True`` draws points exactly on the unit sphere (rational points, by inverse stereographic projection;
the families act on the projection parameters, so duplicates, near-duplicates, hyperplane sections and clusters stay
exactly unit-norm, and ``parallel`` takes c = -1); ``unit_norm=None`` draws either.

Measures (:func:`measures`, :func:`problems`, :func:`particle_problems`), ``kind``: ``random``, ``zero-output``
(every output weight 0: a degenerate stationary-looking point), ``symmetric-pairs`` (particles in pairs (a, u),
(-a, u): the output is 0), ``stationary`` (exactly stationary for the targets it comes with, by inverse design;
particles at u = 0 where the features are rational, else stationary to 10^-50) and ``global-minimiser`` (teacher
targets y = f_mu(x): an exact global minimiser of the loss). The last two need the inputs, so they exist for
:func:`problems` and :func:`particle_problems`, which return the targets with them.

Activations (:func:`activations`, :func:`bounded_activations`, :func:`random_bounded_activations`): the built-ins,
grammar strings, and random members of the bounded class built from the activation grammar
(sums and products of c*s(a*z + b) with s bounded).
"""
from __future__ import annotations

import functools
from fractions import Fraction

from hypothesis import strategies as st

from proofs.symbolic.activations import BUILTINS

__all__ = ["ParticleProblem", "as_particle_problem", "decimals", "datasets", "activations", "bounded_activations", "random_bounded_activations",
           "activation_strings", "models", "measures", "problems", "particle_problems", "as_problem", "step_sizes",
           "DEGENERATE_FAMILIES", "MEASURE_KINDS"]

DEGENERATE_FAMILIES = ("generic", "duplicates", "near-duplicates", "parallel", "hyperplane", "low-rank",
                       "clusters", "extreme")
MEASURE_KINDS = ("random", "zero-output", "symmetric-pairs", "stationary", "global-minimiser")
_DATA_FREE_KINDS = ("random", "zero-output", "symmetric-pairs")


@functools.lru_cache(maxsize=64)  # one strategy object per range: hypothesis caches its work per object
def decimals(lo=-3, hi=3, places=3):
    """Exact decimal strings in [lo, hi] with ``places`` digits (shrinking to "0", then to short decimals)."""
    q = 10 ** places
    return st.integers(lo * q, hi * q).map(lambda v: str(Fraction(v, q)))


@functools.lru_cache(maxsize=64)
def _fracs(lo=-3, hi=3, places=3):
    q = 10 ** places
    return st.integers(lo * q, hi * q).map(lambda v: Fraction(v, q))


@functools.lru_cache(maxsize=16)
def _nonzero(lo=-5, hi=5):
    """A real number != 0: small integers first (they shrink to 1), then decimals."""
    return st.one_of(st.integers(1, hi).map(Fraction), st.integers(lo, -1).map(Fraction),
                     _fracs(lo, hi, 3).filter(lambda v: v != 0))


def _subset(draw, n, at_least=1, exclude=()):
    """A drawn non-empty set of point indices (any number of points, shrinking to the first one)."""
    pool = [i for i in range(n) if i not in exclude]
    if len(pool) < at_least:
        return []
    return sorted(draw(st.sets(st.sampled_from(pool), min_size=at_least, max_size=len(pool))))


def _families(draw, family):
    if family is None:
        extra = draw(st.lists(st.sampled_from(DEGENERATE_FAMILIES[1:]), max_size=2, unique=True))
        return tuple(extra) or ("generic",)
    fams = (family,) if isinstance(family, str) else tuple(family)
    bad = [f for f in fams if f not in DEGENERATE_FAMILIES]
    if bad or not fams:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"unknown dataset family {bad[0] if bad else '(none)'!r}; valid are "
                              f"{', '.join(DEGENERATE_FAMILIES)} (one, or a tuple of them)")
    return fams


def _apply(draw, X, fam, unit=False, neg=None):
    """Apply one degenerate family to the rows of ``X`` (Fractions), in place, on a drawn subset of the points;
    returns what was done (``{"family", "points", ...}``, shown in the data set's ``structure``) or None.
    ``unit``: X holds stereographic parameters; ``parallel`` then copies the point and records it in ``neg`` (the
    copy becomes -x after the projection: c = -1, the only c != 0 that keeps the unit norm besides 1)."""
    n, d = len(X), len(X[0]) if X else 0
    if fam == "generic" or n == 0 or d == 0:
        return None
    if fam in ("duplicates", "near-duplicates", "parallel"):
        if n < 2:
            return None
        src = draw(st.integers(0, n - 1))
        pts = _subset(draw, n, 1, exclude=(src,))
        rec = {"family": fam, "source": src, "points": pts}
        for j in pts:
            if fam == "duplicates":
                X[j] = list(X[src])
            elif fam == "near-duplicates":
                eps = Fraction(1, 10 ** draw(st.integers(6, 12)))
                X[j] = [v + eps * draw(st.integers(-3, 3).filter(bool)) for v in X[src]]
            elif unit:
                X[j] = list(X[src])
                neg.add(j)
                rec.setdefault("c", {})[j] = "-1"
            else:
                c = draw(_nonzero())
                X[j] = [c * v for v in X[src]]
                rec.setdefault("c", {})[j] = str(c)
        return rec
    if fam == "hyperplane":
        w = draw(st.lists(st.integers(-2, 2), min_size=d, max_size=d).filter(any))
        b = Fraction(draw(st.integers(-2, 2)))
        lead = next(i for i, wi in enumerate(w) if wi)
        pts = _subset(draw, n, 1)
        for j in pts:
            rest = sum(w[i] * X[j][i] for i in range(d) if i != lead)
            X[j][lead] = (b - rest) / w[lead]
        return {"family": fam, "points": pts, "w": w, "b": str(b)}
    if fam == "low-rank":
        r = draw(st.integers(1, max(1, d - 1)))
        basis = [[draw(st.integers(-2, 2)) for _ in range(d)] for _ in range(r)]
        pts = _subset(draw, n, 1)
        for j in pts:
            coef = [draw(_fracs(-2, 2, 2)) for _ in range(r)]
            X[j] = [sum(cf * bv[i] for cf, bv in zip(coef, basis)) for i in range(d)]
        return {"family": fam, "points": pts, "rank_at_most": r}
    if fam == "clusters":
        centres = [list(X[i]) for i in range(min(n, draw(st.integers(1, 3))))]
        for j in range(n):
            c = centres[j % len(centres)]
            X[j] = [v + Fraction(draw(st.integers(-5, 5)), 10 ** 6) for v in c]
        return {"family": fam, "points": list(range(n)), "clusters": len(centres), "radius": "1/200000"}
    if fam == "extreme":
        pts = _subset(draw, n, 1)
        exps = {}
        for j in pts:
            e = draw(st.sampled_from([3, -3, 6, -6, 8, -8]))
            X[j] = [v * Fraction(10) ** e for v in X[j]]
            exps[j] = e
        return {"family": fam, "points": pts, "exponent": exps}
    return None


def _lift(t):
    """Inverse stereographic projection: a rational t in R^(d-1) to a rational point exactly on the unit sphere of
    R^d, (2t, |t|^2 - 1) / (|t|^2 + 1)."""
    s = sum(v * v for v in t)
    return [2 * v / (s + 1) for v in t] + [(s - 1) / (s + 1)]


def _text(v: Fraction) -> str:
    return str(v)


@st.composite
def datasets(draw, n=(1, 8), d=(1, 3), k=(1, 2), family=None, unit_norm=False, y=True):
    """``{"X": n x d, "Y": n x k, "family": [...], "unit_norm": bool, "structure": [...]}`` of exact rational
    strings; ``structure`` says what each family did (which points, the factors c, the hyperplane w.x = b, ...; in
    unit-norm mode the hyperplane, low-rank and cluster records describe the projection parameters, not X).

    ``family``: a name of :data:`DEGENERATE_FAMILIES`, a tuple of them (combined, applied in turn), or None (draw
    zero to two). ``unit_norm``: True (points exactly on the unit sphere), False, or None (draw). ``y=False``
    leaves out ``Y``."""
    nn, dd, kk = draw(st.integers(*n)), draw(st.integers(*d)), draw(st.integers(*k))
    fams = _families(draw, family)
    unit = draw(st.booleans()) if unit_norm is None else bool(unit_norm)
    structure = []
    if unit and dd == 1:
        X = [[Fraction(draw(st.sampled_from([1, -1])))] for _ in range(nn)]
    elif unit:
        T = [[draw(_fracs(-2, 2, 2)) for _ in range(dd - 1)] for _ in range(nn)]
        neg = set()
        for fam in fams:
            if fam != "extreme":  # scaling would only push points towards the pole; the sphere has no extremes
                structure.append(_apply(draw, T, fam, unit=True, neg=neg))
        # a later family may have moved a point marked antipodal: it is then the copy of the moved point, negated
        X = [[-v for v in _lift(t)] if i in neg else _lift(t) for i, t in enumerate(T)]
    else:
        X = [[draw(_fracs()) for _ in range(dd)] for _ in range(nn)]
        for fam in fams:
            structure.append(_apply(draw, X, fam))
    out = {"X": [[_text(v) for v in r] for r in X], "family": list(fams), "unit_norm": unit,
           "structure": [r for r in structure if r is not None]}
    if y:
        out["Y"] = draw(st.lists(st.lists(decimals(-1, 1), min_size=kk, max_size=kk), min_size=nn, max_size=nn))
    return out


def activation_strings():
    """Grammar strings of bounded and unbounded activations in z."""
    return st.sampled_from(["tanh(z)/2 + z/10", "sigmoid(2*z) - 1/2", "exp(-z**2)", "z/(1 + |z|)",
                            "erf(z) + 0.1*tanh(3*z)", "softplus(z) - softplus(z - 1)", "atan(z)"])


_BOUNDED_ATOMS = ("tanh({})", "sigmoid({})", "erf({})", "atan({})", "exp(-({})**2)", "({})/(1 + |{}|)",
                  "sin({})", "cos({})")


@st.composite
def random_bounded_activations(draw, max_terms=3):
    """Random members of the bounded class, as activation-grammar strings: sums of c*s(a*z + b) and of products of
    two such atoms, with s in tanh, sigmoid, erf, atan, a Gaussian bump, z/(1+|z|), sin, cos (each bounded, so every
    sum and product is). Shrinks to ``"tanh(z)"``."""
    def atom():
        shape = draw(st.sampled_from(_BOUNDED_ATOMS))
        a = draw(_nonzero(-3, 3))
        b = draw(st.integers(-2, 2))
        arg = ("z" if a == 1 else f"({a})*z") + (f" + {b}" if b else "")
        return shape.format(arg, arg)

    terms = []
    for i in range(draw(st.integers(1, max_terms))):
        t = atom()
        if draw(st.booleans()) and i > 0:
            t = f"{t}*{atom()}"
        c = draw(_nonzero(-2, 2))
        terms.append(t if c == 1 else f"({c})*{t}")
    return " + ".join(terms)


def activations():
    """Built-in names, grammar strings, and random bounded members (:func:`random_bounded_activations`)."""
    return st.one_of(st.sampled_from(sorted(BUILTINS)), activation_strings(), random_bounded_activations())


def bounded_activations(random=False):
    """Bounded built-ins and grammar strings; ``random=True`` adds random members of the bounded class."""
    fixed = st.sampled_from(["sigmoid", "tanh", "erf", "cubic-step", "exp(-z**2)", "z/(1 + |z|)"])
    return st.one_of(fixed, random_bounded_activations()) if random else fixed


def models(extra=()):
    """Model dictionaries ``{"model": name, ...}`` of the built-ins (sigmoid-type with a bounded activation,
    attention heads, the 2-homogeneous ReLU lift); ``extra``: your own models (names registered with
    :func:`proofs.register_model`, model objects, or dictionaries), drawn as well."""
    base = [
        st.fixed_dictionaries({"model": st.just("sigmoid"), "k": st.integers(1, 3), "d": st.integers(1, 3),
                               "activation": bounded_activations()}),
        st.fixed_dictionaries({"model": st.sampled_from(["attention", "attention-qk"]), "k": st.integers(1, 2),
                               "p": st.integers(1, 3), "L": st.integers(1, 3)}),
        st.fixed_dictionaries({"model": st.just("relu-lift"), "d": st.integers(1, 3)})]
    user = [st.just({"model": e} if isinstance(e, str) else e) for e in extra]
    return st.one_of(*base, *user)


def _mass(mm):
    return [str(Fraction(1, mm))] * mm


@st.composite
def measures(draw, model, m=(1, 5), kind="random"):
    """``{"a": m x k x q, "u": m x p_u, "mass": m, "kind": kind}`` of exact strings for a model object (or a
    :func:`models` dictionary). ``kind``: ``random``, ``zero-output``, ``symmetric-pairs`` (m even: pairs (a, u),
    (-a, u)), or None (draw one of these). Stationary measures and global minimisers come with their targets: see
    :func:`problems` and :func:`particle_problems`."""
    model = _model_of(model)
    kd = draw(st.sampled_from(_DATA_FREE_KINDS)) if kind is None else kind
    if kd not in _DATA_FREE_KINDS:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"measures(kind={kd!r}) needs inputs; valid are {', '.join(_DATA_FREE_KINDS)} (use "
                              "problems(measure=...) or particle_problems(measure=...) for stationary and "
                              "global-minimiser measures)")
    mm = draw(st.integers(*m))
    if kd == "symmetric-pairs":
        half = max(1, (mm + 1) // 2)
        a = [[[draw(decimals()) for _ in range(model.q)] for _ in range(model.k)] for _ in range(half)]
        u = [[draw(decimals()) for _ in range(model.p_u)] for _ in range(half)]
        a = a + [[[str(-Fraction(v)) for v in row] for row in aj] for aj in a]
        u = u + [list(uj) for uj in u]
        return {"a": a, "u": u, "mass": _mass(2 * half), "kind": kd}
    if kd == "zero-output":
        a = [[["0"] * model.q for _ in range(model.k)] for _ in range(mm)]
    else:
        a = [[[draw(decimals()) for _ in range(model.q)] for _ in range(model.k)] for _ in range(mm)]
    u = [[draw(decimals()) for _ in range(model.p_u)] for _ in range(mm)]
    return {"a": a, "u": u, "mass": _mass(mm), "kind": kd}


def _model_of(spec):
    """A model object from a :func:`models` dictionary or a registered model name (or the model itself)."""
    from proofs.symbolic.models import get_model

    if isinstance(spec, str):
        return get_model(spec)
    if not isinstance(spec, dict):
        return spec

    return get_model(spec["model"], **{key: v for key, v in spec.items() if key != "model"})


def _designed(mdl, X, mu_d, kind, seed):
    """(Y, exact?) making the measure stationary (``stationary``) or optimal (``global-minimiser``) for inputs X;
    exact rational targets where the features are rational at the particles, else to 50 digits. None when the
    construction does not exist for these sizes (too few inputs for a non-zero stationary residual)."""
    from proofs.errors import InvalidArgument
    from proofs.problem.inverse_design import (stationary_targets, stationary_targets_exact, teacher_targets,
                                               teacher_targets_exact)
    from proofs.problem.measure import Measure

    mu = Measure(a=mu_d["a"], u=mu_d["u"], mass=mu_d["mass"])
    # the exact (sympy) construction only where it can succeed: particles at u = 0 (features rational there for
    # the sigmoid-type models); elsewhere sympy would spend seconds proving a value irrational
    try:
        if not all(Fraction(v) == 0 for uj in mu_d["u"] for v in uj):
            raise InvalidArgument("not at u = 0")
        if kind == "global-minimiser":
            return teacher_targets_exact(mdl, mu, X), True
        return stationary_targets_exact(mdl, mu, X, seed=seed)["Y"], True
    except InvalidArgument:
        pass
    except (AttributeError, TypeError):  # the exact construction fails on some rational inputs (reported to its
        pass                             # owner); the 50-digit construction below still applies
    try:
        if kind == "global-minimiser":
            return teacher_targets(mdl, mu, X, dps=50), False
        return stationary_targets(mdl, mu, X, dps=50, seed=seed)["Y"], False
    except InvalidArgument:
        return None


@st.composite
def _instance(draw, model, n, m, family, measure, unit_norm, need_y):
    mdl_spec = draw(model) if isinstance(model, st.SearchStrategy) else model
    mdl = _model_of(mdl_spec)
    kind = draw(st.sampled_from(MEASURE_KINDS)) if measure is None else measure
    if kind not in MEASURE_KINDS:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"unknown measure kind {kind!r}; valid are {', '.join(MEASURE_KINDS)}")
    # the sizes first: shrinking one of them then leaves the other in place (the entries after it re-shrink)
    nn, mm = draw(st.integers(*n)), draw(st.integers(*m))
    raw = draw(datasets(n=(nn, nn), d=(mdl.p_x, mdl.p_x), k=(mdl.k, mdl.k), family=family, unit_norm=unit_norm,
                        y=need_y))
    mu = draw(measures(mdl, m=(mm, mm), kind=kind if kind in _DATA_FREE_KINDS else "random"))
    exact = None
    if kind in ("stationary", "global-minimiser"):
        if draw(st.booleans()):
            mu["u"] = [["0"] * mdl.p_u for _ in mu["u"]]  # features rational at u = 0 (sigmoid): exactly stationary
        designed = _designed(mdl, raw["X"], mu, kind, draw(st.integers(0, 3)))
        if designed is None:
            # too few inputs for a non-zero stationary residual: this draw is a global minimiser instead
            kind = "global-minimiser"
            designed = _designed(mdl, raw["X"], mu, kind, 0)
        raw["Y"], exact = designed
    mu["kind"] = kind
    return mdl_spec, mdl, raw, mu, exact


@st.composite
def problems(draw, model=None, n=(1, 8), m=(1, 5), family=None, need_y=True, measure="random", unit_norm=False):
    """A validated :class:`~proofs.problem.Problem`: a model, a data set of its shapes (:func:`datasets` with
    d = p_x and k = the model's k; ``family`` and ``unit_norm`` as there) and a measure of its shapes.

    ``model`` is a model object, a :func:`models`-style dictionary, a strategy drawing either, or None (draw one
    from :func:`models`). ``measure`` is a kind of :data:`MEASURE_KINDS` or None (draw one); ``stationary`` and
    ``global-minimiser`` come with their designed targets. ``need_y=False`` draws inputs only (``Y`` is None), as
    inverse design takes them. Entries are exact strings, and the problem shrinks through its parts (fewer points,
    fewer particles, the simpler model)."""
    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure

    if model is None:
        model = models()
    if not need_y and measure in ("stationary", "global-minimiser"):
        need_y = True  # the designed targets are the point of these kinds
    _, mdl, raw, mu, _ = draw(_instance(model, n, m, family, measure, unit_norm, need_y))
    data = Dataset(X=raw["X"], Y=raw["Y"] if need_y else None)
    return Problem(mdl, data, Measure(a=mu["a"], u=mu["u"], mass=mu["mass"]), need_y=need_y)


def _spec_dict(spec, mdl):
    if isinstance(spec, dict):
        return dict(spec)
    if isinstance(spec, str):
        return {"model": spec}
    return {"model": mdl.name, **{k: getattr(mdl, k) for k in ("k",) if hasattr(mdl, k)}}


@st.composite
def particle_problems(draw, model=None, n=(1, 6), m=(1, 5), dt=("0.001", "1"), family=None, measure=None,
                      unit_norm=False):
    """A particle problem as a JSON instance (replayable with ``escset check --instance``): ``{"model": {...},
    "X", "Y", "a", "u", "mass", "dt", "family", "measure", "exact"}`` (data + model + measure + step size).

    ``model``: a :func:`models` dictionary, a registered model name, or a strategy of them (None: draw a built-in);
    ``measure``: a kind of :data:`MEASURE_KINDS` or None (draw); ``dt``: the range of step sizes
    (:func:`step_sizes`). :func:`as_problem` turns the instance into a validated Problem."""
    if model is None:
        model = models()
    spec, mdl, raw, mu, exact = draw(_instance(model, n, m, family, measure, unit_norm, True))
    out = {"model": _spec_dict(spec, mdl), "X": raw["X"], "Y": raw["Y"], "a": mu["a"], "u": mu["u"],
           "mass": mu["mass"], "dt": draw(step_sizes(*dt)), "family": raw["family"], "measure": mu["kind"]}
    if exact is not None:
        out["exact"] = exact
    return out


#: the keys of a particle-problem instance (:func:`particle_problems`)
PARTICLE_KEYS = frozenset({"model", "X", "Y", "a", "u", "mass", "dt"})


class ParticleProblem(dict):
    """A :func:`particle_problems` instance: a plain JSON dictionary (so it is saved, shrunk and replayed with
    ``escset check --instance`` like any instance) with the two operations a conjecture about one step of the
    particle flow needs (the user-claim example of the README)::

        @claim("euler-step-decreases-loss", instances=st.particle_problems(m=(1, 8)))
        def check(problem, *, dps):
            return problem.loss() - problem.euler_step().loss()

    Both are computed with mpmath at the check's ``dps`` (inside a check run by escset; else at ``dps=`` or
    mpmath's current precision), so a negative margin can be confirmed at 2x and 4x the digits."""

    def problem(self):
        """The validated :class:`~proofs.problem.Problem` (model + data + measure)."""
        return as_problem(self)

    def loss(self, dps: int | None = None):
        """R(mu) = (1/(2n)) sum_i |f_mu(x_i) - y_i|^2 as an mpmath number at ``dps`` digits."""
        import mpmath

        from numerics.particles import loss

        p = self.problem()
        with mpmath.workdps(_dps(dps)):
            return loss(p.model, p.mu, p.data, "mpmath")

    def euler_step(self, dt=None, dps: int | None = None) -> "ParticleProblem":
        """The problem after one forward-Euler step of the mean-field particle flow, theta_j <- theta_j + dt
        theta_j' (``dt``: the instance's step size by default), computed in mpmath at ``dps`` digits; the new
        particles are stored as decimal strings of ``dps + 10`` digits (the only rounding)."""
        import mpmath

        from numerics.particles import velocity

        p = self.problem()
        d = _dps(dps)
        digits = d + 10
        with mpmath.workdps(digits):
            h = _mpf_exact(self["dt"] if dt is None else dt)
            va, vu = velocity(p.model, p.mu, p.data, "mpmath")
            a_new = [[[mpmath.nstr(_mpf_exact(v) + h * va[j][c][t], digits, strip_zeros=False)
                       for t, v in enumerate(row)] for c, row in enumerate(aj)] for j, aj in enumerate(self["a"])]
            u_new = [[mpmath.nstr(_mpf_exact(v) + h * vu[j][t], digits, strip_zeros=False) for t, v in enumerate(uj)]
                     for j, uj in enumerate(self["u"])]
        return ParticleProblem({**self, "a": a_new, "u": u_new})


def _mpf_exact(v):
    """An mpmath number from the exact value of a decimal string, Fraction, int or float (rounded only to the
    working precision)."""
    import mpmath

    q = Fraction(str(v)) if isinstance(v, str) else Fraction(v)
    return mpmath.mpf(q.numerator) / q.denominator


def _dps(dps):
    if dps is not None:
        return int(dps)
    from proofs.registry import current_check_dps

    d = current_check_dps()
    if d is not None:
        return d
    import mpmath

    return mpmath.mp.dps


def as_particle_problem(instance):
    """``instance`` as a :class:`ParticleProblem` when it has the keys of one (a replayed JSON instance), else
    unchanged."""
    if isinstance(instance, dict) and not isinstance(instance, ParticleProblem) and PARTICLE_KEYS <= set(instance):
        return ParticleProblem(instance)
    return instance


def as_problem(instance):
    """The validated :class:`~proofs.problem.Problem` of a :func:`particle_problems` instance."""
    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure

    spec = instance["model"]
    mdl = _model_of(spec if isinstance(spec, dict) else {"model": spec})
    return Problem(mdl, Dataset(X=instance["X"], Y=instance["Y"]),
                   Measure(a=instance["a"], u=instance["u"], mass=instance["mass"]))


def step_sizes(lo="0.001", hi="1"):
    """Step sizes in [lo, hi] from a short list of readable decimals (shrinking to the smallest)."""
    vals = [s for s in ["0.001", "0.01", "0.05", "0.1", "0.25", "0.5", "1"] if Fraction(lo) <= Fraction(s) <= Fraction(hi)]
    if not vals:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"step_sizes({lo!r}, {hi!r}): no step size in the range; valid is 0.001 <= lo <= hi <= 1")
    return st.sampled_from(vals)
