r"""Flows of the univariate two-timescale model (float64): the gradient flow with timescale ratio eps, its eps -> 0
limit (a = a*(u), u follows the reduced loss), online SGD, and the sharp-step (eta -> 0) slow flow of L0.

* :func:`joint_flow`: explicit Euler on :math:`\dot a=-\nabla_aL`, :math:`\dot u=-\varepsilon\nabla_uL` (eps = 1 is the
  single-timescale flow). Step ``h`` fixed; a run whose numbers leave the finite floats stops with
  ``status="diverged"``.
* :func:`accurate_joint_flow`: the same flow by scipy ``solve_ivp`` (LSODA, tight tolerances), an independent
  integrator to confirm a fixed-step Euler trajectory.
* :func:`limit_flow`: the eps -> 0 limit: :math:`a=a^*(u)` at every step and :math:`du/d\tau=-\nabla_u\min_aL` in slow
  time, explicit Euler whose step is capped so that no neuron moves more than ``max_move`` (default eta / 10).
* :func:`sgd`: online SGD as in the authors' experiment (x ~ U[0, 1], label noise U[-noise, noise], step h for a and
  h eps for u; gradient of (f - f* - xi)^2 / 2). Unlike the authors' code, the u-gradient is the derivative of the
  cubic step actually used in the forward pass.
* :func:`sharp_flow`: explicit Euler on :math:`du/d\tau=-\nabla\mathcal L_0`. Documented behaviour, never a crash:
  a neuron whose step would cross a jump is snapped onto it and frozen there (it covers the jump; the authors'
  integrator does the same); with ``rule="flanks"`` (the authors' description: each jump pulls its two flanking
  neurons) a layout with fewer than two neurons in some piece of f* is not described, and the run returns at once
  with ``status="bad-subdivision"`` and the offending pieces; with ``rule="general"`` (default) the general
  gradient formula is used, which is defined for every layout (a lone neuron in a piece is pulled by both jumps).

Hand-written Euler loops: each step needs the exact piecewise integrals of :mod:`numerics.twotimescale.model` and,
for the limit flows, a least-squares solve or a snap onto a jump, which scipy's ODE solvers do not offer.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from numerics.errors import InvalidArgument
from numerics.twotimescale.model import (Target, coverage, dsigma, floor, loss_and_grads, reduced_loss,
                                         sharp_grad, sharp_loss, sigma)

__all__ = ["FlowResult", "joint_flow", "accurate_joint_flow", "limit_flow", "sgd", "sharp_flow", "summarize_run",
           "MONOTONE_RTOL"]

#: relative rounding allowance when checking that the recorded loss of a gradient-flow run never increases
MONOTONE_RTOL = 1e-12


@dataclass
class FlowResult:
    """A trajectory: ``times`` (in the flow's own clock, see ``clock``), ``loss`` (population loss, 1/2 convention),
    ``u`` (positions at the recorded times, shape (n_rec, m)), final ``a`` and ``u``, ``status`` ("ok",
    "diverged", "interrupted", "bad-subdivision"), ``info`` (extra facts: snapped neurons, offending pieces)."""

    times: np.ndarray
    loss: np.ndarray
    u: np.ndarray
    a: np.ndarray
    u_final: np.ndarray
    status: str = "ok"
    clock: str = "t"
    steps: int = 0
    seconds: float = 0.0
    info: dict = field(default_factory=dict)


def _positive(name, x):
    if not (np.isfinite(x) and x > 0):
        raise InvalidArgument(f"got {name} = {x!r}; valid is a positive finite number")


def _rec_points(n_steps, n_record):
    return set(np.unique(np.linspace(0, n_steps, max(2, n_record)).round().astype(int)).tolist())


def joint_flow(u0, a0, target: Target, eta: float, eps: float, t_max: float, h: float, *, n_record: int = 100,
               progress=None) -> FlowResult:
    """Explicit Euler for the joint flow with timescale ratio ``eps`` up to time ``t_max`` (fast clock t)."""
    for n, x in (("eta", eta), ("eps", eps), ("t_max", t_max), ("h", h)):
        _positive(n, x)
    u, a = np.array(u0, float), np.array(a0, float)
    n_steps = int(round(t_max / h))
    rec = _rec_points(n_steps, n_record)
    T, Ls, Us = [], [], []
    status, t0, k = "ok", time.perf_counter(), 0
    prev, n_inc, worst = np.inf, 0, 0.0
    try:
        for k in range(n_steps + 1):
            L, ga, gu = loss_and_grads(a, u, eta, target)
            if L > prev * (1.0 + MONOTONE_RTOL):  # a gradient flow never increases L: the step is too large
                n_inc += 1
                worst = max(worst, (L - prev) / prev)
            prev = L
            if k in rec:
                T.append(k * h), Ls.append(L), Us.append(u.copy())
                if progress is not None:
                    progress(k, n_steps, L)
            if not np.isfinite(L):
                status = "diverged"
                break
            if k == n_steps:
                break
            a = a - h * ga
            u = u - h * eps * gu
    except KeyboardInterrupt:
        status = "interrupted"
    return FlowResult(np.array(T), np.array(Ls), np.array(Us), a, u, status, "t", k, time.perf_counter() - t0,
                      {"loss_increases": n_inc, "max_relative_increase": worst})


def accurate_joint_flow(u0, a0, target: Target, eta: float, eps: float, t_eval, *, rtol: float = 1e-9,
                        atol: float = 1e-12, method: str = "LSODA") -> FlowResult:
    """The same joint flow integrated by scipy's ``solve_ivp`` (default LSODA, which switches to a stiff method
    where needed) with tight tolerances, reporting the state at the times ``t_eval`` (increasing, last = horizon).
    An independent check of :func:`joint_flow`'s fixed-step Euler trajectory. Ctrl-C propagates."""
    from scipy.integrate import solve_ivp

    t_eval = np.asarray(t_eval, float)
    for n, x in (("eta", eta), ("eps", eps), ("horizon", float(t_eval[-1]) if t_eval.size else 0.0)):
        _positive(n, x)
    u, a = np.array(u0, float), np.array(a0, float)
    m = u.size

    def rhs(_t, y):
        _, ga, gu = loss_and_grads(y[:m + 1], y[m + 1:], eta, target)
        return np.concatenate([-ga, -eps * gu])

    t0 = time.perf_counter()
    sol = solve_ivp(rhs, (0.0, float(t_eval[-1])), np.concatenate([a, u]), method=method, rtol=rtol, atol=atol,
                    t_eval=t_eval)
    Y = sol.y
    Ls = np.array([loss_and_grads(Y[:m + 1, i], Y[m + 1:, i], eta, target)[0] for i in range(Y.shape[1])])
    status = "ok" if sol.status == 0 and Y.shape[1] == t_eval.size else "diverged"
    inc = int(np.sum(np.diff(Ls) > MONOTONE_RTOL * np.abs(Ls[:-1]) + atol)) if Ls.size > 1 else 0
    yl = Y[:, -1] if Y.shape[1] else np.concatenate([a, u])
    return FlowResult(np.asarray(sol.t), Ls, Y[m + 1:].T.copy(), yl[:m + 1], yl[m + 1:], status, "t", int(sol.nfev),
                      time.perf_counter() - t0, {"loss_increases": inc, "max_relative_increase": 0.0,
                                                 "solver": f"solve_ivp {method} rtol {rtol:g} atol {atol:g}",
                                                 "message": sol.message})


