r"""Certified smallest eigenvalue of symmetric matrices: ball Cholesky of :math:`K - tI` (python-flint).

python-flint's ``arb_mat`` offers products and solves but no Cholesky factorisation, so :func:`cholesky_ball` is
written by hand: a recursive blocked Cholesky whose leaves (<= ``leaf`` columns) are factorised entry by entry in
ball arithmetic, and whose off-diagonal solves and Schur-complement updates use ``arb_mat.solve`` and ``arb_mat``
products (C code, rigorous). Every pivot must be *certainly* positive (its ball lies in :math:`(0,\infty)`); if one
is not, the factorisation reports failure rather than a guess.

What is certified: if :func:`cholesky_ball` succeeds on :math:`K - tI`, then every symmetric matrix inside the
ball matrix :math:`K` satisfies :math:`\lambda_{\min} > t` (a Cholesky factorisation with positive pivots exists iff
the matrix is positive definite; the balls enclose the exact factorisation of every member). :func:`lambda_min_lower`
searches the largest such ``t`` below a floating-point estimate (a certified lower bound, not the eigenvalue).
:func:`lambda_min_mpmath` (mpmath ``eigsy`` at high precision) is the independent cross-check for small ``n``; it is
not an enclosure.

:func:`relu_gram_ball` builds the two-layer ReLU Gram :math:`H^\infty` (Du et al. 2018, Section 3; angle form
derived [D]) in balls with the angle formula :math:`H^\infty_{ij}=x_i^\top x_j(\pi-\varphi_{ij})/(2\pi)`,
:math:`\varphi_{ij}=\operatorname{atan2}
(\sqrt{|x_i|^2|x_j|^2-(x_i^\top x_j)^2},\,x_i^\top x_j)` (exact rational radicand for rational inputs), which is valid
for inputs of any non-zero norm.

**The fast certificates** (used first by :func:`lambda_min_lower` and :func:`lambda_min_bracket`; the ball
Cholesky is the fallback). Both rest only on the ball matrix ``K`` (which encloses the exact matrix) and on exact
floating-point numbers read into balls; the floats only *steer*:

* :func:`residual_cholesky_lower` (a-posteriori Cholesky residual, in the spirit of Rump's verified
  positive-definiteness test; written by hand, no library offers it): any float matrix :math:`\tilde L` (the float64
  Cholesky factor of a float estimate of :math:`K-tI`) gives :math:`A-tI=\tilde L\tilde L^\top+E` for every
  symmetric member :math:`A`; the residual :math:`E` is enclosed by one ``arb_mat`` product, and Weyl's inequality
  with :math:`\tilde L\tilde L^\top\succeq0` gives :math:`\lambda_{\min}(A)\ge t-\|E\|_F`. Nothing about how
  :math:`\tilde L` was computed matters; the Frobenius norm is bounded from the balls' midpoints and radii with
  IEEE-754 double operations whose rounding is covered by explicit factors (Python floats are IEEE doubles).
* :func:`lambda_min_bracket` (Temple's inequality [D], proof in the function's docstring): the smallest eigenpair is
  refined at the ball precision (Rayleigh quotient :math:`\eta` and residual :math:`\varepsilon` of an exact
  vector, enclosed in balls), a lower bound :math:`b` of :math:`\lambda_2` is certified by the residual test on the
  rank-one update :math:`A+c\,uu^\top` (Cauchy interlacing: :math:`\lambda_1(A+cuu^\top)\le\lambda_2(A)` for
  :math:`c\ge0`), and then :math:`\eta-\varepsilon^2/(b-\eta)\le\lambda_1\le\eta`. The bracket is as narrow as
  the ball precision allows (30 digits and more at n = 1000), so it also gives ``lambda_min`` to ``--dps`` digits
  for every n.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["eigvalsh_float", "eigh_float",
           "cholesky_ball", "certify_lambda_min_gt", "lambda_min_lower", "lambda_min_upper", "lambda_min_mpmath",
           "residual_cholesky_lower", "frobenius_upper", "midpoint_matrix", "all_finite", "refine_smallest_eigenpair", "lambda_min_bracket",
           "LambdaMinBracket",
           "relu_gram_ball",
           "relu_gram_float", "LambdaMinCertificate"]


def eigvalsh_float(A):
    """``numpy.linalg.eigvalsh`` with BLAS/LAPACK on one thread (a multi-threaded OpenBLAS on a busy machine made a
    400 x 400 ``eigh`` take 2.5 s instead of 0.03 s; :func:`numerics.dynamics.backend.blas_threads`)."""
    from numerics.dynamics.backend import blas_threads

    with blas_threads(1):
        return np.linalg.eigvalsh(A)


def eigh_float(A):
    """``numpy.linalg.eigh`` with BLAS/LAPACK on one thread (see :func:`eigvalsh_float`)."""
    from numerics.dynamics.backend import blas_threads

    with blas_threads(1):
        return np.linalg.eigh(A)


def _sub(A, r0, r1, c0, c1):
    from flint import arb_mat

    return arb_mat([[A[i, j] for j in range(c0, c1)] for i in range(r0, r1)])


def _chol_leaf(A):
    """Entry-by-entry ball Cholesky of a small block and the inverse of its factor; None if a pivot is not
    certainly positive."""
    from flint import arb, arb_mat

    n = A.nrows()
    L = [[arb(0)] * n for _ in range(n)]
    for j in range(n):
        s = A[j, j]
        for k in range(j):
            s -= L[j][k] * L[j][k]
        if not s > 0:
            return None
        d = s.sqrt()
        L[j][j] = d
        for i in range(j + 1, n):
            t = A[i, j]
            for k in range(j):
                t -= L[i][k] * L[j][k]
            L[i][j] = t / d
    # inverse of the lower-triangular factor by forward substitution, column by column
    W = [[arb(0)] * n for _ in range(n)]
    for c in range(n):
        W[c][c] = 1 / L[c][c]
        for i in range(c + 1, n):
            t = arb(0)
            for k in range(c, i):
                t += L[i][k] * W[k][c]
            W[i][c] = -t / L[i][i]
    return arb_mat(L), arb_mat(W)


def _chol_inv(A, leaf, want_L=True, want_W=True):
    """(L or None, L^{-1} or None) for the ball matrix A, recursively in halves; None when a pivot is not certainly
    positive. Only what the caller needs is assembled: the left half always carries its inverse (it gives
    ``L21 = A21 L11^{-T}``), the Schur complement's factor only when the caller wants ``L`` or ``L^{-1}``."""
    from flint import arb, arb_mat

    n = A.nrows()
    if n <= leaf:
        out = _chol_leaf(A)
        return out
    h = n // 2
    rows = A.tolist()
    A11 = arb_mat([r[:h] for r in rows[:h]])
    A21 = arb_mat([r[:h] for r in rows[h:]])
    A22 = arb_mat([r[h:] for r in rows[h:]])
    top = _chol_inv(A11, leaf, want_L=want_L, want_W=True)
    if top is None:
        return None
    L11, W11 = top
    L21 = A21 * W11.transpose()  # L21 = A21 L11^{-T}
    bot = _chol_inv(A22 - L21 * L21.transpose(), leaf, want_L=want_L, want_W=want_W)  # Schur complement
    if bot is None:
        return None
    L22, W22 = bot
    z = [arb(0)] * (n - h)
    L = W = None
    if want_L:
        L = arb_mat([r + z for r in L11.tolist()] + [a + b for a, b in zip(L21.tolist(), L22.tolist())])
    if want_W:
        W21 = -(W22 * (L21 * W11))  # block inverse of [[L11, 0], [L21, L22]]
        W = arb_mat([r + z for r in W11.tolist()] + [a + b for a, b in zip(W21.tolist(), W22.tolist())])
    return L, W


