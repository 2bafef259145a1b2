"""``escset list``, ``escset check`` (the main job) and ``escset latex``."""
from __future__ import annotations

import time
from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail
from proofs.report import scope_of, summarize, summary_line, verdict_ok, write_report


def _claims(ids, paper):
    from proofs.registry import all_claims, get_claim, paper_matches

    if ids:
        return [get_claim(i) for i in ids]
    claims = list(all_claims().values())
    if paper:
        claims = [c for c in claims if paper_matches(c, paper)]
        if not claims:
            fail(f"no claim matches --paper {paper!r}; run 'escset list' to see the papers")
    return claims


@app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """The claim catalogue with provenance tags and the numerical-by-nature flag."""
    from proofs.registry import all_claims

    claims = all_claims()
    if json_out:
        emit_json({"claims": [c.summary() for c in claims.values()]})
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="escset claims (numerical: numerical by nature, float evidence is its expected outcome)")
    for col in ("claim", "label", "provenance", "expected", "numerical", "instances"):
        t.add_column(col)
    for c in claims.values():
        t.add_row(c.id, c.label, c.provenance, c.expected, "yes" if c.numerical else "no", str(len(c.instances)))
    Console().print(t)


@app.command("check")
def check_cmd(claim_ids: Optional[List[str]] = typer.Argument(None, metavar="[CLAIM]...",
                                                              help="claims to check (default: all)"),
              paper: Optional[str] = typer.Option(None, "--paper", help="only claims of this paper"),
              dps: int = typer.Option(30, "--dps", min=15, max=10000, help="mpmath working precision"),
              report: Optional[str] = typer.Option(None, "--report", help="write report.md + report.json here"),
              module: Optional[List[str]] = typer.Option(None, "--module", help="a Python file with your own @claim"),
              instance: Optional[str] = typer.Option(None, "--instance",
                                                     help="JSON object: run on this instance instead of the defaults"),
              json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """MAIN JOB: run claims on their default instances; table, JSON or report."""
    from proofs._io import check_output_dir, loads_json
    from proofs.search import load_user_module

    for path in module or []:
        load_user_module(path)

    claims = _claims(claim_ids or [], paper)
    inst_override = None
    if instance is not None:
        inst_override = loads_json(instance, "--instance", exact_floats=False)
        if not isinstance(inst_override, dict):
            fail("--instance must be a JSON object, e.g. '{\"name\": \"x\", \"k\": 2}'")
        if len(claims) != 1:
            fail("--instance needs exactly one CLAIM")
    if report is not None:
        check_output_dir(report, "--report")  # before any claim runs: a bad --report never costs a run
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results, rows = [], []
    from rich.console import Console

    console = Console(stderr=True, quiet=json_out)
    t0 = time.perf_counter()
    try:
        with console.status("checking claims") as status:
            for c in claims:
                for inst in ([inst_override] if inst_override is not None else c.instances):
                    status.update(f"{c.id} [{inst.get('name', '')}]")
                    r = _run_one(c, inst, dps, inst_override is not None, module or [])
                    results.append(r)
                    rows.append((c, r))
    except KeyboardInterrupt:
        from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

        if report:
            write_report(report, rows, started)
        total = sum(len(c.instances) if inst_override is None else 1 for c in claims)
        where = f"instance {len(rows) + 1} of {total}"
        kept = (f"the {len(rows)} finished results in {report}" if report
                else f"nothing ({len(rows)} finished; no --report)")
        stop(INTERRUPTED, interrupted_line(where, kept, resume=False),
             {"results": [r.to_dict() for r in results], "summary": None, "interrupted": True}, json_out)
    summary = summarize(rows, round(time.perf_counter() - t0, 2))
    if report:
        write_report(report, rows, started, summary)
    if json_out:
        emit_json({"results": [r.to_dict() for r in results], "summary": summary})
    else:
        _print_table(rows, summary)
    # exit 1 on any unexpected verdict, only once the table / JSON / report are fully written
    if summary["unexpected"]:
        raise typer.Exit(1)


def _run_one(c, inst, dps, given, modules):
    """One check. A user's check that raises, or a built-in one that raises on an instance the user gave
    (``--instance``), is bad input: one line naming the exception and the user's file and line. A built-in
    check raising on its own instances is a bug of escset and keeps its traceback."""
    from proofs.errors import EscsetError, describe_exception
    from proofs.registry import is_builtin, run_check

    try:
        return run_check(c, inst, dps=dps)
    except (KeyboardInterrupt, EscsetError):
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit of a user's check included
        if is_builtin(c) and not given:
            raise
        what = "--instance" if given else f"instance {inst.get('name', '')!r}"
        fail(f"the check of claim {c.id!r} raised {describe_exception(exc, modules)} on {what}"
             + ("; valid instances look like the claim's defaults (escset list --json)" if is_builtin(c) else ""))


def _print_table(rows, summary):
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"escset check ({summary['checked']} instances, {summary['seconds']} s)",
              caption=summary_line(summary))
    for col in ("claim", "instance", "verdict", "scope", "expected", "precision", "method"):
        t.add_column(col, overflow="fold")
    colors = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}
    for c, r in rows:
        v = r.verdict.value
        ok = verdict_ok(c, r)
        t.add_row(c.id, r.instance, f"[{colors[v]}]{v}[/]" + (" (num.)" if r.numerical else ""), scope_of(r),
                  c.expected + (" (num.)" if c.numerical else "") + ("" if ok else " [bold red]UNEXPECTED[/]"),
                  r.precision, r.method)
    con = Console()
    con.print(t)
    if summary["unexpected"]:
        con.print("[bold red]unexpected verdicts (exit 1):[/]")
        for u in summary["unexpected"]:
            con.print(f"  {u}", markup=False, highlight=False)
    else:
        con.print("[green]every verdict is as expected[/] (theorems proved, or numerical evidence for claims "
                  "numerical by nature; false variants refuted)")


@app.command("latex")
def latex_cmd(claim_id: Optional[str] = typer.Argument(None, metavar="[CLAIM]"),
              model: Optional[str] = typer.Option(None, "--model", help="sigmoid, attention, attention-qk, relu-lift"),
              expr: str = typer.Option("first-variation", "--expr",
                                       help="feature, first-variation, psi or velocity"),
              k: int = typer.Option(1, "--k", min=1, max=16), d: int = typer.Option(1, "--d", min=1, max=16),
              activation: Optional[str] = typer.Option(None, "--activation"),
              p: int = typer.Option(2, "--p", min=1, max=8), L: int = typer.Option(2, "--L", min=1, max=8),
              json_out: bool = typer.Option(False, "--json")):
    """LaTeX of a claim's statement, or of a model expression."""
    if claim_id and model:
        fail("give either a CLAIM or --model, not both")
    if claim_id:
        from proofs.registry import get_claim

        c = get_claim(claim_id)
        out = {"claim": c.id, "label": c.label, "provenance": c.provenance, "latex": c.statement}
    elif model:
        from proofs.symbolic.models import get_model

        m = get_model(model, k=k, d=d, activation=activation, p=p, L=L)
        out = {"model": m.name, "expr": expr, "latex": m.latex(expr)}
    else:
        fail("give a CLAIM or --model M --expr first-variation|velocity|feature|psi")
    if json_out:
        emit_json(out)
    else:
        typer.echo(out["latex"])