def limit_flow(u0, target: Target, eta: float, tau_max: float, *, max_move: float | None = None,
               dtau_max: float = 1e-2, n_record: int = 100, progress=None) -> FlowResult:
    """The eps -> 0 flow: a = a*(u), u by Euler in slow time tau up to ``tau_max``, each step moving no neuron more
    than ``max_move`` (default eta / 10) and lasting at most ``dtau_max``."""
    for n, x in (("eta", eta), ("tau_max", tau_max), ("dtau_max", dtau_max)):
        _positive(n, x)
    move = eta / 10 if max_move is None else max_move
    _positive("max_move", move)
    u = np.array(u0, float)
    grid = np.linspace(0.0, tau_max, max(2, n_record))
    T, Ls, Us = [], [], []
    tau, nxt, steps, status, t0 = 0.0, 0, 0, "ok", time.perf_counter()
    a = None
    try:
        while True:
            L, gu, a = reduced_loss(u, eta, target)
            if nxt < grid.size and tau >= grid[nxt] - 1e-15:
                T.append(tau), Ls.append(L), Us.append(u.copy())
                nxt += 1
                if progress is not None:
                    progress(tau, tau_max, L)
            if tau >= tau_max - 1e-15:
                break
            gmax = float(np.max(np.abs(gu))) if gu.size else 0.0
            dt = min(dtau_max, grid[nxt] - tau if nxt < grid.size else tau_max - tau)
            if gmax > 0:
                dt = min(dt, move / gmax)
            u = u - dt * gu
            tau += dt
            steps += 1
    except KeyboardInterrupt:
        status = "interrupted"
    return FlowResult(np.array(T), np.array(Ls), np.array(Us), a, u, status, "tau", steps,
                      time.perf_counter() - t0)


