"""The exceptions that numerics raises: the base of escset's one error hierarchy (STYLE.md "Error handling").

Defined here so that ``numerics`` never imports ``proofs``; :mod:`proofs.errors` re-exports these same class
objects (``except proofs.errors.InvalidArgument`` catches what numerics raises) and adds the proofs-only ones.
Every error a user can cause derives from :class:`EscsetError`, which subclasses ``ValueError`` so that generic
callers still catch it. Messages follow the "got X, valid is Y, try Z" pattern.
"""
from __future__ import annotations

__all__ = ["EscsetError", "InvalidArgument", "NoConvergence"]


class EscsetError(ValueError):
    """Base class of every user-facing error of escset."""


class InvalidArgument(EscsetError):
    """An argument is malformed: wrong shape, NaN, unknown name, bad file."""


class NoConvergence(ArithmeticError):
    """A numerical method did not converge; carries the limit that was reached."""

    def __init__(self, message: str, *, limit: object = None):
        super().__init__(message)
        self.limit = limit
