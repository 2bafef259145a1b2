"""``escset list``, ``escset check`` (the main job) and ``escset latex``."""
from __future__ import annotations

import time
from typing import List, Optional

import typer

from proofs.cli import app, emit_json, fail
from proofs.report import margin_text, scope_of, summarize, summary_line, verdict_ok, witness_text, write_report


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
def list_cmd(json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
             markdown: bool = typer.Option(False, "--markdown", help="the catalogue as a Markdown table (the README's)")):
    """The claim catalogue with provenance tags and the numerical-by-nature flag."""
    from proofs.registry import all_claims

    claims = all_claims()
    if json_out:
        emit_json({"claims": [c.summary() for c in claims.values()]})
        return
    if markdown:
        typer.echo(catalogue_markdown(claims.values()))
        return
    from rich.console import Console
    from rich.table import Table

    from proofs.provenance import catalogue_id

    con = Console(highlight=False, soft_wrap=True)
    con.print("escset claims, by paper (escset show CLAIM prints a claim's statement, hypotheses and source)",
              markup=False)
    con.print("  catalogue id          provenance expected (numerical)    claim", markup=False)
    by_paper: dict = {}
    for c in claims.values():
        by_paper.setdefault(c.paper or "(no paper)", []).append(c)
    for paper, cs in by_paper.items():
        con.print(f"{paper}", markup=False, style="bold")
        for c in cs:
            exp = c.expected + (" (numerical)" if c.numerical else "")
            con.print(f"  {catalogue_id(c.label) or '-':<21} {c.provenance:<10} {exp:<22} {c.id}"
                      f"  ({len(c.instances)} instance{'s' if len(c.instances) != 1 else ''})", markup=False)
    con.print("(numerical): numerical by nature, float evidence is its expected outcome", markup=False)
    con.print("provenance tags (how far to trust where a statement comes from):", markup=False)
    for k, v in _tags().items():
        con.print(f"  {k} {v}", markup=False)


def catalogue_markdown(claims) -> str:
    """The claim catalogue as a GitHub-Markdown table, grouped by paper (``escset list --markdown``; the README's
    catalogue is this output)."""
    from proofs.provenance import catalogue_id
    from proofs.report import md_cell

    rows = ["| claim | id | paper, source | tag | expected | what it says |", "|---|---|---|---|---|---|"]
    import re

    def natural(text):
        return [int(t) if t.isdigit() else t for t in re.split(r"([0-9]+)", text)]

    for c in sorted(claims, key=lambda c: (c.paper, natural(catalogue_id(c.label)), c.id)):
        exp = c.expected + (" (numerical)" if c.numerical else "")
        src = c.paper + (f", {c.source}" if c.source else "")
        # the README is self-contained: a pointer to notes outside the repository is left out of the text
        about = re.sub(r"\s*\((?:see )?MATH\.md[^)]*\)", "", c.description)
        rows.append(f"| `{c.id}` | {md_cell(catalogue_id(c.label) or '-')} | {md_cell(src)} | "
                    f"{md_cell(c.provenance)} | {exp} | {md_cell(about)} |")
    return "\n".join(rows)


def _tags():
    from proofs.provenance import TAGS

    return TAGS


