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

from proofs.errors import InvalidArgument
from proofs.result import CheckResult, Verdict
from proofs.registry import get_claim, is_builtin, load_module, run_check

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


class _CheckRaised(Exception):
    """The user's check raised on an instance (hypothesis shrinks it like a failure; reported in one line)."""


def replay_command(claim_id: str, instance: dict, module: str | None = None) -> str:
    """The ``escset check`` command line that replays ``instance``, quoted for a POSIX shell."""
    import shlex

    inst = json.dumps(instance, sort_keys=True, default=str)
    mod = f" --module {shlex.quote(module)}" if module else ""
    return f"escset check {shlex.quote(claim_id)}{mod} --instance {shlex.quote(inst)}"


class _hypothesis_home:
    """Hypothesis keeps caches under its home directory (``./.hypothesis`` by default): a temporary one for
    the search, removed afterwards, so that a search leaves nothing in the working directory (the example
    database is ``--db`` or none)."""

    def __enter__(self):
        import tempfile

        from hypothesis import configuration

        self._old = getattr(configuration, "__hypothesis_home_directory", None)
        self._dir = tempfile.mkdtemp(prefix="escset-hypothesis-")
        configuration.set_hypothesis_home_dir(self._dir)
        return self

    def __exit__(self, *exc):
        import shutil

        from hypothesis import configuration

        configuration.set_hypothesis_home_dir(self._old)
        shutil.rmtree(self._dir, ignore_errors=True)
        return False


def check_db(db) -> None:
    """``--db`` is a directory escset can write (or can create): else one line, before any search."""
    if db is None:
        return
    from proofs._io import check_output_dir

    check_output_dir(db, "--db")


def load_user_module(path):
    """:func:`proofs.registry.load_module` with the file checked first (a directory, a FIFO, a missing file are
    one line) and a ``sys.exit`` at import reported instead of ending escset."""
    from proofs._io import check_input_path

    check_input_path(path, "--module")
    try:
        try:
            return load_module(path)
        except SystemExit as exc:
            raise InvalidArgument(f"importing {path} failed: it called sys.exit({exc.code!r}); a claim file "
                                  "must only define claims") from None
    except InvalidArgument as exc:
        line = _user_line(path, exc)
        if line is None or f"{path}:{line}" in str(exc):
            raise
        raise InvalidArgument(f"{path}:{line}: {str(exc).splitlines()[0]}") from None


def _user_line(path, exc):
    """The line of the user's file where importing it failed: a SyntaxError's line, else the innermost traceback
    frame in that file (of the error or of the exception it was raised from); None when neither names it."""
    import os
    import traceback

    real = os.path.realpath(path)
    for err in (exc, exc.__context__, exc.__cause__):
        if isinstance(err, SyntaxError) and err.filename and os.path.realpath(err.filename) == real:
            return err.lineno
        if err is not None:
            frames = [f for f in traceback.extract_tb(err.__traceback__) if os.path.realpath(f.filename) == real]
            if frames:
                return frames[-1].lineno
    return None


def _instance_text(inst) -> str:
    text = json.dumps(inst, sort_keys=True, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _one_search(claim_id, max_examples, seed, db, module, progress=None, dps=30):
    from hypothesis import HealthCheck, Verbosity, given, settings, target
    from hypothesis import seed as hseed
    from hypothesis.database import DirectoryBasedExampleDatabase

    if module:
        load_user_module(module)
    c = get_claim(claim_id)
    strategy = c.get_strategy()
    if strategy is None:
        raise InvalidArgument(f"claim {claim_id!r} has no hypothesis strategy to search with")
    state = {"n": 0, "last": None, "counts": {}, "error": None}
    user = not is_builtin(c)

    @settings(max_examples=max_examples, deadline=None, verbosity=Verbosity.quiet, print_blob=False,
              database=DirectoryBasedExampleDatabase(db) if db else None, report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck))
    @hseed(seed)
    @given(strategy)
    def prop(inst):
        if _STOP_REQUESTED:
            raise KeyboardInterrupt  # a pool worker's Ctrl-C, raised here, between two examples
        state["n"] += 1
        try:
            r = run_check(c, inst, dps=dps)
        except (KeyboardInterrupt, InvalidArgument):
            raise
        except BaseException as exc:  # noqa: BLE001 - the user's check raised (SystemExit included)
            if not user:
                raise
            state["error"] = (dict(inst) if isinstance(inst, dict) else inst, exc)
            raise _CheckRaised() from None
        state["counts"][r.verdict.value] = state["counts"].get(r.verdict.value, 0) + 1
        if progress is not None:
            progress(state["n"], r)
        if isinstance(r.margin, (int, float)) and not isinstance(r.margin, bool):
            target(-float(r.margin), label="negative margin")
        if r.verdict is Verdict.REFUTED:
            state["last"] = (dict(inst) if isinstance(inst, dict) else inst, r)
            raise _Found()

    # one database key per claim (hypothesis would key every search by this function's source: two claims
    # sharing a --db would overwrite each other's saved counterexamples)
    prop._hypothesis_internal_database_key = b"escset-search:" + claim_id.encode()
    t0 = time.perf_counter()
    interrupted = False
    try:
        with _hypothesis_home():
            prop()
    except _Found:
        pass
    except _CheckRaised:
        inst, exc = state["error"]
        from proofs.errors import describe_exception

        raise InvalidArgument(f"the check of claim {claim_id!r} raised {describe_exception(exc, module)} on "
                              f"instance {_instance_text(inst)}") from None
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


