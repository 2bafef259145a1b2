r"""The false variant F6: "finite-particle statements follow: :math:`m\ge m_0` particles always suffice".

Chizat–Bach's convergence results (and those of the 2026 paper) are asymptotic in the number of particles. The
tempting finite version — *for a teacher with* :math:`m_0` *neurons, gradient descent on the* :math:`m`*-particle
loss with* :math:`m\ge m_0` *from a generic initialisation reaches the global minimum* — is false: the
finite-particle loss has strict local minimisers that are not global.

Setting (the sigmoid network of Chizat–Bach with bias, in the particle normalisation
:math:`\nu_m=\frac1m\sum_jw_j\delta_{\theta_j}`): input :math:`x\in\mathbb R^{d}`, particle
:math:`u_j=(w_j,a_j,b_j)\in\mathbb R\times\mathbb R^d\times\mathbb R`,
:math:`f_u(x)=\frac1m\sum_{j=1}^mw_j\,\sigma(a_j\cdot x+b_j)`, :math:`\sigma(z)=1/(1+e^{-z})`; teacher
:math:`f^*=\frac1{m_0}\sum_{k=1}^{m_0}w^*_k\sigma(a^*_k\cdot x+b^*_k)` with exact rational parameters; data
:math:`x_1..x_n` exact rationals, labels :math:`y_i=f^*(x_i)` (exact reals, enclosed in balls);
:math:`L(u)=\frac1{2n}\sum_i(f_u(x_i)-y_i)^2`. For :math:`m\ge m_0` the global minimum is :math:`0`, attained
exactly by :math:`u_k=(\frac m{m_0}w^*_k,a^*_k,b^*_k)` (:math:`k\le m_0`) and :math:`w_j=0` for the other particles.

What is certified (python-flint balls, outward rounding), on a box :math:`B=c+[-\rho,\rho]^P` around a candidate
:math:`c` (found by scipy's BFGS from the instance's initialisation, then Newton-polished in mpmath):

1. **a critical point exists in** :math:`B` **and is unique there** — the Krawczyk test
   :math:`K(B)=c-Y\nabla L(c)+(I-Y\,\nabla^2L(B))(B-c)\subset\operatorname{int}B` (:math:`Y` an approximate inverse of
   the Hessian at :math:`c`; the interval Hessian :math:`\nabla^2L(B)` encloses the Hessian at every point of
   :math:`B`);
2. **the Hessian is positive definite on all of** :math:`B` — the ball Cholesky of :math:`\nabla^2L(B)`
   (:func:`numerics.certified.linalg.cholesky_ball`) has certainly positive pivots, so :math:`L` is strictly
   convex on :math:`B` and the critical point :math:`u^*` is a strict local minimiser;
3. **the loss is positive on** :math:`B`: the ball :math:`L(B)` lies in :math:`(0,\infty)`, so :math:`L(u^*)>0=\min L`.

4. **a basin of attraction is computed**: with :math:`\mu` a certified lower bound of the smallest eigenvalue of
   the interval Hessian, :math:`\Lambda` a certified (Gershgorin) upper bound of the largest, and :math:`\kappa` the
   Krawczyk enclosure's distance from the centre, every initialisation in the Euclidean ball of the exact radius
   :func:`_basin` reports around the centre converges to :math:`u^*` under the gradient flow and under gradient
   descent with step :math:`0<\eta\le1/\Lambda` (strong convexity on the box; the argument is in :func:`_basin`).
   That ball has positive Lebesgue measure, hence positive probability under any initialisation law with a
   positive density, and none of its points reaches the global minimum. Formulas of the gradient and Hessian are derived
[D] and written by hand (no library differentiates these particle sums in ball arithmetic); the Krawczyk operator
is written by hand for the same reason (python-flint has no interval Newton for systems).

The witnesses (:data:`BANK`: four with :math:`m=m_0=2` and one with :math:`m=2>m_0=1`, all with :math:`d=2`)
were found numerically (scipy minimisation from many random initialisations of random teachers and data sets,
:math:`n=10` or :math:`12` points); each is re-certified from its initialisation on every check. The search
strategy draws a bank entry and moves its initialisation and inputs by a few hundredths, so every draw is a new
problem certified afresh. (The particle flow of Chizat–Bach, :math:`u_j'=-m\,\partial_{u_j}L`, is the gradient
flow up to a constant time change: the same equilibria, the same stability.)

Dropped assumption: from an initialisation near the teacher (or with many particles) the minimisation reaches loss
:math:`\approx0` and the check reports ``inconclusive`` (no spurious minimum there: F6 is about *some* open set of
initialisations, not all).
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from proofs.claims._common import inconclusive, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

ID_F6 = "finite-particles-reach-global-minimum"

ASSUMPTIONS_F6 = (
    "sigmoid network with bias f(x) = (1/m) sum_j w_j sigma(a_j . x + b_j), sigma(z) = 1/(1 + e^-z)",
    "teacher with m0 neurons, labels y_i = f*(x_i) exactly (realisable: min L = 0 for m >= m0)",
    "m >= m0 particles, loss L = (1/(2n)) sum_i (f(x_i) - y_i)^2",
    "generic initialisation: any law with a positive density (every open set of initialisations has positive "
    "probability)")

MAX_PARAMS = 64
MAX_POINTS = 200


# ------------------------------------------------------------------------------------------------ instance
def _q(v, where):
    try:
        q = None if isinstance(v, bool) else Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None:
        raise InvalidArgument(f"{where} is {v!r}; valid are finite rational numbers such as 1.5 or \"-3/7\"")
    return q


def _matrix(inst, key, width=None, *, what):
    rows = inst.get(key)
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(r, (list, tuple)) for r in rows):
        raise InvalidArgument(f"{key} must be a non-empty list of rows ({what})")
    w = len(rows[0]) if width is None else width
    out = []
    for i, r in enumerate(rows):
        if len(r) != w:
            raise InvalidArgument(f"{key}[{i}] has {len(r)} entries; {what} needs {w}")
        out.append([_q(v, f"{key}[{i}][{j}]") for j, v in enumerate(r)])
    return out


def params(inst) -> dict:
    """The validated instance: X (n x d), teacher (m0 rows (w, a_1..a_d, b)), init (m rows, same layout),
    newton (bool: skip the minimisation and certify the critical point Newton's method reaches from init)."""
    X = _matrix(inst, "X", what="inputs x_i in R^d, one row per point")
    d = len(X[0])
    T = _matrix(inst, "teacher", d + 2, what="teacher neurons (w, a_1, ..., a_d, b)")
    U0 = _matrix(inst, "init", d + 2, what="initial particles (w, a_1, ..., a_d, b)")
    n, m0, m = len(X), len(T), len(U0)
    if m < m0:
        raise InvalidArgument(f"m = {m} initial particles < m0 = {m0} teacher neurons; the statement is about "
                              "m >= m0 (with fewer particles the teacher is not realisable)")
    if m * (d + 2) > MAX_PARAMS or n > MAX_POINTS:
        raise InvalidArgument(f"m (d + 2) = {m * (d + 2)} parameters and n = {n} points; valid are at most "
                              f"{MAX_PARAMS} parameters and {MAX_POINTS} points (the Krawczyk test is dense)")
    newton = inst.get("newton", False)
    if not isinstance(newton, bool):
        raise InvalidArgument(f"newton={newton!r}; valid are true (certify the critical point Newton's method "
                              "reaches from init, no minimisation) and false (minimise from init first)")
    return {"X": X, "teacher": T, "init": U0, "n": n, "d": d, "m0": m0, "m": m, "newton": newton}


# ------------------------------------------------------------------------ loss, gradient, Hessian (any backend)
class _Ops:
    """Number backend: ``num`` makes a constant from a Fraction, ``sig`` is the logistic sigmoid."""

    def __init__(self, num, sig):
        self.num, self.sig = num, sig


def _mp_ops():
    import mpmath

    return _Ops(lambda q: mpmath.mpf(q.numerator) / q.denominator, lambda z: 1 / (1 + mpmath.exp(-z)))


def _arb_ops():
    from flint import arb, fmpq

    return _Ops(lambda q: arb(fmpq(q.numerator, q.denominator)), lambda z: 1 / (1 + (-z).exp()))


def labels(P, ops):
    """y_i = (1/m0) sum_k w*_k sigma(a*_k . x_i + b*_k) in the backend (balls enclose the exact reals)."""
    X = [[ops.num(v) for v in row] for row in P["X"]]
    T = [[ops.num(v) for v in row] for row in P["teacher"]]
    d, m0 = P["d"], P["m0"]
    out = []
    for x in X:
        s = 0
        for t in T:
            z = t[d + 1]
            for i in range(d):
                z = z + t[1 + i] * x[i]
            s = s + t[0] * ops.sig(z)
        out.append(s / m0)
    return X, out


def derivatives(u, X, y, d, ops, *, order=2):
    """(L, gradient, Hessian) of L(u) = (1/(2n)) sum_i (f_u(x_i) - y_i)^2 at the flat parameter vector
    ``u = (w_1, a_1, b_1, w_2, ...)`` in the backend. Derived [D]: with s = sigma(z), s' = s(1 - s),
    s'' = s'(1 - 2s), x~ = (x, 1): df/dw_j = s_j/m, df/dtheta_j = w_j s'_j x~/m, d2f/dw_j dtheta_j = s'_j x~/m,
    d2f/dtheta_j^2 = w_j s''_j x~ x~^T/m; grad L = (1/n) sum r_i grad f_i, Hess L = (1/n) sum (grad f_i grad f_i^T
    + r_i Hess f_i). ``order`` 0 (loss only), 1, 2."""
    q = d + 2
    m = len(u) // q
    n = len(X)
    P = len(u)
    loss = 0
    g = [0] * P
    H = [[0] * P for _ in range(P)] if order >= 2 else None
    for xi, yi in zip(X, y):
        xt = list(xi) + [1]
        f = 0
        S, D1, D2 = [], [], []
        for j in range(m):
            w = u[j * q]
            z = u[j * q + 1 + d]
            for k in range(d):
                z = z + u[j * q + 1 + k] * xt[k]
            s = ops.sig(z)
            f = f + w * s
            if order >= 1:
                s1 = s * (1 - s)
                S.append(s)
                D1.append(s1)
                D2.append(s1 * (1 - 2 * s))
        f = f / m
        r = f - yi
        loss = loss + r * r
        if order == 0:
            continue
        grad_f = [0] * P
        for j in range(m):
            w = u[j * q]
            grad_f[j * q] = S[j] / m
            for k in range(d + 1):
                grad_f[j * q + 1 + k] = w * D1[j] * xt[k] / m
        for a in range(P):
            g[a] = g[a] + r * grad_f[a]
        if order >= 2:
            for a in range(P):
                ga = grad_f[a]
                for b in range(a, P):
                    H[a][b] = H[a][b] + ga * grad_f[b]
            for j in range(m):
                w, base = u[j * q], j * q
                for k in range(d + 1):
                    c = r * D1[j] * xt[k] / m
                    H[base][base + 1 + k] = H[base][base + 1 + k] + c
                    for l2 in range(k, d + 1):
                        H[base + 1 + k][base + 1 + l2] = H[base + 1 + k][base + 1 + l2] + \
                            r * w * D2[j] * xt[k] * xt[l2] / m
    loss = loss / (2 * n)
    if order == 0:
        return loss, None, None
    g = [v / n for v in g]
    if order >= 2:
        for a in range(P):
            for b in range(a, P):
                H[a][b] = H[a][b] / n
                H[b][a] = H[a][b]
    return loss, g, H


# ------------------------------------------------------------------------------------------ float search
def _float_problem(P):
    import numpy as np
    from scipy.special import expit

    X = np.array([[float(v) for v in r] for r in P["X"]])
    T = np.array([[float(v) for v in r] for r in P["teacher"]])
    Xt = np.c_[X, np.ones(len(X))]
    y = expit(Xt @ T[:, 1:].T) @ T[:, 0] / len(T)
    m, q = P["m"], P["d"] + 2

    def fg(p):
        U = p.reshape(m, q)
        S = expit(Xt @ U[:, 1:].T)
        r = (S @ U[:, 0]) / m - y
        gw = S.T @ r / (m * len(y))
        gth = ((S * (1 - S) * r[:, None]).T @ Xt) * U[:, 0][:, None] / (m * len(y))
        return 0.5 * float(np.mean(r * r)), np.c_[gw, gth].ravel()

    return fg


def train(P, *, gtol=1e-12, maxiter=5000):
    """Minimise L from the instance's initialisation (scipy BFGS, float64): (point, loss, gradient norm)."""
    import numpy as np
    from scipy.optimize import minimize

    fg = _float_problem(P)
    x0 = np.array([float(v) for r in P["init"] for v in r])
    res = minimize(fg, x0, jac=True, method="BFGS", options={"gtol": gtol, "maxiter": maxiter})
    return res.x, float(res.fun), float(np.linalg.norm(fg(res.x)[1]))


def polish(P, x0, dps: int, *, steps: int = 40):
    """Newton's method on grad L in mpmath at ``dps`` digits from ``x0``: (point, |Newton step|_inf) or None when
    the Hessian is singular or the iteration diverges."""
    import mpmath

    from numerics.certified.precision import workdps

    ops = _mp_ops()
    with workdps(dps):
        X, y = labels(P, ops)
        u = [mpmath.mpf(float(v)) for v in x0]
        tol = mpmath.mpf(10) ** (-dps + 3)
        last = None
        for _ in range(steps):
            _, g, H = derivatives(u, X, y, P["d"], ops)
            try:
                step = mpmath.lu_solve(mpmath.matrix(H), mpmath.matrix(g))
            except ZeroDivisionError:
                return None
            u = [a - b for a, b in zip(u, step)]
            last = max(abs(v) for v in step)
            if not mpmath.isfinite(last) or last > 1e6:
                return None
            if last < tol:
                break
        return u, last


# ---------------------------------------------------------------------------------------------- certificate
def _to_fraction(v, dps):
    import mpmath

    return Fraction(mpmath.nstr(v, dps + 5, min_fixed=-10 ** 9, max_fixed=10 ** 9))


def certify(P, centre, dps: int) -> dict:
    """The three ball tests at ``bits = dps_to_bits(dps)`` on a box around the exact rational ``centre``
    (Fractions): {"critical": bool, "pd": bool, "loss_positive": bool, "loss": ball, "rho": Fraction, ...}."""
    import mpmath
    from flint import arb, arb_mat, fmpq

    from numerics.certified.enclosures import arb_to_fraction
    from numerics.certified.linalg import cholesky_ball
    from numerics.certified.precision import arb_prec, dps_to_bits, workdps

    bits = dps_to_bits(dps)
    ops = _arb_ops()
    Pn = len(centre)
    out = {"bits": bits, "critical": False, "pd": False, "loss_positive": False}
    with arb_prec(bits):
        X, y = labels(P, ops)
        c = [arb(fmpq(v.numerator, v.denominator)) for v in centre]
        _, gc, Hc = derivatives(c, X, y, P["d"], ops)
        # Y: inverse of the midpoint Hessian (mpmath at dps; any matrix is admissible, a good one makes K small)
        with workdps(dps + 10):
            Hm = mpmath.matrix([[mpmath.mpf(Hc[a][b].mid().str(dps + 10, radius=False)) for b in range(Pn)]
                                for a in range(Pn)])
            try:
                Ym = Hm ** -1
            except ZeroDivisionError:
                out["reason"] = "the Hessian at the candidate is singular"
                return out
            Y = arb_mat([[arb(fmpq(*_to_fraction(Ym[a, b], dps + 10).as_integer_ratio())) for b in range(Pn)]
                         for a in range(Pn)])
        newton = Y * arb_mat([[v] for v in gc])
        # the box half-width: 100 Newton steps, at least 10^-(dps/2) (exact rationals, no float underflow)
        step = max(arb_to_fraction(abs(newton[a, 0]).upper()) for a in range(Pn))
        rho = max(100 * step, Fraction(1, 10 ** (dps // 2)))
        rho = Fraction(rho).limit_denominator(10 ** (dps + 20)) or rho
        out["rho"] = rho
        r = arb(fmpq(rho.numerator, rho.denominator))
        box = [ci + arb(0, r.upper()) for ci in c]  # c_i +- rho (outward)
        loss_B, _, HB = derivatives(box, X, y, P["d"], ops)
        out["loss"] = loss_B
        HBm = arb_mat(HB)
        M = arb_mat([[int(a == b) for b in range(Pn)] for a in range(Pn)]) - Y * HBm
        dev = M * arb_mat([[b - ci] for b, ci in zip(box, c)])
        K = [c[a] - newton[a, 0] + dev[a, 0] for a in range(Pn)]
        # strictly inside: every K_a within (c_a - rho, c_a + rho)
        out["critical"] = all((K[a] - c[a]).upper() < r and (K[a] - c[a]).lower() > -r for a in range(Pn))
        out["krawczyk_excess"] = max(float(abs(K[a] - c[a]).upper()) for a in range(Pn)) / float(rho)
        out["pd"] = cholesky_ball(HBm) is not None
        out["loss_positive"] = bool(loss_B.lower() > 0)
        # Gershgorin: lambda_max <= max_a sum_b |H_ab| on the box; GD with eta < 2 / that bound is locally attracted
        gers = max(sum((abs(HB[a][b]) for b in range(Pn)), arb(0)) for a in range(Pn))
        out["lambda_max_upper"] = gers
        out["eta_bound"] = 2 / gers
        out.update(_basin(out, HBm, K, c, r, gers, Pn))
        if out.get("basin_radius"):
            # a larger box around the same centre: if the interval Hessian is still positive definite there, the
            # basin grows with it (u* is already located by the Krawczyk test on the small box)
            for big in (Fraction(1, 10 ** e) for e in range(2, 8)):
                if big <= rho:
                    break
                rb = arb(fmpq(big.numerator, big.denominator))
                _, _, HBb = derivatives([ci + arb(0, rb.upper()) for ci in c], X, y, P["d"], ops)
                gb = max(sum((abs(HBb[a][b]) for b in range(Pn)), arb(0)) for a in range(Pn))
                wide = _basin(out, arb_mat(HBb), K, c, rb, gb, Pn)
                if wide.get("basin_radius") and wide["basin_radius"] > out["basin_radius"]:
                    out.update(wide, basin_box=big)
                    break
    return out


def _basin(out, HBm, K, c, r, gers, Pn) -> dict:
    r"""A certified basin of attraction (module docstring, step 4): with :math:`\mu\le\lambda_{\min}(
abla^2L)` and
    :math:`\Lambda\ge\lambda_{\max}(
abla^2L)` on the box :math:`B=c\pm
ho` (certified: residual/ball Cholesky of
    the interval Hessian, Gershgorin) and :math:`u^*\in K(B)`, :math:`|u^*-c|_\infty\le\kappa<
ho`, :math:`L` is
    :math:`\mu`-strongly convex on :math:`B` and :math:`L\ge L^*+\mu(
ho-\kappa)^2/2` on :math:`\partial B`; the
    ball :math:`|u-u^*|<r=(
ho-\kappa)\sqrt{\mu/\Lambda}/2` lies in the sublevel set below that value, which the
    gradient flow never leaves and in which it converges to :math:`u^*` (the only critical point in :math:`B`);
    gradient descent with :math:`0<\eta\le1/\Lambda` from that ball stays in the ball of radius :math:`2r\le
ho-\kappa`
    (steps :math:`\eta|
abla L|\le\eta\Lambda|u-u^*|`) and converges to :math:`u^*` (descent lemma, strong
    convexity). The ball around the exact centre :math:`c` of radius :math:`r-\kappa\sqrt P` is inside it. ``B`` may be
    any box around :math:`c` containing :math:`K(B_0)` of the Krawczyk box :math:`B_0` (``r`` its half-width,
    ``HBm``/``gers`` its interval Hessian and Gershgorin bound)."""
    from flint import arb

    from numerics.certified.enclosures import arb_to_fraction
    from numerics.certified.linalg import lambda_min_lower

    if not (out.get("critical") and out.get("pd")):
        return {}
    mu = lambda_min_lower(HBm).lower
    kappa = max(abs(K[a] - c[a]).upper() for a in range(Pn))
    if mu is None or not mu > 0 or not kappa < r or not gers.is_finite():
        return {"basin_radius": None}
    mu_b = arb(mu.numerator) / mu.denominator
    rad = ((r - kappa) * (mu_b / gers).sqrt() / 2 - kappa * arb(Pn).sqrt()).lower()
    if not rad > 0:
        return {"basin_radius": None}
    return {"basin_radius": arb_to_fraction(rad), "mu_lower": mu, "gd_step_safe": arb_to_fraction((1 / gers).lower())}


def analyse(inst, *, dps: int = 30) -> dict:
    """Train from the instance's init, polish, certify. {"params", "float", "polished", "cert"} (missing stages
    when an earlier one failed, with "reason")."""
    P = params(inst)
    if P["newton"]:  # certify the critical point Newton's method reaches from init (no minimisation)
        import numpy as np

        x = np.array([float(v) for r in P["init"] for v in r])
        fg = _float_problem(P)
        loss, g = fg(x)
        gnorm = float(np.linalg.norm(g))
    else:
        x, loss, gnorm = train(P)
    out = {"params": P, "float": {"loss": loss, "grad_norm": gnorm, "point": [float(v) for v in x]}}
    if not P["newton"] and not loss > 1e-10:
        out["reason"] = (f"the minimisation from this initialisation reached loss {loss:.3g} (the global minimum "
                         "is 0): no spurious minimum from here (float evidence)")
        out["global"] = True
        return out
    pol = polish(P, x, dps)
    if pol is None:
        out["reason"] = (f"Newton's method did not converge from the minimiser found (loss {loss:.3g}, |grad| "
                         f"{gnorm:.3g}): a degenerate or non-isolated critical point, or the minimisation drifts to "
                         "infinity; try another initialisation")
        return out
    u, last = pol
    centre = [_to_fraction(v, dps) for v in u]
    out["centre"] = centre
    out["cert"] = certify(P, centre, dps)
    return out


def _dec(q: Fraction, digits=25) -> str:
    import mpmath

    return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, digits)


# ---------------------------------------------------------------------------------------------- witnesses
#: spurious minima found numerically (scipy BFGS from random initialisations of random teachers and data); each
#: is re-certified on every check. Entries: exact decimal strings.
BANK: list[dict] = [
    {"name": "m = m0 = 2, d = 2, n = 12 (spurious minimum A, loss ~ 0.0028)",
     "X": [["0.4", "0.6"], ["-3.5", "2.3"], ["1.9", "0.1"], ["-4.5", "-1.0"], ["0.2", "4.3"], ["1.3", "1.7"],
           ["1.7", "2.8"], ["-2.2", "-1.6"], ["-2.3", "-0.5"], ["-0.6", "0.3"], ["-2.0", "0.3"], ["-1.6", "4.3"]],
     "teacher": [["-1.0", "5.2", "3.3", "-2.3"], ["2.0", "1.3", "-3.0", "1.3"]],
     "init": [["-0.8", "0.2", "1.2", "1.4"], ["-0.2", "-1.5", "-2.4", "1.2"]]},
    {"name": "m = m0 = 2, d = 2, n = 12 (spurious minimum B, loss ~ 0.0019)",
     "X": [["1.0", "-0.7"], ["3.1", "1.4"], ["3.1", "0.2"], ["-2.1", "-2.9"], ["-1.0", "0.6"], ["-1.3", "5.0"],
           ["-0.1", "0.9"], ["0.2", "-2.6"], ["2.2", "1.3"], ["1.8", "-1.9"], ["0.1", "0.0"], ["2.4", "-2.8"]],
     "teacher": [["1.4", "2.6", "-0.8", "-1.6"], ["2.8", "0.6", "2.4", "1.6"]],
     "init": [["-2.2", "-1.8", "3.1", "1.6"], ["-0.2", "0.1", "2.5", "-1.6"]]},
    {"name": "m = m0 = 2, d = 2, n = 12 (spurious minimum C, loss ~ 0.0015)",
     "X": [["1.6", "-1.2"], ["0.7", "-1.3"], ["1.8", "1.5"], ["-2.1", "-0.6"], ["1.1", "0.3"], ["-1.7", "2.3"],
           ["2.9", "-2.7"], ["3.1", "-3.8"], ["-0.1", "-1.1"], ["-0.9", "0.5"], ["-2.1", "-0.1"], ["3.4", "1.0"]],
     "teacher": [["3.1", "1.8", "-3.0", "3.6"], ["1.8", "1.4", "-0.6", "-0.9"]],
     "init": [["0.5", "-0.6", "-0.6", "0.2"], ["-0.6", "-0.3", "1.7", "-0.2"]]},
    {"name": "m = m0 = 2, d = 2, n = 12 (spurious minimum D, loss ~ 0.0021)",
     "X": [["1.3", "1.1"], ["0.6", "0.8"], ["-1.1", "-1.4"], ["2.7", "-0.3"], ["-2.8", "-2.4"], ["-3.0", "0.5"],
           ["2.2", "-0.6"], ["0.2", "-1.0"], ["1.7", "1.7"], ["1.8", "3.4"], ["-2.4", "1.5"], ["-3.0", "1.4"]],
     "teacher": [["1.6", "1.4", "1.6", "-0.2"], ["-1.1", "1.5", "-1.1", "1.4"]],
     "init": [["-1.1", "0.6", "0.5", "-1.1"], ["-0.4", "1.4", "0.1", "0.8"]]},
    {"name": "m = 2 > m0 = 1, d = 2, n = 10 (spurious minimum E, loss ~ 0.0083)",
     "X": [["3.3", "-2.4"], ["2.5", "-2.8"], ["0.2", "-1.5"], ["0.2", "2.4"], ["-0.4", "4.9"], ["-3.9", "-2.3"],
           ["0.3", "-2.6"], ["1.3", "1.0"], ["-1.2", "-1.6"], ["1.1", "0.2"]],
     "teacher": [["2.3", "2.2", "-0.3", "-1.5"]],
     "init": [["-4.0", "-0.6", "0.3", "-0.2"], ["-3.2", "-0.5", "-1.5", "0.5"]]},
]


def _instance(i: int) -> dict:
    b = BANK[i]
    return {"name": b["name"], "X": b["X"], "teacher": b["teacher"], "init": b["init"]}


def _decimal(q: Fraction) -> str:
    """A Fraction whose denominator divides a power of 10 as an exact decimal string (readable witnesses)."""
    from decimal import Decimal

    return format(Decimal(q.numerator) / Decimal(q.denominator), "f")


def _perturbed(args) -> dict:
    """A bank entry with every initial entry moved by k/100 (|k| <= 3) and every input by k/100 (|k| <= 1): the
    spurious minimum is non-degenerate, so it persists under small changes of the data (implicit function theorem)
    and its basin contains the perturbed initialisations; each draw is certified afresh."""
    i, dinit, dx = args
    inst = _instance(i)
    flat, flat_x = iter(dinit), iter(dx)
    inst["init"] = [[_decimal(Fraction(v) + Fraction(next(flat), 100)) for v in row] for row in inst["init"]]
    inst["X"] = [[_decimal(Fraction(v) + Fraction(next(flat_x), 100)) for v in row] for row in inst["X"]]
    inst["name"] = "hypothesis"
    inst["bank"] = i
    return inst


def _strategy():
    def one(i):
        size = sum(len(r) for r in BANK[i]["init"])
        nx = sum(len(r) for r in BANK[i]["X"])
        return st.tuples(st.just(i), st.lists(st.integers(-3, 3), min_size=size, max_size=size),
                         st.lists(st.integers(-1, 1), min_size=nx, max_size=nx))

    return st.integers(0, len(BANK) - 1).flatmap(one).map(_perturbed)


def _statement(P) -> str:
    return (f"gradient descent on the m-particle loss (m = {P['m']}, sigmoid network with bias, d = {P['d']}, "
            f"n = {P['n']} points) for the teacher with m0 = {P['m0']} neurons of the instance reaches the global "
            "minimum 0 from every initialisation outside a null set")


@claim(ID_F6, label="§9 F6", provenance="[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F6), reconstructed: the convergence theorems are asymptotic in m; the "
              "counterexample is derived and certified here",
       statement=r"m\ge m_0,\ y_i=f^*(x_i):\ \text{for a.e. } u(0)\in\mathbb R^{m(d+2)},\ u'=-\nabla L(u)\ "
                 r"\Rightarrow\ L(u(t))\to0",
       assumptions=ASSUMPTIONS_F6, expected="fails", instances=[_instance(0), _instance(4)], strategy=_strategy,
       description="false variant: m >= m0 particles always suffice (refuted by a certified strict local minimum "
                   "of the finite-particle loss with positive loss)")
def check_f6(inst, *, dps=30):
    """F6 (false): with m >= m0 particles, gradient descent from generic initialisation reaches the global
    minimum of the m-particle loss."""
    out = analyse(inst, dps=dps)
    P = out["params"]
    statement = _statement(P)
    fl = out["float"]
    base_wit = {"X": inst["X"], "teacher": inst["teacher"], "init": inst["init"],
                "float loss at the minimiser found": fl["loss"]}
    if "cert" not in out:
        return inconclusive(ID_F6, inst, margin=fl["loss"], precision="float64 (scipy BFGS)",
                            method="minimisation from the initialisation", witness=base_wit, numerical=True,
                            assumptions=ASSUMPTIONS_F6, scope="instance", statement=statement,
                            message=out["reason"])
    cert = out["cert"]
    q = P["d"] + 2
    centre = out["centre"]
    wit = {**base_wit,
           "minimiser (box centre, rounded)": [[_dec(v, 20) for v in centre[j * q:(j + 1) * q]]
                                               for j in range(P["m"])],
           "box half-width rho": _dec(cert["rho"], 6), "loss on the box": cert["loss"],
           "Krawczyk |K - c| / rho": cert["krawczyk_excess"],
           "certified GD step bound 2 / lambda_max": cert["eta_bound"],
           "certified basin: Euclidean radius around the centre": (None if not cert.get("basin_radius") else
                                                                  _dec(cert["basin_radius"], 6)),
           "certified GD step for the basin (<= 1 / lambda_max)": (None if not cert.get("gd_step_safe") else
                                                                   _dec(cert["gd_step_safe"], 6))}
    prec = f"arb {cert['bits']} bits (Krawczyk + ball Cholesky, outward rounding)"
    failed = [name for key, name in (("critical", "the Krawczyk test (critical point in the box)"),
                                     ("pd", "positive definiteness of the Hessian on the box"),
                                     ("loss_positive", "a positive loss on the box"),
                                     ("basin_radius", "a certified basin of attraction")) if not cert.get(key)]
    if failed:
        return inconclusive(ID_F6, inst, margin=cert["loss"], precision=prec, method="Krawczyk + ball Cholesky",
                            witness=wit, assumptions=ASSUMPTIONS_F6, scope="instance", statement=statement,
                            message=f"not certified: {', '.join(failed)} failed at the point found from this "
                                    f"initialisation (float loss {fl['loss']:.3g}); raise --dps, or the point is a "
                                    "saddle / degenerate / a global minimiser")
    return refuted(ID_F6, inst, margin=cert["loss"], precision=prec,
                   method="scipy BFGS + mpmath Newton, then Krawczyk, ball Cholesky and ball loss on a box",
                   witness=wit, assumptions=ASSUMPTIONS_F6, scope="instance", statement=statement,
                   message=f"strict local minimiser with positive loss: the box of half-width "
                           f"{_dec(cert['rho'], 3)} around the point found contains exactly one critical point "
                           "(Krawczyk), the Hessian is positive definite on the whole box (ball Cholesky) and the "
                           f"loss there is {cert['loss'].str(12)} > 0 = min L (m = {P['m']} >= m0 = {P['m0']}, "
                           "realisable teacher). Certified basin: every initialisation within Euclidean distance "
                           f"{_dec(cert['basin_radius'], 3)} of the centre (positive probability for any law with a "
                           "density) converges to this non-global point under the gradient flow and under gradient "
                           f"descent with step eta <= {_dec(cert['gd_step_safe'], 3)} (strong convexity on the box: "
                           "mu, Lambda and the Krawczyk enclosure computed in balls)")
