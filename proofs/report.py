"""The accounting and the report of ``escset check``: each verdict classified against its claim's expectation,
the summary counts, and the report files (report.json and report.md, written atomically through
:mod:`proofs._atomic`). The command line (``proofs.cli._check``) runs the claims and prints.
"""
from __future__ import annotations

import json
import os

__all__ = ["classify", "verdict_ok", "summarize", "summary_line", "scope_of", "write_report"]


def scope_of(r) -> str:
    """The scope a check declared for its result (``unset`` when it declared none)."""
    return r.scope or "unset"


def write_report(out_dir, rows, started, summary=None):
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
        ok, _ = classify(c, r)
        md.append(f"| {r.claim} | {cell(r.instance)} | **{r.verdict.value}**{' (numerical)' if r.numerical else ''} | "
                  f"{scope_of(r)} | {c.expected}{' (numerical by nature)' if c.numerical else ''} | "
                  f"{'yes' if ok else '**NO**'} | {cell(r.statement)} | {cell(r.precision)} | {cell(r.method)} | "
                  f"{cell(r.message)} |")
    if summary is not None:
        md += ["", "## Summary", "", summary_line(summary)]
        if summary["unexpected"]:
            md += ["", "Unexpected verdicts (escset check exits 1):", ""] + [f"- {u}" for u in summary["unexpected"]]
    else:
        md += ["", "Interrupted: the results above are the finished ones; no summary."]
    from proofs._atomic import atomic_write, remove_stale

    for name, text in (("report.json", json.dumps(payload, indent=1)), ("report.md", "\n".join(md) + "\n")):
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
