r"""The limiting Gram matrices :math:`K^{(H)}` of deep fully connected nets and ResNets (Du et al. 2019, the
layer recursions of their Definitions 5.1 / 6.1 as re-derived from the architectures), and the two-layer
:math:`H^\infty`.

Interface::

    gram(X, *, arch: str, depth: int, activation, c_res: float = 0.5, method: str = "gh", dps: int = 30,
         nodes: int = 80, closed_form: bool = True)
        -> numpy float array (method "gh"), mpmath.matrix (method "mp"), flint.arb_mat (method "ball")

``arch``: ``"two-layer"`` (:math:`K^{(0)}_{ij}\,E[\sigma'(u)\sigma'(v)]`, which is :math:`H^\infty` for ReLU;
depth must be 1), ``"fc"`` (depth :math:`H\ge1`), ``"resnet"`` (depth :math:`H\ge2`; the first layer is not
residual). ``activation``: a name of :data:`numerics.ntk.kernels.BUILTIN_NAMES` or an
:class:`~numerics.ntk.kernels.NTKActivation`. ``method``: ``"gh"`` float64 — Mehler's series below for smooth
activations (200 Hermite terms, coefficients by a 420-node Gauss–Hermite rule), else (or when the series has not
converged to ~1e-18) tensor Gauss–Hermite with ``nodes`` per dimension; ``"mp"`` mpmath at ``dps`` digits — for smooth activations by Mehler's formula
:math:`E f(u)g(v)=\sum_k h_k(f;a)h_k(g;b)\rho^k` with Hermite coefficients per variance
(:func:`numerics.ntk.quadrature.hermite_coefficients`; converges to ``dps`` digits, which the tensor Gauss–Hermite
rule does not for activations with complex poles), otherwise (or when the series has not converged) mp tensor
Gauss–Hermite with the degenerate one-dimensional rule for near-singular covariances of non-smooth activations;
``"ball"`` python-flint balls (closed-form activations only, relu and erf: a rigorous enclosure of the exact matrix
for exact inputs). With ``closed_form`` (default) ReLU and erf use their closed
forms in every method; ``closed_form=False`` forces quadrature (used to test the quadrature against them).

Recursions, with :math:`A^{(h)}_{ij}` the 2x2 block of :math:`K^{(h-1)}` on :math:`\{i,j\}` and
:math:`(u,v)\sim\mathcal N(0,A^{(h)}_{ij})`:

* FC: :math:`K^{(0)}=XX^\top`; :math:`K^{(h)}_{ij}=c_\sigma E[\sigma(u)\sigma(v)]` for :math:`1\le h\le H-1`;
  :math:`K^{(H)}_{ij}=c_\sigma K^{(H-1)}_{ij}E[\sigma'(u)\sigma'(v)]`.
* ResNet: :math:`K^{(1)}_{ij}=c_\sigma E[\sigma(u)\sigma(v)]`, :math:`b^{(1)}_i=\sqrt{c_\sigma}E\sigma(u_i)`,
  :math:`u_i\sim\mathcal N(0,K^{(0)}_{ii})`; for :math:`2\le h\le H-1`:
  :math:`K^{(h)}_{ij}=K^{(h-1)}_{ij}+\frac{c_{res}}H(b^{(h-1)}_iE\sigma(v)+b^{(h-1)}_jE\sigma(u))
  +\frac{c_{res}^2}{H^2}E[\sigma(u)\sigma(v)]`, :math:`b^{(h)}_i=b^{(h-1)}_i+\frac{c_{res}}HE\sigma(u_i)`,
  :math:`u_i\sim\mathcal N(0,K^{(h-1)}_{ii})`; :math:`K^{(H)}_{ij}=\frac{c_{res}^2}{H^2}K^{(H-1)}_{ij}
  E[\sigma'(u)\sigma'(v)]`.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np

from numerics.errors import InvalidArgument
from numerics.ntk.kernels import NTKActivation, c_sigma, c_sigma_float, closed_pair, resolve_activation
from numerics.ntk.quadrature import (_mpf_of_arb, expect1, expect1_mp, expect2, expect2_mp, hermite_coefficients,
                                     hermite_coefficients_float, mehler_pair, mehler_pairs_float)

__all__ = ["gram", "ARCHS", "METHODS"]

ARCHS = ("two-layer", "fc", "resnet")
METHODS = ("gh", "mp", "ball")


class _Backend:
    """Pairwise expectations over object/float arrays of (a, b, c) for one activation and method."""

    def __init__(self, act: NTKActivation, method: str, dps: int, nodes: int, closed_form: bool):
        self.act, self.method, self.dps, self.nodes = act, method, dps, nodes
        self.info = []
        self.closed = act.closed if closed_form else None
        if method == "ball" and self.closed is None:
            raise InvalidArgument(f"method 'ball' needs a closed-form activation (relu, erf), got {act.name!r}; "
                                  "use method 'mp' (high precision, not an enclosure)")

    def csig(self):
        if self.method == "gh":
            return c_sigma_float(self.act, self.nodes) if self.closed is None else float(c_sigma(self.act, 20))
        if self.method == "mp":
            return c_sigma(self.act, self.dps)
        from flint import arb

        return arb(2) if self.closed == "relu" else arb.pi() / (2 * (arb(2) / 3).asin())

    def pair(self, which, a, b, c):
        if self.closed is not None:
            if self.method == "gh":
                return closed_pair(self.closed, which, a, b, c, "float")
            sysname = "mp" if self.method == "mp" else "ball"
            return np.array([closed_pair(self.closed, which, x, y, z, sysname) for x, y, z in zip(a, b, c)],
                            dtype=object)
        f = self.act.f if which == "ff" else self.act.df
        if self.method == "gh":
            if self.act.smooth:  # Mehler's series: coefficients once per distinct variance, a short sum per pair
                uv, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
                H, conv = hermite_coefficients_float(f, uv)
                if conv:
                    self.info.append(f"{which}: float Mehler series ({H.shape[1]} Hermite terms)")
                    ia, ib = inv[:len(a)], inv[len(a):]
                    rho = np.clip(c / np.sqrt(a * b), -1.0, 1.0)
                    return mehler_pairs_float(H[ia], H[ib], rho)
            self.info.append(f"{which}: float tensor Gauss-Hermite ({self.nodes} nodes)")
            return expect2(f, f, a, b, c, nodes=self.nodes)
        fm = self.act.f_mp if which == "ff" else self.act.df_mp
        coef = self._coefficients(fm, list(a) + list(b)) if self.act.smooth else None
        if coef is not None:
            self.info.append(f"{which}: Mehler series ({len(next(iter(coef.values())))} Hermite terms)")
            return np.array([mehler_pair(coef[x], coef[y], z / mpmath.sqrt(x * y)) for x, y, z in zip(a, b, c)],
                            dtype=object)
        self.info.append(f"{which}: mp tensor Gauss-Hermite ({self.nodes} nodes; Hermite series not converged)")
        smooth = self.act.smooth or which == "ff"
        return np.array([expect2_mp(fm, fm, x, y, z, dps=self.dps, nodes=self.nodes, smooth=smooth)
                         for x, y, z in zip(a, b, c)], dtype=object)

    def _coefficients(self, fm, variances):
        """Hermite coefficient sets per distinct variance (Mehler's formula), or None if one did not converge."""
        out = {}
        for v in variances:
            if v in out:
                continue
            h, conv = hermite_coefficients(fm, v, dps=self.dps)
            if not conv:
                return None
            out[v] = h
        return out

    def mean(self, var):
        if self.closed is not None:
            if self.method == "gh":
                return closed_pair(self.closed, "m", var, None, None, "float")
            sysname = "mp" if self.method == "mp" else "ball"
            return np.array([closed_pair(self.closed, "m", v, None, None, sysname) for v in var], dtype=object)
        if self.method == "gh":
            return expect1(self.act.f, var, nodes=self.nodes)
        coef = self._coefficients(self.act.f_mp, list(var)) if self.act.smooth else None
        if coef is not None:  # E f(sqrt(v) z) = h_0
            return np.array([_mpf_of_arb(coef[v][0]) for v in var], dtype=object)
        return np.array([expect1_mp(self.act.f_mp, v, dps=self.dps, nodes=self.nodes) for v in var], dtype=object)

    def sqrt(self, x):
        if self.method == "gh":
            return float(np.sqrt(x))
        return mpmath.sqrt(x) if self.method == "mp" else x.sqrt()

    def const(self, x):
        """``x`` (a float, int or Fraction) in the backend's number type; a Fraction stays exact in balls."""
        if self.method == "gh":
            return float(x)
        if self.method == "mp":
            if isinstance(x, Fraction):
                return mpmath.mpf(x.numerator) / x.denominator
            return mpmath.mpf(x)
        from numerics.certified.bnb import point_ball

        return point_ball(x)


def _c_res_fraction(c_res) -> Fraction:
    """c_res as an exact Fraction: decimal strings and Fractions exactly, a float by its shortest decimal repr
    (so ``0.1`` means 1/10, not the binary float 0.1000000000000000055...)."""
    if isinstance(c_res, bool):
        raise InvalidArgument(f"got c_res {c_res!r}; valid is a number in (0, 1)")
    try:
        q = Fraction(repr(c_res)) if isinstance(c_res, float) else Fraction(str(c_res).strip())
    except (ValueError, ZeroDivisionError, TypeError):
        raise InvalidArgument(f"got c_res {c_res!r}; valid is a number in (0, 1)") from None
    if not 0 < q < 1:
        raise InvalidArgument(f"got c_res {c_res!r}; valid is a number in (0, 1)")
    return q


def _input_gram(X, method):
    from numerics.certified.bnb import as_fraction

    if method == "gh":
        A = np.asarray(X, dtype=float)
        if A.ndim != 2 or A.shape[0] < 1 or not np.all(np.isfinite(A)):
            raise InvalidArgument(f"got inputs of shape {A.shape}; valid is a finite n x d array with n >= 1")
        K = A @ A.T
    else:
        try:
            Q = [[as_fraction(v) for v in row] for row in X]
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"an input entry is not a number ({e}); valid are numbers or decimal strings")
        n = len(Q)
        if n < 1 or len({len(q) for q in Q}) != 1:
            raise InvalidArgument("got ragged or empty inputs; valid is an n x d array with n >= 1")
        K = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(i, n):
                s = sum(p * q for p, q in zip(Q[i], Q[j]))
                if method == "mp":
                    v = mpmath.mpf(s.numerator) / s.denominator
                else:
                    from flint import arb

                    v = arb(s.numerator) / s.denominator
                K[i, j] = K[j, i] = v
    d = np.array([K[i, i] for i in range(K.shape[0])], dtype=object)
    for i, v in enumerate(d):
        if not v > 0:
            raise InvalidArgument(f"input x_{i} is the zero vector; valid inputs are non-zero")
    return K


