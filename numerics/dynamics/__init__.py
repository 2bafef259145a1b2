r"""Mean-field particle gradient flows: velocity fields, integrators, runs (MATH.md §1.2, §3.4, §10).

A particle is :math:`\theta_j=(a_j,u_j)`: output weight :math:`a_j` (k x q) and inner parameter
:math:`u_j\in\mathbb R^{p_u}`, in the layout of :class:`proofs.problem.measure.Measure` (arrays ``a``
of shape (m, k, q) and ``u`` of shape (m, p_u), inner coordinates in the model's symbol order).
With masses :math:`p_j` (default :math:`1/m`) the predictor is :math:`f=\sum_jp_ja_jg(u_j,\cdot)`
and the flow is (mean-field time, MATH.md §1.2, §1b A.1)

.. math::
    a_j' = -\Psi_\mu(u_j),\qquad u_j' = -\nabla_u\langle a_j,\Psi_\mu(u)\rangle\big|_{u=u_j},
    \qquad \Psi_\mu(u)=\tfrac1n\textstyle\sum_i r_i\,g(u,x_i)^\top .

A forward-Euler step of size :math:`\tau` is the GD step :math:`\theta_j\leftarrow\theta_j-\tau\,m\,\nabla_{\theta_j}R`
of the peers in ``bench/`` (MATH.md §10).

Regularisers (MATH.md §1.2): ``weight_decay`` :math:`\lambda_2` is
:math:`V=\frac{\lambda_2}{2}(|a|^2+|u|^2)` (smooth: added to the velocity); ``l1`` :math:`\lambda` is
:math:`V=\lambda|a|` (Frobenius norm of the output weight; :math:`|a|` for k = q = 1), handled by the
proximal (block soft-threshold) step :math:`a\leftarrow a\,(1-\tau\lambda/|a|)_+` after the explicit step
of the smooth part; the reported velocity is then the minimal-norm element of :math:`-\partial F'`
(soft threshold at :math:`a=0`). Two timescales (MATH.md §6.3): ``dt`` for the output weights,
``dt_inner`` for the inner parameters, i.e. :math:`a'=-\nabla_aF'`, :math:`u'=-\varepsilon\nabla_uF'` with
:math:`\varepsilon=` ``dt_inner/dt`` for every method.

Methods (:class:`ButcherTableau`, each declares its order and the tests fit it): ``euler`` (1),
``heun`` (2), ``rk4`` (4). With ``l1 > 0`` the splitting makes every method first order.

Fields: :class:`NetField` (sigmoid-type vector-output networks with bias and the ReLU lift, any
activation; hand-fused numpy kernel for sigmoid/tanh, :mod:`numerics.dynamics.kernels_net`),
:class:`AttentionField` (softmax heads, ``A`` or ``(Q, K)`` parameterisation, with the contraction
order of the ``bench/`` peers). Backends: any array-API namespace (:mod:`numerics.dynamics.backend`); numpy
gets in-place speed paths. float64 throughout.
"""
from __future__ import annotations

import abc
import contextlib
import math
import signal
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from numerics.dynamics import backend as B
from numerics.dynamics.kernels_net import FUSED_ACTIVATIONS, TANH_FORM, NetNumpyKernel, blas_single_thread

__all__ = ["State", "VelocityField", "NetField", "AttentionField", "ButcherTableau", "TABLEAUS", "METHODS",
           "ParticleFlow", "Diverged", "field_for", "XP_ACTIVATIONS",
           "ntk_flow", "w2_distance"]


class State(tuple):
    """Particles ``(a, u)``: a (m, k, q), u (m, p_u); an immutable pair of arrays."""

    def __new__(cls, a, u):
        return super().__new__(cls, (a, u))

    @property
    def a(self):
        return self[0]

    @property
    def u(self):
        return self[1]

    @property
    def m(self) -> int:
        return int(self[1].shape[0])

    def to_numpy(self) -> "State":
        return State(B.to_numpy(self[0]), B.to_numpy(self[1]))


def _invalid(msg):
    from proofs.errors import InvalidArgument

    return InvalidArgument(msg)


# ---------------------------------------------------------------------------
# velocity fields
# ---------------------------------------------------------------------------
class VelocityField(abc.ABC):
    """The loss part of the mean-field velocity of one model on one data set.

    Subclasses set ``xp, n, k, q, p_u, name`` and implement :meth:`evaluate`.
    """

    xp = np
    n: int
    k: int
    q: int
    p_u: int
    name: str = "field"

    @abc.abstractmethod
    def evaluate(self, a, u, out=None):
        """Velocity ``(va, vu)`` of the loss part at the particles and the loss R at them.

        ``out``: optional preallocated numpy pair to write into (numpy backend only).
        Returns ``(va, vu, loss)`` with ``loss`` a Python float.
        """

    @abc.abstractmethod
    def predict(self, a, u):
        """f_mu(x_i), (n, k)."""

    def _deliver(self, va, vu, loss, out):
        """``evaluate``'s result from ``evaluate_xp``'s: written into ``out`` (numpy) if given, loss a float."""
        if out is not None and B.is_numpy(self.xp):
            out[0][...] = va
            out[1][...] = vu
            return out[0], out[1], float(loss)
        return va, vu, float(loss)

    def _masses(self, m):
        """The particle masses as an xp array for m particles (cached; ``_mass_in`` None means 1/m)."""
        if self._mass_m != m:
            self._mass = _mass_array(self._mass_in, m, self.xp)
            self._mass_m = m
        return self._mass

    def loss(self, a, u) -> float:
        xp = self.xp
        E = self.predict(a, u) - self.Y
        return float(xp.sum(E * E)) / (2 * self.n)

    def check_state(self, a, u):
        if len(a.shape) != 3 or tuple(a.shape[1:]) != (self.k, self.q):
            raise _invalid(f"output weights must have shape (m, {self.k}, {self.q}), got {tuple(a.shape)}")
        if len(u.shape) != 2 or u.shape[1] != self.p_u or u.shape[0] != a.shape[0]:
            raise _invalid(f"inner parameters must have shape ({a.shape[0]}, {self.p_u}), got {tuple(u.shape)}")
        if u.shape[0] < 1:
            raise _invalid("the measure has no particles; give m >= 1")


