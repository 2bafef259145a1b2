"""``escset show CLAIM``: the project's own reference entry of one claim (text, ``--json`` or ``--latex``).

The entry is the claim's full statement, every hypothesis, its source (paper and theorem or lemma number as
precisely as known), its provenance tag with the tag's meaning, its expected verdict, and its default instances.
The scope of a verdict (``universal`` or ``instance``) is set by each run of the check; ``escset check CLAIM``
prints it next to the verdict.
"""
from __future__ import annotations

import typer

from proofs.cli import app, emit_json, fail

__all__ = ["reference", "reference_latex"]


def reference(c) -> dict:
    """The reference entry of claim ``c`` as a JSON-ready dict."""
    from proofs.provenance import catalogue_id, describe, trust

    try:
        meaning = describe(c.provenance)
        level = trust(c.provenance)
    except Exception:  # noqa: BLE001 - a user's claim with a tag outside the list: shown as written
        meaning, level = "not one of escset's tags", "unknown"
    return {"id": c.id, "catalogue_id": catalogue_id(c.label), "paper": c.paper, "source": c.source,
            "provenance": c.provenance, "provenance_meaning": meaning, "trust": level,
            "statement": c.statement, "assumptions": list(c.assumptions), "expected": c.expected,
            "numerical": c.numerical, "description": c.description,
            "scope": "set by each check run: universal (every value) or instance (these parameters)",
            "instances": [dict(i) for i in c.instances]}


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _tex_text(s: str) -> str:
    """Plain words as LaTeX text (the special characters escaped)."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(s))


def reference_latex(c) -> str:
    """A paste-ready LaTeX block: a bold heading (catalogue id, paper, source, provenance), the statement as a
    display, and every hypothesis as an item. Needs only ``amsmath`` and ``amssymb``."""
    ref = reference(c)
    head = ", ".join(x for x in (ref["catalogue_id"], ref["paper"], ref["source"]) if x)
    lines = [rf"\paragraph{{{_tex_text(head)} {_tex_text(c.provenance)}.}}"
             + (" (false variant: expected to be refuted)" if c.expected == "fails" else ""),
             rf"% escset claim {c.id}; provenance: {ref['provenance_meaning']}"]
    if c.assumptions:
        lines += [r"Assume", r"\begin{itemize}"] + [rf"  \item {_tex_text(a)}" for a in c.assumptions]
        lines += [r"\end{itemize}", "Then"]
    lines += [r"\[", c.statement or r"\text{(no statement)}", r"\]"]
    return "\n".join(lines)


def _resolve(name, get_claim):
    """A claim id, or a catalogue id such as ``A2`` when exactly one claim carries it."""
    from proofs.provenance import catalogue_id
    from proofs.registry import all_claims

    claims = all_claims()
    if name in claims:
        return claims[name]
    hits = [c for c in claims.values() if catalogue_id(c.label) == name]
    return hits[0] if len(hits) == 1 else get_claim(name)


@app.command("show")
def show_cmd(claim_id: str = typer.Argument(..., metavar="CLAIM", help="a claim id (escset list)"),
             json_out: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
             latex: bool = typer.Option(False, "--latex", help="a paste-ready LaTeX block")):
    """The reference entry of one claim: statement, hypotheses, source, provenance and its meaning."""
    from proofs.registry import get_claim

    if json_out and latex:
        fail("give --json or --latex, not both")
    c = _resolve(claim_id, get_claim)
    if json_out:
        emit_json(reference(c))
        return
    if latex:
        typer.echo(reference_latex(c))
        return
    ref = reference(c)
    out = [f"{c.id}  ({ref['catalogue_id'] or 'no catalogue id'})",
           f"  paper      : {c.paper or '-'}",
           f"  source     : {c.source or 'not given'}",
           f"  provenance : {c.provenance}: {ref['provenance_meaning']}",
           f"  expected   : {c.expected}" + (" (numerical by nature: float evidence is its outcome)"
                                             if c.numerical else ""),
           f"  statement  : {c.statement}",
           "  hypotheses :" + ("" if c.assumptions else " none stated")]
    out += [f"    - {a}" for a in c.assumptions]
    out += [f"  about      : {c.description}" if c.description else "",
            f"  scope      : {ref['scope']}",
            f"  instances  : {', '.join(str(i.get('name', k)) for k, i in enumerate(c.instances)) or 'none'}",
            f"  check it   : escset check {c.id}"]
    typer.echo("\n".join(line for line in out if line))
