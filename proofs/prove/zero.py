"""The one "is it zero" decider of escset: :func:`symbolic_zero` (three-valued: ``True`` certainly zero, ``False``
certainly nonzero, ``None`` undecided; only ``True`` may back a ``proved``), its case split for functions with
cases (:func:`zero_by_cases`), and the exact probe points with ball witnesses that certify "nonzero"."""
from __future__ import annotations

import random
import time
from fractions import Fraction

import sympy as sp

from proofs.symbolic.codegen import compile_expr
from proofs.symbolic.functions import to_elementary
from proofs.prove.algebraic import _algebraic_zero, _is_algebraic_number
from proofs.prove.budget import _sympy
from proofs.prove.statement import _concrete
from numerics.certified.precision import arb_prec

__all__ = ["symbolic_zero", "zero_by_cases", "ball_witness", "random_rational_point", "scaled_points", "SCALES"]

SCALES = (1, 10, 100, 1000)


def symbolic_zero(expr, seconds=None) -> bool | None:
    """Is ``expr`` (or every entry of a list, tuple or matrix) identically zero?

    ``True``: sympy reduces it to 0 (activations by their expressions; a constant exactly, through an annihilating
    polynomial when it is algebraic, else sympy's minimal polynomial). ``False``: certainly nonzero: a ball that
    excludes 0 at an exact rational point respecting the symbols' assumptions (sign, integrality), or a nonzero
    constant. ``None``: undecided. Only ``True`` may back a ``proved``. ``seconds`` caps the sympy work on each
    entry (None: no cap; inside ``prove`` its deadline caps it too). Functions with cases that sympy leaves
    undecided (Heaviside, max, relu, Piecewise): :func:`zero_by_cases`."""
    items = list(expr) if isinstance(expr, (list, tuple, sp.MatrixBase)) else [expr]
    undecided = False
    for e in items:
        z = _zero(sp.sympify(e), seconds)
        if z is False:
            return False  # one entry is certainly nonzero
        if z is None:
            undecided = True
    return None if undecided else True


def _zero(d, seconds):
    """:func:`symbolic_zero` of one expression."""
    d = _concrete(d)
    if d == 0:
        return True
    t0 = time.perf_counter()

    def left():
        return None if seconds is None else seconds - (time.perf_counter() - t0)

    if not d.free_symbols:
        f = _sympy(lambda: to_elementary(d).rewrite(sp.exp), seconds)
        if f is not None and f == 0:
            return True
        if f is not None and _is_algebraic_number(f):
            known = _sympy(lambda: _algebraic_zero(f), seconds)
            if known is not None:
                return known
            x = sp.Dummy("x")
            mp = _sympy(lambda: sp.minimal_polynomial(f, x), seconds)
            if mp is not None:
                return sp.expand(mp - x) == 0  # the minimal polynomial of 0 is x; any other: a nonzero constant
    else:
        e = _sympy(lambda: sp.expand(d), left())
        if e is not None and e == 0:
            return True
        if _sympy(lambda: _nonzero_at_a_point(d if e is None else e), left(), False):
            return False  # certified nonzero at a rational point: not an identity
    tries = [lambda: sp.simplify(d), lambda: sp.simplify(to_elementary(d)),
             lambda: sp.simplify(to_elementary(d).rewrite(sp.erf)),
             lambda: sp.simplify(to_elementary(d).rewrite(sp.exp)),
             lambda: sp.simplify(sp.piecewise_fold(to_elementary(d))), lambda: sp.simplify(sp.expand(d))]
    for fn in tries:
        budget = left()
        if budget is not None and budget <= 0:
            break
        r = _sympy(fn, budget)
        if r is not None and r == 0:
            return True
        if r is not None and r.is_number and r.is_zero is False:
            return False  # sympy shows a nonzero constant
    return None


def _nonzero_at_a_point(e) -> bool:
    """A ball excludes 0 at one of the exact probe points (:func:`_seeded_scaled_points`) that respect every
    assumption of the symbols (a coordinate of the wrong sign is mirrored; a point still outside them is skipped)."""
    syms = sorted(e.free_symbols, key=str)
    pos = {x for x in syms if x.is_positive}
    for _, _, pt in _seeded_scaled_points(syms, pos):
        pt = {x: (v if _fits(x, v) else -v) for x, v in pt.items()}
        if all(_fits(x, v) for x, v in pt.items()) and ball_witness(e, syms, pt, bits=(128,)) is not None:
            return True
    return False


