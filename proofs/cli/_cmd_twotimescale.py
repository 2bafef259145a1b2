"""``escset two-timescale run|sweep|additive``: the E-MB1 / E-MB2 experiments of Marion & Berthier 2023.

``run``: the deterministic E-MB1 analogue (population loss) from one seed, in both regimes: the joint flow with small
eps (two-timescale) and with eps = 1 (single timescale); ``--sgd`` runs online SGD instead (label noise U[-1, 1]).
Prints final loss / floor and coverage of every jump; ``--figure`` writes neuron positions and loss vs time.
``sweep``: the same for seeds 0..N-1 on local processes (``--workers``) or a dask scheduler (``--scheduler``), and
counts how often each regime ends "global" (loss <= 1.5 floor, every jump covered) or "stalled" (a jump uncovered,
loss above 1.5 floor); a deterministic run whose loss increases at some step (a gradient flow never increases L: the
Euler step was too large) is rerun with half the step, up to 3 times, and otherwise counted "failed". Ctrl-C keeps and prints the seeds already finished. ``additive``: E-MB2 at d = 2.
"""
from __future__ import annotations

import sys
from typing import Optional

import typer

from proofs.cli import app, emit_json, fail

tt = typer.Typer(help="the two-timescale regime (Marion-Berthier 2023): E-MB1 runs, seed sweeps, E-MB2",
                 no_args_is_help=True)
app.add_typer(tt, name="two-timescale")


def _params(eta, m, eps, tau, h_small, h_one, t_one):
    if not (0 < eta <= 0.1):
        fail(f"got --eta {eta}; valid is a width in (0, 0.1]")
    # Euler steps scaled with the width (the inner-layer stiffness grows like 1/eta): stable defaults
    h_small = 0.05 * min(1.0, eta / 0.04) if h_small is None else h_small
    h_one = eta / 10 if h_one is None else h_one
    if m < 1 or m > 500:
        fail(f"got --m {m}; valid is an integer in [1, 500]")
    for name, x in (("--eps", eps), ("--tau", tau), ("--h-small", h_small), ("--h-one", h_one), ("--t-one", t_one)):
        if not x > 0:
            fail(f"got {name} {x}; valid is a positive number")
    if eps >= 1:
        fail(f"got --eps {eps}; valid is a small timescale ratio in (0, 1) (eps = 1 is the comparison run)")
    return dict(eta=eta, m=m, eps=eps, tau=tau, h_small=h_small, h_one=h_one, t_one=t_one)


def one_seed(seed: int, p: dict, sgd: bool = False, keep_paths: bool = False) -> dict:
    """Both regimes from one seed (a module-level function: it runs in worker processes)."""
    from numerics.twotimescale import EMB1_TARGET as T, joint_flow, sgd as run_sgd, step_init, summarize_run

    u0, a0 = step_init(p["m"], seed)
    if sgd:
        n2 = int(round(p["tau"] / (p["h_small"] * p["eps"])))
        n1 = int(round(p["t_one"] / p["h_one"]))
        r2 = run_sgd(u0, a0, T, p["eta"], p["eps"], p["h_small"], n2, seed=seed)
        if r2.status == "interrupted":
            raise KeyboardInterrupt
        r1 = run_sgd(u0, a0, T, p["eta"], 1.0, p["h_one"], n1, seed=seed)
    else:
        r2, h2 = _stable(lambda h: joint_flow(u0, a0, T, p["eta"], p["eps"], p["tau"] / p["eps"], h), p["h_small"])
        r1, h1 = _stable(lambda h: joint_flow(u0, a0, T, p["eta"], 1.0, p["t_one"], h), p["h_one"])
    if "interrupted" in (r2.status, r1.status):  # the flows stop cleanly on Ctrl-C; the command stops too
        raise KeyboardInterrupt
    out = {"seed": seed, "two_timescale": summarize_run(r2, T, p["eta"]),
           "single_timescale": summarize_run(r1, T, p["eta"])}
    if not sgd:
        out["two_timescale"]["h_used"], out["single_timescale"]["h_used"] = h2, h1
    if keep_paths:
        out["paths"] = {"two_timescale": r2, "single_timescale": r1}
    return out


#: a deterministic run whose loss increases (a gradient flow never increases L) is rerun with half the step, at most
#: this many times; if it still increases, the run is reported with outcome "failed"
HALVINGS = 3


def _stable(run, h):
    """Run ``run(h)``; on a loss increase halve h and rerun (Ctrl-C propagates). Returns (result, step used)."""
    for k in range(HALVINGS + 1):
        r = run(h)
        if r.status == "interrupted":
            raise KeyboardInterrupt
        if r.status == "ok" and r.info.get("loss_increases", 0) == 0 or k == HALVINGS:
            return r, h
        h = h / 2


