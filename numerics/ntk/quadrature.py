r"""Gaussian expectations for the NTK recursions: Gauss–Hermite in float, Gauss–Hermite in mpmath, and an
mpmath ``quad`` fallback for near-singular 2x2 covariances.

Interface::

    gh_nodes(nodes) -> (z, w)                      # float64 probabilists' nodes, weights summing to 1
    gh_nodes_mp(nodes, dps) -> (z, w)              # the same at dps digits (Newton on He_N from the float nodes)
    expect1(f, var, *, nodes=80) -> ndarray        # E f(u), u ~ N(0, var), var an array
    expect2(f, g, a, b, c, *, nodes=80) -> ndarray # E f(u) g(v), (u, v) ~ N(0, [[a, c], [c, b]]), arrays a, b, c
    expect1_mp(f, var, *, dps=30, nodes=80) -> mpf
    expect2_mp(f, g, a, b, c, *, dps=30, nodes=80, smooth=True) -> mpf
    hermite_coefficients(f, var, *, dps=30) -> (tuple of arb h_0..h_K, converged: bool)
    mehler_pair(hf, hg, rho) -> mpf                # sum_k hf_k hg_k rho^k
    hermite_coefficients_float(f, var, K=200) -> (ndarray len(var) x (K+1), converged: bool)
    mehler_pairs_float(Hf, Hg, rho) -> ndarray     # row-wise sum_k Hf_k Hg_k rho^k

A pair is written :math:`u=\sqrt a\,z_1`, :math:`v=\sqrt b\,(\rho z_1+s z_2)` with :math:`\rho=c/\sqrt{ab}`,
:math:`s=\sqrt{1-\rho^2}` (a Cholesky factor of the covariance, stable for every :math:`|\rho|\le1`), and the
tensor Gauss–Hermite rule is applied in :math:`(z_1,z_2)`. **Automatic switch**: when the covariance is
near-singular (:math:`s<` ``SINGULAR_S``) and the integrand may be non-smooth (``smooth=False``: a step derivative,
a kink), the tensor rule loses accuracy (the integrand jumps inside a band of width :math:`O(s)` in :math:`z_2`),
so both :func:`expect2_mp` (one ``mpmath.quad`` split at the kink) and :func:`expect2` (float Gauss–Hermite) switch
to the degenerate one-dimensional rule :math:`v=\sqrt b\,\rho z_1`, whose error is :math:`O(s)` (below
``SINGULAR_S``: not a full-precision value; the closed forms of ReLU and erf are exact at every correlation).
numpy's ``hermegauss`` gives the float nodes (a library routine); the mp nodes are polished by Newton's method
because mpmath has no Gauss–Hermite node routine (written here by hand).

**Mehler series** (:func:`hermite_coefficients`, :func:`mehler_pair`): for smooth integrands,
:math:`E f(u)g(v)=\sum_k h_k(f;a)\,h_k(g;b)\,\rho^k` with :math:`h_k(f;a)=E f(\sqrt a z)\psi_k(z)` (normalised
Hermite polynomials). The coefficients are computed once per variance by a large Gauss–Hermite rule (scipy's
``roots_hermitenorm`` polished by Newton's method, the products in python-flint ``arb_mat``), and each pair costs one
short sum: this reaches ``dps`` digits where the tensor rule cannot (its error decays like
:math:`\exp(-d\sqrt{2N})`), and is what the ``"mp"`` recursions use.

Accuracy: Gauss–Hermite converges geometrically in ``nodes`` for entire integrands and like
:math:`\exp(-d\sqrt{2N})` for integrands analytic in a strip of half-width :math:`d` (softplus: :math:`d=\pi`,
tanh: :math:`\pi/2`), so the mp rule is *not* a 30-digit value for these at 80 nodes; the result is an estimate
(never an enclosure). Closed forms (ReLU, erf) live in :mod:`numerics.ntk.kernels`.
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np

from numerics.errors import InvalidArgument

__all__ = ["gh_nodes", "gh_nodes_mp", "expect1", "expect2", "expect1_mp", "expect2_mp", "SINGULAR_S",
           "hermite_coefficients", "mehler_pair", "mehler_terms", "hermite_coefficients_float", "mehler_pairs_float"]

#: below this Cholesky factor s = sqrt(1 - rho^2) a covariance counts as near-singular (the switch above)
SINGULAR_S = 1e-6
_CHUNK = 1 << 22  # float elements per vectorised block
_PRUNE = 1e-22  # float rule: drop nodes of negligible weight (their total weight times (1 + z^2) is < 1e-21)


def _check_nodes(nodes):
    if not isinstance(nodes, (int, np.integer)) or not 2 <= int(nodes) <= 400:
        raise InvalidArgument(f"got nodes={nodes!r}, valid is an integer in [2, 400]")
    return int(nodes)


@functools.lru_cache(maxsize=16)
def gh_nodes(nodes: int = 80):
    """Probabilists' Gauss–Hermite nodes and weights for N(0, 1) (weights sum to 1), by ``numpy.hermegauss``,
    without the nodes of weight below 1e-22 (80 nodes keep 54: a 2.2x cheaper tensor rule, same float result)."""
    n = _check_nodes(nodes)
    z, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    keep = w > _PRUNE  # nodes whose weight is below 1e-22 change a float64 result by < 1e-21 (times |f g| there)
    return z[keep], w[keep]


@functools.lru_cache(maxsize=16)
def _gh_nodes_mp(n: int, dps: int):
    z0, _ = np.polynomial.hermite_e.hermegauss(n)
    with mpmath.workdps(dps + 10):
        zs, ws = [], []
        fact = mpmath.factorial(n)
        for x0 in z0:
            x = mpmath.mpf(float(x0))
            for _ in range(100):
                p0, p1 = mpmath.mpf(1), x  # He_0, He_1
                for k in range(1, n):
                    p0, p1 = p1, x * p1 - k * p0  # He_{k+1} = x He_k - k He_{k-1}
                dx = p1 / (n * p0)  # He_n' = n He_{n-1}
                x -= dx
                if abs(dx) < mpmath.mpf(10) ** (-(dps + 8)) * max(1, abs(x)):
                    break
            p0, p1 = mpmath.mpf(1), x
            for k in range(1, n):
                p0, p1 = p1, x * p1 - k * p0
            zs.append(x)
            ws.append(fact / (n * n * p0 * p0))  # normalised probabilists' weight n! / (n He_{n-1}(x))^2
        s = mpmath.fsum(ws)
        ws = [w / s for w in ws]
        tiny = mpmath.mpf(10) ** (-(dps + 8))  # negligible at dps digits: dropped (as in the float rule)
        keep = [k for k in range(n) if ws[k] > tiny]
        return tuple(zs[k] for k in keep), tuple(ws[k] for k in keep)


def gh_nodes_mp(nodes: int = 80, dps: int = 30):
    """The probabilists' Gauss–Hermite rule at ``dps`` digits (tuples of mpf; weights sum to 1)."""
    return _gh_nodes_mp(_check_nodes(nodes), int(dps))