@app.command("check")
def check_cmd(claim_ids: Optional[List[str]] = typer.Argument(None, metavar="[CLAIM]...",
                                                              help="claims to check (default: all)"),
              paper: Optional[str] = typer.Option(None, "--paper", help="only claims of this paper"),
              dps: int = typer.Option(30, "--dps", min=15, max=10000, help="mpmath working precision"),
              report: Optional[str] = typer.Option(None, "--report", help="write report.md, report.html (self-contained) and report.json here"),
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
    results, rows, insts = [], [], []
    rkw = dict(dps=dps, instances=insts, modules=list(module or []))
    from rich.console import Console

    console = Console(stderr=True, quiet=json_out)
    if inst_override is None:
        for c in claims:
            if not c.instances:  # instances= was a strategy: nothing to run here, and saying nothing would read
                # as "every verdict as expected"
                console.print(f"{c.id}: no default instances (its instances come from a strategy); search it "
                              f"with: escset search {c.id}" + "".join(f" --module {m}" for m in module or []),
                              markup=False, highlight=False)
    t0 = time.perf_counter()
    try:
        with console.status("checking claims") as status:
            for c in claims:
                for inst in ([inst_override] if inst_override is not None else c.instances):
                    status.update(f"{c.id} [{inst.get('name', '')}]")
                    r = _run_one(c, inst, dps, inst_override is not None, module or [])
                    results.append(r)
                    rows.append((c, r))
                    insts.append(inst)
    except KeyboardInterrupt:
        from proofs.cli._interrupt import INTERRUPTED, interrupted_line, stop

        if report:
            write_report(report, rows, started, **rkw)
        total = sum(len(c.instances) if inst_override is None else 1 for c in claims)
        where = f"instance {len(rows) + 1} of {total}"
        kept = (f"the {len(rows)} finished results in {report}" if report
                else f"nothing ({len(rows)} finished; no --report)")
        stop(INTERRUPTED, interrupted_line(where, kept, resume=False),
             {"results": [r.to_dict() for r in results], "summary": None, "interrupted": True}, json_out)
    summary = summarize(rows, round(time.perf_counter() - t0, 2))
    if report:
        write_report(report, rows, started, summary, **rkw)
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

    if given:  # a replayed particle problem (JSON) gets loss() / euler_step() back, as the search gave it
        from proofs.search.strategies import as_particle_problem

        inst = as_particle_problem(inst)
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
    """The verdicts: a table with margin, precision and message columns on a wide terminal (>= 120 columns),
    else one block per check (verdict, scope, expectation, margin, precision; then the claim id and instance,
    never cut; then the message). Every user-supplied text is printed with rich markup escaped."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    con = Console(highlight=False, soft_wrap=True)
    colors = {"proved": "green", "refuted": "red", "inconclusive": "yellow"}

    def parts(c, r):
        v = r.verdict.value
        ok = verdict_ok(c, r)
        msg = r.message if not r.witness else f"{r.message}; witness: {witness_text(r.witness)}"
        return (f"[{colors[v]}]{v}[/]" + (" (num.)" if r.numerical else ""), scope_of(r),
                c.expected + (" (num.)" if c.numerical else "") + ("" if ok else " [bold red]UNEXPECTED[/]"),
                escape(margin_text(r.margin, digits=4)), escape(r.precision), escape(_short(msg, 400)))

    title = f"escset check ({summary['checked']} instances, {summary['seconds']} s)"
    if con.width >= 120:
        t = Table(title=title, caption=summary_line(summary))
        t.add_column("claim", no_wrap=True)
        t.add_column("instance", overflow="fold")
        for col in ("verdict", "scope", "expected"):
            t.add_column(col, no_wrap=True)
        for col in ("margin", "precision", "message"):
            t.add_column(col, overflow="fold", ratio=(3 if col == "message" else 1))
        for c, r in rows:
            v, sc, ex, m, prec, msg = parts(c, r)
            t.add_row(escape(c.id), escape(r.instance), v, sc, ex, m, prec, msg)
        con.print(t)
    else:
        con.print(f"[bold]{title}[/]")
        con.print("[dim]verdict (scope) | expected | margin | precision, then claim [instance] and the "
                  "message[/]".replace("[instance]", r"\[instance]"))
        for k, (c, r) in enumerate(rows, 1):
            v, sc, ex, m, prec, msg = parts(c, r)
            con.print(f"{k:>3}. {v} ({sc}) | expected {ex} | margin {m} | {prec}")
            con.print(f"     [bold]{escape(c.id)}[/] \\[{escape(r.instance)}]")
            con.print(f"     {msg}")
        con.print(summary_line(summary))
    if summary["unexpected"]:
        con.print("[bold red]unexpected verdicts (exit 1):[/]")
        for u in summary["unexpected"]:
            con.print(f"  {u}", markup=False, highlight=False)
    else:
        con.print("[green]every verdict is as expected[/] (theorems proved, or numerical evidence for claims "
                  "numerical by nature; false variants refuted)")


def _short(text, limit=240):
    """The message cut at ``limit`` characters (the full text is in --json and --report)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


@app.command("latex")
def latex_cmd(claim_id: Optional[str] = typer.Argument(None, metavar="[CLAIM]"),
              model: Optional[str] = typer.Option(None, "--model", help="sigmoid, attention, attention-qk, relu-lift"),
              expr: str = typer.Option("first-variation", "--expr",
                                       help="feature, first-variation, psi, velocity or escape"),
              form: str = typer.Option("vector", "--form",
                                       help="vector (vector notation where the model has one) or components"),
              k: int = typer.Option(1, "--k", min=1, max=16), d: int = typer.Option(1, "--d", min=1, max=16),
              activation: Optional[str] = typer.Option(None, "--activation"),
              p: int = typer.Option(2, "--p", min=1, max=8), L: int = typer.Option(2, "--L", min=1, max=8),
              json_out: bool = typer.Option(False, "--json")):
    """Paper-ready LaTeX: a claim's statement with its hypotheses and source, or a model expression (sample index
    i, particle index j, the definitions it uses, in an aligned display)."""
    if claim_id and model:
        fail("give either a CLAIM or --model, not both")
    if claim_id:
        from proofs.cli._cmd_show import reference_latex
        from proofs.provenance import catalogue_id
        from proofs.registry import get_claim

        c = get_claim(claim_id)
        out = {"claim": c.id, "label": catalogue_id(c.label), "provenance": c.provenance, "source": c.source,
               "assumptions": list(c.assumptions), "latex": c.statement, "block": reference_latex(c)}
        text = out["block"]
    elif model:
        from proofs.symbolic.models import LATEX_EXPRS, get_model

        if expr not in LATEX_EXPRS:
            fail(f"unknown --expr {expr!r}; valid are {', '.join(LATEX_EXPRS)}")
        if form not in ("vector", "components"):
            fail(f"unknown --form {form!r}; valid are vector, components")
        m = get_model(model, k=k, d=d, activation=activation, p=p, L=L)
        out = {"model": m.name, "expr": expr, "form": form, "latex": m.latex(expr, form)}
        text = out["latex"]
    else:
        fail("give a CLAIM or --model M --expr first-variation|velocity|feature|psi|escape")
    if json_out:
        emit_json(out)
    else:
        typer.echo(text)
