"""``escset search``: counterexample search over a claim's strategy, resumable, with a replay command."""
from __future__ import annotations

from typing import Optional

import typer

from proofs.cli import app, emit_json


@app.command("search")
def search_cmd(claim_id: str = typer.Argument(..., metavar="CLAIM"),
               module: Optional[str] = typer.Option(None, "--module", help="a Python file with your own @claim"),
               max_examples: int = typer.Option(100, "--max-examples", min=1, max=10 ** 7),
               seed: int = typer.Option(0, "--seed"),
               workers: int = typer.Option(1, "--workers", min=1, max=256),
               scheduler: Optional[str] = typer.Option(None, "--scheduler", help="dask.distributed address"),
               db: Optional[str] = typer.Option(None, "--db", help="hypothesis example database (resume)"),
               dps: int = typer.Option(30, "--dps", min=15, max=10000),
               refine: Optional[int] = typer.Option(None, "--refine", min=0, max=10 ** 6,
                                                    help="check evaluations of local refinement (0: off)"),
               profile: Optional[str] = typer.Option(None, "--profile",
                                                     help="hypothesis profile: default, ci, thorough"),
               time_budget: Optional[float] = typer.Option(None, "--time-budget", min=0.001,
                                                           help="seconds per worker; stops between examples"),
               no_shrink: bool = typer.Option(False, "--no-shrink", help="report the first hit unshrunk"),
               json_out: bool = typer.Option(False, "--json")):
    """Search for a counterexample: an instance where the claim's check says refuted.

    A negative float or mpmath margin counts only once confirmed at 2x and 4x --dps; every hit is re-verified at
    twice the precision; without a hit the smallest-margin instances are refined locally (scipy)."""
    from proofs.search import search
    from rich.console import Console

    console = Console(stderr=True, quiet=json_out)
    with console.status(f"searching {claim_id}") as status:
        def progress(n, r):
            status.update(f"searching {claim_id}: {n} examples, last verdict {r.verdict.value}")
        res = search(claim_id, max_examples=max_examples, seed=seed, db=db, module=module, workers=workers,
                     scheduler=scheduler, progress=None if json_out else progress, dps=dps, refine=refine,
                     profile=profile, shrink=not no_shrink, time_budget=time_budget)
    if json_out:
        emit_json(res.to_dict())
        _interrupted(res, db)
        return
    out = Console()
    if res.verdict.value == "refuted":
        out.print(f"[red]refuted[/] after {res.examples} examples ({res.seconds:.1f} s)")
        out.print(f"witness: {res.witness}", soft_wrap=True, markup=False)
        if res.witness and res.witness.get("message"):
            out.print(f"check:   {res.witness['message']}", soft_wrap=True, markup=False)
        out.print(f"replay:  {res.replay}", soft_wrap=True, markup=False)  # one line: copy-paste into a shell
    else:
        out.print(f"[yellow]no counterexample[/] in {res.examples} examples ({res.seconds:.1f} s); "
                  "a search proves nothing: raise --max-examples or --refine, or widen the strategy"
                  + (" (interrupted)" if res.interrupted else "")
                  + (" (time budget spent)" if res.out_of_time else ""))
        if res.best:
            out.print(f"closest call (not a counterexample): margin {res.best['margin']} on {res.best['instance']}",
                      soft_wrap=True, markup=False)
            if res.best.get("message"):
                out.print(f"  {res.best['message']}")
    _interrupted(res, db)


def _interrupted(res, db):
    """Ctrl-C: one line, exit 130 (the JSON object or the text above is already out)."""
    if not res.interrupted:
        return
    from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

    kept = (f"{res.examples} examples in the database {db}" if db
            else f"nothing ({res.examples} examples tried; no --db)")
    if res.witness:
        kept = f"the refutation found (above) and {kept}"
    stop(INTERRUPTED, interrupted_line(f"example {res.examples}", kept, resume=bool(db)))
