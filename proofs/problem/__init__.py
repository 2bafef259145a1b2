"""Problems: a model, a data set and a measure of particles, read and validated once at the boundary.

:class:`Problem` holds the three, checked against each other once (shapes against the model's k, q, p_u, p_x;
every entry a finite number; decimal strings kept exact), with the derived views the analyses use cached.
:mod:`proofs.problem.measure` holds the containers and the JSON files; :mod:`proofs.problem.inverse_design`
builds exactly stationary measures and teacher targets; :mod:`proofs.problem.teacher` random teacher data.
"""
from __future__ import annotations

import math
from fractions import Fraction

from proofs.errors import InvalidArgument

__all__ = ["Problem", "model_for_data"]


def _check_number(v, where):
    """A finite real number (int, Fraction, decimal string, float, numpy or mpmath number)."""
    if isinstance(v, bool):
        raise InvalidArgument(f"{where} is a bool ({v!r}); valid are numbers")
    if isinstance(v, (int, Fraction)):
        return
    if isinstance(v, str):
        try:
            Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(f"{where} is {v!r}, not a decimal number") from None
        return
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise InvalidArgument(f"{where} is {v!r} ({type(v).__name__}), not a real number") from None
    if not math.isfinite(f):
        import mpmath

        if not (isinstance(v, mpmath.mpf) and mpmath.isfinite(v)):
            raise InvalidArgument(f"{where} is {v!r}; valid are finite numbers")


def _rows(obj, name, shape, what):
    """Check that ``obj`` is a nested sequence of ``shape`` (None: any length, the same for all) of finite numbers."""
    def walk(x, depth, idx):
        if depth == len(shape):
            _check_number(x, f"{name}{idx}")
            return
        try:
            n = len(x)
        except TypeError:
            raise InvalidArgument(f"{name}{idx} is a number where {what} needs an array of shape "
                                  f"{tuple('n' if s is None else s for s in shape)}") from None
        want = shape[depth]
        if want is not None and n != want:
            raise InvalidArgument(f"{name}{idx} has {n} entries; {what} needs {want}")
        for i in range(n):
            walk(x[i], depth + 1, f"{idx}[{i}]")
    walk(obj, 0, "")


