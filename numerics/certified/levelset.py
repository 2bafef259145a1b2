r"""Vectorised certified regular-level test for ridge sums :math:`h(u)=\sum_i c_i\,\sigma(\tilde x_i\cdot u)`.

This is the regular-level step of the escaping-set argument (is :math:`\ell` a regular value of :math:`h` on a
box, and how large is :math:`\beta=\min_{\{h=\ell\}\cap B}|\nabla h|`) for ridge models with linear output weights:
:math:`h(u)=\langle\hat a,\Psi_\mu(u)\rangle` with the feature :math:`\sigma(\tilde x\cdot u)`, e.g. :math:`u=(w,b)`,
:math:`\tilde x_i=(x_i,1)`, and :math:`c_i=\langle\hat a,r_i\rangle/n` (scalar or vector outputs alike).

Two ways to enclose the activation, one branch-and-bound:

* the logistic sigmoid and :math:`\tanh` (:math:`\tanh z=2\sigma(2z)-1`): a monotone table and the Riccati
  identities (below);
* **every other C^1 activation** (builtin or user, monotone or not, e.g. erf, :math:`e^{-z^2}`, atan, softsign, the
  cubic step): a :class:`CellTable` of outward float enclosures of :math:`\sigma,\sigma',\sigma''` on every cell of
  a grid, computed with python-flint ball evaluators of the activation (never float evaluations), with a Taylor
  form at the cell's expansion point for narrow intervals and given bounds of :math:`\sup|\sigma^{(j)}|` beyond the
  last cell (or no bound at all, then nothing reaching there is decided). No monotonicity is assumed on this path.

This module takes compiled evaluators and numbers only, never a symbolic activation or model: the symbolic side
(:mod:`proofs.analyze.levelset_tables`) decides which activations qualify, generates their ball code, and builds the
:class:`CellTable` and :class:`RidgeSum` of a problem.

No library offers a vectorised, outward-rounded interval branch-and-bound, so it is written by hand on numpy:

* **outward rounding**: every float operation rounds to nearest (error at most half an ulp), so each product and
  quotient is moved one ulp outward with ``np.nextafter``; sums of many terms get the a-priori bound
  :math:`|\mathrm{fl}(\sum x_j)-\sum x_j|\le\gamma_{n}\sum|x_j|` (:math:`\gamma_n=nu/(1-nu)`, any summation order,
  Higham, *Accuracy and Stability of Numerical Algorithms*, §4.2), used with a factor 2 and an underflow term;
* **the activation is never evaluated in floats**: :math:`\sigma` is tabulated once on the grid
  :math:`\delta\mathbb Z\cap[-Z,Z]` with python-flint balls (rounded outward to floats) and enclosed on an interval
  by monotonicity (table value at a grid point below and one above); outside :math:`[-Z,Z]` the limits 0 and 1 and
  the table end values bound it. The derivatives come from the Riccati identities :math:`\sigma'=s(1-s)`,
  :math:`\sigma''=s(1-s)(1-2s)` with :math:`s=\sigma(z)`, whose ranges over an interval of :math:`s` are computed
  exactly (concavity of :math:`s(1-s)`; the critical points :math:`(3\pm\sqrt3)/6` of the cubic);
* inputs that are not exactly representable (decimal data, residual balls) enter as outward float intervals.

On a box :math:`B` with centre :math:`c` and half-widths :math:`\rho`:

1. the level is excluded when both the natural enclosure :math:`\sum_ic_i\sigma(z_i(B))` and the centred form
   :math:`h(c)+\nabla h(B)\cdot[-\rho,\rho]` miss it (the box holds no point of the level set);
2. otherwise, with a float direction :math:`e\approx\nabla h(c)`, a lower bound of :math:`e\cdot\nabla h` on :math:`B`
   comes from the first-order form :math:`e\cdot\nabla h(c)+(e^\top\nabla^2h(B))\cdot[-\rho,\rho]` (or the natural
   form); if positive, :math:`|\nabla h|\ge e\cdot\nabla h/|e|>0` on all of :math:`B` (Cauchy–Schwarz);
3. undecided boxes are bisected along the side with the largest first-order spread
   :math:`|e^\top\nabla^2 h(B)|_j\rho_j` (the widest when that is not finite).

``certified`` is True only when every box was excluded or resolved: then :math:`\beta_{\rm lower}` (the smallest
resolved bound) is a certified lower bound of :math:`\min|\nabla h|` on :math:`\{h=\ell\}\cap B_0`; when the budget
runs out the result says ``certified=False`` and gives no bound.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from numerics.errors import InvalidArgument

__all__ = ["RidgeSum", "certify_ridge_level", "RidgeLevelCertificate", "CellTable"]

_U = 2.0 ** -53
_TINY = 2.0 ** -1074
_DELTA = 2.0 ** -7   # table step of sigma
_ZMAX = 48.0         # table range [-Z, Z]; beyond, sigma is within e^-48 of its limits


def _dn(x):
    return np.nextafter(x, -np.inf)


def _upr(x):
    return np.nextafter(x, np.inf)


def _frac_interval(q: Fraction):
    """Outward float interval [lo, hi] containing the exact rational q."""
    f = float(q)
    fq = Fraction(f)
    lo = f if fq <= q else float(np.nextafter(f, -np.inf))
    hi = f if fq >= q else float(np.nextafter(f, np.inf))
    return lo, hi


def _arb_interval(b):
    """Outward float interval of an arb ball (rigorous: python-flint's lower/upper are exact, then rounded out)."""
    lo = _frac_interval(_arb_exact(b.lower()))[0]
    hi = _frac_interval(_arb_exact(b.upper()))[1]
    return lo, hi


def _arb_exact(x) -> Fraction:
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m) * Fraction(2) ** e if e >= 0 else Fraction(m, 2 ** (-e))


