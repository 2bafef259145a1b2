"""Plots of a particle-flow run (``escset simulate --plot``): the loss curve and the particles; matplotlib is
imported only here, when a plot is asked for (``pip install 'escset[plot]'``)."""
from __future__ import annotations

import io
import os

import numpy as np

from proofs import _atomic
from proofs.errors import InvalidArgument

__all__ = ["plot_run"]


def plot_run(path, hist, state, title):
    """Loss and max_j |theta_j'| against mean-field time, and the particles (first two principal components of
    the inner parameters, coloured by |a_j|), written atomically to ``path`` (format from its extension)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InvalidArgument("--plot needs matplotlib: pip install 'escset[plot]'") from None
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    t = np.asarray(hist["t"])
    ax[0].semilogy(t, np.maximum(np.asarray(hist["loss"]), 1e-300), label="loss R")
    ax[0].semilogy(t, np.maximum(np.asarray(hist["stationarity_residual"]), 1e-300), label="max_j |theta_j'|")
    ax[0].set_xlabel("t (mean-field time)")
    ax[0].legend()
    ax[0].set_title(title)
    u = np.asarray(state[1])
    a = np.asarray(state[0]).reshape(len(u), -1)
    if u.shape[1] >= 2:
        uc = u - u.mean(axis=0)
        _, _, vt = np.linalg.svd(uc, full_matrices=False)
        P = uc @ vt[:2].T
        sc = ax[1].scatter(P[:, 0], P[:, 1], c=np.linalg.norm(a, axis=1), s=6, cmap="viridis")
        fig.colorbar(sc, ax=ax[1], label="|a_j|")
        ax[1].set_xlabel("inner parameters, PC 1")
        ax[1].set_ylabel("PC 2")
    else:
        ax[1].scatter(u[:, 0], a[:, 0], s=6)
        ax[1].set_xlabel("u")
        ax[1].set_ylabel("a")
    ax[1].set_title(f"particles (m={len(u)})")
    fig.tight_layout()
    buf = io.BytesIO()  # rendered in memory, written by the one atomic writer (umask mode, never half a file)
    try:
        fig.savefig(buf, format=(os.path.splitext(path)[1].lstrip(".") or "png").lower())
    finally:
        plt.close(fig)
    _atomic.atomic_write(path, buf.getvalue(), tag="plot")
