"""``escset prove``: certify one identity or inequality of a proof (see :mod:`proofs.prove`)."""
from __future__ import annotations

from typing import List, Optional

import typer

from proofs.cli import app, emit_json


@app.command("prove")
def prove_cmd(
    statement: str = typer.Argument(..., help="'LHS == RHS' or 'LHS <= RHS' (also <, >=, >), e.g. \"sigmoid''(z) <= 1/10\""),
    over: Optional[List[str]] = typer.Option(None, "--over", help="'z in R', 't in [0, 1]', 'x in (-1, oo)', 'x >= 0' (repeatable)"),
    assume: Optional[List[str]] = typer.Option(None, "--assume", help="extra constraint between variables, e.g. 'x <= y' (repeatable)"),
    dps: int = typer.Option(20, "--dps", help="working precision of the balls (decimal digits)"),
    max_boxes: int = typer.Option(20000, "--max-boxes", help="branch-and-bound budget (boxes per run)"),
    time_limit: float = typer.Option(60.0, "--time-limit", help="time budget for the whole statement (seconds)"),
    samples: int = typer.Option(64, "--samples", help="points of the randomised check of identities"),
    seed: int = typer.Option(0, "--seed", help="seed of the random sample points"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
):
    """Prove, refute, or report the certified margin of one line of a proof.

    proved: sympy reduces LHS - RHS to 0, or a rigorous ball branch-and-bound covers the whole domain (infinite
    ranges through a compactifying change of variable). refuted: an exact witness point, confirmed at twice the
    precision. Otherwise inconclusive, with the certified enclosure of the sup/inf and the knob to turn.
    """
    from proofs.prove import prove

    r = prove(statement, over=over or (), assume=assume or (), dps=dps, max_boxes=max_boxes,
              time_limit=time_limit, samples=samples, seed=seed)
    if json_out:
        d = r.to_dict()
        d["latex"] = r.stats.get("latex", "")
        d["boxes_explored"] = r.stats.get("boxes_explored")
        d["seconds"] = r.stats.get("seconds")
        emit_json(d)
        return
    from rich.console import Console

    con = Console(highlight=False, soft_wrap=True)
    colour = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}[r.verdict.value]
    tag = " (numerical evidence only)" if r.numerical else ""
    con.print(f"[bold {colour}]{r.verdict.value.upper()}[/]{tag}: {statement}")
    if r.instance:
        con.print(f"  over     : {r.instance}")
    con.print(f"  method   : {r.method}  [{r.precision}]")
    if r.witness:
        con.print(f"  witness  : {', '.join(f'{k} = {v}' for k, v in r.witness.items())}")
    con.print(f"  details  : {r.message.split(' LaTeX: ')[0]}")
    boxes = r.stats.get("boxes_explored")
    secs = r.stats.get("seconds")
    con.print(f"  effort   : {'' if boxes is None else f'{boxes} boxes, '}{secs:.2f} s" if secs is not None else "")
    if r.verdict.value == "proved" and r.stats.get("latex"):
        con.print(f"  LaTeX    : {r.stats['latex']}", markup=False)