def imul(alo, ahi, blo, bhi):
    """Interval product, rounded outward (each product's rounding error is at most half an ulp)."""
    p = np.stack(np.broadcast_arrays(alo * blo, alo * bhi, ahi * blo, ahi * bhi))
    return _dn(p.min(axis=0)), _upr(p.max(axis=0))


def isum(lo, hi, axis):
    """Interval sum along ``axis`` with the a-priori bound of the float summation error (any order)."""
    n = lo.shape[axis]
    g = 2.0 * n * _U * 1.001
    slo, shi = lo.sum(axis=axis), hi.sum(axis=axis)
    elo = np.abs(lo).sum(axis=axis) * g + n * _TINY
    ehi = np.abs(hi).sum(axis=axis) * g + n * _TINY
    return _dn(slo - elo), _upr(shi + ehi)


_TABLE = {}


def _sigma_table():
    """Outward float bounds of the logistic sigmoid on the grid delta*Z in [-Z, Z] (python-flint balls)."""
    if "logistic" not in _TABLE:
        from flint import arb, ctx

        old = ctx.prec
        ctx.prec = 80
        try:
            N = int(2 * _ZMAX / _DELTA) + 1
            lo = np.empty(N)
            hi = np.empty(N)
            for j in range(N):
                z = arb(-_ZMAX + j * _DELTA)  # exact: a dyadic grid point
                s = 1 / (1 + (-z).exp())
                lo[j], hi[j] = _arb_interval(s)
        finally:
            ctx.prec = old
        _TABLE["logistic"] = (lo, hi)
    return _TABLE["logistic"]


def sigma_interval(zlo, zhi):
    """Enclosure of the logistic sigmoid over [zlo, zhi] (elementwise) from the monotone table."""
    tlo, thi = _sigma_table()
    N = len(tlo)
    ia = np.floor((zlo + _ZMAX) / _DELTA) - 1          # one step of slack for the rounding of the index
    ib = np.ceil((zhi + _ZMAX) / _DELTA) + 1
    ia_c = np.clip(ia, 0, N - 1).astype(np.int64)
    ib_c = np.clip(ib, 0, N - 1).astype(np.int64)
    slo = np.where(ia < 0, 0.0, tlo[ia_c])             # left of the table: sigma > 0
    shi = np.where(ib > N - 1, 1.0, thi[ib_c])         # right of the table: sigma < 1
    return slo, shi


def dsigma_from_s(slo, shi):
    """Range of s(1 - s) over s in [slo, shi] (concave, maximum 1/4 at s = 1/2), rounded outward."""
    # p at the two ends, each as an outward interval (1 - s rounded outward)
    def p_at(s):
        one_m = 1.0 - s
        one_lo, one_hi = _dn(one_m), _upr(one_m)
        return imul(s, s, one_lo, one_hi)
    a_lo, a_hi = p_at(slo)
    b_lo, b_hi = p_at(shi)
    lo = np.minimum(a_lo, b_lo)
    hi = np.where(shi <= 0.5, b_hi, np.where(slo >= 0.5, a_hi, 0.25))
    return np.maximum(lo, 0.0), hi