def cholesky_ball(A, *, leaf: int = 32):
    """Lower-triangular ball factor ``L`` with ``L L^T`` enclosing ``A`` (an ``arb_mat``), or None (see module doc).

    Recursive in halves: ``L21 = A21 L11^{-T}`` and the Schur complement ``A22 - L21 L21^T`` use ``arb_mat``
    products; the factor's inverse is carried along by the block formula, so no ball solve is needed (ball LU
    solves blow up the radii).
    """
    out = _chol_inv(A, leaf)
    return None if out is None else out[0]


def cholesky_ball_succeeds(A, *, leaf: int = 32) -> bool:
    """True when the ball Cholesky of ``A`` has certainly positive pivots (no factor is assembled)."""
    return _chol_inv(A, leaf, want_L=False, want_W=False) is not None


def _shift(K, t):
    from flint import arb_mat

    from numerics.certified.bnb import point_ball

    tb = point_ball(t)
    M = arb_mat(K)
    for i in range(K.nrows()):
        M[i, i] = M[i, i] - tb
    return M


def certify_lambda_min_gt(K, t) -> bool:
    """True only when the ball Cholesky of ``K - t I`` succeeds: then lambda_min > t for every member of ``K``."""
    return cholesky_ball_succeeds(_shift(K, t))


