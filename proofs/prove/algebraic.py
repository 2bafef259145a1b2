"""Exact zero test of a real algebraic constant: balls of its nodes, an integer polynomial vanishing at it
(resultants, python-flint ``fmpz_mpoly``) and Cauchy's bound on the polynomial's nonzero roots."""
from __future__ import annotations

import functools
import math
from fractions import Fraction

import sympy as sp


def _is_algebraic_number(f) -> bool:
    if f.free_symbols or f.has(sp.pi, sp.E, sp.exp) or f.atoms(sp.Function):
        return False
    return all(p.exp.is_Rational for p in f.atoms(sp.Pow))



class _NotAlgebraic(Exception):
    pass



def _algebraic_balls(f, bits):
    """Ball of every node of a constant sympy expression built from rationals, + * and powers with rational
    exponents (a dict node -> arb). Raises _NotAlgebraic for anything else, and unless every base of a
    negative power is certainly nonzero and every base of a fractional power certainly > 0 (so that roots are
    the real positive ones and no denominator vanishes)."""
    from flint import arb, fmpq

    from numerics.certified.precision import arb_prec

    balls = {}

    def ball(e):
        if e in balls:
            return balls[e]
        if e.is_Rational:
            b = arb(int(e.p)) / int(e.q)
        elif e.is_Add or e.is_Mul:
            parts = [ball(a) for a in e.args]
            b = parts[0]
            for p in parts[1:]:
                b = b + p if e.is_Add else b * p
        elif e.is_Pow and e.exp.is_Rational:
            base = ball(e.base)
            p, q = int(e.exp.p), int(e.exp.q)
            if abs(p) > 256:
                raise _NotAlgebraic("exponent too large for the polynomial route")
            if q == 1:
                if p < 0 and not (base > 0 or base < 0):
                    raise _NotAlgebraic(f"cannot certify {e.base} != 0")
                b = base ** p
            else:
                if not base > 0:
                    raise _NotAlgebraic(f"cannot certify {e.base} > 0")
                b = base ** fmpq(p, q)
        else:
            raise _NotAlgebraic(type(e).__name__)
        if not b.is_finite():
            raise _NotAlgebraic("no finite ball")
        balls[e] = b
        return b

    with arb_prec(bits):
        ball(f)
    return balls



def _annihilating_poly(f, radicals, max_degree=32, max_terms=4000):
    """Integer coefficients (low to high) of a nonzero polynomial P with P(f) = 0, or None.

    Every fractional power ``b**(p/q)`` is ``r**p`` for a new variable ``r`` with ``r**q * den(b) - num(b) = 0``
    (``radicals``: the distinct ``(b, q)``, inner ones first); ``f = N/D`` as polynomials in those variables,
    so ``a*D - N`` vanishes at ``a = f``. Numerators and denominators are reduced modulo the monic relations
    (``r**q = num(b)`` when ``den(b) = 1``: a polynomial identity modulo the relation, so the same value).
    Resultants eliminate the variables from the outermost in; a resultant is ``A*F + B*R`` for polynomials
    ``A``, ``B``, so it still vanishes at the true values. Exact integer arithmetic throughout (python-flint
    ``fmpz_mpoly``)."""
    from flint import fmpz_mpoly_ctx

    degree = 1
    for _, q in radicals:
        degree *= q
    if degree > max_degree or len(radicals) > 5:
        return None  # resultants of that size cost more than the sympy route (and cannot be interrupted)
    k = len(radicals)
    # lex order with the outermost radical first: r_i**q leads its relation (num(b) holds only inner ones)
    names = tuple(f"r{i}" for i in reversed(range(k))) + ("a",)
    ctx = fmpz_mpoly_ctx.get(names, "lex")
    gens = dict(zip(names, ctx.gens()))
    one = ctx.from_dict({(0,) * len(names): 1})
    frac = {}
    monic = {}  # i -> relation r_i**q - num(b), when den(b) = 1

    def reduce(p):
        for i in reversed(range(k)):
            if i in monic and p.degrees()[names.index(f"r{i}")] >= radicals[i][1]:
                p = p % monic[i]
        return p

    def rep(e):  # (num, den): value = num/den at the true values, den != 0 there (see _algebraic_balls)
        if e in frac:
            return frac[e]
        if e.is_Rational:
            out = (one * int(e.p), one * int(e.q))
        elif e.is_Add:
            n, d = rep(e.args[0])
            for a in e.args[1:]:
                n2, d2 = rep(a)
                n, d = (n * d2 + n2 * d, d * d2) if d != d2 else (n + n2, d)
                n, d = reduce(n), reduce(d)
            out = (n, d)
        elif e.is_Mul:
            n, d = rep(e.args[0])
            for a in e.args[1:]:
                n2, d2 = rep(a)
                n, d = reduce(n * n2), reduce(d * d2)
            out = (n, d)
        else:  # Pow with a rational exponent (checked by _algebraic_balls)
            p, q = int(e.exp.p), int(e.exp.q)
            if q == 1:
                n, d = rep(e.base)
            else:
                n, d = gens[f"r{radicals.index((e.base, q))}"], one
            out = (reduce(n ** p), reduce(d ** p)) if p >= 0 else (reduce(d ** -p), reduce(n ** -p))
        frac[e] = out
        return out

    relations = []
    for i, (b, q) in enumerate(radicals):  # inner first: rep(b) may reduce by the relations before it
        nb, db = rep(b)
        rel = gens[f"r{i}"] ** q * db - nb
        relations.append(rel)
        if db.is_one():
            monic[i] = rel
    n, d = rep(f)
    poly = gens["a"] * d - n
    for i in reversed(range(k)):
        if poly.degrees()[names.index(f"r{i}")] == 0:
            continue
        if len(poly) > max_terms:
            return None
        poly = poly.resultant(relations[i], f"r{i}")
        if poly.is_zero():
            return None
    coeffs = {}
    for mono, c in poly.to_dict().items():
        if any(mono[:-1]):
            return None  # not eliminated (cannot happen): no answer
        coeffs[mono[-1]] = int(c)
    if not coeffs:
        return None
    return [coeffs.get(j, 0) for j in range(max(coeffs) + 1)]