#: set by a pool worker's SIGINT handler: the search stops at the next example (a KeyboardInterrupt raised
#: wherever the signal lands, e.g. inside a garbage-collector callback, is printed as "Exception ignored" and lost)
_STOP_REQUESTED = False


def _request_stop(signum, frame):
    global _STOP_REQUESTED
    _STOP_REQUESTED = True


def _worker(args):
    import signal

    signal.signal(signal.SIGINT, _request_stop)
    return _one_search(*args).to_dict()


def _run_processes(jobs, workers, grace: float = 3.0):
    """``_worker`` on every job in a process pool: (result dicts, interrupted). On Ctrl-C the workers get SIGINT
    too (a terminal sends it to them, ``kill -INT`` of this process does not), each returns what it searched so
    far; whatever has not answered within ``grace`` seconds is terminated, so the search stops promptly and its
    finished results (and the example database) are kept."""
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor, wait

    ex = ProcessPoolExecutor(max_workers=workers)
    futs = [ex.submit(_worker, j) for j in jobs]
    try:
        dicts = [f.result() for f in futs]
    except KeyboardInterrupt:
        procs = list((getattr(ex, "_processes", None) or {}).values())
        for pr in procs:
            try:
                os.kill(pr.pid, signal.SIGINT)
            except OSError:
                pass
        try:
            done, _ = wait(futs, timeout=grace)
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
            done = {f for f in futs if f.done()}
        dicts = [f.result() for f in futs if f in done and not f.cancelled() and f.exception() is None]
        for pr in procs:
            if pr.is_alive():
                pr.terminate()
        ex.shutdown(wait=False, cancel_futures=True)
        return dicts, True
    ex.shutdown()
    return dicts, False


def search(claim_id: str, *, max_examples: int = 100, seed: int = 0, db: str | None = None,
           module: str | None = None, workers: int = 1, scheduler: str | None = None, progress=None,
           dps: int = 30) -> SearchResult:
    """Search for an instance on which the claim's check returns ``refuted``."""
    if max_examples < 1:
        raise InvalidArgument(f"max_examples must be >= 1, got {max_examples}")
    if workers < 1:
        raise InvalidArgument(f"workers must be >= 1, got {workers}")
    check_db(db)
    if module:
        load_user_module(module)
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
        stopped = False
        with Client(scheduler) as client:
            futs = client.map(_worker, jobs)
            try:
                dicts = client.gather(futs)
            except KeyboardInterrupt:  # finished workers' results are kept; the others are cancelled
                dicts = [f.result() for f in futs if f.status == "finished"]
                client.cancel([f for f in futs if f.status != "finished"])
                stopped = True
    else:
        dicts, stopped = _run_processes(jobs, workers)
    hit = next((d for d in dicts if d["verdict"] == "refuted"), None)
    counts = {}
    for d in dicts:
        for k, v in d["verdict_counts"].items():
            counts[k] = counts.get(k, 0) + v
    out = SearchResult(claim=claim_id, verdict=Verdict.REFUTED if hit else Verdict.INCONCLUSIVE,
                       examples=sum(d["examples"] for d in dicts), seconds=time.perf_counter() - t0,
                       interrupted=any(d["interrupted"] for d in dicts) or stopped,
                       verdict_counts=counts)
    if hit:
        out.witness, out.replay = hit["witness"], hit["replay"]
        out.result = None
    return out
