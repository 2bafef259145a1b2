"""Bounds of activations that need the prove engine: the rigorous ball enclosure of sup|sigma^(order)| over R where
sympy gives no exact value. The symbolic layer has sympy only; an activation built here
(:func:`with_enclosure`, :func:`get_activation`) passes this enclosure to
:meth:`proofs.symbolic.activations.Activation.sup_abs`."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

from proofs.prove import prove
from proofs.result import Verdict
from proofs.symbolic.activations import Activation, Bound, Z
from proofs.symbolic.activations import get_activation as _sympy_activation

__all__ = ["enclose_sup_abs", "with_enclosure", "get_activation"]


def enclose_sup_abs(act: Activation, order: int, why: str, cap=10 ** 6) -> Bound:
    """Rigorous ball enclosure of sup|sigma^(order)| over R when sympy gives no exact value: the
    branch-and-bound of :func:`proofs.prove.prove` certifies ``|sigma^(order)(z)| <= cap`` on all of R
    (compactified, tails by monotonicity and limits); its certified slack encloses the supremum."""
    stmt = f"|f{chr(39) * order}(z)| <= {cap}"
    try:
        r = prove(stmt, over=["z in R"], functions={"f": lambda x: act.expr.subs(Z, x)},
                  time_limit=8)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the bound unknown, never guessed
        return Bound(None, False, f"{why}; ball enclosure failed ({type(exc).__name__})")
    if r.verdict is Verdict.PROVED and isinstance(r.margin, dict):
        lo = cap - Fraction(r.margin["upper"])
        hi = cap - Fraction(r.margin["lower"])
        return Bound(None, False, f"rigorous ball enclosure over R (branch-and-bound): sup in "
                                  f"[{float(lo):.6g}, {float(hi):.6g}]", enclosure=(max(lo, Fraction(0)), hi))
    return Bound(None, False, f"{why}; the ball branch-and-bound over R was {r.verdict.value} within its "
                              "8 s budget (escset prove with the derivative written out and a larger "
                              "--time-limit can settle it)")


def with_enclosure(act: Activation) -> Activation:
    """The same activation, whose :meth:`~proofs.symbolic.activations.Activation.sup_abs` (and so ``bounded``,
    ``bound`` and ``properties()``) falls back to :func:`enclose_sup_abs` where sympy gives no exact value."""
    if act.enclose is not None:
        return act
    return dataclasses.replace(act, enclose=enclose_sup_abs, _cache={})


def get_activation(spec) -> Activation:
    """:func:`proofs.symbolic.activations.get_activation` (a built-in name or a grammar string), with the ball
    enclosure of :func:`with_enclosure`."""
    return with_enclosure(_sympy_activation(spec))
