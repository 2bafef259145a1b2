r"""Random teacher data for the float64 particle flows: inputs drawn at random, targets from a random teacher measure.

One builder for every float run on teacher data (``escset simulate --teacher``, the dynamics claims): inputs
:math:`x_i \sim N(0, I)/s` (optionally rounded to a number of decimals, so they are short exact decimals), then
``m0`` teacher particles :math:`a_j \sim N(0, I)\,c`, :math:`u_j \sim N(0, I)\,c` with masses 1/m0, and
targets :math:`y_i = f_{\mu^*}(x_i)` from the velocity field's own forward pass (float64). The draws come from the
caller's ``numpy.random.Generator`` in this order — X, then a, then u — and the caller may keep drawing from it
(the initial particles of a run), so seeded results are reproducible bit for bit.

The exact (rational / mpmath) teacher targets of a given measure are
:func:`proofs.problem.inverse_design.teacher_targets` and :func:`~proofs.problem.inverse_design.teacher_targets_exact`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["teacher_data"]


def teacher_data(make_field, rng, *, n: int, m0: int, k: int, q: int, p_u: int, p_x: int, x_scale=1.0,
                 decimals: int | None = None, scale=1.0, particles: bool = False):
    """Teacher data ``(X, Y)``: X (n, p_x) float64, Y (n, k) float64.

    ``make_field(X, Y)`` builds the velocity field of the model on data (X, Y) (a
    :class:`numerics.dynamics.VelocityField`: its ``predict(a, u)`` is used with Y = 0); ``rng`` a
    ``numpy.random.Generator``; ``x_scale`` divides the standard normal inputs (e.g. ``sqrt(d)``), ``decimals``
    rounds them (``numpy.round``), ``scale`` multiplies the teacher particles; ``q, p_u, p_x`` the model's layout
    (:class:`proofs.symbolic.models.Model`). ``particles=True`` also returns the teacher's ``(a0, u0)`` (same
    random stream: the data are bit-identical either way), e.g. to draw them over the student's.
    """
    X = rng.standard_normal((n, p_x)) / x_scale
    if decimals is not None:
        X = np.round(X, decimals)
    teacher = make_field(X, np.zeros((n, k)))
    a0 = rng.standard_normal((m0, k, q)) * scale
    u0 = rng.standard_normal((m0, p_u)) * scale
    Y = np.asarray(teacher.predict(a0, u0), dtype=np.float64)
    return (X, Y, (a0, u0)) if particles else (X, Y)
