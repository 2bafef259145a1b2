r"""Velocity fields: the loss part of the mean-field particle velocity of one model on one data set (MATH.md §1b A.1).

:class:`NetField` (sigmoid-type vector-output networks with bias and the ReLU lift, any activation given as an
object of the activation protocol below; hand-fused numpy kernel for sigmoid/tanh,
:mod:`numerics.dynamics.kernels_net`), :class:`AttentionField` (softmax heads, ``A`` or ``(Q, K)``
parameterisation, with the contraction order of the ``bench/`` peers), :class:`GeneratedField` (any model of the
A.1 form from its generated array-API evaluators of g and its Jacobian). Backends: any array-API namespace
(:mod:`numerics.dynamics.backend`); numpy gets in-place speed paths. float64 throughout.

The activation PROTOCOL (numerics never turns a name into an activation; :class:`proofs.symbolic.activations.Activation`
is one such object, :mod:`proofs.dynamics` resolves names): ``act.name`` (a string; ``"sigmoid"`` and
``"tanh"`` select the fused numpy kernel and the one-``tanh`` array-API path) and ``act.evaluators(xp)``
returning ``(sigma, sigma')``, two callables mapping a float64 array z of ``xp`` to arrays of z's shape
(raising InvalidArgument when ``xp`` cannot evaluate them).
"""
from __future__ import annotations

import abc
from fractions import Fraction

import numpy as np

from numerics.dynamics import backend as B
from numerics.dynamics.kernels_net import FUSED_ACTIVATIONS, TANH_FORM, NetNumpyKernel
from numerics.dynamics.state import _invalid

__all__ = ["VelocityField", "NetField", "AttentionField", "GeneratedField"]


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

    ``activation``: an object of the activation protocol (module docstring: ``.name`` and
    ``.evaluators(xp)``, e.g. :class:`proofs.symbolic.activations.Activation`; :func:`proofs.dynamics.NetField`
    takes names). On numpy, sigmoid/tanh use the fused kernel (:mod:`numerics.dynamics.kernels_net`) unless
    ``fused=False``; every activation otherwise uses its ``(sigma, sigma')`` evaluators on ``xp``, generated from
    the sympy source.
    """

    def __init__(self, X, Y, activation, *, m=None, mass=None, xp=None, fused=True,
                 block=128, threads=None, name=None, bias=True):
        xp = np if xp is None else xp
        self.xp = xp
        Xn, Yn = _checked_data(X, Y, 2, "data must be X (n, d), Y (n, k) with n >= 1")
        self.n, self.d = Xn.shape
        self.bias = bool(bias)
        self.k, self.q, self.p_u = Yn.shape[1], 1, self.d + int(self.bias)
        if isinstance(activation, str) or not hasattr(activation, "evaluators"):
            raise _invalid(f"NetField takes an activation object with .name and .evaluators(xp), got "
                           f"{activation!r}; for a name such as 'tanh' use proofs.dynamics.NetField")
        act_name = activation.name
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
        self._s, self._ds = activation.evaluators(xp)  # one-line InvalidArgument if xp cannot evaluate them
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


class GeneratedField(VelocityField):
    r"""Any model of the A.1 form :math:`f=\sum_jp_ja_jg(u_j,\cdot)` from its generated evaluators (MATH.md §1b A.1).

    ``g``, ``dg``: array-API evaluators ``f(xp, *u, *x)`` of the q features :math:`g(u,x)` and of their Jacobian
    in u (q*p_u values, row-major ``[qq * p_u + t]``), as :meth:`proofs.symbolic.models.Model.compile` returns
    them for the backend ``"xp"``; ``k, q, p_u``: the layout (a (m, k, q), u (m, p_u)); ``X`` (n, p_x) in the
    model's input order, ``Y`` (n, k). The velocity is the one of :func:`numerics.particles.velocity`,
    :math:`a_j'=-\Psi_\mu(u_j)`, :math:`u_j'=-\nabla_u\langle a_j,\Psi_\mu(u)\rangle|_{u_j}`, batched over
    particles and data: the evaluators get one (m, 1) column per inner coordinate and one (1, n) row per input
    coordinate and broadcast them to (m, n).
    """

    def __init__(self, X, Y, g, dg, k, q, p_u, *, xp=None, mass=None, name="generated"):
        xp = np if xp is None else xp
        self.xp = xp
        Xn, Yn = _checked_data(X, Y, 2, "data must be X (n, p_x), Y (n, k) with n >= 1")
        if Yn.shape[1] != int(k):
            raise _invalid(f"the targets have {Yn.shape[1]} outputs; the model has k = {k}")
        self.n, self.p_x = Xn.shape
        self.k, self.q, self.p_u = int(k), int(q), int(p_u)
        self.name = name
        self.X = B.asarray(Xn, xp)
        self.Y = B.asarray(Yn, xp)
        self._g, self._dg = g, dg
        self._xrows = [xp.reshape(self.X[:, c], (1, self.n)) for c in range(self.p_x)]
        self._mass_in = mass
        self._mass, self._mass_m = None, None

    def _eval(self, f, u):
        """The evaluator's outputs at every (particle, sample): (m, n, number of outputs)."""
        xp = self.xp
        shape = (u.shape[0], self.n)
        out = f(xp, *[u[:, t:t + 1] for t in range(self.p_u)], *self._xrows)
        return xp.stack([_filled(xp, v, shape) for v in out], axis=-1)

    def _forward(self, a, u):
        xp = self.xp
        m = u.shape[0]
        G = self._eval(self._g, u)  # (m, n, q): g(u_j, x_i)
        p = self._masses(m)
        Aw = a / m if p is None else a * p[:, None, None]  # p_j a_j
        Gr = xp.reshape(xp.permute_dims(G, (1, 0, 2)), (self.n, m * self.q))
        Ar = xp.reshape(xp.permute_dims(Aw, (0, 2, 1)), (m * self.q, self.k))
        return G, Gr @ Ar  # f_mu(x_i), (n, k)

    def predict(self, a, u):
        return self._forward(a, u)[1]

    def evaluate(self, a, u, out=None):
        return self._deliver(*self.evaluate_xp(a, u), out)

    def evaluate_xp(self, a, u):
        """:meth:`evaluate` in array-API operations only, the loss a 0-d array (jit-traceable)."""
        xp = self.xp
        m, n, q, pu = u.shape[0], self.n, self.q, self.p_u
        G, F = self._forward(a, u)
        E = F - self.Y  # (n, k) residual r_i
        loss = xp.sum(E * E) / (2 * n)
        va = -xp.permute_dims(xp.permute_dims(G, (0, 2, 1)) @ E, (0, 2, 1)) / n  # -Psi(u_j), (m, k, q)
        C = xp.expand_dims(E, axis=0) @ a  # (m, n, q): r_i . a_j[:, qq]
        J = xp.reshape(self._eval(self._dg, u), (m, n, q, pu))  # d g_qq / d u_t at (u_j, x_i)
        vu = -xp.sum(xp.sum(xp.expand_dims(C, axis=3) * J, axis=2), axis=1) / n  # (m, p_u)
        return va, vu, loss


def _filled(xp, v, shape):
    """A generated output as a float64 array of ``shape`` (a constant output is a Python number)."""
    if not hasattr(v, "shape"):
        return xp.full(shape, float(v), dtype=xp.float64)
    return v if tuple(v.shape) == shape else xp.broadcast_to(v, shape)