@dataclass(frozen=True)
class LambdaMinCertificate:
    """``lower``: certified lower bound of lambda_min (a Fraction; None if none found); ``estimate``: float64
    eigenvalue estimate (not certified); ``tries``: shifts attempted; ``seconds``; ``method``: ``"residual"``
    (:func:`residual_cholesky_lower`: lambda_min >= lower) or ``"ball-cholesky"`` (:func:`certify_lambda_min_gt`:
    lambda_min > lower)."""

    lower: object
    estimate: float
    tries: int
    seconds: float
    positive_definite: str  # "proved" | "refuted" | "inconclusive"
    method: str = "ball-cholesky"


_U53 = 2.0 ** -53


def _abs_upper_array(M):
    """Float upper bounds of the absolute values of the entries (``arb.abs_upper`` rounded to the nearest float: within
    a relative 2^-53, which :func:`frobenius_upper` covers), row-major."""
    ents = M.entries()
    return np.fromiter((float(a.abs_upper()) for a in ents), dtype=float, count=len(ents))


def _mid_array(M):
    """Float midpoints (rounded to nearest) of the entries of an ``arb_mat``, row-major (steering only)."""
    ents = M.entries()
    return np.fromiter((float(a.mid()) for a in ents), dtype=float, count=len(ents))


def frobenius_upper(M) -> float:
    r"""An upper bound of :math:`\|A\|_F` for every member :math:`A` of the ball matrix ``M`` (``inf`` if an entry is
    not finite).

    Per entry the upper bound ``abs_upper`` of the ball, read as the nearest float: within a relative :math:`2^{-53}`
    (or :math:`2^{-1075}` absolute below the normal range), covered by the factor :math:`1+2^{-50}` and the term
    :math:`2^{-1070}`. The sum of the :math:`N` squares in any
    order is within :math:`\gamma_N=Nu/(1-Nu)\le2Nu` of the exact sum (Higham, *Accuracy and Stability of Numerical
    Algorithms*, §3.1; u = 2^-53, IEEE-754 round to nearest, which Python floats are), plus :math:`N2^{-1074}` for
    underflowing squares; the square root gets one more factor.
    """
    a = _abs_upper_array(M)
    if a.size == 0:
        return 0.0
    if not np.all(np.isfinite(a)):
        return math.inf
    N = a.size
    if N * _U53 >= 0.25:
        raise ValueError("matrix too large for the float summation bound")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # overflow is answered by inf below
        ub = a * (1 + 2.0 ** -50) + 2.0 ** -1070
        s = float(np.dot(ub, ub))
    if not math.isfinite(s):
        return math.inf
    s = s * (1 + 2 * N * _U53) * (1 + 2 * _U53) + N * 2.0 ** -1074
    if not math.isfinite(s):
        return math.inf
    return math.sqrt(s) * (1 + 2.0 ** -51) + 2.0 ** -1070


