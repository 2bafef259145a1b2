"""``escset simulate``: run a mean-field particle flow (DESIGN.md §3, MATH.md §1.2, §10).

Argument parsing, validation of the command-line text and printing only; the run itself (data or a random
teacher, initial particles, checkpoints and resume, the loop, the plot) is :func:`proofs.simulate.simulate`, whose
docstring describes the options, the diagnostics and the ``RUN.npz`` checkpoint. Ctrl-C writes the state reached,
prints one line and exits 130; a diverged run keeps its last finite state, prints one line and exits 3.
"""
from __future__ import annotations

import math
from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail
from proofs.cli._interrupt import DIVERGED, INTERRUPTED, interrupted_line, stop


class _Bar:
    """A live progress bar on a terminal (erased at the end): the ``progress`` hooks of the run."""

    def __init__(self, console):
        self.console = console

    def start(self, total, completed, loss):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("simulate"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TextColumn("loss {task.fields[loss]:.3e}"), TimeRemainingColumn(),
                            console=self.console, transient=True)
        self.task = self.bar.add_task("run", total=total, completed=completed, loss=loss)
        self.bar.start()

    def update(self, completed, loss):
        self.bar.update(self.task, completed=completed, loss=loss)

    def stop(self):
        self.bar.stop()


@app.command("simulate")
def simulate_cmd(
        model: str = typer.Option(..., "--model",
                                  help="sigmoid, attention, attention-qk, relu-lift or a --module model"),
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
        module: Optional[List[str]] = typer.Option(None, "--module", help="a Python file with your own @model"),
        json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Run the particle gradient flow; diagnostics, checkpoints, resume, plots."""
    from numerics.dynamics import METHODS

    from proofs.cli._analyze import load_user_models

    load_user_models(module)
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
    from proofs.symbolic.models import MODEL_NAMES

    _inputs.check_positive("dt", dt)
    _inputs.check_positive("dt-inner", dt_inner, optional=True)
    _inputs.check_positive("l1", l1, allow_zero=True)
    _inputs.check_positive("weight-decay", weight_decay, allow_zero=True)
    _inputs.check_activation(model, activation)
    _inputs.check_outputs(out, plot)
    if teacher is not None and model in MODEL_NAMES:
        _inputs.check_memory(f"--m {m} particles with a --teacher of {teacher} on --n {n} samples",
                             "lower --m, --teacher, --n or the dimensions",
                             model=model, m=m, n=n, k=k, d=d, p=p, L=L, dq=dq, method=method, teacher=teacher)

    def check_memory(n_data, k_data, d_data):
        _inputs.check_memory(f"--m {m} particles on the {n_data} samples of {data}", "lower --m",
                             model=model, m=m, n=n_data, k=k_data, d=d_data, p=p, L=L, dq=dq, method=method)

    from rich.console import Console

    from proofs.simulate import simulate

    console = Console(stderr=True)
    bar = _Bar(console) if not json_out and console.is_terminal else None  # a live bar on a terminal only
    run = simulate(model, m=m, steps=steps, dt=dt, data=data, teacher=teacher, n=n, method=method, dt_inner=dt_inner,
                   l1=l1, weight_decay=weight_decay, k=k, d=d, p=p, L=L, dq=dq, activation=activation, init=init,
                   init_scale=init_scale, seed=seed, backend=backend, every=every, out=out, plot=plot,
                   check_memory=check_memory, progress=bar)
    res = run.summary
    if run.status == "diverged":
        stop(DIVERGED, run.line, res, json_out)
    if run.status == "interrupted":
        stop(INTERRUPTED, interrupted_line(*run.interrupted), res, json_out)
    if json_out:
        emit_json(res)
        return
    last, hist = res["diagnostics"], run.history
    print(f"{model} m={m} steps={res['steps']} dt={dt} {method}: loss {hist['loss'][0]:.6g} -> {last['loss']:.6g}, "
          f"max_j|theta_j'| = {last['stationarity_residual']:.3e}" + (f", checkpoint {out}" if out else ""))