def _mass_array(mass, m, xp):
    if mass is None:
        return None
    p = B.asarray(B.to_numpy(mass) if not isinstance(mass, (list, tuple)) else
                  np.asarray([float(Fraction(v)) if isinstance(v, str) else float(v) for v in mass]), np)
    if p.shape != (m,) or not np.all(np.isfinite(p)) or np.any(p <= 0):
        raise _invalid(f"mass must be {m} positive finite numbers, got shape {p.shape}")
    if np.allclose(p, 1.0 / m, rtol=0, atol=0):
        return None  # exactly uniform: use the 1/m fast path
    return B.asarray(p, xp)


#: activations available on every array-API backend (elementwise xp code, stable at large |z|)
XP_ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "square", "softplus")


def _xp_activation(xp, name):
    """(sigma, sigma') for the array-API backends."""
    if name == "sigmoid":
        def s(z):
            return B.sigmoid(xp, z)

        def ds(z):
            v = B.sigmoid(xp, z)
            return v * (1.0 - v)
    elif name == "tanh":
        def s(z):
            return xp.tanh(z)

        def ds(z):
            t = xp.tanh(z)
            return 1.0 - t * t
    elif name == "relu":
        def s(z):
            return xp.where(z > 0, z, xp.zeros_like(z))

        def ds(z):  # convention sigma'(0) = 0 (a.e. derivative; MATH.md §3.10)
            return xp.where(z > 0, xp.ones_like(z), xp.zeros_like(z))
    elif name == "identity":
        def s(z):
            return z

        def ds(z):
            return xp.ones_like(z)
    elif name == "square":
        def s(z):
            return z * z

        def ds(z):
            return 2.0 * z
    elif name == "softplus":
        def s(z):
            return B.softplus(xp, z)

        def ds(z):
            return B.sigmoid(xp, z)
    else:  # pragma: no cover - guarded by the caller
        raise KeyError(name)
    return s, ds


def _generated_activation(act):
    """(sigma, sigma') compiled (numpy) from the activation's sympy source (proofs.symbolic.codegen)."""
    from proofs.symbolic.activations import Z
    from proofs.symbolic.codegen import compile_expr

    f0 = compile_expr([Z], act.derivative(0), "numpy")
    f1 = compile_expr([Z], act.derivative(1), "numpy")

    def s(z):
        return np.broadcast_to(np.asarray(f0(z), dtype=np.float64), z.shape)

    def ds(z):
        return np.broadcast_to(np.asarray(f1(z), dtype=np.float64), z.shape)
    return s, ds


def _checked_data(X, Y, x_ndim, what):
    """X, Y as float64 numpy arrays (Y of ndim 1 means k = 1); one-line error on bad shapes or NaN/inf."""
    Xn = np.asarray(B.to_numpy(X), dtype=np.float64)
    Yn = np.asarray(B.to_numpy(Y), dtype=np.float64)
    if Yn.ndim == 1:
        Yn = Yn[:, None]
    if Xn.ndim != x_ndim or Yn.ndim != 2 or Xn.shape[0] != Yn.shape[0] or Xn.shape[0] < 1:
        raise _invalid(f"{what}, got {Xn.shape}, {Yn.shape}")
    if not (np.all(np.isfinite(Xn)) and np.all(np.isfinite(Yn))):
        raise _invalid("data contain NaN or inf; give finite numbers")
    return Xn, Yn


