"""``escset bench dynamics``: time the dynamics engine on the W1/W2 workloads of ``bench/`` (see :mod:`proofs.bench`).

Parsing, input checks and printing; the workloads, the timing protocol and the side-by-side comparison with the
peer scripts of ``--compare DIR`` (numpy always; torch/JAX with ``--peer-python``) live in :mod:`proofs.bench`.
"""
from __future__ import annotations

import os
from typing import Optional

import typer

from proofs.bench import WORKLOADS, backend_list, bench_dynamics, compare
from proofs.cli import app, emit_json, fail

bench_app = typer.Typer(add_completion=False, no_args_is_help=True, help="performance benchmarks")
app.add_typer(bench_app, name="bench")


@bench_app.command("dynamics")
def bench_dynamics_cmd(
        workload: str = typer.Option("w1", "--workload", help="w1 (sigmoid, vector output) or w2 (attention heads)"),
        m: Optional[int] = typer.Option(None, "--m", help="particles (neurons / heads); default as bench/"),
        steps: Optional[int] = typer.Option(None, "--steps", help="timed Euler steps; default as bench/"),
        n: Optional[int] = typer.Option(None, "--n", help="samples; default as bench/"),
        seed: int = typer.Option(0, "--seed", help="init default_rng(seed), data default_rng(seed+1)"),
        backend: str = typer.Option("numpy", "--backend", help="numpy, array_api_strict, cupy, jax, torch; "
                                     "with --compare several, comma-separated (e.g. numpy,jax)"),
        threads: Optional[int] = typer.Option(None, "--threads", help="kernel threads (numpy W1; default 2)"),
        block: int = typer.Option(128, "--block", help="particle block of the fused numpy kernel"),
        compare_dir: Optional[str] = typer.Option(None, "--compare", help="directory of the bench/ peer scripts: "
                                                  "run them alternately with escset and report medians"),
        peer_python: Optional[str] = typer.Option(None, "--peer-python",
                                                  help="python with torch and jax for the torch/JAX peers"),
        repeats: int = typer.Option(3, "--repeats", help="runs per implementation with --compare"),
        quiet_wait: float = typer.Option(60.0, "--quiet-wait", help="with --compare: wait up to this many seconds "
                                         "before each run for other processes to go idle"),
        json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Time the dynamics engine on the bench/ workloads (same data, seeds, init and loss)."""
    if workload not in WORKLOADS:
        fail(f"unknown workload {workload!r}; valid are w1, w2")
    for name, v in (("m", m), ("steps", steps), ("n", n), ("repeats", repeats), ("threads", threads)):
        if v is not None and v < 1:
            fail(f"--{name} must be a positive integer, got {v}")
    from numerics.dynamics.backend import get_backend

    backends = backend_list(backend)
    if not backends or (len(backends) > 1 and compare_dir is None):
        fail(f"--backend {backend!r}: give one backend (several, comma-separated, only with --compare)")
    for b in backends:
        get_backend(b)  # bad or missing backend: one-line error
    if block < 1:
        fail(f"got --block {block}, valid is a positive number of particles per block")
    if not quiet_wait >= 0:
        fail(f"got --quiet-wait {quiet_wait}, valid is a number of seconds >= 0")
    from proofs.cli import _inputs

    sz = dict(WORKLOADS[workload], **{kk: v for kk, v in (("m", m), ("n", n)) if v is not None})
    _inputs.check_memory(f"--workload {workload} with --m {sz['m']} and --n {sz['n']}", "lower --m or --n",
                         model="sigmoid" if workload == "w1" else "attention-qk", m=sz["m"], n=sz["n"],
                         k=sz["k"], d=sz["d"], p=sz["d"], L=sz.get("L", 1), dq=sz.get("dq", 1), method="euler",
                         teacher=sz["m0"])
    if compare_dir is not None:
        if not os.path.isfile(os.path.join(compare_dir, "peer_numpy.py")):
            fail(f"--compare {compare_dir!r}: no peer_numpy.py there; give the bench/ directory")
        if peer_python is not None and not (os.path.isfile(peer_python) and os.access(peer_python, os.X_OK)):
            import shutil

            if shutil.which(peer_python) is None:
                fail(f"--peer-python {peer_python!r}: not an executable file; give the path of a python with "
                     "torch and jax")
        res = compare(workload, compare_dir, m=m, steps=steps, repeats=repeats, peer_python=peer_python,
                      backend=backend, quiet_wait=quiet_wait)
        if json_out:
            emit_json(res)
            _stop_if_interrupted(res)
            return
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"{workload}: median s/step over {repeats} alternating runs")
        mine = [r["impl"] for r in res["table"] if r["impl"].startswith("escset") and "ratios" in r]
        from rich.markup import escape  # "escset[jax]" is not a style tag

        for col in ["impl", "median ms/step", "min..max"] + [f"{e} / impl" for e in mine] + ["final loss",
                                                                                              "foreign cores"]:
            t.add_column(escape(col))
        for r in res["table"]:
            if "error" in r:
                t.add_row(escape(r["impl"]), escape("error: " + str(r["error"])), *[""] * (len(mine) + 3))
                continue
            t.add_row(escape(r["impl"]), f"{r['sec_per_step_median'] * 1e3:.2f}",
                      f"{r['sec_per_step_min'] * 1e3:.2f}..{r['sec_per_step_max'] * 1e3:.2f}",
                      *[f"{r['ratios'][e]:.2f}" for e in mine], f"{r['final_loss']:.15g}",
                      ", ".join(str(x) for x in r.get("other_cores_during", [])))
        con = Console()
        Console(width=max(con.width, 130)).print(t)  # room for one ratio column per escset backend
        for e, v in res["rel_diff_final_loss_vs_numpy_peer_by_impl"].items():
            print(f"{e}: relative difference of the final loss vs the numpy peer: {v}")
        _stop_if_interrupted(res)
        return
    opts = {}
    if workload == "w1":
        opts = dict(block=block, threads=threads)
    try:
        rec = bench_dynamics(workload, m=m, steps=steps, n=n, seed=seed, backend=backend, **opts)
    except KeyboardInterrupt:  # one timing: nothing to keep
        from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

        stop(INTERRUPTED, interrupted_line(f"the {workload} timing", "nothing (a timing has no partial result)",
                                           resume=False), {"workload": workload, "interrupted": True}, json_out)
    if json_out:
        emit_json(rec)
        return
    print(f"{workload}: n={rec['n']} m={rec['m']} steps={rec['steps']} backend={rec['backend']}: "
          f"{rec['sec_per_step'] * 1e3:.3f} ms/step, {rec['particle_steps_per_s']:.3g} particle-steps/s, "
          f"final loss {rec['final_loss']:.15g}")


def _stop_if_interrupted(res):
    if res.get("interrupted"):
        from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

        stop(INTERRUPTED, interrupted_line(f"run {res['runs_finished'] + 1} of the comparison",
                                           f"the {res['runs_finished']} finished runs (tabulated above)",
                                           resume=False))
