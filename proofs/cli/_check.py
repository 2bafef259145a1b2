"""``escset list``, ``escset check`` (the main job) and ``escset latex``."""
from __future__ import annotations

import json
import os
import tempfile
import time
from typing import List, Optional

import typer

from . import app, emit_json, fail


def _claims(ids, paper):
    from ..registry import all_claims, get_claim

    if ids:
        return [get_claim(i) for i in ids]
    claims = list(all_claims().values())
    if paper:
        claims = [c for c in claims if paper.lower() in (c.paper + " " + c.label).lower()]
        if not claims:
            fail(f"no claim matches --paper {paper!r}; run 'escset list' to see the papers")
    return claims


@app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout")):
    """The claim catalogue with provenance tags."""
    from ..registry import all_claims

    claims = all_claims()
    if json_out:
        emit_json({"claims": [c.summary() for c in claims.values()]})
        return
    from rich.console import Console
    from rich.table import Table

    t = Table(title="escset claims")
    for col in ("claim", "label", "provenance", "expected", "instances"):
        t.add_column(col)
    for c in claims.values():
        t.add_row(c.id, c.label, c.provenance, c.expected, str(len(c.instances)))
    Console().print(t)


def _write_report(out_dir, results, started):
    """Write report.json and report.md atomically into out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    payload = {"started": started, "results": [r.to_dict() for r in results]}
    md = ["# escset check report", "", f"started {started}", "",
          "| claim | instance | verdict | expected | precision | method | message |",
          "|---|---|---|---|---|---|---|"]
    from ..registry import all_claims

    claims = all_claims()
    for r in results:
        md.append(f"| {r.claim} | {r.instance} | **{r.verdict.value}**{' (numerical)' if r.numerical else ''} | "
                  f"{claims[r.claim].expected if r.claim in claims else ''} | {r.precision} | {r.method} | "
                  f"{r.message.replace('|', '/')} |")
    for name, text in (("report.json", json.dumps(payload, indent=1)), ("report.md", "\n".join(md) + "\n")):
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, os.path.join(out_dir, name))


def _verdict_ok(claim, r):
    from .._result import Verdict

    if claim.expected == "holds":
        return r.verdict is not Verdict.REFUTED
    return r.verdict is not Verdict.PROVED


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
    from ..registry import load_module, run_check

    for path in module or []:
        load_module(path)

    claims = _claims(claim_ids or [], paper)
    inst_override = None
    if instance is not None:
        try:
            inst_override = json.loads(instance)
        except json.JSONDecodeError as exc:
            fail(f"--instance is not valid JSON: {exc.msg} at column {exc.colno}")
        if not isinstance(inst_override, dict):
            fail("--instance must be a JSON object, e.g. '{\"name\": \"x\", \"k\": 2}'")
        if len(claims) != 1:
            fail("--instance needs exactly one CLAIM")
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
                    r = run_check(c, inst, dps=dps)
                    results.append(r)
                    rows.append((c, r))
    except KeyboardInterrupt:
        if report:
            _write_report(report, results, started)
        raise
    if report:
        _write_report(report, results, started)
    summary = {"checked": len(results), "seconds": round(time.perf_counter() - t0, 2),
               "as_expected": sum(_verdict_ok(c, r) for c, r in rows),
               "unexpected": [f"{r.claim} [{r.instance}]" for c, r in rows if not _verdict_ok(c, r)]}
    if json_out:
        emit_json({"results": [r.to_dict() for r in results], "summary": summary})
        return
    from rich.table import Table

    t = Table(title=f"escset check ({summary['checked']} instances, {summary['seconds']} s)")
    for col in ("claim", "instance", "verdict", "expected", "precision", "method"):
        t.add_column(col, overflow="fold")
    colors = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}
    for c, r in rows:
        v = r.verdict.value
        t.add_row(c.id, r.instance, f"[{colors[v]}]{v}[/]" + (" (num.)" if r.numerical else ""), c.expected,
                  r.precision, r.method)
    Console().print(t)
    if summary["unexpected"]:
        Console().print(f"[bold red]unexpected verdicts:[/] {', '.join(summary['unexpected'])}")
    else:
        Console().print("[green]every verdict is as expected[/] (theorems not refuted, false variants not proved)")


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
        from ..registry import get_claim

        c = get_claim(claim_id)
        out = {"claim": c.id, "label": c.label, "provenance": c.provenance, "latex": c.statement}
    elif model:
        from ..models import get_model

        m = get_model(model, k=k, d=d, activation=activation, p=p, L=L)
        out = {"model": m.name, "expr": expr, "latex": m.latex(expr)}
    else:
        fail("give a CLAIM or --model M --expr first-variation|velocity|feature|psi")
    if json_out:
        emit_json(out)
    else:
        typer.echo(out["latex"])