class NetField(VelocityField):
    r"""Two-layer network with bias, vector output: :math:`g(u,x)=\sigma(w\cdot x+b)`, ``u=(w,b)``.

    Covers the ``sigmoid`` model of :mod:`proofs.symbolic.models` (any activation) and the ReLU lift
    (``relu-lift``: ``u = theta`` with the bias last, activation ``relu``). q = 1.

    ``activation``: a built-in name or an :class:`proofs.symbolic.activations.Activation`. On numpy,
    sigmoid/tanh use the fused kernel (:mod:`numerics.dynamics.kernels_net`) unless ``fused=False``;
    other activations use elementwise xp code (:data:`XP_ACTIVATIONS`) or, on numpy only, the
    evaluators generated from the sympy source.
    """

    def __init__(self, X, Y, activation="sigmoid", *, m=None, mass=None, xp=None, fused=True,
                 block=128, threads=None, name=None, bias=True):
        xp = np if xp is None else xp
        self.xp = xp
        Xn, Yn = _checked_data(X, Y, 2, "data must be X (n, d), Y (n, k) with n >= 1")
        self.n, self.d = Xn.shape
        self.bias = bool(bias)
        self.k, self.q, self.p_u = Yn.shape[1], 1, self.d + int(self.bias)
        act_name = activation if isinstance(activation, str) else getattr(activation, "name", str(activation))
        self.activation = act_name
        self.name = name or ("sigmoid" if act_name == "sigmoid" else f"net[{act_name}]")
        self.X = B.asarray(Xn, xp)
        self.Y = B.asarray(Yn, xp)
        # bias through x~ = (x, 1): (n, d+1); without bias (MATH.md §4.1) x~ = x
        self.Xt = B.asarray(np.hstack([Xn, np.ones((self.n, 1))]) if self.bias else Xn, xp)
        self._mass_in = mass
        self.m = m
        self._kernel = None
        self._kernel_opts = dict(block=block, threads=threads, bias=self.bias)
        self.fused = bool(fused) and B.is_numpy(xp) and act_name in FUSED_ACTIVATIONS
        if act_name in XP_ACTIVATIONS:
            self._s, self._ds = _xp_activation(xp, act_name)
        elif B.is_numpy(xp):
            from proofs.symbolic.activations import get_activation

            self._s, self._ds = _generated_activation(get_activation(activation))
        else:
            raise _invalid(f"activation {act_name!r} has no array-API kernel; on backend "
                           f"{B.backend_name(xp)} valid are {', '.join(XP_ACTIVATIONS)} (or use --backend numpy)")
        self._mass = None
        self._mass_m = None

    def _get_kernel(self, m):
        if self._kernel is None or self._kernel.m != m:
            self._kernel = NetNumpyKernel(B.to_numpy(self.X), B.to_numpy(self.Y), self.activation, m,
                                          mass=self._masses(m), **self._kernel_opts)
        return self._kernel

    def predict(self, a, u):
        xp = self.xp
        m = u.shape[0]
        A = xp.reshape(a, (m, self.k))
        S = self._s(self.Xt @ xp.permute_dims(u, (1, 0)))  # (n, m)
        p = self._masses(m)
        return (S @ A) / m if p is None else S @ (A * p[:, None])

    def evaluate(self, a, u, out=None):
        m = u.shape[0]
        if self.fused:
            A = a.reshape(m, self.k)
            U = np.ascontiguousarray(u)
            if out is None:
                va, vu = np.empty((m, self.k, 1)), np.empty((m, self.p_u))
            else:
                va, vu = out
            loss = self._get_kernel(m).evaluate(np.ascontiguousarray(A), U, va.reshape(m, self.k), vu)
            return va, vu, loss
        return self._deliver(*self.evaluate_xp(a, u), out)

    def evaluate_xp(self, a, u):
        """:meth:`evaluate` in array-API operations only, the loss a 0-d array (traceable by
        ``jax.jit``; used by the compiled JAX loop of :meth:`ParticleFlow.run`)."""
        xp = self.xp
        m = u.shape[0]
        A = xp.reshape(a, (m, self.k))
        # particles x samples layout (m, n): measured ~20 % faster under XLA than (n, m)
        Z = u @ xp.permute_dims(self.Xt, (1, 0))  # (m, n)
        p = self._masses(m)
        Aw = A / m if p is None else A * p[:, None]  # p_j a_j
        n = self.n
        if self.activation in ("sigmoid", "tanh"):
            # one transcendental: sigma = alpha + beta tanh(gamma z), sigma' = beta gamma (1 - tanh^2)
            # (sigmoid: alpha = beta = gamma = 1/2), as in the fused numpy kernel; the affine constants
            # are applied to the small (k, n), (m, k), (m, d+1) arrays, not to the (m, n) ones
            al, be, ga = TANH_FORM[self.activation]
            T = xp.tanh(Z if ga == 1.0 else ga * Z)
            Ft = be * (xp.permute_dims(Aw, (1, 0)) @ T)  # (k, n)
            if al:
                Ft = Ft + al * xp.sum(Aw, axis=0)[:, None]
            E = xp.permute_dims(Ft, (1, 0)) - self.Y  # (n, k) residual r_i
            va = (-be / n) * (T @ E)  # -Psi(u_j), (m, k)
            if al:
                va = va - (al / n) * xp.sum(E, axis=0)
            G = (A @ xp.permute_dims(E, (1, 0))) * (1.0 - T * T)  # (m, n)
            vu = (-be * ga / n) * (G @ self.Xt)  # (m, d+1)
        else:
            S = self._s(Z)
            E = xp.permute_dims(xp.permute_dims(Aw, (1, 0)) @ S, (1, 0)) - self.Y  # (n, k) residual r_i
            va = -(S @ E) / n  # -Psi(u_j), (m, k)
            G = (A @ xp.permute_dims(E, (1, 0))) * self._ds(Z)  # (m, n): (a_j . r_i) sigma'(z_ij)
            vu = -(G @ self.Xt) / n  # (m, d+1)
        loss = xp.sum(E * E) / (2 * n)
        return xp.reshape(va, (m, self.k, 1)), vu, loss


