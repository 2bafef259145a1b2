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
"""
from __future__ import annotations

import importlib

import numpy as np

__all__ = ["BACKEND_NAMES", "get_backend", "namespace", "is_numpy", "asarray", "to_numpy", "sigmoid",
           "softplus", "backend_name", "available_backends"]

#: names accepted by :func:`get_backend` (and ``--backend`` on the command line)
BACKEND_NAMES = ("numpy", "array_api_strict", "cupy", "jax", "torch")


def get_backend(name: str = "numpy"):
    """The array namespace called ``name``; raises InvalidArgument if unknown or not installed."""
    from proofs._errors import InvalidArgument

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
