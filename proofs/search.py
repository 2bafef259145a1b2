"""Counterexample search over a claim's hypothesis strategy (DESIGN.md §3 ``escset search``).

:func:`search` runs the claim's check on instances drawn by its strategy, steers towards violations with
``hypothesis.target`` on the negative margin when the margin is a number, and stops at the first ``refuted``
verdict; hypothesis then shrinks the instance, so the witness reported is a minimal one. Only a ``refuted``
*verdict of the check* counts (which the check certifies with balls or exact arithmetic): a bare float margin
never makes a counterexample.

Resumable: ``db`` is a hypothesis example database directory; a later run with the same ``db`` replays saved
failing and interesting examples first. Ctrl-C stops the search and keeps what was found so far. ``workers``
runs independent searches with seeds ``seed, seed+1, ...`` in separate processes (a dask.distributed cluster
when ``scheduler`` is given and the ``dask`` extra is installed); the first refutation wins.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from ._errors import InvalidArgument
from ._result import CheckResult, Verdict
from .registry import get_claim, load_module, run_check

__all__ = ["SearchResult", "search", "replay_command"]


@dataclass
class SearchResult:
    claim: str
    verdict: Verdict  # REFUTED when a counterexample was found, else INCONCLUSIVE (a search proves nothing)
    examples: int
    witness: dict | None = None
    result: CheckResult | None = None
    replay: str = ""
    interrupted: bool = False
    seconds: float = 0.0
    verdict_counts: dict = field(default_factory=dict)

    def to_dict(self):
        return {"claim": self.claim, "verdict": self.verdict.value, "examples": self.examples,
                "witness": self.witness, "replay": self.replay, "interrupted": self.interrupted,
                "seconds": round(self.seconds, 3), "verdict_counts": self.verdict_counts,
                "result": None if self.result is None else self.result.to_dict()}


class _Found(Exception):
    pass


def replay_command(claim_id: str, instance: dict, module: str | None = None) -> str:
    inst = json.dumps(instance, sort_keys=True, default=str)
    mod = f" --module {module}" if module else ""
    return f"escset check {claim_id}{mod} --instance '{inst}'"


def _one_search(claim_id, max_examples, seed, db, module, progress=None, dps=30):
    from hypothesis import HealthCheck, Verbosity, given, settings, target
    from hypothesis import seed as hseed
    from hypothesis.database import DirectoryBasedExampleDatabase

    if module:
        load_module(module)
    c = get_claim(claim_id)
    strategy = c.get_strategy()
    if strategy is None:
        raise InvalidArgument(f"claim {claim_id!r} has no hypothesis strategy to search with")
    state = {"n": 0, "last": None, "counts": {}}

    @settings(max_examples=max_examples, deadline=None, verbosity=Verbosity.quiet, print_blob=False,
              database=DirectoryBasedExampleDatabase(db) if db else None,
              suppress_health_check=list(HealthCheck))
    @hseed(seed)
    @given(strategy)
    def prop(inst):
        state["n"] += 1
        r = run_check(c, inst, dps=dps)
        state["counts"][r.verdict.value] = state["counts"].get(r.verdict.value, 0) + 1
        if progress is not None:
            progress(state["n"], r)
        if isinstance(r.margin, (int, float)) and not isinstance(r.margin, bool):
            target(-float(r.margin), label="negative margin")
        if r.verdict is Verdict.REFUTED:
            state["last"] = (dict(inst) if isinstance(inst, dict) else inst, r)
            raise _Found()

    t0 = time.perf_counter()
    interrupted = False
    try:
        prop()
    except _Found:
        pass
    except KeyboardInterrupt:
        interrupted = True
    found = state["last"]
    out = SearchResult(claim=claim_id, verdict=Verdict.REFUTED if found else Verdict.INCONCLUSIVE,
                       examples=state["n"], interrupted=interrupted, seconds=time.perf_counter() - t0,
                       verdict_counts=state["counts"])
    if found:
        inst, r = found
        out.witness = {"instance": inst, "check": r.witness}
        out.result = r
        out.replay = replay_command(claim_id, inst, module)
    return out


def _worker(args):
    return _one_search(*args).to_dict()


def search(claim_id: str, *, max_examples: int = 100, seed: int = 0, db: str | None = None,
           module: str | None = None, workers: int = 1, scheduler: str | None = None, progress=None,
           dps: int = 30) -> SearchResult:
    """Search for an instance on which the claim's check returns ``refuted``."""
    if max_examples < 1:
        raise InvalidArgument(f"max_examples must be >= 1, got {max_examples}")
    if workers < 1:
        raise InvalidArgument(f"workers must be >= 1, got {workers}")
    if module:
        load_module(module)
    get_claim(claim_id)  # unknown claim: one-line error before any work
    if workers == 1 and scheduler is None:
        return _one_search(claim_id, max_examples, seed, db, module, progress, dps)
    per = max(1, max_examples // workers)
    jobs = [(claim_id, per, seed + w, db, module, None, dps) for w in range(workers)]
    t0 = time.perf_counter()
    if scheduler is not None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise InvalidArgument("--scheduler needs the dask extra: pip install 'escset[dask]'") from None
        with Client(scheduler) as client:
            dicts = client.gather(client.map(_worker, jobs))
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as ex:
            dicts = list(ex.map(_worker, jobs))
    hit = next((d for d in dicts if d["verdict"] == "refuted"), None)
    counts = {}
    for d in dicts:
        for k, v in d["verdict_counts"].items():
            counts[k] = counts.get(k, 0) + v
    out = SearchResult(claim=claim_id, verdict=Verdict.REFUTED if hit else Verdict.INCONCLUSIVE,
                       examples=sum(d["examples"] for d in dicts), seconds=time.perf_counter() - t0,
                       interrupted=any(d["interrupted"] for d in dicts), verdict_counts=counts)
    if hit:
        out.witness, out.replay = hit["witness"], hit["replay"]
        out.result = None
    return out
