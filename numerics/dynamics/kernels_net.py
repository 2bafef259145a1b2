r"""Hand-fused numpy kernel for sigmoid / tanh networks with bias (MATH.md §1b A.1, §10).

Computes, for the vector-output network :math:`f(x)=\sum_j p_j a_j\,\sigma(w_j\cdot x+b_j)`
with squared loss :math:`R=\frac1{2n}\sum_i|f(x_i)-y_i|^2`, the mean-field particle velocity

.. math::
    a_j' = -\tfrac1n\sum_i r_i\,\sigma(z_{ij}),\qquad
    u_j' = -\tfrac1n\sum_i (a_j\cdot r_i)\,\sigma'(z_{ij})\,\tilde x_i,\qquad z_{ij}=u_j\cdot\tilde x_i,

(``u = (w, b)``, :math:`\tilde x=(x,1)`, residual :math:`r_i=f(x_i)-y_i`) and the loss, in one
pass over particle blocks. Speed tricks, all exact up to rounding:

* the logistic function is evaluated as :math:`\sigma(z)=\tfrac12(1+\tanh(z/2))`, so that
  :math:`\sigma'=\tfrac14(1-\tanh^2)` needs no second transcendental. ``T = tanh`` comes from
  ``np.tanh`` where numpy has a SIMD kernel for it (AVX512_SKX), and otherwise from one ``np.exp``
  as :math:`\tanh(y)=2/(1+e^{-2y})-1` (exact limits: :math:`e^{-2y}=\infty` gives -1, 0 gives 1;
  absolute error ~4e-16): without AVX-512 numpy's float64 ``tanh`` and ``exp`` are scalar libm
  loops and ``tanh`` is about twice as slow as ``exp`` (measured on an AVX2 EPYC: 0.07 vs 0.15
  Gelem/s), which made ``tanh`` most of the step. ``scipy.special.expit`` is slower than both;
  the 1/2 is folded into the (small) parameter matrix, the affine parts into the (small)
  residual matrices, so the only n x m passes are: one GEMM, ``tanh``, and two multiply
  passes for :math:`\sigma'` (the rank-k part of :math:`(a_j\cdot r_i)(1-T^2)` is applied after the GEMM);
* particles are processed in blocks of ``block`` rows so the n x block intermediates stay in
  L2; the tanh values of all particles (m x n) are kept between the two passes (one read);
* the blocks are split over ``threads`` Python threads (numpy ufuncs and BLAS release the GIL);
  BLAS is limited to one thread meanwhile (:func:`blas_single_thread`, entered by :meth:`evaluate`
  itself, free when the caller already holds it): one thread pool, not two competing ones.

Tested against the generated evaluators of :mod:`proofs.problem.measure` (``tests/numerics``).
"""
from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["NetNumpyKernel", "blas_single_thread", "default_threads", "default_tanh_route", "FUSED_ACTIVATIONS",
           "TANH_FORM"]

#: activations with a hand-fused kernel (everything else uses the generated evaluators)
FUSED_ACTIVATIONS = ("sigmoid", "tanh")

#: sigma(z) = alpha + beta tanh(gamma z), so sigma'(z) = beta gamma (1 - tanh(gamma z)^2)
TANH_FORM = {"sigmoid": (0.5, 0.5, 0.5), "tanh": (0.0, 1.0, 1.0)}

_POOLS: dict[int, ThreadPoolExecutor] = {}


def default_threads() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def default_tanh_route() -> str:
    """``"tanh"`` where numpy's float64 ``tanh`` is a SIMD kernel (AVX512_SKX), else ``"exp"``.

    Decided from the CPU features numpy dispatches on, not from a timing, so that a machine always
    takes the same route (results reproducible run to run; the two routes differ by ~1e-16).
    """
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # pragma: no cover - numpy < 2
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            return "tanh"
    return "tanh" if feats.get("AVX512_SKX", False) else "exp"


def _pool(threads: int) -> ThreadPoolExecutor:
    if threads not in _POOLS:
        _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="escset-kernel")
    return _POOLS[threads]


def blas_single_thread(enabled: bool = True):
    """BLAS limited to one thread inside (:func:`numerics.dynamics.backend.blas_threads`; re-entrant)."""
    from numerics.dynamics.backend import blas_threads

    return blas_threads(1, enabled)


