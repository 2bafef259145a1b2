"""One exception hierarchy for bad input (STYLE.md "Error handling").

Every error a user can cause derives from :class:`EscsetError`, which subclasses
``ValueError`` so that generic callers still catch it. Messages follow the
"got X, valid is Y, try Z" pattern. The CLI turns these into one line on stderr
and exit code 2.

The base of the hierarchy (:class:`EscsetError`, :class:`InvalidArgument`, :class:`NoConvergence`) is defined in
:mod:`numerics.errors` (numerics raises them and never imports proofs) and re-exported here as the same class
objects; the proofs-only errors are defined here.
"""
from __future__ import annotations

from numerics.errors import EscsetError, InvalidArgument, NoConvergence

__all__ = ["EscsetError", "InvalidArgument", "NoConvergence", "GrammarError", "InvalidAssumption",
           "InconsistentAssumptions", "describe_exception"]


class GrammarError(InvalidArgument):
    """An expression string lies outside the restricted grammar."""


class InvalidAssumption(EscsetError):
    """A parameter violates a stated assumption of a claim (e.g. a step size)."""


class InconsistentAssumptions(EscsetError):
    """A set of assumptions is contradictory."""


def describe_exception(exc: BaseException, files=None) -> str:
    """``TypeName: first line of the message (at FILE, line N)`` for an exception raised by the user's code.

    ``files``: the user's file(s) (a path or a list of paths); the innermost traceback frame in one of them is
    named, else the innermost frame outside escset and the installed packages, else none. One line, so that the
    CLI can report a user's check that raised without a 40-line traceback through escset."""
    import os
    import traceback

    if isinstance(exc, SystemExit):
        return f"SystemExit (it called sys.exit({exc.code!r}))"
    wanted = [files] if isinstance(files, (str, os.PathLike)) else list(files or [])
    wanted = {os.path.realpath(os.fspath(f)) for f in wanted}
    frames = traceback.extract_tb(exc.__traceback__)
    pkg = os.path.dirname(os.path.abspath(__file__))
    numerics = os.path.join(os.path.dirname(pkg), "numerics")

    def foreign(fn):
        fn = os.path.abspath(fn)
        return not (fn.startswith(pkg + os.sep) or fn.startswith(numerics + os.sep) or "site-packages" in fn
                    or fn.startswith(os.path.dirname(os.__file__)) or fn.startswith("<"))

    mine = [f for f in frames if os.path.realpath(f.filename) in wanted] if wanted else []
    pick = mine or [f for f in frames if foreign(f.filename)]
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if len(first) > 200:
        first = first[:197] + "..."
    where = f" (at {pick[-1].filename}, line {pick[-1].lineno})" if pick else ""
    return f"{type(exc).__name__}{': ' + first if first else ''}{where}"
