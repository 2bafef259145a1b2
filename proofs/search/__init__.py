"""Counterexample search over a claim's hypothesis strategy (``escset search``).

How a search runs (:func:`search`):

1. **Diverse starting points.** Hypothesis draws instances from the claim's strategy (the public strategies of
   :mod:`proofs.search.strategies` or the user's own), steering with ``hypothesis.target`` towards smaller margins
   whenever the check returns one (a number, an arb ball, or a ``CheckResult`` with a numeric margin).
2. **Margins are confirmed, never trusted.** The check runs through :func:`proofs.registry.run_check`: an exact
   negative margin (int, Fraction) or an arb ball with upper end < 0 is a certified refutation; a negative float or
   mpmath margin is only a candidate, recomputed at 2x and 4x ``dps`` and counted only when it stays negative and
   stable ("confirmed at 60 and 120 digits"); otherwise it stays ``inconclusive`` and is kept as the best candidate.
3. **Every hit is re-verified** at twice the working precision before it counts (a refutation that does not
   survive is reported as ``unconfirmed`` in ``verdict_counts`` and the search goes on).
4. **Local refinement.** When hypothesis found nothing, the instances with the smallest margins are refined with
   ``scipy.optimize.minimize`` (Nelder-Mead) on their continuous parameters (the non-integer decimal entries),
   every trial point rounded to an exact decimal string; a trial with a negative margin goes through steps 2-3.
   The refined witness is then rounded to as few digits as keep it a refutation.
5. **Shrinking.** A hit found by hypothesis is shrunk by hypothesis to a minimal instance (small integers, short
   decimals); the witness is reported in exact form with a shell-safe replay command (``shlex.quote``).

Resumable: ``db`` is a hypothesis example database directory, keyed per claim; a later run with the same ``db``
replays saved failing and interesting examples first. Ctrl-C stops the search and keeps what was found so far.
``workers`` runs independent searches with seeds ``seed, seed+1, ...`` in separate processes (a dask.distributed
cluster when ``scheduler`` is given); they share the one database and merge into one report. Hypothesis settings
come from a profile (:data:`PROFILES`: ``default``, ``ci``, ``thorough``); ``CI=true`` in the environment selects
``ci``, and every search is deterministic given its seed (hypothesis is seeded, the refinement uses no randomness).
A search never proves anything: without a counterexample the verdict is ``inconclusive``.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from proofs.errors import InvalidArgument
from proofs.result import CheckResult, Verdict, to_jsonable
from proofs.registry import get_claim, is_builtin, load_module, run_check
from proofs.search.strategies import as_particle_problem


def _run_check(c, inst, dps):
    """run_check on an instance as the strategy made it: a particle problem that went through JSON (the database,
    shrinking, refinement) gets its loss() / euler_step() back."""
    return run_check(c, as_particle_problem(inst), dps=dps)

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
    #: without a refutation: the instance with the smallest margin seen (an unconfirmed candidate, or the closest
    #: call), for the user to look at; never a counterexample
    best: dict | None = None
    #: the time budget ran out before max_examples (the search stopped early; a longer budget may find more)
    out_of_time: bool = False

    def to_dict(self):
        return {"claim": self.claim, "verdict": self.verdict.value, "examples": self.examples,
                "witness": self.witness, "replay": self.replay, "interrupted": self.interrupted,
                "seconds": round(self.seconds, 3), "verdict_counts": self.verdict_counts, "best": self.best, "out_of_time": self.out_of_time,
                "result": None if self.result is None else self.result.to_dict()}


class _Found(Exception):
    pass


class _OutOfTime(BaseException):
    """The search's time budget is spent (a BaseException: hypothesis lets it through without shrinking)."""


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


#: hypothesis settings profiles (``--profile``); ``CI=true`` selects ``ci``. Health checks suppressed in all of them,
#: each for a reason: ``too_slow`` (the strategies build validated problems and exactly stationary measures, slow by
#: design, and a slow draw is not a bug of the strategy), ``data_too_large`` (problems with many points and particles
#: draw many entries on purpose), ``large_base_example`` (the same, for the simplest problem of a large model). Every
#: other health check (e.g. a user strategy that filters out almost everything) stays on and is reported in one line.
PROFILES = {
    "default": {"factor": 1, "refine": 1},
    "ci": {"factor": 1, "refine": 1},  # deterministic: seeded, no database unless --db is given
    "thorough": {"factor": 10, "refine": 5},  # ten times the examples, five times the refinement budget
}


def profile_name(profile: str | None) -> str:
    import os

    name = profile or ("ci" if os.environ.get("CI", "").lower() == "true" else "default")
    if name not in PROFILES:
        raise InvalidArgument(f"unknown --profile {name!r}; valid are {', '.join(PROFILES)}")
    return name