def sgd(u0, a0, target: Target, eta: float, eps: float, h: float, n_steps: int, *, seed: int = 0,
        noise: float = 1.0, batch: int = 1, n_record: int = 100, progress=None) -> FlowResult:
    """Online SGD (x ~ U[0, 1], xi ~ U[-noise, noise]); the recorded loss is the population loss (no noise)."""
    for n, x in (("eta", eta), ("eps", eps), ("h", h)):
        _positive(n, x)
    if n_steps < 1 or batch < 1 or noise < 0:
        raise InvalidArgument(f"got n_steps = {n_steps}, batch = {batch}, noise = {noise}; valid is n_steps >= 1, "
                              "batch >= 1, noise >= 0")
    rng = np.random.default_rng(seed)
    u, a = np.array(u0, float), np.array(a0, float)
    rec = _rec_points(n_steps, n_record)
    vals = np.asarray(target.values, float)
    vv = np.asarray(target.v, float)
    T, Ls, Us = [], [], []
    status, t0, k = "ok", time.perf_counter(), 0
    try:
        for k in range(n_steps + 1):
            if k in rec:
                L = loss_and_grads(a, u, eta, target)[0]
                T.append(k * h * eps), Ls.append(L), Us.append(u.copy())
                if progress is not None:
                    progress(k, n_steps, L)
                if not np.isfinite(L):
                    status = "diverged"
                    break
            if k == n_steps:
                break
            x = rng.random(batch)
            xi = noise * (2.0 * rng.random(batch) - 1.0)
            z = (x[None, :] - u[:, None]) / eta
            phi = sigma(z)
            r = a[0] + a[1:] @ phi - vals[np.searchsorted(vv, x, side="right")] - xi
            ga = np.concatenate([[r.sum()], phi @ r]) / batch
            gu = -a[1:] * ((dsigma(z) / eta) @ r) / batch
            a = a - h * ga
            u = u - h * eps * gu
    except KeyboardInterrupt:
        status = "interrupted"
    return FlowResult(np.array(T), np.array(Ls), np.array(Us), a, u, status, "tau (= step x h x eps)", k,
                      time.perf_counter() - t0)


def piece_counts(u, target: Target):
    """Number of neurons strictly inside each piece of f* (K + 1 pieces); neurons on a jump are not counted."""
    u = np.asarray(u, float)
    edges = np.concatenate([[0.0], np.asarray(target.v, float), [1.0]])
    return np.array([int(np.sum((u > lo) & (u < hi))) for lo, hi in zip(edges[:-1], edges[1:])])