def expect1(f, var, *, nodes: int = 80):
    """E f(u) for u ~ N(0, var), elementwise over the array ``var`` (float Gauss–Hermite)."""
    z, w = gh_nodes(nodes)
    var = np.asarray(var, dtype=float)
    u = np.sqrt(np.maximum(var, 0.0))[..., None] * z
    return f(u) @ w


def _corr(a, b, c):
    sab = np.sqrt(a * b)
    rho = np.clip(c / sab, -1.0, 1.0)
    return rho, np.sqrt(np.maximum(1.0 - rho * rho, 0.0))


def expect2(f, g, a, b, c, *, nodes: int = 80):
    """E f(u) g(v), (u, v) ~ N(0, [[a, c], [c, b]]), over 1-D arrays a, b, c (float tensor Gauss–Hermite)."""
    z, w = gh_nodes(nodes)
    a, b, c = (np.atleast_1d(np.asarray(t, dtype=float)) for t in (a, b, c))
    if np.any(a <= 0) or np.any(b <= 0):
        raise InvalidArgument("a variance of the 2x2 covariance is <= 0; valid are positive variances "
                              "(a zero input or an activation that vanishes identically)")
    rho, s = _corr(a, b, c)
    out = np.empty(a.shape)
    N = len(z)
    step = max(1, _CHUNK // (N * N))
    for k0 in range(0, len(a), step):
        sl = slice(k0, k0 + step)
        fu = f(np.sqrt(a[sl])[:, None] * z[None, :])  # P x N
        sb = np.sqrt(b[sl])
        mean = (sb * rho[sl])[:, None, None] * z[None, :, None]
        v = mean + (sb * s[sl])[:, None, None] * z[None, None, :]
        inner = g(v) @ w  # P x N: E over z2 given z1
        out[sl] = (fu * inner) @ w
    sing = s < SINGULAR_S
    if np.any(sing):  # degenerate rule: v = sqrt(b) rho z1 (error O(s))
        ii = np.nonzero(sing)[0]
        fu = f(np.sqrt(a[ii])[:, None] * z[None, :])
        gv = g((np.sqrt(b[ii]) * rho[ii])[:, None] * z[None, :])
        out[ii] = (fu * gv) @ w
    return out


def expect1_mp(f, var, *, dps: int = 30, nodes: int = 80):
    """E f(u), u ~ N(0, var), at ``dps`` digits by the mp Gauss–Hermite rule (an estimate, see module doc)."""
    z, w = gh_nodes_mp(nodes, dps)
    with mpmath.workdps(dps + 5):
        r = mpmath.sqrt(mpmath.mpf(var))
        return mpmath.fsum(wk * f(r * zk) for zk, wk in zip(z, w))


def expect2_mp(f, g, a, b, c, *, dps: int = 30, nodes: int = 80, smooth: bool = True):
    """E f(u) g(v), (u, v) ~ N(0, [[a, c], [c, b]]) at ``dps`` digits (mp tensor Gauss–Hermite; the degenerate
    one-dimensional rule, error O(s), when the covariance is near-singular and ``smooth`` is False)."""
    with mpmath.workdps(dps + 5):
        a, b, c = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(c)
        if a <= 0 or b <= 0:
            raise InvalidArgument("a variance of the 2x2 covariance is <= 0; valid are positive variances")
        ra, rb = mpmath.sqrt(a), mpmath.sqrt(b)
        rho = c / (ra * rb)
        rho = max(min(rho, mpmath.mpf(1)), mpmath.mpf(-1))
        s = mpmath.sqrt(1 - rho * rho)
        if not smooth and s < SINGULAR_S:
            return _expect2_quad(f, g, ra, rb, rho, s)
        z, w = gh_nodes_mp(nodes, dps)
        tot = []
        for zk, wk in zip(z, w):
            m = rb * rho * zk
            inner = mpmath.fsum(wl * g(m + rb * s * zl) for zl, wl in zip(z, w))
            tot.append(wk * f(ra * zk) * inner)
        return mpmath.fsum(tot)


def _expect2_quad(f, g, ra, rb, rho, s):
    """Degenerate rule for a near-singular covariance: v = sqrt(b) rho z1, one mpmath ``quad`` split at the kink
    z1 = 0 (error O(s) for integrands with a jump, s < SINGULAR_S; nested quadrature across the jump was tried and
    was both slow and less accurate)."""
    phi = lambda t: mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
    return mpmath.quad(lambda z1: phi(z1) * f(ra * z1) * g(rb * rho * z1), [-mpmath.inf, 0, mpmath.inf])


# ------------------------------------------------------------------------------------------ Mehler (Hermite) series
def mehler_terms(dps: int) -> int:
    """First number of Hermite terms tried for ``dps`` digits. Observed decay of the normalised coefficients of an
    integrand analytic in the strip |Im z| < d: |h_k| ~ exp(-d sqrt(k)); the products h_k h_k' must fall below
    10^-dps, so sqrt(K) ~ dps ln 10 / (2 d): this is the count for d = pi (softplus, sigmoid), x 1.3; tanh
    (d = pi/2) needs about 4x more (:func:`hermite_coefficients` doubles K until converged, up to 4x)."""
    return int(1.3 * ((dps + 5) * math.log(10) / (2 * math.pi)) ** 2) + 40


@functools.lru_cache(maxsize=4)
def _mehler_basis(K: int, dps: int):
    """Gauss-Hermite nodes x_j, weights w_j (M = 2K + 20 points from scipy's ``roots_hermitenorm``, polished by
    Newton's method) and the normalised Hermite values psi_k(x_j), k <= K, as an exact-midpoint arb_mat. The
    three-term recurrence is run on ball midpoints (ball radii of an oscillating recurrence grow geometrically and
    say nothing here: the quadrature error is not enclosed anyway). Nodes of weight below 10^-(2 dps + 40) are
    dropped (w_j psi_k(x_j) <= ~ w_j e^{x_j^2/4} stays below 10^-(dps + 20) there)."""
    from flint import arb, arb_mat, ctx
    from scipy.special import roots_hermitenorm

    M = 2 * K + 20
    z0, _ = roots_hermitenorm(M)  # asymptotic starting nodes for large M (numpy's hermegauss overflows)
    old = ctx.prec
    try:
        ctx.prec = int((2 * dps + 60) * 3.33) + 64
        sq = [arb(k).sqrt().mid() for k in range(M + 2)]
        isq = [(1 / arb(k)).sqrt().mid() if k else arb(0) for k in range(M + 2)]

        def psi_last(x):
            p0, p1 = arb(1), x
            for k in range(1, M):
                p0, p1 = p1, ((x * p1 - sq[k] * p0) * isq[k + 1]).mid()
            return p0, p1  # psi_{M-1}, psi_M

        tiny = arb(10) ** (-(2 * dps + 40))
        xs, ws = [], []
        for x0 in z0[z0 > 0]:
            x = arb(float(x0))
            for _ in range(5):
                p0, p1 = psi_last(x)
                x = (x - p1 / (sq[M] * p0)).mid()
            p0, _ = psi_last(x)
            w = (1 / (M * p0 * p0)).mid()  # Christoffel-Darboux: 1 / sum_{k<M} psi_k^2 = 1 / (M psi_{M-1}^2)
            if w > tiny:
                xs.append(x)
                ws.append(w)
        xs = [-t for t in reversed(xs)] + xs  # symmetric rule (M even: no node at 0)
        ws = list(reversed(ws)) + ws
        tot = sum(ws[1:], ws[0])
        ws = [(w / tot).mid() for w in ws]
        rows = []
        for x in xs:
            p0, p1 = arb(1), x
            row = [p0, p1]
            for k in range(1, K):
                p0, p1 = p1, ((x * p1 - sq[k] * p0) * isq[k + 1]).mid()
                row.append(p1)
            rows.append(row[:K + 1])
        return tuple(xs), tuple(ws), arb_mat(rows)
    finally:
        ctx.prec = old


def _arb_of_mpf(v):
    from flint import arb

    sign, man, ex, _ = mpmath.mpf(v)._mpf_
    if not man:
        return arb(0)
    return (-1 if sign else 1) * arb(int(man)) * arb(2) ** int(ex)


def _mpf_of_arb(x):
    m, e = x.mid().man_exp()
    return mpmath.ldexp(mpmath.mpf(int(m)), int(e))


def hermite_coefficients(f, var, *, dps: int = 30, K=None, max_doublings: int = 2):
    """h_k = E f(sqrt(var) z) psi_k(z), k = 0..K (psi_k the normalised probabilists' Hermite polynomials, so that
    E f(u) g(v) = sum_k h_k(f) h_k(g) rho^k by Mehler's formula), as a tuple of exact-midpoint flint arb, and a
    flag: True when the last 20 coefficients are below 10^-((dps + 5)/2) (the products, hence the series, have
    converged to about ``dps`` digits; the Gauss-Hermite error of the coefficients is not enclosed). K starts at
    :func:`mehler_terms` and doubles up to ``max_doublings`` times until converged."""
    from flint import arb, arb_mat, ctx

    K = mehler_terms(dps) if K is None else int(K)
    old = ctx.prec
    try:
        for attempt in range(max_doublings + 1):
            xs, ws, Psi = _mehler_basis(K, int(dps))
            ctx.prec = int((2 * dps + 60) * 3.33) + 64
            with mpmath.workdps(2 * dps + 60):
                r = mpmath.sqrt(mpmath.mpf(var))
                F = [(w * _arb_of_mpf(f(r * _mpf_of_arb(x)))).mid() for x, w in zip(xs, ws)]
            h = [t.mid() for t in (arb_mat([F]) * Psi).tolist()[0]]
            tol = arb(10) ** (-(dps + 5) / 2)
            conv = all(abs(t) < tol for t in h[-20:])
            ctx.prec = old
            if conv or attempt == max_doublings:
                return tuple(h), conv
            K *= 2
    finally:
        ctx.prec = old


def mehler_pair(hf, hg, rho):
    """E f(u) g(v) = sum_k hf_k hg_k rho^k (Mehler's formula) for the correlation ``rho`` (an arb or mpf), as an
    mpf at the current mpmath precision."""
    from flint import arb, ctx

    old = ctx.prec
    try:
        ctx.prec = max(old, int(mpmath.mp.prec) + 64)
        r = rho if isinstance(rho, arb) else _arb_of_mpf(rho)
        tot, p = arb(0), arb(1)
        for a, b in zip(hf, hg):
            tot += a * b * p
            p *= r
        return _mpf_of_arb(tot)
    finally:
        ctx.prec = old


# --------------------------------------------------------------------------------- the same series in float64
FLOAT_TERMS = 200  # |h_k| ~ exp(-d sqrt(k)) < 1e-9 by k = 175 for tanh (d = pi/2), k = 45 for softplus (d = pi)


@functools.lru_cache(maxsize=4)
def _float_basis(K: int):
    """Gauss-Hermite rule with M = 2K + 20 nodes (scipy ``roots_hermitenorm``; nodes of weight < 1e-250 dropped,
    so psi_k(x) ~ e^{x^2/4} stays finite) and the normalised Hermite values psi_k(x_j), k <= K."""
    from scipy.special import roots_hermitenorm

    x, w = roots_hermitenorm(2 * K + 20)
    w = w / w.sum()
    keep = w > 1e-250
    x, w = x[keep], w[keep]
    P = np.empty((len(x), K + 1))
    P[:, 0] = 1.0
    P[:, 1] = x
    for k in range(1, K):
        P[:, k + 1] = (x * P[:, k] - math.sqrt(k) * P[:, k - 1]) / math.sqrt(k + 1)
    return x, w, P


def hermite_coefficients_float(f, var, K: int = FLOAT_TERMS):
    """Rows h_k(f; var_i) = E f(sqrt(var_i) z) psi_k(z), k = 0..K, in float64, and whether every row has converged
    (its last 20 coefficients below 1e-9 times max(1, |h_0|): products below ~1e-18)."""
    x, w, P = _float_basis(int(K))
    var = np.atleast_1d(np.asarray(var, dtype=float))
    F = f(np.sqrt(var)[:, None] * x[None, :]) * w[None, :]
    H = F @ P
    scale = np.maximum(1.0, np.abs(H[:, :1]))
    conv = bool(np.all(np.isfinite(H)) and np.all(np.abs(H[:, -20:]) < 1e-9 * scale))
    return H, conv


def mehler_pairs_float(Hf, Hg, rho):
    """Row-wise sum_k Hf[r, k] Hg[r, k] rho[r]^k (Horner), for rows of coefficients and correlations ``rho``."""
    rho = np.asarray(rho, dtype=float)
    out = np.zeros(len(rho))
    for k in range(Hf.shape[1] - 1, -1, -1):
        out = out * rho + Hf[:, k] * Hg[:, k]
    return out
