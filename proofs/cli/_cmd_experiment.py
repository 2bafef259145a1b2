"""``escset experiment``: the instability simulations and the full-support convergence sweep.

Argument parsing and printing only; the experiments are :mod:`proofs.experiments.instability`,
:mod:`proofs.experiments.instability_attention` and :mod:`proofs.experiments.full_support` (their docstrings
describe what is measured). ``--json`` prints one object; progress goes to stderr; bad input exits 2 with one
line; Ctrl-C keeps the finished cells of a sweep (each in its
own file) and exits 130 after one line (rerun the same command to resume).

* ``escset experiment escape [--model sigmoid|attention] [--instance designed|zero] [--k K] [--seed S] [--T T]
  [--plot PNG]``: the best escaping direction of an exactly stationary non-global measure (certified by ``escset
  analyze`` for the designed sigmoid instance; certified hardmax cells for attention with p <= 3), a small mass
  added near infinity and in the compact part (frozen and with feedback), the growth rate of |a| against the
  predicted -h; for sigmoid with k = 1 also the negative-weight experiment and the boundary probes. Attention:
  :mod:`proofs.experiments.instability_attention` (``--p``, ``--L``, ``--heads``; Ctrl-C prints the finished runs
  under ``--json``).
* ``escset experiment full-support --out DIR [--workers K | --scheduler ADDR] [--seeds 5] [--widths ...]``.
"""
from __future__ import annotations

import sys
from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail
from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

experiment_app = typer.Typer(add_completion=False, no_args_is_help=True,
                             help="instability simulations and the full-support sweep")
app.add_typer(experiment_app, name="experiment")


#: figure formats of ``--plot`` (the extension decides; proofs.style.save writes them)
PLOT_FORMATS = (".png", ".pdf", ".svg")


def _finite_positive(name, v):
    import math

    if not (math.isfinite(v) and v > 0):
        fail(f"--{name} must be a positive finite number, got {v}")


