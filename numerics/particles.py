r"""Finite measures of particles, data sets, and the quantities of MATH.md §1b A.1, evaluated on three backends.

A :class:`Measure` holds masses ``mass`` (m), output weights ``a`` (m x k x q) and inner
parameters ``u`` (m x p_u, in the model's symbol order). A :class:`Dataset` holds
inputs ``X`` (n x p_x, flattened) and targets ``Y`` (n x k).

Functions (all generated-evaluator based, so they agree with the sympy source):

* :func:`features` G[j, i, :] = g(u_j, x_i)
* :func:`predict` f_mu(x_i) = sum_j p_j a_j g(u_j, x_i)
* :func:`residual` r_i = f_mu(x_i) - y_i;  :func:`loss` R = (1/(2n)) sum_i |r_i|^2
* :func:`psi` Psi_mu(u) = (1/n) sum_i r_i g(u, x_i)^T (k x q) at given inner points
* :func:`velocity` the mean-field particle velocity (a', u') at each particle
* :func:`stationarity_residual` max_j |(a_j', u_j')|

Backends: ``"numpy"`` (float64 arrays), ``"mpmath"`` (mpf, at the caller's
:func:`numerics.certified.precision.workdps`) and ``"arb"`` (python-flint balls; results
enclose the exact values of the given inputs). :func:`convert` is the one number converter
(decimal strings and Fractions read exactly).

The model PROTOCOL (numerics never imports the symbolic side; :class:`proofs.symbolic.models.Model` is one such
object): ``model.k`` (outputs), ``model.q`` (features per output weight), ``model.p_u`` (inner parameters),
``model.p_x`` (input coordinates), and ``model.compile(what, backend)`` for ``what`` in ``"g"``, ``"dg"``,
``"d2g"`` and ``backend`` in ``"numpy"``, ``"mpmath"``, ``"arb"``, returning the generated evaluator called as
``f(*u, *x)``: ``"g"`` gives the q features g(u, x), ``"dg"`` their Jacobian in u (q*p_u values, row-major
``[qq * p_u + t]``), ``"d2g"`` their Hessians in u (q*p_u*p_u values, ``[(qq * p_u + s) * p_u + t]``). On numpy
the arguments are broadcastable arrays and each output a broadcastable array.

The JSON files (load/save) of these containers live in :mod:`proofs.problem.measure`.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from numerics.balls import to_arb
from numerics.errors import InvalidArgument

__all__ = ["Measure", "Dataset", "features", "predict", "residual", "loss", "psi", "velocity",
           "stationarity_residual", "convert"]


@dataclass(frozen=True)
class Dataset:
    X: object  # (n, p_x) array of floats, or nested lists of exact strings/Fractions
    Y: object | None  # (n, k)

    @property
    def n(self) -> int:
        return len(self.X)


@dataclass(frozen=True)
class Measure:
    a: object  # (m, k, q)
    u: object  # (m, p_u)
    mass: object  # (m,)

    @property
    def m(self) -> int:
        return len(self.u)


def convert(v, backend):
    """One scalar to the backend's number type (decimal strings read exactly).

    The one converter of numbers for every backend: ``"mpmath"`` takes an int, Fraction, decimal string, float or
    mpf, read exactly then rounded at the current dps; ``"arb"`` is :func:`numerics.balls.to_arb`."""
    if backend == "numpy":
        return float(Fraction(v)) if isinstance(v, str) else float(v)
    if backend == "mpmath":
        if isinstance(v, str):
            return mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
        if isinstance(v, Fraction):
            return mpmath.mpf(v.numerator) / v.denominator
        return mpmath.mpf(v)
    if backend == "arb":
        return to_arb(v)
    raise InvalidArgument(f"unknown backend {backend!r}; valid are numpy, mpmath, arb")


def _nested(x, backend, depth):
    if depth == 0:
        return convert(x, backend)
    return [_nested(v, backend, depth - 1) for v in x]


def _as_backend(obj, backend, depth):
    if backend == "numpy":
        return np.asarray(_nested(obj, "numpy", depth) if not isinstance(obj, np.ndarray) else obj, dtype=float)
    return _nested(np.asarray(obj, dtype=object).tolist() if isinstance(obj, np.ndarray) else obj, backend, depth)


def features(model, mu: Measure, data: Dataset, backend="numpy"):
    """G[j][i] = g(u_j, x_i) (q values)."""
    g = model.compile("g", backend)
    if backend == "numpy":
        U = _as_backend(mu.u, backend, 2)
        X = _as_backend(data.X, backend, 2)
        cols = [U[:, None, c] for c in range(U.shape[1])] + [X[None, :, c] for c in range(X.shape[1])]
        out = g(*cols)
        shape = (U.shape[0], X.shape[0])
        return np.stack([np.broadcast_to(np.asarray(o, dtype=float), shape) for o in out], axis=-1)
    U = _as_backend(mu.u, backend, 2)
    X = _as_backend(data.X, backend, 2)
    return [[g(*uj, *xi) for xi in X] for uj in U]


def predict(model, mu: Measure, data: Dataset, backend="numpy"):
    """f_mu(x_i), an (n, k) array (numpy) or nested lists."""
    G = features(model, mu, data, backend)
    if backend == "numpy":
        A = _as_backend(mu.a, backend, 3)
        p = _as_backend(mu.mass, backend, 1)
        return np.einsum("j,jkq,jiq->ik", p, A, G)
    A = _as_backend(mu.a, backend, 3)
    p = _as_backend(mu.mass, backend, 1)
    zero = convert(0, backend)
    out = []
    for i in range(len(G[0]) if G else 0):
        row = []
        for c in range(model.k):
            s = zero
            for j in range(len(p)):
                for qq in range(model.q):
                    s = s + p[j] * A[j][c][qq] * G[j][i][qq]
            row.append(s)
        out.append(row)
    return out


def residual(model, mu, data, backend="numpy"):
    if data.Y is None:
        raise InvalidArgument("this computation needs targets Y in the data file")
    f = predict(model, mu, data, backend)
    Y = _as_backend(data.Y, backend, 2)
    if backend == "numpy":
        return f - Y
    return [[fi[c] - yi[c] for c in range(len(fi))] for fi, yi in zip(f, Y)]


def loss(model, mu, data, backend="numpy"):
    """R = (1/(2n)) sum_i |f(x_i) - y_i|^2."""
    r = residual(model, mu, data, backend)
    n = data.n
    if backend == "numpy":
        return float(np.sum(r * r) / (2 * n))
    s = convert(0, backend)
    for ri in r:
        for v in ri:
            s = s + v * v
    return s / (2 * n)


def psi(model, mu, data, U, backend="numpy", r=None):
    """Psi_mu(u) = (1/n) sum_i r_i g(u, x_i)^T at the inner points U (rows); (len(U), k, q)."""
    r = residual(model, mu, data, backend) if r is None else r
    pts = Measure(a=None, u=U, mass=None)
    G = features(model, pts, data, backend)
    n = data.n
    if backend == "numpy":
        return np.einsum("ik,jiq->jkq", r, G) / n
    zero = convert(0, backend)
    out = []
    for Gj in G:
        M = [[zero] * model.q for _ in range(model.k)]
        for i in range(n):
            for c in range(model.k):
                for qq in range(model.q):
                    M[c][qq] = M[c][qq] + r[i][c] * Gj[i][qq]
        out.append([[v / n for v in row] for row in M])
    return out


def velocity(model, mu, data, backend="numpy"):
    """Mean-field velocity at each particle: (a', u') with a' = -Psi(u_j) (m, k, q) and
    u' = -grad_u <a_j, Psi(u)> at u_j (m, p_u) (MATH.md §1b A.1)."""
    r = residual(model, mu, data, backend)
    da = psi(model, mu, data, mu.u, backend, r=r)
    dg = model.compile("dg", backend)
    n, q, pu = data.n, model.q, model.p_u
    if backend == "numpy":
        U = _as_backend(mu.u, backend, 2)
        X = _as_backend(data.X, backend, 2)
        A = _as_backend(mu.a, backend, 3)
        cols = [U[:, None, c] for c in range(U.shape[1])] + [X[None, :, c] for c in range(X.shape[1])]
        shape = (U.shape[0], X.shape[0])
        J = np.stack([np.broadcast_to(np.asarray(o, dtype=float), shape) for o in dg(*cols)], axis=-1)
        J = J.reshape(shape + (q, pu))  # (m, n, q, p_u)
        du = -np.einsum("ik,jkq,jiqp->jp", r, A, J) / n
        return -da, du
    U = _as_backend(mu.u, backend, 2)
    X = _as_backend(data.X, backend, 2)
    A = _as_backend(mu.a, backend, 3)
    zero = convert(0, backend)
    du = []
    for j, uj in enumerate(U):
        acc = [zero] * pu
        for i, xi in enumerate(X):
            J = dg(*uj, *xi)
            for c in range(model.k):
                for qq in range(q):
                    coef = r[i][c] * A[j][c][qq]
                    for t in range(pu):
                        acc[t] = acc[t] + coef * J[qq * pu + t]
        du.append([-v / n for v in acc])
    neg_da = [[[-v for v in row] for row in M] for M in da]
    return neg_da, du


def stationarity_residual(model, mu, data, backend="numpy"):
    """max_j |(a_j', u_j')| (Euclidean norm of the particle velocity)."""
    va, vu = velocity(model, mu, data, backend)
    if backend == "numpy":
        sq = np.sum(va.reshape(len(va), -1) ** 2, axis=1) + np.sum(vu ** 2, axis=1)
        return float(np.sqrt(sq.max()))
    best = None
    for A, u in zip(va, vu):
        s = sum((v * v for row in A for v in row), convert(0, backend)) + sum((v * v for v in u), convert(0, backend))
        # a sum of squares: clip the ball at 0 (the sqrt of a ball reaching below 0 is nan)
        s = mpmath.sqrt(s) if backend == "mpmath" else s.nonnegative_part().sqrt()
        best = s if best is None else (max(best, s) if backend == "mpmath" else best.max(s))
    return best
