r"""The full-support convergence experiment: final excess loss against the student width.

Protocol (a proposal in the spirit of Chizat-Bach's particle-complexity study; not the paper's own numbers, which
are not reproduced here): a teacher measure of :math:`m_0` particles of the same model (standard normal output
weights and inner parameters, masses :math:`1/m_0`), inputs :math:`x\sim N(0,I)/\sqrt d` (attention: tokens
:math:`N(0,I)/\sqrt p`), targets :math:`y=f_{\mu^*}(x)` (:func:`proofs.problem.teacher.teacher_data`; the data are
fixed by ``data_seed`` for every width and seed); a student of :math:`m` particles with Gaussian initialisation
(:math:`a,u\sim N(0,I)`, seed ``seed``), forward Euler on the mean-field flow (step ``dt``, ``steps`` steps). The
teacher is realisable, so the minimum of the loss over measures is 0 and the final loss is the excess loss.

Models: ``sigmoid`` (scalar output), ``sigmoid-vector`` (k = 3 outputs), ``attention`` (softmax heads, p = 2,
L = 3 tokens, k = 2 outputs). Widths: m0/2, m0, 2 m0, 4 m0, 6 m0, 10 m0 by default.

Float64 simulations: every number here is evidence, not a certificate.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np

from proofs.errors import InvalidArgument

__all__ = ["MODELS", "DEFAULTS", "default_widths", "make_cells", "run_cell", "table", "plot_table",
           "run_full_support"]

#: the three models of the sweep: engine name and dimensions
MODELS = {
    "sigmoid": {"engine": "sigmoid", "k": 1, "d": 5},
    "sigmoid-vector": {"engine": "sigmoid", "k": 3, "d": 5},
    "attention": {"engine": "attention", "k": 2, "p": 2, "L": 3},
}

#: default protocol (sized so that 3 x 6 x 5 = 90 cells take a few minutes on 2 cores)
DEFAULTS = {"m0": 4, "n": 64, "steps": 10000, "dt": 1.0, "data_seed": 0}


def default_widths(m0: int) -> list[int]:
    """Six widths from m0/2 to 10 m0."""
    return sorted({max(1, m0 // 2), m0, 2 * m0, 4 * m0, 6 * m0, 10 * m0})


def make_cells(*, models=None, widths=None, seeds=5, m0=None, n=None, steps=None, dt=None, data_seed=None) -> list:
    """The cells (model, m, seed) of the sweep with the protocol parameters in each (so a result file records
    exactly what it was computed for)."""
    p = dict(DEFAULTS)
    for key, v in (("m0", m0), ("n", n), ("steps", steps), ("dt", dt), ("data_seed", data_seed)):
        if v is not None:
            p[key] = v
    for key in ("m0", "n", "steps"):
        if not isinstance(p[key], int) or p[key] < 1:
            raise InvalidArgument(f"--{key.replace('_', '-')} must be a positive whole number, got {p[key]!r}")
    if not (isinstance(p["dt"], (int, float)) and math.isfinite(p["dt"]) and p["dt"] > 0):
        raise InvalidArgument(f"--dt must be a positive number, got {p['dt']!r}")
    models = list(MODELS) if not models else list(models)
    for mname in models:
        if mname not in MODELS:
            raise InvalidArgument(f"unknown model {mname!r}; valid are {', '.join(MODELS)}")
    widths = default_widths(p["m0"]) if not widths else sorted(set(int(w) for w in widths))
    if any(w < 1 for w in widths):
        raise InvalidArgument(f"widths must be positive, got {widths}")
    if not isinstance(seeds, int) or seeds < 1:
        raise InvalidArgument(f"--seeds must be a positive whole number, got {seeds!r}")
    cells = []
    for mname in models:
        for m in widths:
            for s in range(seeds):
                cells.append(dict(p, key=f"{mname}-m{m}-s{s}", model=mname, m=m, seed=s, **MODELS[mname]))
    return cells


def _field(cell, X, Y):
    from proofs.dynamics import field_for

    if cell["engine"] == "attention":
        return field_for("attention", X, Y, p=cell["p"], L=cell["L"], dq=1)
    return field_for("sigmoid", X, Y, activation="sigmoid")


def _layout(cell):
    if cell["engine"] == "attention":
        p, L = cell["p"], cell["L"]
        return p, p * p, L * p, math.sqrt(p)
    d = cell["d"]
    return 1, d + 1, d, math.sqrt(d)


def run_cell(cell: dict) -> dict:
    """One cell: the teacher data (``data_seed``), a Gaussian student of width ``m`` (``seed``), ``steps`` Euler
    steps of size ``dt``; returns the initial and final loss (= excess loss: the teacher is realisable), the
    stationarity residual and the wall time. Runs single-threaded BLAS (the engine's default on numpy)."""
    from numerics.dynamics import ParticleFlow, State

    from proofs.problem.teacher import teacher_data

    t0 = time.perf_counter()
    q, p_u, p_x, xs = _layout(cell)
    k = cell["k"]
    X, Y = teacher_data(lambda X, Y: _field(cell, X, Y), np.random.default_rng(cell["data_seed"]), n=cell["n"],
                        m0=cell["m0"], k=k, q=q, p_u=p_u, p_x=p_x, x_scale=xs)
    fld = _field(cell, X, Y)
    rng = np.random.default_rng(10_000 + cell["seed"])
    a0 = rng.standard_normal((cell["m"], k, q))
    u0 = rng.standard_normal((cell["m"], p_u))
    flow = ParticleFlow(fld, dt=float(cell["dt"]))
    losses = []
    every = max(1, cell["steps"] // 10)
    from numerics.dynamics.integrators import Diverged

    try:
        final = flow.run(State(a0, u0), int(cell["steps"]), every=every,
                         callback=lambda s, st, _l: losses.append(fld.loss(st[0], st[1])))
    except Diverged as exc:  # the engine stopped at a non-finite loss or parameter: a diverged cell, not data
        return mark_diverged({"initial_loss": fld.loss(a0, u0), "final_loss": None, "excess_loss": None,
                              "loss_curve": losses, "stationarity_residual": None, "divergence": str(exc),
                              "seconds": time.perf_counter() - t0, "precision": "float64"})
    diag = flow.diagnostics(final)
    res = {"initial_loss": fld.loss(a0, u0), "final_loss": diag["loss"], "excess_loss": diag["loss"],
           "loss_curve": losses, "stationarity_residual": diag["stationarity_residual"],
           "seconds": time.perf_counter() - t0, "precision": "float64"}
    return mark_diverged(res)


def _finite(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError, OverflowError):
        return False


def mark_diverged(res: dict) -> dict:
    """A cell result whose losses or residual are not all finite is a diverged run: every number is replaced by
    None (strict JSON; never a plausible value next to an overflow) and ``diverged`` is True. Else
    ``diverged`` is False and the result is unchanged."""
    keys = ("initial_loss", "final_loss", "excess_loss", "stationarity_residual")
    ok = all(_finite(res.get(k_)) for k_ in keys) and all(_finite(v) for v in res.get("loss_curve", []))
    if ok:
        return {**res, "diverged": False}
    return {**res, **{k_: None for k_ in keys}, "loss_curve": [float(v) if _finite(v) else None
                                                               for v in res.get("loss_curve", [])],
            "diverged": True}


def table(rows) -> dict:
    """The JSON table: per model and width, the excess losses over seeds, their median, min and max."""
    out = {}
    for row in rows:
        c, r = row["cell"], row["result"]
        v = r.get("excess_loss")
        out.setdefault(c["model"], {}).setdefault(str(c["m"]), {})[str(c["seed"])] = \
            None if r.get("diverged") or not _finite(v) else v
    summary = {}
    for mname, byw in out.items():
        summary[mname] = []
        for w in sorted(byw, key=int):
            vals = np.asarray([v for v in byw[w].values() if v is not None], dtype=float)
            div = sum(v is None for v in byw[w].values())
            summary[mname].append({"m": int(w), "seeds": len(vals), "diverged": div,
                                   "median": float(np.median(vals)) if len(vals) else None,
                                   "min": float(vals.min()) if len(vals) else None,
                                   "max": float(vals.max()) if len(vals) else None,
                                   "values": {s: byw[w][s] for s in sorted(byw[w], key=int)}})
    return summary


def plot_table(tab: dict, path: str, m0: int) -> str:
    """Excess loss against m (log scale): median over seeds with the min-max spread, one line per model."""
    from proofs import style

    fig, ax = style.figure(1)
    labels = {"sigmoid": "sigmoid, $k=1$", "sigmoid-vector": "sigmoid, $k=3$", "attention": "attention heads"}
    for mname, rows in tab.items():
        rows = [r for r in rows if r["median"] is not None]  # widths where every seed diverged: no point
        if not rows:
            continue
        ms = np.asarray([r["m"] for r in rows], dtype=float)
        med = np.asarray([max(r["median"], 1e-300) for r in rows])
        lo = np.asarray([max(r["min"], 1e-300) for r in rows])
        hi = np.asarray([max(r["max"], 1e-300) for r in rows])
        line, = ax.loglog(ms, med, marker="o", label=labels.get(mname, mname))
        ax.fill_between(ms, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.axvline(m0, color="0.5", ls=":", lw=0.8, label=r"$m = m_0$")
    from matplotlib.ticker import NullFormatter

    widths = sorted({r["m"] for rows in tab.values() for r in rows})
    ax.set_xticks(widths)
    ax.set_xticklabels([str(w) for w in widths])
    ax.xaxis.set_minor_formatter(NullFormatter())
    style.label(ax, x=r"student width $m$", y=r"excess loss $R(\mu_{m,T}) - \min R$")
    style.save(fig, path)
    return path


def run_full_support(out: str, *, workers: int = 2, scheduler=None, progress=None, plot: bool = True,
                     **protocol) -> dict:
    """The sweep (:func:`proofs.experiments.sweep.run_sweep`), then ``out/table.json`` and ``out/excess_loss.png``."""
    from proofs import _atomic
    from proofs.experiments.sweep import load_results, run_sweep

    cells = make_cells(**protocol)
    stats = run_sweep(cells, "proofs.experiments.full_support:run_cell", out, workers=workers, scheduler=scheduler,
                      progress=progress)
    keys = {c["key"] for c in cells}
    rows = [r for r in load_results(out) if r["cell"]["key"] in keys]
    tab = table(rows)
    cell_seconds = float(sum(r["result"]["seconds"] for r in rows))
    diverged = sorted(r["cell"]["key"] for r in rows if r["result"].get("diverged"))
    res = {"table": tab, "cells": len(rows), "sweep": stats, "cell_seconds_total": cell_seconds,
           "protocol": {k_: cells[0][k_] for k_ in ("m0", "n", "steps", "dt", "data_seed")},
           "widths": sorted({c["m"] for c in cells}), "models": sorted({c["model"] for c in cells}),
           "table_path": f"{out}/table.json", "diverged_cells": diverged}
    if plot:
        res["figure"] = plot_table(tab, f"{out}/excess_loss.png", cells[0]["m0"])
    _atomic.atomic_write(f"{out}/table.json", json.dumps(res, indent=1, sort_keys=True, allow_nan=False).encode(),
                         tag="table")
    return res