def _apply(be, which, K):
    """The matrix of pairwise expectations E[.(u).(v)] over the 2x2 blocks of K (upper triangle, mirrored)."""
    n = K.shape[0]
    iu, ju = np.triu_indices(n)
    d = np.array([K[i, i] for i in range(n)], dtype=K.dtype)
    vals = be.pair(which, d[iu], d[ju], K[iu, ju])
    E = np.empty((n, n), dtype=K.dtype)
    E[iu, ju] = vals
    E[ju, iu] = vals
    return E


def gram(X, *, arch: str, depth: int, activation, c_res: float = 0.5, method: str = "gh", dps: int = 30,
         nodes: int = 80, closed_form: bool = True, info=None):
    """The limiting Gram K^(H) (see the module docstring for the recursions and the return types). ``info``: a
    list that receives one line per layer saying how its expectations were computed (method "mp")."""
    if arch not in ARCHS:
        raise InvalidArgument(f"got arch {arch!r}; valid are {', '.join(ARCHS)}")
    if method not in METHODS:
        raise InvalidArgument(f"got method {method!r}; valid are {', '.join(METHODS)}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise InvalidArgument(f"got depth {depth!r}; valid is a positive integer")
    H = int(depth)
    lo = {"two-layer": 1, "fc": 1, "resnet": 2}[arch]
    if H < lo or (arch == "two-layer" and H != 1) or H > 1000:
        raise InvalidArgument(f"got depth {H} for arch {arch!r}; valid is "
                              + ("1" if arch == "two-layer" else f"an integer in [{lo}, 1000]"))
    c_res = _c_res_fraction(c_res)
    if not isinstance(dps, int) or not 5 <= dps <= 2000:
        raise InvalidArgument(f"got dps {dps!r}; valid is an integer in [5, 2000]")
    act = resolve_activation(activation)
    be = _Backend(act, method, dps, nodes, closed_form)
    ctx = mpmath.workdps(dps + 10) if method == "mp" else _null()
    with ctx:
        K0 = _input_gram(X, method)
        if arch == "two-layer":
            K = K0 * _apply(be, "dd", K0)
        elif arch == "fc":
            cs = be.csig()
            K = K0
            for _ in range(1, H):
                K = cs * _apply(be, "ff", K)
            K = cs * K * _apply(be, "dd", K)
        else:
            cs = be.csig()
            r = be.const(c_res) / H
            n = K0.shape[0]
            var0 = np.array([K0[i, i] for i in range(n)], dtype=K0.dtype)
            b = be.sqrt(cs) * be.mean(var0)
            K = cs * _apply(be, "ff", K0)
            for _ in range(2, H):
                var = np.array([K[i, i] for i in range(n)], dtype=K.dtype)
                m = be.mean(var)
                K = K + r * (np.outer(b, m) + np.outer(m, b)) + r * r * _apply(be, "ff", K)
                b = b + r * m
            K = r * r * K * _apply(be, "dd", K)
        if info is not None:
            info.extend(be.info)
        return _out(K, method)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _out(K, method):
    if method == "gh":
        return np.asarray(K, dtype=float)
    n = K.shape[0]
    if method == "mp":
        M = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                M[i, j] = K[i, j]
        return M
    from flint import arb_mat

    return arb_mat([[K[i, j] for j in range(n)] for i in range(n)])
