r"""High-precision evaluation (mpmath, scoped) of F, Psi, grad Psi, Hessians, and Newton refinement.

MATH.md §1b A.1: loss :math:`F(\mu)=R(f_\mu)=\frac1{2n}\sum_i|f_\mu(x_i)-y_i|^2`,
:math:`\Psi_\mu(u)=\frac1n\sum_ir_ig(u,x_i)^\top`. Every function takes ``dps`` and evaluates inside
:func:`numerics.certified.precision.workdps`, so the caller's ``mp.dps`` is never changed. Gradients and Hessians come from the
model's symbolic derivatives (``model.compile("dg"|"d2g", "mpmath")``), not from finite differences.

What is certified: nothing here is an enclosure — these are high-precision floating-point values (error about
``10**-dps`` relative, for well-conditioned inputs). Certificates come from :mod:`numerics.certified.enclosures`; this module
supplies the accurate points (argmax of :math:`|\Psi|`, refined stationary measures) that the certificates check.

* :func:`loss_mp`, :func:`psi_mp`, :func:`grad_psi_mp`, :func:`hessian_psi_mp`, :func:`velocity_mp`
* :func:`refine_argmax_abs_psi` — Newton on :math:`\nabla|\Psi|_F^2=0` from a starting point.
* :func:`refine_stationary` — Newton (Gauss-Newton with least squares) on the particle velocity field
  :math:`v(\theta)=0` to a requested number of digits; raises :class:`numerics.errors.NoConvergence` with the
  iteration limit when it does not converge.
"""
from __future__ import annotations

import mpmath

from numerics.certified.precision import workdps
from numerics.errors import NoConvergence
from numerics.particles import Measure, convert, loss, psi, residual, velocity

__all__ = ["loss_mp", "psi_mp", "grad_psi_mp", "hessian_psi_mp", "velocity_mp", "refine_argmax_abs_psi",
           "refine_stationary"]


def _central_jacobian(F, x, h):
    """Jacobian of the vector function F at x by central differences of step h (mpmath matrix)."""
    cols = []
    for t in range(len(x)):
        xp, xm = list(x), list(x)
        xp[t] += h
        xm[t] -= h
        fp, fm = F(xp), F(xm)
        cols.append([(fp[s] - fm[s]) / (2 * h) for s in range(len(fp))])
    J = mpmath.matrix(len(cols[0]), len(x))
    for t, col in enumerate(cols):
        for s, v in enumerate(col):
            J[s, t] = v
    return J


def _residual(model, mu, data, dps):
    with workdps(dps):
        return residual(model, mu, data, "mpmath")


def loss_mp(model, mu, data, *, dps=50):
    """F(mu) = (1/(2n)) sum_i |f_mu(x_i) - y_i|^2 at ``dps`` digits."""
    with workdps(dps):
        return loss(model, mu, data, "mpmath")


def _X(data):
    return [[convert(v, "mpmath") for v in row] for row in data.X]


def psi_mp(model, mu, data, u, *, dps=50, r=None):
    """Psi_mu(u) as a list of k*q mpf (row-major) at ``dps`` digits."""
    with workdps(dps):
        M = psi(model, mu, data, [[convert(v, "mpmath") for v in u]], "mpmath", r=r)[0]  # the k x q matrix
        return [v for row in M for v in row]


def grad_psi_mp(model, mu, data, u, *, dps=50, r=None):
    """Jacobian of Psi in u: (k*q) x p_u mpf at ``dps`` digits (symbolic derivative of g)."""
    with workdps(dps):
        r = _residual(model, mu, data, dps) if r is None else r
        dg = model.compile("dg", "mpmath")
        uu = [convert(v, "mpmath") for v in u]
        k, q, pu, n = model.k, model.q, model.p_u, data.n
        acc = [[mpmath.mpf(0)] * pu for _ in range(k * q)]
        for ri, xi in zip(r, _X(data)):
            J = dg(*uu, *xi)
            for c in range(k):
                for qq in range(q):
                    for t in range(pu):
                        acc[c * q + qq][t] += ri[c] * J[qq * pu + t]
        return [[v / n for v in row] for row in acc]


def hessian_psi_mp(model, mu, data, u, *, dps=50, r=None):
    """Hessians of Psi in u: (k*q) x p_u x p_u mpf at ``dps`` digits."""
    with workdps(dps):
        r = _residual(model, mu, data, dps) if r is None else r
        d2g = model.compile("d2g", "mpmath")
        uu = [convert(v, "mpmath") for v in u]
        k, q, pu, n = model.k, model.q, model.p_u, data.n
        acc = [[[mpmath.mpf(0)] * pu for _ in range(pu)] for _ in range(k * q)]
        for ri, xi in zip(r, _X(data)):
            H = d2g(*uu, *xi)
            for c in range(k):
                for qq in range(q):
                    for s in range(pu):
                        for t in range(pu):
                            acc[c * q + qq][s][t] += ri[c] * H[(qq * pu + s) * pu + t]
        return [[[v / n for v in row] for row in M] for M in acc]


