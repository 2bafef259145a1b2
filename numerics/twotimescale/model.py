r"""The univariate model of the two-timescale regime (Marion & Berthier 2023), in float64.

Model: inputs :math:`x\in[0,1]` uniform, target :math:`f^*` piecewise constant (jumps at :math:`0<v_1<\dots<v_K<1`,
values :math:`f^*_0,\dots,f^*_K`), network

.. math:: f(x;a,u)=a_0+\sum_{j=1}^m a_j\,\sigma_\eta(x-u_j),\qquad \sigma_\eta(z)=\sigma(z/\eta),

with :math:`\sigma` the cubic smooth step (0 below -1/2, :math:`4(z+\frac12)^3` on (-1/2, 0], :math:`1-4(\frac12-z)^3` on
(0, 1/2), 1 above). The bias :math:`a_0` is a frozen neuron at :math:`u_0=-\eta/2` (its step is 1 on [0, 1]).
Population loss :math:`L(a,u)=\frac12\int_0^1(f-f^*)^2dx` (the authors' code omits the 1/2).

The integrals are exact up to float rounding: between consecutive breakpoints (the :math:`u_j`, :math:`u_j\pm\eta/2`, the
:math:`v_i`, 0 and 1) every integrand is a polynomial of degree <= 6, and a 4-point Gauss-Legendre rule per piece
(numpy's ``leggauss``) integrates degree 7 exactly, so there is no quadrature noise beyond rounding. The exact
rational counterpart lives in ``proofs.twotimescale``.

Also here: the fast problem :math:`a^*(u)=\arg\min_a L(a,u)` (linear least squares, ``numpy.linalg.lstsq``: the
minimum-norm solution when neurons coincide or leave [0, 1]), the reduced loss :math:`\min_a L(a,u)` and its
gradient by the envelope theorem, and the sharp-step limit

.. math:: \mathcal L_0(u)=\tfrac12\sum_j\int_{u_j}^{u_{j+1}}\big(f^*-\overline{f^*}_{[u_j,u_{j+1}]}\big)^2,\qquad
          \partial_{u_j}\mathcal L_0=\tfrac12\big[(f^*(u_j)-m_{j-1})^2-(f^*(u_j)-m_j)^2\big]

(:math:`u_0:=0`, :math:`u_{m+1}:=1`, :math:`m_j` the mean of :math:`f^*` on :math:`[u_j,u_{j+1}]`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.errors import InvalidArgument

__all__ = ["Target", "sigma", "dsigma", "loss_and_grads", "gram", "a_star", "reduced_loss", "sharp_loss",
           "sharp_grad", "floor", "coverage", "EMB1_TARGET", "step_init"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(4)


@dataclass(frozen=True)
class Target:
    """A piecewise-constant target on [0, 1]: jumps at ``v`` (strictly increasing, inside (0, 1)), ``values`` the
    K + 1 constants (left of v_1, ..., right of v_K)."""

    v: tuple
    values: tuple

    def __post_init__(self):
        v = np.asarray(self.v, float)
        f = np.asarray(self.values, float)
        if v.ndim != 1 or f.ndim != 1 or f.size != v.size + 1:
            raise InvalidArgument(f"got {v.size} jumps and {f.size} values; valid is K jumps and K + 1 values")
        if not (np.all(np.isfinite(v)) and np.all(np.isfinite(f))):
            raise InvalidArgument("got a non-finite jump position or value; valid is finite numbers")
        if v.size and (v[0] <= 0 or v[-1] >= 1 or np.any(np.diff(v) <= 0)):
            raise InvalidArgument(f"got jumps {v.tolist()}; valid is strictly increasing positions inside (0, 1)")

    @property
    def jumps(self) -> np.ndarray:
        return np.diff(np.asarray(self.values, float))

    def __call__(self, x):
        x = np.asarray(x, float)
        return np.asarray(self.values, float)[np.searchsorted(np.asarray(self.v, float), x, side="right")]

    def primitive(self, x, power: int = 1):
        """:math:`\\int_0^x (f^*)^{power}` (x in [0, 1]), exact for the piecewise constant."""
        x = np.clip(np.asarray(x, float), 0.0, 1.0)
        edges = np.concatenate([[0.0], np.asarray(self.v, float), [1.0]])
        vals = np.asarray(self.values, float) ** power
        seg = np.clip(x[..., None] - edges[:-1], 0.0, np.diff(edges))
        return seg @ vals


#: E-MB1 (code at bd701b3): bias 1 plus jumps (+4, -4, +2, -2, +4) at v = (0.2, 0.35, 0.5, 0.65, 0.8)
EMB1_TARGET = Target(v=(0.2, 0.35, 0.5, 0.65, 0.8), values=(1.0, 5.0, 1.0, 3.0, 1.0, 5.0))


def sigma(z):
    """The cubic smooth step."""
    z = np.asarray(z, float)
    lo = 4.0 * (z + 0.5) ** 3
    hi = 1.0 - 4.0 * (0.5 - z) ** 3
    return np.where(z <= -0.5, 0.0, np.where(z <= 0.0, lo, np.where(z < 0.5, hi, 1.0)))


def dsigma(z):
    """sigma': 12 (z + 1/2)^2 on (-1/2, 0], 12 (1/2 - z)^2 on (0, 1/2), 0 elsewhere (continuous)."""
    z = np.asarray(z, float)
    return np.where(np.abs(z) < 0.5, 12.0 * (0.5 - np.abs(z)) ** 2, 0.0)