def _radicals(f):
    """The distinct (base, q) of the fractional powers ``b**(p/q)`` in f, inner ones first."""
    out = []

    def walk(e):
        for a in e.args:
            walk(a)
        if e.is_Pow and e.exp.is_Rational and e.exp.q != 1:
            key = (e.base, int(e.exp.q))
            if key not in out:
                out.append(key)

    walk(f)
    return out



@functools.lru_cache(maxsize=512)
def _algebraic_zero(f):
    """Exactly decide ``f == 0`` for a real algebraic constant: True, False, or None (cannot decide here).

    ``f`` is built from rationals, ``+``, ``*`` and powers with rational exponents of positive bases (the
    form of activations at ``log`` of algebraic points after ``rewrite(exp)``). A ball of ``f`` excluding 0
    says False. Otherwise a nonzero integer polynomial ``P`` with ``P(f) = 0`` (resultants): if ``P(0) != 0``,
    False; else every nonzero root of ``P`` has modulus at least ``beta = |q_0| / (|q_0| + max |q_i|)`` (Cauchy's
    bound for ``P = x^k Q``), so a ball of ``f`` inside ``(-beta, beta)`` says True. Exact: no float compares,
    no tolerance (a much faster stand-in for sympy's ``minimal_polynomial``)."""
    try:
        balls = _algebraic_balls(f, 128)
    except (_NotAlgebraic, ValueError, ZeroDivisionError, OverflowError):
        return None
    val = balls[f]
    if val > 0 or val < 0:
        return False
    coeffs = _annihilating_poly(f, _radicals(f))
    if coeffs is None:
        return None
    k = next(i for i, c in enumerate(coeffs) if c != 0)
    if k == 0:
        return False  # P(0) != 0 and P(f) = 0
    q = coeffs[k:]
    if len(q) == 1:
        return True  # P = c x^k: its only root is 0
    q0, qmax = abs(q[0]), max(abs(c) for c in q[1:])
    beta = Fraction(q0, q0 + qmax)
    bits = 64 + max(128, int(math.log2(beta.denominator)) - int(math.log2(beta.numerator)) + 8)
    if bits > 1 << 16:
        return None
    from flint import arb

    from numerics.certified.precision import arb_prec

    try:
        val = _algebraic_balls(f, bits)[f]
    except (_NotAlgebraic, ValueError, ZeroDivisionError, OverflowError):
        return None
    with arb_prec(bits):
        if abs(val) < arb(beta.numerator) / beta.denominator:  # the ball of |f| is certainly below beta
            return True
    if val > 0 or val < 0:
        return False
    return None
