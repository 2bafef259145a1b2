"""The activation variable ``z`` and the decomposition of a univariate expression into pieces.

Below both :mod:`proofs.symbolic.activations` (which derives the certified properties piece by piece) and
:mod:`proofs.symbolic.codegen` (which evaluates piecewise activations on balls piece by piece), so that
neither imports the other for these.
"""
from __future__ import annotations

import sympy as sp

from proofs.errors import InvalidArgument
from proofs.symbolic.functions import relu

__all__ = ["Z"]

Z = sp.Symbol("z", real=True)


class PiecesUnsupported(NotImplementedError, InvalidArgument):
    """sympy cannot split the expression into pieces over intervals (e.g. ``max(sin(z), 0)``: infinitely many
    pieces). A NotImplementedError for the callers that fall back, and an InvalidArgument (one line, exit code 2)
    for the command line."""


def _pieces(expr):
    """Return [(expr_i, interval_i)] covering R (one piece if not piecewise)."""
    e = expr.rewrite(sp.Piecewise) if expr.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, relu) else expr
    e = sp.piecewise_fold(e)
    if isinstance(e, sp.Piecewise):
        try:
            pairs = e.as_expr_set_pairs(sp.S.Reals)
        except NotImplementedError:
            raise PiecesUnsupported(f"cannot split {sp.sstr(expr)[:80]} into pieces on intervals (sympy); valid "
                                    "piecewise activations switch at finitely many points") from None
        return [(sp.piecewise_fold(p), s) for p, s in pairs if not s.is_empty]
    return [(e, sp.S.Reals)]