_S1 = (0.21132486540518702, 0.21132486540518719)   # (3 - sqrt 3)/6, enclosed
_S2 = (0.78867513459481281, 0.78867513459481298)   # (3 + sqrt 3)/6
_QMAX = 0.096225044864937642                        # sqrt(3)/18 rounded up


def d2sigma_from_s(slo, shi):
    """Range of q(s) = s(1 - s)(1 - 2s) over s in [slo, shi]: end values, and the critical values if inside."""
    def q_at(s):
        one_m = 1.0 - s
        lo1, hi1 = _dn(one_m), _upr(one_m)
        t = 1.0 - 2.0 * s
        lo2, hi2 = _dn(t), _upr(t)
        a, b = imul(s, s, lo1, hi1)
        return imul(a, b, lo2, hi2)
    a_lo, a_hi = q_at(slo)
    b_lo, b_hi = q_at(shi)
    lo = np.minimum(a_lo, b_lo)
    hi = np.maximum(a_hi, b_hi)
    has1 = (slo <= _S1[1]) & (shi >= _S1[0])
    has2 = (slo <= _S2[1]) & (shi >= _S2[0])
    hi = np.where(has1, np.maximum(hi, _QMAX), hi)
    lo = np.where(has2, np.minimum(lo, -_QMAX), lo)
    return lo, hi


# ---------------------------------------------------------------------------------------------------------------
# any activation: per-cell ball enclosures of sigma, sigma', sigma'' (no monotonicity assumed)
# ---------------------------------------------------------------------------------------------------------------
_ZFAR = 2.0 ** 40    # geometric tail cells up to |z| = Z_far; beyond, the toolkit's sup |sigma^(j)| (or nothing)
_CELL_DELTA = 2.0 ** -5  # cell width of the general tables (the Taylor form keeps narrow intervals tight)
_TAIL_RATIO = 2.0 ** 0.125


def _arb_out(b):
    """Outward float interval of an arb ball, fast: python-flint's lower/upper are exact; their float conversion
    is within one ulp, so one more ulp outward encloses them (non-finite or huge: the whole line)."""
    if not b.is_finite():
        return -np.inf, np.inf
    lo, hi = float(b.lower()), float(b.upper())
    if not (abs(lo) < 1e300 and abs(hi) < 1e300):
        return -np.inf, np.inf
    return float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))


def _check_evaluators(evaluators, mean_value_orders):
    """The four ball evaluators (the last may be None) and the valid mean-value orders, checked."""
    if not isinstance(evaluators, (list, tuple)) or len(evaluators) != 4:
        raise InvalidArgument("cell table: evaluators must be a list of 4 python-flint ball functions of sigma, "
                              f"sigma', sigma'', sigma''' (the last may be None), got {type(evaluators).__name__}")
    fs = list(evaluators)
    if not all(callable(f) for f in fs[:3]) or not (fs[3] is None or callable(fs[3])):
        raise InvalidArgument("cell table: evaluators of sigma, sigma', sigma'' must be callables (sigma''' a "
                              "callable or None)")
    try:
        mvf = tuple(sorted({int(j) for j in mean_value_orders}))
    except (TypeError, ValueError):
        raise InvalidArgument(f"cell table: mean_value_orders must be integers in 0..2, got {mean_value_orders!r}")
    if any(j not in (0, 1, 2) or fs[j + 1] is None for j in mvf):
        raise InvalidArgument(f"cell table: mean_value_orders {mvf} need orders in 0..2 with an evaluator of the "
                              "next derivative")
    return fs, mvf


def _check_far_bounds(vals, name):
    """Three floats B_j >= 0 (inf when unknown: None and NaN count as unknown)."""
    if vals is None:
        return [np.inf] * 3
    try:
        out = [np.inf if v is None else float(v) for v in vals]
    except (TypeError, ValueError):
        raise InvalidArgument(f"cell table {name!r}: far_bounds must be three floats (inf when unknown)")
    if len(out) != 3 or any(v < 0 for v in out):
        raise InvalidArgument(f"cell table {name!r}: far_bounds must be three bounds >= 0 (inf when unknown), got "
                              f"{out}")
    return [np.inf if np.isnan(v) else v for v in out]


