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
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["eigvalsh_float", "eigh_float",
           "cholesky_ball", "certify_lambda_min_gt", "lambda_min_lower", "lambda_min_upper", "lambda_min_mpmath",
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
    eigenvalue estimate (not certified); ``tries``: shifts attempted; ``seconds``."""

    lower: object
    estimate: float
    tries: int
    seconds: float
    positive_definite: str  # "proved" | "refuted" | "inconclusive"


def lambda_min_lower(K, *, estimate=None, max_tries: int = 10) -> LambdaMinCertificate:
    """The largest certified ``t`` (tried below the float estimate) with lambda_min(K) > t, by ball Cholesky.

    Shifts ``t = est - delta`` with ``delta`` starting at ``1e-6 |est| + n 2^-48 ||K||`` (plus the ball radii) and
    growing by 16x per failure. ``positive_definite`` is ``proved`` when a certified ``t >= 0`` exists, otherwise
    ``inconclusive`` (a failed Cholesky proves nothing; :func:`lambda_min_upper` gives certified upper bounds, whose
    negativity would refute definiteness).
    """
    from fractions import Fraction

    t0 = time.perf_counter()
    n = K.nrows()
    diag = [K[i, i] for i in range(n)]
    rad = max((float(v.rad()) for v in diag), default=0.0)  # only steers the shift; rigour is in the Cholesky
    if estimate is None:
        mids = np.array([[float(K[i, j].mid()) for j in range(n)] for i in range(n)])
        est = float(eigvalsh_float(mids)[0])
    else:
        est = float(estimate)
    scale = max(1.0, max(abs(float(v.mid())) for v in diag))
    # first shift: a relative 1e-6 of the estimate plus rounding (float eigvalsh: ~ n eps ||K||, taken 16x) and
    # radius allowances, so one try usually does; 2^-40 here made tiny eigenvalues (< n 1e-12) uncertifiable
    delta = 1e-6 * abs(est) + n * 2.0 ** -48 * scale + 4 * n * rad
    tries = 0
    lower = None
    while tries < max_tries:
        tries += 1
        t = Fraction(est - delta)
        if certify_lambda_min_gt(K, t):
            lower = t
            break
        delta *= 16
    pd = "proved" if lower is not None and lower >= 0 else "inconclusive"
    return LambdaMinCertificate(lower=lower, estimate=est, tries=tries, seconds=time.perf_counter() - t0,
                                positive_definite=pd)


def lambda_min_upper(K, v=None):
    """Certified upper bound of lambda_min(K) (every member of the ball matrix): the Rayleigh quotient
    v^T K v / v^T v at an exact rational vector ``v`` (default: the float64 eigenvector of the smallest eigenvalue
    of the midpoint matrix, read exactly). Returns an exact arb."""
    from flint import arb_mat

    from numerics.certified.bnb import point_ball

    n = K.nrows()
    if v is None:
        mids = np.array([[float(K[i, j].mid()) for j in range(n)] for i in range(n)])
        _, vecs = eigh_float(mids)
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
    """float64 H^infty (same angle formula) for estimates and benchmarks."""
    X = np.asarray(X, dtype=float)
    nr = np.linalg.norm(X, axis=1)
    if np.any(nr == 0):
        from numerics.errors import InvalidArgument

        raise InvalidArgument("an input is the zero vector; valid inputs for the ReLU Gram are non-zero")
    G = X @ X.T
    C = np.clip(G / np.outer(nr, nr), -1.0, 1.0)
    return G * (np.pi - np.arccos(C)) / (2 * np.pi)
