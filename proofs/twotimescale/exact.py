r"""Exact (rational) population loss of the univariate two-timescale model (Marion & Berthier 2023).

For a piecewise-constant target with rational jumps and values, rational neuron positions ``u``, output weights
``a`` and width ``eta``, every quantity below is an exact :class:`fractions.Fraction`: between consecutive
breakpoints (the :math:`u_j`, :math:`u_j\pm\eta/2`, the jumps, 0 and 1) the network is a polynomial in x with rational
coefficients, so the integrals are computed from antiderivatives, with no quadrature and no rounding.

* :func:`exact_loss` :math:`L(a,u)=\frac12\int_0^1(f-f^*)^2`, :func:`exact_grad_u` its gradient in ``u``;
* :func:`exact_gram` (G, b, c) with :math:`L=\frac12a^TGa-a^Tb+\frac12c`, :func:`exact_min_loss` :math:`\min_aL(a,u)`
  from an exact solution of the normal equations :math:`Ga=b` (Gaussian elimination over the rationals; a
  singular G - coincident neurons - is consistent, any solution gives the minimum);
* :func:`exact_sharp_loss` :math:`\mathcal L_0(u)` and :func:`exact_sharp_grad` (the general formula
  :math:`\frac12[(f^*(u_j)-m_{j-1})^2-(f^*(u_j)-m_j)^2]`).

The polynomial arithmetic (coefficient lists of Fractions) is written by hand: it is a few lines, and sympy's
piecewise integration is orders of magnitude slower on these sizes. The bias is the frozen neuron at
:math:`u_0=-\eta/2` (its step equals 1 on [0, 1]).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from proofs.errors import InvalidArgument

__all__ = ["ExactTarget", "exact_loss", "exact_grad_u", "exact_gram", "exact_min_loss", "exact_sharp_loss",
           "exact_sharp_grad", "exact_floor", "solve_normal", "frac", "HALF_TAIL_INTEGRAL"]

#: :math:`\int_{-1/2}^{1/2}(\mathbf 1\{z>0\}-\sigma(z))^2dz` for the cubic step (proved by sympy in the D6 claim)
HALF_TAIL_INTEGRAL = Fraction(1, 28)


def frac(x) -> Fraction:
    """An exact rational from an int, a Fraction, a decimal string ("0.35", "7/20") or a float (its exact binary
    value: floats are exact rationals)."""
    if isinstance(x, bool):
        raise InvalidArgument(f"got {x!r}; valid is a number")
    try:
        return Fraction(x)
    except (TypeError, ValueError, ZeroDivisionError):
        raise InvalidArgument(f"got {x!r}; valid is a rational number (int, decimal string or 'p/q')") from None


@dataclass(frozen=True)
class ExactTarget:
    """Piecewise-constant target on [0, 1] with exact jumps ``v`` (strictly increasing inside (0, 1)) and K + 1
    ``values``."""

    v: tuple
    values: tuple

    def __post_init__(self):
        v = tuple(frac(x) for x in self.v)
        f = tuple(frac(x) for x in self.values)
        if len(f) != len(v) + 1:
            raise InvalidArgument(f"got {len(v)} jumps and {len(f)} values; valid is K jumps and K + 1 values")
        if v and (v[0] <= 0 or v[-1] >= 1 or any(b <= a for a, b in zip(v, v[1:]))):
            raise InvalidArgument("got jumps that are not strictly increasing inside (0, 1)")
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "values", f)

    @property
    def jumps(self):
        return tuple(b - a for a, b in zip(self.values, self.values[1:]))

    def at(self, x: Fraction) -> Fraction:
        """f*(x), right-continuous (the value right of a jump at x)."""
        k = sum(1 for t in self.v if t <= x)
        return self.values[k]

    def integral(self, lo: Fraction, hi: Fraction, power: int = 1) -> Fraction:
        """:math:`\\int_{lo}^{hi}(f^*)^{power}` over [lo, hi] ∩ [0, 1] (lo <= hi)."""
        edges = (Fraction(0),) + self.v + (Fraction(1),)
        s = Fraction(0)
        for k in range(len(self.values)):
            a, b = max(lo, edges[k]), min(hi, edges[k + 1])
            if b > a:
                s += (b - a) * self.values[k] ** power
        return s


# ---------------------------------------------------------------------------------------- polynomials in x
def _padd(p, q):
    n = max(len(p), len(q))
    return [(p[i] if i < len(p) else 0) + (q[i] if i < len(q) else 0) for i in range(n)]


def _pscale(p, c):
    return [c * x for x in p]


def _pmul(p, q):
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        if x:
            for j, y in enumerate(q):
                out[i + j] += x * y
    return out


def _pint(p, lo, hi):
    s = Fraction(0)
    for i, c in enumerate(p):
        if c:
            s += c * (hi ** (i + 1) - lo ** (i + 1)) / (i + 1)
    return s


def _pderiv(p):
    return [i * c for i, c in enumerate(p)][1:] or [Fraction(0)]


def _cube(c0, c1):
    """(c0 + c1 x)^3 as coefficients."""
    return [c0 ** 3, 3 * c0 ** 2 * c1, 3 * c0 * c1 ** 2, c1 ** 3]


def _sigma_poly(u, eta, lo, hi):
    """sigma_eta(x - u) on the piece [lo, hi] (no breakpoint of it inside) as a polynomial in x."""
    mid = (lo + hi) / 2
    z = (mid - u) / eta
    if z <= Fraction(-1, 2):
        return [Fraction(0)]
    if z >= Fraction(1, 2):
        return [Fraction(1)]
    if z <= 0:  # 4 ((x - u)/eta + 1/2)^3
        return _pscale(_cube(Fraction(1, 2) - u / eta, 1 / eta), 4)
    return _padd([Fraction(1)], _pscale(_cube(Fraction(1, 2) + u / eta, -1 / eta), -4))  # 1 - 4 (1/2 - (x-u)/eta)^3


def _prep(u, eta, target):
    u = [frac(x) for x in u]
    eta = frac(eta)
    if eta <= 0:
        raise InvalidArgument(f"got eta = {eta}; valid is a positive width")
    U = [-eta / 2] + u
    bp = {Fraction(0), Fraction(1)} | set(target.v)
    for x in u:
        bp |= {x, x - eta / 2, x + eta / 2}
    bp = sorted(b for b in bp if 0 <= b <= 1)
    pieces = []
    for lo, hi in zip(bp, bp[1:]):
        pieces.append((lo, hi, [_sigma_poly(x, eta, lo, hi) for x in U], target.at((lo + hi) / 2)))
    return u, eta, pieces


def exact_gram(u, eta, target: ExactTarget):
    """(G, b, c) exactly: G_jk = int phi_j phi_k, b_j = int phi_j f*, c = int f*^2, phi_0 the bias."""
    _, _, pieces = _prep(u, eta, target)
    n = len(u) + 1
    G = [[Fraction(0)] * n for _ in range(n)]
    b = [Fraction(0)] * n
    for lo, hi, phis, fs in pieces:
        for j in range(n):
            b[j] += fs * _pint(phis[j], lo, hi)
            for k in range(j, n):
                G[j][k] += _pint(_pmul(phis[j], phis[k]), lo, hi)
    for j in range(n):
        for k in range(j):
            G[j][k] = G[k][j]
    return G, b, target.integral(Fraction(0), Fraction(1), 2)


def _residual(a, pieces):
    out = []
    for lo, hi, phis, fs in pieces:
        r = [-fs]
        for aj, p in zip(a, phis):
            r = _padd(r, _pscale(p, aj))
        out.append((lo, hi, phis, r))
    return out


def exact_loss(a, u, eta, target: ExactTarget) -> Fraction:
    """L(a, u) = (1/2) int_0^1 (f - f*)^2, exactly."""
    u, eta, pieces = _prep(u, eta, target)
    a = [frac(x) for x in a]
    if len(a) != len(u) + 1:
        raise InvalidArgument(f"got {len(a)} output weights for {len(u)} neurons; valid is m + 1 (bias first)")
    return sum((_pint(_pmul(r, r), lo, hi) for lo, hi, _, r in _residual(a, pieces)), Fraction(0)) / 2


def exact_grad_u(a, u, eta, target: ExactTarget) -> list:
    """dL/du_j = -a_j int (f - f*) d/dx sigma_eta(x - u_j), exactly (sigma is C^1, so the piecewise formula is the
    derivative)."""
    u, eta, pieces = _prep(u, eta, target)
    a = [frac(x) for x in a]
    out = [Fraction(0)] * len(u)
    for lo, hi, phis, r in _residual(a, pieces):
        for j in range(len(u)):
            out[j] -= a[j + 1] * _pint(_pmul(r, _pderiv(phis[j + 1])), lo, hi)
    return out


def solve_normal(G, b):
    """A solution of G a = b over the rationals (Gaussian elimination; free variables set to 0). Raises
    ArithmeticError if the system is inconsistent (it never is for a Gram system)."""
    n = len(b)
    M = [list(row) + [rhs] for row, rhs in zip(G, b)]
    piv_cols, r = [], 0
    for c in range(n):
        p = next((i for i in range(r, n) if M[i][c] != 0), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        inv = 1 / M[r][c]
        M[r] = [x * inv for x in M[r]]
        for i in range(n):
            if i != r and M[i][c] != 0:
                f = M[i][c]
                M[i] = [x - f * y for x, y in zip(M[i], M[r])]
        piv_cols.append(c)
        r += 1
    if any(M[i][n] != 0 for i in range(r, n)):
        raise ArithmeticError("inconsistent normal equations")
    a = [Fraction(0)] * n
    for i, c in enumerate(piv_cols):
        a[c] = M[i][n]
    return a


def exact_min_loss(u, eta, target: ExactTarget):
    """(min_a L(a, u), a*) exactly: L(a*) = (c - b.a*) / 2 for a solution of the normal equations."""
    G, b, c = exact_gram(u, eta, target)
    a = solve_normal(G, b)
    return (c - sum(x * y for x, y in zip(b, a))) / 2, a


def _edges(u):
    return [Fraction(0)] + sorted(min(max(frac(x), Fraction(0)), Fraction(1)) for x in u) + [Fraction(1)]


def exact_sharp_loss(u, target: ExactTarget) -> Fraction:
    """L0(u) = (1/2) sum_j [int_{I_j} f*^2 - (int_{I_j} f*)^2 / |I_j|] over the intervals between neurons."""
    p = _edges(u)
    s = Fraction(0)
    for lo, hi in zip(p, p[1:]):
        if hi > lo:
            s += target.integral(lo, hi, 2) - target.integral(lo, hi) ** 2 / (hi - lo)
    return s / 2


def exact_sharp_grad(u, target: ExactTarget) -> list:
    """dL0/du_j by the general formula, for sorted distinct ``u`` strictly inside (0, 1) and off the jumps."""
    u = [frac(x) for x in u]
    if any(b <= a for a, b in zip(u, u[1:])) or not all(0 < x < 1 for x in u):
        raise InvalidArgument("got positions that are not strictly increasing inside (0, 1)")
    if any(x in target.v for x in u):
        raise InvalidArgument("got a neuron exactly on a jump: L0 has only one-sided derivatives there")
    p = _edges(u)
    means = [target.integral(lo, hi) / (hi - lo) for lo, hi in zip(p, p[1:])]
    out = []
    for j, x in enumerate(u):
        g = target.at(x)
        out.append(((g - means[j]) ** 2 - (g - means[j + 1]) ** 2) / 2)
    return out


def exact_floor(target: ExactTarget, eta) -> Fraction:
    """sum_i jump_i^2 eta / 56: the loss of one neuron exactly on each jump with a_j = jump (windows inside [0, 1],
    disjoint)."""
    return sum((d * d for d in target.jumps), Fraction(0)) * frac(eta) * HALF_TAIL_INTEGRAL / 2
