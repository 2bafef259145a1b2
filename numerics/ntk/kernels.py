r"""Limiting NTK kernels of the two-layer ReLU net (Du et al. 2018) and the activation constants of Du et al. 2019.

Interface::

    h_infinity(X) -> ndarray            # H^inf_ij = x_i.x_j (pi - phi_ij) / (2 pi), phi_ij the angle (any non-zero x)
    g_infinity(X) -> ndarray            # G^inf_ij = |x_i||x_j| (sin phi_ij + (pi - phi_ij) cos phi_ij) / (2 pi)
    h_infinity_mp(X, dps=30), g_infinity_mp(X, dps=30) -> mpmath.matrix
    h_infinity_ball(X), g_infinity_ball(X) -> flint.arb_mat     # rigorous enclosures (exact rational inputs)
    c_sigma(activation, dps=30) -> mpf  # 1 / E_{z ~ N(0,1)} sigma(z)^2 (mpmath quad; closed forms for relu, erf)
    resolve_activation(activation) -> NTKActivation

``activation`` is a built-in name (:data:`BUILTIN_NAMES`) or an :class:`NTKActivation` carrying float and
mpmath evaluators of sigma and sigma' (numerics never imports the symbolic layer: ``proofs.ntk`` wraps any
activation of the toolkit, user expressions included, into an :class:`NTKActivation`).

Closed forms (derived; the ReLU ones are the degree-0 and degree-1 arc-cosine kernels, the erf ones Williams'
arcsine kernel), for :math:`(u,v)\sim\mathcal N(0,[[a,c],[c,b]])`, :math:`\cos\varphi=c/\sqrt{ab}`:

* ReLU: :math:`E[\sigma(u)\sigma(v)]=\sqrt{ab}\,(\sin\varphi+(\pi-\varphi)\cos\varphi)/(2\pi)`,
  :math:`E[\sigma'(u)\sigma'(v)]=(\pi-\varphi)/(2\pi)`, :math:`E\sigma(u)=\sqrt{a/(2\pi)}`.
* erf: :math:`E[\sigma(u)\sigma(v)]=\frac2\pi\arcsin\frac{2c}{\sqrt{(1+2a)(1+2b)}}`,
  :math:`E[\sigma'(u)\sigma'(v)]=\frac4\pi\big((1+2a)(1+2b)-4c^2\big)^{-1/2}`, :math:`E\sigma(u)=0`.

They are evaluated in float64, in mpmath and in python-flint balls (outward rounding: the ball versions enclose
the exact kernel). The angle is :math:`\operatorname{atan2}(\sqrt{|x_i|^2|x_j|^2-(x_i\cdot x_j)^2},x_i\cdot x_j)`
(no cancellation near parallel inputs).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import mpmath
import numpy as np

from numerics.errors import InvalidArgument

__all__ = ["NTKActivation", "BUILTIN_NAMES", "resolve_activation", "h_infinity", "g_infinity", "h_infinity_mp",
           "g_infinity_mp", "h_infinity_ball", "g_infinity_ball", "c_sigma", "c_sigma_float", "closed_pair"]


@dataclass(frozen=True)
class NTKActivation:
    """sigma and sigma' as float64 (numpy, vectorised) and mpmath (scalar) callables.

    ``closed``: "relu" | "erf" | None (closed-form kernels exist); ``smooth``: sigma' is continuous (the quadrature
    switch); ``poly_degree``: the degree when sigma is a polynomial (rank bound of the kernel), else None.
    """

    name: str
    f: Callable
    df: Callable
    f_mp: Callable
    df_mp: Callable
    closed: Optional[str] = None
    smooth: bool = True
    poly_degree: Optional[int] = None


def _expit(z):
    from scipy.special import expit  # imported on first use: scipy.special costs 0.15 s of start-up

    return expit(z)


def _erf(z):
    from scipy.special import erf

    return erf(z)


def _mp_relu(z):
    return z if z > 0 else mpmath.mpf(0)


def _mp_step(z):
    return mpmath.mpf(1) if z > 0 else mpmath.mpf(0)


def _mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


_BUILTIN = {
    "relu": NTKActivation("relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), _mp_relu, _mp_step,
                          closed="relu", smooth=False),
    "softplus": NTKActivation("softplus", lambda z: np.logaddexp(0.0, z), _expit,
                              lambda z: mpmath.log1p(mpmath.exp(z)) if z < 0 else z + mpmath.log1p(mpmath.exp(-z)),
                              _mp_sigmoid),
    "tanh": NTKActivation("tanh", np.tanh, lambda z: 1.0 / np.cosh(z) ** 2, mpmath.tanh,
                          lambda z: mpmath.sech(z) ** 2),
    "sigmoid": NTKActivation("sigmoid", _expit, lambda z: _expit(z) * _expit(-z), _mp_sigmoid,
                             lambda z: _mp_sigmoid(z) * _mp_sigmoid(-z)),
    "erf": NTKActivation("erf", _erf, lambda z: 2 / math.sqrt(math.pi) * np.exp(-z * z), mpmath.erf,
                         lambda z: 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-z * z), closed="erf"),
    "identity": NTKActivation("identity", lambda z: z, np.ones_like, lambda z: z, lambda z: mpmath.mpf(1),
                              poly_degree=1),
    "square": NTKActivation("square", lambda z: z * z, lambda z: 2 * z, lambda z: z * z, lambda z: 2 * z,
                            poly_degree=2),
}
BUILTIN_NAMES = tuple(_BUILTIN)


def resolve_activation(activation) -> NTKActivation:
    """A built-in by name or an :class:`NTKActivation` as is; anything else is an InvalidArgument."""
    if isinstance(activation, NTKActivation):
        return activation
    if isinstance(activation, str) and activation.strip() in _BUILTIN:
        return _BUILTIN[activation.strip()]
    raise InvalidArgument(f"got activation {activation!r}; valid here are {', '.join(BUILTIN_NAMES)} or an "
                          "NTKActivation (proofs.ntk.ntk_activation wraps any activation of the toolkit)")


# --------------------------------------------------------------------------- number systems for the closed forms
class _Float:
    pi = math.pi
    sqrt = staticmethod(np.sqrt)
    asin = staticmethod(np.arcsin)

    @staticmethod
    def cos_sin_phi(a, b, c):
        # atan2 of the Lagrange cross term, not arccos(c / sqrt(ab)): arccos loses half the digits near the
        # diagonal (cos = 1 - 2^-53 gives an angle of 1.5e-8 instead of 0), atan2(0, c) is exactly 0 there
        # a, b, c scaled by one exact power of two per entry, so that a b - c^2 neither overflows nor underflows
        # (inputs of size 1e80 made it inf - inf); the diagonal a = b = c still gives exactly 0
        e = np.frexp(np.maximum(np.abs(a), np.abs(b)))[1]
        a2, b2, c2 = np.ldexp(a, -e), np.ldexp(b, -e), np.ldexp(c, -e)
        sq2 = np.sqrt(np.maximum(a2 * b2 - c2 * c2, 0.0))
        sab2 = np.sqrt(a2 * b2)
        return np.arctan2(sq2, c2), np.clip(c2 / sab2, -1.0, 1.0), sq2 / sab2


class _Mp:
    pi = property(lambda self: mpmath.pi)
    sqrt = staticmethod(mpmath.sqrt)
    asin = staticmethod(mpmath.asin)

    @staticmethod
    def cos_sin_phi(a, b, c):
        cross = a * b - c * c
        cross = cross if cross > 0 else mpmath.mpf(0)
        phi = mpmath.atan2(mpmath.sqrt(cross), c)
        sab = mpmath.sqrt(a * b)
        return phi, c / sab, mpmath.sqrt(cross) / sab


class _Ball:
    @property
    def pi(self):
        from flint import arb

        return arb.pi()

    @staticmethod
    def sqrt(x):
        return x.sqrt()

    @staticmethod
    def asin(x):
        return x.asin()

    @staticmethod
    def cos_sin_phi(a, b, c):
        from flint import arb

        cross = a * b - c * c
        # the exact cross term is >= 0 (Cauchy-Schwarz for a PSD 2x2 covariance): clamp the ball to [0, inf)
        if cross < 0:
            raise InvalidArgument("a 2x2 covariance of the recursion is certainly indefinite")
        if not cross > 0:
            hi = cross.upper()
            cross = arb(0).union(hi) if hi > 0 else arb(0)
        sq = cross.sqrt() if cross != 0 else arb(0)
        phi = arb.atan2(sq, c)
        sab = (a * b).sqrt()
        return phi, c / sab, sq / sab


_SYS = {"float": _Float(), "mp": _Mp(), "ball": _Ball()}


def closed_pair(kind: str, which: str, a, b, c, system: str = "float"):
    """Closed-form E[sigma(u)sigma(v)] (``which="ff"``), E[sigma'(u)sigma'(v)] (``"dd"``) or E sigma(u) (``"m"``,
    with ``a`` the variance) for ``kind`` relu | erf in the number ``system`` float | mp | ball."""
    S = _SYS[system]
    if which == "m":
        if kind == "erf":
            return a * 0
        return S.sqrt(a / (2 * S.pi))
    if kind == "relu":
        phi, cs, sn = S.cos_sin_phi(a, b, c)
        if which == "dd":
            return (S.pi - phi) / (2 * S.pi)
        return S.sqrt(a * b) * (sn + (S.pi - phi) * cs) / (2 * S.pi)
    if kind == "erf":
        if which == "dd":
            return 4 / (S.pi * S.sqrt((1 + 2 * a) * (1 + 2 * b) - 4 * c * c))
        return 2 / S.pi * S.asin(2 * c / S.sqrt((1 + 2 * a) * (1 + 2 * b)))
    raise InvalidArgument(f"got closed form {kind!r}; valid are relu, erf")


# --------------------------------------------------------------------------- two-layer ReLU kernels
def _float_inputs(X):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1:
        raise InvalidArgument(f"got inputs of shape {X.shape}; valid is an n x d array with n >= 1")
    if not np.all(np.isfinite(X)):
        raise InvalidArgument("an input entry is NaN or infinite; valid are finite numbers")
    nr = np.linalg.norm(X, axis=1)
    if np.any(nr == 0):
        raise InvalidArgument(f"input x_{int(np.argmin(nr))} is the zero vector; valid inputs for the ReLU "
                              "kernels are non-zero (the angle is undefined)")
    return X


def _pairwise_float(X, which):
    X = _float_inputs(X)
    G = X @ X.T
    d = np.diag(G).copy()
    return closed_pair("relu", which, d[:, None], d[None, :], G, "float"), G


def h_infinity(X) -> np.ndarray:
    """float64 H^infty (angle form, any non-zero inputs)."""
    E, G = _pairwise_float(X, "dd")
    return G * E


def g_infinity(X) -> np.ndarray:
    """float64 G^infty = E sigma(w.x_i) sigma(w.x_j), w ~ N(0, I) (degree-1 arc-cosine kernel)."""
    E, _ = _pairwise_float(X, "ff")
    return E


def _exact_inputs(X):
    """The inputs as exact Fractions; a zero input is refused (the ReLU kernels need x_i != 0)."""
    from numerics.certified.bnb import as_fraction

    Q = []
    for i, row in enumerate(X):
        q = [as_fraction(v) for v in row]
        if all(v == 0 for v in q):
            raise InvalidArgument(f"input x_{i} is the zero vector; valid inputs for the ReLU kernels are non-zero")
        Q.append(q)
    return Q


def _gram_exact(Q):
    n = len(Q)
    return [[sum(a * b for a, b in zip(Q[i], Q[j])) for j in range(n)] for i in range(n)]


def _kernel_mp(X, dps, which):
    Q = _exact_inputs(X)
    G = _gram_exact(Q)
    n = len(Q)
    with mpmath.workdps(dps + 10):
        M = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(i, n):
                a, b, c = (mpmath.mpf(t.numerator) / t.denominator for t in (G[i][i], G[j][j], G[i][j]))
                e = closed_pair("relu", which, a, b, c, "mp")
                M[i, j] = M[j, i] = c * e if which == "dd" else e
    return M


def h_infinity_mp(X, dps: int = 30):
    """H^infty as an mpmath matrix at ``dps`` digits (inputs read exactly: decimal strings, fractions)."""
    return _kernel_mp(X, dps, "dd")


def g_infinity_mp(X, dps: int = 30):
    """G^infty as an mpmath matrix at ``dps`` digits."""
    return _kernel_mp(X, dps, "ff")


def h_infinity_ball(X):
    """H^infty as a python-flint ``arb_mat`` enclosing the exact matrix (at the current ``flint.ctx.prec``)."""
    from numerics.certified.linalg import relu_gram_ball

    return relu_gram_ball(X)


def g_infinity_ball(X):
    """G^infty as an ``arb_mat`` enclosing the exact matrix (exact rational Gram, ball closed form)."""
    from flint import arb, arb_mat

    Q = _exact_inputs(X)
    G = _gram_exact(Q)
    n = len(Q)
    M = arb_mat(n, n)
    for i in range(n):
        for j in range(i, n):
            a, b, c = (arb(t.numerator) / t.denominator for t in (G[i][i], G[j][j], G[i][j]))
            M[i, j] = M[j, i] = closed_pair("relu", "ff", a, b, c, "ball")
    return M


# --------------------------------------------------------------------------- c_sigma
def c_sigma(activation, dps: int = 30):
    """c_sigma = 1 / E sigma(z)^2, z ~ N(0, 1), as an mpf at ``dps`` digits (ReLU: exactly 2; erf: the closed
    form pi / (2 arcsin(2/3)); otherwise ``mpmath.quad`` on (-inf, 0, inf), tanh-sinh, which converges to the
    working precision for these integrands)."""
    act = resolve_activation(activation)
    with mpmath.workdps(dps + 10):
        if act.closed == "relu":
            v = mpmath.mpf(2)
        elif act.closed == "erf":
            v = mpmath.pi / (2 * mpmath.asin(mpmath.mpf(2) / 3))
        else:
            phi = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
            e2 = mpmath.quad(lambda z: phi(z) * act.f_mp(z) ** 2, [-mpmath.inf, 0, mpmath.inf])
            if not e2 > 0:
                raise InvalidArgument(f"activation {act.name!r} has E sigma(z)^2 = 0; c_sigma is undefined")
            v = 1 / e2
    return +v


def c_sigma_float(activation, nodes: int = 80) -> float:
    """c_sigma rounded to float64 (mpmath quad at 20 digits: Gauss–Hermite is only ~1e-9 accurate for tanh at
    80 nodes, and c_sigma multiplies every layer). ``nodes`` is accepted for symmetry and unused."""
    return float(c_sigma(resolve_activation(activation), dps=20))
