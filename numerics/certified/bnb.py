"""Rigorous branch-and-bound for the supremum of a function over a box (python-flint balls).

python-flint exposes ball arithmetic (``arb``) but no global optimiser, so this branch-and-bound is written by hand.
It is the engine under the certified ``sup |Psi_mu|`` of MATH.md §1b (A.1, A.3) and of the box certificates of
MATH.md §3.9 (E2).

What is certified
-----------------
Given ``f`` returning a ball that *encloses* the range of the function over a box of balls (every python-flint
evaluation of a formula built from ``arb`` operations does), :func:`maximize` returns

* ``lower``: the ball ``f(argmax)`` at a concrete point with exact rational coordinates, hence
  ``lower.lower()`` is a certified lower bound of ``sup_box f``;
* ``upper``: an exact ``arb`` (radius 0) that is a certified upper bound of ``sup_box f``: every part of the box
  was either pruned against a value ``f`` actually takes, or is still in the queue with an enclosure below
  ``upper``.

Nothing in the search uses floats for a decision; floats only order the priority queue (a heuristic). If ``f``
returns a non-finite ball on a box (overflow, division by a ball containing 0), that box gets an upper bound
of ``+inf`` and is bisected further; if the budget runs out the result says ``exhausted=True`` and ``upper`` is
``+inf`` or the largest bound still in the queue.

Mean-value form (against the wrapping effect): when ``grad`` encloses the gradient over a box ``B`` with centre
``c``, ``f(B) subset f(c) + grad(B) . (B - c)``; the upper bound of the box is the smaller of the plain and the
mean-value bound. ``grad`` must enclose the gradient of ``f`` over every box it is given (for a Lipschitz ``f`` with
kinks, the Clarke generalised gradient: Lebourg's mean-value theorem then keeps the form valid; a ball Heaviside
that returns [0, 1] on a box containing the kink does this).
"""
from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Rational

__all__ = ["BnbResult", "maximize", "minimize", "as_fraction", "ball_of", "point_ball"]


def as_fraction(v) -> Fraction:
    """An exact :class:`~fractions.Fraction` from an int, Fraction, decimal string or float (floats are dyadic)."""
    if isinstance(v, bool):
        raise TypeError("got a bool for a box coordinate, valid is an int, Fraction, decimal str or float")
    if isinstance(v, (int, Fraction)):
        return Fraction(v)
    if isinstance(v, Rational):
        return Fraction(int(v.numerator), int(v.denominator))
    if isinstance(v, str):
        return Fraction(v.strip())
    if isinstance(v, float):
        return Fraction(v)  # exact: a float is a dyadic rational
    try:  # sympy Rational / Integer, numpy integers
        import sympy as sp

        if isinstance(v, sp.Rational):
            return Fraction(int(v.p), int(v.q))
    except ImportError:  # pragma: no cover
        pass
    try:
        import numpy as np

        if isinstance(v, np.integer):
            return Fraction(int(v))
        if isinstance(v, np.floating):
            return Fraction(float(v))
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"got {type(v).__name__} for a box coordinate, valid is an int, Fraction, decimal str or float")


def _fmpq(q: Fraction):
    from flint import fmpq

    return fmpq(q.numerator, q.denominator)


def point_ball(q) -> "arb":
    """The ball python-flint makes for the exact rational ``q`` (exact when dyadic, else radius 1 ulp)."""
    from flint import arb

    return arb(_fmpq(as_fraction(q)))


def ball_of(lo, hi) -> "arb":
    """A ball containing the interval ``[lo, hi]`` (exact rational endpoints)."""
    from flint import arb

    lo, hi = as_fraction(lo), as_fraction(hi)
    if lo == hi:
        return point_ball(lo)
    return arb.union(arb(_fmpq(lo)), arb(_fmpq(hi)))