@experiment_app.command("escape")
def escape_cmd(
        model: str = typer.Option("sigmoid", "--model",
                                  help="sigmoid (ridge network, scalar or vector outputs) or attention (softmax "
                                       "heads with linear output weights)"),
        instance: str = typer.Option("designed", "--instance",
                                     help="designed (exact inverse design, certified diagnostics) or zero "
                                          "(all particles at 0, Chizat-Bach's configuration; sigmoid only)"),
        k: Optional[int] = typer.Option(None, "--k", help="outputs (default: sigmoid 1, attention 2)"),
        d: Optional[int] = typer.Option(None, "--d", help="input dimension (designed: 1-3, default 2; zero: >= 3, "
                                                         "default 3; sigmoid only)"),
        p: int = typer.Option(2, "--p", help="token dimension (attention; p <= 3: certified argmax cells, "
                                             "p = 4: sampled directions)"),
        L: int = typer.Option(3, "--L", help="tokens per sample (attention)"),
        heads: int = typer.Option(2, "--heads", help="heads of the stationary measure (attention)"),
        n: Optional[int] = typer.Option(None, "--n", help="data points (default: designed 12, zero 40, attention 8)"),
        seed: int = typer.Option(0, "--seed", help="data seed"),
        T: Optional[float] = typer.Option(None, "--T", help="time horizon of the escape runs (default: sigmoid 200, "
                                                            "attention 40)"),
        dt: Optional[float] = typer.Option(None, "--dt", help="Euler step (default: sigmoid 0.05, attention 0.02)"),
        mass: float = typer.Option(0.05, "--mass", help="mass of the added particle (feedback runs)"),
        plot: Optional[str] = typer.Option(None, "--plot", help="write the escape figure (PNG/PDF/SVG)"),
        json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Escape from a non-global stationary measure: growth of |a| against the predicted rate."""
    if model not in ("sigmoid", "attention"):
        fail(f"unknown --model {model!r}; valid are sigmoid, attention")
    if instance not in ("designed", "zero"):
        fail(f"unknown --instance {instance!r}; valid are designed, zero")
    if plot is not None:
        import os

        from proofs.cli import _inputs

        ext = os.path.splitext(plot)[1].lower()
        if ext not in PLOT_FORMATS:
            fail(f"--plot {plot!r}: the format comes from the extension; valid are {', '.join(PLOT_FORMATS)}")
        _inputs.check_outputs(None, plot)
    if model == "attention":
        if instance != "designed":
            fail("--instance zero is the sigmoid configuration; for --model attention valid is --instance designed")
        if d is not None:
            fail("--d is the sigmoid input dimension; for --model attention give --p (token dimension) and --L")
        _escape_attention(k=2 if k is None else k, p=p, L=L, heads=heads, n=8 if n is None else n, seed=seed,
                          T=40.0 if T is None else T, dt=0.02 if dt is None else dt, mass=mass, plot=plot,
                          json_out=json_out)
        return
    _escape_sigmoid(instance=instance, k=1 if k is None else k, d=d, n=n, seed=seed, T=200.0 if T is None else T,
                    dt=0.05 if dt is None else dt, mass=mass, plot=plot, json_out=json_out)


def _escape_sigmoid(*, instance, k, d, n, seed, T, dt, mass, plot, json_out):
    from proofs.experiments import instability as I

    if n is None:
        n = 12 if instance == "designed" else 40
    if d is None:
        d = 2 if instance == "designed" else 3
    for name, v, lo in (("k", k, 1), ("d", d, 1), ("n", n, 2)):
        if v < lo:
            fail(f"--{name} must be >= {lo}, got {v}")
    for name, v in (("T", T), ("dt", dt), ("mass", mass)):
        _finite_positive(name, v)
    if instance == "designed" and d > 3:
        fail(f"--d {d}: the designed instance's certified diagnostics enumerate half-spaces; valid is d <= 3")
    try:
        if instance == "designed":
            inst = I.designed_stationary(k=k, d=d, n=n, seed=seed)
        else:
            if k != 1:
                fail("--instance zero has scalar labels; valid is --k 1")
            inst = I.zero_configuration(n=n, d=d, seed=seed)
        if not json_out:
            print("escape: diagnostics ...", file=sys.stderr, flush=True)
        exp = I.escape_experiment(inst, T=T, dt=dt, mass=mass)
        res = {"instance": exp["instance"], "diagnostics": exp["diagnostics"], "runs": exp["runs"]}
        if inst.k == 1:
            if not json_out:
                print("escape: negative-weight and boundary probes ...", file=sys.stderr, flush=True)
            res["negative_weights"] = I.e8_experiment(inst)
            res["boundary"] = I.boundary_experiment(inst)
        if plot is not None:
            res["plot"] = I.plot_escape(exp, plot)
    except KeyboardInterrupt:
        stop(INTERRUPTED, interrupted_line("the escape experiment", "nothing (it is short: nothing to resume)",
                                           False))
    if json_out:
        emit_json(res)
        return
    dg = res["diagnostics"]
    print(f"{res['instance']}")
    print(f"  S(mu) = {dg['sup_psi']:.6g} ({dg['method']}); attained at {dg['attained']}; "
          f"stationarity residual {float(dg['stationarity_residual']):.2e}")
    for label, r in res["runs"].items():
        print(f"  {label:28s} rate |a|' measured {r['measured_rate']:.4g} vs predicted -h = {r['predicted_rate']:.4g};"
              f" |a| {r['a_norm_start']:.3g} -> {r['a_norm_end']:.3g}; |u| {r['u_norm_start']:.3g} -> "
              f"{r['u_norm_end']:.3g}; loss decrease {r['loss_decrease']:.3g}")
    if "negative_weights" in res:
        for w0, r in res["negative_weights"]["results"].items():
            print(f"  w0 = {w0:>6}: {r['exited']}/{r['probes']} probes leave K before w changes sign")
        b = res["boundary"]
        print(f"  boundary probes entered K: {b['entered_K']}; min w' in K {min(b['min_wdot_in_K'].values()):.4g} "
              f">= eta/2 = {b['half_eta']:.4g}: {b['wdot_bound_held']}")
    if plot:
        print(f"  figure: {plot}")


def _escape_attention(*, k, p, L, heads, n, seed, T, dt, mass, plot, json_out):
    """``--model attention``: :mod:`proofs.experiments.instability_attention` (exact design, certified hardmax
    direction, frozen and feedback runs near infinity and in the compact part)."""
    from proofs.experiments import instability_attention as IA

    for name, v in (("T", T), ("dt", dt), ("mass", mass)):
        _finite_positive(name, v)
    steps = T / dt
    if steps > 2e6:
        fail(f"--T {T} / --dt {dt} is {steps:.3g} Euler steps per run; valid is at most 2e6")

    def progress(label):
        if not json_out:
            print(f"escape (attention): run '{label}' ...", file=sys.stderr, flush=True)
    try:
        inst = IA.designed_attention(k=k, p=p, L=L, n=n, m=heads, seed=seed)
        if not json_out:
            print("escape (attention): exact stationarity and the best direction at infinity ...", file=sys.stderr,
                  flush=True)
        exp = IA.escape_experiment(inst, T=T, dt=dt, mass=mass, progress=progress)
        res = {"model": "attention", **{key: v for key, v in exp.items() if key != "series"}}
        if plot is not None:
            res["plot"] = IA.plot_escape(exp, plot)
    except KeyboardInterrupt as exc:
        partial = getattr(exc, "partial", None)
        kept = (f"{len(partial['runs'])} finished run(s) (their summaries under --json)" if partial
                else "nothing (interrupted before the first run)")
        stop(INTERRUPTED, interrupted_line("the attention escape experiment", kept, False),
             obj={"model": "attention", **partial} if partial else None, json_out=json_out)
    if json_out:
        emit_json(res)
        return
    st, dg = res["stationarity"], res["diagnostics"]
    print(res["instance"])
    print(f"  stationary: {st['stationary']} ({st['method']}; max |velocity| = {st['max_abs']})")
    lo, hi = dg["sup_psi_inf_enclosure"]
    print(f"  best limit at infinity |Psi_oo| in [{lo[:12]}, {hi[:12]}] ({dg['direction_source']}); non-global "
          f"certified: {dg['nonglobal_certified']}; interior (sampled) {dg['interior']['sup_sampled']:.6g}; "
          f"location {dg['location']} (not certified)")
    for label, r in res["runs"].items():
        print(f"  {label:24s} |A0| = {r['t0']:.4g}: rate |a|' measured {r['measured_rate']:.4g} vs predicted "
              f"-h = {r['predicted_rate']:.4g}; |a| {r['a_norm_start']:.3g} -> {r['a_norm_end']:.3g}; |A| drift "
              f"{r['u_drift']:+.3g}; loss decrease {r['loss_decrease']:.3g}")
    if plot:
        print(f"  figure: {plot}")


@experiment_app.command("full-support")
def full_support_cmd(
        out: str = typer.Option(..., "--out", help="directory: one file per finished cell, table.json, figure"),
        workers: int = typer.Option(2, "--workers", help="local processes (0: in this process)"),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="address of a running dask scheduler"),
        seeds: int = typer.Option(5, "--seeds", help="student seeds per width"),
        widths: Optional[List[int]] = typer.Option(None, "--widths", help="student widths (default m0/2 .. 10 m0)"),
        models: Optional[List[str]] = typer.Option(None, "--models", help="sigmoid, sigmoid-vector, attention"),
        m0: int = typer.Option(4, "--m0", help="teacher particles"),
        n: int = typer.Option(64, "--n", help="data points"),
        steps: int = typer.Option(10000, "--steps", help="Euler steps per cell"),
        dt: float = typer.Option(1.0, "--dt", help="Euler step (mean-field time)"),
        no_plot: bool = typer.Option(False, "--no-plot", help="skip the figure"),
        json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """Final excess loss against the student width over seeds, for three models; resumable sweep."""
    from proofs.experiments.full_support import make_cells, run_full_support

    if not out.strip():
        fail("--out is empty; give a directory for the cell files, table.json and the figure")
    if workers < 0:
        fail(f"--workers must be >= 0, got {workers}")
    if scheduler is not None and not scheduler.strip():
        fail("--scheduler is empty; give an address such as tcp://127.0.0.1:8786")
    _finite_positive("dt", dt)
    make_cells(models=models, widths=widths, seeds=seeds, m0=m0, n=n, steps=steps, dt=dt)  # validates

    def progress(done, total, cell, result):
        if json_out:
            return
        what = "kept" if result is None else ("DIVERGED (non-finite loss; not used as data)" if
                                              result.get("diverged") else
                                              f"excess {result['excess_loss']:.3e} ({result['seconds']:.1f} s)")
        print(f"full-support [{done}/{total}] {cell['key']}: {what}", file=sys.stderr, flush=True)

    try:
        res = run_full_support(out, workers=workers, scheduler=scheduler, progress=progress, plot=not no_plot,
                               models=models, widths=widths, seeds=seeds, m0=m0, n=n, steps=steps, dt=dt)
    except KeyboardInterrupt as exc:
        done = getattr(exc, "done", None)
        stop(INTERRUPTED, interrupted_line("the full-support sweep",
                                           f"{done if done is not None else 'the'} finished cells in {out}/cells"))
    if json_out:
        emit_json(res)
        return
    sw = res["sweep"]
    print(f"full-support: {res['cells']} cells ({sw['computed']} computed, {sw['reused']} kept) in "
          f"{sw.get('seconds', 0):.1f} s on {sw['executor']}; table {res['table_path']}"
          + (f", figure {res['figure']}" if res.get("figure") else ""))
    for mname, rows in res["table"].items():
        print(f"  {mname:15s} " + "  ".join(
            f"m={r['m']}: " + ("diverged" if r["median"] is None else f"{r['median']:.2e}")
            + (f" ({r['diverged']} diverged)" if r.get("diverged") else "") for r in rows))
    if res.get("diverged_cells"):
        print(f"  {len(res['diverged_cells'])} cell(s) diverged (non-finite loss): excluded from the medians; "
              "lower --dt", file=sys.stderr)
