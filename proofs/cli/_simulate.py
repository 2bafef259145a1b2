"""``escset simulate``: run a mean-field particle flow (DESIGN.md §3, MATH.md §1.2, §10).

Data from ``--data D.json`` or a random teacher (``--teacher M0``: M0 teacher particles of the same
model, standard normal, inputs N(0, I/d), seeded). Initial particles standard normal times
``--init-scale`` (seed ``--seed``), or ``--init MU.json`` (measure file, proofs.problem.measure format).

Diagnostics every ``--every`` steps: loss, energy F = R + int V, stationarity residual
max_j |theta_j'|, dissipation (1/m) sum_j |theta_j'|^2, moments, and ``sup_psi_particles`` =
max_j |Psi_mu(u_j)| (a lower bound of S(mu) = sup_u |Psi_mu(u)|, MATH.md §1b A.1; the certified
S(mu) is ``escset analyze``). ``--out RUN.npz`` is a checkpoint (written atomically at every
diagnostic): running the same command again resumes from it, and only the same run: the checkpoint's
``config`` (model, sizes, method, step sizes, regularisers, activation, seed, teacher, n, init, and a hash of
the data) must match the command's, or the command says what differs and exits 2 (``--steps``, ``--every``,
``--backend``, ``--plot`` and ``--json`` may change). Ctrl-C writes the state reached, prints one line and
exits 130. Temporary files of a killed run are removed by the next run with the same ``--out``.

Divergence (loss or parameters inf/NaN, e.g. an unbounded activation at a large ``--dt``): the run stops,
keeps the last finite state in the checkpoint (marked diverged: rerunning says so at once), prints one
line and exits 3.

``RUN.npz`` keys: ``a`` (m, k, q), ``u`` (m, p_u), ``X``, ``Y``, ``history_<name>`` arrays (one entry
per diagnostic, ``history_step`` and ``history_t`` included), ``config`` (JSON string: model, sizes,
method, step sizes, regularisers, seed, data hash), ``steps_done`` and ``diverged`` (JSON string: null, or
the step and reason).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
from fractions import Fraction
from typing import Optional

import numpy as np
import typer

from proofs import _atomic
from proofs.cli import app, emit_json, fail
from proofs.cli._interrupt import DIVERGED, INTERRUPTED, interrupted_line, stop

#: config keys that may change between a run and its resumption (everything else must match)
FREE_KEYS = ("backend", "data")  # the data file is compared by content (data_sha256), not by its path

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


def _data_hash(X, Y) -> str:
    h = hashlib.sha256()
    for arr in (X, Y):
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()[:32]


def _atomic_savez(path, **arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _atomic.atomic_write(path, buf.getvalue(), tag="run")


def _show(v):
    return "unset" if v is None else repr(v)


def _load_checkpoint(path, config):
    try:
        z = np.load(path, allow_pickle=False)
        old = json.loads(str(z["config"]))
        a, u, X, Y, steps_done = z["a"], z["u"], z["X"], z["Y"], int(z["steps_done"])
        hist = {kk: list(z[f"history_{kk}"]) for kk in HISTORY_KEYS if f"history_{kk}" in z}
        diverged = json.loads(str(z["diverged"])) if "diverged" in z else None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a bad input here
        fail(f"--out {path}: exists but is not an escset run checkpoint ({type(exc).__name__}); "
             "give a new --out path")
    # every parameter of the run must match; keys a checkpoint of an older version did not record are skipped
    diff = [kk for kk in config if kk not in FREE_KEYS and kk in old and old[kk] != config[kk]]
    named = [kk for kk in diff if not kk.endswith("_sha256")]
    if named:  # the hashes follow from the named settings: say only those
        diff = named
    elif diff:  # same settings, other content: the data file or the initial measure file was changed
        diff = [{"data_sha256": "data", "init_sha256": "init"}.get(kk, kk) for kk in diff]
        fail(f"--out {path}: checkpoint was made with the same settings but other {' and '.join(diff)} "
             "(a changed file); rerun with the original files to resume, or give a new --out path")
    if diff:
        what = ", ".join(f"{kk}: {_show(old[kk])} in the checkpoint, {_show(config[kk])} now" for kk in diff)
        fail(f"--out {path}: checkpoint was made with different settings ({what}); rerun with the checkpoint's "
             "settings to resume, or give a new --out path")
    from proofs.cli._inputs import check_checkpoint

    q, p_u, p_x = _model_dims(config["model"], config["k"], config["d"], config["p"], config["L"], config["dq"])
    check_checkpoint(path, z, old, m=config["m"], k=config["k"], q=q, p_u=p_u, p_x=p_x)
    return a, u, X, Y, steps_done, hist, diverged


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
    buf = io.BytesIO()  # rendered in memory, written by the one atomic writer (umask mode, never half a file)
    try:
        fig.savefig(buf, format=(os.path.splitext(path)[1].lstrip(".") or "png").lower())
    finally:
        plt.close(fig)
    _atomic.atomic_write(path, buf.getvalue(), tag="plot")


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
    from numerics.dynamics import backend as B
    from numerics.dynamics import METHODS, Diverged, ParticleFlow, State, field_for

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
    from proofs.cli import _inputs  # option values, activation, output paths and memory: before anything runs

    _inputs.check_positive("dt", dt)
    _inputs.check_positive("dt-inner", dt_inner, optional=True)
    _inputs.check_positive("l1", l1, allow_zero=True)
    _inputs.check_positive("weight-decay", weight_decay, allow_zero=True)
    _inputs.check_activation(model, activation)
    _inputs.check_outputs(out, plot)
    if teacher is not None and model in ("sigmoid", "relu-lift", "attention", "attention-qk"):
        _inputs.check_memory(f"--m {m} particles with a --teacher of {teacher} on --n {n} samples",
                             "lower --m, --teacher, --n or the dimensions",
                             model=model, m=m, n=n, k=k, d=d, p=p, L=L, dq=dq, method=method, teacher=teacher)
    xp = B.get_backend(backend)
    q, p_u, p_x = _model_dims(model, k, d, p, L, dq)
    mdl = None
    if data is not None or init is not None:
        from proofs.symbolic.models import get_model

        mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq)
    if data is not None:
        from proofs.problem.measure import load_dataset

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
        _inputs.check_memory(f"--m {m} particles on the {X.shape[0]} samples of {data}", "lower --m",
                             model=model, m=m, n=X.shape[0], k=k, d=d, p=p, L=L, dq=dq, method=method)
    else:
        X, Y = _teacher_data(model, n, teacher, k, d, p, L, dq, activation, seed)
    if init is not None:
        from proofs.problem.measure import load_measure

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
    config = {"model": model, "k": k, "d": d, "p": p, "L": L, "dq": dq, "m": m, "dt": dt, "dt_inner": dt_inner,
              "method": method, "l1": l1, "weight_decay": weight_decay, "activation": activation, "seed": seed,
              "data": data, "teacher": teacher, "n": int(X.shape[0]), "backend": backend, "init": init,
              "init_scale": init_scale, "data_sha256": _data_hash(X, Y), "init_sha256": _data_hash(a0, u0)}
    steps_done, hist, diverged = 0, {kk: [] for kk in HISTORY_KEYS}, None
    if out is not None:
        _atomic.remove_stale(out, "run")  # orphans of a run killed between write and rename
    if out is not None and os.path.exists(out):
        a0, u0, X, Y, steps_done, hist, diverged = _load_checkpoint(out, config)
        for kk in HISTORY_KEYS:
            hist.setdefault(kk, [])
    field = field_for(model, B.asarray(X, xp), B.asarray(Y, xp), xp=xp, activation=activation, p=p, L=L, dq=dq)
    flow = ParticleFlow(field, dt=dt, method=method, dt_inner=dt_inner, l1=l1, weight_decay=weight_decay)
    state = State(B.asarray(a0, xp), B.asarray(u0, xp))
    field.check_state(*state)
    every = every or max(1, steps // 20)
    remaining = max(0, steps - steps_done)

    def record(step, st):
        """Diagnostics of ``st`` appended to the history; Diverged (nothing appended) if any is not finite."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            dg = flow.diagnostics(st)
            va = flow.field.evaluate(*st)[0]
            sup_psi = float(np.max(np.linalg.norm(B.to_numpy(va).reshape(st.m, -1), axis=1)))
        row = dict(dg, step=step, t=step * dt, sup_psi_particles=sup_psi)
        bad = [kk for kk in HISTORY_KEYS if not math.isfinite(float(row[kk]))]
        if bad:
            raise Diverged(f"{bad[0]} is {float(row[bad[0]])}", step=step)
        for kk in HISTORY_KEYS:
            hist[kk].append(float(row[kk]))
        return row

    def save(st, done):
        if out is None:
            return
        arrays = {"a": B.to_numpy(st[0]), "u": B.to_numpy(st[1]), "X": np.asarray(X), "Y": np.asarray(Y),
                  "config": np.asarray(json.dumps(config)), "steps_done": np.asarray(done),
                  "diverged": np.asarray(json.dumps(diverged))}
        arrays.update({f"history_{kk}": np.asarray(v, dtype=np.float64) for kk, v in hist.items()})
        _atomic_savez(out, **arrays)

    def keep(st, done):
        """Record the state reached (unless it is already the last row) and checkpoint it, written whole even
        under a second Ctrl-C (after an interrupt, and after a divergence with the last finite state)."""
        with _no_sigint():
            if not hist["step"] or hist["step"][-1] != done:
                try:
                    record(done, st)
                except Diverged:
                    pass
            save(st, done)

    def summary(final, total_done, **extra):
        last = {kk: (hist[kk][-1] if hist[kk] else None) for kk in HISTORY_KEYS}
        return {"model": model, "m": m, "n": int(np.asarray(X).shape[0]), "steps": total_done, "dt": dt,
                "method": method, "backend": B.backend_name(xp), "interrupted": False, "diverged": None,
                "initial_loss": hist["loss"][0] if hist["loss"] else None, "final_loss": last["loss"],
                "final_energy": last["energy"], "stationarity_residual": last["stationarity_residual"],
                "sup_psi_particles": last["sup_psi_particles"], "diagnostics": last,
                "history": {kk: hist[kk] for kk in ("step", "loss", "energy", "stationarity_residual")},
                "out": out, "plot": plot, "precision": "float64", **extra}

    def diverged_stop(final, done, info):
        where = f" in {out}" if out else " (no --out: not saved)"
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            kept_loss = float(flow.field.loss(*final))
        line = (f"diverged at step {info['step']} ({info['reason']}); kept the last finite state, step {done},"
                f"{where}; lower --dt (a new --out) or bound the activation")
        # the kept state's loss is finite; its other diagnostics may not be (squares of huge velocities): the
        # last finite row of the history stays in "diagnostics", with its step
        stop(DIVERGED, line, summary(final, done, diverged=info, final_loss=kept_loss, final_energy=None,
                                     stationarity_residual=None, sup_psi_particles=None), json_out)

    if diverged is not None:  # the checkpoint's run diverged before: the same command diverges again
        diverged_stop(state, steps_done, diverged)
    progress = None
    final, interrupted, where = state, False, "set-up"
    try:
        if not hist["step"]:
            where = "the initial diagnostics"
            try:
                record(steps_done, state)
            except Diverged as exc:
                diverged = {"step": steps_done, "reason": f"the initial state: {exc.reason}"}
                save(state, steps_done)
                diverged_stop(state, steps_done, diverged)
        from rich.console import Console

        console = Console(stderr=True)
        if not json_out and console.is_terminal:  # a live bar on a terminal only (erased at the end)
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(TextColumn("simulate"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                TextColumn("loss {task.fields[loss]:.3e}"), TimeRemainingColumn(),
                                console=console, transient=True)
            task = progress.add_task("run", total=steps, completed=steps_done, loss=hist["loss"][-1])
            progress.start()

        def callback(s, st, _loss):
            row = record(steps_done + s, st)
            save(st, steps_done + s)
            if progress is not None:
                progress.update(task, completed=steps_done + s, loss=row["loss"])

        where = "the run"
        try:
            final = flow.run(state, remaining, every=every, callback=callback)
        except KeyboardInterrupt as exc:
            if not hasattr(exc, "state"):  # no consistent state to keep: the last checkpoint stays as it is
                raise
            interrupted = True
            st = exc.state
            done = steps_done + exc.steps_done
            if progress is not None:
                progress.stop()
                progress = None
            keep(st, done)
            final, steps_done, remaining = st, done, 0
        except Diverged as exc:
            if progress is not None:
                progress.stop()
                progress = None
            done = steps_done + (exc.steps_done or 0)
            st = exc.state if exc.state is not None else state
            diverged = {"step": steps_done + (exc.step if exc.step is not None else exc.steps_done or 0),
                        "reason": exc.reason}
            keep(st, done)
            diverged_stop(st, done, diverged)
        finally:
            if progress is not None:
                progress.stop()
        total_done = steps_done + remaining
        where = f"step {total_done} (writing the results)"
        if remaining == 0 and not interrupted and out is not None:
            with _no_sigint():
                save(final, total_done)
        if plot is not None:
            _plot(plot, hist, (B.to_numpy(final[0]), B.to_numpy(final[1])), f"{model}, m={m}, {method}, dt={dt}")
    except KeyboardInterrupt:
        # before the run started (or while plotting): the checkpoint on disk, if any, is as it was
        kept = f"the checkpoint {out} as it was" if out and os.path.exists(out) else "nothing (no step was run)"
        stop(INTERRUPTED, interrupted_line(where, kept), summary(final, steps_done, interrupted=True), json_out)
    res = summary(final, total_done, interrupted=interrupted)
    if interrupted:
        kept = f"the state at step {total_done} in {out}" if out else "nothing (no --out given)"
        stop(INTERRUPTED, interrupted_line(f"step {total_done} of {steps}", kept, resume=out is not None), res,
             json_out)
    if json_out:
        emit_json(res)
        return
    last = res["diagnostics"]
    print(f"{model} m={m} steps={total_done} dt={dt} {method}: loss {hist['loss'][0]:.6g} -> {last['loss']:.6g}, "
          f"max_j|theta_j'| = {last['stationarity_residual']:.3e}" + (f", checkpoint {out}" if out else ""))


class _no_sigint:
    """Within: Ctrl-C is held back and re-raised on exit (a write in progress completes)."""

    def __enter__(self):
        import signal

        self._hit = []
        try:
            self._old = signal.signal(signal.SIGINT, lambda *a: self._hit.append(1))
        except ValueError:  # not the main thread
            self._old = None
        return self

    def __exit__(self, *exc):
        import signal

        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        if self._hit and exc[0] is None:
            raise KeyboardInterrupt
        return False
