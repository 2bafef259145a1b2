"""``escset list``, ``escset check`` (the main job) and ``escset latex``."""
from __future__ import annotations

import json
import os
import time
from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail


def _claims(ids, paper):
    from proofs.registry import all_claims, get_claim

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


def _scope(r) -> str:
    return r.scope or "unset"


def _write_report(out_dir, rows, started, summary=None):
    """Write report.json and report.md atomically into out_dir (results, scope, statement and the summary)."""
    os.makedirs(out_dir, exist_ok=True)
    payload = {"started": started, "results": [r.to_dict() for _, r in rows]}
    if summary is not None:
        payload["summary"] = summary
    md = ["# escset check report", "", f"started {started}", "",
          "| claim | instance | verdict | scope | expected | as expected | statement | precision | method | message |",
          "|---|---|---|---|---|---|---|---|---|---|"]

    def cell(text):
        return str(text).replace("|", "/").replace("\n", " ")

    for c, r in rows:
        ok, _ = _classify(c, r)
        md.append(f"| {r.claim} | {cell(r.instance)} | **{r.verdict.value}**{' (numerical)' if r.numerical else ''} | "
                  f"{_scope(r)} | {c.expected}{' (numerical by nature)' if c.numerical else ''} | "
                  f"{'yes' if ok else '**NO**'} | {cell(r.statement)} | {cell(r.precision)} | {cell(r.method)} | "
                  f"{cell(r.message)} |")
    if summary is not None:
        md += ["", "## Summary", "", _summary_line(summary)]
        if summary["unexpected"]:
            md += ["", "Unexpected verdicts (escset check exits 1):", ""] + [f"- {u}" for u in summary["unexpected"]]
    else:
        md += ["", "Interrupted: the results above are the finished ones; no summary."]
    from proofs._atomic import atomic_write, remove_stale

    for name, text in (("report.json", json.dumps(payload, indent=1)), ("report.md", "\n".join(md) + "\n")):
        path = os.path.join(out_dir, name)
        remove_stale(path, "report")  # orphans of a check killed between write and rename
        atomic_write(path, text.encode(), tag="report")


def _classify(claim, r):
    """(as expected?, why not). A ``holds`` claim must be proved, or, only when the claim is numerical by nature
    (``Claim.numerical``), inconclusive (with a positive margin when it is float evidence); a ``fails`` claim (a
    false variant) must be refuted: a false variant left inconclusive is unexpected."""
    from proofs.result import Verdict

    v = r.verdict
    if claim.expected == "holds":
        if v is Verdict.PROVED:
            return True, ""
        if v is Verdict.REFUTED:
            return False, "expected to hold, refuted"
        if claim.numerical:
            m = r.margin
            if r.numerical and isinstance(m, (int, float)) and not isinstance(m, bool) and not m > 0:
                return False, f"expected to hold, numerical evidence against it (margin {m!r} <= 0)"
            return True, ""
        return False, "expected to hold, inconclusive (the claim is not declared numerical by nature)"
    if v is Verdict.REFUTED:
        return True, ""
    return False, f"expected to fail, {v.value} (a false variant must be refuted)"


def _verdict_ok(claim, r) -> bool:
    return _classify(claim, r)[0]


def _summary(rows, seconds) -> dict:
    """The accounting of ``escset check``: counts by verdict, and every unexpected verdict with the reason."""
    from proofs.result import Verdict

    inc = [r for _, r in rows if r.verdict is Verdict.INCONCLUSIVE]
    unexpected = []
    for c, r in rows:
        ok, why = _classify(c, r)
        if not ok:
            unexpected.append(f"{r.claim} [{r.instance}]: {why}")
    return {"checked": len(rows), "seconds": seconds,
            "proved": sum(r.verdict is Verdict.PROVED for _, r in rows),
            "refuted": sum(r.verdict is Verdict.REFUTED for _, r in rows),
            "numerical_evidence": sum(bool(r.numerical) for r in inc),
            "unresolved": sum(not r.numerical for r in inc),
            "as_expected": len(rows) - len(unexpected),
            "unexpected": unexpected,
            "exit_code": 1 if unexpected else 0}


def _summary_line(s) -> str:
    return (f"{s['checked']} checked: {s['proved']} proved, {s['refuted']} refuted, {s['numerical_evidence']} "
            f"numerical evidence, {s['unresolved']} unresolved; {s['as_expected']} as expected, "
            f"{len(s['unexpected'])} unexpected")


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
            _write_report(report, rows, started)
        total = sum(len(c.instances) if inst_override is None else 1 for c in claims)
        where = f"instance {len(rows) + 1} of {total}"
        kept = (f"the {len(rows)} finished results in {report}" if report
                else f"nothing ({len(rows)} finished; no --report)")
        stop(INTERRUPTED, interrupted_line(where, kept, resume=False),
             {"results": [r.to_dict() for r in results], "summary": None, "interrupted": True}, json_out)
    summary = _summary(rows, round(time.perf_counter() - t0, 2))
    if report:
        _write_report(report, rows, started, summary)
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
              caption=_summary_line(summary))
    for col in ("claim", "instance", "verdict", "scope", "expected", "precision", "method"):
        t.add_column(col, overflow="fold")
    colors = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}
    for c, r in rows:
        v = r.verdict.value
        ok = _verdict_ok(c, r)
        t.add_row(c.id, r.instance, f"[{colors[v]}]{v}[/]" + (" (num.)" if r.numerical else ""), _scope(r),
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