def residual_cholesky_lower(K, t, steer, *, update=None):
    r"""A certified lower bound of :math:`\lambda_{\min}(A+c\,uu^\top)` for every symmetric member :math:`A` of the
    ball matrix ``K``, or None.

    ``t`` (a float, read exactly) is the shift, ``steer`` a float64 estimate of the matrix (it only steers), and
    ``update=(c, u)`` an optional rank-one term with a float ``c`` and float vector ``u`` (read exactly). Method: the
    float64 Cholesky factor :math:`\tilde L` of ``steer - t I + c u u^T`` (None if LAPACK fails); then, exactly,
    :math:`A+c\,uu^\top-tI=\tilde L\tilde L^\top+E` with :math:`E` enclosed by ``arb_mat`` arithmetic, so by Weyl's
    inequality and :math:`\tilde L\tilde L^\top\succeq0`: :math:`\lambda_{\min}\ge t-\|E\|_2\ge t-\|E\|_F`
    (:func:`frobenius_upper`). How :math:`\tilde L` was computed plays no part in the bound. Returns a Fraction.
    """
    from flint import arb, arb_mat, fmpz_mat

    n = K.nrows()
    t = float(t)
    B = np.array(steer, dtype=float, copy=True)
    if B.shape != (n, n) or not np.all(np.isfinite(B)) or not math.isfinite(t):
        return None
    B[np.diag_indices(n)] -= t
    if update is not None:
        c, u = float(update[0]), np.asarray(update[1], dtype=float)
        if c < 0 or u.shape != (n,) or not np.all(np.isfinite(u)):
            raise ValueError("the rank-one update needs c >= 0 and a finite vector of length n")
        B += c * np.outer(u, u)
    from numerics.dynamics.backend import blas_threads

    with blas_threads(1):
        try:
            L = np.linalg.cholesky(B)
        except np.linalg.LinAlgError:
            return None
    if not np.all(np.isfinite(L)):
        return None
    # L is quantised to the grid 2^-s (any matrix will do: the residual is computed from the quantised one) so that
    # L L^T is an exact integer product (fmpz_mat, multimodular C code: 2-3x faster than a ball product at n = 1000)
    top = float(np.max(np.abs(L))) if L.size else 0.0
    if top == 0.0:
        return None
    s = 61 - math.frexp(top)[1]  # |round(L 2^s)| < 2^62: exact in int64
    Z = np.rint(np.ldexp(L, s)).astype(np.int64)
    F = fmpz_mat(Z.tolist())
    E = K - arb_mat(F * F.transpose()) * (arb(2) ** (-2 * s))
    tb = arb(t)
    for i in range(n):
        E[i, i] = E[i, i] - tb
    if update is not None:
        U = arb_mat([[float(x)] for x in u])
        E = E + (U * U.transpose()) * arb(c)
    e = frobenius_upper(E)
    if not math.isfinite(e):
        return None
    return Fraction(t) - Fraction(e)


def all_finite(K) -> bool:
    """True when every entry of the ball matrix ``K`` is finite (one ``arb_mat`` product with a vector of ones: a
    non-finite entry makes its row sum non-finite)."""
    from flint import arb_mat

    n, m = K.nrows(), K.ncols()
    if n == 0 or m == 0:
        return True
    s = K * arb_mat([[1]] * m)
    return all(s[i, 0].is_finite() for i in range(n))


def midpoint_matrix(K):
    """The float64 midpoint matrix of the ball matrix ``K`` (steering only; entries rounded to nearest)."""
    n = K.nrows()
    m = _mid_array(K)
    return m.reshape(n, n)


def lambda_min_lower(K, *, estimate=None, max_tries: int = 10, steer=None,
                     methods=("residual", "ball-cholesky")) -> LambdaMinCertificate:
    """A certified lower bound of lambda_min(K) for every symmetric member of the ball matrix ``K``.

    First :func:`residual_cholesky_lower` at a shift ``t = est - delta`` just below the float estimate (one
    ``arb_mat`` product; ``delta = 1e-6 |est| + n 2^-40 ||K||``, four tries growing 16x), then, when that gives no
    positive bound, the ball Cholesky (:func:`certify_lambda_min_gt`) at shifts growing 16x per failure, which can
    settle ill-conditioned cases at a higher ball precision. ``steer`` is a float64 estimate of ``K`` (default: its
    midpoints). ``positive_definite`` is ``proved`` when the certified bound shows lambda_min > 0, otherwise
    ``inconclusive`` (a failed test proves nothing; :func:`lambda_min_upper` gives certified upper bounds, whose
    negativity would refute definiteness). ``methods`` selects the tests tried, in order.
    """
    if not methods or any(m not in ("residual", "ball-cholesky") for m in methods):
        raise ValueError(f"methods must be a non-empty subset of ('residual', 'ball-cholesky'), got {methods!r}")
    t0 = time.perf_counter()
    n = K.nrows()
    diag = [K[i, i] for i in range(n)]
    rad = max((float(v.rad()) for v in diag), default=0.0)  # only steers the shift; rigour is in the Cholesky
    if steer is None:
        steer = midpoint_matrix(K)
    if estimate is None:
        est = float(eigvalsh_float(steer)[0])
    else:
        est = float(estimate)
    scale = max(abs(float(v.mid())) for v in diag) or 1.0  # relative: the floors scale with the matrix
    tries = 0
    best, method = None, "residual"
    # first shift: a relative 1e-6 of the estimate plus the float Cholesky's residual (~ n eps ||K||, taken 64x) and
    # the ball radii
    delta = 1e-6 * abs(est) + n * 2.0 ** -46 * scale + 4 * n * rad
    for _ in range(4 if "residual" in methods else 0):
        tries += 1
        low = residual_cholesky_lower(K, est - delta, steer)
        if low is not None and (best is None or low > best):
            best = low
        if best is not None and best > 0:
            break
        delta *= 16
    if "ball-cholesky" in methods and (best is None or not best > 0):
        # first shift of the ball Cholesky: a relative 1e-6 of the estimate plus rounding (float eigvalsh: ~ n eps
        # ||K||, taken 16x) and radius allowances; 2^-40 here made tiny eigenvalues (< n 1e-12) uncertifiable
        delta = 1e-6 * abs(est) + n * 2.0 ** -48 * scale + 4 * n * rad
        while tries < max_tries:
            tries += 1
            t = Fraction(est - delta)
            if certify_lambda_min_gt(K, t):
                if best is None or t >= best:
                    best, method = t, "ball-cholesky"
                break
            delta *= 16
    if best is None and methods == ("ball-cholesky",):
        method = "ball-cholesky"
    if best is None:
        pd = "inconclusive"
    elif method == "ball-cholesky":
        pd = "proved" if best >= 0 else "inconclusive"  # lambda_min > t >= 0
    else:
        pd = "proved" if best > 0 else "inconclusive"  # lambda_min >= best > 0
    return LambdaMinCertificate(lower=best, estimate=est, tries=tries, seconds=time.perf_counter() - t0,
                                positive_definite=pd, method=method)