@dataclass(frozen=True)
class BnbResult:
    """Outcome of :func:`maximize` / :func:`minimize` (see the module docstring for what is certified).

    For :func:`maximize`: ``lower`` is the ball ``f(argmax)`` (``lower.lower()`` <= sup) and ``upper`` an exact
    upper bound of the sup. For :func:`minimize`: ``upper`` is the ball ``f(argmin)`` (``upper.upper()`` >= inf) and
    ``lower`` an exact lower bound of the inf. ``unresolved`` lists boxes still able to beat the incumbent by more
    than ``tol``; it is empty when the search converged.
    """

    lower: object
    upper: object
    argmax: list
    boxes_explored: int
    unresolved: list = field(default_factory=list)
    exhausted: bool = False
    seconds: float = 0.0

    @property
    def width(self):
        """``upper - lower`` as a ball (a certified bound on the gap when the search converged)."""
        from flint import arb

        lo = self.lower.lower() if isinstance(self.lower, arb) else self.lower
        up = self.upper.upper() if isinstance(self.upper, arb) else self.upper
        return up - lo


def _validate_box(box):
    from numerics.errors import InvalidArgument as invalid

    if not isinstance(box, (list, tuple)) or len(box) == 0:
        raise invalid(f"got box={box!r}, valid is a non-empty list of (lo, hi) pairs")
    out = []
    for i, pair in enumerate(box):
        try:
            lo, hi = pair
            lo, hi = as_fraction(lo), as_fraction(hi)
        except (TypeError, ValueError) as exc:
            raise invalid(f"got box[{i}]={pair!r}, valid is a pair (lo, hi) of exact numbers ({exc})") from None
        if lo > hi:
            raise invalid(f"got box[{i}]=({lo}, {hi}) with lo > hi, valid is lo <= hi")
        out.append((lo, hi))
    return out


def _upper_of(ball):
    """Exact upper bound of a ball as an exact arb, +inf for non-finite balls."""
    from flint import arb

    if not isinstance(ball, arb):
        ball = arb(ball)
    if not ball.is_finite():
        return arb("inf")
    return ball.upper()