_FIG_FORMATS = ("png", "pdf", "svg")


def _check_figure(path):
    import os

    if path is None:
        return
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    if ext not in _FIG_FORMATS:
        fail(f"got --figure {path}; valid is a file name ending in {', '.join('.' + e for e in _FIG_FORMATS)}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        fail(f"got --figure {path}; valid is a path in an existing directory ({parent} does not exist)")


def _figure(res: dict, p: dict, path: str):
    import numpy as np

    from numerics.twotimescale import EMB1_TARGET as T
    from proofs import style

    fig, axes = style.figure(2, nrows=2, ncols=2, aspect=0.8)
    for col, key, title in ((0, "two_timescale", rf"$\varepsilon={p['eps']}$"), (1, "single_timescale",
                                                                                  r"$\varepsilon=1$")):
        r = res["paths"][key]
        e = p["eps"] if key == "two_timescale" else 1.0
        tau = r.times * e if r.clock == "t" else r.times  # one clock for both panels: slow time tau = eps t
        xl = r"slow time $\tau=\varepsilon t$"
        ax = axes[0][col]
        for v in T.v:
            ax.axhline(v, color="0.6", lw=0.6, ls="--")
        ax.plot(tau, r.u, color="C0", lw=0.8)
        style.label(ax, x=xl, y="neuron positions $u_j$", title=title)
        ax = axes[1][col]
        ax.semilogy(tau, np.maximum(r.loss, 1e-12), color="C1", label="population loss")
        ax.axhline(res[key]["floor"], color="k", lw=0.7, ls=":", label=r"floor $\sum\Delta_i^2\eta/56$")
        style.label(ax, x=xl, y=r"$L(a,u)$")
    style.save(fig, path)


@tt.command("run")
def run_cmd(
    seed: int = typer.Option(0, "--seed", min=0),
    eta: float = typer.Option(0.04, "--eta", help="width of the smooth step (E-MB1 uses 0.004; 0.04 runs in seconds)"),
    m: int = typer.Option(20, "--m", help="number of neurons"),
    eps: float = typer.Option(0.02, "--eps", help="timescale ratio of the two-timescale run"),
    tau: float = typer.Option(1.0, "--tau", help="slow-time horizon of the two-timescale run"),
    h_small: Optional[float] = typer.Option(None, "--h-small",
                                            help="step of the two-timescale run (default 0.05 min(1, eta / 0.04))"),
    h_one: Optional[float] = typer.Option(None, "--h-one", help="step of the eps = 1 run (default eta / 10)"),
    t_one: float = typer.Option(20.0, "--t-one", help="horizon of the eps = 1 run"),
    sgd: bool = typer.Option(False, "--sgd", help="online SGD (label noise U[-1, 1]) instead of the deterministic flow"),
    figure: Optional[str] = typer.Option(None, "--figure", help="write neuron positions and loss vs time (png/pdf)"),
    json_out: bool = typer.Option(False, "--json"),
):
    """E-MB1 from one seed, both regimes."""
    p = _params(eta, m, eps, tau, h_small, h_one, t_one)
    _check_figure(figure)
    from proofs.cli._interrupt import INTERRUPTED, stop

    try:
        res = one_seed(seed, p, sgd=sgd, keep_paths=figure is not None)
    except KeyboardInterrupt:
        stop(INTERRUPTED, "interrupted during the run; nothing finished to keep; rerun to start over",
             {"interrupted": True}, json_out)
    if figure:
        _figure(res, p, figure)
    res.pop("paths", None)
    out = {"params": p, "sgd": sgd, "figure": figure, **res}
    if json_out:
        emit_json(out)
        return
    for key in ("two_timescale", "single_timescale"):
        s = res[key]
        typer.echo(f"{key:17s} loss {s['final_loss']:.4g} = {s['loss_over_floor']:.2f} x floor ({s['floor']:.4g}); "
                   f"uncovered jumps {s['uncovered_jumps']}; {s['outcome']} ({s['seconds']} s)")


@tt.command("sweep")
def sweep_cmd(
    seeds: int = typer.Option(10, "--seeds", help="seeds 0..N-1"),
    workers: int = typer.Option(2, "--workers", help="local processes"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="dask scheduler address (tcp://...) instead"),
    eta: float = typer.Option(0.04, "--eta"), m: int = typer.Option(20, "--m"), eps: float = typer.Option(0.02, "--eps"),
    tau: float = typer.Option(1.0, "--tau"), h_small: Optional[float] = typer.Option(None, "--h-small"),
    h_one: Optional[float] = typer.Option(None, "--h-one"), t_one: float = typer.Option(20.0, "--t-one"),
    sgd: bool = typer.Option(False, "--sgd"),
    json_out: bool = typer.Option(False, "--json"),
):
    """How often each regime reaches the floor / stalls, over seeds."""
    if not 1 <= seeds <= 10000 or not 1 <= workers <= 256:
        fail(f"got --seeds {seeds} --workers {workers}; valid is 1..10000 seeds and 1..256 workers")
    p = _params(eta, m, eps, tau, h_small, h_one, t_one)
    from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

    done: list = []
    try:
        if scheduler:
            try:
                from dask.distributed import Client, as_completed
            except ImportError:
                fail("--scheduler needs dask: pip install 'escset[dask]'")
            try:
                client = Client(scheduler, timeout=10)
            except (ValueError, OSError, TimeoutError) as e:
                fail(f"got --scheduler {scheduler}; valid is the address of a running dask scheduler "
                     f"(tcp://host:port): {type(e).__name__}: {e}")
            with client:
                futs = [client.submit(one_seed, s, p, sgd, pure=False) for s in range(seeds)]
                for f in as_completed(futs):
                    done.append(f.result())
                    sys.stderr.write(f"\rseeds done {len(done)}/{seeds}")
        else:
            import multiprocessing as mp

            pool = mp.get_context("spawn").Pool(workers, initializer=_ignore_sigint)
            try:
                for r in pool.imap_unordered(_seed_task, [(s, p, sgd) for s in range(seeds)]):
                    done.append(r)
                    sys.stderr.write(f"\rseeds done {len(done)}/{seeds}")
                pool.close()
            finally:  # on Ctrl-C: stop the workers at once; the finished seeds are kept
                pool.terminate()
                pool.join()
        sys.stderr.write("\n")
    except KeyboardInterrupt:
        out = _tally(done, p, sgd, seeds)
        stop(INTERRUPTED, interrupted_line(f"{len(done)}/{seeds} seeds", f"{len(done)} finished seeds", False),
             dict(out, interrupted=True), json_out)
    out = _tally(done, p, sgd, seeds)
    if json_out:
        emit_json(out)
        return
    for key in ("two_timescale", "single_timescale"):
        c = out["counts"][key]
        typer.echo(f"{key:17s} global {c['global']}/{len(done)}, stalled {c['stalled']}/{len(done)}, other "
                   f"{c['other']}, failed (loss increased even at step / {2 ** HALVINGS}) {c['failed']}; final loss "
                   f"/ floor {out['loss_over_floor'][key]}")


def _ignore_sigint():
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it terminates the pool


def _seed_task(args):
    return one_seed(*args)


def _tally(done, p, sgd, seeds):
    # a seed whose run was cut short by Ctrl-C (the flows return status "interrupted") is not a finished seed
    done = sorted((r for r in done if "interrupted" not in (r["two_timescale"]["status"], r["single_timescale"]["status"])),
                  key=lambda r: r["seed"])
    counts = {k: {o: sum(r[k]["outcome"] == o for r in done) for o in ("global", "stalled", "other", "failed")}
              for k in ("two_timescale", "single_timescale")}
    ratio = {k: [round(r[k]["loss_over_floor"], 3) for r in done] for k in counts}
    return {"params": p, "sgd": sgd, "seeds_requested": seeds, "seeds_done": [r["seed"] for r in done],
            "counts": counts, "loss_over_floor": ratio, "runs": done}


@tt.command("additive")
def additive_cmd(
    seed: int = typer.Option(0, "--seed", min=0), d: int = typer.Option(2, "--d"), n: int = typer.Option(1000, "--n"),
    eta: float = typer.Option(0.01, "--eta"), lr: float = typer.Option(0.3, "--lr"),
    eps: float = typer.Option(0.01, "--eps", help="timescale ratio of the two-timescale run"),
    epochs_small: int = typer.Option(3000, "--epochs-small"), epochs_one: int = typer.Option(1000, "--epochs-one"),
    json_out: bool = typer.Option(False, "--json"),
):
    """E-MB2: additive model in d dimensions, full-batch GD, eps small vs eps = 1."""
    from numerics.twotimescale.additive import additive_run

    if not 1 <= d <= 10 or not 10 <= n <= 100000:
        fail(f"got --d {d} --n {n}; valid is d in 1..10 and n in 10..100000")
    r2 = additive_run(d=d, n=n, eta=eta, eps=eps, lr=lr, epochs=epochs_small, seed=seed)
    r1 = additive_run(d=d, n=n, eta=eta, eps=1.0, lr=lr, epochs=epochs_one, seed=seed)
    out = {"two_timescale": r2, "single_timescale": r1}
    if json_out:
        emit_json(out)
        return
    for k, r in out.items():
        typer.echo(f"{k:17s} error |f - y|_2 / n = {r['final_error']:.4g}; every threshold covered: {r['all_covered']}")