class CellTable:
    r"""Outward float enclosures of :math:`\sigma,\sigma',\sigma''` over every cell of a grid, for any C^1
    activation (no monotonicity assumed: non-monotone ones such as :math:`e^{-z^2}` are covered).

    The activation enters as compiled evaluators and numbers only (this module never sees a symbolic expression):

    * ``evaluators``: four python-flint ball functions of :math:`\sigma,\sigma',\sigma'',\sigma'''` (one arb in,
      one arb out, each an enclosure of the true value on the whole ball); the last may be None (then no Taylor
      form for :math:`\sigma'`). :math:`\sigma''` is the a.e. derivative of :math:`\sigma'` when :math:`\sigma` is
      only C^1 (its caller guarantees :math:`\sigma'` is absolutely continuous);
    * ``mean_value_orders``: the orders :math:`j\le2` for which :math:`\sigma^{(j)}` is C^1, so that the mean-value
      form with :math:`\sigma^{(j+1)}` is valid (default: none, natural ball enclosures only);
    * ``far_bounds``: three floats :math:`B_j\ge\sup_{\mathbb R}|\sigma^{(j)}|` (``inf`` when unknown), or a
      zero-argument callable returning them (called on first need: only a box reaching beyond :math:`\pm Z_{\rm far}`
      needs them); default unknown;
    * ``np_evaluators``: numpy functions of :math:`\sigma,\sigma'` (a sequence indexed by the order, or a callable
      ``order -> function`` called on first need), for sampling and float directions only, never for a decision.

    Cells: the uniform grid :math:`\delta\mathbb Z\cap[-Z,Z]`, then geometric cells (ratio :math:`2^{1/8}`) out to
    :math:`\pm Z_{\rm far}`. On each cell :math:`C` (a python-flint ball containing it) the enclosure of
    :math:`\sigma^{(j)}(C)` is the intersection of the natural ball evaluation and, for the mean-value orders, the
    mean-value form :math:`\sigma^{(j)}(m)+\sigma^{(j+1)}(C)\,(C-m)`; both rounded outward to floats. An interval
    :math:`[z_0,z_1]` gets the min/max over the cells it meets (a sparse table, exact comparisons: no rounding in
    the index). Beyond :math:`\pm Z_{\rm far}` the far bounds bound it; when one is unknown the enclosure is the
    whole line, so no box reaching there is ever decided (``certified=False``, never a guess).
    The range minimum query is written by hand on numpy (no library offers a vectorised one)."""

    def __init__(self, evaluators, *, far_bounds=None, np_evaluators=None, mean_value_orders=(),
                 name: str = "sigma", zmax: float = _ZMAX, delta: float = _CELL_DELTA, zfar: float = _ZFAR,
                 prec: int = 80):
        from flint import arb, ctx

        fs, mvf = _check_evaluators(evaluators, mean_value_orders)
        if not (np.isfinite(zmax) and np.isfinite(delta) and np.isfinite(zfar) and 0 < delta <= zmax <= zfar):
            raise InvalidArgument(f"cell table: need 0 < delta <= zmax <= zfar (finite), got {delta=}, {zmax=}, "
                                  f"{zfar=}")
        self.name = str(name)
        k = int(round(zmax / delta))
        uni = np.arange(-k, k + 1) * delta                      # exact dyadic grid points
        tail = [zmax]
        while tail[-1] < zfar:
            tail.append(min(float(np.nextafter(tail[-1] * _TAIL_RATIO, np.inf)), zfar))
        tail = np.array(tail[1:])
        self.edges = np.concatenate([-tail[::-1], uni, tail])
        N = len(self.edges) - 1
        nr = 4 if fs[3] is not None else 3
        lo = np.full((4, N), -np.inf)
        hi = np.full((4, N), np.inf)
        self.mid = 0.5 * (self.edges[:-1] + self.edges[1:])      # floats inside their cells: expansion points
        plo = np.empty((3, N))
        phi = np.empty((3, N))
        old = ctx.prec
        ctx.prec = prec
        try:
            for c in range(N):
                cell = arb.union(arb(float(self.edges[c])), arb(float(self.edges[c + 1])))
                m = arb(cell.mid())
                dz = cell - m
                nat = [fs[j](cell) for j in range(nr)]
                for j in range(nr):
                    a, b = _arb_out(nat[j])
                    if j in mvf:
                        a2, b2 = _arb_out(fs[j](m) + nat[j + 1] * dz)
                        a, b = max(a, a2), min(b, b2)
                    lo[j, c], hi[j, c] = a, b
                mf = arb(float(self.mid[c]))                          # exact: a float
                for j in range(3):
                    plo[j, c], phi[j, c] = _arb_out(fs[j](mf))
        finally:
            ctx.prec = old
        self.N = N
        self.pt = (plo, phi)
        #: orders j whose Taylor form sigma^(j)(m) + sigma^(j+1)(m) t + R t^2 / 2 is valid (sigma^(j+1) absolutely
        #: continuous with a.e. derivative enclosed by the table of sigma^(j+2))
        self.taylor = (0, 1) if nr == 4 else (0,)
        # sparse tables: level t holds min/max over 2^t consecutive cells
        self._lo = [lo]
        self._hi = [hi]
        t = 1
        while (1 << t) <= N:
            h = 1 << (t - 1)
            pl, ph = self._lo[-1], self._hi[-1]
            self._lo.append(np.minimum(pl[:, :-h], pl[:, h:]))
            self._hi.append(np.maximum(ph[:, :-h], ph[:, h:]))
            t += 1
        self._far_source = far_bounds
        self._far = None
        self._np_source = np_evaluators
        self._np = {}

    def float_evaluator(self, order):
        """numpy evaluator of sigma^(order) (as given; for sampling and directions only)."""
        if order not in self._np:
            src = self._np_source
            try:
                f = src(order) if callable(src) else src[order]
            except (IndexError, KeyError, TypeError):
                f = None
            if not callable(f):
                raise InvalidArgument(f"cell table {self.name!r}: no numpy evaluator of sigma^({order}) was given "
                                      "(np_evaluators)")
            self._np[order] = f
        return self._np[order]

    def far_bounds(self):
        """Per order j: the given bound B_j >= sup |sigma^(j)| as a float (inf when unknown; None-free)."""
        if self._far is None:
            src = self._far_source
            vals = src() if callable(src) else src
            self._far = _check_far_bounds(vals, self.name)
        return self._far

    def enclose(self, zlo, zhi):
        """[(lo, hi) of sigma, sigma', sigma''] over [zlo, zhi] (elementwise arrays); NaN or reversed input: the
        whole line."""
        zlo = np.asarray(zlo, dtype=float)
        zhi = np.asarray(zhi, dtype=float)
        shape = np.broadcast(zlo, zhi).shape
        zlo, zhi = np.broadcast_to(zlo, shape).ravel(), np.broadcast_to(zhi, shape).ravel()
        bad = ~(zlo <= zhi)
        ia = np.searchsorted(self.edges, zlo, side="right") - 1   # the cell holding zlo (-1: left of the table)
        ib = np.searchsorted(self.edges, zhi, side="left") - 1    # the cell holding zhi (N: right of the table)
        far = (ia < 0) | (ib >= self.N) | bad
        a = np.clip(ia, 0, self.N - 1)
        b = np.clip(ib, 0, self.N - 1)
        b = np.maximum(a, b)
        length = b - a + 1
        t = np.floor(np.log2(length)).astype(np.int64)
        t = np.where((1 << (t + 1)) <= length, t + 1, t)           # guard the float log2 at powers of two
        t = np.where((1 << t) > length, t - 1, t)
        ranges = []
        for j in range(4):
            lo = np.empty(len(a))
            hi = np.empty(len(a))
            for tt in np.unique(t):
                sel = t == tt
                L, H = self._lo[tt][j], self._hi[tt][j]
                a_s, b_s = a[sel], b[sel] - (1 << tt) + 1
                lo[sel] = np.minimum(L[a_s], L[b_s])
                hi[sel] = np.maximum(H[a_s], H[b_s])
            ranges.append((lo, hi))
        # Taylor form at the expansion point m of the first cell: sigma^(j)(m) + sigma^(j+1)(m) t + R t^2 / 2, with
        # t = z - m and R the range of sigma^(j+2) over the cells met (they hold every point between m and z)
        m = self.mid[a]
        t_lo, t_hi = _dn(zlo - m), _upr(zhi - m)
        sq_hi = _upr(np.maximum(t_lo * t_lo, t_hi * t_hi))
        sq_lo = np.where((t_lo > 0) | (t_hi < 0), _dn(np.minimum(t_lo * t_lo, t_hi * t_hi)), 0.0)
        out = []
        for j in range(3):
            lo, hi = ranges[j]
            if j in self.taylor:
                plo, phi = self.pt[0][j][a], self.pt[1][j][a]
                dlo, dhi = self.pt[0][j + 1][a], self.pt[1][j + 1][a]
                l1, h1 = imul(dlo, dhi, t_lo, t_hi)
                rlo, rhi = ranges[j + 2]
                l2, h2 = imul(rlo, rhi, sq_lo, sq_hi)
                tl = _dn(_dn(plo + l1) + _dn(l2 * 0.5))
                th = _upr(_upr(phi + h1) + _upr(h2 * 0.5))
                ok = ~far & np.isfinite(tl) & np.isfinite(th)
                lo = np.where(ok, np.maximum(lo, tl), lo)
                hi = np.where(ok, np.minimum(hi, th), hi)
            if far.any():
                B = self.far_bounds()[j]
                lo = np.where(far, np.minimum(lo, -B), lo)
                hi = np.where(far, np.maximum(hi, B), hi)
            lo = np.where(bad, -np.inf, lo)
            hi = np.where(bad, np.inf, hi)
            out.append((lo.reshape(shape), hi.reshape(shape)))
        return out


