"""``escset check --report``: Markdown, self-contained HTML and JSON with margins, witnesses with shell-safe
replay commands, figures inlined, and a provenance block a referee can rerun from."""
import json
import os
import re
import shlex
from fractions import Fraction

import pytest

from proofs.registry import Claim
from proofs.report import margin_text, md_cell, replay_command, witness_text, write_report
from proofs.result import CheckResult, Verdict


def _rows():
    c1 = Claim(id="pipes|claim", check=lambda i, dps: 0, statement=r"\|x\|\le 1",
               instances=({"name": "a|b", "seed": 7, "text": "it's $HOME; rm -rf /"},))
    r1 = CheckResult("pipes|claim", Verdict.PROVED, margin=(Fraction(1, 3), Fraction(1, 2)), precision="arb 64 bits",
                     method="m|n", scope="universal", statement=r"\|x\|\le 1", instance="a|b",
                     message="line one\nline | two")
    r1 = CheckResult(**{**r1.__dict__, "precision": "arb <64> & bits"})
    c2 = Claim(id="false-variant", check=lambda i, dps: 0, statement="s", expected="fails",
               instances=({"name": "w", "k": 2},))
    r2 = CheckResult("false-variant", Verdict.REFUTED, margin=-0.25, witness={"x": "1/3", "inner": {"y": "2"}},
                     scope="instance", statement="s at k=2", instance="w", precision="float64")
    return [(c1, r1), (c2, r2)]


def test_markdown_cells_escape_pipes_and_round_trip(tmp_path):
    rows = _rows()
    write_report(str(tmp_path), rows, "2026-01-01T00:00:00Z", dps=40, argv=["escset", "check", "--report", "x y"])
    md = (tmp_path / "report.md").read_text()
    table = [ln for ln in md.splitlines() if ln.startswith("| pipes")]
    assert len(table) == 2  # the verdict table and the provenance table
    cells = re.split(r"(?<!\\)\|", table[0])[1:-1]  # GFM splits on unescaped pipes only
    assert len(cells) == 11  # every column kept: no cell was split by a | of its contents
    back = [c.strip().replace(r"\|", "|") for c in cells]
    assert back[0] == "pipes|claim" and back[1] == "a|b" and back[9] == "m|n"
    assert back[7] == r"`\|x\|\le 1`"  # the LaTeX statement kept verbatim in a code span
    assert back[10] == "line one line | two"
    assert "/" not in back[1]


def test_replay_commands_are_shell_safe(tmp_path):
    rows = _rows()
    write_report(str(tmp_path), rows, "t", dps=40, argv=["escset", "check"])
    rep = json.loads((tmp_path / "report.json").read_text())
    words = shlex.split(rep["results"][0]["replay"])
    assert words[:3] == ["escset", "check", "pipes|claim"]
    inst = json.loads(words[words.index("--instance") + 1])
    assert inst == {"name": "a|b", "seed": 7, "text": "it's $HOME; rm -rf /"}
    assert words[-2:] == ["--dps", "40"]
    assert replay_command("c", None, None, ["my file.py"]) == "escset check c --module 'my file.py'"


def test_html_is_self_contained_with_provenance(tmp_path):
    write_report(str(tmp_path), _rows(), "t", {"checked": 2, "proved": 1, "refuted": 1, "numerical_evidence": 0,
                                               "unresolved": 0, "as_expected": 2, "unexpected": [], "exit_code": 0},
                 dps=40, argv=["escset", "check", "--dps", "40"])
    h = (tmp_path / "report.html").read_text()
    assert h.startswith("<!DOCTYPE html>") and h.rstrip().endswith("</html>")
    assert not re.search(r"""(src|href)\s*=\s*['"](?!data:)""", h)  # nothing fetched: no network
    assert "<style>" in h and "data:image/png;base64," in h  # the margins figure, inlined
    for key in ("escset 0", "commit", "Python", "sympy", "python-flint", "escset check --dps 40", "seed=7"):
        assert key in h, key
    assert "&lt;" not in h.split("<body>")[0]
    assert "pipes|claim" in h and "a|b" in h  # HTML needs no pipe escaping
    assert "arb &lt;64&gt; &amp; bits" in h and "arb <64>" not in h
    rep = json.loads((tmp_path / "report.json").read_text())
    prov = rep["provenance"]
    assert prov["dps"] == 40 and prov["command_line"] == "escset check --dps 40"
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?|unknown", prov["commit"])
    assert rep["results"][0]["instance_parameters"]["seed"] == 7
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]  # atomic writes leave no temporary file


def test_margin_and_witness_text():
    assert witness_text({"x": "1/3", "inner": {"y": "2"}}) == "x = 1/3, inner: (y = 2)"
    assert margin_text(None) == "-"
    assert margin_text((Fraction(1, 3), Fraction(1, 2))) == "[1/3, 1/2]"
    from flint import arb

    b = arb(1) / 3
    lo, hi = margin_text(b, digits=3).strip("[]").split(", ")
    assert float(lo) <= 1 / 3 <= float(hi)  # shortened outward: still an enclosure
    assert margin_text(arb("-4.8697959928e-5", "1e-15"), digits=4) == "[-4.870e-5, -4.869e-5]"
    assert md_cell("a|b") == r"a\|b"
