r"""Instability of non-global stationary measures of softmax attention heads, simulated with the particle-flow
engine.

The model (mean-field attention, the reconstructed setting of the 2026 paper [I]): tokens
:math:`X\in\mathbb R^{L\times p}` with query the last token :math:`x_q`; a head is a particle :math:`(a,A)` with
linear output weight :math:`a\in\mathbb R^{k\times p}` (the head's block of :math:`W_O`) and inner parameter
:math:`A\in\mathbb R^{p\times p}`;
feature :math:`g(A,X)=X^\top\mathrm{softmax}(XA^\top x_q)`, predictor :math:`f_\mu=\sum_jp_ja_jg(A_j,\cdot)` (an
MHA layer is the mean-field average of its heads). Correlation :math:`\Psi(A)=\frac1n\sum_ir_i\,g(A,X_i)^\top`
(:math:`k\times p`), :math:`h(\hat a,A)=\langle\hat a,\Psi(A)\rangle_F`.

The mathematics (derived, [D]): with :math:`\Psi` frozen, :math:`|a|'=-h`, and :math:`h` is non-increasing along the
flow, so :math:`E_\epsilon=\{h<-\epsilon\}` is forward invariant and :math:`|a|` grows at rate at least
:math:`\epsilon` inside it. Along rays :math:`A=tA_0` the softmax tends to the uniform law on the maximising keys
(hardmax), so :math:`\Psi(tA_0)` tends to :math:`\Psi_\infty(A_0)`, the residual-weighted average of the winning
tokens; the best direction at infinity is :math:`\hat a=-\Psi_\infty/|\Psi_\infty|`, where :math:`h\to-|\Psi_\infty|`.

What this module does:

* :func:`designed_attention`: an **exactly** stationary, non-global measure by inverse design: ``m`` heads at
  :math:`A=0` (where the softmax is uniform and every feature value and derivative is rational), rational tokens and
  output weights, targets :math:`y=f_\mu-r` with :math:`r` in the exact null space of the linear stationarity
  constraints (python-flint integer null space of a closed form of :math:`g(0,X)` and :math:`\partial_Ag(0,X)`,
  hand-written because those derivatives at 0 are simple covariances).
* :func:`exact_stationarity`: stationarity re-checked **exactly** from the model's own sympy features (rational
  arithmetic, not the closed form used for the design, not floats).
* :func:`best_direction`: the best escaping direction at infinity: for :math:`p^2\le9` the open argmax cells of the
  score arrangement are enumerated exactly (:mod:`numerics.certified.hardmax`) and the limit of every cell is a
  python-flint ball (``direction_source`` says "certified hardmax cells"); otherwise sampled rational directions
  (limits still in balls, but the choice of directions is a sample: ``direction_source`` says so). A max-margin
  direction inside the best cell (scipy ``linprog``; the argmax pattern re-checked exactly) is where the runs start.
  The interior is searched by multistart (float64, scipy), and ``location`` compares both; for attention no
  certified upper bound of :math:`S` exists here, so ``location_certified`` is always False.
* :func:`escape_run` / :func:`escape_experiment`: a head of small mass added at :math:`A_0=t_0\hat A` with
  :math:`a_0=\epsilon\hat a_0`, :math:`\hat a_0=-\Psi(A_0)/|\Psi(A_0)|`, frozen field (probe mass
  :data:`FROZEN_MASS`, the stationary heads held in place) and with feedback (the whole measure moves), near
  infinity and in the compact part: loss, :math:`|a|` and its fitted rate against the predicted
  :math:`-h(\hat a_0,A_0)=|\Psi(A_0)|`, :math:`|A|` (its outward drift), :math:`h` along the run.
* :func:`plot_escape`: three panels through :mod:`proofs.style`.

Every simulated number is float64 evidence (``numerical: true``, scope ``instance``); the exact statements are the
stationarity check and the ball limits of the diagnostics.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from proofs.errors import InvalidArgument
from proofs.experiments.instability import FROZEN_MASS, fit_rate

__all__ = ["AttentionInstance", "designed_attention", "exact_stationarity", "psi_points", "hardmax_limit_float",
           "best_direction", "max_margin_direction", "interior_search", "escape_run", "escape_experiment",
           "plot_escape", "FROZEN_MASS"]

#: the largest p*p for which the argmax cells are enumerated exactly (numerics.certified.hardmax)
MAX_CELL_DIM = 9


@dataclass
class AttentionInstance:
    r"""Heads (``a`` (m, k, p), ``u`` (m, p*p): :math:`A` row-major, ``mass`` (m)) on tokens ``X`` (n, L, p) with
    targets ``Y`` (n, k), float64 views; ``problem``: the exact :class:`~proofs.problem.Problem` (flat token rows
    of L*p rationals), ``Xq``/``Rq``: the exact tokens and residual (Fractions)."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    a: np.ndarray
    u: np.ndarray
    mass: np.ndarray
    problem: object = None
    Xq: list = None
    Rq: list = None
    exact: bool = False
    info: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def L(self) -> int:
        return self.X.shape[1]

    @property
    def p(self) -> int:
        return self.X.shape[2]

    @property
    def k(self) -> int:
        return self.Y.shape[1]

    def field(self, extra_mass=()):
        """The engine's attention field of this measure plus heads of the given masses (appended last)."""
        from numerics.dynamics import AttentionField

        mass = np.concatenate([self.mass, np.asarray(extra_mass, dtype=np.float64)])
        return AttentionField(self.X, self.Y, mass=mass)

    def residual(self) -> np.ndarray:
        """:math:`f_\\mu(X_i)-y_i`, (n, k), float64 (the engine's predictor)."""
        return np.asarray(self.field().predict(self.a, self.u)) - self.Y


