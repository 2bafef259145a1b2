"""Input checks shared by the commands that run the dynamics (``simulate``, ``bench dynamics``): option values,
the activation, output paths, and the memory a run needs, estimated before anything is allocated (issue #10).

Every check is one :class:`proofs.errors.InvalidArgument` line (exit code 2) and creates nothing.
"""
from __future__ import annotations

import math
import os

from proofs.cli import fail

__all__ = ["check_positive", "check_activation", "check_outputs", "estimate_bytes", "check_memory",
           "available_bytes"]


def check_positive(name: str, v, *, allow_zero: bool = False, optional: bool = False) -> None:
    """``--name`` is a finite number > 0 (>= 0 with ``allow_zero``; None allowed with ``optional``)."""
    if v is None and optional:
        return
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or \
            (v < 0 if allow_zero else v <= 0):
        fail(f"got --{name} {v}, valid is a finite number {'>= 0' if allow_zero else '> 0'}")


def check_activation(model: str, activation) -> None:
    """``--activation`` names a usable activation for ``model`` (see :func:`proofs.symbolic.models.check_activation`)."""
    from proofs.symbolic.models import check_activation as _check

    _check(model, activation)


def check_outputs(out=None, plot=None) -> None:
    """``--out`` and ``--plot`` can be written (and ``--plot`` has matplotlib), before the run starts."""
    from proofs._io import check_output_file

    if plot is not None:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            fail("--plot needs matplotlib: pip install 'escset[plot]'")
        check_output_file(plot, "--plot")
    if out is not None:
        check_output_file(out, "--out")


def _gib(b: float) -> str:
    return f"{b / 2 ** 30:.3g} GiB" if b >= 2 ** 27 else f"{b / 2 ** 20:.3g} MiB"


def estimate_bytes(model: str, *, m: int, n: int, k: int, d: int = 1, p: int = 2, L: int = 3, dq: int = 1,
                   method: str = "euler", teacher: int | None = None) -> int:
    """A lower estimate of the float64 memory of a run: data, the particle state and its stage copies, and the
    particle x sample intermediates of one velocity evaluation (the teacher's too). Deliberately not an upper
    bound: it only has to catch sizes that cannot fit."""
    from proofs.symbolic.models import builtin_layout

    q, p_u, p_x = builtin_layout(model, k=k, d=d, p=p, L=L, dq=dq)
    per_pair = 3 if model in ("sigmoid", "relu-lift") else L * (p + 3)
    copies = {"euler": 3, "heun": 5, "rk4": 8}.get(method, 8)
    floats = n * (p_x + 2 * k) + copies * m * (k * q + p_u) + per_pair * m * n
    if teacher:
        floats += teacher * (k * q + p_u) + per_pair * teacher * n
    return 8 * floats


def available_bytes() -> int | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup limit and RLIMIT_AS/DATA."""
    limits = []
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    for lim, cur in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                     ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(lim) as fh:
                text = fh.read().strip()
            if text.isdigit() and int(text) < 1 << 60:
                with open(cur) as fh:
                    limits.append(int(text) - int(fh.read().strip()))
                break
        except (OSError, ValueError):
            continue
    try:
        import resource

        for r in (resource.RLIMIT_AS, getattr(resource, "RLIMIT_DATA", resource.RLIMIT_AS)):
            soft, _ = resource.getrlimit(r)
            if soft != resource.RLIM_INFINITY and soft > 0:
                limits.append(soft)
    except (ImportError, ValueError, OSError):
        pass
    if not limits:
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    return max(0, min(limits))


def check_memory(what: str, hint: str, **sizes) -> None:
    """Fail with the estimate and the limit when a run of these sizes cannot fit in memory."""
    need = estimate_bytes(**sizes)
    have = available_bytes()
    if have is not None and need > have:
        fail(f"{what} needs about {_gib(need)} of memory (estimate), more than the {_gib(have)} available; "
             f"{hint}")