class AttentionField(VelocityField):
    r"""Softmax attention heads as particles (MATH.md §1b A.1; [I] for the 2026 setting).

    Tokens ``X`` (n, L, p); the query is the last token :math:`x_q`. Head ``h`` has output weight
    :math:`a_h=V_h` (k x p) and inner parameter ``A`` (p x p, row-major) or, with ``qk=True``,
    ``(Q, K)`` (p x dq each, row-major, :math:`A=QK^\top`); feature
    :math:`g=X^\top\mathrm{softmax}(XA^\top x_q)`. The contraction order is the one of the
    ``bench/`` peers: :math:`M_h=A_h^\top=K_hQ_h^\top`, :math:`g_h=M_hx_q`, scores :math:`Xg_h`,
    softmax over tokens (max-shifted: no overflow), :math:`c_h=X^\top p_h`, :math:`f=\sum_hp_hV_hc_h`.
    """

    def __init__(self, X, Y, *, qk=False, dq=None, mass=None, xp=None, name=None, fused=True, block=16,
                 threads=None, contraction="auto"):
        xp = np if xp is None else xp
        self.xp = xp
        Xn, Yn = _checked_data(X, Y, 3, "attention data must be X (n, L, p), Y (n, k)")
        self.n, self.L, self.p = Xn.shape
        self.k, self.q = Yn.shape[1], self.p
        self.qk = bool(qk)
        if self.qk:
            if dq is None or int(dq) < 1:
                raise _invalid(f"attention-qk needs the query/key dimension dq >= 1, got {dq!r}")
            self.dq = int(dq)
            self.p_u = 2 * self.p * self.dq
        else:
            self.dq = None
            self.p_u = self.p * self.p
        self.name = name or ("attention-qk" if self.qk else "attention")
        self.X = B.asarray(Xn, xp)
        self.Y = B.asarray(Yn, xp)
        self.xq = B.asarray(np.ascontiguousarray(Xn[:, -1, :]), xp)  # (n, p) query tokens
        self._mass_in = mass
        self._mass, self._mass_m = None, None
        self.fused = bool(fused) and B.is_numpy(xp)
        # array-API path: the peers' contraction order, or the fused kernel's regrouping into large GEMMs
        # over (sample, token) rows (needs the (n L, p^2) data matrix Z; measured 0.8x the peers' order
        # under XLA): "auto" regroups off numpy while Z stays below 2^24 entries
        if contraction not in ("auto", "peer", "regrouped"):
            raise _invalid(f"contraction must be auto, peer or regrouped, got {contraction!r}")
        if contraction == "auto":
            contraction = "regrouped" if not B.is_numpy(xp) and self.n * self.L * self.p ** 2 <= 1 << 24 else "peer"
        self.contraction = contraction
        if contraction == "regrouped":
            from numerics.dynamics.kernels_attention import regrouped_data

            self.X2, self.Z2 = (B.asarray(v, xp) for v in regrouped_data(Xn))
        self._kernel_opts = dict(block=block, threads=threads)
        self._kernel = None
        self._kernel_m = None

    def _get_kernel(self, m):
        from numerics.dynamics.kernels_attention import AttentionNumpyKernel

        if self._kernel is None or self._kernel_m != m:
            self._kernel = AttentionNumpyKernel(B.to_numpy(self.X), B.to_numpy(self.Y), qk=self.qk, dq=self.dq,
                                                mass=self._masses(m), **self._kernel_opts)
            self._kernel_m = m
        return self._kernel

    def _M(self, u):
        """M_h = A_h^T (= K_h Q_h^T), (H, p, p)."""
        xp, H, p = self.xp, u.shape[0], self.p
        if self.qk:
            Q = xp.reshape(u[:, :p * self.dq], (H, p, self.dq))
            K = xp.reshape(u[:, p * self.dq:], (H, p, self.dq))
            return K @ xp.permute_dims(Q, (0, 2, 1)), Q, K
        A = xp.reshape(u, (H, p, p))
        return xp.permute_dims(A, (0, 2, 1)), None, None

    def _forward(self, a, u):
        xp = self.xp
        n, H, p, k = self.n, u.shape[0], self.p, self.k
        M, Q, K = self._M(u)
        g = xp.reshape(self.xq @ xp.permute_dims(xp.reshape(M, (H * p, p)), (1, 0)), (n, H, p))  # g = M_h x_q
        S = self.X @ xp.permute_dims(g, (0, 2, 1))  # (n, L, H) scores
        S = S - xp.max(S, axis=1, keepdims=True)
        P = xp.exp(S)
        P = P / xp.sum(P, axis=1, keepdims=True)  # softmax over tokens
        C = xp.permute_dims(P, (0, 2, 1)) @ self.X  # (n, H, p)  c = X^T p
        Vt = xp.reshape(xp.permute_dims(a, (0, 2, 1)), (H * p, k))  # (H p, k)
        mass = self._masses(H)
        if mass is None:
            F = (xp.reshape(C, (n, H * p)) @ Vt) / H
        else:
            Vw = xp.reshape(xp.permute_dims(a * mass[:, None, None], (0, 2, 1)), (H * p, k))
            F = xp.reshape(C, (n, H * p)) @ Vw
        return M, Q, K, P, C, Vt, F

    def predict(self, a, u):
        return self._forward(a, u)[-1]

    def evaluate(self, a, u, out=None):
        H, k, p = u.shape[0], self.k, self.p
        if self.fused:
            va, vu = (np.empty((H, k, p)), np.empty((H, self.p_u))) if out is None else out
            loss = self._get_kernel(H).evaluate(np.ascontiguousarray(a), np.ascontiguousarray(u), va, vu)
            return va, vu, loss
        return self._deliver(*self.evaluate_xp(a, u), out)

    def evaluate_xp(self, a, u):
        """:meth:`evaluate` in array-API operations only, the loss a 0-d array (jit-traceable)."""
        if self.contraction == "regrouped":
            return self._evaluate_regrouped(a, u)
        xp = self.xp
        n, H, p, k = self.n, u.shape[0], self.p, self.k
        M, Q, K, P, C, Vt, F = self._forward(a, u)
        E = F - self.Y
        loss = xp.sum(E * E) / (2 * n)
        Cf = xp.reshape(C, (n, H * p))
        va = -xp.permute_dims(xp.reshape((xp.permute_dims(Cf, (1, 0)) @ E) / n, (H, p, k)), (0, 2, 1))  # (H,k,p)
        dC = xp.reshape((E @ xp.permute_dims(Vt, (1, 0))) / n, (n, H, p))  # V_h^T r / n
        dP = self.X @ xp.permute_dims(dC, (0, 2, 1))  # (n, L, H)
        dS = P * (dP - xp.sum(P * dP, axis=1, keepdims=True))
        r = xp.permute_dims(dS, (0, 2, 1)) @ self.X  # (n, H, p)
        dM = xp.reshape(xp.permute_dims(xp.reshape(r, (n, H * p)), (1, 0)) @ self.xq, (H, p, p))
        return va, self._inner_velocity(dM, Q, K), loss

    def _inner_velocity(self, dM, Q, K):
        """-dR/d(inner parameter) from dM_h = dR/dM_h (M_h = A_h^T = K_h Q_h^T)."""
        xp, H, p = self.xp, dM.shape[0], self.p
        if self.qk:
            gK = dM @ Q
            gQ = xp.permute_dims(dM, (0, 2, 1)) @ K
            return -xp.concat([xp.reshape(gQ, (H, p * self.dq)), xp.reshape(gK, (H, p * self.dq))], axis=1)
        return -xp.reshape(xp.permute_dims(dM, (0, 2, 1)), (H, p * p))  # dA = dM^T

    def _evaluate_regrouped(self, a, u):
        """The same velocity through large GEMMs over (sample, token) rows, as the fused numpy kernel
        (:mod:`numerics.dynamics.kernels_attention`): scores S = Z vec(M)^T, dM = dS^T Z (max-shifted softmax)."""
        xp = self.xp
        n, L, H, p, k = self.n, self.L, u.shape[0], self.p, self.k
        M, Q, K = self._M(u)
        S = xp.reshape(self.Z2 @ xp.permute_dims(xp.reshape(M, (H, p * p)), (1, 0)), (n, L, H))
        S = S - xp.max(S, axis=1, keepdims=True)
        P = xp.exp(S)
        P = P * (1.0 / xp.sum(P, axis=1, keepdims=True))  # softmax over tokens (one division per column)
        P2 = xp.reshape(P, (n * L, H))
        V2 = xp.reshape(a, (H, k * p))
        mass = self._masses(H)
        Vw2 = V2 / H if mass is None else V2 * mass[:, None]
        X4 = xp.reshape(self.X2, (n, L, 1, p))
        F = xp.sum(xp.reshape(P2 @ Vw2, (n, L, k, p)) * X4, axis=(1, 3))  # (n, k)
        E = F - self.Y
        loss = xp.sum(E * E) / (2 * n)
        EX = xp.reshape(E[:, None, :, None] * (X4 / n), (n * L, k * p))  # r_{s,c} x_{s,l,e} / n
        va = -xp.reshape(xp.permute_dims(P2, (1, 0)) @ EX, (H, k, p))
        dP = xp.reshape(EX @ xp.permute_dims(V2, (1, 0)), (n, L, H))
        dS = P * (dP - xp.sum(P * dP, axis=1, keepdims=True))
        dM = xp.reshape(xp.permute_dims(xp.reshape(dS, (n * L, H)), (1, 0)) @ self.Z2, (H, p, p))
        return va, self._inner_velocity(dM, Q, K), loss