def _rat(rng, scale=1.0, digits=2):
    return Fraction(round(rng.gauss(0.0, scale) * 10 ** digits), 10 ** digits)


def _fstr(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _features_at_zero(tok):
    r"""Closed form at :math:`A=0` for one sample (tokens ``tok``, L x p Fractions): :math:`g(0,X)=\bar x` (the token
    mean) and :math:`\partial g_t/\partial A_{ab}=x_{q,a}\,C_{tb}` with :math:`C` the token covariance
    :math:`\frac1L\sum_lx_lx_l^\top-\bar x\bar x^\top` (softmax derivative at equal scores:
    :math:`\frac1L(\delta-\frac1L)`)."""
    L, p = len(tok), len(tok[0])
    xbar = [sum((tok[l][t] for l in range(L)), Fraction(0)) / L for t in range(p)]
    C = [[sum(((tok[l][t] - xbar[t]) * tok[l][b] for l in range(L)), Fraction(0)) / L for b in range(p)]
         for t in range(p)]
    xq = tok[-1]
    return xbar, [[[xq[a_] * C[t][b] for b in range(p)] for a_ in range(p)] for t in range(p)]  # dg[t][a][b]


def _int_row(row):
    den = 1
    for v in row:
        den = den * v.denominator // math.gcd(den, v.denominator)
    return [int(v * den) for v in row]


def designed_attention(*, k: int = 2, p: int = 2, L: int = 3, n: int = 12, m: int = 2, seed: int = 0,
                       scale: str = "1/2") -> AttentionInstance:
    r"""An exactly stationary, non-global attention measure by inverse design (exact rationals).

    ``m`` heads at :math:`A=0` with rational output weights (1 decimal), ``n`` samples of ``L`` rational tokens in
    :math:`\mathbb R^p` (2 decimals, seeded). Stationarity is linear in the residual :math:`r` (n x k):
    :math:`\Psi(0)=\frac1n\sum_ir_i\bar x_i^\top=0` (k p equations) and, for every head,
    :math:`\partial_{A_{ab}}\langle a_j,\Psi\rangle(0)=\frac1n\sum_{i,c,t}a_{j,ct}\,r_{ic}\,x_{q,ia}C_{i,tb}=0`
    (p^2 equations). A seeded integer combination of an exact null-space basis (python-flint ``fmpz_mat``), scaled
    so that :math:`\max|r_{ic}|=` ``scale``, gives the targets :math:`y=f_\mu-r`. Non-global as soon as
    :math:`\Psi\not\equiv0`: certified by the ball limits of :func:`best_direction`.
    """
    import flint

    from proofs.problem import Problem
    from proofs.problem.measure import Dataset, Measure
    from proofs.symbolic.models import get_model

    for nm, v, lo, hi in (("k", k, 1, 6), ("p", p, 1, 4), ("L", L, 2, 6), ("n", n, 2, 200), ("m (heads)", m, 1, 20)):
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise InvalidArgument(f"got {nm}={v!r}; valid is an integer in [{lo}, {hi}]")
    try:
        c_scale = Fraction(scale)
    except (TypeError, ValueError, ZeroDivisionError):
        raise InvalidArgument(f"scale must be a positive rational such as '1/2', got {scale!r}") from None
    if c_scale <= 0:
        raise InvalidArgument(f"scale must be positive, got {scale!r}")
    need = k * p + m * p * p
    if n * k <= need:
        raise InvalidArgument(f"got n={n}: the stationarity constraints ({need}) leave no residual in R^(n k) = "
                              f"R^{n * k}; valid is n*k > k*p + m*p^2 = {need}")
    rng = random.Random(seed)
    toks = [[[_rat(rng) for _ in range(p)] for _ in range(L)] for _ in range(n)]
    a = [[[_rat(rng, 1.0, 1) for _ in range(p)] for _ in range(k)] for _ in range(m)]
    feats = [_features_at_zero(t) for t in toks]
    rows = []
    for c in range(k):  # Psi(0)_{c t} = 0
        for t in range(p):
            row = [Fraction(0)] * (n * k)
            for i in range(n):
                row[i * k + c] = feats[i][0][t]
            rows.append(row)
    for j in range(m):  # d/dA_ab <a_j, Psi>(0) = 0
        for a_ in range(p):
            for b in range(p):
                row = [Fraction(0)] * (n * k)
                for i in range(n):
                    dg = feats[i][1]
                    for c in range(k):
                        row[i * k + c] = sum((a[j][c][t] * dg[t][a_][b] for t in range(p)), Fraction(0))
                rows.append(row)
    Nul, nul = flint.fmpz_mat([_int_row(r) for r in rows]).nullspace()
    if nul == 0:
        raise InvalidArgument(f"the stationarity constraints have only the zero residual for n={n}; add samples")
    coef = [rng.choice([-3, -2, -1, 1, 2, 3]) for _ in range(nul)]
    r = [sum((Fraction(int(Nul[i, col])) * coef[col] for col in range(nul)), Fraction(0)) for i in range(n * k)]
    top = max(abs(v) for v in r)
    if top == 0:
        raise InvalidArgument("the seeded null-space combination is zero; try another seed")
    r = [v / top * c_scale for v in r]
    mass = [Fraction(1, m)] * m
    f = [[sum((mass[j] * a[j][c][t] * feats[i][0][t] for j in range(m) for t in range(p)), Fraction(0))
          for c in range(k)] for i in range(n)]
    R = [[r[i * k + c] for c in range(k)] for i in range(n)]
    Y = [[f[i][c] - R[i][c] for c in range(k)] for i in range(n)]
    model = get_model("attention", k=k, p=p, L=L)
    flat = [[_fstr(v) for tk in t for v in tk] for t in toks]
    mu = Measure(a=[[[_fstr(v) for v in row] for row in aj] for aj in a], u=[["0"] * (p * p) for _ in range(m)],
                 mass=[_fstr(v) for v in mass])
    problem = Problem(model, Dataset(X=flat, Y=[[_fstr(v) for v in row] for row in Y]), mu)
    fl = lambda arr: np.asarray(arr, dtype=object).astype(np.float64)  # noqa: E731
    return AttentionInstance(
        name=f"inverse design: m={m} heads at A=0, k={k}, p={p}, L={L}, n={n}, seed={seed}",
        X=fl(toks), Y=fl(Y), a=fl(a), u=np.zeros((m, p * p)), mass=np.full(m, 1.0 / m), problem=problem,
        Xq=[[v for tk in t for v in tk] for t in toks], Rq=R, exact=True,
        info={"kind": "inverse design", "null_dim": int(nul), "scale": scale, "seed": seed,
              "constraints": len(rows)})


def _exact_features(model, uj, X):
    r"""The model's own sympy features :math:`g(u_j,x_i)` (q values) and Jacobians :math:`\partial_ug` (q*p_u values,
    row-major) at one inner point, for every input row, as Fractions: the point is substituted first, the named
    functions rewritten into exp (:func:`proofs.symbolic.functions.to_elementary`), then each input row; a value
    that is not rational (an exp of a non-zero score) is an InvalidArgument."""
    import sympy as sp

    from proofs.symbolic.functions import to_elementary

    us = dict(zip(model.u_syms, (sp.Rational(str(v)) for v in uj)))
    exprs = list(model.g) + [sp.diff(gi, sym) for gi in model.g for sym in model.u_syms]
    at_u = [to_elementary(e.subs(us)) for e in exprs]
    out = []
    for xi in X:
        xs = dict(zip(model.x_syms, (sp.Rational(str(v)) for v in xi)))
        vals = [e.xreplace(xs) for e in at_u]
        for v in vals:
            if not v.is_Rational:
                raise InvalidArgument(f"the feature takes the non-rational value {sp.sstr(v)[:60]} at u = {uj}; "
                                      "the exact check needs heads where every value is rational (e.g. A = 0)")
        out.append([Fraction(int(v.p), int(v.q)) for v in vals])
    q = len(model.g)
    return [row[:q] for row in out], [row[q:] for row in out]


def exact_stationarity(inst: AttentionInstance) -> dict:
    r"""Stationarity of the designed measure re-checked in exact rational arithmetic from the model's own sympy
    features and their derivatives (not the closed form used for the design, not floats):
    :math:`\Psi(A_j)=0` and :math:`\nabla_A\langle a_j,\Psi\rangle(A_j)=0` for every head, with the residual computed
    exactly from the targets. Returns ``{"exact": True, "stationary": bool, "max_abs": Fraction,
    "heads_checked": m, "residual_nonzero": bool, "method"}``; one evaluation per distinct head position."""
    if inst.problem is None:
        raise InvalidArgument("exact_stationarity needs an exact instance (designed_attention)")
    P = inst.problem
    model, mu = P.model, P.mu
    k, q, pu, n = model.k, model.q, model.p_u, len(P.data.X)
    A = [[[Fraction(str(v)) for v in row] for row in aj] for aj in mu.a]
    mass = [Fraction(str(v)) for v in mu.mass]
    by_u = {}
    for j, uj in enumerate(mu.u):
        by_u.setdefault(tuple(str(v) for v in uj), []).append(j)
    cache = {key: _exact_features(model, key, P.data.X) for key in by_u}
    # exact residual from the model's own features
    f = [[Fraction(0)] * k for _ in range(n)]
    for key, js in by_u.items():
        G = cache[key][0]
        for j in js:
            for i in range(n):
                for c in range(k):
                    f[i][c] += mass[j] * sum((A[j][c][t] * G[i][t] for t in range(q)), Fraction(0))
    r = [[f[i][c] - Fraction(str(P.data.Y[i][c])) for c in range(k)] for i in range(n)]
    worst = Fraction(0)
    for key, js in by_u.items():
        G, J = cache[key]
        for c in range(k):
            for t in range(q):
                worst = max(worst, abs(sum((r[i][c] * G[i][t] for i in range(n)), Fraction(0)) / n))
        for j in js:
            for s in range(pu):
                v = sum((A[j][c][t] * r[i][c] * J[i][t * pu + s] for i in range(n) for c in range(k)
                         for t in range(q)), Fraction(0)) / n
                worst = max(worst, abs(v))
    nonzero = any(v != 0 for row in r for v in row)
    return {"exact": True, "stationary": worst == 0, "max_abs": worst, "heads_checked": len(mu.u),
            "residual_nonzero": nonzero, "method": "exact rationals from the model's sympy features"}


def psi_points(inst: AttentionInstance, U) -> np.ndarray:
    r""":math:`\Psi_{\mu}(A)` at the rows of ``U`` (N, p*p; :math:`A` row-major), shape (N, k, p): the engine's
    field with the points as heads of zero output weight (they do not change the predictor), :math:`a'=-\Psi`."""
    U = np.atleast_2d(np.asarray(U, dtype=np.float64))
    if U.shape[1] != inst.p * inst.p:
        raise InvalidArgument(f"points must have p*p = {inst.p * inst.p} entries, got {U.shape[1]}")
    N = len(U)
    fld = inst.field(np.ones(N))
    a = np.concatenate([inst.a, np.zeros((N, inst.k, inst.p))])
    u = np.concatenate([inst.u, U])
    va, _, _ = fld.evaluate(a, u)
    return -np.asarray(va[len(inst.u):])


def hardmax_limit_float(inst: AttentionInstance, A0) -> np.ndarray:
    r"""The hardmax limit :math:`\lim_{t\to\infty}\Psi(tA_0)` in float64 (k, p): per sample the average of the tokens
    whose score :math:`x_q^\top A_0x_l` is maximal (ties within 1e-12 relative averaged)."""
    A0 = np.asarray(A0, dtype=np.float64).reshape(inst.p, inst.p)
    xq = inst.X[:, -1, :]
    sc = np.einsum("na,ab,nlb->nl", xq, A0, inst.X)
    top = sc.max(axis=1, keepdims=True)
    win = sc >= top - 1e-12 * np.maximum(1.0, np.abs(top))
    g = (win[:, :, None] * inst.X).sum(axis=1) / win.sum(axis=1, keepdims=True)
    return (inst.residual().T @ g) / inst.n


def _patterns_exact(inst, A0):
    """The exact argmax set of every sample along t A0 (A0 rational, row-major): the keys l maximising the score
    x_q^T A0 x_l, computed in Fractions."""
    p, L = inst.p, inst.L
    out = []
    for row in inst.Xq:
        toks = [row[l * p:(l + 1) * p] for l in range(L)]
        xq = toks[-1]
        sc = [sum((xq[a] * A0[a * p + b] * toks[l][b] for a in range(p) for b in range(p)), Fraction(0))
              for l in range(L)]
        top = max(sc)
        out.append(tuple(l for l in range(L) if sc[l] == top))
    return out


def max_margin_direction(inst: AttentionInstance, winners) -> tuple:
    r"""A direction :math:`\hat A` (unit Frobenius norm) with the argmax pattern ``winners`` (one token per sample)
    and the largest score gap :math:`s=\min_i\min_{l\ne l_i}x_{q,i}^\top\hat A(x_{i,l_i}-x_{i,l})` under
    :math:`|A|_\infty\le1` (a linear programme, scipy ``linprog``); then every softmax weight of a losing token is
    at most :math:`e^{-ts}` along :math:`t\hat A`. The direction is rounded to rationals and its pattern re-checked
    exactly. Returns ``(A_hat float (p*p,), A_rational (list of Fractions), margin)``; InvalidArgument when no
    direction has a positive gap."""
    from scipy.optimize import linprog

    p, L = inst.p, inst.L
    D = p * p
    rows = []
    for i, w in enumerate(winners):
        xq = inst.X[i, -1]
        for l in range(L):
            if l != w:
                diff = inst.X[i, w] - inst.X[i, l]
                rows.append(np.outer(xq, diff).ravel())  # <A, x_q (x_w - x_l)^T>_F
    G = np.asarray(rows)
    A_ub = np.hstack([-G, np.ones((len(G), 1))])
    res = linprog(np.r_[np.zeros(D), -1.0], A_ub=A_ub, b_ub=np.zeros(len(G)), bounds=[(-1, 1)] * D + [(None, 1)],
                  method="highs")
    if not res.success or res.x[-1] <= 1e-12:
        raise InvalidArgument("the argmax pattern has no direction with a positive score gap")
    Aq = [Fraction(round(v * 10 ** 6), 10 ** 6) for v in res.x[:D]]
    if [pat[0] for pat in _patterns_exact(inst, Aq)] != list(winners) or any(
            len(pat) != 1 for pat in _patterns_exact(inst, Aq)):
        raise InvalidArgument("the rounded max-margin direction left its argmax cell (exact check); refine")
    Af = np.asarray([float(v) for v in Aq])
    nrm = float(np.linalg.norm(Af))
    gap = float(np.min(G @ Af)) / nrm
    return Af / nrm, Aq, gap


def _ball_limit(inst, Aq):
    from numerics.certified.bnb import point_ball
    from numerics.certified.hardmax import hardmax_limit

    r = [[point_ball(v) for v in row] for row in inst.Rq]
    vec = hardmax_limit(inst.Xq, r, Aq, inst.p, inst.L, inst.k)
    s = sum((v * v for v in vec), vec[0] * 0)
    return vec, s.sqrt()


def interior_search(inst: AttentionInstance, *, starts: int = 24, radius: float = 3.0, seed: int = 0) -> dict:
    r"""Multistart search of :math:`\sup_A|\Psi(A)|_F` over finite :math:`A` (scipy L-BFGS-B on the box
    :math:`|A_{ab}|\le` ``radius``, float64): a sampled lower bound of the interior supremum, not a certificate.
    The gradient is the engine's: at :math:`\hat a=\Psi(A)/|\Psi(A)|`,
    :math:`\nabla_A|\Psi|=\nabla_A\langle\hat a,\Psi\rangle`, the inner velocity of a probe head (mass
    :math:`10^{-30}`) with that output weight."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    D, m0 = inst.p * inst.p, len(inst.u)
    fld = inst.field([1e-30])

    def neg_norm(v):
        u = np.concatenate([inst.u, v[None]])
        a = np.concatenate([inst.a, np.zeros((1, inst.k, inst.p))])
        psi = -np.asarray(fld.evaluate(a, u)[0][m0])
        nrm = float(np.linalg.norm(psi))
        if nrm == 0.0:
            return 0.0, np.zeros(D)
        a[m0] = psi / nrm
        vu = np.asarray(fld.evaluate(a, u)[1][m0])  # -grad_A <a_hat, Psi>
        return -nrm, vu.copy()

    best = (-1.0, None)
    for _ in range(starts):
        x0 = rng.uniform(-radius, radius, D)
        res = minimize(neg_norm, x0, jac=True, method="L-BFGS-B", bounds=[(-radius, radius)] * D,
                       options={"maxiter": 100})
        val = -float(res.fun)
        if val > best[0]:
            best = (val, res.x)
    on_edge = bool(np.any(np.abs(best[1]) >= radius * (1 - 1e-6)))
    return {"sup_sampled": best[0], "argmax": best[1].tolist(), "radius": radius, "starts": starts,
            "on_box_edge": on_edge, "method": f"multistart L-BFGS-B ({starts} starts, box radius {radius}; float64)"}


def best_direction(inst: AttentionInstance, *, samples: int = 200, seed: int = 0, time_limit: float = 20.0,
                   interior_starts: int = 24, cells: bool | None = None, dps: int = 30) -> dict:
    r"""The best escaping direction of ``inst`` at infinity and where the supremum of :math:`|\Psi|` seems to live.

    For :math:`p^2\le` :data:`MAX_CELL_DIM`: the open argmax cells (exact enumeration,
    :func:`numerics.certified.hardmax.hardmax_cells`) and the ball limit of the best one (certified: a value
    :math:`|\Psi|` approaches, hence a certified lower bound of :math:`S`); otherwise ``samples`` random rational
    directions, their ball limits, the best one (a sampled choice). The run direction is the max-margin direction
    of the best cell (:func:`max_margin_direction`), whose limit is re-evaluated in balls. The interior is searched
    by :func:`interior_search`; ``location`` is ``"infinity"`` when the best limit is at least the interior value
    found (float comparison), else ``"interior (sampled)"`` (``interior_starts=0``: not searched); never certified
    (no upper bound of :math:`S` for attention here). ``cells``: force (True, only for :math:`p^2\le9`) or skip
    (False) the cell enumeration; default: enumerate when :math:`p^2\le9`. The balls are computed at ``dps``
    digits (python-flint precision scoped to this call)."""
    from numerics.certified.precision import arb_prec, dps_to_bits

    if isinstance(dps, bool) or not isinstance(dps, int) or not 10 <= dps <= 1000:
        raise InvalidArgument(f"got dps={dps!r}; valid is an integer in [10, 1000]")
    with arb_prec(dps_to_bits(dps)):
        return _best_direction(inst, samples=samples, seed=seed, time_limit=time_limit,
                               interior_starts=interior_starts, cells=cells)


def _best_direction(inst, *, samples, seed, time_limit, interior_starts, cells):
    from flint import arb

    if not inst.exact:
        raise InvalidArgument("best_direction needs an exact instance (designed_attention)")
    p, L, k = inst.p, inst.L, inst.k
    D = p * p
    info = {}
    if cells and D > MAX_CELL_DIM:
        raise InvalidArgument(f"the argmax cells are enumerated for p*p <= {MAX_CELL_DIM}; got p = {p}: use "
                              "cells=False")
    if (D <= MAX_CELL_DIM) if cells is None else cells:
        from numerics.certified.bnb import point_ball
        from numerics.certified.hardmax import hardmax_cells

        r = [[point_ball(v) for v in row] for row in inst.Rq]
        hc = hardmax_cells(inst.Xq, r, p, L, k, time_limit=time_limit)
        val, A0, _vec = hc["best"]
        source = ("certified hardmax cells (exact enumeration of the open argmax cells, p*p <= 9; limits in "
                  "python-flint balls" + ("" if hc["complete"] else "; enumeration INCOMPLETE: a lower bound") + ")")
        info = {"cells": hc["cells"], "patterns": hc["patterns"], "complete": hc["complete"],
                "hyperplanes": hc["hyperplanes"]}
    else:
        rng = random.Random(seed)
        best = None
        for _ in range(samples):
            A0 = [Fraction(rng.randint(-9, 9)) for _ in range(D)]
            if any(len(s) != 1 for s in _patterns_exact(inst, A0)):
                continue  # a tie wall: the run needs an open cell
            _vec, v = _ball_limit(inst, A0)
            if best is None or v.mid() > best[0].mid():
                best = (v, A0)
        if best is None:
            raise InvalidArgument(f"none of {samples} sampled directions lies in an open argmax cell; raise samples")
        val, A0 = best
        source = f"sampled directions ({samples} random rational A_0; limits in python-flint balls)"
    pats = _patterns_exact(inst, A0)
    if any(len(s) != 1 for s in pats):
        raise InvalidArgument("the best direction lies on a tie wall; the run needs an open argmax cell")
    winners = [s[0] for s in pats]
    A_hat, Aq, gap = max_margin_direction(inst, winners)
    vec, val2 = _ball_limit(inst, Aq)
    if not (val2 - val).contains(0):
        raise InvalidArgument("the max-margin direction's limit differs from its cell's (internal check failed)")
    psi_inf = np.asarray([float(v.mid()) for v in vec]).reshape(k, p)
    from proofs.result import to_jsonable

    enclosure = to_jsonable(val2)  # outward-rounded decimal ends of the ball of |Psi_inf|
    sup_inf = float(val2.mid())
    if interior_starts:
        interior = interior_search(inst, starts=interior_starts, seed=seed)
        location = "infinity" if sup_inf >= interior["sup_sampled"] - 1e-9 else "interior (sampled)"
    else:
        interior, location = None, "not compared (interior not searched)"
    return {"direction_source": source, "direction": A_hat.tolist(), "direction_rational": [str(v) for v in Aq],
            "margin": gap, "winners": winners, "psi_inf": psi_inf.tolist(),
            "sup_psi_inf": sup_inf, "sup_psi_inf_enclosure": [enclosure["lower"], enclosure["upper"]],
            "nonglobal_certified": bool(val2 > arb(0)),
            "a_hat": (-psi_inf / np.linalg.norm(psi_inf)).tolist(), "interior": interior,
            "location": location, "location_certified": False, "cells": info,
            "scope": "instance", "numerical": False}


def escape_run(inst: AttentionInstance, A0, *, a_norm: float = 1e-3, mass: float = 1e-2, frozen: bool = False,
               T: float = 20.0, dt: float = 0.05, fit_window: float = 1.0, a_hat=None) -> dict:
    r"""Add a head at ``A0`` (p*p, row-major) with output weight :math:`a_0=` ``a_norm`` :math:`\hat a` (default
    :math:`\hat a=-\Psi(A_0)/|\Psi(A_0)|`, the steepest output direction at :math:`A_0`) and mass ``mass`` to
    :math:`\mu_\infty`; forward Euler (``dt``) to time ``T``. ``frozen``: mass :data:`FROZEN_MASS` and the heads of
    :math:`\mu_\infty` put back at their positions after every recorded chunk of steps (so the field is
    :math:`\Psi_\infty` up to :math:`10^{-12}|a|`, and the rounding drift of the saddle cannot grow). Returns the
    series ``t, loss, a_norm, u_norm`` (:math:`|A|_F`), ``h`` (:math:`h_\infty(\hat a(t),A(t))` with the
    stationary measure's :math:`\Psi`), ``predicted_rate`` :math:`=-h_\infty(\hat a_0,A_0)`, ``measured_rate``
    (least-squares slope of :math:`|a|` over :math:`t\le` ``fit_window``), ``average_rate``."""
    from numerics.dynamics import ParticleFlow, State
    from numerics.dynamics.integrators import Diverged

    for nm, v in (("a_norm", a_norm), ("mass", mass), ("T", T), ("dt", dt), ("fit_window", fit_window)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InvalidArgument(f"{nm} must be a positive finite number, got {v!r}")
    p, k = inst.p, inst.k
    A0 = np.asarray(A0, dtype=np.float64).reshape(1, -1)
    if A0.shape[1] != p * p or not np.all(np.isfinite(A0)):
        raise InvalidArgument(f"A0 must be p*p = {p * p} finite numbers, got {A0.shape[1]} entries")
    psi0 = psi_points(inst, A0)[0]
    if a_hat is None:
        if np.linalg.norm(psi0) < 1e-12:
            raise InvalidArgument(f"|Psi(A0)| = {np.linalg.norm(psi0):.1e} is at the float64 noise level: A0 is not in "
                                  "an escaping set; pick another point")
        a_hat = -psi0 / np.linalg.norm(psi0)
    a_hat = np.asarray(a_hat, dtype=np.float64).reshape(k, p)
    if not np.linalg.norm(a_hat) > 0:
        raise InvalidArgument("a_hat must be non-zero")
    a_hat = a_hat / np.linalg.norm(a_hat)
    delta = FROZEN_MASS if frozen else mass
    fld = inst.field([delta])
    flow = ParticleFlow(fld, dt=dt)
    a = np.concatenate([inst.a, (a_norm * a_hat)[None]])
    u = np.concatenate([inst.u, A0])
    steps = max(1, int(round(T / dt)))
    rows = {"t": [], "loss": [], "a_norm": [], "u_norm": [], "h": []}

    def rec(s, st):
        ap, up = np.asarray(st[0][-1]), np.asarray(st[1][-1])
        na = float(np.linalg.norm(ap))
        rows["t"].append(s * dt)
        rows["loss"].append(fld.loss(st[0], st[1]))
        rows["a_norm"].append(na)
        rows["u_norm"].append(float(np.linalg.norm(up)))
        rows["h"].append(float(np.sum(ap * psi_points(inst, up)[0])) / na if na > 0 else float("nan"))

    every = max(1, steps // 200)
    m0 = len(inst.u)
    st = State(a, u)
    rec(0, st)
    done = 0
    try:
        while done < steps:
            chunk = min(every, steps - done)
            st = flow.run(st, chunk)
            done += chunk
            if frozen:  # the stationary measure is held fixed: Psi is exactly the frozen Psi_inf
                st = State(np.concatenate([inst.a, np.asarray(st[0][m0:])]),
                           np.concatenate([inst.u, np.asarray(st[1][m0:])]))
            rec(done, st)
    except Diverged as exc:
        raise InvalidArgument(f"the escape run diverged ({exc}; dt = {dt}); lower dt") from None
    pred = float(-np.sum(a_hat * psi0))
    out = {key: np.asarray(v) for key, v in rows.items()}
    for key in ("loss", "a_norm", "u_norm"):
        if not np.all(np.isfinite(out[key])):
            raise InvalidArgument(f"the escape run produced non-finite {key}; lower dt")
    out.update({"predicted_rate": pred, "measured_rate": fit_rate(out["t"], out["a_norm"], fit_window),
                "average_rate": float((out["a_norm"][-1] - out["a_norm"][0]) / max(out["t"][-1], 1e-300)),
                "min_rate_bound_holds": bool(np.all(out["a_norm"] - out["a_norm"][0]
                                                    >= pred * out["t"] * (1 - 1e-6) - 1e-12)),
                "A0": A0[0].tolist(), "a_hat": a_hat.tolist(), "mass": delta, "frozen": frozen, "dt": dt, "T": T,
                "fit_window": fit_window, "loss_decrease": float(out["loss"][0] - out["loss"][-1])})
    return out


def _summary(run, t0):
    return {"t0": t0, "predicted_rate": run["predicted_rate"], "measured_rate": run["measured_rate"],
            "average_rate": run["average_rate"], "rate_bound_held": run["min_rate_bound_holds"],
            "a_norm_start": float(run["a_norm"][0]), "a_norm_end": float(run["a_norm"][-1]),
            "u_norm_start": float(run["u_norm"][0]), "u_norm_end": float(run["u_norm"][-1]),
            "u_drift": float(run["u_norm"][-1] - run["u_norm"][0]),
            "h_start": float(run["h"][0]), "h_end": float(run["h"][-1]),
            "h_nonincreasing": bool(np.all(np.diff(run["h"]) <= 1e-9)),
            "loss_start": float(run["loss"][0]), "loss_end": float(run["loss"][-1]),
            "loss_decrease": run["loss_decrease"], "mass": run["mass"], "frozen": run["frozen"], "T": run["T"],
            "dt": run["dt"], "numerical": True}


def escape_experiment(inst: AttentionInstance, *, near: float = 3.0, compact: float = 2.0, T: float = 40.0,
                      dt: float = 0.02, mass: float = 5e-2, a_norm: float = 1e-3, fit_window: float = 1.0,
                      diagnostics: dict | None = None, progress=None) -> dict:
    r"""The attention escape experiment: the exact stationarity check, the best escaping direction :math:`\hat A`
    (:func:`best_direction`, score gap :math:`s`), then a head at :math:`A_0=t_0\hat A` with :math:`t_0s=` ``near``
    (near infinity: every losing key has softmax weight :math:`\le e^{-\mathrm{near}}` relative to the winner) and
    with :math:`|A_0|_F=t_0=` ``compact`` (the compact part, softmax far from hardmax), each with the frozen field and
    with feedback; output weight ``a_norm`` :math:`\hat a_0`, :math:`\hat a_0=-\Psi(A_0)/|\Psi(A_0)|` (the steepest
    output direction there, so the predicted rate is :math:`|\Psi(A_0)|`).
    ``progress(label)`` is called before each run; a KeyboardInterrupt leaves with ``partial`` (the finished runs'
    summaries, ``"interrupted": True``). Returns ``{"instance", "stationarity", "diagnostics",
    "runs": {label: summary}, "series": {label: run}, "scope": "instance", "numerical": True}``."""
    for nm, v in (("near", near), ("compact", compact)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InvalidArgument(f"{nm} must be a positive finite number, got {v!r}")
    stat = exact_stationarity(inst)
    if not stat["stationary"]:
        raise InvalidArgument(f"the measure is not exactly stationary (max |velocity| = {stat['max_abs']}); the "
                              "escape experiment starts from a stationary measure")
    diag = best_direction(inst) if diagnostics is None else diagnostics
    direction = np.asarray(diag["direction"])
    runs, series = {}, {}
    out = {"instance": inst.name, "stationarity": {**stat, "max_abs": str(stat["max_abs"])}, "diagnostics": diag,
           "runs": runs, "series": series, "scope": "instance", "numerical": True}
    try:
        for where, t0 in (("near infinity", near / diag["margin"]), ("compact part", float(compact))):
            for frozen in (True, False):
                label = f"{where}, {'frozen' if frozen else 'feedback'}"
                if progress is not None:
                    progress(label)
                run = escape_run(inst, t0 * direction, a_norm=a_norm, mass=mass, frozen=frozen, T=T, dt=dt,
                                 fit_window=fit_window)
                series[label] = run
                runs[label] = {**_summary(run, t0), "saturation": t0 * diag["margin"]}
    except KeyboardInterrupt as exc:  # Ctrl-C: the finished runs travel with the interrupt
        exc.partial = {key: v for key, v in out.items() if key != "series"}
        exc.partial["interrupted"] = True
        exc.series = series
        raise
    return out


def plot_escape(exp: dict, path: str) -> str:
    r"""Three panels through :mod:`proofs.style`: the loss (feedback runs), :math:`|a|` of the added head with the
    predicted slope :math:`|a_0|-h_\infty(\hat a_0,A_0)\,t`, and the drift :math:`|A(t)|_F-|A(0)|_F` of its inner
    parameter (outward: towards the best direction at infinity), against time."""
    from proofs import style

    fig, (ax1, ax2, ax3) = style.figure(2, ncols=3)
    for label, run in exp["series"].items():
        t = run["t"]
        line, = ax2.plot(t, run["a_norm"], label=label)
        ax2.plot(t, run["a_norm"][0] + run["predicted_rate"] * t, ls=":", color=line.get_color(), lw=0.9)
        ax3.plot(t, run["u_norm"] - run["u_norm"][0], color=line.get_color())
        if not run["frozen"]:
            ax1.plot(t, run["loss"], color=line.get_color(), label=label)
    ax2.plot([], [], ls=":", color="0.3", label=r"predicted $|a_0|-h_\infty(\hat a_0,A_0)\,t$")
    style.label(ax1, x=r"time $t$", y=r"loss $R(\mu_t)$")
    style.label(ax2, x=r"time $t$", y=r"$|a|$ of the added head")
    style.label(ax3, x=r"time $t$", y=r"$|A(t)|_F-|A(0)|_F$ (drift)", legend=False)
    style.save(fig, path)
    return path