@dataclass(frozen=True)
class LambdaMinBracket:
    """Certified ``lower <= lambda_min <= upper`` (Fractions; ``lower`` None when no lower bound was certified, both
    None for a ball matrix with a non-finite entry) for every symmetric member of the ball matrix, with ``value``
    (the refined Rayleigh quotient, an ``arb``), ``method`` (``"temple"``, ``"residual"``, ``"ball-cholesky"``,
    ``"exact"`` (1 x 1) or ``"none"``), ``lambda2_lower`` (the certified lower bound of the second eigenvalue
    Temple used, or None), ``residual`` (upper bound of the refined eigen-residual), ``iterations`` and
    ``seconds``."""

    lower: object
    upper: object
    value: object
    method: str
    lambda2_lower: object
    residual: float
    iterations: int
    seconds: float

    @property
    def positive_definite(self) -> str:
        if self.lower is not None and self.lower > 0:
            return "proved"
        return "refuted" if self.upper is not None and self.upper <= 0 else "inconclusive"


def refine_smallest_eigenpair(K, w, V, *, max_iter: int = 10):
    r"""Refine the smallest eigenpair of the ball matrix ``K`` at the working ball precision.

    ``w, V``: a float64 eigendecomposition of an estimate of ``K`` (ascending). Each step encloses
    :math:`Kv`, the Rayleigh quotient :math:`\eta=v^\top Kv/v^\top v` and the residual :math:`r=Kv-\eta v` in
    balls, and corrects :math:`v\leftarrow v-\sum_{k\ge2}V_k\,(V_k^\top r)/(w_k-\eta)` (the float eigenvectors as an
    approximate inverse of :math:`K-\eta I` on the complement of :math:`v`; written by hand: no library refines an
    eigenpair against a ball matrix). ``v`` stays an exact vector (ball midpoints). Returns ``(v, eta, eps,
    iterations)``: ``v`` an ``arb_mat`` column of exact entries, ``eta`` the ball of the Rayleigh quotient (it
    contains that of every member), ``eps`` a float upper bound of :math:`\|Av-\eta(A)v\|/\|v\|` for every member
    :math:`A`. The best iterate (smallest ``eps``) is returned; the loop stops when ``eps`` no longer halves.
    """
    from flint import arb, arb_mat

    n = K.nrows()
    w = np.asarray(w, dtype=float)
    V = np.asarray(V, dtype=float)
    W1, d = V[:, 1:], w[1:]
    vcol = arb_mat([[float(x)] for x in V[:, 0]])
    best = None
    its = 0
    for its in range(1, max_iter + 1):
        Kv = K * vcol
        vv = (vcol.transpose() * vcol)[0, 0]
        eta = (vcol.transpose() * Kv)[0, 0] / vv
        R = Kv - vcol * eta
        vlo = vv.lower()
        eps = frobenius_upper(R) / math.sqrt(float(vlo)) * (1 + 2.0 ** -50) if vlo > 0 else math.inf
        if not (math.isfinite(eps) and eta.is_finite()):
            eps = math.inf
        if best is None or eps < best[2]:
            improved = best is None or eps < 0.5 * best[2]
            best = (vcol, eta, eps, its)
            if not improved:
                break
        else:
            break
        if eps == 0 or n == 1:
            break
        rm = _mid_array(R)
        denom = d - float(eta.mid())
        if np.any(denom == 0) or not np.all(np.isfinite(rm)):
            break
        delta = W1 @ ((W1.T @ rm) / denom)
        new = vcol - arb_mat([[float(x)] for x in delta])
        vcol = arb_mat([[new[i, 0].mid()] for i in range(n)])
    vcol, eta, eps, its = best
    return vcol, eta, eps, its