def maximize(f, box, *, tol, max_boxes=20000, grad=None, time_limit=None) -> BnbResult:
    """Certified bounds of ``sup_{box} f`` by best-first branch-and-bound on balls (hand-written, see module doc).

    Parameters
    ----------
    f : callable(list[arb]) -> arb
        Encloses ``f`` over the box given as one ball per coordinate.
    box : list of (lo, hi)
        Exact numbers (int, Fraction, decimal str; floats are read as their exact dyadic value).
    tol : number
        Stop when no box can beat the incumbent by more than ``tol`` (absolute).
    max_boxes, time_limit :
        Budget; when it runs out ``exhausted=True`` and the bounds are still valid, only wider.
    grad : callable(list[arb]) -> list[arb], optional
        Gradient enclosure over a box, used for the mean-value form.

    Returns
    -------
    BnbResult
        ``lower`` = ``f(argmax)`` as a ball (its ``lower()`` certifies ``sup >= ``), ``upper`` exact arb with
        ``sup <= upper``, best-first by upper bound, widest-coordinate bisection.
    """
    from flint import arb

    t0 = time.perf_counter()
    boxq = _validate_box(box)
    tol_q = as_fraction(tol)
    if tol_q < 0:
        from numerics.errors import InvalidArgument as invalid

        raise invalid(f"got tol={tol!r}, valid is tol >= 0")
    tol_b = arb(_fmpq(tol_q))
    counter = itertools.count()

    best_val = None  # ball f(best point)
    best_pt = None
    best_lo = arb("-inf")

    def consider_point(pt):
        nonlocal best_val, best_pt, best_lo
        val = f([point_ball(c) for c in pt])
        if not isinstance(val, arb):
            val = arb(val)
        if not val.is_finite():
            return None
        lo = val.lower()
        if best_val is None or lo > best_lo:
            best_val, best_pt, best_lo = val, list(pt), lo
        return val

    explored = 0
    heap = []  # (-float(upper), tiebreak, upper_arb, box); floats only order the queue

    def push(bx):
        """Evaluate a box: incumbent update at its centre, then its certified upper bound."""
        nonlocal explored
        explored += 1
        centre = [(lo + hi) / 2 for lo, hi in bx]
        fc = consider_point(centre)
        balls = [ball_of(lo, hi) for lo, hi in bx]
        up = _upper_of(f(balls))
        if grad is not None and fc is not None and up.is_finite():
            # mean-value form: f(B) subset f(c) + grad(B).(B - c). Only where f itself has a finite enclosure on
            # the box: a derivative formula can be finite where f is not defined (atan(1/z) has derivative
            # -1/(1 + z^2), finite across the pole at 0), and f(c) + grad.(B - c) would then bound a function
            # that does not exist on all of B.
            mv = fc
            for gi, (lo, hi), c in zip(grad(balls), bx, centre):
                mv = mv + gi * ball_of(lo - c, hi - c)
            mv_up = _upper_of(mv)
            if mv_up < up:
                up = mv_up
        if best_val is not None and up <= best_lo:
            return  # prune: the box cannot hold a value above one that f takes
        key = -float(up.mid()) if up.is_finite() else float("-inf")
        heapq.heappush(heap, (key, next(counter), up, bx))

    push(boxq)
    exhausted = False
    while heap:
        key, _, up, bx = heap[0]
        if best_val is not None and up <= best_lo + tol_b:
            break  # converged (exact re-check of every remaining box below)
        if explored >= max_boxes or (time_limit is not None and time.perf_counter() - t0 > time_limit):
            exhausted = True
            break
        widths = [hi - lo for lo, hi in bx]
        j = max(range(len(bx)), key=lambda i: widths[i])
        if widths[j] == 0:  # a point box cannot be bisected: its enclosure is as good as it gets
            exhausted = True
            break
        heapq.heappop(heap)
        lo, hi = bx[j]
        mid = (lo + hi) / 2
        for half in ((lo, mid), (mid, hi)):
            child = list(bx)
            child[j] = half
            push(child)
        if len(heap) > 1024 and best_val is not None and explored % 512 == 0:
            heap = [h for h in heap if not (h[2] <= best_lo)]
            heapq.heapify(heap)

    # certified upper bound of the sup: the max over everything still in the queue and the incumbent
    upper = best_val.upper() if best_val is not None else arb("-inf")
    unresolved = []
    for _, _, up, bx in heap:
        if up > upper or not up.is_finite():
            upper = up if up.is_finite() else arb("inf")
        if best_val is None or not (up <= best_lo + tol_b):
            unresolved.append([(a, b) for a, b in bx])
    if best_val is None:
        best_val = arb("nan")
        best_pt = [(lo + hi) / 2 for lo, hi in boxq]
        exhausted = True
    return BnbResult(lower=best_val, upper=upper, argmax=[Fraction(c) for c in best_pt], boxes_explored=explored,
                     unresolved=unresolved, exhausted=exhausted, seconds=time.perf_counter() - t0)


def minimize(f, box, *, tol, max_boxes=20000, grad=None, time_limit=None) -> BnbResult:
    """Certified bounds of ``inf_{box} f``: :func:`maximize` applied to ``-f``, with the roles swapped.

    Returns a :class:`BnbResult` whose ``upper`` is the ball ``f(argmin)`` at a concrete point
    (``upper.upper()`` >= inf, certified) and whose ``lower`` is an exact arb with ``inf >= lower`` (certified);
    ``argmax`` holds the minimising point (the field name is shared with :func:`maximize`).
    """
    g = None if grad is None else (lambda balls: [-gi for gi in grad(balls)])
    r = maximize(lambda balls: -f(balls), box, tol=tol, max_boxes=max_boxes, grad=g, time_limit=time_limit)
    return BnbResult(lower=-r.upper, upper=-r.lower, argmax=r.argmax, boxes_explored=r.boxes_explored,
                     unresolved=r.unresolved, exhausted=r.exhausted, seconds=r.seconds)
