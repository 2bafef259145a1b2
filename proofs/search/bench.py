"""Benchmark of the counterexample search: throughput, worker scaling, and the quality tier over seeds.

``python -m proofs.search.bench [--seeds 10] [--examples 4000] [--workers 2] [--json] [--only throughput|variants]``

* throughput: examples per second of one process on a cheap claim (an exact AM-GM margin, written to a temporary
  file and searched with ``--module``, refinement off), then the same number of examples with ``--workers K``
  (speed-up = time with 1 / time with K, process start included);
* variants: every registered ``expected="fails"`` claim searched with the default budget of ``escset search``
  (100 examples, first hit unshrunk) for seeds 0..N-1: how many seeds refute it, and the median time.

Numbers depend on the machine and its load: report them with the load average (printed).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

CHEAP = '''
from fractions import Fraction
from hypothesis import strategies as st
from proofs import claim

@claim("bench-cheap-am-gm", instances=[{"name": "1,2", "x": "1", "y": "2"}], label="bench",
       statement=r"(x+y)^2/4 \\ge xy", strategy=st.fixed_dictionaries(
           {"x": st.fractions(0, 100, max_denominator=1000).map(str),
            "y": st.fractions(0, 100, max_denominator=1000).map(str)}))
def check(inst, *, dps):
    x, y = Fraction(inst["x"]), Fraction(inst["y"])
    return ((x + y) / 2) ** 2 - x * y + Fraction(1, 10 ** 9)
'''


def throughput(examples: int, workers: int) -> dict:
    from proofs.search import search

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench_cheap.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(CHEAP)
        out = {}
        for w in sorted({1, workers}):
            t0 = time.perf_counter()
            r = search("bench-cheap-am-gm", module=path, max_examples=examples, workers=w, refine=0, seed=0)
            dt = time.perf_counter() - t0
            out[w] = {"examples": r.examples, "seconds": round(dt, 3), "examples_per_s": round(r.examples / dt, 1)}
        if workers > 1:
            out["speedup"] = round(out[1]["seconds"] / out[workers]["seconds"], 2)
        return out


def variants(seeds: int, progress=None, skip=()) -> list:
    from proofs.registry import all_claims
    from proofs.search import search

    rows = []
    for cid, c in sorted(all_claims().items()):
        if c.expected != "fails" or c.get_strategy() is None or cid in skip:
            continue
        hits, times = 0, []
        for s in range(seeds):
            t0 = time.perf_counter()
            r = search(cid, max_examples=100, seed=s, shrink=False)
            times.append(time.perf_counter() - t0)
            hits += r.verdict.value == "refuted"
        rows.append({"claim": cid, "label": c.label, "refuted_seeds": hits, "seeds": seeds,
                     "median_s": round(statistics.median(times), 3)})
        if progress:
            progress(rows[-1])
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m proofs.search.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--examples", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("throughput", "variants"))
    ap.add_argument("--skip", action="append", default=[], metavar="CLAIM", help="leave out a (slow) claim")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.seeds < 1 or a.examples < 1 or a.workers < 1:
        print("error: --seeds, --examples and --workers must be >= 1", file=sys.stderr)
        return 2
    out = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    say = (lambda *x: None) if a.json else (lambda *x: print(*x, file=sys.stderr))
    if a.only in (None, "throughput"):
        out["throughput"] = throughput(a.examples, a.workers)
        say("throughput:", out["throughput"])
    if a.only in (None, "variants"):
        out["variants"] = variants(a.seeds, skip=set(a.skip), progress=lambda r: say(
            f"{r['claim']:55s} {r['label']:28s} refuted {r['refuted_seeds']}/{r['seeds']}  median {r['median_s']} s"))
    out["load_average_after"] = os.getloadavg()
    if a.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