def field_for(model, X, Y, *, xp=None, mass=None, activation=None, p=None, L=None, dq=None,
              **opts) -> VelocityField:
    """The velocity field of a :mod:`proofs.symbolic.models` model (object, or CLI name plus dimensions) on (X, Y).

    ``X`` is (n, p_x) as in :class:`proofs.problem.measure.Dataset` (attention: tokens flattened row-major,
    or already (n, L, p)). With a name, give ``activation`` (nets) or ``p``, ``L``, ``dq`` (attention).
    """
    name = model if isinstance(model, str) else model.name
    if name.startswith("attention"):
        p = getattr(model, "p", p)
        L = getattr(model, "L", L)
        dq = getattr(model, "dq", dq)
        Xn = np.asarray(B.to_numpy(X), dtype=np.float64)
        if Xn.ndim == 2:
            if p is None or L is None or Xn.shape[1] != p * L:
                raise _invalid(f"attention inputs have {Xn.shape[1]} entries per sample; expected L*p = "
                               f"{None if p is None or L is None else p * L}")
            Xn = Xn.reshape(Xn.shape[0], L, p)
        return AttentionField(Xn, Y, qk=name == "attention-qk", dq=dq, mass=mass, xp=xp, **opts)
    if name == "relu-lift" or name.startswith("lift["):
        act = model.activation if not isinstance(model, str) else (activation or "relu")
        return NetField(X, Y, act, mass=mass, xp=xp, name=name, **opts)
    if name == "sigmoid" or name.startswith("net["):
        act = model.activation if not isinstance(model, str) else (activation or "sigmoid")
        return NetField(X, Y, act, mass=mass, xp=xp, name=None if isinstance(model, str) else name, **opts)
    raise _invalid(f"unknown model {name!r}; valid are sigmoid, attention, attention-qk, relu-lift")


# ---------------------------------------------------------------------------
# integrators
# ---------------------------------------------------------------------------
class Diverged(FloatingPointError):
    """A run left the finite numbers: the loss or the parameters became inf or NaN (step too large for an
    unbounded activation, typically). Raised by :meth:`ParticleFlow.run` with ``state``: the last state whose
    parameters and loss are finite, ``steps_done``: its step count (relative to the run's start), ``step``: the
    step at which the divergence was seen, ``reason``: what was not finite. A callback may raise it (without a
    state) when its own diagnostics of the state it was given are not finite: the run then reports the state
    before that one."""

    def __init__(self, reason: str, *, step=None, state=None, steps_done=None):
        super().__init__(reason if step is None else f"{reason} at step {step}")
        self.reason, self.step, self.state, self.steps_done = reason, step, state, steps_done


def _all_finite(xp, *arrays) -> bool:
    return all(bool(xp.all(xp.isfinite(x))) for x in arrays)


@dataclass(frozen=True)
class ButcherTableau:
    """Explicit Runge-Kutta tableau; ``__post_init__`` checks the consistency identities."""

    name: str
    a: tuple  # lower-triangular rows
    b: tuple
    c: tuple
    order: int

    def __post_init__(self):
        if abs(sum(self.b) - 1) > 1e-15:
            raise ValueError(f"{self.name}: weights b must sum to 1")
        for i, row in enumerate(self.a):
            if len(row) != i or abs(sum(row) - self.c[i]) > 1e-15:
                raise ValueError(f"{self.name}: row {i} of a must have {i} entries summing to c[{i}]")

    @property
    def stages(self) -> int:
        return len(self.b)


TABLEAUS = {
    "euler": ButcherTableau("euler", ((),), (1.0,), (0.0,), 1),
    "heun": ButcherTableau("heun", ((), (1.0,)), (0.5, 0.5), (0.0, 1.0), 2),
    "rk4": ButcherTableau("rk4", ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6),
                          (0.0, 0.5, 0.5, 1.0), 4),
}
METHODS = tuple(TABLEAUS)


