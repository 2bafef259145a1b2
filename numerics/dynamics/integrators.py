"""Explicit Runge-Kutta tableaus of the particle flows and the divergence signal (MATH.md §1.2).

:class:`ButcherTableau` (each declares its order, and the tests fit it): ``euler`` (1), ``heun`` (2),
``rk4`` (4); :class:`Diverged` is raised by :meth:`numerics.dynamics.ParticleFlow.run` when a run leaves
the finite numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ButcherTableau", "TABLEAUS", "METHODS", "Diverged"]


class Diverged(FloatingPointError):
    """A run left the finite numbers: the loss or the parameters became inf or NaN (step too large for an
    unbounded activation, typically). Raised by :meth:`ParticleFlow.run` with ``state``: the last state whose
    parameters and loss are finite, ``steps_done``: its step count (relative to the run's start), ``step``: the
    step at which the divergence was seen, ``reason``: what was not finite. A callback may raise it (without a
    state) when its own diagnostics of the state it was given are not finite: the run then reports the state
    before that one."""

    def __init__(self, reason: str, *, step=None, state=None, steps_done=None):
        super().__init__(reason if step is None else f"{reason} at step {step}")
        self.reason, self.step, self.state, self.steps_done = reason, step, state, steps_done


def _all_finite(xp, *arrays) -> bool:
    return all(bool(xp.all(xp.isfinite(x))) for x in arrays)


@dataclass(frozen=True)
class ButcherTableau:
    """Explicit Runge-Kutta tableau; ``__post_init__`` checks the consistency identities."""

    name: str
    a: tuple  # lower-triangular rows
    b: tuple
    c: tuple
    order: int

    def __post_init__(self):
        if abs(sum(self.b) - 1) > 1e-15:
            raise ValueError(f"{self.name}: weights b must sum to 1")
        for i, row in enumerate(self.a):
            if len(row) != i or abs(sum(row) - self.c[i]) > 1e-15:
                raise ValueError(f"{self.name}: row {i} of a must have {i} entries summing to c[{i}]")

    @property
    def stages(self) -> int:
        return len(self.b)


TABLEAUS = {
    "euler": ButcherTableau("euler", ((),), (1.0,), (0.0,), 1),
    "heun": ButcherTableau("heun", ((), (1.0,)), (0.5, 0.5), (0.0, 1.0), 2),
    "rk4": ButcherTableau("rk4", ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6),
                          (0.0, 0.5, 0.5, 1.0), 4),
}
METHODS = tuple(TABLEAUS)


def _lin(terms):
    """sum_i c_i v_i over the nonzero coefficients (arrays of one namespace)."""
    out = None
    for c, v in terms:
        if c == 0:
            continue
        t = v if c == 1 else c * v
        out = t if out is None else out + t
    if out is None:
        return terms[0][1] * 0.0
    return out
