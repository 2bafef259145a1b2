"""The accounting and the report of ``escset check``: each verdict classified against its claim's expectation,
the summary counts, and the report files (report.json and report.md, written atomically through
:mod:`proofs._atomic`). The command line (``proofs.cli._check``) runs the claims and prints.
"""
from __future__ import annotations

import json
import os

__all__ = ["classify", "verdict_ok", "summarize", "summary_line", "scope_of", "write_report", "margin_text",
           "witness_text", "replay_command", "provenance_info", "md_cell"]

#: libraries whose versions a report records (the distribution names of the installed packages)
LIBRARIES = ("numpy", "scipy", "sympy", "mpmath", "python-flint", "hypothesis", "matplotlib", "typer", "rich")


def scope_of(r) -> str:
    """The scope a check declared for its result (``unset`` when it declared none)."""
    return r.scope or "unset"


def _outward(text: str, up: bool, digits: int) -> str:
    """A decimal string rounded outward (towards +inf when ``up``) to ``digits`` significant digits."""
    from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

    try:
        d = Decimal(text)
    except (InvalidOperation, TypeError):
        return str(text)
    if not d.is_finite() or d == 0:
        return str(d)
    q = Decimal(1).scaleb(d.adjusted() - digits + 1)
    dq = d.quantize(q, rounding=ROUND_CEILING if up else ROUND_FLOOR)  # exact: the format below rounds nothing
    return f"{dq:.{max(digits - 1, 0)}e}" if not -4 <= dq.adjusted() < 6 else f"{dq:f}"


def margin_text(m, digits: int | None = None) -> str:
    """A margin as a reader wants it: ``[lo, hi]`` for an enclosure, the number otherwise, ``-`` when the check
    gave none. ``digits``: shortened to that many significant digits, an enclosure rounded outward (so it stays
    an enclosure)."""
    from proofs.result import to_jsonable

    if m is None:
        return "-"
    j = to_jsonable(m)
    if isinstance(j, dict) and "lower" in j and "upper" in j:
        if digits:
            return f"[{_outward(j['lower'], False, digits)}, {_outward(j['upper'], True, digits)}]"
        return f"[{j['lower']}, {j['upper']}]"
    if isinstance(j, float):
        return f"{j:.{digits or 6}g}"
    if isinstance(j, (list, tuple)) and len(j) == 2 and not isinstance(j[0], (list, dict)):
        if digits:
            return f"[{_outward(str(j[0]), False, digits)}, {_outward(str(j[1]), True, digits)}]"
        return f"[{j[0]}, {j[1]}]"
    if isinstance(j, dict):
        return witness_text(j)
    return str(j)


def witness_text(w) -> str:
    """A witness as ``x = 1/3, seed = 4`` (nested records as ``name: (x = .., y = ..)``), never a Python dict."""
    from proofs.result import to_jsonable

    if w is None:
        return "-"
    j = to_jsonable(w)
    if not isinstance(j, dict):
        return str(j)
    parts = []
    for k, v in j.items():
        if isinstance(v, dict):
            parts.append(f"{k}: ({witness_text(v)})")
        elif isinstance(v, list):
            parts.append(f"{k} = [{', '.join(witness_text(x) if isinstance(x, dict) else str(x) for x in v)}]")
        else:
            parts.append(f"{k} = {v}")
    return ", ".join(parts)


def replay_command(claim_id, instance=None, dps=None, modules=()) -> str:
    """The shell command that reruns one check on one instance, every word quoted for a POSIX shell."""
    import shlex

    from proofs.result import to_jsonable

    words = ["escset", "check", str(claim_id)]
    for m in modules or ():
        words += ["--module", str(m)]
    if instance is not None:
        words += ["--instance", json.dumps(to_jsonable(instance), sort_keys=True)]
    if dps is not None:
        words += ["--dps", str(dps)]
    return shlex.join(words)