@dataclass
class ParticleFlow:
    """A particle flow: a velocity field, a method, step sizes and a regulariser.

    ``dt``: step of the output weights (mean-field time); ``dt_inner``: step of the inner
    parameters (default ``dt``; a smaller one gives the two-timescale flow of MATH.md §6.3);
    ``l1``: lambda of V = lambda |a| (proximal step); ``weight_decay``: lambda_2 of
    V = lambda_2/2 |theta|^2; ``train_outer=False`` freezes the output weights; ``compile``: on the JAX
    backend, :meth:`run` executes the steps in a jitted ``lax.fori_loop`` (the same arithmetic as
    :meth:`step`, traced once).
    See :func:`ntk_flow` for the NTK-scaled GD of MATH.md §4.1.
    """

    field: VelocityField
    dt: float
    method: str = "euler"
    dt_inner: float | None = None
    l1: float = 0.0
    weight_decay: float = 0.0
    train_outer: bool = True
    compile: bool = True
    _bufs: dict = field(default_factory=dict, repr=False)
    _compiled: object = field(default=None, repr=False)

    #: most steps inside one compiled call (JAX); calls are also sized to last about
    #: ``COMPILED_CHUNK_S`` seconds, the latency of Ctrl-C
    COMPILED_CHUNK = 256
    COMPILED_CHUNK_S = 0.5

    def __post_init__(self):
        if self.method not in TABLEAUS:
            raise _invalid(f"unknown method {self.method!r}; valid are {', '.join(METHODS)}")
        for nm in ("dt", "dt_inner", "l1", "weight_decay"):
            v = getattr(self, nm)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise _invalid(f"{nm} must be a finite number, got {v!r}")
        if not self.dt > 0:
            raise _invalid(f"dt must be positive, got {self.dt!r}")
        if self.dt_inner is not None and not self.dt_inner >= 0:
            raise _invalid(f"dt_inner must be >= 0, got {self.dt_inner!r}")
        if self.l1 < 0 or self.weight_decay < 0:
            raise _invalid(f"regularisation strengths must be >= 0, got l1={self.l1}, weight_decay={self.weight_decay}")
        self.tableau = TABLEAUS[self.method]

    @property
    def ratio(self) -> float:
        """Timescale ratio epsilon = dt_inner / dt (1 for a single timescale)."""
        return 1.0 if self.dt_inner is None else self.dt_inner / self.dt

    @property
    def order(self) -> int:
        """Declared order in the step size (1 whenever the proximal splitting is used)."""
        return 1 if self.l1 > 0 else self.tableau.order

    # -- the vector field ---------------------------------------------------
    def _smooth(self, a, u, out=None, traced=False):
        """Velocity of the smooth part (loss + weight decay), rate-scaled for two timescales.
        ``traced``: array operations only, the loss a 0-d array (inside ``jax.jit``)."""
        if traced:
            va, vu, loss = self.field.evaluate_xp(a, u)
        else:
            va, vu, loss = self.field.evaluate(a, u, out=out)
        lam2 = self.weight_decay
        if lam2:
            if out is not None:
                va -= lam2 * a
                vu -= lam2 * u
            else:
                va, vu = va - lam2 * a, vu - lam2 * u
        eps = self.ratio
        if eps != 1.0:
            if out is not None:
                vu *= eps
            else:
                vu = vu * eps
        if not self.train_outer:  # output weights frozen (Du et al. 2018, MATH.md §4.1)
            if out is not None:
                va[...] = 0.0
            else:
                va = va * 0.0
        return va, vu, loss

    def velocity(self, state: State):
        """Full mean-field velocity (minimal-norm element of -dF' with l1; unscaled by dt_inner/dt)."""
        xp = self.field.xp
        a, u = state
        va, vu, loss = self.field.evaluate(a, u)
        if self.weight_decay:
            va, vu = va - self.weight_decay * a, vu - self.weight_decay * u
        if not self.train_outer:
            va = va * 0.0
        if self.l1:
            lam = self.l1
            na = _fro(xp, a)
            nv = _fro(xp, va)
            zero = na == 0
            safe = xp.where(zero, xp.ones_like(na), na)
            shrink_v = xp.where(nv > lam, 1.0 - lam / xp.where(nv > 0, nv, xp.ones_like(nv)), xp.zeros_like(nv))
            va = xp.where(zero[:, None, None], va * shrink_v[:, None, None], va - lam * a / safe[:, None, None])
        return va, vu

    def _prox(self, a, tau):
        """Block soft threshold a <- a (1 - tau lambda / |a|)_+ (prox of tau lambda |a|)."""
        xp = self.field.xp
        na = _fro(xp, a)
        fac = xp.where(na > tau * self.l1, 1.0 - tau * self.l1 / xp.where(na > 0, na, xp.ones_like(na)),
                       xp.zeros_like(na))
        return a * fac[:, None, None]

    # -- steps --------------------------------------------------------------
    def step(self, state: State) -> State:
        """One step; returns a new State (the input is not modified). Also sets ``last_loss``
        (the loss at the input state)."""
        a_new, u_new, self.last_loss = self._step_arrays(state[0], state[1])
        return State(a_new, u_new)

    def _step_arrays(self, a, u, traced=False):
        """One step of the method from (a, u): ``(a_new, u_new, loss at (a, u))``."""
        dt, tab = self.dt, self.tableau
        ks = []
        for i in range(tab.stages):
            if i == 0:
                ai, ui = a, u
            else:
                ai = a + dt * _lin([(tab.a[i][j], ks[j][0]) for j in range(i)])
                ui = u + dt * _lin([(tab.a[i][j], ks[j][1]) for j in range(i)])
            va, vu, loss_i = self._smooth(ai, ui, traced=traced)
            if i == 0:
                loss = loss_i
            ks.append((va, vu))
        a_new = a + dt * _lin([(tab.b[i], ks[i][0]) for i in range(tab.stages)])
        u_new = u + dt * _lin([(tab.b[i], ks[i][1]) for i in range(tab.stages)])
        if self.l1:
            a_new = self._prox(a_new, dt)
        return a_new, u_new, loss

    def _euler_into(self, a, u, a_out, u_out):
        """numpy fast path: one Euler step from (a, u) written into (a_out, u_out) (preallocated; the
        velocity buffers are reused). The same arithmetic as an in-place update. Returns the loss at (a, u)."""
        key = (a.shape, u.shape)
        if self._bufs.get("key") != key:
            self._bufs = {"key": key, "va": np.empty(a.shape), "vu": np.empty(u.shape)}
        va, vu = self._bufs["va"], self._bufs["vu"]
        _, _, loss = self._smooth(a, u, out=(va, vu))
        va *= self.dt
        np.add(a, va, out=a_out)
        vu *= self.dt
        np.add(u, vu, out=u_out)
        if self.l1:
            a_out[...] = self._prox(a_out, self.dt)
        return loss

    def run(self, state: State, steps: int, *, every: int = 0, callback=None, blas_single=None,
            check_finite: bool = True) -> State:
        """``steps`` steps from ``state`` (not modified); returns the final State.

        ``callback(step_index, state, loss_before)`` is called every ``every`` steps (and after
        the last one) if given. Ctrl-C (SIGINT, when running in the main thread) is deferred to the
        next step boundary, so the state is always consistent: a ``KeyboardInterrupt`` is raised
        carrying ``state`` (the State after ``steps_done`` complete steps) and ``steps_done``. A
        KeyboardInterrupt raised by the callback carries them too. The state given to the callback is valid
        during the call (the numpy Euler path reuses its buffers): copy it to keep it.

        Divergence (``check_finite``, default): after every step the loss at the previous state and the new
        parameters must be finite; if not, :class:`Diverged` is raised carrying the last state whose parameters
        and loss are finite (numpy's overflow warnings are silenced inside: the check replaces them). On numpy,
        BLAS runs on one thread inside (``blas_single``, default: numpy backend; :func:`numerics.dynamics.backend.blas_threads`).
        """
        if not isinstance(steps, int) or steps < 0:
            raise _invalid(f"steps must be a non-negative integer, got {steps!r}")
        xp = self.field.xp
        self.field.check_state(state[0], state[1])
        fast = B.is_numpy(xp) and self.method == "euler"
        use_blas1 = B.is_numpy(xp) if blas_single is None else blas_single
        if fast:
            a, u = np.array(state[0], dtype=np.float64, copy=True), np.array(state[1], dtype=np.float64,
                                                                               copy=True)
            # three buffers in rotation: the step writes S_s where S_{s-3} was, so that S_{s-1} and S_{s-2} (the
            # last finite state when the loss at S_{s-1} is not finite) survive the step
            ring = [(a, u), (np.empty_like(a), np.empty_like(u)), (np.empty_like(a), np.empty_like(u))]
        else:
            a, u = state
        if self.compile and B.backend_name(xp) == "jax" and hasattr(self.field, "evaluate_xp"):
            return self._run_compiled(a, u, steps, every, callback, check_finite)
        quiet = (np.errstate(over="ignore", invalid="ignore", divide="ignore") if check_finite
                 else contextlib.nullcontext())
        prev = None  # S_{s-1} while S_s is computed: (a, u, step)
        with blas_single_thread(use_blas1), _deferred_sigint() as pending, quiet:
            for s in range(1, steps + 1):
                if fast:
                    a_new, u_new = ring[s % 3]
                    self.last_loss = self._euler_into(a, u, a_new, u_new)
                else:
                    a_new, u_new, self.last_loss = self._step_arrays(a, u)
                if check_finite:
                    if not math.isfinite(float(self.last_loss)):
                        good = (State(prev[0], prev[1]), prev[2]) if prev is not None else (State(a, u), s - 1)
                        raise Diverged(f"the loss is {float(self.last_loss)}", step=s - 1,
                                       state=good[0], steps_done=good[1])
                    if not _all_finite(xp, a_new, u_new):
                        raise Diverged("the parameters are not finite", step=s, state=State(a, u),
                                       steps_done=s - 1)
                prev = (a, u, s - 1)
                a, u = a_new, u_new
                self._at_boundary(s, steps, every, callback, a, u, pending, prev)
        return State(a, u)

    def _run_compiled(self, a, u, steps, every, callback, check_finite=True):
        """:meth:`run` on JAX: chunks of steps in one jitted ``lax.fori_loop`` (trip count traced:
        one compilation per flow and shapes), chunks ending at the callback steps, at most
        ``COMPILED_CHUNK`` steps and about ``COMPILED_CHUNK_S`` seconds long, so that Ctrl-C is
        honoured within one chunk (the state returned or carried is always at a chunk boundary)."""
        import jax

        # the traced step bakes in the step sizes, regulariser and field: recompile if any changed
        key = (self.method, self.dt, self.dt_inner, self.l1, self.weight_decay, self.train_outer, id(self.field))
        if self._compiled is None or self._compiled[0] != key:
            def advance(a, u, nsteps):
                def body(i, carry):
                    return self._step_arrays(carry[0], carry[1], traced=True)
                zero = self.field.xp.zeros((), dtype=u.dtype)
                return jax.lax.fori_loop(0, nsteps, body, (a, u, zero))
            self._compiled = (key, jax.jit(advance))
        s = 0
        size = min(8, self.COMPILED_CHUNK)  # steps per call, adapted so that a call lasts ~COMPILED_CHUNK_S
        with _deferred_sigint() as pending:
            while s < steps:
                chunk = min(steps - s, size)
                if every:
                    chunk = min(chunk, every - s % every)
                t0 = time.perf_counter()
                a0, u0, s0 = a, u, s
                a, u, loss = self._compiled[1](a, u, chunk)
                s += chunk
                self.last_loss = float(loss)  # also waits for the chunk to finish
                # divergence is seen at chunk boundaries: the state kept is the last chunk's end
                if check_finite and not (math.isfinite(self.last_loss) and _all_finite(self.field.xp, a, u)):
                    raise Diverged(f"the loss or the parameters are not finite (steps {s0 + 1}..{s})",
                                   step=s, state=State(a0, u0), steps_done=s0)
                per_step = (time.perf_counter() - t0) / chunk
                size = max(1, min(self.COMPILED_CHUNK, 8 * size, int(self.COMPILED_CHUNK_S / max(per_step, 1e-9))))
                self._at_boundary(s, steps, every, callback, a, u, pending, (a0, u0, s0))
        return State(a, u)

    def _at_boundary(self, s, steps, every, callback, a, u, pending, prev=None):
        """After step ``s``: the callback when due, then a pending Ctrl-C; a KeyboardInterrupt (from
        either) leaves carrying the consistent ``state`` and ``steps_done``. A :class:`Diverged` from the
        callback (its diagnostics of step ``s`` not finite) leaves carrying ``prev``, the state before."""
        try:
            if callback is not None and ((every and s % every == 0) or s == steps):
                callback(s, State(a, u), self.last_loss)
            if pending():
                raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            exc.state = State(a, u)
            exc.steps_done = s
            raise
        except Diverged as exc:
            if exc.state is None and prev is not None:
                exc.state, exc.steps_done = State(prev[0], prev[1]), prev[2]
                exc.step = s if exc.step is None else exc.step
            raise

    # -- diagnostics ------------------------------------------------------------
    def energy(self, state: State) -> float:
        """F(mu) = R + int V dmu (MATH.md §1.1)."""
        xp = self.field.xp
        a, u = state
        F = self.field.loss(a, u)
        m = u.shape[0]
        mass = getattr(self.field, "_masses", lambda m: None)(m)
        w = (xp.ones((m,), dtype=u.dtype) / m) if mass is None else mass
        if self.l1:
            F += self.l1 * float(xp.sum(w * _fro(xp, a)))
        if self.weight_decay:
            sq = xp.sum(xp.reshape(a * a, (m, -1)), axis=1) + xp.sum(u * u, axis=1)
            F += 0.5 * self.weight_decay * float(xp.sum(w * sq))
        return F

    def diagnostics(self, state: State) -> dict:
        """loss, energy, stationarity residual max_j |theta_j'|, moments (MATH.md §1.2)."""
        xp = self.field.xp
        a, u = state
        m = u.shape[0]
        va, vu = self.velocity(state)
        speed2 = xp.sum(xp.reshape(va * va, (m, -1)), axis=1) + xp.sum(vu * vu, axis=1)
        na2 = xp.sum(xp.reshape(a * a, (m, -1)), axis=1)
        nu2 = xp.sum(u * u, axis=1)
        return {
            "loss": self.field.loss(a, u),
            "energy": self.energy(state),
            "stationarity_residual": math.sqrt(float(xp.max(speed2))),
            "dissipation": float(xp.mean(speed2)),  # (1/m) sum_j |theta_j'|^2 = -dF/dt (uniform masses)
            "mean_sq_a": float(xp.mean(na2)),
            "mean_sq_u": float(xp.mean(nu2)),
            "max_norm": math.sqrt(float(xp.max(na2 + nu2))),
        }


