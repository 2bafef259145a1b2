r"""Stationary measures by inverse design, and teacher measures (MATH.md §1b A.4, §10 (a)-(b)).

Stationarity of :math:`\mu=\sum_j p_j\delta_{(a_j,u_j)}` for the unregularised squared loss reads, for every j,
(i) :math:`\Psi(u_j)=\frac1n\sum_i r_i g(u_j,x_i)^\top=0` and (ii) :math:`\nabla_u\langle a_j,\Psi(u)\rangle|_{u_j}=0`,
both LINEAR in the residual vector :math:`r` (n x k). Pick the particles and inputs, take a non-zero :math:`r` in the
null space of these constraints, and set :math:`y_i=f_\mu(x_i)-r_i`: then :math:`\mu` is stationary for the data
:math:`(X, y)` and, whenever the features span :math:`\mathbb R^n`, not a global minimiser. With :math:`r=0` this
gives teacher measures (exact global minimisers).

What is certified: :func:`stationary_targets_exact` / :func:`teacher_targets_exact` work in exact rational
arithmetic (sympy), and only apply when every feature value and derivative at the particles is rational (e.g.
particles at ``u = 0`` with a sigmoid, where :math:`\sigma(0)=1/2`); the measure is then exactly stationary / exactly
optimal. :func:`stationary_targets` / :func:`teacher_targets` work in mpmath at ``dps`` digits: the targets are
decimal strings with ``dps`` significant digits, so :math:`\mu` is stationary up to about :math:`10^{-\mathrm{dps}}`
(not exactly) — the analyser then reports a stationarity residual of that size.

Each function takes ``(model, mu, X)`` or a :class:`~proofs.problem.Problem` (its model, measure and inputs; the
targets, if any, are not read). :func:`stationary_problem` and :func:`teacher_problem` return the designed
problem itself: the measure with the inputs and the new targets, validated.
"""
from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import sympy as sp

from numerics.certified.precision import workdps

from proofs.errors import InvalidArgument
from proofs.problem import Problem
from proofs.problem.measure import Dataset, Measure, _as_backend, predict

__all__ = ["constraint_matrix", "stationary_targets", "teacher_targets", "stationary_targets_exact",
           "teacher_targets_exact", "stationary_problem", "teacher_problem", "mp_str"]


def _parts(model, mu, X, fn):
    """(model, mu, X) from a Problem or from the three given as they are."""
    if isinstance(model, Problem):
        if mu is not None or X is not None:
            raise InvalidArgument(f"{fn} got a Problem and also mu or X; give either a Problem or (model, mu, X)")
        return model.model, model.mu, model.data.X
    if mu is None or X is None:
        raise InvalidArgument(f"{fn} needs a measure mu and inputs X with a model (or one Problem)")
    return model, mu, X


def mp_str(x, dps: int) -> str:
    """An mpf as a decimal string with ``dps`` significant digits (no exponent surprises for JSON readers)."""
    return mpmath.nstr(x, dps, strip_zeros=False, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)


def _rows(model, mu, X, backend):
    """Constraint rows (list of lists over the flattened unknowns r[i, c], index i*k + c)."""
    k, q, pu, n = model.k, model.q, model.p_u, len(X)
    g = model.compile("g", backend)
    dg = model.compile("dg", backend)
    U = _as_backend(mu.u, backend, 2)
    A = _as_backend(mu.a, backend, 3)
    Xb = _as_backend(X, backend, 2)
    zero = 0 if backend == "sympy" else mpmath.mpf(0)
    rows = []
    for j, uj in enumerate(U):
        G = [g(*uj, *xi) for xi in Xb]
        J = [dg(*uj, *xi) for xi in Xb]
        for c in range(k):  # (i) Psi(u_j)_{c, qq} = 0
            for qq in range(q):
                row = [zero] * (n * k)
                for i in range(n):
                    row[i * k + c] = G[i][qq]
                rows.append(row)
        for t in range(pu):  # (ii) d/du_t <a_j, Psi(u)> at u_j = 0
            row = [zero] * (n * k)
            for i in range(n):
                for c in range(k):
                    row[i * k + c] = sum((A[j][c][qq] * J[i][qq * pu + t] for qq in range(q)), zero)
            rows.append(row)
    return rows


def constraint_matrix(model, mu: Measure = None, X=None, *, dps: int = 50):
    """The linear stationarity constraints on the flattened residual (rows x n*k) as an mpmath matrix at ``dps``."""
    model, mu, X = _parts(model, mu, X, "constraint_matrix")
    with workdps(dps):
        return mpmath.matrix(_rows(model, mu, X, "mpmath"))