def _check(u, eta):
    u = np.asarray(u, float)
    if u.ndim != 1 or not np.all(np.isfinite(u)):
        raise InvalidArgument("got neuron positions that are not a finite vector; valid is a 1-D array of floats")
    if not (np.isfinite(eta) and eta > 0):
        raise InvalidArgument(f"got eta = {eta!r}; valid is a positive width")
    return u


def _nodes(u, eta, target):
    """Gauss-Legendre nodes and weights on [0, 1], 4 per piece between all breakpoints."""
    bp = np.concatenate([[0.0, 1.0], u, u - eta / 2, u + eta / 2, np.asarray(target.v, float)])
    bp = np.unique(np.clip(bp, 0.0, 1.0))
    lo, hi = bp[:-1], bp[1:]
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    half = (hi - lo) / 2
    x = ((lo + hi) / 2)[:, None] + half[:, None] * _GL_X[None, :]
    w = half[:, None] * _GL_W[None, :]
    return x.ravel(), w.ravel()


def _features(u, eta, x):
    """(m + 1, N): the bias feature (sigma_eta(x + eta/2) = 1 on [0, 1]) then sigma_eta(x - u_j)."""
    U = np.concatenate([[-eta / 2], u])
    return sigma((x[None, :] - U[:, None]) / eta)


def loss_and_grads(a, u, eta, target: Target):
    """(L, dL/da, dL/du) at (a, u); ``a`` has m + 1 entries (bias first), ``u`` m entries."""
    u = _check(u, eta)
    a = np.asarray(a, float)
    if a.shape != (u.size + 1,):
        raise InvalidArgument(f"got {a.size} output weights for {u.size} neurons; valid is m + 1 (bias first)")
    x, w = _nodes(u, eta, target)
    phi = _features(u, eta, x)
    r = a @ phi - target(x)
    wr = w * r
    L = 0.5 * float(wr @ r)
    ga = phi @ wr
    dphi = dsigma((x[None, :] - u[:, None]) / eta) / eta
    gu = -a[1:] * (dphi @ wr)
    return L, ga, gu


