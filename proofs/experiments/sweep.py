"""A resumable sweep over independent cells, on local processes or an existing dask.distributed cluster.

Each cell is a JSON-ready dict of parameters with a ``key`` (a short file-safe name); :func:`run_sweep` calls a
module-level function ``fn(cell) -> dict`` for every cell not finished yet and writes each result, as it arrives, to
its own file ``DIR/cells/<key>.json`` (atomically: temporary file, fsync, rename), so a finished cell is never
recomputed and a killed sweep loses at most the cells in flight. A result file records the cell it was computed
for; resuming with different parameters for the same key is refused (one line: give a new directory).

Executors: :class:`concurrent.futures.ProcessPoolExecutor` with ``workers`` processes (default; ``workers=0`` runs
in this process, for tests and debugging), or ``scheduler="tcp://host:port"``: a ``dask.distributed.Client``
connected to that running cluster (its workers need escset installed); the function is shipped by reference
(module and name), so both executors run the same code. Ctrl-C: the cells not started are cancelled, those done
are kept on disk; :class:`KeyboardInterrupt` is raised with ``done`` (cells finished) set on it.
"""
from __future__ import annotations

import json
import os
import re
import time

from proofs import _atomic
from proofs.errors import InvalidArgument

__all__ = ["run_sweep", "cell_path", "load_results"]

_KEY = re.compile(r"^[A-Za-z0-9_.=+-]{1,120}$")


def cell_path(out: str, key: str) -> str:
    if not _KEY.match(key):
        raise InvalidArgument(f"cell key {key!r} is not a file-safe name (letters, digits, _ . = + -)")
    return os.path.join(out, "cells", f"{key}.json")


def _read(path):
    try:
        with open(path, encoding="utf-8") as fh:
            obj = json.load(fh)
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and "cell" in obj and "result" in obj else None


def load_results(out: str) -> list[dict]:
    """Every finished cell in ``out`` as ``{"cell": ..., "result": ...}`` (sorted by key)."""
    d = os.path.join(out, "cells")
    if not os.path.isdir(d):
        return []
    rows = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".json") and not name.startswith("."):
            obj = _read(os.path.join(d, name))
            if obj is not None:
                rows.append(obj)
    return rows


def _write(out, cell, result):
    path = cell_path(out, cell["key"])
    data = json.dumps({"cell": cell, "result": result}, sort_keys=True, allow_nan=False).encode()  # strict JSON
    _atomic.atomic_write(path, data, tag="cell")


def _ignore_sigint():
    """Worker initialiser: Ctrl-C at a terminal reaches the whole process group; the parent handles it (cancels,
    keeps the finished cells, stops the workers), so the workers ignore it instead of printing tracebacks."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(fn_ref, cell):
    """Run ``module:function`` on ``cell`` (a worker's entry point: picklable by reference)."""
    import importlib

    mod, name = fn_ref.split(":")
    return getattr(importlib.import_module(mod), name)(cell)


def run_sweep(cells, fn_ref: str, out: str, *, workers: int = 2, scheduler: str | None = None,
              progress=None, connect_timeout: float = 10.0) -> dict:
    """Run ``fn_ref`` (``"package.module:function"``) on every cell without a result file in ``out``.

    ``progress(done, total, cell, result)`` is called after each cell (``result`` None for cells found finished
    at the start); ``connect_timeout``: seconds to reach the dask scheduler. Returns ``{"total", "computed", "reused", "seconds", "executor"}``."""
    cells = list(cells)
    keys = [c["key"] for c in cells]
    if len(set(keys)) != len(keys):
        raise InvalidArgument("two cells of the sweep have the same key")
    if workers < 0:
        raise InvalidArgument(f"--workers must be >= 0, got {workers}")
    os.makedirs(os.path.join(out, "cells"), exist_ok=True)
    todo, reused = [], 0
    for c in cells:
        path = cell_path(out, c["key"])
        _atomic.remove_stale(path, "cell")
        old = _read(path) if os.path.exists(path) else None
        if old is not None:
            if old["cell"] != json.loads(json.dumps(c)):
                diff = sorted(k for k in set(old["cell"]) | set(c) if old["cell"].get(k) != c.get(k))
                raise InvalidArgument(f"{out}: cell {c['key']} was computed with other settings ({', '.join(diff)});"
                                      " rerun with the original settings to resume, or give a new --out")
            reused += 1
            if progress is not None:
                progress(reused, len(cells), c, None)
            continue
        todo.append(c)
    t0 = time.perf_counter()
    done = reused
    stats = {"total": len(cells), "reused": reused, "computed": 0}
    if not todo:
        return dict(stats, seconds=0.0, executor="none (all cells finished)")

    def finish(c, res):
        nonlocal done
        _write(out, c, res)
        done += 1
        stats["computed"] += 1
        if progress is not None:
            progress(done, len(cells), c, res)

    if scheduler is None and workers == 0:
        executor = "in-process"
        try:
            for c in todo:
                finish(c, _call(fn_ref, c))
        except KeyboardInterrupt as exc:
            exc.done = done
            raise
        return dict(stats, seconds=time.perf_counter() - t0, executor=executor)
    if scheduler is not None:
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise InvalidArgument("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        try:
            client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InvalidArgument(f"cannot connect to the dask scheduler at {scheduler}: {exc}") from None
        executor = f"dask.distributed ({scheduler})"
        futs = {}
        try:
            with client.as_current():  # as_completed looks the client up as the current one
                for c in todo:
                    key = f"escset-{c['key']}-{os.getpid()}-{time.time_ns()}"
                    futs[client.submit(_call, fn_ref, c, key=key, pure=False)] = c
                for fut in as_completed(list(futs)):
                    finish(futs[fut], fut.result())
        except KeyboardInterrupt as exc:
            for fut in futs:
                fut.cancel()
            exc.done = done
            raise
        finally:
            client.close()
        return dict(stats, seconds=time.perf_counter() - t0, executor=executor)
    from concurrent.futures import ProcessPoolExecutor, as_completed as cf_completed

    executor = f"local processes ({workers})"
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    futs = {}
    try:
        futs = {pool.submit(_call, fn_ref, c): c for c in todo}
        for fut in cf_completed(futs):
            finish(futs[fut], fut.result())
    except KeyboardInterrupt as exc:
        for fut in futs:
            fut.cancel()
        # the cells in flight are dropped: stop their workers now (the executor has no public call for it;
        # ``_processes`` is read defensively) rather than wait for them
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        exc.done = done
        raise
    pool.shutdown(wait=True)
    return dict(stats, seconds=time.perf_counter() - t0, executor=executor)