def _git_commit() -> str:
    """The commit of the escset checkout (``+dirty`` with local changes), or ``unknown`` (no git, no repository)."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        rev = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if rev.returncode != 0 or not rev.stdout.strip():
            return "unknown"
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("+dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance_info(argv=None, dps=None, started=None) -> dict:
    """What a referee needs to rerun a report: escset version and commit, Python and library versions, the
    platform, the command line (shell-quoted) and the working precision."""
    import platform
    import shlex
    import sys
    from importlib import metadata

    from proofs import __version__

    libs = {}
    for name in LIBRARIES:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = "not installed"
    argv = list(sys.argv) if argv is None else list(argv)
    if argv and os.path.basename(argv[0]) in ("escset", "__main__.py", "-c"):
        argv = ["escset"] + argv[1:]
    return {"escset_version": __version__, "commit": _git_commit(), "python": platform.python_version(),
            "platform": platform.platform(), "libraries": libs, "command_line": shlex.join(argv),
            "dps": dps, "started": started}


def md_cell(text, code: bool = False) -> str:
    """Text for one Markdown (GFM) table cell: ``|`` escaped as ``\\|`` (kept, never replaced), runs of
    whitespace and newlines as one space. ``code``: as a code span, where backslashes stay literal, so a LaTeX
    ``\\|`` or ``\\frac`` renders as written (GFM removes the escape of ``|`` before the code span is read)."""
    t = " ".join(str(text).split())
    if code and t:
        fence = "``" if "`" in t else "`"
        t = f"{fence} {t} {fence}" if fence == "``" else f"`{t}`"
    return t.replace("|", "\\|")


def _instance_of(c, r, given=None):
    if given is not None:
        return given
    for i in c.instances:
        if i.get("name", "") == r.instance:
            return i
    return None


def _seeds(inst) -> list:
    if not isinstance(inst, dict):
        return []
    return [f"{k}={v}" for k, v in inst.items() if "seed" in str(k).lower()]


def _margin_figure(rows, path):
    """One figure of the run: each check's margin (lower end of an enclosure; float evidence marked), on a
    symmetric-log axis, coloured by verdict. None when no margin is a number or matplotlib is missing."""
    from proofs.errors import InvalidArgument
    from proofs.result import to_jsonable

    pts = []
    for c, r in rows:
        j = to_jsonable(r.margin)
        try:
            v = float(j["lower"]) if isinstance(j, dict) and "lower" in j else float(j)
        except (TypeError, ValueError, KeyError):
            continue
        if v == v and abs(v) != float("inf"):
            pts.append((f"{c.id} [{r.instance}]", v, r.verdict.value, r.numerical))
    if not pts:
        return None
    try:
        from proofs import style

        fig, ax = style.figure(2, aspect=max(0.25, min(2.0, 0.045 * len(pts))))
    except InvalidArgument:
        return None
    colours = {"proved": "tab:green", "refuted": "tab:red", "inconclusive": "tab:orange"}
    ys = list(range(len(pts)))
    for y, (_, v, verdict, numerical) in zip(ys, pts):
        ax.plot([0, v], [y, y], color=colours[verdict], linewidth=1.0)
        ax.plot([v], [y], marker="o", markersize=3.5, color=colours[verdict],
                markerfacecolor="white" if numerical else colours[verdict])
    ax.set_yticks(ys, [p[0] if len(p[0]) <= 60 else p[0][:59] + "…" for p in pts])
    ax.set_xscale("symlog", linthresh=1e-12)
    top = max(1.0, max(abs(p[1]) for p in pts))
    ticks = [t for t in (-top, -1e-6, 0.0, 1e-6, top) if abs(t) <= top]
    ax.set_xticks(ticks, [f"{t:.0e}" if t else "0" for t in ticks])
    ax.set_xlim(-top * 2, top * 2)
    ax.axvline(0, color="k", linewidth=0.6)
    ax.invert_yaxis()
    style.label(ax, x=r"margin as each check reports it (symmetric log scale; $>0$: on the side of the claim)",
                title="margins of this run (green proved, red refuted, orange inconclusive; open: float evidence)")
    style.save(fig, path)
    return path


def write_report(out_dir, rows, started, summary=None, *, dps=None, argv=None, instances=None, modules=(),
                 figures=True):
    """Write report.json, report.md and a self-contained report.html atomically into ``out_dir``: the verdict
    table (scope, margin, precision), each witness with a shell-quoted replay command, the figures of the run
    (a margins figure, and any figure a check recorded in ``stats["figures"]``, inlined as data: URIs in the
    HTML), and a provenance block (escset version and commit, Python and library versions, command line, dps,
    seeds and instance parameters). ``instances``: the instance dict of each row when not a default one."""
    import base64
    import html

    from proofs._atomic import atomic_write, remove_stale

    os.makedirs(out_dir, exist_ok=True)
    prov = provenance_info(argv, dps, started)
    # ``instances`` may be one shorter than ``rows`` (a Ctrl-C between the two appends): the default is looked up
    insts = [_instance_of(c, r, instances[k] if instances and k < len(instances) else None)
             for k, (c, r) in enumerate(rows)]
    results = []
    for (c, r), inst in zip(rows, insts):
        d = r.to_dict()
        d["instance_parameters"] = inst
        d["replay"] = replay_command(c.id, inst, dps, modules)
        results.append(d)
    payload = {"started": started, "provenance": prov, "results": results}
    if summary is not None:
        payload["summary"] = summary
    figs = []
    if figures and rows:
        try:
            f = _margin_figure(rows, os.path.join(out_dir, "margins.png"))
        except Exception:  # noqa: BLE001 - a figure never costs the report
            f = None
        if f:
            figs.append(("margins of this run", f))
    for c, r in rows:
        for fpath in (r.stats or {}).get("figures", ()) if isinstance(r.stats, dict) else ():
            if isinstance(fpath, str) and os.path.isfile(fpath):
                figs.append((f"{c.id} [{r.instance}]", fpath))

    head = ["claim", "instance", "verdict", "scope", "expected", "as expected", "margin", "statement", "precision",
            "method", "message"]
    md = ["# escset check report", "", f"started {started}", "",
          "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    table = []
    for c, r in rows:
        ok, _ = classify(c, r)
        cells = [r.claim, r.instance, f"{r.verdict.value}{' (numerical)' if r.numerical else ''}", scope_of(r),
                 f"{c.expected}{' (numerical by nature)' if c.numerical else ''}", "yes" if ok else "NO",
                 margin_text(r.margin), r.statement, r.precision, r.method, r.message]
        table.append((cells, ok, r.verdict.value))
        mdc = [md_cell(x, code=(k in (6, 7))) for k, x in enumerate(cells)]
        mdc[2], mdc[5] = f"**{mdc[2]}**", ("yes" if ok else "**NO**")
        md.append("| " + " | ".join(mdc) + " |")
    if summary is not None:
        md += ["", "## Summary", "", summary_line(summary)]
        if summary["unexpected"]:
            md += ["", "Unexpected verdicts (escset check exits 1):", ""] + [f"- {u}" for u in summary["unexpected"]]
    else:
        md += ["", "Interrupted: the results above are the finished ones; no summary."]
    md += ["", "## Witnesses and replay commands", ""]
    wit = [(c, r, d) for (c, r), d in zip(rows, results) if r.witness]
    md += [f"- `{c.id}` [{md_cell(r.instance)}]: {md_cell(witness_text(r.witness))}  \n  replay: {md_cell(d['replay'], code=True)}"
           for c, r, d in wit] or ["(no witness in this run)"]
    md += ["", "## Figures", ""] + ([f"![{md_cell(t)}]({os.path.relpath(p, out_dir)})" for t, p in figs]
                                    or ["(no figure in this run)"])
    md += ["", "## Provenance", "", f"- escset {prov['escset_version']}, commit {prov['commit']}",
           f"- Python {prov['python']} on {prov['platform']}",
           "- " + ", ".join(f"{k} {v}" for k, v in prov["libraries"].items()),
           f"- command line: {md_cell(prov['command_line'], code=True)}", f"- dps: {dps if dps is not None else 'default'}",
           "", "| claim | instance | seeds | parameters | replay |", "|---|---|---|---|---|"]
    for (c, r), d, inst in zip(rows, results, insts):
        md.append(f"| {md_cell(c.id)} | {md_cell(r.instance)} | {md_cell(', '.join(_seeds(inst)) or '-')} | "
                  f"{md_cell(json.dumps(d['instance_parameters']), code=True)} | {md_cell(d['replay'], code=True)} |")

    e = html.escape
    css = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;"
           "font-size:0.85em}td,th{border:1px solid #ccc;padding:0.3em 0.5em;vertical-align:top;text-align:left}"
           ".proved{color:#176317;font-weight:bold}.refuted{color:#a31515;font-weight:bold}"
           ".inconclusive{color:#8a6100;font-weight:bold}.no{background:#fde2e2}code{font-size:0.9em}"
           "img{max-width:100%}")
    h = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>escset check report</title>",
         f"<style>{css}</style></head><body>", "<h1>escset check report</h1>", f"<p>started {e(started)}</p>",
         "<table><tr>" + "".join(f"<th>{e(x)}</th>" for x in head) + "</tr>"]
    for cells, ok, v in table:
        tds = [f"<td>{e(str(x))}</td>" for x in cells]
        tds[2] = f"<td class='{v}'>{e(cells[2])}</td>"
        h.append(f"<tr class='{'' if ok else 'no'}'>" + "".join(tds) + "</tr>")
    h.append("</table>")
    if summary is not None:
        h.append(f"<h2>Summary</h2><p>{e(summary_line(summary))}</p>")
        if summary["unexpected"]:
            h.append("<ul>" + "".join(f"<li>{e(u)}</li>" for u in summary["unexpected"]) + "</ul>")
    else:
        h.append("<p>Interrupted: the results above are the finished ones; no summary.</p>")
    h.append("<h2>Witnesses and replay commands</h2>")
    h.append("<ul>" + "".join(f"<li><code>{e(c.id)}</code> [{e(r.instance)}]: {e(witness_text(r.witness))}<br>"
                              f"replay: <code>{e(d['replay'])}</code></li>" for c, r, d in wit) + "</ul>"
             if wit else "<p>(no witness in this run)</p>")
    h.append("<h2>Figures</h2>")
    for t, p in figs:
        with open(p, "rb") as fh:
            data = base64.b64encode(fh.read()).decode()
        mime = {"svg": "image/svg+xml", "pdf": "application/pdf"}.get(p.rsplit(".", 1)[-1].lower(), "image/png")
        h.append(f"<figure><img alt='{e(t)}' src='data:{mime};base64,{data}'><figcaption>{e(t)}</figcaption></figure>")
    if not figs:
        h.append("<p>(no figure in this run)</p>")
    h.append("<h2>Provenance</h2><ul>"
             f"<li>escset {e(prov['escset_version'])}, commit <code>{e(prov['commit'])}</code></li>"
             f"<li>Python {e(prov['python'])} on {e(prov['platform'])}</li>"
             f"<li>{e(', '.join(f'{k} {v}' for k, v in prov['libraries'].items()))}</li>"
             f"<li>command line: <code>{e(prov['command_line'])}</code></li>"
             f"<li>dps: {e(str(dps if dps is not None else 'default'))}</li></ul>")
    h.append("<table><tr><th>claim</th><th>instance</th><th>seeds</th><th>parameters</th><th>replay</th></tr>")
    for (c, r), d, inst in zip(rows, results, insts):
        h.append(f"<tr><td>{e(c.id)}</td><td>{e(r.instance)}</td><td>{e(', '.join(_seeds(inst)) or '-')}</td>"
                 f"<td><code>{e(json.dumps(d['instance_parameters']))}</code></td><td><code>{e(d['replay'])}</code>"
                 "</td></tr>")
    h.append("</table></body></html>")

    for name, text in (("report.json", json.dumps(payload, indent=1)), ("report.md", "\n".join(md) + "\n"),
                       ("report.html", "\n".join(h) + "\n")):
        path = os.path.join(out_dir, name)
        remove_stale(path, "report")  # orphans of a check killed between write and rename
        atomic_write(path, text.encode(), tag="report")


def classify(claim, r):
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


def verdict_ok(claim, r) -> bool:
    return classify(claim, r)[0]


def summarize(rows, seconds) -> dict:
    """The accounting of ``escset check``: counts by verdict, and every unexpected verdict with the reason."""
    from proofs.result import Verdict

    inc = [r for _, r in rows if r.verdict is Verdict.INCONCLUSIVE]
    unexpected = []
    for c, r in rows:
        ok, why = classify(c, r)
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


def summary_line(s) -> str:
    return (f"{s['checked']} checked: {s['proved']} proved, {s['refuted']} refuted, {s['numerical_evidence']} "
            f"numerical evidence, {s['unresolved']} unresolved; {s['as_expected']} as expected, "
            f"{len(s['unexpected'])} unexpected")
