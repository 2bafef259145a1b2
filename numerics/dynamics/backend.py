"""Array backends for the particle dynamics (DESIGN.md §5, STYLE.md "Precision, dtype and backends").

One switch, POT style: ``xp = namespace(*arrays)`` returns the array-API namespace of
the inputs through :mod:`array_api_compat` (numpy by default; CuPy, JAX, torch or
``array_api_strict`` when the arrays come from them). Optional libraries are imported
only when asked for, never at import time, so a GPU is never needed.

Generic code in :mod:`numerics.dynamics` uses only array-API functions of ``xp``;
numpy-specific speed paths are chosen with :func:`is_numpy` and tested against the
generic path.

Functions
---------
* :func:`get_backend` a namespace by name (``numpy``, ``array_api_strict``, ``cupy``, ``jax``, ``torch``)
* :func:`namespace` the namespace of some arrays (numpy if none)
* :func:`is_numpy` whether a namespace is numpy (then in-place ``out=`` kernels are used)
* :func:`asarray` / :func:`to_numpy` move data between numpy and a backend (float64 by default)
* :func:`sigmoid`, :func:`softplus` numerically stable elementwise functions in any namespace
* :func:`blas_threads` limit the BLAS libraries of the process (OpenBLAS, MKL, ...) to a number of threads

Threads: escset's numpy work has one thread pool, its own. The fused kernels split their blocks over
Python threads, and each of those calls BLAS on small blocks; the certified lambda_min calls LAPACK on
matrices of a few hundred rows. A multi-threaded BLAS on top of that oversubscribes the cores, and OpenBLAS's
spinning threads make it far worse on a busy machine (measured on a shared 2-core machine, load 6-10: W1
median 27 ms/step with the limit, 2.7 s without; W2 0.11 s against 4.2 s; ``eigh`` of a 400 x 400 matrix
0.13-0.18 s against 0.4-5 s; one kernel thread and BLAS on two is no cure, 314 ms/step). numpy and scipy
load their BLAS before any escset code runs, so environment variables come too late: the limit is set at run
time through threadpoolctl (a core dependency for this reason), around every kernel call, every dynamics
run and every float LAPACK call of :mod:`numerics.certified.linalg`; the ``escset`` command runs under it as a whole.
``ESCSET_BLAS_LIMIT=0`` in the environment turns the limit off (to measure what it buys; nothing else).
"""
from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading

import numpy as np

__all__ = ["BACKEND_NAMES", "get_backend", "namespace", "is_numpy", "asarray", "to_numpy", "sigmoid",
           "softplus", "backend_name", "available_backends", "blas_threads"]

#: names accepted by :func:`get_backend` (and ``--backend`` on the command line)
BACKEND_NAMES = ("numpy", "array_api_strict", "cupy", "jax", "torch")


def get_backend(name: str = "numpy"):
    """The array namespace called ``name``; raises InvalidArgument if unknown or not installed."""
    from numerics.errors import InvalidArgument

    if name not in BACKEND_NAMES:
        raise InvalidArgument(f"unknown backend {name!r}; valid are {', '.join(BACKEND_NAMES)}")
    if name == "numpy":
        return np
    try:
        if name == "array_api_strict":
            return importlib.import_module("array_api_strict")
        if name == "cupy":
            return importlib.import_module("cupy")
        if name == "jax":
            jax = importlib.import_module("jax")
            jax.config.update("jax_enable_x64", True)  # float64 as everywhere else (DESIGN.md §5)
            return importlib.import_module("jax.numpy")
        import array_api_compat.torch as xtorch  # noqa: F401  (torch through the compat layer)

        return xtorch
    except ImportError:
        raise InvalidArgument(f"backend {name!r} is not installed; install it (for CuPy: pip install "
                              f"'escset[gpu]') or use --backend numpy") from None


def available_backends() -> list[str]:
    out = []
    for name in BACKEND_NAMES:
        try:
            get_backend(name)
            out.append(name)
        except Exception:  # noqa: BLE001 - anything that fails to import is simply unavailable
            pass
    return out


