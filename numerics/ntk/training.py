r"""NTK-scaled training of the finite-width networks of :mod:`numerics.ntk.networks`, with the quantities the
lemmas of Du et al. (2018, 2019) speak about recorded along the way.

* :func:`train_two_layer`: gradient descent :math:`W(k+1)=W(k)-\eta\,\partial L/\partial W(k)` on the two-layer ReLU
  network (``joint=True``: the output layer too), or gradient flow approximated by small steps
  (``method="flow"``: GD with step ``dt``, reported at times :math:`t=k\,dt`). Recorded per step: the residual
  :math:`\|y-u\|_2^2`, :math:`\lambda_{\min}(H(k))` (and of :math:`G(k)` when joint), the maximal movement
  :math:`\max_r\|w_r(k)-w_r(0)\|_2`, and the fraction of activation patterns that differ from the initial ones,
  :math:`\frac1{mn}\sum_{i,r}\mathbf 1\{\mathrm{sign}(w_r(0)^\top x_i)\ne\mathrm{sign}(w_r(k)^\top x_i)\}`. The step
  is the same update as the dynamics engine's ``ntk_flow`` (tests compare them); it is written here so that the
  Gram and the patterns are available at every step without a second pass.
* :func:`linearised_residual`: the exact linearised flow :math:`y-u(t)=e^{-Ht}(y-u(0))` (eigendecomposition, scipy).
* :func:`train_deep`: full-batch GD on every layer of a :class:`~numerics.ntk.networks.DeepNet`, recording the loss,
  :math:`\lambda_{\min}(G^{(H)}(k))` and the averaged Frobenius movement :math:`\max_h\|W^{(h)}(k)-W^{(h)}(0)\|_F/\sqrt m`.

Every trajectory stops early with ``diverged=True`` when the residual stops being finite or exceeds ``blowup``
times its initial value (the caller decides what that means).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from numerics.errors import InvalidArgument
from numerics.ntk import networks as nw

__all__ = ["Trajectory", "train_two_layer", "linearised_residual", "train_deep", "lambda_min"]


def lambda_min(A) -> float:
    """Smallest eigenvalue of a symmetric float matrix (LAPACK on one thread)."""
    from numerics.certified.linalg import eigvalsh_float

    return float(eigvalsh_float(0.5 * (A + A.T))[0])


@dataclass
class Trajectory:
    """Recorded quantities, one entry per recorded step (index 0 = initialisation). ``t``: GD step index (or flow
    time). ``residual``: :math:`\\|y-u\\|_2^2`. ``lam_H`` / ``lam_G``: smallest eigenvalues of the Grams.
    ``movement``: max per-neuron (two-layer) or averaged Frobenius (deep) distance from initialisation.
    ``pattern_change``: fraction of changed activation patterns (two-layer)."""

    t: np.ndarray
    residual: np.ndarray
    lam_H: np.ndarray
    movement: np.ndarray
    pattern_change: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lam_G: np.ndarray = field(default_factory=lambda: np.zeros(0))
    diverged: bool = False
    final: dict = field(default_factory=dict)


def _check_step(eta, steps):
    if not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0):
        raise InvalidArgument(f"the step size must be a positive finite number, got {eta!r}")
    if int(steps) < 0:
        raise InvalidArgument(f"steps must be >= 0, got {steps}")


def train_two_layer(X, y, W0, a0, *, eta: float, steps: int, method: str = "gd", joint: bool = False,
                    record_gram: bool = True, blowup: float = 1e8, scaling: str = "ntk") -> Trajectory:
    r"""GD (``method="gd"``, step ``eta``) or small-step gradient flow (``method="flow"``, ``eta`` is the time step,
    ``t = k eta``) of the two-layer ReLU network from ``(W0, a0)``; ``joint``: train ``a`` too.

    ``scaling="mean-field"``: output factor 1/m and GD step ``eta * m`` (the width-independent mean-field dynamics,
    where a neuron moves O(1) whatever m; the Grams recorded are then not the NTK ones and are skipped)."""
    if method not in ("gd", "flow"):
        raise InvalidArgument(f"method must be 'gd' or 'flow', got {method!r}")
    _check_step(eta, steps)
    X = nw._data(X)
    y = np.asarray(y, float).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise InvalidArgument(f"{X.shape[0]} inputs but {y.shape[0]} labels")
    W = np.array(W0, float)
    a = np.array(a0, float)
    nw._out_scale(W.shape[0], scaling)
    step = eta * W.shape[0] if scaling == "mean-field" else eta
    record_gram = record_gram and scaling == "ntk"
    S0 = nw.patterns(X, W)
    rec = {k: [] for k in ("t", "res", "lH", "lG", "mv", "pc")}

    def record(k):
        r = y - nw.two_layer_output(X, W, a, scaling)
        rec["t"].append(k * eta if method == "flow" else k)
        rec["res"].append(float(r @ r))
        if record_gram:
            rec["lH"].append(lambda_min(nw.two_layer_gram(X, W, a if joint else None)))
            if joint:
                rec["lG"].append(lambda_min(nw.two_layer_output_gram(X, W)))
        rec["mv"].append(float(np.max(np.linalg.norm(W - W0, axis=1))))
        rec["pc"].append(float(np.mean(nw.patterns(X, W) != S0)))
        return rec["res"][-1]

    r0 = record(0)
    diverged = False
    for k in range(1, int(steps) + 1):
        gW, ga = nw.two_layer_gradient(X, y, W, a, scaling)
        W = W - step * gW
        if joint:
            a = a - step * ga
        rk = record(k)
        if not math.isfinite(rk) or rk > blowup * max(r0, 1e-300):
            diverged = True
            break
    arr = {k: np.asarray(v) for k, v in rec.items()}
    return Trajectory(t=arr["t"], residual=arr["res"], lam_H=arr["lH"], movement=arr["mv"],
                      pattern_change=arr["pc"], lam_G=arr["lG"], diverged=diverged, final={"W": W, "a": a})


def linearised_residual(H, r0, t):
    r""":math:`e^{-Ht}r_0` for a symmetric H (eigendecomposition): the residual of the linearised flow
    :math:`\dot u=H(y-u)` at the times ``t`` (array), shape (len(t), n)."""
    H = np.asarray(H, float)
    from numerics.certified.linalg import eigh_float

    lam, V = eigh_float(0.5 * (H + H.T))
    c = V.T @ np.asarray(r0, float)
    t = np.atleast_1d(np.asarray(t, float))
    return (np.exp(-np.outer(t, lam)) * c[None, :]) @ V.T


def train_deep(net, X, y, *, eta: float, steps: int, train_output: bool = True, record_gram: bool = True,
               blowup: float = 1e8) -> Trajectory:
    r"""Full-batch GD on every layer (and on :math:`a` when ``train_output``) of a deep network; ``residual`` is
    :math:`\|y-u\|^2=2L`, ``lam_H`` is :math:`\lambda_{\min}(G^{(H)}(k))`."""
    _check_step(eta, steps)
    X = nw._data(X)
    y = np.asarray(y, float).reshape(-1)
    net = net.copy()
    W0 = [w.copy() for w in net.Ws]
    m = net.width
    rec = {k: [] for k in ("t", "res", "lH", "mv")}
    diverged = False
    r0 = None
    for k in range(int(steps) + 1):
        loss, gW, ga = nw.deep_gradient(net, X, y)
        rec["t"].append(k)
        rec["res"].append(2 * loss)
        if record_gram:
            rec["lH"].append(lambda_min(nw.layer_grams(net, X)[net.depth - 1]))
        rec["mv"].append(max(float(np.linalg.norm(w - w0) / math.sqrt(m)) for w, w0 in zip(net.Ws, W0)))
        r0 = 2 * loss if r0 is None else r0
        if not math.isfinite(loss) or 2 * loss > blowup * max(r0, 1e-300):
            diverged = True
            break
        if k == int(steps):
            break
        net.Ws = [w - eta * g for w, g in zip(net.Ws, gW)]
        if train_output:
            net.a = net.a - eta * ga
    arr = {k: np.asarray(v) for k, v in rec.items()}
    return Trajectory(t=arr["t"], residual=arr["res"], lam_H=arr["lH"], movement=arr["mv"], diverged=diverged,
                      final={"net": net})
