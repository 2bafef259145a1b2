r"""Rigorous enclosures of the correlation function :math:`\Psi_\mu` and its gradient on boxes (python-flint balls).

MATH.md §1b A.1: :math:`\Psi_\mu(u)=\frac1n\sum_i r_i\,g(u,x_i)^\top` (a :math:`k\times q` matrix) with residual
:math:`r_i=f_\mu(x_i)-y_i`. The evaluators are generated from the model's sympy source (``model.compile(..., "arb")``),
so an enclosure here is an enclosure of the same formula the rest of the toolkit uses.

What is certified: every function here returns balls that contain the exact value (or range over a box) for the
exact inputs (decimal strings and Fractions are read exactly; residuals are enclosed, not rounded). Suprema come from
:mod:`numerics.certified.bnb` (certified lower bound at a concrete point, certified upper bound over the box).

* :class:`PsiEnclosure` — :math:`\Psi` and :math:`\nabla_u\Psi` over a box of inner parameters, and
  :math:`|\Psi|_F^2` with its gradient (smooth, so the mean-value form applies).
* :func:`sup_abs_psi_box` — certified bounds of :math:`\sup_{u\in B}|\Psi_\mu(u)|_F` on a box ``B``.
* :func:`certify_regular_level` — MATH.md §3.9 E2: certify that :math:`\nabla h` has no zero on the level set
  :math:`\{h=\ell\}` inside a box, with a certified lower bound of :math:`\min|\nabla h|` there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from numerics.certified.bnb import BnbResult, as_fraction, ball_of, maximize
from numerics.balls import to_arb
from numerics.particles import _as_backend, residual

__all__ = ["PsiEnclosure", "sup_abs_psi_box", "certify_regular_level", "LevelSetCertificate", "arb_to_fraction",
           "arb_str"]


def arb_to_fraction(x) -> Fraction:
    """The exact midpoint of a ball as a Fraction."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m) * Fraction(2) ** e if e >= 0 else Fraction(m, 2 ** (-e))


def arb_str(x, digits: int = 20) -> str:
    """A ball as ``"[lower, upper]"``, both ends rounded outward (:func:`numerics.certified.precision.outward_decimal`)."""
    from numerics.certified.precision import enclosure_decimal

    lo, hi = enclosure_decimal(x, digits)
    return f"[{lo}, {hi}]"


class PsiEnclosure:
    """Ball evaluation of :math:`\\Psi_\\mu` over boxes of inner parameters (MATH.md §1b A.1).

    Parameters
    ----------
    model, mu, data : a model (the protocol of :mod:`numerics.particles`, e.g. a :mod:`proofs.symbolic.models`
        model), a :class:`numerics.particles.Measure`, a :class:`numerics.particles.Dataset` with targets.
    r : optional precomputed residual balls (n x k); by default enclosed with :func:`numerics.particles.residual` on the
        ``"arb"`` backend at the caller's python-flint precision.
    """

    def __init__(self, model, mu, data, *, r=None):
        self.model = model
        self.n = data.n
        self.k, self.q, self.p_u = model.k, model.q, model.p_u
        self.r = residual(model, mu, data, "arb") if r is None else r
        self.X = _as_backend(data.X, "arb", 2)
        self._g = model.compile("g", "arb")
        self._dg = model.compile("dg", "arb")

    # -- Psi and its gradient -----------------------------------------------------------------------------------
    def psi(self, u):
        """Psi over the box ``u`` (one ball per inner coordinate): list of k*q balls, row-major (c, qq)."""
        from flint import arb

        k, q = self.k, self.q
        acc = [arb(0)] * (k * q)
        for ri, xi in zip(self.r, self.X):
            gv = self._g(*u, *xi)
            for c in range(k):
                for qq in range(q):
                    acc[c * q + qq] = acc[c * q + qq] + ri[c] * gv[qq]
        return [v / self.n for v in acc]

    def dpsi(self, u):
        """Jacobian of Psi in u over the box: (k*q) x p_u balls."""
        from flint import arb

        k, q, pu = self.k, self.q, self.p_u
        acc = [[arb(0)] * pu for _ in range(k * q)]
        for ri, xi in zip(self.r, self.X):
            J = self._dg(*u, *xi)
            for c in range(k):
                for qq in range(q):
                    row = acc[c * q + qq]
                    for t in range(pu):
                        row[t] = row[t] + ri[c] * J[qq * pu + t]
        return [[v / self.n for v in row] for row in acc]

    def psi_and_dpsi(self, u):
        return self.psi(u), self.dpsi(u)

    def norm2(self, u):
        """|Psi|_F^2 over the box."""
        from flint import arb

        s = arb(0)
        for v in self.psi(u):
            s = s + v * v
        return s

    def grad_norm2(self, u):
        """Gradient of |Psi|_F^2 = 2 sum_c Psi_c grad Psi_c over the box."""
        from flint import arb

        P, J = self.psi(u), self.dpsi(u)
        out = [arb(0)] * self.p_u
        for pc, row in zip(P, J):
            for t in range(self.p_u):
                out[t] = out[t] + 2 * pc * row[t]
        return out

    def h(self, a_hat):
        """(h, grad_h) on balls for :math:`h(u)=\\langle\\hat a,\\Psi(u)\\rangle` (MATH.md §1b A.2), a_hat exact."""
        a = [to_arb(v) for v in a_hat]

        def h(u):
            return sum((ai * pi for ai, pi in zip(a, self.psi(u))), to_arb(0))

        def grad_h(u):
            J = self.dpsi(u)
            return [sum((ai * J[c][t] for c, ai in enumerate(a)), to_arb(0)) for t in range(self.p_u)]

        return h, grad_h