def namespace(*arrays):
    """Array-API namespace of ``arrays`` (numpy when none is an array)."""
    import array_api_compat

    arrs = [a for a in arrays if a is not None and not isinstance(a, (int, float))]
    if not arrs:
        return np
    if all(isinstance(a, np.ndarray) for a in arrs):
        return np
    return array_api_compat.array_namespace(*arrs)


def is_numpy(xp) -> bool:
    return xp is np or getattr(xp, "__name__", "") in ("numpy", "array_api_compat.numpy")


def backend_name(xp) -> str:
    if is_numpy(xp):
        return "numpy"
    name = getattr(xp, "__name__", str(xp))
    parts = name.split(".")  # "jax.numpy" is jax (not numpy), "array_api_compat.torch" is torch
    if parts[0] == "array_api_compat" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts[0] in BACKEND_NAMES else name


def asarray(x, xp=np, dtype=None):
    """``x`` as an array of ``xp`` (float64 unless ``dtype`` is given)."""
    if is_numpy(xp):
        return np.asarray(x, dtype=np.float64 if dtype is None else dtype)
    dt = xp.float64 if dtype is None else dtype
    if not isinstance(x, np.ndarray):
        x = np.asarray(x, dtype=np.float64)
    return xp.asarray(x, dtype=dt)


def to_numpy(x):
    """A numpy copy (or view) of any backend array."""
    if isinstance(x, np.ndarray):
        return x
    try:
        import array_api_compat

        if array_api_compat.is_cupy_array(x):
            return x.get()
        if array_api_compat.is_torch_array(x):
            return x.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    try:
        return np.asarray(x)
    except Exception:  # noqa: BLE001 - array_api_strict refuses __array__; go through a buffer copy
        return np.array(x.tolist() if hasattr(x, "tolist") else list(x), dtype=np.float64)


def sigmoid(xp, z):
    """Logistic function, stable for any |z| (no overflow: only exp(-|z|) is formed)."""
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(xp, z):
    """log(1 + e^z), stable for any |z|."""
    return xp.maximum(z, xp.zeros_like(z)) + xp.log1p(xp.exp(-xp.abs(z)))


_BLAS = {"depth": 0, "controller": None, "modules": -1, "limiter": None}
_BLAS_LOCK = threading.RLock()


def _controller():
    """A cached threadpoolctl controller (None without threadpoolctl); rebuilt when modules were imported since
    (a newly imported extension may have loaded another BLAS)."""
    if os.environ.get("ESCSET_BLAS_LIMIT", "1") == "0":  # for measuring the unlimited case only
        return None
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # installed without its dependencies: no thread control (slower, same results)
        return None
    if _BLAS["controller"] is None or _BLAS["modules"] != len(sys.modules):
        _BLAS["controller"] = ThreadpoolController()
        _BLAS["modules"] = len(sys.modules)
    return _BLAS["controller"]


@contextlib.contextmanager
def blas_threads(limit: int = 1, enabled: bool = True):
    """Within: every BLAS library of the process runs on at most ``limit`` threads (threadpoolctl).

    Re-entrant and cheap when nested (only the outermost entry sets and restores the limit, ~10 us with the
    cached controller); the limit is process-wide, so it also holds in the kernels' worker threads. Results are
    the same with and without it (BLAS splits output blocks over its threads, not the summation order)."""
    if not enabled:
        yield
        return
    with _BLAS_LOCK:
        outer = _BLAS["depth"] == 0
        _BLAS["depth"] += 1
        if outer:
            ctl = _controller()
            _BLAS["limiter"] = None if ctl is None else ctl.limit(limits=int(limit), user_api="blas")
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS["depth"] -= 1
            if _BLAS["depth"] == 0 and _BLAS["limiter"] is not None:
                _BLAS["limiter"].restore_original_limits()
                _BLAS["limiter"] = None
