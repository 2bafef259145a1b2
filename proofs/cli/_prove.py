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
    r, latex, hyps = _with_every_hypothesis(r, statement, over or (), assume or ())
    if json_out:
        d = r.to_dict()
        d["latex"] = latex
        d["boxes_explored"] = r.stats.get("boxes_explored")
        d["seconds"] = r.stats.get("seconds")
        emit_json(d)
        return
    from rich.console import Console
    from rich.markup import escape

    con = Console(highlight=False, soft_wrap=True)
    colour = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}[r.verdict.value]
    tag = " (numerical evidence only)" if r.numerical else ""
    con.print(f"[bold {colour}]{r.verdict.value.upper()}[/]{tag}: {escape(statement)}")
    if r.instance:
        con.print(f"  over     : {r.instance}", markup=False)
    con.print(f"  method   : {r.method}  [{r.precision}]", markup=False)
    if r.witness:
        con.print(f"  witness  : {_witness_text(r.witness)}", markup=False)
    con.print(f"  details  : {r.message.split(' LaTeX: ')[0]}", markup=False)
    boxes = r.stats.get("boxes_explored")
    secs = r.stats.get("seconds")
    con.print(f"  effort   : {'' if boxes is None else f'{boxes} boxes, '}{secs:.2f} s" if secs is not None else "")
    if r.verdict.value == "proved" and latex:
        con.print(f"  LaTeX    : {latex}", markup=False)


def _witness_text(w) -> str:
    """A witness as ``x = 1/3, y = 0`` (nested records as ``name: x = .., y = ..``), never a Python dict."""
    parts = []
    for k, v in w.items():
        parts.append(f"{k}: {_witness_text(v)}" if isinstance(v, dict) else f"{k} = {v}")
    return ", ".join(parts)


def _with_every_hypothesis(r, statement, over, assume):
    """The result with its printed statement, LaTeX and message stating every hypothesis the verdict used.

    The prover's own LaTeX line and "Proved for ..." sentence name the ranges only; a theorem printed without
    its ``--assume`` constraints is a different, possibly false, theorem (``x*y <= 0.26`` fails on
    ``[0, 1]^2`` and holds under ``x + y <= 1``). The statement is rebuilt from the user's text; every
    constraint is appended to the instance and to the message where the ranges are named."""
    import dataclasses

    from proofs.prove.latex import statement_latex
    from proofs.prove.statement import parse_statement

    try:
        _, _, _, ranges, constraints = parse_statement(statement, over, assume)
        latex = statement_latex(statement, over, assume)
    except Exception:  # noqa: BLE001 - prove() accepted the input; if a re-parse fails, print no LaTeX
        return r, "", list(assume) if not isinstance(assume, str) else [assume]
    hyps = [c[2] for c in constraints]
    if not hyps:  # nothing was dropped: the prover's own line states every hypothesis
        return r, r.stats.get("latex", ""), hyps
    dom = ", ".join(str(x) for x in ranges)
    joined = ", ".join(hyps)
    with_hyps = f"{dom} with {joined}" if dom else joined
    # the library states every constraint itself (prove() since this fix); what is patched here is only what a
    # result still lacks, so nothing is stated twice
    msg = r.message.split(" LaTeX: ")[0]
    if f"with {joined}" not in msg:
        msg = msg.replace(f"for {dom}", f"for {with_hyps}") if dom and f"for {dom}" in msg else \
            f"{msg} (assuming {joined})"
    if " LaTeX: " in r.message:
        msg = f"{msg} LaTeX: {latex}"
    stats = dict(r.stats)
    if "latex" in stats:
        stats["latex"] = latex
    if f"with {joined}" in (r.instance or ""):
        inst = r.instance
    else:
        inst = with_hyps if r.instance == dom or not r.instance else f"{r.instance} with {joined}"
    return dataclasses.replace(r, statement=latex, message=msg, stats=stats, instance=inst), latex, hyps
