"""Benchmark of ``escset prove`` (issue targets: one variable on R <= 1 s, two variables on boxes <= 10 s).

Timings are measured and printed, never asserted (DESIGN.md §6); the verdicts are asserted. Run

    /work/venv/bin/python tests/proofs/test_prove_bench.py          # markdown table
    /work/venv/bin/pytest tests/proofs/test_prove_bench.py -m slow -s
"""
from __future__ import annotations

import time

import pytest

from proofs.result import Verdict
from proofs.prove import prove

CASES = [
    # (statement, over, expected verdict, kind)
    ("sigmoid''(z) <= 1/10", ["z in R"], "proved", "1 var on R"),
    ("|sigmoid'(z)| <= 1/4", ["z in R"], "proved", "1 var on R, equality attained"),
    ("|sigmoid''(z)| <= 1/(6*sqrt(3))", ["z in R"], "proved", "1 var on R, equality at an irrational point"),
    ("|tanh''(z)| <= 4/(3*sqrt(3))", ["z in R"], "proved", "1 var on R, two irrational maximisers"),
    ("|erf''(z)| <= 2*sqrt(2/(pi*E))", ["z in R"], "proved", "1 var on R, two irrational maximisers"),
    ("|cubic_step''(z)| <= 12", ["z in R"], "proved", "1 var on R, piecewise (4 cells)"),
    ("log(1+x) <= x", ["x in (-1, oo)"], "proved", "1 var, singular open end"),
    ("sigmoid(z) <= 1/2 + z/4", ["z in R"], "refuted", "1 var on R, false"),
    ("|tanh''(z)| <= 0.7698", ["z in R"], "refuted", "1 var on R, near miss"),
    ("x*exp(-x**2 - y**2) <= 0.43", ["x in [-3, 3]", "y in [-3, 3]"], "proved", "2 vars, box"),
    ("x*exp(-x**2 - y**2) <= 0.43", ["x in R", "y in R"], "proved", "2 vars, plane"),
    ("sigmoid(x*y)*(1 - sigmoid(x*y))*x <= 0.51", ["x in [-2, 2]", "y in [-2, 2]"], "proved", "2 vars, box"),
    ("tanh(x + y)*y <= 2", ["x in [-1, 1]", "y in [-2, 2]"], "proved", "2 vars, box"),
    ("x*y <= 0.26", ["x in [0, 1]", "y in [0, 1]"], "proved", "2 vars + assumption x + y <= 1"),
]


def run_case(stmt, over, assume=()):
    t0 = time.perf_counter()
    r = prove(stmt, over=over, assume=assume)
    return r, time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.parametrize("stmt, over, expected, kind", CASES)
def test_prove_benchmark_cases(stmt, over, expected, kind):
    assume = ("x + y <= 1",) if "assumption" in kind else ()
    r, secs = run_case(stmt, over, assume)
    print(f"\n{kind}: {stmt} -> {r.verdict.value} in {secs:.2f} s, {r.stats.get('boxes_explored')} boxes")
    assert r.verdict is Verdict(expected), r.message


if __name__ == "__main__":  # pragma: no cover - a benchmark script
    print("| statement | domain | verdict | boxes | seconds |")
    print("|---|---|---|---|---|")
    for stmt, over, expected, kind in CASES:
        assume = ("x + y <= 1",) if "assumption" in kind else ()
        r, secs = run_case(stmt, over, assume)
        dom = ", ".join(over) + (f"; {assume[0]}" if assume else "")
        print(f"| `{stmt}` | {dom} | {r.verdict.value} | {r.stats.get('boxes_explored')} | {secs:.2f} |")
