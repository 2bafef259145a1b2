"""One exception hierarchy for bad input (STYLE.md "Error handling").

Every error a user can cause derives from :class:`EscsetError`, which subclasses
``ValueError`` so that generic callers still catch it. Messages follow the
"got X, valid is Y, try Z" pattern. The CLI turns these into one line on stderr
and exit code 2.
"""
from __future__ import annotations


class EscsetError(ValueError):
    """Base class of every user-facing error of escset."""


class InvalidArgument(EscsetError):
    """An argument is malformed: wrong shape, NaN, unknown name, bad file."""


class GrammarError(InvalidArgument):
    """An expression string lies outside the restricted grammar."""


class InvalidAssumption(EscsetError):
    """A parameter violates a stated assumption of a claim (e.g. a step size)."""


class InconsistentAssumptions(EscsetError):
    """A set of assumptions is contradictory."""


class NoConvergence(ArithmeticError):
    """A numerical method did not converge; carries the limit that was reached."""

    def __init__(self, message: str, *, limit: object = None):
        super().__init__(message)
        self.limit = limit
