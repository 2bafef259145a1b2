"""Run a mean-field particle flow on a model: data, initial particles, checkpoints and resume, the run loop
(MATH.md §1.2, §10); the library behind ``escset simulate`` (DESIGN.md §3).

Data from a data file or a random teacher (``teacher=M0``: M0 teacher particles of the same model, standard
normal, inputs N(0, I/d), seeded; :func:`proofs.problem.teacher.teacher_data`). Initial particles standard normal
times ``init_scale`` (seed ``seed``), or a measure file (:mod:`proofs.problem.measure` format).

Diagnostics every ``every`` steps: loss, energy F = R + int V, stationarity residual max_j |theta_j'|, dissipation
(1/m) sum_j |theta_j'|^2, moments, and ``sup_psi_particles`` = max_j |Psi_mu(u_j)| (a lower bound of
S(mu) = sup_u |Psi_mu(u)|, MATH.md §1b A.1; the certified S(mu) is ``escset analyze``). ``out=RUN.npz`` is a
checkpoint (written atomically at every diagnostic): running the same configuration again resumes from it, and only
the same run: the checkpoint's ``config`` (model, sizes, method, step sizes, regularisers, activation, seed, teacher,
n, init, and a hash of the data) must match, or :class:`InvalidArgument` says what differs (``steps``, ``every``,
``backend``, ``plot`` may change). A Ctrl-C keeps the state reached (written whole). Temporary files of a killed
run are removed by the next run with the same ``out``.

Divergence (loss or parameters inf/NaN, e.g. an unbounded activation at a large ``dt``): the run stops and keeps
the last finite state in the checkpoint (marked diverged: rerunning says so at once).

``RUN.npz`` keys: ``a`` (m, k, q), ``u`` (m, p_u), ``X``, ``Y``, ``history_<name>`` arrays (one entry per
diagnostic, ``history_step`` and ``history_t`` included), ``config`` (JSON string: model, sizes, method, step sizes,
regularisers, seed, data hash), ``steps_done`` and ``diverged`` (JSON string: null, or the step and reason).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from proofs import _atomic
from proofs.errors import InvalidArgument
from proofs.symbolic.models import MODEL_NAMES, builtin_layout, get_model

__all__ = ["simulate", "SimulationResult", "FREE_KEYS", "HISTORY_KEYS", "atomic_savez", "data_hash",
           "check_checkpoint"]

#: config keys that may change between a run and its resumption (everything else must match)
FREE_KEYS = ("backend", "data")  # the data file is compared by content (data_sha256), not by its path

HISTORY_KEYS = ("step", "t", "loss", "energy", "stationarity_residual", "dissipation", "sup_psi_particles",
                "mean_sq_a", "mean_sq_u", "max_norm")


@dataclass
class SimulationResult:
    """How a run ended: ``status`` ``"done"``, ``"interrupted"`` (Ctrl-C; the state reached is kept) or
    ``"diverged"``; ``summary`` the JSON-ready result; ``line`` the one-line account of a diverged run;
    ``interrupted`` (where, kept, resume) of an interrupted one; ``history`` the diagnostics rows."""

    status: str
    summary: dict
    history: dict = field(default_factory=dict)
    line: str | None = None
    interrupted: tuple | None = None


class _Finished(Exception):
    def __init__(self, result):
        super().__init__(result.status)
        self.result = result


def _floats(rows):
    return np.asarray([[float(Fraction(v)) if isinstance(v, str) else float(v) for v in r] for r in rows],
                      dtype=np.float64)


def data_hash(X, Y) -> str:
    """A content hash of two float64 arrays (the checkpoint's data and initial-state identity)."""
    h = hashlib.sha256()
    for arr in (X, Y):
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()[:32]


def atomic_savez(path, **arrays):
    """``numpy.savez`` of the arrays, written atomically (umask mode, never half a file)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    _atomic.atomic_write(path, buf.getvalue(), tag="run")


def _show(v):
    return "unset" if v is None else repr(v)


def check_checkpoint(path, z, config, *, m: int, k: int, q: int, p_u: int, p_x: int) -> None:
    """A checkpoint's arrays are those of this run: shapes, finite float64 data, a whole ``steps_done`` >= 0."""
    def bad(why):
        raise InvalidArgument(f"--out {path}: not a usable escset run checkpoint ({why}); give a new --out path")

    if not isinstance(config, dict):
        bad(f"its config is a JSON {type(config).__name__}, not an object")
    arrays = {}
    for key in ("a", "u", "X", "Y", "steps_done"):
        v = z[key]
        if not np.issubdtype(v.dtype, np.number) or np.issubdtype(v.dtype, np.complexfloating):
            bad(f"'{key}' has dtype {v.dtype}, not real numbers")
        arrays[key] = v
    a, u, X, Y, steps = (arrays[kk] for kk in ("a", "u", "X", "Y", "steps_done"))
    if a.shape != (m, k, q):
        bad(f"'a' has shape {a.shape}, this run needs ({m}, {k}, {q})")
    if u.shape != (m, p_u):
        bad(f"'u' has shape {u.shape}, this run needs ({m}, {p_u})")
    if X.ndim != 2 or X.shape[1] != p_x or Y.ndim != 2 or Y.shape != (X.shape[0], k) or X.shape[0] < 1:
        bad(f"data of shapes X {X.shape}, Y {Y.shape}; this run needs X (n, {p_x}), Y (n, {k})")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        bad("its data X, Y contain NaN or inf")
    if steps.shape != () or not np.issubdtype(steps.dtype, np.integer) or int(steps) < 0:
        bad(f"'steps_done' is {steps.tolist()!r}, not a whole number >= 0")


def _load_checkpoint(path, config, layout):
    try:
        z = np.load(path, allow_pickle=False)
        old = json.loads(str(z["config"]))
        a, u, X, Y, steps_done = z["a"], z["u"], z["X"], z["Y"], int(z["steps_done"])
        hist = {kk: list(z[f"history_{kk}"]) for kk in HISTORY_KEYS if f"history_{kk}" in z}
        diverged = json.loads(str(z["diverged"])) if "diverged" in z else None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a bad input here
        raise InvalidArgument(f"--out {path}: exists but is not an escset run checkpoint ({type(exc).__name__}); "
                              "give a new --out path") from None
    # every parameter of the run must match; keys a checkpoint of an older version did not record are skipped
    diff = [kk for kk in config if kk not in FREE_KEYS and kk in old and old[kk] != config[kk]]
    named = [kk for kk in diff if not kk.endswith("_sha256")]
    if named:  # the hashes follow from the named settings: say only those
        diff = named
    elif diff:  # same settings, other content: the data file or the initial measure file was changed
        diff = [{"data_sha256": "data", "init_sha256": "init"}.get(kk, kk) for kk in diff]
        raise InvalidArgument(f"--out {path}: checkpoint was made with the same settings but other "
                              f"{' and '.join(diff)} (a changed file); rerun with the original files to resume, or "
                              "give a new --out path")
    if diff:
        what = ", ".join(f"{kk}: {_show(old[kk])} in the checkpoint, {_show(config[kk])} now" for kk in diff)
        raise InvalidArgument(f"--out {path}: checkpoint was made with different settings ({what}); rerun with the "
                              "checkpoint's settings to resume, or give a new --out path")
    q, p_u, p_x = layout
    check_checkpoint(path, z, old, m=config["m"], k=config["k"], q=q, p_u=p_u, p_x=p_x)
    return a, u, X, Y, steps_done, hist, diverged


class no_sigint:
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


def _field_for(name, mdl, X, Y, *, xp=None, activation=None, p=2, L=3, dq=1, **opts):
    """The engine's velocity field: built-ins by name (their fast fields), any other model from its sympy source."""
    from proofs.dynamics import field_for

    if name in MODEL_NAMES:
        return field_for(name, X, Y, xp=xp, activation=activation, p=p, L=L, dq=dq, **opts)
    return field_for(mdl, X, Y, xp=xp)


def simulate(model: str, *, m: int, steps: int, dt: float, data=None, teacher=None, n: int = 64,
             method: str = "euler", dt_inner=None, l1: float = 0.0, weight_decay: float = 0.0, k: int = 1, d: int = 2,
             p: int = 2, L: int = 3, dq: int = 1, activation=None, init=None, init_scale: float = 1.0, seed: int = 0,
             backend: str = "numpy", every: int = 0, out=None, plot=None, check_memory=None,
             progress=None) -> SimulationResult:
    """Run the particle gradient flow of the model called ``model`` (a built-in, or one registered with
    :func:`proofs.symbolic.models.register_model`) and return how it ended (:class:`SimulationResult`).

    Options as ``escset simulate`` (already validated as CLI text). ``data``: a data file (else ``teacher``
    particles on ``n`` samples); ``init``: a measure file; ``out``: the checkpoint (resumed if it exists);
    ``plot``: a PNG of the loss curve and the particles (:func:`proofs.plotting.plot_run`).
    ``check_memory(n, k, d)`` is called with the sizes read off a data file before anything large is allocated;
    ``progress`` (optional) has ``start(total, completed, loss)``, ``update(completed, loss)`` and ``stop()``.
    """
    from numerics.dynamics import backend as B
    from numerics.dynamics import Diverged, ParticleFlow, State

    from proofs.problem.teacher import teacher_data

    xp = B.get_backend(backend)
    builtin = model in MODEL_NAMES
    mdl = None
    if not builtin:
        mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq)
        layout = (mdl.q, mdl.p_u, mdl.p_x)
    else:
        layout = builtin_layout(model, k=k, d=d, p=p, L=L, dq=dq)
    if builtin and (data is not None or init is not None):
        mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq)
    teacher_particles = None  # (a0, u0) of a random teacher, drawn over the student's particles in the plot
    if data is not None:
        from proofs.problem.measure import load_dataset

        ds = load_dataset(data, model=None)
        X, Y = _floats(ds.X), _floats(ds.Y)
        k = Y.shape[1]
        if model in ("sigmoid", "relu-lift") or not builtin:
            d = X.shape[1]
        elif X.shape[1] != L * p:
            raise InvalidArgument(f"{data}: attention inputs have {X.shape[1]} entries per sample; with --L {L} "
                                  f"--p {p} expected {L * p}")
        if builtin:
            layout = builtin_layout(model, k=k, d=d, p=p, L=L, dq=dq)
            mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq) if d <= 64 else None
            if check_memory is not None:
                check_memory(X.shape[0], k, d)
        else:
            mdl = get_model(model, k=k, d=d, activation=activation, p=p, L=L, dq=dq)
            layout = (mdl.q, mdl.p_u, mdl.p_x)
            if mdl.p_x != X.shape[1]:
                raise InvalidArgument(f"{data}: inputs have {X.shape[1]} coordinates, model {mdl.name} expects "
                                      f"{mdl.p_x}")
    else:
        q, p_u, p_x = layout
        scale = math.sqrt(p if model in ("attention", "attention-qk") else d)
        opts = {"activation": activation, "p": p, "L": L, "dq": dq, "fused": False} if builtin else {}
        X, Y, teacher_particles = teacher_data(lambda X, Y: _field_for(model, mdl, X, Y, **opts),
                                               np.random.default_rng(seed + 1), n=n, m0=teacher, k=k, q=q,
                                               p_u=p_u, p_x=p_x, x_scale=scale, particles=True)
    q, p_u, p_x = layout
    if init is not None:
        from proofs.problem.measure import load_measure

        if mdl is None:
            raise InvalidArgument("--init needs the symbolic model, which supports dimensions up to 64; drop --init "
                                  "or reduce d")
        mu = load_measure(init, mdl)
        a0 = np.asarray([_floats(aj) for aj in mu.a], dtype=np.float64)
        u0 = _floats(mu.u)
        if len(u0) != m:
            raise InvalidArgument(f"--init {init} has {len(u0)} particles but --m is {m}")
    else:
        rng = np.random.default_rng(seed)
        a0 = init_scale * rng.standard_normal((m, k, q))
        u0 = init_scale * rng.standard_normal((m, p_u))
    config = {"model": model, "k": k, "d": d, "p": p, "L": L, "dq": dq, "m": m, "dt": dt, "dt_inner": dt_inner,
              "method": method, "l1": l1, "weight_decay": weight_decay, "activation": activation, "seed": seed,
              "data": data, "teacher": teacher, "n": int(X.shape[0]), "backend": backend, "init": init,
              "init_scale": init_scale, "data_sha256": data_hash(X, Y), "init_sha256": data_hash(a0, u0)}
    steps_done, hist, diverged = 0, {kk: [] for kk in HISTORY_KEYS}, None
    if out is not None:
        _atomic.remove_stale(out, "run")  # orphans of a run killed between write and rename
    if out is not None and os.path.exists(out):
        a0, u0, X, Y, steps_done, hist, diverged = _load_checkpoint(out, config, layout)
        for kk in HISTORY_KEYS:
            hist.setdefault(kk, [])
    field_ = _field_for(model, mdl, B.asarray(X, xp), B.asarray(Y, xp), xp=xp, activation=activation, p=p, L=L,
                        dq=dq)
    flow = ParticleFlow(field_, dt=dt, method=method, dt_inner=dt_inner, l1=l1, weight_decay=weight_decay)
    state = State(B.asarray(a0, xp), B.asarray(u0, xp))
    field_.check_state(*state)
    every = every or max(1, steps // 100)  # 101 points on the loss curve by default
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
        atomic_savez(out, **arrays)

    def keep(st, done):
        """Record the state reached (unless it is already the last row) and checkpoint it, written whole even
        under a second Ctrl-C (after an interrupt, and after a divergence with the last finite state)."""
        with no_sigint():
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
        raise _Finished(SimulationResult("diverged", summary(final, done, diverged=info, final_loss=kept_loss,
                                                             final_energy=None, stationarity_residual=None,
                                                             sup_psi_particles=None), hist, line=line))

    try:
        if diverged is not None:  # the checkpoint's run diverged before: the same command diverges again
            diverged_stop(state, steps_done, diverged)
        final, interrupted, where = state, False, "set-up"
        started = False
        try:
            if not hist["step"]:
                where = "the initial diagnostics"
                try:
                    record(steps_done, state)
                except Diverged as exc:
                    diverged = {"step": steps_done, "reason": f"the initial state: {exc.reason}"}
                    save(state, steps_done)
                    diverged_stop(state, steps_done, diverged)
            if progress is not None:
                progress.start(steps, steps_done, hist["loss"][-1])
                started = True

            def callback(s, st, _loss):
                row = record(steps_done + s, st)
                save(st, steps_done + s)
                if started:
                    progress.update(steps_done + s, row["loss"])

            where = "the run"
            try:
                final = flow.run(state, remaining, every=every, callback=callback)
            except KeyboardInterrupt as exc:
                if not hasattr(exc, "state"):  # no consistent state to keep: the last checkpoint stays as it is
                    raise
                interrupted = True
                st = exc.state
                done = steps_done + exc.steps_done
                if started:
                    progress.stop()
                    started = False
                keep(st, done)
                final, steps_done, remaining = st, done, 0
            except Diverged as exc:
                if started:
                    progress.stop()
                    started = False
                done = steps_done + (exc.steps_done or 0)
                st = exc.state if exc.state is not None else state
                diverged = {"step": steps_done + (exc.step if exc.step is not None else exc.steps_done or 0),
                            "reason": exc.reason}
                keep(st, done)
                diverged_stop(st, done, diverged)
            finally:
                if started:
                    progress.stop()
            total_done = steps_done + remaining
            where = f"step {total_done} (writing the results)"
            if remaining == 0 and not interrupted and out is not None:
                with no_sigint():
                    save(final, total_done)
            if plot is not None:
                from proofs.plotting import plot_run

                plot_run(plot, hist, (B.to_numpy(final[0]), B.to_numpy(final[1])), f"{model}, m={m}, {method}, dt={dt}",
                         teacher=teacher_particles)
        except KeyboardInterrupt:
            # before the run started (or while plotting): the checkpoint on disk, if any, is as it was
            kept = f"the checkpoint {out} as it was" if out and os.path.exists(out) else "nothing (no step was run)"
            return SimulationResult("interrupted", summary(final, steps_done, interrupted=True), hist,
                                    interrupted=(where, kept, True))
    except _Finished as fin:
        return fin.result
    res = summary(final, total_done, interrupted=interrupted)
    if interrupted:
        kept = f"the state at step {total_done} in {out}" if out else "nothing (no --out given)"
        return SimulationResult("interrupted", res, hist,
                                interrupted=(f"step {total_done} of {steps}", kept, out is not None))
    return SimulationResult("done", res, hist)