def _margin_float(m):
    """A margin as a float for targeting and ranking (None when it is not a number): balls by their midpoint."""
    if m is None or isinstance(m, bool):
        return None
    try:
        import flint

        if isinstance(m, flint.arb):
            return float(m.mid())
    except ImportError:  # pragma: no cover
        pass
    import mpmath

    if isinstance(m, mpmath.ctx_iv.ivmpf):
        return float(m.mid)
    if isinstance(m, (tuple, list)) and len(m) == 2:
        m = m[1]
    try:
        f = float(m)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if f == f else None


def _reverified(c, inst, dps, r):
    """A refutation counts only when it is again refuted at twice the precision (the claim's own check, or the
    margin confirmation of run_check at 2x the digits)."""
    try:
        again = _run_check(c, inst, dps=2 * dps)
    except (KeyboardInterrupt, InvalidArgument):
        raise
    except Exception:  # noqa: BLE001 - the recomputation failed: the hit is not confirmed
        return None
    return again if again.verdict is Verdict.REFUTED else None


def _one_search(claim_id, max_examples, seed, db, module, progress=None, dps=30, refine=None, profile=None,
                shrink=True, time_budget=None):
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as hseed
    from hypothesis.database import DirectoryBasedExampleDatabase
    from hypothesis.errors import FailedHealthCheck

    prof = PROFILES[profile_name(profile)]
    if module:
        load_user_module(module)
    c = get_claim(claim_id)
    strategy = c.get_strategy()
    if strategy is None:
        raise InvalidArgument(f"claim {claim_id!r} has no hypothesis strategy to search with")
    state = {"n": 0, "last": None, "counts": {}, "error": None, "best": []}
    user = not is_builtin(c)

    def note(inst, r):
        """Keep the few instances with the smallest margins, for refinement and as the best candidate."""
        m = _margin_float(r.margin)
        if m is None or not isinstance(inst, dict):
            return
        best = state["best"]
        best.append((m, state["n"], dict(inst), r))
        best.sort(key=lambda t: (t[0], t[1]))
        del best[_REFINE_STARTS:]

    phases = [ph for ph in Phase if ph is not Phase.explain and (shrink or ph is not Phase.shrink)]
    t_end = None if time_budget is None else time.perf_counter() + time_budget

    @settings(max_examples=max_examples * prof["factor"], deadline=None, verbosity=Verbosity.quiet, phases=phases,
              print_blob=False, database=DirectoryBasedExampleDatabase(db) if db else None,
              report_multiple_bugs=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @hseed(seed)
    @given(strategy)
    def prop(inst):
        if _STOP_REQUESTED:
            raise KeyboardInterrupt  # a pool worker's Ctrl-C, raised here, between two examples
        if t_end is not None and time.perf_counter() > t_end and state["last"] is None:
            raise _OutOfTime()
        state["n"] += 1
        try:
            r = _run_check(c, inst, dps=dps)
            hit = _reverified(c, inst, dps, r) if r.verdict is Verdict.REFUTED else None
        except (KeyboardInterrupt, InvalidArgument):
            raise
        except BaseException as exc:  # noqa: BLE001 - the user's check raised (SystemExit included)
            if not user:
                raise
            state["error"] = (dict(inst) if isinstance(inst, dict) else inst, exc)
            raise _CheckRaised() from None
        key = r.verdict.value if r.verdict is not Verdict.REFUTED or hit is not None else "unconfirmed"
        state["counts"][key] = state["counts"].get(key, 0) + 1
        if progress is not None:
            progress(state["n"], r)
        m = _margin_float(r.margin)
        if m is not None:
            target(-m, label="negative margin")
            note(inst, r)
        if hit is not None:
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
    except FailedHealthCheck as exc:
        first = next((ln for ln in str(exc).splitlines() if ln.strip()), "")
        raise InvalidArgument(f"the strategy of claim {claim_id!r} failed a hypothesis health check: {first}") from None
    except KeyboardInterrupt:
        interrupted = True
    except _OutOfTime:
        state["out_of_time"] = True
    found = state["last"]
    refined = False
    budget = (_REFINE_BUDGET if refine is None else refine) * prof["refine"]
    if found is None and not interrupted and budget > 0 and state["best"] and not state.get("out_of_time"):
        try:
            found = _refine(c, state["best"], dps, budget, state, t_end)
        except KeyboardInterrupt:
            interrupted = True
        except _OutOfTime:
            state["out_of_time"] = True
        refined = found is not None
    out = SearchResult(claim=claim_id, verdict=Verdict.REFUTED if found else Verdict.INCONCLUSIVE,
                       examples=state["n"], interrupted=interrupted, seconds=time.perf_counter() - t0,
                       verdict_counts=state["counts"], out_of_time=bool(state.get("out_of_time")))
    if found:
        inst, r = found
        out.witness = {"instance": inst, "check": r.witness, "margin": to_jsonable(r.margin),
                       "message": r.message, "found_by": "local refinement (scipy Nelder-Mead)" if refined
                       else "hypothesis"}
        out.result = r
        out.replay = replay_command(claim_id, inst, module)
    elif state["best"]:
        m, _, inst, r = state["best"][0]
        out.best = {"instance": inst, "margin": to_jsonable(r.margin), "message": r.message}
    return out


#: refinement: how many of the smallest-margin instances are refined, and the check evaluations allowed in all
_REFINE_STARTS = 3
_REFINE_BUDGET = 60


_NOT_PARAMETERS = ("name", "structure", "family", "measure", "exact", "unit_norm", "seed", "model")


def _leaves(x, path=()):
    """(path, Fraction) of every continuous parameter of an instance: decimal strings and floats that are not
    integers (integers are sizes, seeds, orders: discrete). ``name``, the descriptions the strategies add
    (``structure``, ``family``, ...) and strings that are not numbers are skipped."""
    from fractions import Fraction

    if isinstance(x, dict):
        for k, v in x.items():
            if k not in _NOT_PARAMETERS:
                yield from _leaves(v, path + (k,))
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _leaves(v, path + (i,))
    elif isinstance(x, str) or (isinstance(x, float) and not isinstance(x, bool)):
        try:
            q = Fraction(x.strip()) if isinstance(x, str) else Fraction(x)
        except (ValueError, ZeroDivisionError, OverflowError):
            return
        if q.denominator != 1:
            yield path, q, isinstance(x, str)


def _put(inst, path, value):
    import copy

    out = copy.deepcopy(inst)
    node = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


def _decimal(v: float, digits: int) -> str:
    """``v`` as an exact decimal string with ``digits`` significant digits (readable witnesses)."""
    from decimal import Decimal

    s = f"{v:.{digits}g}"
    return format(Decimal(s), "f") if "e" in s else s


def _with(inst, leaves, xs, digits=12):
    out = inst
    for (path, _, as_str), v in zip(leaves, xs):
        out = _put(out, path, _decimal(float(v), digits) if as_str else float(_decimal(float(v), digits)))
    return out


def _refine(c, best, dps, budget, state, t_end=None):
    """Refine the smallest-margin instances with scipy's Nelder-Mead on their continuous parameters; a trial with a
    negative margin goes through run_check (margin confirmation) and re-verification. (instance, result) or None."""
    import numpy as np
    from scipy.optimize import minimize

    left = [budget]

    class _Hit(Exception):
        pass

    for m0, _, inst, _r in best:
        leaves = list(_leaves(inst))
        if not leaves or left[0] <= 0:
            continue
        x0 = np.array([float(q) for _, q, _ in leaves])

        def f(xs):
            if left[0] <= 0:
                raise _Hit(None)
            if t_end is not None and time.perf_counter() > t_end:
                raise _OutOfTime()
            left[0] -= 1
            trial = _with(inst, leaves, xs)
            try:
                val = c.check(as_particle_problem(trial), dps=dps)
            except KeyboardInterrupt:
                raise
            except Exception:  # noqa: BLE001 - the trial left the claim's domain: a wall, not a witness
                return 1e300
            r = val if isinstance(val, CheckResult) else None
            m = _margin_float(r.margin if r is not None else val)
            if (r is not None and r.verdict is Verdict.REFUTED) or (m is not None and m < 0):
                state["n"] += 1
                try:
                    res = _run_check(c, trial, dps=dps)
                    ok = res.verdict is Verdict.REFUTED and _reverified(c, trial, dps, res) is not None
                except KeyboardInterrupt:
                    raise
                except Exception:  # noqa: BLE001 - a trial outside the claim's domain, or a failed recheck: a wall
                    return 1e300
                key = "refined" if ok else "refined, unconfirmed"
                state["counts"][key] = state["counts"].get(key, 0) + 1
                if ok:
                    raise _Hit((trial, res))
            return 1e300 if m is None else m

        scale = np.maximum(np.abs(x0), 1e-3) * 0.1
        simplex = np.vstack([x0] + [x0 + np.eye(len(x0))[i] * scale[i] for i in range(len(x0))])
        try:
            minimize(f, x0, method="Nelder-Mead", options={"initial_simplex": simplex, "maxfev": left[0],
                                                           "xatol": 1e-12, "fatol": 0.0})
        except _Hit as hit:
            if hit.args[0] is not None:
                return _simplify(c, hit.args[0], leaves, dps)
    return None


def _simplify(c, found, leaves, dps):
    """Round the refined witness to the fewest significant digits that keep it a (re-verified) refutation."""
    trial, res = found
    xs = [float(__import__("fractions").Fraction(v)) for v in (_get(trial, p) for p, _, _ in leaves)]
    for digits in (1, 2, 3, 4, 6, 8):
        cand = _with(trial, leaves, xs, digits)
        try:
            r = _run_check(c, cand, dps=dps)
        except Exception:  # noqa: BLE001
            continue
        if r.verdict is Verdict.REFUTED and _reverified(c, cand, dps, r) is not None:
            return cand, r
    return trial, res


def _get(inst, path):
    node = inst
    for p in path:
        node = node[p]
    return node


#: set by a pool worker's SIGINT handler: the search stops at the next example (a KeyboardInterrupt raised
#: wherever the signal lands, e.g. inside a garbage-collector callback, is printed as "Exception ignored" and lost)
_STOP_REQUESTED = False


def _request_stop(signum, frame):
    global _STOP_REQUESTED
    _STOP_REQUESTED = True


def _worker(args):
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():  # a pool process; a dask worker runs us in a thread
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
           dps: int = 30, refine: int | None = None, profile: str | None = None, shrink: bool = True,
           time_budget: float | None = None) -> SearchResult:
    """Search for an instance on which the claim's check returns ``refuted`` (confirmed, re-verified).

    ``max_examples`` hypothesis examples in all (split over ``workers``), then up to ``refine`` check evaluations
    of local refinement per search (default 60; 0 turns it off); ``profile`` names a hypothesis settings profile of
    :data:`PROFILES` (default: ``ci`` when ``CI=true``, else ``default``). ``shrink=False`` reports the first hit
    as found (faster; the quality tier uses it); ``time_budget`` (seconds, per worker) stops the search between two
    examples once spent (``out_of_time`` in the result)."""
    if max_examples < 1:
        raise InvalidArgument(f"max_examples must be >= 1, got {max_examples}")
    if workers < 1:
        raise InvalidArgument(f"workers must be >= 1, got {workers}")
    if refine is not None and refine < 0:
        raise InvalidArgument(f"refine must be >= 0, got {refine}")
    if time_budget is not None and not time_budget > 0:
        raise InvalidArgument(f"time_budget must be > 0 seconds, got {time_budget}")
    profile = profile_name(profile)
    check_db(db)
    if module:
        load_user_module(module)
    get_claim(claim_id)  # unknown claim: one-line error before any work
    if workers == 1 and scheduler is None:
        return _one_search(claim_id, max_examples, seed, db, module, progress, dps, refine, profile, shrink,
                           time_budget)
    per = max(1, max_examples // workers)
    jobs = [(claim_id, per, seed + w, db, module, None, dps, refine, profile, shrink, time_budget)
            for w in range(workers)]
    t0 = time.perf_counter()
    if scheduler is not None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise InvalidArgument("--scheduler needs the dask extra: pip install 'escset[dask]'") from None
        stopped = False
        try:
            client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError) as exc:
            raise InvalidArgument(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
        with client:
            futs = client.map(_worker, jobs, pure=False)
            try:
                dicts = client.gather(futs)
            except KeyboardInterrupt:  # finished workers' results are kept; the others are cancelled
                dicts = [f.result() for f in futs if f.status == "finished"]
                client.cancel([f for f in futs if f.status != "finished"])
                stopped = True
    else:
        dicts, stopped = _run_processes(jobs, workers)
    return merge(claim_id, dicts, time.perf_counter() - t0, stopped)


def merge(claim_id: str, dicts, seconds: float, stopped: bool = False) -> SearchResult:
    """One report from the workers' results (``SearchResult.to_dict`` dictionaries): the examples and verdict
    counts add up, the first refutation (lowest seed) wins, else the best candidate of all of them."""
    hit = next((d for d in dicts if d["verdict"] == "refuted"), None)
    counts = {}
    for d in dicts:
        for k, v in d["verdict_counts"].items():
            counts[k] = counts.get(k, 0) + v
    out = SearchResult(claim=claim_id, verdict=Verdict.REFUTED if hit else Verdict.INCONCLUSIVE,
                       examples=sum(d["examples"] for d in dicts), seconds=seconds,
                       interrupted=any(d["interrupted"] for d in dicts) or stopped,
                       verdict_counts=counts, out_of_time=any(d.get("out_of_time") for d in dicts))
    if hit:
        out.witness, out.replay = hit["witness"], hit["replay"]
        out.result = None
    else:
        cands = [d["best"] for d in dicts if d.get("best")]
        ranked = [(_margin_float(_num(b["margin"])), i, b) for i, b in enumerate(cands)]
        ranked = [t for t in ranked if t[0] is not None]
        if ranked:
            out.best = min(ranked, key=lambda t: (t[0], t[1]))[2]
    return out


def _num(m):
    """A JSON margin back to a float-able value (a ball's upper end)."""
    if isinstance(m, dict):
        return m.get("upper")
    return m