def ntk_flow(X, Y, a, *, eta, activation="relu", bias=False, train_outer=False, xp=None):
    r"""NTK-scaled gradient descent of MATH.md §4.1 (Du, Zhai, Poczos, Singh 2018) on the engine.

    Network :math:`f(x)=rac1{\sqrt m}\sum_r a_r\sigma(w_r\cdot x)` (no bias by default), sum loss
    :math:`L=\sum_irac12(f(x_i)-y_i)^2`, output weights ``a`` frozen (``train_outer=False``), GD
    :math:`w_r\leftarrow w_r-\eta\,\partial L/\partial w_r`. In the engine's terms: masses :math:`1/\sqrt m`,
    :math:`L=nR`, and :math:`\partial L/\partial w_r=-rac{n}{\sqrt m}\,u_r'`, so one GD step is one Euler
    step with ``dt_inner`` :math:`=\eta n/\sqrt m` (the outer step likewise when ``train_outer``).
    Returns the :class:`ParticleFlow`; run it from ``State(a, W)``.
    """
    a = np.asarray(B.to_numpy(a), dtype=np.float64)
    m = a.shape[0]
    n = np.asarray(B.to_numpy(X)).shape[0]
    field = NetField(X, Y, activation, mass=np.full(m, 1.0 / math.sqrt(m)), xp=xp, bias=bias)
    h = float(eta) * n / math.sqrt(m)
    return ParticleFlow(field, dt=h, dt_inner=h, train_outer=train_outer)


