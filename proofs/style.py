r"""The figure style of escset: one module every figure goes through (paper sizes, fonts, mathtext labels).

Figures are sized for a paper: ``columns=1`` is one column of a two-column article (3.3 in wide), ``columns=2`` the
full text width (6.9 in); fonts are 8 pt (labels) and 7 pt (ticks, legends), so they read at the printed size
without scaling. Labels are written in matplotlib's mathtext (``r"$|a_j|$"``), which needs no LaTeX installation.

matplotlib is an extra (``pip install 'escset[plot]'``); it is imported only when a figure is made, and a missing
matplotlib is one clear line (:class:`~proofs.errors.InvalidArgument`), never a traceback.

Usage::

    from proofs import style
    fig, ax = style.figure(columns=1)
    ax.semilogy(t, loss, label=r"$R(\mu_t)$")
    style.label(ax, x=r"time $t$", y=r"loss $R$")
    style.save(fig, "loss.png")          # atomic; format from the extension (png, pdf, svg)
"""
from __future__ import annotations

import io
import os

from proofs import _atomic
from proofs.errors import InvalidArgument

__all__ = ["ONE_COLUMN_IN", "TWO_COLUMN_IN", "RC", "pyplot", "figure", "label", "save"]

#: widths in inches: one column of a two-column article, and the full text width
ONE_COLUMN_IN = 3.3
TWO_COLUMN_IN = 6.9

#: the rc parameters every escset figure uses
RC = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "mathtext.fontset": "cm",
    "legend.frameon": False,
}


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend, with :data:`RC` applied; one clear line if
    matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InvalidArgument("figures need matplotlib: pip install 'escset[plot]'") from None
    plt.rcParams.update(RC)
    return plt


def figure(columns: int = 1, *, nrows: int = 1, ncols: int = 1, aspect: float = 0.75, **kw):
    """A figure ``columns`` (1 or 2) paper columns wide, ``aspect`` = height / width of one panel row; returns
    ``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` does."""
    if columns not in (1, 2):
        raise InvalidArgument(f"columns must be 1 or 2, got {columns!r}")
    plt = pyplot()
    width = ONE_COLUMN_IN if columns == 1 else TWO_COLUMN_IN
    height = width * aspect * nrows / max(ncols, 1) if columns == 1 else width / ncols * aspect * nrows
    return plt.subplots(nrows, ncols, figsize=(width, max(height, 1.2)), **kw)


def label(ax, *, x: str | None = None, y: str | None = None, title: str | None = None, legend: bool = True):
    """Axis labels (mathtext allowed), an optional title, and a legend when the axes has labelled artists."""
    if x is not None:
        ax.set_xlabel(x)
    if y is not None:
        ax.set_ylabel(y)
    if title is not None:
        ax.set_title(title)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend()


def save(fig, path: str) -> None:
    """Render ``fig`` in memory and write it atomically to ``path`` (format from the extension; never half a
    file), then close it."""
    plt = pyplot()
    fmt = (os.path.splitext(path)[1].lstrip(".") or "png").lower()
    buf = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(buf, format=fmt)
    finally:
        plt.close(fig)
    _atomic.atomic_write(path, buf.getvalue(), tag="plot")