def _fraction_of(x):
    """The exact value of an exact arb (a ball endpoint) as a Fraction."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


def lambda_min_bracket(K, *, steer=None, eig=None, max_iter: int | None = None) -> LambdaMinBracket:
    r"""Certified bracket of :math:`\lambda_{\min}` for every symmetric member of the ball matrix ``K``: the upper
    end is the Rayleigh quotient of a refined exact vector (:func:`refine_smallest_eigenpair`), the lower end comes
    from Temple's inequality when a gap is certified, otherwise from :func:`lambda_min_lower`.

    **Temple's inequality** [D]: for symmetric :math:`A`, a vector :math:`v`, :math:`\eta=v^\top Av/v^\top v`,
    :math:`\varepsilon=\|Av-\eta v\|/\|v\|` and :math:`\eta<b\le\lambda_2(A)`,
    :math:`\eta-\varepsilon^2/(b-\eta)\le\lambda_1(A)\le\eta`. Proof: with :math:`v=\sum_kc_ke_k`, :math:`\sum c_k^2=1`,
    every term of :math:`\sum_kc_k^2(\lambda_k-b)(\lambda_k-\lambda_1)` is :math:`\ge0` (zero for k = 1, both factors
    :math:`\ge0` for k >= 2); expanding with :math:`\sum c_k^2\lambda_k=\eta` and
    :math:`\sum c_k^2\lambda_k^2=\varepsilon^2+\eta^2` gives :math:`\varepsilon^2\ge(b-\eta)(\eta-\lambda_1)`.
    Here :math:`b` is certified by :func:`residual_cholesky_lower` on :math:`A+c\,uu^\top` (u the float eigenvector,
    c >= 0): Cauchy interlacing for a positive rank-one update gives :math:`\lambda_1(A+cuu^\top)\le\lambda_2(A)`.
    The bound is applied with the ball ends: :math:`\eta_{lo}-\varepsilon_{up}^2/(b-\eta_{up})` (valid since
    :math:`b-\eta\ge b-\eta_{up}>0`).

    ``steer``: a float64 estimate of ``K`` (default: the midpoints); ``eig``: its ``(w, V)`` from ``eigh`` (computed
    when omitted); ``max_iter``: refinement steps (default: enough for the ball precision). The matrix is scaled by
    an exact power of two to norm ~1 first (the float steps have absolute floors near the ends of the exponent
    range), and the bounds scaled back exactly. A ball matrix with a non-finite entry gets no bounds (``None``).
    """
    from flint import arb

    t0 = time.perf_counter()
    n = K.nrows()
    if n == 0:
        raise ValueError("empty matrix")
    if K.ncols() != n:
        raise ValueError("the matrix is not square")
    steer = None if steer is None else np.asarray(steer, dtype=float)
    e = _scale_exponent(K, steer)
    if e is None:
        return LambdaMinBracket(lower=None, upper=None, value=None, method="none", lambda2_lower=None,
                                residual=math.inf, iterations=0, seconds=time.perf_counter() - t0)
    Ks = K * (arb(2) ** (-e))  # every |entry| <= 1 now (exact scaling)
    steer = midpoint_matrix(K) if steer is None else np.asarray(steer, dtype=float)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        steer_s = np.ldexp(steer, -e)
    if not np.all(np.isfinite(steer_s)):
        steer_s = midpoint_matrix(Ks)
        eig = None
    if eig is not None:
        w, V = np.ldexp(np.asarray(eig[0], dtype=float), -e), np.asarray(eig[1], dtype=float)
    else:
        w, V = eigh_float(steer_s)
    br = _bracket_normalised(Ks, steer_s, np.asarray(w, dtype=float), np.asarray(V, dtype=float), max_iter)
    up = Fraction(2) ** e
    sc = (lambda q: None if q is None else q * up)
    return LambdaMinBracket(lower=sc(br.lower), upper=sc(br.upper), value=br.value * (arb(2) ** e),
                            method=br.method, lambda2_lower=sc(br.lambda2_lower),
                            residual=math.ldexp(br.residual, e) if math.isfinite(br.residual) else math.inf,
                            iterations=br.iterations, seconds=time.perf_counter() - t0)


def _scale_exponent(K, steer=None):
    """An integer e with every |entry| of the ball matrix ``K`` about 2^e or less (None if an entry is not finite);
    any e is valid (the scaling by 2^-e is exact), it only keeps the float steps in range. From a finite steering
    matrix when given (one cheap pass checks finiteness), else from the balls' upper ends (entries beyond the float
    range in ball arithmetic)."""
    if steer is not None and steer.size and np.all(np.isfinite(steer)):
        if not all_finite(K):
            return None
        m = float(np.max(np.abs(steer)))
        if m > 0:
            return math.frexp(m)[1]
    a = _abs_upper_array(K)
    if a.size and np.all(np.isfinite(a)):
        m = float(np.max(a))
        return math.frexp(m * (1 + 2.0 ** -50))[1] if m > 0 else 0
    ents = K.entries()
    if not all(x.is_finite() for x in ents):
        return None
    m = max((x.abs_upper() for x in ents), key=lambda x: (x.mid().man_exp()[1] + int(x.mid().man_exp()[0]).bit_length()
                                                       if x != 0 else -10 ** 18))
    mm, me = m.mid().man_exp()
    return int(me) + int(mm).bit_length() + 1  # |entry| < 2^(exponent of the largest upper end + 1)


def _temple_lower(eta, eps, b):
    r"""Temple's lower bound :math:`\eta_{lo}-\varepsilon^2/(b-\eta_{up})` of lambda_1 (a Fraction), or None unless
    :math:`b>\eta_{up}` (``eta`` a ball of the Rayleigh quotient, ``eps`` a float bound of the residual norm, ``b`` a
    Fraction lower bound of lambda_2); see :func:`lambda_min_bracket`."""
    from flint import arb

    from numerics.certified.bnb import point_ball

    if not (eta.is_finite() and math.isfinite(eps)):
        return None
    bb = point_ball(b)
    if not bb > eta.upper():
        return None
    tl = (eta.lower() - arb(eps) * arb(eps) / (bb - eta.upper())).lower()
    return _fraction_of(tl) if tl.is_finite() else None


def _bracket_normalised(K, steer, w, V, max_iter):
    """:func:`lambda_min_bracket` on a matrix of norm <= 1."""
    from flint import ctx

    t0 = time.perf_counter()
    n = K.nrows()
    if max_iter is None:
        max_iter = 4 + ctx.prec // 30
    vcol, eta, eps, its = refine_smallest_eigenpair(K, w, V, max_iter=max_iter)
    upper = _fraction_of(eta.upper()) if eta.is_finite() else None
    lower, method, lam2 = None, "none", None
    if n == 1:
        lower, method = _fraction_of(K[0, 0].lower()), "exact"
    elif upper is not None:
        gap = float(w[1] - w[0])
        scale = float(np.max(np.abs(w))) or 1.0
        if gap > 4 * n * 2.0 ** -53 * scale:  # above the float Cholesky's residual (~0.05 n u |K| measured); a
            # failed try costs one product
            b = float(w[0]) + 0.5 * gap
            c = float(w[-1] - w[0]) + gap
            lam2 = residual_cholesky_lower(K, b, steer, update=(c, V[:, 0]))
            if lam2 is not None:
                tl = _temple_lower(eta, eps, lam2)
                if tl is not None:
                    lower, method = tl, "temple"
    if lower is None:
        cert = lambda_min_lower(K, estimate=float(w[0]), steer=steer)
        if cert.lower is not None:
            lower, method = Fraction(cert.lower), cert.method
    if upper is None:  # no finite Rayleigh quotient: the diagonal still bounds lambda_min from above
        upper = min(_fraction_of(K[i, i].upper()) for i in range(n))
    return LambdaMinBracket(lower=lower, upper=upper, value=eta, method=method, lambda2_lower=lam2, residual=eps,
                            iterations=its, seconds=time.perf_counter() - t0)


def lambda_min_upper(K, v=None):
    """Certified upper bound of lambda_min(K) (every member of the ball matrix): the Rayleigh quotient
    v^T K v / v^T v at an exact rational vector ``v`` (default: the float64 eigenvector of the smallest eigenvalue
    of the midpoint matrix, read exactly). Returns an exact arb."""
    from flint import arb_mat

    from numerics.certified.bnb import point_ball

    if v is None:
        _, vecs = eigh_float(midpoint_matrix(K))
        v = [float(t) for t in vecs[:, 0]]
    V = arb_mat([[point_ball(t)] for t in v])
    num = (V.transpose() * K * V)[0, 0]
    den = (V.transpose() * V)[0, 0]
    return (num / den).upper()


def lambda_min_mpmath(K, *, dps: int = 50):
    """Smallest eigenvalue of the midpoint matrix by mpmath ``eigsy`` at ``dps`` (independent cross-check)."""
    import mpmath

    from numerics.certified.precision import workdps

    n = K.nrows()
    with workdps(dps):
        M = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                m, e = K[i, j].mid().man_exp()
                M[i, j] = mpmath.ldexp(mpmath.mpf(int(m)), int(e))
        E = mpmath.eigsy(M, eigvals_only=True)
        return min(E[i] for i in range(n))


def _check_inputs(X):
    from numerics.errors import InvalidArgument

    from numerics.certified.bnb import as_fraction

    rows = []
    for i, row in enumerate(X):
        q = [as_fraction(v) for v in row]
        if all(v == 0 for v in q):
            raise InvalidArgument(f"input x_{i} is the zero vector; valid inputs for the ReLU Gram are non-zero "
                                  "(the angle to x_i is undefined)")
        rows.append(q)
    return rows


def relu_gram_ball(X):
    """H^infty (Du et al. 2018, Section 3; angle form derived [D]) as an ``arb_mat`` (angle formula, any non-zero
    norms; exact inputs read exactly).

    The inputs are scaled to integers by a common denominator D (the formula is invariant under x -> D x up to
    the factor D^2 on x_i.x_j, divided out exactly), so Gram entries and the Lagrange radicand are exact integers
    in balls whenever the working precision holds them.
    """
    import math

    from flint import arb, arb_mat, fmpz_mat

    Q = _check_inputs(X)
    n, d = len(Q), len(Q[0])
    D = 1
    for q in Q:
        for v in q:
            D = D * v.denominator // math.gcd(D, v.denominator)
    Z = fmpz_mat([[int(v * D) for v in q] for q in Q])
    G = Z * Z.transpose()  # exact integer Gram
    pi = arb.pi()
    inv = 1 / (2 * pi * arb(D) ** 2)
    H = arb_mat(n, n)
    diag = [int(G[i, i]) for i in range(n)]
    for i in range(n):
        H[i, i] = arb(diag[i]) / (2 * arb(D) ** 2)
        gi = diag[i]
        for j in range(i + 1, n):
            dot = int(G[i, j])
            cross2 = gi * diag[j] - dot * dot  # exact, >= 0 (Lagrange identity)
            if cross2:
                phi = arb.atan2(arb(cross2).sqrt(), arb(dot))
            else:
                phi = arb(0) if dot > 0 else pi
            h = arb(dot) * (pi - phi) * inv
            H[i, j] = h
            H[j, i] = h
    return H


def relu_gram_float(X) -> np.ndarray:
    """float64 H^infty (same angle formula) for estimates and benchmarks. (Its twin in the NTK code,
    :func:`numerics.ntk.kernels.h_infinity`, cannot be called from here: numerics.ntk imports this package.)"""
    X = np.asarray(X, dtype=float)
    nr = np.linalg.norm(X, axis=1)
    if np.any(nr == 0):
        from numerics.errors import InvalidArgument

        raise InvalidArgument("an input is the zero vector; valid inputs for the ReLU Gram are non-zero")
    U = X / nr[:, None]  # unit vectors: the angle is scale-free, and 1e80-size inputs do not overflow |x_i|^2|x_j|^2
    C = U @ U.T
    # atan2 of the Lagrange term (as relu_gram_ball): arccos(C) put errors of 1e-8 on the diagonal; near-parallel
    # distinct inputs still lose ~sqrt(eps) here (this float Gram only steers and estimates)
    dd = np.diag(C).copy()
    phi = np.arctan2(np.sqrt(np.maximum(np.outer(dd, dd) - C * C, 0.0)), C)
    np.fill_diagonal(phi, 0.0)
    return (X @ X.T) * (np.pi - phi) / (2 * np.pi)