def velocity_mp(model, mu, data, *, dps=50):
    """Mean-field velocity (a', u') at every particle at ``dps`` digits (MATH.md §1b A.1)."""
    with workdps(dps):
        return velocity(model, mu, data, "mpmath")


def refine_argmax_abs_psi(model, mu, data, u0, *, dps=50, max_iter=60):
    """Newton on grad |Psi|_F^2 = 0 from ``u0``; returns (u, |Psi(u)|, converged).

    Uses the exact gradient 2 sum_c Psi_c grad Psi_c (symbolic derivative of g) and its central differences as
    the Hessian. Steps that decrease |Psi| are halved (a local maximiser is sought); ``converged`` is True when the
    gradient norm fell below 10^(-dps+5) times the scale.
    """
    with workdps(dps + 10):
        r = _residual(model, mu, data, dps + 10)
        u = [convert(v, "mpmath") for v in u0]
        pu = model.p_u

        def val(uu):
            return sum(v * v for v in psi_mp(model, mu, data, uu, dps=dps + 10, r=r))

        fu = val(u)
        tol = mpmath.mpf(10) ** (-dps + 5) * max(mpmath.mpf(1), abs(fu))
        converged = False
        def grad(uu):
            P = psi_mp(model, mu, data, uu, dps=dps + 10, r=r)
            J = grad_psi_mp(model, mu, data, uu, dps=dps + 10, r=r)
            return [2 * sum(P[c] * J[c][t] for c in range(len(P))) for t in range(pu)]

        h = mpmath.mpf(10) ** (-(dps // 2) - 5)
        for _ in range(max_iter):
            g = grad(u)
            if mpmath.norm(g) < tol:
                converged = True
                break
            # Hessian by central differences of the exact gradient (symbolic second derivatives of softmax
            # heads are slow to generate; the Newton step only needs ~dps/2 correct digits of it)
            H = _central_jacobian(grad, u, h)
            try:
                step = mpmath.lu_solve(H, mpmath.matrix(g))
            except (ZeroDivisionError, TypeError, ValueError):  # singular Hessian (mpmath raises all three)
                break
            lam = mpmath.mpf(1)
            for _ in range(40):
                cand = [u[t] - lam * step[t] for t in range(pu)]
                fc = val(cand)
                if fc >= fu - tol:
                    break
                lam /= 2
            else:
                break
            u, fu = cand, fc
        return u, mpmath.sqrt(fu), converged


def _flatten(model, mu):
    th = []
    for aj, uj in zip(mu.a, mu.u):
        th += [convert(v, "mpmath") for row in aj for v in row] + [convert(v, "mpmath") for v in uj]
    return th


def _unflatten(model, mu, th):
    k, q, pu = model.k, model.q, model.p_u
    a, u = [], []
    step = k * q + pu
    for j in range(len(mu.u)):
        blk = th[j * step:(j + 1) * step]
        a.append([[blk[c * q + qq] for qq in range(q)] for c in range(k)])
        u.append(blk[k * q:])
    return Measure(a=a, u=u, mass=[convert(p, "mpmath") for p in mu.mass])


def refine_stationary(model, mu, data, *, digits=30, max_iter=50, dps=None):
    """Newton refinement of a (nearly) stationary measure until max_j |(a_j', u_j')| < 10^-digits.

    Gauss-Newton on the velocity field (least squares through mpmath's QR, so singular directions of a
    non-isolated stationary set do not break the step); the Jacobian is taken by central differences at twice the
    working precision. Returns ``(measure, residual)`` with mpf entries. Raises
    :class:`numerics.errors.NoConvergence` (``limit`` = the iteration cap) when the residual is not below the target
    after ``max_iter`` steps, naming the knob to turn.
    """
    dps = dps or 2 * digits + 20
    target = mpmath.mpf(10) ** (-digits)
    with workdps(dps):
        th = _flatten(model, mu)
        N = len(th)

        def F(theta):
            va, vu = velocity_mp(model, _unflatten(model, mu, theta), data, dps=dps)
            out = []
            for A, uu in zip(va, vu):
                out += [v for row in A for v in row] + list(uu)
            return out

        def res_norm(vec):
            return max(abs(v) for v in vec) if vec else mpmath.mpf(0)

        fv = F(th)
        hist = [res_norm(fv)]
        for _ in range(max_iter):
            if hist[-1] < target:
                return _unflatten(model, mu, th), hist[-1]
            h = mpmath.mpf(10) ** (-(dps // 2))
            J = _central_jacobian(F, th, h)
            try:
                step, _ = mpmath.qr_solve(J, mpmath.matrix(fv))
            except (ZeroDivisionError, ValueError):
                break
            th = [th[t] - step[t] for t in range(N)]
            fv = F(th)
            hist.append(res_norm(fv))
        if hist[-1] < target:
            return _unflatten(model, mu, th), hist[-1]
        raise NoConvergence(f"Newton refinement of the stationary measure did not reach 1e-{digits} in {max_iter} "
                            f"steps (residual {mpmath.nstr(hist[-1], 5)}, started at {mpmath.nstr(hist[0], 5)}); "
                            "start closer to a stationary point (run the particle flow longer) or raise max_iter",
                            limit=max_iter)