class NetNumpyKernel:
    """Velocity and loss of a sigmoid- or tanh-network on fixed data (numpy, float64).

    Parameters
    ----------
    X : (n, d) inputs; Y : (n, k) targets; activation : "sigmoid" or "tanh";
    m : number of particles the buffers are sized for;
    mass : None (uniform 1/m, the mean-field network) or (m,) positive masses;
    block, threads : particle block size and number of worker threads;
    tanh_route : ``"tanh"`` (``np.tanh``), ``"exp"`` (one ``np.exp`` and three cheap passes) or
    ``None`` for :func:`default_tanh_route`.
    """

    def __init__(self, X, Y, activation: str, m: int, mass=None, block: int = 128, threads: int | None = None,
                 bias: bool = True, parts_per_thread: int = 2, tanh_route: str | None = None):
        if activation not in FUSED_ACTIVATIONS:
            raise ValueError(f"no fused kernel for {activation!r}; fused are {FUSED_ACTIVATIONS}")
        X = np.asarray(X, dtype=np.float64)
        self.n, self.d = X.shape
        self.Xt = np.ascontiguousarray(np.hstack([X, np.ones((self.n, 1))]) if bias else X)  # (n, d+1) or (n, d)
        self.XtT = np.ascontiguousarray(self.Xt.T)  # (d+1, n)
        self.Y = np.asarray(Y, dtype=np.float64)
        self.k = self.Y.shape[1]
        self.m = int(m)
        self.sig = activation == "sigmoid"
        # sigma = alpha + beta tanh(gamma z); sigma' = beta gamma (1 - tanh^2)
        self.alpha, self.beta, self.gamma = TANH_FORM[activation]
        self.mass = None if mass is None else np.asarray(mass, dtype=np.float64)
        self.tanh_route = default_tanh_route() if tanh_route is None else tanh_route
        if self.tanh_route not in ("tanh", "exp"):
            raise ValueError(f"tanh_route must be 'tanh' or 'exp', not {tanh_route!r}")
        # the GEMM produces gamma z (tanh route) or -2 gamma z (exp route: tanh(y) = 2/(1 + e^{-2y}) - 1)
        self._zscale = self.gamma if self.tanh_route == "tanh" else -2.0 * self.gamma
        # threads pay off only when there is enough work per step (measured: ~n m >= 2^18)
        auto = default_threads() if self.n * self.m >= (1 << 18) else 1
        self.threads = auto if threads is None else max(1, int(threads))
        self.block = max(8, int(block))
        B, n = self.block, self.n
        self.T = np.empty((self.m, n))  # tanh(gamma z) for all particles
        self.Ug = np.empty((self.m, self.Xt.shape[1]))  # gamma u, or -2 gamma u on the exp route
        blocks = [(lo, min(lo + B, self.m)) for lo in range(0, self.m, B)]
        # contiguous parts (each streams through its own rows of T), scheduled dynamically on the pool
        nparts = self.threads * max(1, int(parts_per_thread))
        per = -(-len(blocks) // nparts)
        self._parts = [blocks[t * per:(t + 1) * per] for t in range(nparts)]
        self._parts = [p for p in self._parts if p]
        self._D = [np.empty((B, n)) for _ in self._parts]

    # pass 1: T = tanh(gamma U Xt^T), partial predictor A_w^T T
    def _forward(self, t, part, Aw):
        F = np.zeros((self.k, self.n))
        tmp = np.empty((self.k, self.n))
        zbuf = self._D[t]  # the backward scratch doubles as the GEMM output buffer (stays in L2)
        via_exp = self.tanh_route == "exp"
        # e^{-2y} = inf at y < -354 is the exact limit (T = -1): only that overflow is silenced
        with np.errstate(over="ignore") if via_exp else contextlib.nullcontext():
            for lo, hi in part:
                Zb = zbuf[:hi - lo]
                Tb = self.T[lo:hi]
                np.matmul(self.Ug[lo:hi], self.XtT, out=Zb)
                if via_exp:
                    np.exp(Zb, out=Zb)
                    np.add(Zb, 1.0, out=Zb)
                    np.divide(2.0, Zb, out=Tb)
                    np.subtract(Tb, 1.0, out=Tb)
                else:
                    np.tanh(Zb, out=Tb)
                np.matmul(Aw[lo:hi].T, Tb, out=tmp)
                F += tmp
        return F

    # pass 2: velocities of the particles of this part (the rank-k / constant parts are added after)
    def _backward(self, t, part, A, Eb, Ed, va, vu):
        D = self._D[t]
        for lo, hi in part:
            Tb = self.T[lo:hi]
            Db = D[:hi - lo]
            np.matmul(Tb, Eb, out=va[lo:hi])  # -(beta/n) T E
            np.matmul(A[lo:hi], Ed, out=Db)  # D = -(beta gamma / n) A E^T  (rank k)
            np.multiply(Db, Tb, out=Db)
            np.multiply(Db, Tb, out=Db)  # D T^2, in place: the working set (T block, D block) stays in L2
            np.matmul(Db, self.Xt, out=vu[lo:hi])  # (D T^2) Xt

    def evaluate(self, A, U, va, vu):
        """Fill ``va`` (m, k) and ``vu`` (m, d+1) with the velocity at (A, U); return the loss."""
        with blas_single_thread():
            return self._evaluate(A, U, va, vu)

    def _evaluate(self, A, U, va, vu):
        n, m = self.n, self.m
        np.multiply(U, self._zscale, out=self.Ug)
        Aw = A if self.mass is None else A * self.mass[:, None]
        if self.threads > 1 and len(self._parts) > 1:
            Fs = list(_pool(self.threads).map(lambda tp: self._forward(tp[0], tp[1], Aw), enumerate(self._parts)))
            F = Fs[0]
            for G in Fs[1:]:
                F += G
        else:
            F = self._forward(0, [b for part in self._parts for b in part], Aw)
        # predictor f = sum_j p_j a_j (alpha + beta T_j)
        if self.mass is None:
            F = (F * self.beta + self.alpha * A.sum(axis=0)[:, None]) / m
        else:
            F = F * self.beta + self.alpha * Aw.sum(axis=0)[:, None]
        E = F.T - self.Y  # (n, k) residual
        loss = 0.5 * float(np.sum(E * E)) / n
        Eb = E * (-self.beta / n)
        Ed = E.T * (-self.beta * self.gamma / n)  # (k, n)
        c_a = E.sum(axis=0) * (-self.alpha / n)
        EdX = Ed @ self.Xt  # (k, d+1)
        if self.threads > 1 and len(self._parts) > 1:
            list(_pool(self.threads).map(lambda tp: self._backward(tp[0], tp[1], A, Eb, Ed, va, vu),
                                         enumerate(self._parts)))
        else:
            self._backward(0, [b for part in self._parts for b in part], A, Eb, Ed, va, vu)
        va += c_a  # -(alpha/n) sum_i E_i
        # (D (1 - T^2)) Xt = A (Ed Xt) - (D T^2) Xt: the rank-k part costs m k (d+1), not an n x m pass
        np.subtract(A @ EdX, vu, out=vu)
        return loss