def sharp_flow(u0, target: Target, tau_max: float, n_steps: int = 1000, *, rule: str = "general",
               n_record: int = 100) -> FlowResult:
    """Euler on du/dtau = -grad L0 (``n_steps`` equal steps up to ``tau_max``); neurons crossing a jump are snapped
    onto it and frozen. ``rule="flanks"`` refuses (status "bad-subdivision", no step taken) a layout with fewer than
    two neurons in some piece of f*, as the authors' limit integrator does; ``rule="general"`` runs any layout."""
    if rule not in ("general", "flanks"):
        raise InvalidArgument(f"got rule {rule!r}; valid is 'general' or 'flanks'")
    _positive("tau_max", tau_max)
    if n_steps < 1:
        raise InvalidArgument(f"got n_steps = {n_steps}; valid is at least 1")
    u = np.sort(np.array(u0, float))
    v = np.asarray(target.v, float)
    counts = piece_counts(u, target)
    info = {"piece_counts": counts.tolist(), "snapped": {}}
    if rule == "flanks" and np.any(counts < 2):
        bad = [int(i) for i in np.flatnonzero(counts < 2)]
        info["bad_pieces"] = bad
        return FlowResult(np.array([0.0]), np.array([sharp_loss(u, target)]), u[None, :].copy(), np.array([]),
                          u, "bad-subdivision", "tau", 0, 0.0, info)
    frozen = np.isin(u, v)
    dt = tau_max / n_steps
    rec = _rec_points(n_steps, n_record)
    T, Ls, Us = [], [], []
    t0 = time.perf_counter()
    for k in range(n_steps + 1):
        if k in rec:
            T.append(k * dt), Ls.append(sharp_loss(u, target)), Us.append(u.copy())
        if k == n_steps:
            break
        g = np.where(frozen, 0.0, np.nan_to_num(sharp_grad(u, target), nan=0.0))
        new = u - dt * g
        for j in np.flatnonzero(~frozen & (g != 0)):
            lo, hi = min(u[j], new[j]), max(u[j], new[j])
            hit = v[(v >= lo) & (v <= hi)]
            if hit.size:
                new[j] = hit[0] if new[j] > u[j] else hit[-1]
                frozen[j] = True
                info["snapped"][int(j)] = {"jump": float(new[j]), "tau": (k + 1) * dt}
        u = new
    return FlowResult(np.array(T), np.array(Ls), np.array(Us), np.array([]), u, "ok", "tau", n_steps,
                      time.perf_counter() - t0, info)


def summarize_run(res: FlowResult, target: Target, eta: float, tol: float | None = None, floor_factor: float = 1.5):
    """Final loss, the O(eta) floor, coverage of every jump (a neuron within ``tol``, default eta) and the verdict of
    the run: "failed" (the run did not finish - status not "ok" - or, for a deterministic flow, its loss increased
    at some step: a gradient flow never increases L, so the Euler step was too large), "global" (loss <= floor_factor x floor and every jump
    covered), "stalled" (a jump uncovered and loss above floor_factor x floor), or "other"."""
    tol = eta if tol is None else tol
    fl = floor(target, eta)
    cov, dist = coverage(res.u_final, target, tol)
    L = float(res.loss[-1]) if res.loss.size else float("nan")
    # deterministic flows (joint_flow, accurate_joint_flow) count loss increases; SGD's loss need not decrease
    n_inc = int(res.info.get("loss_increases", 0))
    monotone = n_inc == 0
    if res.status != "ok" or not monotone or not np.isfinite(L):
        outcome = "failed"
    elif cov.all() and L <= floor_factor * fl:
        outcome = "global"
    elif not cov.all() and L > floor_factor * fl:
        outcome = "stalled"
    else:
        outcome = "other"
    return {"final_loss": L, "floor": fl, "loss_over_floor": L / fl, "covered": cov.tolist(),
            "uncovered_jumps": [float(x) for x, c in zip(target.v, cov) if not c],
            "distance_to_nearest_neuron": dist.tolist(), "outcome": outcome, "status": res.status,
            "monotone": monotone, "loss_increases": n_inc,
            "steps": res.steps, "seconds": round(res.seconds, 3)}