def _null_space_mp(C, dps):
    """Orthonormal basis of the numerical null space of C (mpmath SVD at ``dps``; rank cut at 10^(-dps/2))."""
    with workdps(dps):
        rows, cols = C.rows, C.cols
        M = C if rows >= cols else mpmath.matrix([[C[i, j] for j in range(cols)] for i in range(rows)]
                                                + [[0] * cols for _ in range(cols - rows)])
        U, S, V = mpmath.svd_r(M, full_matrices=True, compute_uv=True)
        smax = max([abs(S[i]) for i in range(len(S))] + [mpmath.mpf(1)])
        cut = smax * mpmath.mpf(10) ** (-(dps // 2))
        basis = [[V[i, j] for j in range(cols)] for i in range(len(S)) if abs(S[i]) <= cut]
        basis += [[V[i, j] for j in range(cols)] for i in range(len(S), cols)]
        return basis


def stationary_targets(model, mu: Measure = None, X=None, *, dps: int = 50, scale="1", seed: int = 0) -> dict:
    """Targets y making ``mu`` stationary to ~``dps`` digits (MATH.md §1b A.4), computed in mpmath.

    Returns ``{"Y": n x k decimal strings, "r": n x k mpf residuals, "null_dim": int}``. The residual is a seeded
    random combination of a null-space basis, scaled to Euclidean norm ``scale`` (times sqrt(n)). Raises
    :class:`InvalidArgument` when the constraints have no non-zero solution (too few data points: one exists when
    n k > m (k q + p_u)).
    """
    model, mu, X = _parts(model, mu, X, "stationary_targets")
    n, k = len(X), model.k
    work = dps + 10
    C = constraint_matrix(model, mu, X, dps=work)
    basis = _null_space_mp(C, work)
    if not basis:
        raise InvalidArgument(f"got n={n} inputs for m={len(mu.u)} particles: the stationarity constraints have only "
                              f"the zero residual; valid is n*k > m*(k*q + p_u) = "
                              f"{len(mu.u) * (k * model.q + model.p_u)} (add inputs)")
    rng = random.Random(seed)
    with workdps(work):
        coef = [mpmath.mpf(rng.randint(1, 1000)) * (1 if rng.random() < 0.5 else -1) for _ in basis]
        r = [sum((c * b[t] for c, b in zip(coef, basis)), mpmath.mpf(0)) for t in range(n * k)]
        nr = mpmath.sqrt(sum(v * v for v in r))
        s = mpmath.mpf(Fraction(scale).numerator) / Fraction(scale).denominator
        r = [v / nr * s * mpmath.sqrt(n) for v in r]
        f = predict(model, mu, Dataset(X=X, Y=None), "mpmath")
        Y = [[mp_str(f[i][c] - r[i * k + c], dps) for c in range(k)] for i in range(n)]
        R = [[r[i * k + c] for c in range(k)] for i in range(n)]
    return {"Y": Y, "r": R, "null_dim": len(basis)}


def teacher_targets(model, mu: Measure = None, X=None, *, dps: int = 50) -> list:
    """Targets y = f_mu(x) as decimal strings with ``dps`` digits (a global minimiser up to 10^-dps)."""
    model, mu, X = _parts(model, mu, X, "teacher_targets")
    with workdps(dps + 10):
        f = predict(model, mu, Dataset(X=X, Y=None), "mpmath")
        return [[mp_str(v, dps) for v in row] for row in f]


# ----------------------------------------------------------------------------- exact (rational) variants
def _exact_values(model, mu, X):
    """Feature values / derivatives / predictions as sympy numbers; InvalidArgument unless all rational."""
    subs_u = [[sp.Rational(str(Fraction(v))) for v in uj] for uj in mu.u]
    Xr = [[sp.Rational(str(Fraction(v))) for v in xi] for xi in X]
    gexprs = list(model.g)
    dexprs = [sp.diff(gi, s) for gi in model.g for s in model.u_syms]

    def ev(expr, uj, xi):
        val = _concrete(expr).subs(dict(zip(model.u_syms + model.x_syms, uj + xi)))
        val = sp.simplify(val.rewrite(sp.exp).doit())
        if not val.is_Rational:
            raise InvalidArgument(f"the feature takes the irrational value {val} at u={uj}, x={xi}; valid for the "
                                  "exact construction are particles where every feature value is rational "
                                  "(e.g. u = 0 for sigmoid); try stationary_targets(..., dps=N)")
        return val
    G = [[[ev(e, uj, xi) for e in gexprs] for xi in Xr] for uj in subs_u]
    J = [[[ev(e, uj, xi) for e in dexprs] for xi in Xr] for uj in subs_u]
    return G, J


def _concrete(expr):
    """Replace the model's opaque activation functions by their sympy expressions."""
    acts = {getattr(type(f), "activation", None) for f in expr.atoms(sp.Function)} - {None}
    for act in acts:
        expr = act.concrete(expr)
    return expr


def _exact_predict(model, mu, G):
    k, q = model.k, model.q
    n = len(G[0])
    p = [sp.Rational(str(Fraction(v))) for v in mu.mass]
    A = [[[sp.Rational(str(Fraction(v))) for v in row] for row in aj] for aj in mu.a]
    return [[sum((p[j] * A[j][c][qq] * G[j][i][qq] for j in range(len(p)) for qq in range(q)), sp.S.Zero)
             for c in range(k)] for i in range(n)]


def teacher_targets_exact(model, mu: Measure = None, X=None) -> list:
    """Exact rational targets y = f_mu(x) (strings "p/q" as decimal where finite): mu is then exactly optimal."""
    model, mu, X = _parts(model, mu, X, "teacher_targets_exact")
    G, _ = _exact_values(model, mu, X)
    return [[_rat_str(v) for v in row] for row in _exact_predict(model, mu, G)]


def _rat_str(v) -> str:
    import sympy as sp

    # never sp.nsimplify: it *approximates* (nsimplify(Rational(12345678901234567890123, 98765432109876543210987))
    # is 1/8, nsimplify(sqrt(2) + 10**-30) is sqrt(2)), which would turn a non-stationary design into a "stationary"
    # one; sp.simplify is exact
    v = sp.sympify(v)
    if not isinstance(v, sp.Rational):
        v = sp.simplify(v)
    if not isinstance(v, sp.Rational):  # e.g. an exp() of the sigmoid left in the prediction: no exact rational
        raise InvalidArgument(f"exact stationary targets need rational predictions; got {sp.sstr(v)[:80]} "
                              "(use rational features, or the high-precision construction)")
    f = Fraction(int(v.p), int(v.q))
    # decimal string when the denominator is 2^a 5^b, else a long decimal is NOT exact: keep p/q
    d = f.denominator
    for pr in (2, 5):
        while d % pr == 0:
            d //= pr
    if d == 1:
        from decimal import Decimal, getcontext

        getcontext().prec = 200
        return format(Decimal(f.numerator) / Decimal(f.denominator), "f")
    return f"{f.numerator}/{f.denominator}"


def stationary_targets_exact(model, mu: Measure = None, X=None, *, seed: int = 0) -> dict:
    """Exact rational targets making ``mu`` exactly stationary (sympy null space); see the module doc."""
    model, mu, X = _parts(model, mu, X, "stationary_targets_exact")
    k, n = model.k, len(X)
    G, J = _exact_values(model, mu, X)
    pu, q = model.p_u, model.q
    A = [[[sp.Rational(str(Fraction(v))) for v in row] for row in aj] for aj in mu.a]
    rows = []
    for j in range(len(mu.u)):
        for c in range(k):
            for qq in range(q):
                row = [sp.S.Zero] * (n * k)
                for i in range(n):
                    row[i * k + c] = G[j][i][qq]
                rows.append(row)
        for t in range(pu):
            row = [sp.S.Zero] * (n * k)
            for i in range(n):
                for c in range(k):
                    row[i * k + c] = sum((A[j][c][qq] * J[j][i][qq * pu + t] for qq in range(q)), sp.S.Zero)
            rows.append(row)
    basis = sp.Matrix(rows).nullspace()
    if not basis:
        raise InvalidArgument(f"got n={n} inputs: the stationarity constraints have only the zero residual; add inputs")
    rng = random.Random(seed)
    r = sum((sp.Integer(rng.choice([-3, -2, -1, 1, 2, 3])) * b for b in basis), sp.zeros(n * k, 1))
    f = _exact_predict(model, mu, G)
    Y = [[_rat_str(f[i][c] - r[i * k + c]) for c in range(k)] for i in range(n)]
    return {"Y": Y, "r": [[r[i * k + c] for c in range(k)] for i in range(n)], "null_dim": len(basis)}


# ----------------------------------------------------------------------------- designed problems
def _base_problem(model, mu, X, fn):
    if isinstance(model, Problem):
        _parts(model, mu, X, fn)
        return model
    model, mu, X = _parts(model, mu, X, fn)
    return Problem(model, Dataset(X=X, Y=None), mu, need_y=False)


def stationary_problem(model, mu: Measure = None, X=None, *, exact: bool = False, dps: int = 50, scale="1",
                       seed: int = 0) -> Problem:
    """The :class:`~proofs.problem.Problem` whose measure is stationary for its targets, in one call: the inputs
    and measure of ``model`` (a Problem, or a model with ``mu`` and ``X``) with the targets of
    :func:`stationary_targets_exact` (``exact=True``: exactly stationary; ``seed`` as there) or of
    :func:`stationary_targets` (``dps``, ``scale``, ``seed`` as there: stationary to ~``dps`` digits)."""
    base = _base_problem(model, mu, X, "stationary_problem")
    if exact:
        out = stationary_targets_exact(base, seed=seed)
    else:
        out = stationary_targets(base, dps=dps, scale=scale, seed=seed)
    return base.with_targets(out["Y"])


def teacher_problem(model, mu: Measure = None, X=None, *, exact: bool = False, dps: int = 50) -> Problem:
    """The :class:`~proofs.problem.Problem` whose measure fits its targets (a global minimiser): the targets of
    :func:`teacher_targets_exact` (``exact=True``) or :func:`teacher_targets` (to ``dps`` digits)."""
    base = _base_problem(model, mu, X, "teacher_problem")
    Y = teacher_targets_exact(base) if exact else teacher_targets(base, dps=dps)
    return base.with_targets(Y)
