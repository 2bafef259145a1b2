r"""Plots of a particle-flow run (``escset simulate --plot``): the loss and stationarity curves and the particles,
through :mod:`proofs.style` (paper sizes, mathtext labels, atomic writes); matplotlib is imported only when a plot
is asked for (``pip install 'escset[plot]'``).

The particle panel shows the particles' own coordinates, never a projection that means nothing: the inner
parameters :math:`u_j` (the first two coordinates; a third one, when there is one, as the colour), the output
weight :math:`|a_j|` as the marker size, and, when the teacher's particles are given, the teacher's as crosses. For
a one-dimensional inner parameter the panel is :math:`(u_j, a_j)`.
"""
from __future__ import annotations

import numpy as np

from proofs import style

__all__ = ["plot_run", "particle_panel", "history_panel"]

_COORD = (r"$u_{j,1}$", r"$u_{j,2}$", r"$u_{j,3}$")


def history_panel(ax, hist, title=None):
    r"""Loss :math:`R(\mu_t)` and stationarity residual :math:`\max_j|\theta_j'|` against mean-field time, log
    scale, with markers at the recorded points (so a reader sees how many there are)."""
    t = np.asarray(hist["t"], dtype=float)
    loss = np.maximum(np.asarray(hist["loss"], dtype=float), 1e-300)
    mark = "o" if len(t) <= 60 else None
    ax.semilogy(t, loss, marker=mark, markersize=2.5, label=r"loss $R(\mu_t)$")
    if "stationarity_residual" in hist:
        res = np.maximum(np.asarray(hist["stationarity_residual"], dtype=float), 1e-300)
        ax.semilogy(t, res, marker=mark, markersize=2.5, linestyle="--", label=r"$\max_j|\theta_j'|$")
    style.label(ax, x=r"mean-field time $t$", y=r"loss, residual (log scale)", title=title)


def particle_panel(ax, a, u, teacher=None, title=None):
    r"""Particles in their own coordinates (see the module docstring). ``a``: (m, ...) output weights; ``u``:
    (m, p_u) inner parameters; ``teacher``: optional ``(a_teacher, u_teacher)`` in the same layout."""
    u = np.asarray(u, dtype=float).reshape(len(u), -1)
    a = np.asarray(a, dtype=float).reshape(len(u), -1)
    size = np.linalg.norm(a, axis=1)
    smax = size.max() if size.size and size.max() > 0 else 1.0
    marker_size = 4 + 36 * size / smax
    if u.shape[1] == 1:
        ax.scatter(u[:, 0], a[:, 0], s=8, label=f"student ($m={len(u)}$)")
        if teacher is not None:
            ta, tu = (np.asarray(x, dtype=float) for x in teacher)
            ax.scatter(tu.reshape(len(tu), -1)[:, 0], ta.reshape(len(tu), -1)[:, 0], marker="x", s=30, c="k",
                       label="teacher")
        style.label(ax, x=r"inner parameter $u_j$", y=r"output weight $a_j$", title=title)
        return
    if u.shape[1] >= 3:
        sc = ax.scatter(u[:, 0], u[:, 1], s=marker_size, c=u[:, 2], cmap="viridis", label=f"student ($m={len(u)}$)")
        ax.figure.colorbar(sc, ax=ax, label=_COORD[2])
    else:
        ax.scatter(u[:, 0], u[:, 1], s=marker_size, label=f"student ($m={len(u)}$)")
    if teacher is not None:
        ta, tu = (np.asarray(x, dtype=float) for x in teacher)
        tu = tu.reshape(len(tu), -1)
        ax.scatter(tu[:, 0], tu[:, 1], marker="x", s=40, c="k", label="teacher")
    extra = "" if u.shape[1] <= 3 else f" (first 2 of {u.shape[1]} coordinates)"
    style.label(ax, x=_COORD[0] + extra, y=_COORD[1],
                title=(title or "") + (r" (size $\propto|a_j|$)" if title is not None else ""))


def plot_run(path, hist, state, title, teacher=None):
    """The two panels of a run, two paper columns wide, written atomically to ``path`` (format from its
    extension). ``state`` = ``(a, u)`` at the end; ``teacher`` = ``(a, u)`` of the teacher's particles or None."""
    fig, ax = style.figure(2, ncols=2, aspect=0.8)
    history_panel(ax[0], hist, title=title)
    a, u = state
    particle_panel(ax[1], a, u, teacher=teacher, title=f"particles at $t={float(np.asarray(hist['t'])[-1]):g}$")
    style.save(fig, path)