def gram(u, eta, target: Target):
    """(G, b, c): G_jk = int phi_j phi_k, b_j = int phi_j f*, c = int f*^2 (so L = a.G.a/2 - a.b + c/2)."""
    u = _check(u, eta)
    x, w = _nodes(u, eta, target)
    phi = _features(u, eta, x)
    fs = target(x)
    pw = phi * w
    return pw @ phi.T, pw @ fs, float(w @ fs ** 2)


def a_star(u, eta, target: Target):
    """The fast problem: argmin_a L(a, u) (minimum-norm least squares)."""
    G, b, _ = gram(u, eta, target)
    return np.linalg.lstsq(G, b, rcond=None)[0]


def reduced_loss(u, eta, target: Target):
    """(min_a L(a, u), its gradient in u by the envelope theorem, a*(u))."""
    a = a_star(u, eta, target)
    L, _, gu = loss_and_grads(a, u, eta, target)
    return L, gu, a


def _pieces(u):
    p = np.concatenate([[0.0], np.sort(np.clip(np.asarray(u, float), 0.0, 1.0)), [1.0]])
    return p


def sharp_loss(u, target: Target) -> float:
    """L0(u): the eta -> 0 limit of the reduced loss (half the within-piece variance of f*)."""
    p = _pieces(u)
    S = np.diff(target.primitive(p, 2))
    T = np.diff(target.primitive(p, 1))
    ell = np.diff(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(ell > 0, S - T ** 2 / np.where(ell > 0, ell, 1.0), 0.0)
    return 0.5 * float(var.sum())


def sharp_grad(u, target: Target):
    """dL0/du_j = [(f*(u_j) - m_{j-1})^2 - (f*(u_j) - m_j)^2] / 2 for neurons inside (0, 1) not on a jump; 0 for
    neurons outside [0, 1]; NaN for a neuron exactly on a jump (L0 has one-sided derivatives there)."""
    u = np.asarray(u, float)
    order = np.argsort(u, kind="stable")
    p = _pieces(u)
    T = np.diff(target.primitive(p, 1))
    ell = np.diff(p)
    g_sorted = target(np.clip(u[order], 0.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(ell > 0, T / np.where(ell > 0, ell, 1.0), np.nan)
    left, right = means[:-1], means[1:]
    # an empty neighbouring interval (coincident neurons) contributes nothing
    left = np.where(np.isnan(left), g_sorted, left)
    right = np.where(np.isnan(right), g_sorted, right)
    gs = 0.5 * ((g_sorted - left) ** 2 - (g_sorted - right) ** 2)
    us = u[order]
    gs = np.where((us <= 0) | (us >= 1), 0.0, gs)
    on_jump = np.isin(us, np.asarray(target.v, float))
    gs = np.where(on_jump, np.nan, gs)
    out = np.empty_like(gs)
    out[order] = gs
    return out


def floor(target: Target, eta: float) -> float:
    """The O(eta) reference value: one neuron exactly on each jump with a_j = jump gives sum_i jump_i^2 eta / 56
    (cubic sigma, 1/2 convention); the least-squares a can only lower it."""
    return float(np.sum(target.jumps ** 2) * eta / 56.0)


def coverage(u, target: Target, tol: float):
    """(covered flags, distance from each jump to the nearest neuron): a jump is covered when some neuron lies
    within ``tol`` of it (the run scripts use tol = eta)."""
    u = np.asarray(u, float)
    v = np.asarray(target.v, float)
    if u.size == 0:
        d = np.full(v.shape, np.inf)
    else:
        d = np.min(np.abs(v[:, None] - u[None, :]), axis=1)
    return d <= tol, d


def step_init(m: int, seed: int):
    """u(0): m sorted i.i.d. Uniform[0, 1] positions (numpy default_rng(seed)); a(0) = 0, bias included."""
    if m < 1:
        raise InvalidArgument(f"got m = {m}; valid is at least one neuron")
    rng = np.random.default_rng(seed)
    return np.sort(rng.random(m)), np.zeros(m + 1)
