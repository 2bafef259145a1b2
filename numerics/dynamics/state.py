"""Particles as a state: the immutable pair ``(a, u)`` of arrays the flows step (MATH.md §1.2)."""
from __future__ import annotations

from numerics.dynamics import backend as B
from numerics.errors import InvalidArgument

__all__ = ["State"]


class State(tuple):
    """Particles ``(a, u)``: a (m, k, q), u (m, p_u); an immutable pair of arrays."""

    def __new__(cls, a, u):
        return super().__new__(cls, (a, u))

    @property
    def a(self):
        return self[0]

    @property
    def u(self):
        return self[1]

    @property
    def m(self) -> int:
        return int(self[1].shape[0])

    def to_numpy(self) -> "State":
        return State(B.to_numpy(self[0]), B.to_numpy(self[1]))


def _invalid(msg):
    return InvalidArgument(msg)