@dataclass(frozen=True)
class RidgeSum:
    r"""h(u) = const + sum_i c_i sigma(xt_i . u); every datum an outward float interval.

    ``table=None``: sigma is the logistic sigmoid (monotone table and Riccati identities); otherwise ``table`` is
    the :class:`CellTable` of the activation (any C^1 activation, given by its ball evaluators)."""

    xlo: np.ndarray  # n x p
    xhi: np.ndarray
    clo: np.ndarray  # n
    chi: np.ndarray
    const: tuple = (0.0, 0.0)
    activation: str = "sigmoid"
    table: object = None

    @property
    def p(self):
        return self.xlo.shape[1]

    def _float_act(self, Z, order):
        if self.table is None:
            s = 1 / (1 + np.exp(-Z))
            return s if order == 0 else s * (1 - s)
        f = self.table.float_evaluator(order)
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(f(Z), dtype=float), Z.shape)

    def h_float(self, U):
        """Float value of h (for sampling and the choice of directions only, never for a decision)."""
        x = (self.xlo + self.xhi) / 2
        c = (self.clo + self.chi) / 2
        return self._float_act(U @ x.T, 0) @ c + (self.const[0] + self.const[1]) / 2

    def grad_float(self, U):
        x = (self.xlo + self.xhi) / 2
        c = (self.clo + self.chi) / 2
        return (self._float_act(U @ x.T, 1) * c) @ x

    def _act_enclosures(self, zc_lo, zc_hi, zb_lo, zb_hi):
        """sigma at the centre and on the box, sigma' at both, sigma'' on the box (outward float intervals)."""
        if self.table is None:
            sc = sigma_interval(zc_lo, zc_hi)
            sb = sigma_interval(zb_lo, zb_hi)
            return sc, sb, dsigma_from_s(*sc), dsigma_from_s(*sb), d2sigma_from_s(*sb)
        (sc, dc, _), (sb, db, qb) = self.table.enclose(zc_lo, zc_hi), self.table.enclose(zb_lo, zb_hi)
        return sc, sb, dc, db, qb

    # -- interval pieces over a batch of boxes (centres C, half-widths Rh: N x p, exact dyadic floats) --------
    def _z(self, C, Rh):
        """z_i at the centre and over the box: N x n intervals."""
        a_lo, a_hi = imul(C[:, None, :], C[:, None, :], self.xlo[None], self.xhi[None])
        zc_lo, zc_hi = isum(a_lo, a_hi, axis=2)
        xabs = np.maximum(np.abs(self.xlo), np.abs(self.xhi))
        spread = _upr(Rh @ xabs.T)
        spread = _upr(spread * (1 + 4 * self.p * _U)) + _TINY * self.p
        return zc_lo, zc_hi, _dn(zc_lo - spread), _upr(zc_hi + spread)

    def evaluate(self, C, Rh, lev_lo, lev_hi=None):
        """For each box: (excluded: the level set misses it, resolved: |grad h| >= bound > 0 on it, bound,
        split dimension)."""
        n, p = self.xlo.shape
        zc_lo, zc_hi, zb_lo, zb_hi = self._z(C, Rh)
        (sc_lo, sc_hi), (sb_lo, sb_hi), (dc_lo, dc_hi), (db_lo, db_hi), (q_lo, q_hi) = \
            self._act_enclosures(zc_lo, zc_hi, zb_lo, zb_hi)
        clo, chi = self.clo[None], self.chi[None]
        # h(c) and the natural enclosure h(B)
        hc_lo, hc_hi = isum(*imul(sc_lo, sc_hi, clo, chi), axis=1)
        hb_lo, hb_hi = isum(*imul(sb_lo, sb_hi, clo, chi), axis=1)
        k0, k1 = self.const
        hc_lo, hc_hi = _dn(hc_lo + k0), _upr(hc_hi + k1)
        hb_lo, hb_hi = _dn(hb_lo + k0), _upr(hb_hi + k1)
        # grad h(B) = sum_i c_i sigma'(z_i(B)) xt_i  (N x p), and grad h(c)
        w_lo, w_hi = imul(db_lo, db_hi, clo, chi)                          # N x n
        gb_lo, gb_hi = isum(*imul(w_lo[:, :, None], w_hi[:, :, None], self.xlo[None], self.xhi[None]), axis=1)
        wc_lo, wc_hi = imul(dc_lo, dc_hi, clo, chi)
        gc_lo, gc_hi = isum(*imul(wc_lo[:, :, None], wc_hi[:, :, None], self.xlo[None], self.xhi[None]), axis=1)
        # centred form of h: h(c) + grad h(B) . [-rho, rho]
        t_lo, t_hi = imul(gb_lo, gb_hi, -Rh, Rh)
        s_lo, s_hi = isum(t_lo, t_hi, axis=1)
        cf_lo, cf_hi = _dn(hc_lo + s_lo), _upr(hc_hi + s_hi)
        h_lo, h_hi = np.maximum(hb_lo, cf_lo), np.minimum(hb_hi, cf_hi)
        lev_hi = lev_lo if lev_hi is None else lev_hi
        excluded = (h_lo > lev_hi) | (h_hi < lev_lo)
        # directional derivative e . grad h over the box, e = float grad h(c) (any vector would do)
        e = (gc_lo + gc_hi) / 2
        ok = np.isfinite(e).all(axis=1) & (np.abs(e).sum(axis=1) > 0)
        e = np.where(ok[:, None], e, 1.0)
        # scaled to max-norm 1 (any vector would do): e . grad h underflowed for |grad h| ~ 1e-270 (erf far out),
        # leaving such boxes undecided; the division is not part of the rigour (e is read exactly as it is)
        e = e / np.max(np.abs(e), axis=1, keepdims=True)
        # e . grad h(c)
        a_lo, a_hi = imul(gc_lo, gc_hi, e, e)
        ec_lo, _ = isum(a_lo, a_hi, axis=1)
        # natural: sum_i c_i sigma'(z_i(B)) (e . xt_i)
        ex_lo, ex_hi = isum(*imul(e[:, None, :], e[:, None, :], self.xlo[None], self.xhi[None]), axis=2)  # N x n
        nat_lo, _ = isum(*imul(w_lo, w_hi, ex_lo, ex_hi), axis=1)
        # first-order: e^T H(B) = sum_i c_i sigma''(z_i(B)) (e . xt_i) xt_i
        v_lo, v_hi = imul(*imul(q_lo, q_hi, clo, chi), ex_lo, ex_hi)      # N x n
        eh_lo, eh_hi = isum(*imul(v_lo[:, :, None], v_hi[:, :, None], self.xlo[None], self.xhi[None]), axis=1)
        m_lo, m_hi = imul(eh_lo, eh_hi, -Rh, Rh)
        fo_lo, _ = isum(m_lo, m_hi, axis=1)
        dir_lo = np.maximum(nat_lo, _dn(ec_lo + fo_lo))
        enorm = _upr(np.sqrt(_upr((e * e).sum(axis=1) * (1 + 4 * p * _U))))
        bound = np.where(dir_lo > 0, _dn(dir_lo / enorm), 0.0)
        resolved = ~excluded & (bound > 0)
        spread = np.maximum(np.abs(eh_lo), np.abs(eh_hi)) * Rh
        spread = np.where(np.isfinite(spread), spread, Rh)
        split = np.argmax(np.where(Rh > 0, spread + 1e-300 * Rh, -1.0), axis=1)
        return excluded, resolved, bound, split, (hc_lo + hc_hi) / 2


