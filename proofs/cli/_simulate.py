"""``escset simulate``: run a mean-field particle flow (DESIGN.md §3, MATH.md §1.2, §10).

Data from ``--data D.json`` or a random teacher (``--teacher M0``: M0 teacher particles of the same
model, standard normal, inputs N(0, I/d), seeded). Initial particles standard normal times
``--init-scale`` (seed ``--seed``), or ``--init MU.json`` (measure file, proofs.measure format).

Diagnostics every ``--every`` steps: loss, energy F = R + int V, stationarity residual
max_j |theta_j'|, dissipation (1/m) sum_j |theta_j'|^2, moments, and ``sup_psi_particles`` =
max_j |Psi_mu(u_j)| (a lower bound of S(mu) = sup_u |Psi_mu(u)|, MATH.md §1b A.1; the certified
S(mu) is ``escset analyze``). ``--out RUN.npz`` is a checkpoint (written atomically at every
diagnostic): running the same command again resumes from it; Ctrl-C writes the state reached.

``RUN.npz`` keys: ``a`` (m, k, q), ``u`` (m, p_u), ``X``, ``Y``, ``history_<name>`` arrays (one entry
per diagnostic, ``history_step`` and ``history_t`` included), ``config`` (JSON string: model, sizes,
method, step sizes, regularisers, seed) and ``steps_done``.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from fractions import Fraction
from typing import Optional

import numpy as np
import typer

from . import app, emit_json, fail

HISTORY_KEYS = ("step", "t", "loss", "energy", "stationarity_residual", "dissipation", "sup_psi_particles",
                "mean_sq_a", "mean_sq_u", "max_norm")


def _floats(rows):
    return np.asarray([[float(Fraction(v)) if isinstance(v, str) else float(v) for v in r] for r in rows],
                      dtype=np.float64)


def _model_dims(model, k, d, p, L, dq):
    """(q, p_u, p_x) of a model from its CLI name."""
    if model in ("sigmoid", "relu-lift"):
        return 1, d + 1, d
    if model == "attention":
        return p, p * p, L * p
    if model == "attention-qk":
        return p, 2 * p * dq, L * p
    fail(f"unknown model {model!r}; valid are sigmoid, attention, attention-qk, relu-lift")


def _teacher_data(model, n, m0, k, d, p, L, dq, activation, seed):
    from numerics.dynamics import State, field_for

    rng = np.random.default_rng(seed + 1)
    q, p_u, p_x = _model_dims(model, k, d, p, L, dq)
    X = rng.standard_normal((n, p_x)) / math.sqrt(d if model in ("sigmoid", "relu-lift") else p)
    a = rng.standard_normal((m0, k, q))
    u = rng.standard_normal((m0, p_u))
    f = field_for(model, X, np.zeros((n, k)), activation=activation, p=p, L=L, dq=dq, fused=False)
    Y = np.asarray(f.predict(*State(a, u)), dtype=np.float64)
    return X, Y


def _atomic_savez(path, **arrays):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".escset-run-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _load_checkpoint(path, config):
    try:
        z = np.load(path, allow_pickle=False)
        old = json.loads(str(z["config"]))
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a bad input here
        fail(f"--out {path}: exists but is not an escset run checkpoint ({type(exc).__name__}); "
             "give a new --out path")
    keys = ("model", "k", "d", "p", "L", "dq", "m", "dt", "dt_inner", "method", "l1", "weight_decay", "activation")
    diff = [kk for kk in keys if old.get(kk) != config.get(kk)]
    if diff:
        fail(f"--out {path}: checkpoint was made with different settings ({', '.join(diff)}: "
             f"{[old.get(kk) for kk in diff]} vs {[config.get(kk) for kk in diff]}); give a new --out path")
    hist = {kk: list(z[f"history_{kk}"]) for kk in HISTORY_KEYS if f"history_{kk}" in z}
    return z["a"], z["u"], z["X"], z["Y"], int(z["steps_done"]), hist


def _plot(path, hist, state, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fail("--plot needs matplotlib: pip install 'escset[plot]'")
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
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".escset-plot-", suffix=os.path.splitext(path)[1] or ".png")
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


@app.command("simulate")
def simulate_cmd(
        model: str = typer.Option(..., "--model", help="sigmoid, attention, attention-qk or relu-lift"),
        data: Optional[str] = typer.Option(None, "--data", help="data file D.json (X, Y)"),
        teacher: Optional[int] = typer.Option(None, "--teacher", help="random teacher with this many particles"),
        n: int = typer.Option(64, "--n", help="samples for --teacher"),
        m: int = typer.Option(..., "--m", help="particles"),
        steps: int = typer.Option(..., "--steps", help="total steps (a resumed run continues up to this)"),
        dt: float = typer.Option(..., "--dt", help="step size tau (mean-field time; Euler = GD with step m tau)"),
        method: str = typer.Option("euler", "--method", help="euler, heun or rk4"),
        dt_inner: Optional[float] = typer.Option(None, "--dt-inner", help="inner-parameter step (two timescales)"),
        l1: float = typer.Option(0.0, "--l1", help="lambda of V = lambda |a| (proximal step)"),
        weight_decay: float = typer.Option(0.0, "--weight-decay", help="lambda of V = lambda/2 |theta|^2"),
        k: int = typer.Option(1, "--k", help="outputs (with --teacher)"),
        d: int = typer.Option(2, "--d", help="input dimension (nets, with --teacher)"),
        p: int = typer.Option(2, "--p", help="token dimension (attention)"),
        L: int = typer.Option(3, "--L", help="tokens per sample (attention)"),
        dq: int = typer.Option(1, "--dq", help="query/key dimension (attention-qk)"),
        activation: Optional[str] = typer.Option(None, "--activation", help="activation name or expression in z"),
        init: Optional[str] = typer.Option(None, "--init", help="initial measure MU.json (default: N(0,1) draws)"),
        init_scale: float = typer.Option(1.0, "--init-scale", help="scale of the N(0,1) initial particles"),
        seed: int = typer.Option(0, "--seed", help="init default_rng(seed), teacher default_rng(seed+1)"),
        backend: str = typer.Option("numpy", "--backend", help="numpy, array_api_strict, cupy, jax, torch"),
        every: int = typer.Option(0, "--every", help="diagnostics/checkpoint every K steps (default steps/20)"),
        out: Optional[str] = typer.Option(None, "--out", help="checkpoint RUN.npz (resumes if it exists)"),
        plot: Optional[str] = typer.Option(None, "--plot", help="write loss curve + particle plot (PNG)"),
        json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Run the particle gradient flow; diagnostics, checkpoints, resume, plots."""
    from numerics import backend as B
    from numerics.dynamics import METHODS, ParticleFlow, State, field_for

    if (data is None) == (teacher is None):
        fail("give exactly one of --data D.json or --teacher M0")
    for name, v, lo in (("m", m, 1), ("steps", steps, 0), ("n", n, 1), ("k", k, 1), ("d", d, 1), ("p", p, 1),
                        ("L", L, 1), ("dq", dq, 1), ("every", every, 0)):
        if v < lo:
            fail(f"--{name} must be >= {lo}, got {v}")
    if teacher is not None and teacher < 1:
        fail(f"--teacher must be a positive number of particles, got {teacher}")
    if method not in METHODS:
        fail(f"unknown --method {method!r}; valid are {', '.join(METHODS)}")
    for name, v in (("dt", dt), ("init-scale", init_scale), ("l1", l1), ("weight-decay", weight_decay)):
        if not math.isfinite(v):
            fail(f"--{name} must be finite, got {v}")
    xp = B.get_backend(backend)
    q, p_u, p_x = _model_dims(model, k, d, p, L, dq)
    mdl = None
    if data is not None or init is not None:
        from ..models import get_model

        mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq)
    if data is not None:
        from ..measure import load_dataset

        ds = load_dataset(data, model=None)
        X, Y = _floats(ds.X), _floats(ds.Y)
        k = Y.shape[1]
        if model in ("sigmoid", "relu-lift"):
            d = X.shape[1]
        elif X.shape[1] != L * p:
            fail(f"{data}: attention inputs have {X.shape[1]} entries per sample; with --L {L} --p {p} "
                 f"expected {L * p}")
        q, p_u, p_x = _model_dims(model, k, d, p, L, dq)
        mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq) if d <= 64 else None
    else:
        X, Y = _teacher_data(model, n, teacher, k, d, p, L, dq, activation, seed)
    config = {"model": model, "k": k, "d": d, "p": p, "L": L, "dq": dq, "m": m, "dt": dt, "dt_inner": dt_inner,
              "method": method, "l1": l1, "weight_decay": weight_decay, "activation": activation, "seed": seed,
              "data": data, "teacher": teacher, "n": int(X.shape[0]), "backend": backend}
    steps_done, hist = 0, {kk: [] for kk in HISTORY_KEYS}
    if out is not None and os.path.exists(out):
        a0, u0, X, Y, steps_done, hist = _load_checkpoint(out, config)
        for kk in HISTORY_KEYS:
            hist.setdefault(kk, [])
    elif init is not None:
        from ..measure import load_measure

        if mdl is None:
            fail("--init needs the symbolic model, which supports dimensions up to 64; drop --init or reduce d")
        mu = load_measure(init, mdl)
        a0 = np.asarray([_floats(aj) for aj in mu.a], dtype=np.float64)
        u0 = _floats(mu.u)
        if len(u0) != m:
            fail(f"--init {init} has {len(u0)} particles but --m is {m}")
    else:
        rng = np.random.default_rng(seed)
        a0 = init_scale * rng.standard_normal((m, k, q))
        u0 = init_scale * rng.standard_normal((m, p_u))
    field = field_for(model, B.asarray(X, xp), B.asarray(Y, xp), xp=xp, activation=activation, p=p, L=L, dq=dq)
    flow = ParticleFlow(field, dt=dt, method=method, dt_inner=dt_inner, l1=l1, weight_decay=weight_decay)
    state = State(B.asarray(a0, xp), B.asarray(u0, xp))
    field.check_state(*state)
    every = every or max(1, steps // 20)
    remaining = max(0, steps - steps_done)

    def record(step, st):
        dg = flow.diagnostics(st)
        va = flow.field.evaluate(*st)[0]
        sup_psi = float(np.max(np.linalg.norm(B.to_numpy(va).reshape(st.m, -1), axis=1)))
        row = dict(dg, step=step, t=step * dt, sup_psi_particles=sup_psi)
        for kk in HISTORY_KEYS:
            hist[kk].append(float(row[kk]))
        return row

    def save(st, done):
        if out is None:
            return
        arrays = {"a": B.to_numpy(st[0]), "u": B.to_numpy(st[1]), "X": np.asarray(X), "Y": np.asarray(Y),
                  "config": np.asarray(json.dumps(config)), "steps_done": np.asarray(done)}
        arrays.update({f"history_{kk}": np.asarray(v, dtype=np.float64) for kk, v in hist.items()})
        _atomic_savez(out, **arrays)

    if not hist["step"]:
        record(steps_done, state)
    progress = None
    if not json_out:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(TextColumn("simulate"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TextColumn("loss {task.fields[loss]:.3e}"), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=False)
        task = progress.add_task("run", total=steps, completed=steps_done, loss=hist["loss"][-1])
        progress.start()

    def callback(s, st, _loss):
        row = record(steps_done + s, st)
        save(st, steps_done + s)
        if progress is not None:
            progress.update(task, completed=steps_done + s, loss=row["loss"])

    interrupted = False
    final = state
    try:
        final = flow.run(state, remaining, every=every, callback=callback)
    except KeyboardInterrupt as exc:
        if not hasattr(exc, "state"):  # no consistent state to keep: the last checkpoint stays as it is
            raise
        interrupted = True
        st = exc.state
        done = steps_done + exc.steps_done
        if not hist["step"] or hist["step"][-1] != done:
            record(done, st)
        save(st, done)
        final, steps_done, remaining = st, done, 0
    finally:
        if progress is not None:
            progress.stop()
    total_done = steps_done + remaining
    if remaining == 0 and not interrupted and out is not None:
        save(final, total_done)
    if plot is not None:
        _plot(plot, hist, (B.to_numpy(final[0]), B.to_numpy(final[1])), f"{model}, m={m}, {method}, dt={dt}")
    last = {kk: hist[kk][-1] for kk in HISTORY_KEYS}
    summary = {"model": model, "m": m, "n": int(np.asarray(X).shape[0]), "steps": total_done, "dt": dt,
               "method": method, "backend": B.backend_name(xp), "interrupted": interrupted,
               "initial_loss": hist["loss"][0], "final_loss": last["loss"], "final_energy": last["energy"],
               "stationarity_residual": last["stationarity_residual"],
               "sup_psi_particles": last["sup_psi_particles"], "diagnostics": last,
               "history": {kk: hist[kk] for kk in ("step", "loss", "energy", "stationarity_residual")},
               "out": out, "plot": plot, "precision": "float64"}
    if interrupted:
        if json_out:
            emit_json(summary)
        raise KeyboardInterrupt
    if json_out:
        emit_json(summary)
        return
    print(f"{model} m={m} steps={total_done} dt={dt} {method}: loss {hist['loss'][0]:.6g} -> {last['loss']:.6g}, "
          f"max_j|theta_j'| = {last['stationarity_residual']:.3e}" + (f", checkpoint {out}" if out else ""))