def _fits(sym, v) -> bool:
    """The rational ``v`` has every property sympy's assumptions give ``sym`` (positive, nonnegative, integer, ...)."""
    q = sp.Rational(v.numerator, v.denominator)
    return all(getattr(q, "is_" + key, None) in (None, want) for key, want in sym.assumptions0.items())


def _seeded_scaled_points(syms, pos):
    base = random_rational_point(syms, seed=12345, positive=pos)
    for sc in (1, 10, 100, 1000):
        yield 12345, sc, {x: (v if x in pos else v * sc) for x, v in base.items()}


def ball_witness(expr, symbols, point: dict, bits=(128, 256, 512)):
    """Evaluate ``expr`` at an exact rational point in balls at increasing precision.

    Returns the ball when it excludes 0 (a rigorous certificate that expr != 0 there),
    otherwise None.
    """
    try:
        fn = compile_expr(list(symbols), expr, "arb", cse=False)
    except NotImplementedError:  # not compilable for balls (e.g. a multivariate Piecewise): undecided, no witness
        return None
    vals = [point[s] for s in symbols]
    from proofs.symbolic.codegen import to_arb
    for b in bits:
        with arb_prec(b):
            v = fn(*[to_arb(x) for x in vals])
            if not v.contains(0):
                return v, b
    return None


def random_rational_point(symbols, seed=0, positive=()):
    rng = random.Random(seed)
    pt = {}
    for s in symbols:
        v = Fraction(rng.randint(-20, 20), rng.randint(1, 7))
        if s in positive or s.is_positive:  # sizes such as n, m: integers >= 2 (respects the assumptions)
            v = Fraction(rng.randint(2, 6))
        pt[s] = v
    return pt


def scaled_points(symbols, tries, positive=()):
    """Rational points: ``tries`` seeds, each at the scales 1, 10, 100, 1000 (sizes such as n, m unscaled), so
    that a difference supported far from the origin (a kink at z = -100) is reached too."""
    for seed in range(tries):
        base = random_rational_point(symbols, seed=seed, positive=positive)
        for sc in SCALES:
            yield seed, sc, {s: (v if (s in positive or s.is_positive) else v * sc) for s, v in base.items()}


def zero_by_cases(expr) -> bool | None:
    """The case split of an expression with cases (Heaviside, max, min, |.|, sign, relu, Piecewise) that
    :func:`symbolic_zero` left undecided: rewritten as one Piecewise, ``True`` when every branch is 0 where its
    condition holds, ``False`` when a branch is certainly nonzero at a rational point inside its condition,
    ``None`` otherwise (never a proof)."""
    e = sp.piecewise_fold(sp.expand(expr).rewrite(sp.Piecewise))
    if isinstance(e, sp.Piecewise):
        branches = [_branch_zero(ex, c) for ex, c in e.args]
        if all(b is True for b in branches):
            return True
        if any(b is False for b in branches):
            return False
        return None
    if sp.simplify(e) == 0:
        return True
    return None


def _branch_zero(expr, cond):
    """expr == 0 wherever cond holds: True (sympy reduces it to 0 there; equality conditions are used by
    substitution), False (a rational point satisfying cond where balls certify expr != 0), None (undecided).
    Only True may back a proof."""
    if cond is sp.false:
        return True  # an empty branch
    if isinstance(cond, sp.Eq):
        g = cond.lhs - cond.rhs
        for s in sorted(g.free_symbols, key=str):
            if sp.degree(g, s) == 1:
                expr = expr.subs(s, sp.solve(g, s)[0])
                break
    if symbolic_zero(expr) is True:
        return True
    syms = sorted(expr.free_symbols | (cond.free_symbols if cond is not sp.true else set()), key=str)
    if not syms:
        return None
    for _, _, pt in scaled_points(syms, 8):
        try:
            inside = bool(cond.subs({k: sp.Rational(v.numerator, v.denominator) for k, v in pt.items()}))
        except TypeError:
            continue  # the condition did not decide at this point
        if inside and ball_witness(expr, syms, pt) is not None:
            return False
    return None