@dataclass(frozen=True)
class RidgeLevelCertificate:
    """Outcome of :func:`certify_ridge_level` (see the module docstring for what is certified)."""

    certified: bool
    beta_lower: float | None
    boxes: int
    level_set_empty: bool
    unresolved: int
    seconds: float
    box: list
    sampled_beta: float | None = None
    stopped: str = ""
    extra: dict = field(default_factory=dict)


def certify_ridge_level(rs: RidgeSum, level, half_width, *, centre=None, max_boxes: int = 2_000_000,
                        time_limit: float = 60.0, min_width: float = 2.0 ** -20, batch: int = 20000,
                        beta_target: float | None = None, refine_width: float = 2.0 ** -6,
                        progress=None) -> RidgeLevelCertificate:
    """Certify that ``level`` is a regular value of ``h`` on the box ``centre + [-half_width, half_width]^p``.

    ``half_width`` (and ``centre``) are rounded outward to dyadic floats (the certified box contains the asked one).
    Returns :class:`RidgeLevelCertificate`; ``certified`` only when every box was excluded or resolved.
    With ``beta_target``, resolved boxes whose bound is below it are bisected again (down to ``refine_width``) for a
    sharper certified beta; if the budget runs out meanwhile they keep the bound they already have (still valid).
    """
    t0 = time.perf_counter()
    p = rs.p
    R = _frac_interval(Fraction(half_width))[1]
    R = float(2.0 ** np.ceil(np.log2(R))) if R > 0 else 1.0  # a power of two: every bisection is exact
    c0 = np.zeros(p) if centre is None else np.array([float(v) for v in centre])
    lev_lo, lev_hi = _frac_interval(Fraction(level))
    C = c0[None, :].copy()
    Rh = np.full((1, p), R)
    pending = np.zeros(1)  # per queued box: a bound it already had (> 0) when re-split for refinement, else 0
    explored = 0
    beta = np.inf
    any_meet = False
    stopped = ""
    unresolved = 0
    while len(C):
        if explored >= max_boxes:
            stopped = f"box budget {max_boxes} spent"
            break
        if time.perf_counter() - t0 > time_limit:
            stopped = f"time limit {time_limit} s reached"
            break
        Cb, Rb = C[:batch], Rh[:batch]
        C, Rh = C[batch:], Rh[batch:]
        explored += len(Cb)
        # the level is an interval [lev_lo, lev_hi]: a box is excluded only if it misses all of it
        ex, res, bound, split, _ = rs.evaluate(Cb, Rb, lev_lo, lev_hi)
        pend = pending[:len(Cb)]
        pending = pending[len(Cb):]
        # a box re-split for a sharper beta keeps the bound it had: use it where its children are not better
        bound_keep = np.where(res, np.maximum(bound, pend), pend)  # both are valid on the box
        if beta_target is not None:
            wide = Rb.max(axis=1) > refine_width
            again = res & (bound_keep < beta_target) & wide
        else:
            again = np.zeros(len(Cb), dtype=bool)
        acc = (res | (pend > 0)) & ~ex & ~again
        if acc.any():
            any_meet = True
            beta = min(beta, float(bound_keep[acc].min()))
        todo = ~ex & ~acc
        if todo.any():
            Ct, Rt, st, bk = Cb[todo], Rb[todo].copy(), split[todo], bound_keep[todo]
            idx = np.arange(len(Ct))
            narrow = (Rt[idx, st] < min_width) & ~(bk > 0)
            if narrow.any():
                stopped = f"a box narrower than {min_width} is undecided (a critical point near the level?)"
                C = np.vstack([Ct, C])
                Rh = np.vstack([Rt, Rh])
                pending = np.concatenate([bk, pending])
                break
            Rt[idx, st] /= 2
            left, right = Ct.copy(), Ct.copy()
            left[idx, st] -= Rt[idx, st]
            right[idx, st] += Rt[idx, st]
            C = np.vstack([left, right, C])
            Rh = np.vstack([Rt, Rt, Rh])
            pending = np.concatenate([bk, bk, pending])
        if progress is not None:
            progress(explored, len(C))
    # boxes left in the queue: those already resolved before a refinement split keep their bound
    kept = pending > 0
    if kept.any():
        any_meet = True
        beta = min(beta, float(pending[kept].min()))
    unresolved += int((~kept).sum())
    ok = unresolved == 0
    box = [[float(c - R), float(c + R)] for c in c0]
    return RidgeLevelCertificate(certified=ok, beta_lower=(beta if any_meet else None) if ok else None,
                                 boxes=explored, level_set_empty=ok and not any_meet, unresolved=unresolved,
                                 seconds=time.perf_counter() - t0, box=box, stopped=stopped)
