"""Atomic file writes, stale temporary files, and the test-only fault-injection hook.

:func:`atomic_write` writes ``path`` through a temporary file in the same directory and ``os.replace``: a reader
(or the next run) sees the old file or the new one, never half of one. The temporary file is named
``.escset-<tag>-<name>-<pid>-<random>.tmp``, so that :func:`remove_stale` (called by the next run that writes the
same ``path``) can tell the orphans of a killed process (``kill -9`` between write and rename: its pid is gone)
from the live temporary file of a concurrent run; a Ctrl-C or any exception removes it at once.

Fault injection (tests only): with ``ESCSET_FAULT=POINT[:N]`` in the environment, the process kills itself with
SIGKILL the N-th time (default 1st) it reaches the hook called ``POINT``, deterministically inside the window a
test wants to hit. The points of :func:`atomic_write` are ``<tag>:opened`` (temporary file created, empty),
``<tag>:half`` (half of the bytes written and flushed), ``<tag>:written`` (all written, not yet renamed) and
``<tag>:renamed`` (renamed, before anything else happens). Without the variable :func:`fault_point` is one
dictionary lookup.
"""
from __future__ import annotations

import os
import signal
import tempfile

__all__ = ["atomic_write", "remove_stale", "fault_point", "temp_prefix"]

_HITS: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Test hook: SIGKILL this process at the N-th arrival here when ``ESCSET_FAULT`` is ``name[:N]``."""
    spec = os.environ.get("ESCSET_FAULT")
    if not spec:
        return
    point, sep, nth = spec.rpartition(":")
    if not (sep and nth.isdigit()):
        point, nth = spec, "1"
    if point != name:
        return
    _HITS[name] = _HITS.get(name, 0) + 1
    if _HITS[name] == int(nth):
        os.kill(os.getpid(), signal.SIGKILL)


def temp_prefix(tag: str, path: str) -> str:
    return f".escset-{tag}-{os.path.basename(path)}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale(path: str, tag: str) -> list[str]:
    """Remove the temporary files that a killed process left for ``path`` (its pid no longer runs); return them."""
    d = os.path.dirname(os.path.abspath(path))
    prefix = temp_prefix(tag, path)
    removed = []
    try:
        names = os.listdir(d)
    except OSError:
        return removed
    for nm in names:
        if not (nm.startswith(prefix) and nm.endswith(".tmp")):
            continue
        pid_text = nm[len(prefix):].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _pid_alive(int(pid_text)):
            continue
        try:
            os.unlink(os.path.join(d, nm))
            removed.append(nm)
        except OSError:
            pass
    return removed


def atomic_write(path: str, data: bytes, *, tag: str) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same directory, fsync, ``os.replace``)."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f"{temp_prefix(tag, path)}{os.getpid()}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fault_point(f"{tag}:opened")
            half = len(data) // 2
            fh.write(data[:half])
            fh.flush()
            fault_point(f"{tag}:half")
            fh.write(data[half:])
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; the file gets the mode a plain open() would give
        fault_point(f"{tag}:written")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fault_point(f"{tag}:renamed")