class Problem:
    """A model, a :class:`~proofs.problem.measure.Dataset` and a :class:`~proofs.problem.measure.Measure`,
    validated together once: X is (n, p_x), Y (n, k) (required unless ``need_y=False``), the measure's a
    (m, k, q), u (m, p_u) and positive masses (m); every entry a finite number (decimal strings stay exact).
    One line of :class:`InvalidArgument` names the first problem. Derived views are computed once."""

    def __init__(self, model, data, measure, *, need_y: bool = True):
        k, q, pu, px = model.k, model.q, model.p_u, model.p_x
        what = f"model {model.name} (k={k}, q={q}, p_u={pu}, p_x={px})"
        n = len(data.X)
        if n < 1:
            raise InvalidArgument("the data set has no inputs; give at least one")
        _rows(data.X, "X", (n, px), what)
        if data.Y is None:
            if need_y:
                raise InvalidArgument("this computation needs targets Y in the data file")
        else:
            _rows(data.Y, "Y", (n, k), what)
        m = len(measure.u)
        if m < 1:
            raise InvalidArgument("the measure has no particles; give at least one")
        _rows(measure.a, "a", (m, k, q), what)
        _rows(measure.u, "u", (m, pu), what)
        _rows(measure.mass, "mass", (m,), what)
        self.model, self.data, self.mu = model, data, measure
        self._views = {}

    @classmethod
    def load(cls, model, data_path, measure_path, *, need_y: bool = True) -> "Problem":
        """Read a data file and a measure file for ``model`` (:func:`proofs.problem.measure.load_dataset`,
        :func:`~proofs.problem.measure.load_measure`: decimal strings read exactly) and validate them together."""
        from proofs.problem.measure import load_dataset, load_measure

        data = load_dataset(data_path, model, need_y=need_y)
        return cls(model, data, load_measure(measure_path, model), need_y=need_y)

    def with_targets(self, Y) -> "Problem":
        """A new problem with this model, measure and inputs X and the targets ``Y`` (n x k), validated; the
        views that do not depend on the targets (the inputs' and particles' exact forms) are carried over."""
        from proofs.problem.measure import Dataset

        new = type(self)(self.model, Dataset(X=self.data.X, Y=Y), self.mu, need_y=True)
        new._views.update({key: v for key, v in self._views.items() if key in self._TARGET_FREE_VIEWS})
        return new

    _TARGET_FREE_VIEWS = ("points", "X_decimal", "u_exact", "u_float")

    # -- sizes --------------------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self.data.n

    @property
    def m(self) -> int:
        return self.mu.m

    def _view(self, key, make):
        if key not in self._views:
            self._views[key] = make()
        return self._views[key]

    # -- derived views (computed once) ----------------------------------------------------------------------------
    @property
    def points(self) -> list:
        """The inputs as tuples of exact Fractions (decimal strings and floats read exactly)."""
        from numerics.certified.halfspaces import as_points

        return self._view("points", lambda: as_points(self.data.X))

    @property
    def X_decimal(self) -> list:
        """The inputs as Fractions of their decimal text (``Fraction(str(v))``; ints and Fractions as they are)."""
        return self._view("X_decimal", lambda: [[Fraction(str(v)) if not isinstance(v, (int, Fraction)) else
                                                 Fraction(v) for v in row] for row in self.data.X])

    @property
    def u_exact(self) -> list:
        """The particles' inner parameters as Fractions."""
        return self._view("u_exact", lambda: [[Fraction(v) for v in uj] for uj in self.mu.u])

    @property
    def u_float(self):
        """The particles' inner parameters as a float64 array (m, p_u)."""
        import numpy as np

        return self._view("u_float", lambda: np.asarray([[float(Fraction(v)) for v in uj] for uj in self.mu.u],
                                                        dtype=float))

    # -- evaluations (proofs.problem.measure, generated evaluators) ----------------------------------------------
    def residual(self, backend="numpy"):
        """r_i = f_mu(x_i) - y_i on a backend (``numpy``, ``mpmath``, ``arb``: at the caller's precision)."""
        from proofs.problem.measure import residual

        return residual(self.model, self.mu, self.data, backend)

    def psi(self, U, backend="numpy", r=None):
        """Psi_mu(u) at the inner points U (:func:`proofs.problem.measure.psi`)."""
        from proofs.problem.measure import psi

        return psi(self.model, self.mu, self.data, U, backend, r=r)

    def velocity(self, backend="numpy"):
        """The mean-field particle velocity (:func:`proofs.problem.measure.velocity`)."""
        from proofs.problem.measure import velocity

        return velocity(self.model, self.mu, self.data, backend)


def model_for_data(name: str, data_path, *, activation=None, p: int = 2, dq: int = 1):
    """The model called ``name`` (a built-in or a registered one) with its dimensions read off the data file:
    k from the targets, d = p_x from the inputs (attention: L = p_x / p tokens of dimension ``p``)."""
    from proofs.problem.measure import load_dataset
    from proofs.symbolic.models import get_model, model_names

    if name not in model_names():
        raise InvalidArgument(f"got --model {name!r}, valid are {', '.join(model_names())}")
    ds = load_dataset(data_path, None, need_y=False)  # every problem of the file: one precise line
    px, k = len(ds.X[0]), (len(ds.Y[0]) if ds.Y is not None else 1)
    if name in ("attention", "attention-qk"):
        if p < 1 or px % p:
            raise InvalidArgument(f"got --p {p} but each input has {px} entries; valid is a token dimension p "
                                  f"dividing {px}")
        return get_model(name, k=k, p=p, L=px // p, dq=dq)
    return get_model(name, k=k, d=px, activation=activation)
