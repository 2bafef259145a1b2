"""Exact points of a ``prove`` domain: sample points, balls of an expression at a point, and the point walker
(:func:`_point_status`) that says whether the text as written has a value there."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from proofs.prove.budget import _sympy
from proofs.prove.interval import ext_eval
from proofs.prove.statement import _concrete
from numerics.certified.precision import arb_endpoint_fraction


def _arb_fraction(x) -> Fraction:
    """The exact value of an exact arb (its midpoint)."""
    return arb_endpoint_fraction(x)



def _points(ranges, n, seed):
    """Exact sample points: small special values in the domain, then random ones across it."""
    rng = random.Random(seed)
    specials = [Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-3, 2), Fraction(7, 3)]
    pts = []
    for k in range(len(specials)):
        pt = []
        for i, r in enumerate(ranges):
            z = sp.Rational(specials[(k + i) % len(specials)])
            if not r.contains(z):
                z = r.phi(r.sample_t(rng))
            pt.append(z)
        pts.append(pt)
    while len(pts) < n:
        pts.append([r.phi(r.sample_t(rng)) for r in ranges])
    return pts



def _arb_point(compiled, pt, bits):
    from flint import arb

    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        args = [ext_eval(sp.sympify(z), {}) for z in pt]
        balls = [a[0] if a[0] == a[1] else arb.union(a[0], a[1]) for a in args]
        try:
            return compiled(*balls)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
            return arb("nan")



def _witness_dict(ranges, pt):
    return {r.name: str(z) for r, z in zip(ranges, pt)}



def _constraints_hold_exact(constraints, syms, pt, bits):
    from proofs.symbolic.codegen import compile_expr

    for g, strict, _ in constraints:
        val = _arb_point(compile_expr(syms, g, "arb"), pt, bits)
        if not val.is_finite() or not (val < 0 if strict else val <= 0):
            return False
    return True



def _subs_point(e, sub):
    """``e`` at an exact point. sympy evaluates numeric powers exactly while substituting, and a power whose
    exponent depends on a variable turns into an exact integer power of astronomical size at points near a
    singular exponent ((1 + x)**(1/x) at x = 2**-100): such expressions are substituted without evaluation
    (balls and the interval engine evaluate the unevaluated tree)."""
    if any(p.is_Pow and p.exp.free_symbols for p in sp.preorder_traversal(e)):
        with sp.evaluate(False):
            return e.xreplace(sub)
    return e.subs(sub)



def _certainly_undefined(e, syms, pt) -> bool:
    """sympy decides exactly that ``e`` has no real value at the exact point (a pole: ``zoo``; ``0 * zoo``:
    ``nan``; a complex value such as ``I*sqrt(2)/2``). False when it is defined there or undecided."""
    try:
        val = _sympy(lambda: _subs_point(_concrete(e), dict(zip(syms, pt))), 5.0)
    except Exception:  # noqa: BLE001 - sympy failed: undecided
        return False
    if val is None:
        return False
    if val.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return True
    if val.is_number and val.is_extended_real is False:
        return True
    return _undefined_node_at(_concrete(e), dict(zip(syms, pt)))



def _sign_at(x, sub):
    """Sign of the sub-expression ``x`` at the exact point: 0 by sympy (exact), +-1 by a ball at 128 bits;
    None if undecided."""
    x = _subs_point(x, sub)
    if x.is_zero:
        return 0
    b = _true_ball(x, 128)
    if b is None:
        return None
    return 1 if b > 0 else (-1 if b < 0 else None)



def _point_status(e, sub):
    """Whether ``e`` as written has a value at the exact point ``sub``, node by node: ``True`` when every node is
    certified inside its domain (bases of fractional powers >= 0, > 0 for negative exponents; denominators != 0;
    log arguments > 0; Piecewise by the branch its conditions choose at the point), ``False`` when a node is
    certified outside it (a root or fractional power of a negative number, a log of a number <= 0, a negative
    power of 0), ``None`` when undecided. Signs by balls at 128 bits, zeros by sympy (exact). sympy's value at a
    point can be real where the text is not (``log(-1)**2`` becomes ``-pi**2``)."""
    status = True
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, sp.Piecewise):
            for piece, cond in n.args:
                c = cond.subs(sub) if hasattr(cond, "subs") else cond
                if c == True:  # noqa: E712
                    stack.append(piece)
                    break
                if c != False:  # noqa: E712
                    status = None  # the branch taken is undecided: nothing below it is certified either way
                    break
            else:
                return False  # no branch applies at the point
            continue
        if n.is_Pow and not n.exp.is_Integer:
            sg = _sign_at(n.base, sub)
            if sg is None:
                status = None
            elif sg < 0 or (sg == 0 and not n.exp.is_positive):
                if not (n.exp.is_Rational and (sg < 0 or n.exp < 0)):
                    status = None  # a variable exponent may be an integer at the point: (-1)**x at x = 1
                else:
                    return False
        elif n.is_Pow and n.exp.is_Integer and n.exp < 0:
            sg = _sign_at(n.base, sub)
            if sg == 0:
                return False
            if sg is None:
                status = None
        elif isinstance(n, sp.log):
            sg = _sign_at(n.args[0], sub)
            if sg is not None and sg <= 0:
                return False
            if sg is None:
                status = None
        stack.extend(n.args)
    return status



def _defined_at(e, sub) -> bool:
    """Every node of ``e`` as written is certified inside its domain at the exact point (see
    :func:`_point_status`): a witness or an exact value is used only where this holds."""
    return _point_status(e, sub) is True



def _value_at(e, syms, pt, bits):
    """Ball of ``e`` at the exact point, or None when the text is not certified defined there."""
    ec = _concrete(e)
    sub = dict(zip(syms, pt))
    if not _defined_at(ec, sub):
        return None
    return _true_ball(_subs_point(ec, sub), bits)



def _undefined_node_at(e, sub) -> bool:
    """A node of ``e`` is certified outside its domain at the exact point (see :func:`_point_status`)."""
    return _point_status(e, sub) is False



def _true_ball(e, bits):
    """Ball of a constant sympy expression (piecewise conditions already decided by sympy); None if undefined."""
    from flint import arb

    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        lo, hi = ext_eval(_concrete(e), {})
        if isinstance(lo, float) or isinstance(hi, float):
            return None
        return lo if lo == hi else arb.union(lo, hi)