def sup_abs_psi_box(enc: PsiEnclosure, box, *, tol="1e-12", max_boxes=20000, time_limit=None) -> dict:
    """Certified bounds of :math:`\\sup_{u\\in B}|\\Psi_\\mu(u)|_F` over a box (branch-and-bound on |Psi|^2).

    The search runs on :math:`|\\Psi|_F^2` with the mean-value form (its gradient is enclosed too); bounds of the
    supremum of :math:`|\\Psi|_F` are the square roots. Returns ``{"lower": arb, "upper": arb, "argmax": [Fraction],
    "bnb": BnbResult}`` where ``lower`` is :math:`|\\Psi(u^*)|_F` at a concrete point (certified
    ``lower.lower() <= sup``) and ``upper`` an exact certified upper bound.
    """
    from flint import arb

    res: BnbResult = maximize(enc.norm2, box, tol=tol, max_boxes=max_boxes, grad=enc.grad_norm2,
                              time_limit=time_limit)
    lo2 = res.lower
    lower = lo2.max(arb(0)).sqrt() if lo2.is_finite() else arb("nan")
    upper = res.upper.max(arb(0)).sqrt() if res.upper.is_finite() else arb("inf")
    return {"lower": lower, "upper": upper.upper() if upper.is_finite() else upper, "argmax": res.argmax,
            "bnb": res}


@dataclass(frozen=True)
class LevelSetCertificate:
    """Outcome of :func:`certify_regular_level` (MATH.md §3.9 E2).

    ``certified`` is True only when every part of the box was shown either to miss the level set (h enclosure
    excludes the level) or to have a gradient component bounded away from 0; ``beta_lower`` is then a certified
    lower bound of :math:`\\min_{\\{h=\\ell\\}\\cap B}|\\nabla h|` (``None`` when the level set misses the box).
    """

    certified: bool
    beta_lower: object
    boxes: int
    unresolved: list = field(default_factory=list)
    level_set_empty: bool = False
    seconds: float = 0.0


def certify_regular_level(h, grad_h, box, level, *, max_boxes=20000, min_width="1e-12",
                          beta_target=None) -> LevelSetCertificate:
    """Certify that :math:`\\nabla h\\ne0` on :math:`\\{h=\\ell\\}\\cap B` by bisection on balls (MATH.md §3.9 E2).

    A box is discarded when :math:`h(B)` excludes ``level`` (no point of the level set in it) and resolved when the
    enclosure of :math:`|\\nabla h|^2` over it is bounded away from 0; otherwise it is bisected along its widest side.
    With ``beta_target``, boxes meeting the level set whose gradient bound is below the target are bisected further
    (a sharper certified ``beta``; they are accepted with the bound they have once narrower than ``min_width``).
    Boxes narrower than ``min_width`` that stay undecided are reported in ``unresolved`` (then ``certified`` is
    False: there may be a critical point on the level set, or the enclosures are too wide; raise the precision).
    """
    from flint import arb

    t0 = time.perf_counter()
    lvl = ball_of(level, level)
    minw = as_fraction(min_width)
    stack = [[(as_fraction(a), as_fraction(b)) for a, b in box]]
    beta = None
    boxes = 0
    unresolved = []
    while stack:
        if boxes >= max_boxes:
            unresolved.extend(stack)
            break
        bx = stack.pop()
        boxes += 1
        balls = [ball_of(a, b) for a, b in bx]
        hv = h(balls)
        if hv.is_finite() and not (hv - lvl).contains(0):
            continue
        g = grad_h(balls)
        n2 = sum((gi * gi for gi in g), arb(0))
        widths = [b - a for a, b in bx]
        j = max(range(len(bx)), key=lambda i: widths[i])
        if n2.is_finite() and n2 > 0:
            lb = n2.lower().max(arb(0)).sqrt().lower()
            if beta_target is None or lb >= ball_of(beta_target, beta_target) or widths[j] < minw:
                beta = lb if beta is None or lb < beta else beta
                continue
        elif widths[j] < minw:
            unresolved.append(bx)
            continue
        a, b = bx[j]
        mid = (a + b) / 2
        for half in ((a, mid), (mid, b)):
            child = list(bx)
            child[j] = half
            stack.append(child)
    ok = not unresolved
    # "empty" only when every box was excluded by the enclosure of h (no box kept for its gradient)
    return LevelSetCertificate(certified=ok, beta_lower=beta if ok else None, boxes=boxes, unresolved=unresolved,
                               level_set_empty=ok and beta is None, seconds=time.perf_counter() - t0)