def w2_distance(s1: State, s2: State, mass1=None, mass2=None) -> float:
    """Wasserstein-2 distance between two particle measures (points theta_j = (a_j, u_j), masses
    default uniform), exact optimal transport by POT (``ot.emd2``; pip install 'escset[ot]')."""
    try:
        import ot
    except ImportError:
        raise _invalid("w2_distance needs POT: pip install 'escset[ot]'") from None
    P = np.hstack([np.asarray(B.to_numpy(s1[0])).reshape(s1.m, -1), np.asarray(B.to_numpy(s1[1]))])
    Q = np.hstack([np.asarray(B.to_numpy(s2[0])).reshape(s2.m, -1), np.asarray(B.to_numpy(s2[1]))])
    if P.shape[1] != Q.shape[1]:
        raise _invalid(f"particles of different dimensions: {P.shape[1]} and {Q.shape[1]}")
    w1 = np.full(len(P), 1.0 / len(P)) if mass1 is None else np.asarray(mass1, float) / np.sum(mass1)
    w2 = np.full(len(Q), 1.0 / len(Q)) if mass2 is None else np.asarray(mass2, float) / np.sum(mass2)
    from scipy.spatial.distance import cdist

    M = cdist(P, Q, "sqeuclidean")  # differences formed directly: accurate for nearby measures
    G = ot.emd(w1, w2, M)  # optimal plan; the cost is summed here (emd2 rounds tiny costs to 0)
    return float(np.sqrt(max(float(np.sum(G * M)), 0.0)))


@contextlib.contextmanager
def _deferred_sigint():
    """Within: SIGINT only sets a flag (checked by the caller between steps); restored after.

    Outside the main thread (where handlers cannot be installed) it is a no-op."""
    hit = []

    def handler(signum, frame):
        hit.append(signum)

    try:
        old = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield lambda: False
        return
    try:
        yield lambda: bool(hit)
    finally:
        signal.signal(signal.SIGINT, old)


def _fro(xp, a):
    m = a.shape[0]
    return xp.sqrt(xp.sum(xp.reshape(a * a, (m, -1)), axis=1))


def _lin(terms):
    """sum_i c_i v_i over the nonzero coefficients (arrays of one namespace)."""
    out = None
    for c, v in terms:
        if c == 0:
            continue
        t = v if c == 1 else c * v
        out = t if out is None else out + t
    if out is None:
        return terms[0][1] * 0.0
    return out
