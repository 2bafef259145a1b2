r"""Certify one line of a proof: an identity or an inequality with explicit constants (``escset prove``).

>>> r = prove("sigmoid'(z) <= 1/4", over=["z in R"])          # doctest: +SKIP
>>> r.verdict                                                   # doctest: +SKIP
<Verdict.PROVED: 'proved'>

Statements are written in the restricted grammar of :mod:`proofs.symbolic.grammar` plus
the toolkit's named objects: every built-in activation by name (``sigmoid``,
``tanh``, ``erf``, ``softplus``, ``relu``, ``identity``, ``square``, and the cubic
smooth step of MATH.md §6.2 as ``cubic_step``), with derivatives written
``sigmoid''(z)``; the constants ``pi`` and ``E``. Variables range over intervals
given by ``over`` (:mod:`proofs.prove.domain`); ``assume`` adds constraints
between them (``"x <= y"``).

What is certified
-----------------
* ``==``: ``proved`` only when sympy reduces LHS - RHS to 0 (symbols carry the
  sign assumptions of their ranges; constants through their minimal polynomial).
  Otherwise, when every partial derivative of LHS - RHS reduces to 0, LHS - RHS
  is 0 exactly at one point, and the branch-and-bound certifies that it is
  defined (finite enclosures) on the whole connected domain, ``proved`` too
  (``atan(z) + atan(1/z) == pi/2`` on ``(0, oo)``; refuted on ``R``).
  Otherwise LHS - RHS is evaluated at many exact rational points: a python-flint
  ball that excludes 0 (confirmed at twice the precision) ``refutes`` with that
  point; agreement at every point is reported ``inconclusive`` with
  ``numerical=True`` and the largest discrepancy, never ``proved``.
* ``<= < >= >``: the claim is ``v <= 0`` (``v < 0`` if strict) for the violation
  ``v`` (``LHS - RHS`` for ``<=``). A rigorous branch-and-bound
  (:mod:`numerics.certified.bnb`) on python-flint balls bounds ``sup v`` over the whole
  domain:

  - unbounded variables are compactified (``z = t/(1-|t|)``, ``z = a + t/(1-t)``);
    boxes reaching infinity, or an open end where a function blows up, are bounded
    by the extended interval evaluator (:mod:`proofs.prove.interval`), refined
    where intervals lose the sign (``oo - oo``, ``0 * oo``) by monotonicity
    (interval sign of the derivative; then the range is spanned by the value at
    the finite end and the sympy limit) or by ``prod f_i = exp(sum log f_i)``;
    and by monotone faces (``dv/dz <= 0`` towards infinity puts the supremum on
    the finite face);
  - piecewise functions (``cubic_step``) are split into cells at their
    breakpoints, each cell with the formula of its piece, so every point keeps its
    true value in the cell sympy assigns it to;
  - a non-strict bound attained at a point ``z*`` (``sup|sigmoid'| = 1/4`` at 0) is
    proved when ``v(z*) = 0`` is shown exactly (sympy; for an algebraic value, an
    integer polynomial vanishing at it, by resultants, and Cauchy's bound on its
    nonzero roots, see ``_algebraic_zero``) and interval arithmetic shows
    that ``z*`` maximises ``v`` on a box around it (``v`` monotone towards ``z*``
    in every coordinate, or concave there with ``grad v(z*) = 0`` exactly); the
    rest of the domain is then covered by the branch-and-bound. Candidates for
    ``z*`` come from rational snapping, range ends, mirror images of maximisers
    already certified, closed-form guesses (Newton at 40 digits, then small integer
    polynomials for ``z*``, ``exp(z*)``, ``exp(2 z*)``), sympy's ``solveset`` and
    ``nsimplify``, all verified exactly. A candidate where the true ``v`` is ``> 0``
    (a ball at four times the working precision, confirmed at eight) refutes.

  ``proved``: the certified upper bound of ``sup v`` is ``<= 0`` (``< 0`` if
  strict). ``refuted``: an exact point of the domain where the ball of the *true*
  ``v`` (piecewise conditions decided by sympy) is ``> 0`` (``>= 0`` if strict),
  confirmed at twice the precision, or where equality holds exactly for a strict
  claim. Otherwise ``inconclusive`` with the certified enclosure of the supremum
  and the unresolved boxes. A statement undefined at a point of the domain (a
  pole inside it, ``log`` at a closed end) is never ``proved``. A strict bound
  approached only at infinity (``sigmoid(z) < 1``) is proved in one variable when
  ``v`` is real-analytic, monotone towards infinity with limit <= 0 and somewhere
  < 0 (so it never reaches the limit). Mean-value forms, monotone faces and local
  certificates are used only where ``v`` has no jump (no Heaviside, sign,
  unsplit piecewise).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import random
import re
import signal
import threading
import time
from fractions import Fraction

import sympy as sp

from proofs.errors import GrammarError, InvalidArgument
from proofs.symbolic.functions import relu, sigmoid, softplus, to_elementary
from proofs.symbolic.grammar import CONSTANTS, parse_relation
from proofs.prove.domain import Range, parse_ranges
from proofs.prove.interval import INF, _hull, ext_eval, ext_eval_defined
from proofs.result import CheckResult, Verdict
from numerics.certified.precision import arb_endpoint_fraction, outward_decimal

__all__ = ["prove", "named_functions", "parse_statement"]

_JUMPS = (sp.Piecewise, sp.Heaviside, sp.sign, sp.DiracDelta, sp.floor, sp.ceiling)
# atoms that are not real-analytic wherever defined (fractional powers are excluded separately)
_NOT_ANALYTIC = _JUMPS + (sp.Abs, sp.Max, sp.Min, relu)
_OPS_LATEX = {"==": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">"}


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_box(seconds):
    """Interrupt a sympy call after ``seconds`` (main thread only; elsewhere no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class _BudgetSpent(BaseException):  # BaseException: no "except Exception" in a step may swallow it
    """The wall-clock budget of the current ``prove`` call is spent (see :data:`_DEADLINE`)."""


#: the wall-clock deadline (``time.perf_counter()`` value) of the ``prove`` call in progress, or None: every
#: sympy call is capped to it and every box evaluation checks it, so ``--time-limit`` holds to within about a
#: second (a sympy call is interrupted by SIGALRM in the main thread; elsewhere the cooperative checks bound it)
_DEADLINE: contextvars.ContextVar = contextvars.ContextVar("escset_prove_deadline", default=None)


def _check_deadline():
    dl = _DEADLINE.get()
    if dl is not None and time.perf_counter() > dl:
        raise _BudgetSpent()


def _sympy(fn, seconds=5.0, default=None):
    dl = _DEADLINE.get()
    if dl is not None:
        left = dl - time.perf_counter()
        if left <= 0:
            raise _BudgetSpent()
        seconds = left if seconds is None else min(seconds, left)
    try:
        with _time_box(seconds):
            return fn()
    except _Timeout:
        if dl is not None and time.perf_counter() >= dl:
            raise _BudgetSpent() from None
        return default
    except (_BudgetSpent, KeyboardInterrupt):
        raise
    except Exception:  # noqa: BLE001 - an optional symbolic step that sympy cannot do: no answer, never a guess
        return default


# ---------------------------------------------------------------------------
# named objects
# ---------------------------------------------------------------------------
def named_functions() -> dict:
    """Grammar functions for every built-in activation (``cubic-step`` is spelled ``cubic_step``)."""
    from proofs.symbolic.activations import BUILTINS

    fns = {"sigmoid": sigmoid, "softplus": softplus, "relu": relu, "tanh": sp.tanh, "erf": sp.erf,
           "identity": lambda x: x, "square": lambda x: x ** 2}
    for name, act in BUILTINS.items():
        ident = name.replace("-", "_")
        if ident not in fns:
            fns[ident] = act.function(0)
    return fns


def _concrete(expr):
    """Substitute activation function classes by their expressions (for sympy and interval work)."""
    return expr.replace(
        lambda e: isinstance(e, sp.Function) and hasattr(type(e), "activation"),
        lambda e: type(e).activation.derivative(type(e).order).subs(
            sp.Symbol("z", real=True), e.args[0]))


_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*'*")


def _implicit_variables(statement, functions):
    """Names in the statement that are neither functions nor constants: variables over R by default."""
    names = []
    for m in _NAME_RE.finditer(statement):
        name = m.group(0).rstrip("'")
        rest = statement[m.end():].lstrip()
        if rest.startswith("(") or name in CONSTANTS or name in functions or name in ("oo", "inf"):
            continue
        if name not in names:
            names.append(name)
    return names


def parse_statement(statement, over=(), assume=(), functions=None, partial=None):
    """Parse the statement, its domain and assumptions: (lhs, op, rhs, ranges, constraints).

    ``functions`` adds grammar functions (name -> callable building a sympy expression), e.g. a user activation.
    ``partial``: a list receiving the nodes of the text that may be undefined (see ``parse_relation``)."""
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgument(f"got statement {statement!r}; valid is a string 'LHS == RHS' or 'LHS <= RHS'")
    fns = named_functions()
    fns.update(functions or {})
    ranges = parse_ranges(over)
    if not ranges:
        ranges = [Range(n, -sp.oo, sp.oo, False, False) for n in _implicit_variables(statement, fns)]
    for r in ranges:
        if r.name in fns or r.name in CONSTANTS:
            raise InvalidArgument(f"variable {r.name!r} in --over clashes with a function or constant name; "
                                  "rename the variable")
    syms = [r.symbol for r in ranges]
    try:
        lhs, op, rhs = parse_relation(statement, variables=syms, functions=fns, partial=partial)
    except GrammarError as exc:
        hint = " (declare every variable with --over, e.g. --over 'z in R')" if "unknown name" in str(exc) else ""
        raise GrammarError(f"{exc}{hint}") from None
    for side in (lhs, rhs):
        if side.has(sp.Derivative, sp.Subs):
            raise InvalidArgument(f"{statement!r}: sympy cannot differentiate a function of it symbolically "
                                  "(e.g. abs'(z)); write the derivative explicitly, e.g. sign(z)")
        if side.has(sp.DiracDelta) or side.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise InvalidArgument(f"{statement!r} is not a function on the domain (a distributional derivative "
                                  "or an infinite constant); valid are derivatives of order where the "
                                  "function is defined pointwise, e.g. relu'(z) but not relu''(z)")
    if isinstance(assume, str):
        assume = [assume]
    constraints = []
    for a in assume or ():
        cl, cop, cr = parse_relation(a, variables=syms, functions=fns)
        if cop == "==":
            raise InvalidArgument(f"got --assume {a!r}; equalities are not supported as assumptions, valid are "
                                  "<= < >= > (substitute the equality into the statement instead)")
        g = cl - cr if cop in ("<=", "<") else cr - cl  # constraint g <= 0 (or < 0)
        constraints.append((g, cop in ("<", ">"), a))
    return lhs, op, rhs, ranges, constraints


# ---------------------------------------------------------------------------
# number formatting with outward rounding
# ---------------------------------------------------------------------------
def _arb_fraction(x) -> Fraction:
    """The exact value of an exact arb (its midpoint)."""
    return arb_endpoint_fraction(x)


def _fmt(x, up: bool, digits: int = 6) -> str:
    """A decimal string rounded outward (down or up) to ``digits`` significant digits."""
    if isinstance(x, float):
        return "inf" if x > 0 else "-inf"
    return outward_decimal(x, up, digits)


def _enclosure_str(lo, hi) -> str:
    return f"[{_fmt(lo, False)}, {_fmt(hi, True)}]"


# ---------------------------------------------------------------------------
# identities
# ---------------------------------------------------------------------------
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


def _symbolic_zero(d, seconds=8.0) -> bool:
    """sympy proves d == 0 (constants: exactly, through an annihilating polynomial when algebraic)."""
    d = _concrete(d)
    if d == 0:
        return True
    t0 = time.perf_counter()
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
                return sp.expand(mp - x) == 0
    tries = [lambda: sp.simplify(d), lambda: sp.simplify(to_elementary(d)),
             lambda: sp.simplify(to_elementary(d).rewrite(sp.erf)),
             lambda: sp.simplify(to_elementary(d).rewrite(sp.exp)),
             lambda: sp.simplify(sp.piecewise_fold(to_elementary(d)))]
    for fn in tries:
        left = seconds - (time.perf_counter() - t0)
        if left <= 0:
            break
        r = _sympy(fn, left)
        if r is not None and r == 0:
            return True
    return False


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


def _partial_nodes(e):
    """The nodes of ``e`` that may be undefined somewhere: powers with a negative or fractional exponent,
    and function applications (log, atan of a quotient, ...). If every such node of the two sides of a
    statement also occurs in the expression the engine evaluates, a certified enclosure of that expression
    certifies the sides defined (every node of the tree is evaluated, and "not certified defined"
    propagates); if sympy cancelled one (``1/x - 1/x`` is 0), the sides need their own certificate."""
    e = _concrete(e)
    return {n for n in sp.preorder_traversal(e)
            if (n.is_Pow and not (n.exp.is_Integer and n.exp >= 0))
            or (isinstance(n, sp.Function) and not isinstance(n, _TOTAL_FUNCTIONS))}


#: functions defined and continuous wherever their arguments are (the others, log and user functions, are
#: partial nodes of :func:`_partial_nodes`)
_TOTAL_FUNCTIONS = (sp.exp, sp.tanh, sp.erf, sp.erfc, sp.atan, sp.sinh, sp.cosh, sp.asinh, sp.sin, sp.cos,
                    sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside, sp.Piecewise, sigmoid, softplus, relu)


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


def _definedness(exprs, ranges, constraints, bits, time_limit=10.0, max_boxes=4000):
    """Certify that every expression is defined, real and continuous on the whole domain (where the
    constraints hold): a cover of the compactified domain by boxes, each with a certified enclosure that
    excludes "not certified defined" (:mod:`proofs.prove.interval`: a pole, a log or root of a possibly
    negative argument, a complex intermediate value is never enclosed; ball arithmetic gives nan there).
    Boxes are bisected (widest side first) until covered; box centres are checked exactly, so an undefined
    point met on the way is exhibited. Returns ``("defined", None)``, ``("undefined", point)`` with an exact
    domain point where one expression is undefined, or ``("unknown", None)`` (budget spent)."""
    from numerics.certified.bnb import ball_of
    from numerics.certified.precision import arb_prec

    syms = [r.symbol for r in ranges]
    if not ranges:
        for e in exprs:
            if _certainly_undefined(e, [], []):
                return ("undefined", [])
            if _true_ball(_concrete(e), 128) is None:
                return ("unknown", None)
        return ("defined", None)
    t0 = time.perf_counter()
    boxes_left = max_boxes
    for e in exprs:
        prob = _Problem(e, ranges, constraints)
        stack = [list(prob.t_box)]
        with arb_prec(bits):
            while stack:
                if boxes_left <= 0 or time.perf_counter() - t0 > time_limit:
                    return ("unknown", None)
                boxes_left -= 1
                bx = stack.pop()
                if prob.defined_on([ball_of(a, b) for a, b in bx]) is not False:
                    continue  # certified defined, or outside the constraints
                centre = [(a + b) / 2 for a, b in bx]
                z = prob.z_of(centre)
                if all(c is not None for c in z) and all(r.contains(c) for r, c in zip(ranges, z)) and \
                        _certainly_undefined(e, syms, z) and \
                        (not constraints or _constraints_hold_exact(constraints, syms, z, bits)):
                    return ("undefined", z)
                j = max(range(len(bx)), key=lambda k: bx[k][1] - bx[k][0])
                a, b = bx[j]
                if b - a < Fraction(1, 2 ** 200):
                    return ("unknown", None)
                m = (a + b) / 2
                for half in ((m, b), (a, m)):
                    child = list(bx)
                    child[j] = half
                    stack.append(child)
    return ("defined", None)


def _obligations(partial, *sides):
    """The nodes of the text that may be undefined (from the parser, see ``parse_relation``) and that are
    not nodes of the given expressions (where the engine's certificate already covers them)."""
    have = set()
    for e in sides:
        have |= _partial_nodes(e)
    need = set()
    for n in partial or ():
        need |= _partial_nodes(n)
    return sorted(need - have, key=sp.default_sort_key)


def _undefined_result(text, pt, ranges, assumptions, dom, latex, t0, scope_note=""):
    if not ranges:
        return CheckResult(
            claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision="exact (sympy)",
            method="definedness check", assumptions=assumptions, instance="", scope="universal",
            statement=latex, witness={"undefined_at": {}},
            message=f"the statement has no real value{scope_note}: a constant in it is undefined over the reals",
            stats={"seconds": time.perf_counter() - t0, "latex": latex})
    where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, pt))
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision="exact (sympy)",
        method="definedness check", assumptions=assumptions, instance=dom, scope="universal",
        statement=latex, witness={"undefined_at": _witness_dict(ranges, pt)},
        message=(f"the statement is undefined at {where}, which the domain contains{scope_note}; exclude it "
                 "with an open end or --assume"),
        stats={"seconds": time.perf_counter() - t0, "latex": latex})


#: ball precisions (multiples of the working precision) tried at the worst sample point of an identity
#: that neither sympy nor the samples decided, before it is reported inconclusive
IDENTITY_ESCALATION = (4, 8, 16, 32)


def _prove_identity(text, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions, partial=()):
    import mpmath

    from numerics.certified.precision import dps_to_bits, workdps

    from proofs.symbolic.codegen import compile_expr

    syms = [r.symbol for r in ranges]
    d = lhs - rhs
    dom = ", ".join(str(r) for r in ranges)
    latex = _latex_line(lhs, "==", rhs, ranges, text)
    bits = dps_to_bits(dps)
    defined = None  # definedness of both sides on the whole domain, certified once, when a route needs it

    def both_defined():
        nonlocal defined
        if defined is None:
            defined = _definedness([lhs, rhs], ranges, constraints, bits)
        return defined

    if _symbolic_zero(d):
        state, pt = both_defined()
        if state == "undefined":
            return _undefined_result(text, pt, ranges, assumptions, dom, latex, t0)
        if state == "defined":
            return CheckResult(
                claim=text, verdict=Verdict.PROVED, margin="0", precision=f"exact (sympy) + arb {bits} bits",
                method="sympy.simplify; ball branch-and-bound: both sides defined on the domain",
                assumptions=assumptions, instance=dom, scope="universal", statement=latex,
                message=(f"sympy reduces LHS - RHS to 0, and both sides are defined and real on all of "
                         f"{dom or 'the constants'} (certified enclosures on a cover of the compactified domain)"
                         f". LaTeX: {latex}"),
                stats={"seconds": time.perf_counter() - t0, "latex": latex})
        if state == "unknown":
            return CheckResult(
                claim=text, verdict=Verdict.INCONCLUSIVE, margin="0", precision=f"exact (sympy) + arb {bits} bits",
                method="sympy.simplify; definedness not certified", assumptions=assumptions, instance=dom,
                scope="universal", statement=latex,
                message=("sympy reduces LHS - RHS to 0, but that both sides are defined on all of "
                         f"{dom} was not certified within the budget (a pole or an undefined region may sit "
                         "between the sampled points). Knobs: an open end or --assume that excludes the "
                         "suspected point, or a narrower --over"),
                stats={"seconds": time.perf_counter() - t0, "latex": latex})
    z0 = _derivative_identity(d, ranges, constraints, bits, seed)
    if z0 is not None and both_defined()[0] == "undefined":
        return _undefined_result(text, both_defined()[1], ranges, assumptions, dom, latex, t0)
    if z0 is not None and both_defined()[0] == "defined":
        where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, z0))
        return CheckResult(
            claim=text, verdict=Verdict.PROVED, margin="0", precision=f"exact (sympy) + arb {bits} bits",
            method="sympy: every partial derivative of LHS - RHS is 0, LHS - RHS = 0 at a point; "
                   "ball branch-and-bound: defined and continuous on the (connected) domain",
            assumptions=assumptions, instance=dom, scope="universal", statement=latex,
            message=(f"the derivative of LHS - RHS reduces to 0 (sympy), LHS - RHS = 0 exactly at {where}, and "
                     f"LHS - RHS is defined and continuous on all of {dom} (certified enclosures on a cover of "
                     f"the compactified domain), so it vanishes identically. LaTeX: {latex}"),
            stats={"seconds": time.perf_counter() - t0, "latex": latex, "anchor": _witness_dict(ranges, z0)})
    arb_d = compile_expr(syms, d, "arb")
    mp_l = compile_expr(syms, lhs, "mpmath")
    mp_r = compile_expr(syms, rhs, "mpmath")
    worst, worst_pt, used = mpmath.mpf(0), None, 0

    def refute_at(pt, b):
        """REFUTED when the ball of LHS - RHS at the exact point excludes 0 at b and 2b bits (at a point where
        the text as written is defined)."""
        sub = dict(zip(syms, pt))
        if not all(_defined_at(_concrete(n), sub) for n in list(partial) + [lhs, rhs]):
            return None
        ball = _arb_point(arb_d, pt, b)
        if not (ball.is_finite() and not (0 in ball)):
            return None
        ball2 = _arb_point(arb_d, pt, 2 * b)
        if not (ball2.is_finite() and not (0 in ball2)):
            return None
        wit = _witness_dict(ranges, pt)
        wit["LHS - RHS"] = _enclosure_str(ball2.lower(), ball2.upper())
        return CheckResult(
            claim=text, verdict=Verdict.REFUTED, margin=ball2, precision=f"arb {2 * b} bits",
            method="python-flint ball at an exact point", witness=wit, assumptions=assumptions,
            instance=dom,
            message=(f"LHS - RHS is in {_enclosure_str(ball2.lower(), ball2.upper())}"
                     + (f" at {', '.join(f'{k} = {v}' for k, v in _witness_dict(ranges, pt).items())}"
                        if ranges else "")
                     + ", which excludes 0 (ball arithmetic at two precisions)"),
            stats={"points": used + 1, "seconds": time.perf_counter() - t0, "latex": latex, "_point": pt})

    undefined_pt = None  # a sample point where the text is certainly undefined (reported if nothing refutes)
    for pt in _points(ranges, samples, seed):
        if constraints and not _constraints_hold_exact(constraints, syms, pt, bits):
            continue
        if undefined_pt is None and any(_undefined_node_at(_concrete(n), dict(zip(syms, pt)))
                                        for n in list(partial) + [lhs, rhs]):
            undefined_pt = pt
        res = refute_at(pt, bits)
        if res is not None:
            return res
        with workdps(dps):
            try:
                args = [mpmath.mpf(sp.Rational(z).p) / sp.Rational(z).q if z.is_Rational else mpmath.mpf(sp.N(z, dps))
                        for z in pt]
                a, b = mp_l(*args), mp_r(*args)
                if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc):
                    continue  # a complex value: the statement is not defined (over R) at this point
                err = abs(a - b) / max(mpmath.mpf(1), abs(a), abs(b))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                continue
            if not mpmath.isfinite(err):
                continue
            used += 1
            if err > worst or worst_pt is None:
                worst, worst_pt = err, pt
    if undefined_pt is not None:
        return _undefined_result(text, undefined_pt, ranges, assumptions, dom, latex, t0)
    if used == 0:
        return CheckResult(
            claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision=f"{dps} dps (mpmath)",
            method="sympy.simplify, then sampling", assumptions=assumptions, instance=dom, numerical=True,
            message="sympy could not reduce LHS - RHS to 0 and no sample point was in the domain of both sides; "
                    "check --over and --assume",
            stats={"points": 0, "seconds": time.perf_counter() - t0, "latex": latex})
    # a difference below the working precision (1e-50 at 30 digits) is still a difference: escalate the
    # ball precision at the worst point (x4 ... x32 bits, each confirmed at twice that) before giving up
    for factor in IDENTITY_ESCALATION:
        res = refute_at(worst_pt, factor * bits)
        if res is not None:
            return res
    with workdps(dps):
        worst_s = mpmath.nstr(worst, 5)
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=worst_s, precision=f"{dps} dps (mpmath)",
        method="sympy.simplify failed; randomised high-precision evaluation", assumptions=assumptions,
        instance=dom, numerical=True, witness={"largest_discrepancy_at": _witness_dict(ranges, worst_pt)},
        message=(f"NOT a proof: sympy could not reduce LHS - RHS to 0; the sides agree to a relative "
                 f"discrepancy of at most {worst_s} at {used} points ({dps} digits) and no ball excluded 0 "
                 f"(at the worst point up to {IDENTITY_ESCALATION[-1] * 2} times the working precision). "
                 "Knobs: rewrite the identity in simpler terms, or raise --dps to sharpen the numerical evidence"),
        stats={"points": used, "seconds": time.perf_counter() - t0, "latex": latex})


_LATEX_NAMES = {"sigmoid": r"\operatorname{sigmoid}", "tanh": r"\tanh", "erf": r"\operatorname{erf}",
                "softplus": r"\operatorname{softplus}", "relu": r"\operatorname{relu}",
                "identity": r"\operatorname{id}", "square": r"\operatorname{sq}",
                "cubic_step": r"\sigma_{\mathrm{cubic}}"}


def _display_function(name, order=0, _cache={}):
    """An opaque sympy function printing as ``\tanh''(z)``; its derivative is the next order."""
    key = (name, order)
    if key not in _cache:
        def fdiff(fself, argindex=1):
            return _display_function(name, order + 1)(fself.args[0])

        def _latex(fself, printer, exp=None):
            primes = "'" * order if order < 4 else f"^{{({order})}}"
            body = rf"{_LATEX_NAMES[name]}{primes}\left({printer._print(fself.args[0])}\right)"
            return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

        _cache[key] = type(f"display_{name}_{order}", (sp.Function,),
                           {"nargs": 1, "fdiff": fdiff, "_latex": _latex, "is_real": True})
    return _cache[key]


def _derivative_identity(d, ranges, constraints, bits, seed):
    """Prove d == 0 on the domain when sympy cannot reduce d itself: every partial derivative reduces to 0,
    d vanishes exactly at one point, and d is defined and continuous on the whole domain (a product of
    intervals, hence connected; no constraints). Definedness is certified by the branch-and-bound on d and
    -d: every box of a cover of the compactified domain gets a finite enclosure, and no centre is undefined.
    Returns the anchor point, or None."""

    if constraints or not ranges:
        return None
    dc = _concrete(d)
    if dc.has(*_JUMPS):
        return None
    syms = [r.symbol for r in ranges]
    t0 = time.perf_counter()
    for s_ in syms:
        if time.perf_counter() - t0 > 10 or not _symbolic_zero(sp.diff(dc, s_), 5.0):
            return None
    z0 = None
    for pt in _points(ranges, 12, seed):
        if not all(r.contains(z) for r, z in zip(ranges, pt)):
            continue
        e = _subs_point(dc, dict(zip(syms, pt)))
        if _value_at(dc, syms, pt, 128) is not None and _symbolic_zero(e, 4.0):
            z0 = pt
            break
    if z0 is None:
        return None
    # d defined (hence continuous: no jumps) on all of the connected domain: a certified cover
    if _definedness([d], ranges, [], bits)[0] != "defined":
        return None
    return z0


def _latex_line(lhs, op, rhs, ranges, text=None):
    """The LaTeX of what is claimed; from the user's text when it parses (activations keep their names and
    primes), else from the sympy expressions."""
    quant = ", ".join(r.latex() for r in ranges)
    body = None
    if text is not None:
        try:
            fns = dict(named_functions())
            for name in _LATEX_NAMES:
                fns[name] = _display_function(name)
            dl, dop, dr = parse_relation(text, variables=[r.symbol for r in ranges], functions=fns)
            body = f"{sp.latex(dl)} {_OPS_LATEX[dop]} {sp.latex(dr)}"
        except Exception:  # noqa: BLE001 - display only
            body = None
    if body is None:
        body = f"{sp.latex(lhs)} {_OPS_LATEX[op]} {sp.latex(rhs)}"
    return rf"\forall {quant}:\quad {body}" if quant else body


# ---------------------------------------------------------------------------
# inequalities
# ---------------------------------------------------------------------------
class _Problem:
    """The violation ``v`` over the compactified box, with its ball and interval evaluators."""

    def __init__(self, v, ranges, constraints):
        from flint import arb

        from proofs.symbolic.codegen import compile_expr

        self.ranges = ranges
        self.syms = [r.symbol for r in ranges]
        by_name = {s.name: s for s in self.syms}

        def rename(e):  # expressions may use the domain's symbols; a cell's symbols carry other assumptions
            return e.subs({fs: by_name[fs.name] for fs in e.free_symbols if fs.name in by_name and fs != by_name[fs.name]})

        v = rename(v)
        constraints = [(rename(g), strict, text) for g, strict, text in constraints]
        self.v = v
        self.n = len(ranges)
        self.v_arb = compile_expr(self.syms, v, "arb")
        self.v_ext = _concrete(v)
        # continuity and a.e. differentiability: needed by the mean-value form, the monotone faces at infinity
        # and the local maximum certificate (a jump would break all three)
        self.smooth = not self.v_ext.has(*_JUMPS)
        self._dnode = {}
        self._node_limits = {}
        self._depth = 0
        self._dv_ext = {}
        self._grad_arb = None
        self._limits = {}
        self.constraints = [(compile_expr(self.syms, g, "arb"), _concrete(g), strict) for g, strict, _ in constraints]
        self.undefined = []  # centres (t) where v had no finite ball
        self.on_undefined = None  # callback(centre t) run when one is recorded (see _run_cell)
        self.strict_infinity = False  # see ext_upper: boxes at infinity may answer "v < 0 here"
        self._strict_marker = arb(2) ** -200
        self.analytic = not self.v_ext.has(*_NOT_ANALYTIC) and all(
            p.exp.is_Integer for p in self.v_ext.atoms(sp.Pow))
        self.critical = {}  # exact point -> expression whose gradient sympy solved to vanish there
        self.holes = []  # [(z box, v_star)]: v <= v_star on that box (certified locally)
        self.ends = []
        for r in ranges:
            c_lo = None if not r.lo.is_finite else _const_ball(r.lo)
            c_hi = None if not r.hi.is_finite else _const_ball(r.hi)
            self.ends.append((c_lo, c_hi))
        from flint import ctx

        self._point_bits = max(ctx.prec - 8, 16)
        self.t_box = [r.t_box for r in ranges]
        self.t_box_arb = [(arb(_fq(a)), arb(_fq(b))) for a, b in self.t_box]
        self._arb = arb

    # -- the map t -> z ------------------------------------------------------
    def zmap(self, balls):
        """z intervals for a box of t balls; and the open finite ends of the domain that the box touches,
        ``{symbol: (end, ...)}`` with exact rational ends (``False`` if none): a zero of a denominator or of a
        log argument exactly there is a limit, not a point of the domain (:mod:`proofs.prove.interval`).
        Irrational open ends are not listed: there every zero at an end stays "not certified defined"."""
        ivs, open_end = [], {}
        for r, s_, t, (c_lo, c_hi), (tb_lo, tb_hi) in zip(self.ranges, self.syms, balls, self.ends,
                                                          self.t_box_arb):
            tl, th = t.lower(), t.upper()
            # the ball of a box is slightly wider than the box (radius rounding): clamp to the t range
            tl = tb_lo if tl < tb_lo else tl
            th = tb_hi if th > tb_hi else th
            k = r.kind
            if not r.lo_closed and r.lo.is_finite and r.lo.is_Rational and tl <= tb_lo:
                open_end.setdefault(s_, []).append(r.lo)
            if not r.hi_closed and r.hi.is_finite and r.hi.is_Rational and th >= tb_hi:
                open_end.setdefault(s_, []).append(r.hi)
            if k == "bounded":
                ivs.append((tl, th))
            elif k == "bounded-irrational":
                zl = c_lo + tl * (c_hi - c_lo)
                zh = c_lo + th * (c_hi - c_lo)
                ivs.append((zl.lower(), zh.upper()))
            elif k == "right-half":
                zl = c_lo + tl / (1 - tl) if tl < 1 else None
                ivs.append((zl.lower() if zl is not None else INF, (c_lo + th / (1 - th)).upper() if th < 1 else INF))
            elif k == "left-half":
                zh = c_hi + th / (1 + th) if th > -1 else None
                ivs.append(((c_hi + tl / (1 + tl)).lower() if tl > -1 else -INF, zh.upper() if zh is not None else -INF))
            else:
                zl = (tl / (1 - abs(tl))).lower() if tl > -1 else -INF
                zh = (th / (1 + (-abs(th)))).upper() if th < 1 else INF
                ivs.append((zl, zh))
        return ivs, ({k_: tuple(v) for k_, v in open_end.items()} or False)

    def _box(self, balls):
        """``zmap`` of a box plus its z balls when every side is finite (``None`` when one reaches infinity)."""
        ivs, open_end = self.zmap(balls)
        finite = all(not isinstance(a, float) and not isinstance(b, float) for a, b in ivs)
        zb = [a if a == b else self._arb.union(a, b) for a, b in ivs] if finite else None
        return ivs, open_end, zb

    def defined_on(self, balls):
        """True when v has a certified enclosure on the box (balls where every side is finite, else the interval
        engine, which handles infinite sides and open-end limits); None when the constraints certainly exclude
        the box (nothing to certify there); False otherwise."""
        ivs, open_end, zb = self._box(balls)
        if self.constraints and self.feasible(zb, ivs, open_end) is False:
            return None
        if zb is not None:
            try:
                if self.v_arb(*zb).is_finite():
                    return True
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
                pass
        return ext_eval_defined(self.v_ext, dict(zip(self.syms, ivs)), open_end,
                                self.refine if self.smooth else None) is not None

    def dzdt(self, balls):
        out = []
        for r, t, (c_lo, c_hi) in zip(self.ranges, balls, self.ends):
            k = r.kind
            if k == "bounded":
                out.append(self._arb(1))
            elif k == "bounded-irrational":
                out.append(c_hi - c_lo)
            elif k == "right-half":
                out.append(1 / (1 - t) ** 2)
            elif k == "left-half":
                out.append(1 / (1 + t) ** 2)
            else:
                out.append(1 / (1 - abs(t)) ** 2)
        return out

    # -- evaluation ----------------------------------------------------------
    def feasible(self, zb, ivs, open_end):
        """True (certainly), False (certainly not) or None for the constraints on a box."""
        state = True
        for g_arb, g_ext, strict in self.constraints:
            val = g_arb(*zb) if zb is not None else None
            if val is None or not val.is_finite():
                lo, hi = ext_eval(g_ext, dict(zip(self.syms, ivs)), open_end)
                ok = (hi < 0 if strict else hi <= 0) if not isinstance(hi, float) else False
                bad = (lo >= 0 if strict else lo > 0) if not isinstance(lo, float) else False
            else:
                ok = val < 0 if strict else val <= 0
                bad = val >= 0 if strict else val > 0
            if bad:
                return False
            if not ok:
                state = None
        return state

    def f(self, balls):
        """Ball whose upper end bounds v above on the box; a true enclosure of v at a point."""
        _check_deadline()
        arb = self._arb
        # a point of the search (bnb evaluates box centres): exact, or one rounding of a non-dyadic rational.
        # Its ball must be a true enclosure (its lower end is used as a lower bound of the sup): never the
        # upper-bound-only answers of the extended evaluator below.
        point = all(b.rad() == 0 or b.rel_accuracy_bits() >= self._point_bits for b in balls)
        ivs, open_end, zb = self._box(balls)
        finite = zb is not None
        if self.constraints:
            feas = self.feasible(zb, ivs, open_end)
            if feas is False or (point and feas is not True):
                return arb("nan") if point else arb(-(2 ** 64))  # empty: any bound is an upper bound
        hole = self._in_hole(ivs) if self.holes and finite else None
        if hole is not None:
            # v <= v(z*) = 0 on the certified box, and sup v >= v(z*) = 0 exactly (sympy): 0 is both a valid
            # upper bound there and a valid lower bound of the sup (the result records z*, not this point)
            return arb(hole[1])
        if finite:
            try:
                val = self.v_arb(*zb)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
                val = arb("nan")
            if val.is_finite():
                return val
            if point:
                # a centre where v has no finite ball: perhaps a point where the statement is undefined (a pole
                # the extended evaluator would otherwise take for a limit at a box end); checked after the run
                if len(self.undefined) < 8:
                    self.undefined.append([b.mid() for b in balls])
                    if self.on_undefined is not None:
                        self.on_undefined(self.undefined[-1])  # may stop the search (an exact undefined point)
                return val
        hi = self.ext_upper(ivs, open_end, 0)
        # boxes: only the upper end is read by the branch-and-bound (numerics/certified/bnb.py uses f(box).upper())
        return arb("inf") if isinstance(hi, float) else arb(hi)

    def _in_hole(self, ivs):
        for hole in self.holes:
            if all(a >= lo and b <= hi for (a, b), (lo, hi) in zip(ivs, hole[0])):
                return hole
        return None

    def dv_ext(self, i):
        if i not in self._dv_ext:
            self._dv_ext[i] = _factored(_concrete(sp.diff(self.v, self.syms[i])))
        return self._dv_ext[i]

    def limit(self, i, side):
        key = (i, side)
        if key not in self._limits:
            lim = _sympy(lambda: sp.limit(to_elementary(self.v_ext), self.syms[i], sp.oo if side > 0 else -sp.oo),
                         5.0)
            val = None
            if lim is not None and lim.is_real and lim.is_finite and not lim.free_symbols:
                val = ext_eval(lim, {})
            elif lim is -sp.oo:
                val = (-INF, -INF)
            self._limits[key] = val
        return self._limits[key]

    def ext_upper(self, ivs, open_end, depth):
        """Upper bound of v on a box with infinite (or singular) sides: intervals, then monotone faces."""
        env = dict(zip(self.syms, ivs))
        refine = self.refine if self.smooth else None
        iv = ext_eval_defined(self.v_ext, env, open_end, refine)
        if iv is None:
            return INF  # v not certified defined on the box: no bound, and no monotone argument either
        lo, hi = iv
        # strict mode: a bound of exactly 0 at infinity is not enough; try the strict limit argument below
        want_more = self.strict_infinity and not isinstance(hi, float) and hi >= 0
        if (not isinstance(hi, float) and not want_more) or depth > self.n or not self.smooth:
            return hi
        for i, (a, b) in enumerate(ivs):
            r, (c_lo, c_hi) = self.ranges[i], self.ends[i]
            inf_hi, inf_lo = isinstance(b, float), isinstance(a, float)
            # a side at infinity, or at an open finite end of the range (where v may be singular)
            sing_lo = inf_lo or (not r.lo_closed and c_lo is not None and c_lo.rad() == 0 and a == c_lo)
            sing_hi = inf_hi or (not r.hi_closed and c_hi is not None and c_hi.rad() == 0 and b == c_hi)
            if sing_lo == sing_hi:
                continue
            dlo, dhi = ext_eval(self.dv_ext(i), env, open_end, refine)
            dec = not isinstance(dhi, float) and dhi <= 0
            inc = not isinstance(dlo, float) and dlo >= 0
            if sing_hi and dec and not isinstance(a, float):  # v non-increasing towards the end: sup at z_i = a
                return self.ext_upper(ivs[:i] + [(a, a)] + ivs[i + 1:], open_end, depth + 1)
            if sing_lo and inc and not isinstance(b, float):
                return self.ext_upper(ivs[:i] + [(b, b)] + ivs[i + 1:], open_end, depth + 1)
            if self.n == 1 and ((inf_hi and inc) or (inf_lo and dec)):
                lim = self.limit(i, 1 if inf_hi else -1)
                if lim is not None:
                    if self.strict_infinity and self.analytic and not isinstance(lim[1], float) and lim[1] <= 0:
                        # v is monotone towards infinity with limit <= 0, real-analytic and not constant on the
                        # connected domain (checked by the caller): it never reaches its limit, so v < 0 on
                        # every point of this box. The marker says exactly that ("< 0 here"), not a sup bound.
                        return -self._strict_marker
                    return lim[1]
        return hi

    def refine(self, node, env, open_end):
        """A better interval for a sum/product node that came out unbounded on a box reaching infinity.

        Two rigorous arguments, for a node in one variable x whose interval is half-infinite:
        (1) the node is monotone there (interval sign of its derivative): its range is the hull of its value at
        the finite end and its sympy limit at infinity; (2) a product whose factors each have one sign on the
        box: ``node = s * exp(sum log|f_i|)``, and the sum of logs is evaluated again (``x exp(-x^2)`` becomes
        ``exp(log x - x^2)``, monotone). Depth-limited; ``None`` when neither applies.
        """
        if self._depth >= 4 or node.has(*_JUMPS):
            return None
        half = [s_ for s_ in node.free_symbols if s_ in env and
                isinstance(env[s_][0], float) != isinstance(env[s_][1], float)]
        if len(half) != 1 or len(node.free_symbols) != 1:
            return None
        sym = half[0]
        a, b = env[sym]
        inf_hi = isinstance(b, float)
        if not inf_hi and b < 0:
            # reflect x -> -x: a left tail becomes a right tail (same range)
            self._depth += 1
            try:
                return self.refine(node.subs(sym, -sym), {**env, sym: (-b, INF)}, open_end)
            finally:
                self._depth -= 1
        node = _strip_abs(node, env)  # |a| with a of one sign on the box: a or -a (sympy limits like that)
        self._depth += 1
        try:
            out = self._refine_monotone(node, sym, env, open_end, a, b, inf_hi)
            if out is None and node.is_Mul and inf_hi and not isinstance(a, float) and a > 0:
                out = self._refine_log(node, sym, env, open_end)
            return out
        finally:
            self._depth -= 1

    def _refine_monotone(self, node, sym, env, open_end, a, b, inf_hi):
        if node not in self._dnode:
            self._dnode[node] = _node_derivative(node, sym)
        dlo, dhi = ext_eval(self._dnode[node], env, open_end, self.refine)
        inc = not isinstance(dlo, float) and dlo >= 0
        dec = not isinstance(dhi, float) and dhi <= 0
        if not (inc or dec):
            return None
        face = a if inf_hi else b
        flo, fhi = ext_eval(node, {**env, sym: (face, face)}, open_end)
        key = (node, inf_hi)
        if key not in self._node_limits:
            lim = _node_limit(node, sym, inf_hi)
            val = None
            if lim is sp.oo:
                val = (INF, INF)
            elif lim is -sp.oo:
                val = (-INF, -INF)
            elif lim is not None and lim.is_real and lim.is_finite and not lim.free_symbols:
                val = ext_eval(lim, {})
            self._node_limits[key] = val
        lim = self._node_limits[key]
        if lim is None or (isinstance(flo, float) and isinstance(fhi, float)):
            return None
        return _hull([(flo, fhi), lim])

    def _refine_log(self, node, sym, env, open_end):
        from flint import arb

        sign, logs = 1, []
        for f in node.args:
            lo, hi = ext_eval(f, env, open_end, self.refine)
            if not isinstance(lo, float) and lo >= 0:
                logs.append(f)
            elif not isinstance(hi, float) and hi <= 0:
                sign, logs = -sign, logs + [-f]
            else:
                return None
        key = ("log", node)
        if key not in self._dnode:
            p = sp.Dummy("p", positive=True)
            # x > 0 on the box: expand_log is exact for a positive symbol
            L = sp.Add(*[sp.expand_log(sp.log(f.subs(sym, p)), force=False) for f in logs])
            self._dnode[key] = L.subs(p, sym)
        L = self._dnode[key]
        # log of a factor that reaches 0 is -oo there, and exp(-oo) = 0: consistent in the extended reals
        llo, lhi = ext_eval(L, env, True, self.refine)
        if isinstance(lhi, float):
            return None
        hi = lhi.exp().upper()
        lo = arb(0) if isinstance(llo, float) else llo.exp().lower()
        return (lo, hi) if sign > 0 else (-hi, -lo)

    def grad(self, balls):
        from proofs.symbolic.codegen import compile_expr

        arb = self._arb
        if self._grad_arb is None:
            try:
                self._grad_arb = compile_expr(self.syms, [sp.diff(self.v, s) for s in self.syms], "arb")
            except Exception:  # noqa: BLE001 - a derivative the ball printer cannot compile: no mean-value form
                self._grad_arb = False
        if self._grad_arb is False:
            return [arb("nan")] * self.n
        zb = self._box(balls)[2]
        if zb is None:
            return [arb("nan")] * self.n
        try:
            g = self._grad_arb(*zb)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
            return [arb("nan")] * self.n
        g = g if isinstance(g, (list, tuple)) else [g]
        return [gi * di for gi, di in zip(g, self.dzdt(balls))]

    def value_at(self, pt, bits):
        """Ball of v at an exact point (sympy numbers), at ``bits`` of precision."""
        return _arb_point(self.v_arb, pt, bits)

    def z_of(self, t_pt):
        return [r.phi(t) for r, t in zip(self.ranges, t_pt)]


# Derivatives and limits of the one-variable nodes refined at infinity, shared between problems: the cells of
# one statement (split at a kink) and later statements meet the same nodes in symbols with other sign
# assumptions. Keyed on the node with its variable renamed to one real symbol: a relabelling, the same
# function; the answer is renamed back. Only definite answers are kept (a sympy timeout is not cached).
_NODE_VAR = sp.Dummy("x", real=True)
_NODE_DERIVATIVES: dict = {}
_NODE_LIMITS: dict = {}


def _node_derivative(node, sym):
    key = node.xreplace({sym: _NODE_VAR})
    if key not in _NODE_DERIVATIVES and -key in _NODE_DERIVATIVES:
        # the mirrored cell of a symmetric statement meets -node: (-f)' = -(f')
        return (-_NODE_DERIVATIVES[-key]).xreplace({_NODE_VAR: sym})
    if key not in _NODE_DERIVATIVES:
        if len(_NODE_DERIVATIVES) > 4096:
            _NODE_DERIVATIVES.clear()
        _NODE_DERIVATIVES[key] = _factored(sp.diff(key, _NODE_VAR))
    return _NODE_DERIVATIVES[key].xreplace({_NODE_VAR: sym})


def _node_limit(node, sym, inf_hi):
    key = (node.xreplace({sym: _NODE_VAR}), inf_hi)
    neg = (-key[0], inf_hi)
    if key not in _NODE_LIMITS and neg in _NODE_LIMITS:
        return -_NODE_LIMITS[neg]  # lim(-f) = -lim(f)
    if key not in _NODE_LIMITS:
        lim = _sympy(lambda: sp.limit(to_elementary(key[0]), _NODE_VAR, sp.oo if inf_hi else -sp.oo), 3.0)
        if len(_NODE_LIMITS) > 4096:
            _NODE_LIMITS.clear()
        _NODE_LIMITS[key] = lim  # None (sympy failed or timed out) is cached too: the same node is met per box
    return _NODE_LIMITS[key]


def _const_ball(c):
    from flint import arb

    lo, hi = ext_eval(sp.sympify(c), {})
    return lo if lo == hi else arb.union(lo, hi)


def _snap_candidates(prob, z_approx, known=()):
    """Exact candidate maximisers near a float point, cheapest first (a generator: the caller stops at the
    first one it can certify): rationals of small denominator and range ends; mirror images ``-c`` of the
    points ``known`` (already certified maximisers: even functions have mirrored ones); then (in one variable)
    closed-form guesses from small integer polynomials satisfied by ``z*``, ``exp(z*)`` or ``exp(2 z*)``, the
    exact critical points sympy's solveset finds nearby, and ``nsimplify`` guesses. Guesses are only guesses:
    the caller verifies every candidate exactly."""
    seen = []
    per_coord = []
    for r, z in zip(prob.ranges, z_approx):
        opts = []
        for den in (1, 2, 3, 4, 6, 8, 10, 12, 16, 100, 1000):
            q = Fraction(z).limit_denominator(den)
            s = sp.Rational(q.numerator, q.denominator)
            if abs(float(s) - z) < 1e-3 and s not in opts:
                opts.append(s)
        for end, closed in ((r.lo, r.lo_closed), (r.hi, r.hi_closed)):
            if end.is_finite and closed and abs(float(end) - z) < 1e-3 and end not in opts:
                opts.append(end)
        per_coord.append(opts[:3])
    import itertools

    for k, combo in enumerate(itertools.product(*per_coord)):
        if k > 24:
            break
        seen.append(list(combo))
        yield list(combo)
    for c in known:
        mirror = [-ci for ci in c]
        near = _sympy(lambda: all(abs(float(sp.N(m, 20)) - z) < 1e-3 * max(1.0, abs(z))
                                  for m, z in zip(mirror, z_approx)), 1.0, False)
        if near and mirror not in seen:
            seen.append(mirror)
            yield mirror
    root = _newton_root(prob, z_approx)
    if prob.n == 1 and root is not None:
        for g in _algebraic_guesses(root[0]):
            if [g] not in seen:
                seen.append([g])
                yield [g]
    if prob.n == 1:
        zs = prob.syms[0]
        zf = sp.Float(z_approx[0], 30)

        def sign_at(e):
            val = _sympy(lambda: sp.N(to_elementary(e.args[0]).subs(zs, zf), 30), 2.0)
            if val is None or not val.is_real:
                return e
            return e.args[0] if val > 0 else -e.args[0]

        vs = prob.v_ext.replace(lambda e: isinstance(e, sp.Abs), sign_at)
        dv = to_elementary(sp.diff(vs, zs))
        width = 1e-2 * max(1.0, abs(z_approx[0]))
        # rational ends of the search interval (its ends need not be simple: the interval only limits the search)
        lo = sp.Rational(Fraction(z_approx[0] - width).limit_denominator(10 ** 6))
        hi = sp.Rational(Fraction(z_approx[0] + width).limit_denominator(10 ** 6))
        crit = _sympy(lambda: sp.solveset(dv, zs, sp.Interval(lo, hi)), 5.0)
        if isinstance(crit, sp.FiniteSet):
            for c in crit:
                # sympy solved d(vs)/dz = 0 there: remembered so the concavity test need not re-prove it
                prob.critical[(c,)] = vs
                if [c] not in seen:
                    seen.append([c])
                    yield [c]
    for g in _polished_guesses(prob, root):
        if g not in seen:
            seen.append(g)
            yield g


def _newton_root(prob, z_approx, dps=40):
    """An interior critical point near ``z_approx`` to ``dps`` digits (Newton on the gradient of ``v`` with the
    signs of its absolute values fixed there), as decimal strings; None when Newton fails or wanders off.
    Only a numerical guess for the closed-form guessers below."""
    import mpmath

    from numerics.certified.precision import workdps

    from proofs.symbolic.codegen import compile_expr

    subs = dict(zip(prob.syms, [sp.Float(z, 30) for z in z_approx]))

    def sign_at(e):
        val = _sympy(lambda: sp.N(to_elementary(e.args[0]).subs(subs), 30), 2.0)
        if val is None or not val.is_real:
            return e
        return e.args[0] if val > 0 else -e.args[0]

    vs = prob.v_ext.replace(lambda e: isinstance(e, sp.Abs), sign_at)
    if vs.has(*_JUMPS):
        return None
    try:
        grad = compile_expr(prob.syms, [sp.diff(vs, s_) for s_ in prob.syms], "mpmath")
        with workdps(dps):
            if prob.n == 1:
                root = [mpmath.findroot(lambda x: grad(x)[0], mpmath.mpf(z_approx[0]))]
            else:
                root = list(mpmath.findroot(lambda *xs: grad(*xs), [mpmath.mpf(z) for z in z_approx]))
            if any(abs(r - z) > 1e-2 * (1 + abs(z)) for r, z in zip(root, z_approx)):
                return None
            return [mpmath.nstr(r, dps - 5) for r in root]
    except Exception:  # noqa: BLE001 - no convergence / not differentiable there: no guess
        return None


def _algebraic_guesses(txt, dps=35, max_degree=4):
    """Closed forms ``a``, ``log(a)`` or ``log(a)/2`` (``a`` a real root, in radicals, of an integer polynomial
    of degree <= 4 that mpmath's ``findpoly`` finds for ``z*``, ``exp(z*)`` or ``exp(2 z*)``) close to the
    decimal ``txt``. The critical points of activations built from exp (sigmoid, tanh) are of the log form.
    Only guesses (numerical integer relations): every one is verified exactly by the caller."""
    import mpmath

    from numerics.certified.precision import workdps

    x = sp.Dummy("x")
    out = []
    with workdps(dps):
        z = mpmath.mpf(txt)
        targets = [(z, lambda a: a), (mpmath.exp(z), sp.log), (mpmath.exp(2 * z), lambda a: sp.log(a) / 2)]
        for deg in sorted({2, max_degree}):
            for val, back in targets:
                try:
                    coeffs = mpmath.findpoly(val, deg, maxcoeff=1000)
                except Exception:  # noqa: BLE001 - no relation found: no guess
                    coeffs = None
                if not coeffs:
                    continue
                poly = sp.Poly([int(c) for c in coeffs], x)
                roots = _sympy(lambda: sp.roots(poly, filter="R"), 2.0, {}) or {}
                for r in roots:
                    # square roots only, and short: cube roots of the general cubic/quartic formulas make the
                    # exact check costly and are hardly ever the closed form wanted
                    if r.has(sp.I) or sp.count_ops(r) > 40 or any(
                            p.exp.is_Rational and p.exp.q > 2 for p in r.atoms(sp.Pow)):
                        continue
                    if not _sympy(lambda: abs(sp.N(r, dps) - val) < 10 ** (10 - dps), 1.0, False):
                        continue
                    g = back(r)
                    if g not in out:
                        out.append(g)
                if out:
                    return out
    return out


def _polished_guesses(prob, root, dps=40):
    """Closed-form guesses of an interior critical point: the Newton ``root`` (decimal strings, see
    ``_newton_root``) through ``nsimplify`` (radicals, pi, E). Only guesses: every one is verified exactly
    before it is used."""
    if root is None:
        return []
    guess = []
    for txt in root:
        g = _sympy(lambda: sp.nsimplify(sp.Float(txt, dps - 5), [sp.pi, sp.E], tolerance=10.0 ** (8 - dps)), 3.0)
        if g is None or (g.is_Rational and g.q > 10 ** 6) or g.has(sp.Float):
            return []
        guess.append(g)
    return [guess]


def _factored(d):
    """Common factors out: (1 - 2x^2) e^{-x^2}, not e^{-x^2} - 2x^2 e^{-x^2}, so that a sign survives interval
    evaluation (the dependency problem). Same value; only the form changes."""
    return _sympy(lambda: sp.factor(d), 1.0, None) or _sympy(lambda: sp.factor_terms(d), 1.0, d)


def _strip_abs(expr, env):
    """Replace |a| by a or -a where the interval of a on the box has one sign (exact there)."""
    def fix(e):
        lo, hi = ext_eval(e.args[0], env)
        if not isinstance(lo, float) and lo >= 0:
            return e.args[0]
        if not isinstance(hi, float) and hi <= 0:
            return -e.args[0]
        return e
    return expr.replace(lambda e: isinstance(e, sp.Abs), fix)


def _exact_value_zero(expr, syms, pt) -> bool:
    """sympy shows expr(pt) = 0 exactly (after a ball pre-check)."""
    e = _subs_point(_concrete(expr), dict(zip(syms, pt)))
    val = _value_at(expr, syms, pt, 128)  # None where the text is undefined (sympy's value may still be real)
    if val is None or 0 not in val:
        return False
    return _symbolic_zero(e, 4.0)


def _true_ball(e, bits):
    """Ball of a constant sympy expression (piecewise conditions already decided by sympy); None if undefined."""
    from flint import arb

    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        lo, hi = ext_eval(_concrete(e), {})
        if isinstance(lo, float) or isinstance(hi, float):
            return None
        return lo if lo == hi else arb.union(lo, hi)


def _local_max_box(prob, pt, bits):
    """A z box around pt (clamped to the ranges) on which v <= v(pt) is certified, or None.

    Interval (endpoint-exact) evaluation of the partial derivatives: v is non-decreasing in z_i below pt_i and
    non-increasing above it, for every i (then v(z) <= v(pt) by moving one coordinate at a time); or v is
    concave on the box (Gershgorin on the interval Hessian) and grad v(pt) = 0 exactly (sympy).
    """
    from flint import arb

    from numerics.certified.precision import arb_prec

    grad_zero = {}
    with arb_prec(bits):
        c = [_const_ball(z) for z in pt]
        for rad in (Fraction(1, 8), Fraction(1, 64), Fraction(1, 512), Fraction(1, 4096)):
            box = []
            for r, ci in zip(prob.ranges, c):
                lo = ci - arb(rad.numerator) / rad.denominator
                hi = ci + arb(rad.numerator) / rad.denominator
                if r.lo.is_finite:
                    lo = lo.max(_const_ball(r.lo))
                if r.hi.is_finite:
                    hi = hi.min(_const_ball(r.hi))
                box.append((lo.lower(), hi.upper()))
            # on the box, |a| with a of one sign is a or -a: differentiate that (no sign() jumps)
            vb = _strip_abs(prob.v_ext, dict(zip(prob.syms, box)))
            if vb.has(*_JUMPS):
                continue
            # the sign arguments below need v defined and continuous on the whole box: a factored derivative
            # can be finite across a pole of v
            if ext_eval_defined(prob.v_ext, dict(zip(prob.syms, box))) is None:
                continue
            grads = [_factored(sp.diff(vb, s)) for s in prob.syms]
            ok = True
            for i in range(prob.n):
                for side in (-1, 1):
                    sub = list(box)
                    sub[i] = (box[i][0], c[i].upper()) if side < 0 else (c[i].lower(), box[i][1])
                    if sub[i][0] >= sub[i][1]:
                        continue  # pt is at the end of the range on this side
                    glo, ghi = ext_eval(grads[i], dict(zip(prob.syms, sub)))
                    good = (not isinstance(glo, float) and glo >= 0) if side < 0 else \
                           (not isinstance(ghi, float) and ghi <= 0)
                    if not good:
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                return box
            gkey = tuple(grads)
            if prob.critical.get(tuple(pt)) == vb:
                grad_zero[gkey] = True
            if gkey not in grad_zero:
                gz = [g.subs(dict(zip(prob.syms, pt))) for g in grads]
                grad_zero[gkey] = all(_symbolic_zero(g, 3.0) for g in gz)
            if not grad_zero[gkey]:
                continue
            hess = [[_factored(sp.diff(g, b)) for b in prob.syms] for g in grads]
            env = dict(zip(prob.syms, box))
            good = True
            for i in range(prob.n):
                lo, hi = ext_eval(hess[i][i], env)
                if isinstance(hi, float):
                    good = False
                    break
                row = hi
                for j in range(prob.n):
                    if j != i:
                        a, b = ext_eval(hess[i][j], env)
                        if isinstance(a, float) or isinstance(b, float):
                            good = False
                            break
                        row = (row + (abs(a)).max(abs(b))).upper()
                if not good or not row <= 0:
                    good = False
                    break
            if good:
                return box
    return None


def _prove_constant(text, v, op, strict, dps, t0, assumptions, latex):
    from numerics.certified.precision import dps_to_bits

    bits = dps_to_bits(dps)
    for b in (bits, 4 * bits):
        val = _arb_point(_compile0(v), [], b)
        if val.is_finite() and (val < 0 or (not strict and val <= 0)):
            return CheckResult(claim=text, verdict=Verdict.PROVED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", assumptions=assumptions,
                               message=f"the violation is in {_enclosure_str(val.lower(), val.upper())} (< 0 proves it). "
                                       f"LaTeX: {latex}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex})
        if val.is_finite() and (val > 0 or (strict and val >= 0)):
            return CheckResult(claim=text, verdict=Verdict.REFUTED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", witness={}, assumptions=assumptions,
                               message=f"the violation is in {_enclosure_str(val.lower(), val.upper())}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex, "_point": []})
    if _symbolic_zero(v):
        verdict = Verdict.REFUTED if strict else Verdict.PROVED
        return CheckResult(claim=text, verdict=verdict, margin="0", precision="exact (sympy)",
                           method="sympy.simplify", witness={} if strict else None, assumptions=assumptions,
                           message="both sides are equal (sympy)" + ("" if strict else f". LaTeX: {latex}"),
                           stats={"seconds": time.perf_counter() - t0, "latex": latex, "_point": []})
    return CheckResult(claim=text, verdict=Verdict.INCONCLUSIVE, precision=f"arb {4 * bits} bits",
                       method="python-flint ball", assumptions=assumptions,
                       message="the two constants could not be separated; raise --dps",
                       stats={"seconds": time.perf_counter() - t0, "latex": latex})


def _compile0(v):
    from proofs.symbolic.codegen import compile_expr

    return compile_expr([], v, "arb")


def _box_strs(prob, box):
    """A t box mapped back to z, as decimal strings (outward)."""
    from flint import arb

    balls = [arb.union(arb(_fq(a)), arb(_fq(b))) for a, b in box]
    ivs, _ = prob.zmap(balls)
    return {r.name: [_fmt(a, False, 8), _fmt(b, True, 8)] for r, (a, b) in zip(prob.ranges, ivs)}


def _fq(q):
    from flint import fmpq

    return fmpq(q.numerator, q.denominator)


def _linear_breakpoint(cond):
    """(symbol, c) when the relational condition is ``a*x + b op 0`` in one variable x (rational a, b)."""
    if not isinstance(cond, sp.core.relational.Relational):
        return None
    d = sp.expand(cond.lhs - cond.rhs)
    syms = d.free_symbols
    if len(syms) != 1:
        return None
    x = next(iter(syms))
    poly = _sympy(lambda: sp.Poly(d, x), 2.0)
    if poly is None or poly.degree() != 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    a0, b0 = poly.all_coeffs()
    return x, -b0 / a0


def _conditions(e):
    out = []
    for pw in e.atoms(sp.Piecewise):
        for _, cond in pw.args:
            stack = [cond]
            while stack:
                c = stack.pop()
                if isinstance(c, (sp.And, sp.Or, sp.Not)):
                    stack.extend(c.args)
                elif c not in (sp.true, sp.false):
                    out.append(c)
    return out


def _linear_univariate(e, syms) -> bool:
    return all((bp := _linear_breakpoint(c)) is not None and bp[0] in syms for c in _conditions(e))


def _piecewise_form(e, syms):
    """Rewrite |a|, max, min, relu, Heaviside, sign whose case conditions are linear in one variable into
    Piecewise (same values everywhere), so that the cells split at their kinks and jumps."""
    for _ in range(3):
        repl = {}
        for atom in e.atoms(sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, relu):
            pw = _sympy(lambda: atom.rewrite(sp.Piecewise), 2.0)
            if pw is None or pw == atom or not pw.has(sp.Piecewise) or not _linear_univariate(pw, syms):
                continue
            repl[atom] = pw
        if not repl:
            break
        e = e.xreplace(repl)
    return e


def _cells(v, ranges, fixed=None, max_cells=64):
    """Split the domain at the breakpoints of piecewise functions.

    Returns ``[(ranges_k, v_k, fixed_k)]``. Interior cells: on the closure of each open cell every piecewise
    function is replaced by the formula of the piece valid inside it (the conditions are linear in one
    variable, so they are constant on the open cell). Slices: every breakpoint ``x = c`` in the domain is its
    own lower-dimensional cell, with the *true* value (sympy decides the conditions at ``x = c``), so a jump or
    an isolated value at a breakpoint is never lost; ``fixed_k`` holds the fixed coordinates. When there is
    nothing to split, or a condition is not linear in one variable, one cell with the unsplit ``v`` (the ball
    evaluators then treat the pieces as unions).
    """
    fixed = dict(fixed or {})
    whole = [(ranges, v, fixed)]
    syms = {r.symbol for r in ranges}
    vc = _piecewise_form(_concrete(v), syms)
    if not vc.has(sp.Piecewise):
        return whole
    cuts = {r.symbol: set() for r in ranges}
    for cond in _conditions(vc):
        bp = _linear_breakpoint(cond)
        if bp is None or bp[0] not in cuts:
            return whole
        cuts[bp[0]].add(bp[1])
    per_var, slices = [], []
    for r in ranges:
        pts = sorted(c for c in cuts[r.symbol] if (r.lo is -sp.oo or c > r.lo) and (r.hi is sp.oo or c < r.hi))
        slices += [(r, c) for c in sorted(cuts[r.symbol]) if r.contains(c)]
        ends = [r.lo] + pts + [r.hi]
        segs = []
        for k in range(len(ends) - 1):
            lc = r.lo_closed if k == 0 else True
            hc = r.hi_closed if k == len(ends) - 2 else True
            segs.append(Range(r.name, ends[k], ends[k + 1], lc, hc))
        per_var.append(segs)
    import itertools

    combos = list(itertools.product(*per_var))
    if len(combos) + len(slices) > max_cells:
        return whole
    out = []
    for cell in combos:
        mid = {}
        for seg, r in zip(cell, ranges):
            if seg.lo.is_finite and seg.hi.is_finite:
                m = (seg.lo + seg.hi) / 2
            elif seg.lo.is_finite:
                m = seg.lo + 1
            elif seg.hi.is_finite:
                m = seg.hi - 1
            else:
                m = sp.S.Zero
            mid[r.symbol] = m

        def pick(pw):
            for expr, cond in pw.args:
                t = cond.subs(mid)
                if t == True:  # noqa: E712
                    return expr
                if t != False:  # noqa: E712
                    return sp.nan
            return sp.nan

        vk = vc.replace(lambda e: isinstance(e, sp.Piecewise), pick)
        if vk.has(sp.nan, sp.Piecewise):
            return whole
        # the cell's symbols carry the cell's sign assumptions
        vk = vk.subs({r.symbol: seg.symbol for seg, r in zip(cell, ranges)})
        out.append((list(cell), vk, fixed))
    for r, c in slices:
        rest = [q for q in ranges if q is not r]
        sub = v.subs(r.symbol, c)  # the unsplit form: its fallback cell stays compilable
        if rest:
            more = _cells(sub, rest, {**fixed, r.name: c}, max_cells)
        else:
            more = [([], sub, {**fixed, r.name: c})]
        out += more
        if len(out) > 4 * max_cells:
            return whole
    return out


def _simpler_witness(v_true, ranges, constraints, strict, bits, pt):
    """Replace each coordinate of a certified witness by the simplest nearby rational that still violates."""
    syms = [r.symbol for r in ranges]
    vt = _concrete(v_true)
    pt = list(pt)
    for i, z in enumerate(pt):
        if not z.is_Rational:
            continue
        for den in (1, 2, 4, 10, 100, 1000, 10 ** 4):
            q = Fraction(int(z.p), int(z.q)).limit_denominator(den)
            cand = pt[:i] + [sp.Rational(q.numerator, q.denominator)] + pt[i + 1:]
            if cand[i] == z or not ranges[i].contains(cand[i]):
                continue
            ball = _value_at(vt, syms, cand, bits)
            if ball is None or not (ball >= 0 if strict else ball > 0):
                continue
            if constraints and not _constraints_hold_exact(constraints, syms, cand, bits):
                continue
            pt = cand
            break
    return pt


def _point_cell(v_true, domain, fixed, strict, bits, constraints):
    """A slice with every coordinate fixed: decide the claim at that exact point (true value, sympy + balls).
    Returns a cell dict, or None when the point violates a constraint (nothing to prove there)."""
    from flint import arb

    syms = [r.symbol for r in domain]
    pt = [fixed[r.name] for r in domain]
    for g, st_, _ in constraints:
        ge = _subs_point(_concrete(g), dict(zip(syms, pt)))
        gb = _true_ball(ge, bits)
        if gb is None:
            return {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
                    "lower": arb("nan"), "upper": INF, "status": "open"}
        if gb < 0 or (not st_ and gb <= 0):
            continue  # the constraint holds at the point
        if gb > 0 or (st_ and gb >= 0):
            return None  # the point is outside the constrained domain
        if _symbolic_zero(ge, 4.0):
            if st_:
                return None
            continue
        return {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
                "lower": arb("nan"), "upper": INF, "status": "open"}
    e = _subs_point(_concrete(v_true), dict(zip(syms, pt)))
    ball = _value_at(v_true, syms, pt, bits)
    out = {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
           "lower": arb("nan"), "upper": INF, "status": "open"}
    if ball is None:
        return out
    out["lower"], out["upper"] = ball, ball.upper()
    zero = 0 in ball and _symbolic_zero(e, 4.0)
    if (ball < 0) or (not strict and (ball <= 0 or zero)):
        out["status"] = "proved"
        if zero:
            out["lower"], out["upper"] = arb(0), arb(0)
    elif (ball > 0) or (strict and (ball >= 0 or zero)):
        if True:  # the constraints hold at pt (checked above)
            out.update(status="refuted", witness=pt, witness_ball=arb(0) if zero else _true_ball(e, 2 * bits),
                       how="exact value at a breakpoint" + (" (sympy)" if zero else ""))
    return out


def _sample_refute(v_true, ranges, constraints, strict, bits, seed, n=48):
    """A simple exact point where the true violation is certified (ball > 0, or >= 0 if strict), or None."""
    from proofs.symbolic.codegen import compile_expr

    syms = [r.symbol for r in ranges]
    vt = _concrete(v_true)
    try:
        fast = compile_expr(syms, v_true, "arb")
    except Exception:  # noqa: BLE001 - no ball evaluator: use the exact route only
        fast = None
    for pt in _points(ranges, n, seed):
        if not all(r.contains(z) for r, z in zip(ranges, pt)):
            continue
        if fast is not None:
            # cheap screen with the compiled balls (a piecewise function at a breakpoint gives a union there,
            # so this may miss, never invent); the decision is the true value below
            b0 = _arb_point(fast, pt, bits)
            if b0.is_finite() and not (b0 >= 0 if strict else b0 > 0) and not (0 in b0):
                continue
        ball = _value_at(vt, syms, pt, bits)
        if ball is None or not (ball >= 0 if strict else ball > 0):
            continue
        if constraints and not _constraints_hold_exact(constraints, syms, pt, bits):
            continue
        return pt
    return None


def _undefined_point(prob, v_true, syms, embed):
    """A domain point (exact) where the statement is undefined, among the centres the search met, or None."""
    vt = _concrete(v_true)
    while prob.undefined:
        t_mid = prob.undefined.pop(0)
        t = [_arb_fraction(m) for m in t_mid]
        z = prob.z_of(t)
        if any(c is None for c in z):
            continue
        full = embed(z)
        if _certainly_undefined(vt, syms, full):
            return full
    return None


def _rational_approximations(pt, digits=60):
    """Rationals ever closer to an exact point (limit_denominator of a 60-digit value, denominators 10 to
    1e25); only candidates for a simpler witness, each verified with balls by the caller."""
    if all(z.is_Rational for z in pt):
        return
    vals = []
    for z in pt:
        if z.is_Rational:
            vals.append(None)
            continue
        num = _sympy(lambda: sp.N(z, digits), 2.0)
        if num is None or not num.is_Float:
            return
        vals.append(Fraction(str(num)))
    last = None
    for k in (1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25):
        q = []
        for z, f in zip(pt, vals):
            fr = None if f is None else f.limit_denominator(10 ** k)
            q.append(z if fr is None else sp.Rational(fr.numerator, fr.denominator))
        if q != last:
            last = q
            yield q


def _near_ranges(ranges, z_approx) -> bool:
    """Whether a float point lies in the ranges up to 1e-3 (relative): where exact candidates may lie."""
    for r, z in zip(ranges, z_approx):
        slack = 1e-3 * max(1.0, abs(z))
        if (r.lo.is_finite and z < float(r.lo) - slack) or (r.hi.is_finite and z > float(r.hi) + slack):
            return False
    return True


class _UndefinedFound(Exception):
    def __init__(self, point):
        super().__init__(point)
        self.point = point


def _run_cell(prob, strict, tol, bits, max_boxes, deadline, v_true, domain, constraints, fixed=None):
    """Branch-and-bound on one cell; then the equality-attained certificate. Returns a dict.

    ``fixed``: coordinates fixed by a slice (name -> exact value); points of the cell are embedded into the
    domain with them before the true ``v`` is evaluated. Witnesses and equality points are domain points."""
    fixed = fixed or {}

    def embed(pt):
        it = iter(pt)
        return [fixed[r.name] if r.name in fixed else next(it) for r in domain]

    from flint import arb

    from numerics.certified.bnb import maximize
    from numerics.certified.precision import arb_prec

    def left():
        return None if deadline is None else max(0.5, deadline - time.perf_counter())

    prob._point_bits = bits - 8
    syms = [r.symbol for r in domain]

    def stop_if_undefined(t_mid):
        # an exact domain point where the statement is undefined ends the search at once: no bound can
        # make the statement proved any more
        z = prob.z_of([_arb_fraction(m) for m in t_mid])
        if all(c is not None for c in z) and _certainly_undefined(_concrete(v_true), syms, embed(z)):
            raise _UndefinedFound(embed(z))

    prob.on_undefined = stop_if_undefined
    try:
        with arb_prec(bits):
            res = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes,
                           grad=prob.grad if prob.smooth else None, time_limit=left())
    except _UndefinedFound as found:
        return {"boxes": 0, "lower": arb("nan"), "upper": INF, "unresolved": [], "exhausted": False,
                "status": "open", "witness": None, "equality": None, "undefined": found.point}
    finally:
        prob.on_undefined = None
    out = {"boxes": res.boxes_explored, "lower": res.lower,
           "upper": res.upper if res.upper.is_finite() else INF, "unresolved": res.unresolved,
           "exhausted": res.exhausted, "status": "open", "witness": None, "equality": None}
    up = out["upper"]
    undefined = _undefined_point(prob, v_true, syms, embed)
    if undefined is not None:
        out["undefined"] = undefined
        return out
    if not isinstance(up, float) and (up < 0 if strict else up <= 0):
        out["status"] = "proved"
        return out
    if (strict and not isinstance(up, float) and up <= 0 and prob.n == 1 and prob.analytic and prob.smooth
            and res.lower.is_finite() and res.lower < 0):
        # sup v = 0 approached at infinity only? v <= 0 everywhere is proved; v is real-analytic and somewhere
        # < 0 (the incumbent), so it cannot equal 0 on an interval; the strict re-run asks the boxes at infinity
        # for "v < 0 here" (monotone towards a limit <= 0) and every other box for an upper bound < 0.
        prob.strict_infinity = True
        with arb_prec(bits):
            res_s = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes, grad=prob.grad, time_limit=left())
        prob.strict_infinity = False
        out["boxes"] += res_s.boxes_explored
        if res_s.upper.is_finite() and res_s.upper < 0 and _undefined_point(prob, v_true, syms, embed) is None:
            out["status"] = "proved"
            out["strict_at_infinity"] = True
            return out
    vt = _concrete(v_true)

    def violated(pt, b):  # pt: a domain point
        if not all(r.contains(z) for r, z in zip(domain, pt)):
            return None
        ball = _value_at(vt, syms, pt, b)
        if ball is None or not (ball >= 0 if strict else ball > 0):
            return None
        if constraints and not _constraints_hold_exact(constraints, syms, pt, b):
            return None
        return ball

    lo_ball = res.lower
    z_pt = prob.z_of(res.argmax) if lo_ball.is_finite() else None
    if z_pt is not None and all(z is not None for z in z_pt):
        full = embed(z_pt)
        if violated(full, bits) is not None and violated(full, 2 * bits) is not None:
            out.update(status="refuted", witness=full, witness_ball=violated(full, 2 * bits),
                       how="ball at an exact point")
            return out
    near_zero = (lo_ball.is_finite() and not isinstance(up, float) and lo_ball.lower() >= -arb(_fq(tol * 16)))
    out["near_zero"] = near_zero
    if not near_zero or z_pt is None or any(z is None for z in z_pt):
        return out
    seeds = [[float(z) for z in z_pt]]
    if any(float(z) != 0 for z in z_pt):
        seeds.append([-float(z) for z in z_pt])  # symmetric functions have mirrored maximisers
    holes, eq_pts, tried = [], [], 0
    budget = min(max_boxes, 1500 * prob.n)
    def out_of_time():
        return deadline is not None and time.perf_counter() > deadline

    while seeds and len(holes) < 6 and tried < 16 and not out_of_time():
        found = False
        while seeds and tried < 16 and not out_of_time():
            seed_pt = seeds.pop(0)
            if not strict and not _near_ranges(prob.ranges, seed_pt):
                continue  # a mirrored seed outside this cell: none of its candidates could be used here
            tried += 1
            for cand in _snap_candidates(prob, seed_pt, known=eq_pts):
                if out_of_time():
                    break
                if cand in eq_pts:
                    continue
                # an exact candidate where the true v is > 0 (>= 0 if strict: a bound below the supremum by a
                # hair, 1e-20 or 1e-40, that the search's tolerance cannot see): refuted there, the ball confirmed
                # at twice the precision; higher precision than the search's, the candidates being exact and few
                full = embed(cand)
                hb = 4 * bits
                if violated(full, hb) is not None:
                    # a rational point close enough violates too (the violation is quadratic in the distance at
                    # a maximiser): the simplest one found is the witness, else the exact candidate itself
                    wit = next((q for q in _rational_approximations(full) if violated(q, hb) is not None), full)
                    ball2 = violated(wit, 2 * hb)
                    if ball2 is not None:
                        what = "a rational point next to an exact candidate maximiser" if wit is not full else \
                            "an exact candidate maximiser"
                        out.update(status="refuted", witness=wit, witness_ball=ball2,
                                   how=f"ball at {what}, {hb} bits; confirmed at {2 * hb} bits")
                        return out
                if strict:
                    in_dom = all(r.contains(z) for r, z in zip(domain, full)) and not (
                        constraints and not _constraints_hold_exact(constraints, syms, full, 2 * bits))
                    if in_dom and _exact_value_zero(v_true, syms, full):
                        out.update(status="refuted", witness=full, witness_ball=arb(0),
                                   how="equality holds exactly there (sympy, exact algebraic arithmetic), so the "
                                       "strict inequality fails")
                        return out
                    continue
                if not prob.smooth or not all(r.contains(z) for r, z in zip(prob.ranges, cand)):
                    continue
                if constraints and not _constraints_hold_exact(constraints, syms, cand, bits):
                    continue
                if not _exact_value_zero(prob.v, prob.syms, cand):
                    continue
                hole = _local_max_box(prob, cand, bits)
                if hole is None:
                    continue
                holes.append((hole, 0))
                eq_pts.append(cand)
                found = True
                break
        if not found:
            break
        prob.holes = list(holes)
        with arb_prec(bits):
            # tol = 0: every box must end at or below 0 (boxes and points inside a certified box count as 0)
            res2 = maximize(prob.f, prob.t_box, tol=0, max_boxes=budget, grad=prob.grad if prob.smooth else None,
                            time_limit=left())
        prob.holes = []
        out["boxes"] += res2.boxes_explored
        undefined = _undefined_point(prob, v_true, syms, embed)
        if undefined is not None:
            out["undefined"] = undefined
            return out
        up2 = res2.upper if res2.upper.is_finite() else INF
        if not isinstance(up2, float) and up2 <= 0:
            # v(z*) = 0 exactly and v <= 0 everywhere: the supremum is exactly 0
            out.update(status="proved", upper=arb(0), lower=arb(0), equality=[embed(e) for e in eq_pts])
            return out
        # other maximisers: seeds from the boxes still open
        for bx in res2.unresolved[:6]:
            zc = prob.z_of([(lo + hi) / 2 for lo, hi in bx])
            if all(z is not None for z in zc):
                seeds.append([float(z) for z in zc])
    return out


def _prove_inequality(text, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0, assumptions,
                      seed=0):
    from flint import arb

    from numerics.certified.precision import dps_to_bits

    strict = op in ("<", ">")
    v = lhs - rhs if op in ("<=", "<") else rhs - lhs  # the claim is v <= 0 (v < 0 if strict)
    latex = _latex_line(lhs, op, rhs, ranges, text)
    if not ranges:
        return _prove_constant(text, v, op, strict, dps, t0, assumptions, latex)
    bits = dps_to_bits(dps)
    dom = ", ".join(str(r) for r in ranges)
    n = len(ranges)
    if tol is None:
        tol = Fraction(1, 2 ** 30) if n == 1 else Fraction(1, 2 ** 20) if n == 2 else Fraction(1, 2 ** 14)
    tol = Fraction(tol)
    viol_name = "LHS - RHS" if op in ("<=", "<") else "RHS - LHS"
    const_other = rhs if op in ("<=", "<") else lhs
    stats = {"boxes_explored": 0, "seconds": None, "tol": str(tol), "bits": bits, "latex": latex, "cells": 0}
    method = "ball branch-and-bound (python-flint) on the compactified domain"

    def tight_msg(lo, up):
        """lo, up: certified bounds of sup v (exact arb or +-inf)."""
        if op in ("<=", "<"):
            s = f"sup of LHS - RHS is in {_enclosure_str(lo, up)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; sup of LHS is in {_enclosure_str((lo + c).lower(), (up + c).upper())}"
        else:
            nlo = -up if not isinstance(up, float) else -INF
            nhi = -lo if not isinstance(lo, float) else INF
            s = f"inf of LHS - RHS is in {_enclosure_str(nlo, nhi)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; inf of LHS is in {_enclosure_str((c - up).lower(), (c - lo).upper())}"
        return s

    def margin_of(lo, up):
        # signed slack inf(-v) is in [-up, -lo]
        return {"lower": _fmt(-up, False, 17) if not isinstance(up, float) else "-inf",
                "upper": _fmt(-lo, True, 17) if not isinstance(lo, float) else "inf"}

    def finish(verdict, msg, witness=None, margin=None, extra=""):
        stats["seconds"] = time.perf_counter() - t0
        return CheckResult(claim=text, verdict=verdict, margin=margin, precision=f"arb {bits} bits",
                           method=method + extra, witness=witness, assumptions=assumptions, instance=dom,
                           message=msg, stats=stats)

    def refuted(pt, ball, how, lo=None, up=None):
        if "sympy" not in how:
            simple = _simpler_witness(v, ranges, constraints, strict, 2 * bits, pt)
            if simple != pt:
                b2 = _value_at(v, [r.symbol for r in ranges], simple, 2 * bits)
                if b2 is not None and (b2 >= 0 if strict else b2 > 0):
                    pt, ball = simple, b2
        wit = _witness_dict(ranges, pt)
        wit["violation"] = _enclosure_str(ball.lower(), ball.upper())
        where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, pt))
        conf = "" if "sympy" in how or "confirmed" in how else f"; confirmed at {2 * bits} bits"
        msg = (f"at {where} the violation {viol_name} is in {_enclosure_str(ball.lower(), ball.upper())} "
               f"({how}{conf})")
        if lo is not None:
            msg += f"; {tight_msg(lo, up)}"
        stats["_point"] = pt
        return finish(Verdict.REFUTED, msg, witness=wit,
                      margin={"lower": _fmt(-ball.upper(), False, 17), "upper": _fmt(-ball.lower(), True, 17)})

    # 1. a cheap search for a simple counterexample
    pt = _sample_refute(v, ranges, constraints, strict, bits, seed)
    if pt is not None:
        syms = [r.symbol for r in ranges]
        ball = _value_at(v, syms, pt, 2 * bits)
        if ball is not None and (ball >= 0 if strict else ball > 0):
            return refuted(pt, ball, "ball at an exact sample point")
    # 2. branch-and-bound, cell by cell
    cells = _cells(v, ranges)
    stats["cells"] = len(cells)
    lo_all, up_all, eqs, open_cells, unresolved, exhausted, near = -INF, arb(-(2 ** 64)), [], 0, [], False, False
    dsyms = {r.name: r.symbol for r in ranges}
    for cell_ranges, v_cell, fixed in cells:
        if not cell_ranges:
            cell = _point_cell(v, ranges, fixed, strict, bits, constraints)
        else:
            fsubs = {dsyms[k]: val for k, val in fixed.items()}
            cons_k = [(g.subs(fsubs), st_, txt) for g, st_, txt in constraints]
            if v_cell.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                # the piece valid on this cell is undefined there (1/relu(x) where relu is 0): never enclosed;
                # an exact interior point of the cell shows it
                cell = {"boxes": 0, "lower": arb("nan"), "upper": INF, "unresolved": [], "exhausted": False,
                        "status": "open", "witness": None, "equality": None}
                mid = [fixed[r.name] if r.name in fixed else None for r in ranges]
                inner = [cr.phi(Fraction(sum(cr.t_box), 2)) for cr in cell_ranges]
                it = iter(inner)
                pt = [m if m is not None else next(it) for m in mid]
                if all(z is not None for z in pt) and _certainly_undefined(v, [r.symbol for r in ranges], pt):
                    cell["undefined"] = pt
            else:
                cell = None
            try:
                prob = _Problem(v_cell, cell_ranges, cons_k) if cell is None else None
            except (NotImplementedError, TypeError, ValueError) as exc:
                raise InvalidArgument(f"{text!r} cannot be evaluated with balls ({str(exc).splitlines()[0]}); "
                                      "valid are the grammar's functions and the activations") from None
            deadline = None if time_limit is None else t0 + time_limit
            if prob is not None:
                cell = _run_cell(prob, strict, tol, bits, max_boxes, deadline, v, ranges, constraints, fixed)
        if cell is None:
            continue
        stats["boxes_explored"] += cell["boxes"]
        lb = cell["lower"]
        cell_lo = lb.lower() if lb.is_finite() else -INF
        if cell["status"] == "refuted":
            up = cell["upper"]
            return refuted(cell["witness"], cell["witness_ball"], cell["how"], cell_lo, up)
        if not isinstance(cell_lo, float) and (isinstance(lo_all, float) or cell_lo > lo_all):
            lo_all = cell_lo
        cu = cell["upper"]
        if isinstance(cu, float) or isinstance(up_all, float):
            up_all = INF
        elif cu > up_all:
            up_all = cu
        for e in cell["equality"] or ():
            if e not in eqs:
                eqs.append(e)
        if cell.get("undefined") is not None:
            where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, cell["undefined"]))
            stats["seconds"] = time.perf_counter() - t0
            return CheckResult(claim=text, verdict=Verdict.INCONCLUSIVE, precision=f"arb {bits} bits",
                               method=method, assumptions=assumptions, instance=dom, stats=stats,
                               witness={"undefined_at": _witness_dict(ranges, cell["undefined"])},
                               message=f"the statement is undefined at {where}, which the domain contains; "
                                       "exclude the points where it is undefined with an open end of --over or "
                                       "with --assume")
        if cell["status"] != "proved":
            open_cells += 1
            exhausted = exhausted or cell["exhausted"]
            near = near or cell.get("near_zero", False)
            unresolved += [{**{k: str(val) for k, val in fixed.items()}, **_box_strs(prob, b)}
                           for b in cell["unresolved"][:5]] if cell_ranges else [{k: str(val) for k, val in fixed.items()}]
            stats["unresolved_count"] = stats.get("unresolved_count", 0) + len(cell["unresolved"])
    if open_cells == 0:
        stats["sup_violation"] = [_fmt(lo_all, False, 17), _fmt(up_all, True, 17)]
        extra = ""
        msg = f"{tight_msg(lo_all, up_all)}. Proved for {dom}"
        if eqs:
            where = "; ".join(", ".join(f"{r.name} = {z}" for r, z in zip(ranges, e)) for e in eqs)
            msg = (f"equality is attained at {where}: the violation is 0 there exactly (sympy, exact algebraic "
                   f"arithmetic) and at most 0 on a box around it (monotonicity or concavity, interval arithmetic); "
                   f"elsewhere the "
                   f"branch-and-bound bounds it by 0. " + msg)
            extra = " + local maximum certificate"
            stats["equality_at"] = [_witness_dict(ranges, e) for e in eqs]
        if len(cells) > 1:
            extra += f" ({len(cells)} cells split at the breakpoints)"
        return finish(Verdict.PROVED, f"{msg}. LaTeX: {latex}", margin=margin_of(lo_all, up_all), extra=extra)
    stats["unresolved"] = unresolved[:5]
    stats["sup_violation"] = [_fmt(lo_all, False, 17), _fmt(up_all, True, 17)]
    knob = []
    if exhausted:
        knob.append(f"raise --max-boxes (now {max_boxes})" + (f" or --time-limit (now {time_limit} s)"
                                                               if time_limit else ""))
    if near:
        knob.append("the bound looks attained (sup of the violation is ~0) and no exact maximiser could be "
                    "certified: if equality holds at a point sympy cannot find, loosen the constant slightly")
    if isinstance(up_all, float):
        knob.append("some boxes have no finite bound (a singularity, a point outside the functions' domain, "
                    "or behaviour at infinity the monotone-tail argument could not handle)")
    knob.append("raise --dps for tighter balls")
    n_unres = stats.get("unresolved_count", 0)
    return finish(Verdict.INCONCLUSIVE,
                  f"neither proved nor refuted: {tight_msg(lo_all, up_all)}; {n_unres} unresolved box(es)"
                  + (f", e.g. {unresolved[0]}" if unresolved else "") + ". Knobs: " + "; ".join(knob),
                  margin=margin_of(lo_all, up_all))


def _check_obligations(res, text, partial, certified, ranges, constraints, dps, t0, time_limit):
    """A ``proved`` stands only if the statement as written is defined on the whole domain. The route that
    proved it certified the expressions ``certified`` defined on a cover of the domain; nodes of the text
    that sympy cancelled or simplified away while building them (``1/x - 1/x``, ``exp(log(x))``) get their
    own certificate here. Returns ``res``, or an ``inconclusive`` saying where the text is undefined."""
    from numerics.certified.precision import dps_to_bits

    need = _obligations(partial, *certified)
    if not need:
        return res
    bits = dps_to_bits(dps)
    budget = 10.0 if time_limit is None else max(1.0, min(10.0, time_limit - (time.perf_counter() - t0)))
    state, pt = _definedness(need, ranges, constraints, bits, time_limit=budget)
    if state == "defined":
        stats = dict(res.stats or {})
        stats["definedness_obligations"] = [str(n) for n in need]
        object.__setattr__(res, "stats", stats)
        return res
    dom = ", ".join(str(r) for r in ranges)
    latex = (res.stats or {}).get("latex", "")
    if state == "undefined":
        return _undefined_result(text, pt, ranges, res.assumptions, dom, latex, t0,
                                 f" (the sub-expression {need[0]} as written)" if len(need) == 1 else
                                 " (a sub-expression as written, cancelled in the simplified form)")
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=res.margin, precision=res.precision,
        method=res.method + "; definedness of the text as written not certified", assumptions=res.assumptions,
        instance=dom, scope="universal", statement=latex,
        message=(f"the simplified statement holds ({res.message}), but that the text as written is defined on all "
                 f"of {dom or 'the constants'} was not certified for {', '.join(map(str, need))} (sympy "
                 "simplified them away). Knobs: an open end or --assume excluding the suspected points, or "
                 "write the statement in its simplified form"),
        stats=res.stats)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def prove(statement: str, over=(), assume=(), *, dps: int = 20, max_boxes: int = 20000,
          time_limit: float | None = 60.0, tol=None, samples: int = 64, seed: int = 0,
          functions=None) -> CheckResult:
    r"""Certify ``statement`` for all variables in their ranges (see :func:`_prove`).

    Grammar-valid statements whose constants are beyond what sympy, mpmath or the balls can evaluate
    (``exp(exp(exp(1000)))``, towers of powers) are bad input: :class:`InvalidArgument` in one line."""
    t0 = time.perf_counter()
    token = _DEADLINE.set(None if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool)
                          or not time_limit > 0 or math.isinf(time_limit) else t0 + time_limit)
    try:
        return _prove(statement, over, assume, dps=dps, max_boxes=max_boxes, time_limit=time_limit, tol=tol,
                      samples=samples, seed=seed, functions=functions)
    except _BudgetSpent:
        return CheckResult(
            claim=statement, verdict=Verdict.INCONCLUSIVE, precision=f"arb, {dps} digits", method="time limit",
            assumptions=tuple(over) if not isinstance(over, str) else (over,), scope="universal",
            statement=statement,
            message=(f"neither proved nor refuted within the time limit of {time_limit} s (the budget covers "
                     "every step: boxes, sympy calls, definedness). Knob: raise --time-limit"),
            stats={"seconds": time.perf_counter() - t0, "time_limit": time_limit})
    except (OverflowError, RecursionError, MemoryError) as exc:
        raise InvalidArgument(
            f"{statement!r} is beyond what escset can evaluate ({type(exc).__name__} inside sympy/mpmath: a "
            "constant or a tower of powers too large for exact or ball arithmetic); valid are statements whose "
            "constants are of moderate size, e.g. exp(1000) rather than exp(exp(exp(1000)))") from None
    finally:
        _DEADLINE.reset(token)


def _prove(statement: str, over=(), assume=(), *, dps: int = 20, max_boxes: int = 20000,
           time_limit: float | None = 60.0, tol=None, samples: int = 64, seed: int = 0,
           functions=None) -> CheckResult:
    r"""Certify ``statement`` (``"LHS == RHS"`` or an inequality) for all variables in their ranges.

    Parameters
    ----------
    statement : str
        ``LHS op RHS`` with op in ``== <= < >= >``, in the restricted grammar plus the activations by name.
    over : list of str
        ``"z in R"``, ``"t in [0, 1]"``, ``"x in (-1, oo)"``, ``"x >= 0"``. Without it, every free name is a
        variable over R.
    assume : list of str
        Extra constraints between the variables (``"x <= y"``); points violating them are excluded.
    dps : int
        Working precision (decimal digits) of the balls; witnesses are confirmed at twice as many bits.
    max_boxes, time_limit, tol :
        Budget: boxes per branch-and-bound run, seconds for the whole inequality (all cells and re-runs);
        target gap ``tol`` (absolute; default 2^-30 in one variable, 2^-20 in two, 2^-14 above).
    samples, seed :
        Points of the randomised evaluation of identities sympy cannot reduce.

    Returns
    -------
    CheckResult
        ``verdict``, ``margin`` (certified enclosure of the signed slack ``inf(RHS - LHS)`` for ``<=``),
        ``witness`` (exact coordinates), ``stats`` (boxes explored, seconds, LaTeX line).

    What is certified: see the module docstring; floating-point agreement is never ``proved``.
    """
    t0 = time.perf_counter()
    for name, val, lo in (("dps", dps, 10), ("max_boxes", max_boxes, 1), ("samples", samples, 1)):
        if isinstance(val, bool) or not isinstance(val, int) or val < lo:
            raise InvalidArgument(f"got {name}={val!r}, valid is an integer >= {lo}")
    if dps > 2000:
        raise InvalidArgument(f"got dps={dps}, valid is 10 <= dps <= 2000")
    if time_limit is not None and (not isinstance(time_limit, (int, float)) or not time_limit > 0
                                   or math.isinf(time_limit)):
        raise InvalidArgument(f"got time_limit={time_limit!r}, valid is a positive number of seconds or None")
    partial = []
    lhs, op, rhs, ranges, constraints = parse_statement(statement, over, assume, functions, partial)
    assumptions = tuple(str(r) for r in ranges) + tuple(c[2] for c in constraints)
    if not ranges:
        from numerics.certified.precision import dps_to_bits

        state, _ = _definedness(partial + [lhs, rhs], [], [], dps_to_bits(dps))
        if state == "undefined":
            bad = [n for n in partial + [lhs, rhs] if _certainly_undefined(n, [], [])]
            return _undefined_result(statement, [], ranges, assumptions, "", statement, t0,
                                     f" ({bad[0]} as written)" if bad else "")
    if op == "==":
        res = _prove_identity(statement, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions,
                              partial)
        certified = [lhs, rhs]
    else:
        res = _prove_inequality(statement, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0,
                                assumptions, seed)
        certified = [lhs - rhs]
    point = (res.stats or {}).pop("_point", None)
    if res.verdict is Verdict.REFUTED and point is not None:
        # a witness counts only where the text as written is defined (sympy's value at a point can be real
        # where the text is not: log(-1)**2 becomes -pi**2; 1/x - 1/x + 1 is 1 at x = 0)
        syms = [r.symbol for r in ranges]
        sub = dict(zip(syms, point))
        if not all(_defined_at(_concrete(n), sub) for n in partial + [lhs, rhs]):
            where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, point))
            undefined = any(_undefined_node_at(_concrete(n), sub) for n in partial + [lhs, rhs])
            res = CheckResult(
                claim=statement, verdict=Verdict.INCONCLUSIVE, precision=res.precision, method=res.method,
                assumptions=assumptions, instance=res.instance, scope="universal",
                witness={"undefined_at": {r.name: str(z) for r, z in zip(ranges, point)}} if undefined else None,
                message=(f"the candidate counterexample {where} is a point where the statement as written is "
                         + ("undefined" if undefined else "not certified defined")
                         + " (sympy's simplified value there is real); exclude such points with an open end or "
                         "--assume"),
                stats=res.stats)
    if res.verdict is Verdict.PROVED:
        res = _check_obligations(res, statement, partial + [lhs, rhs], certified, ranges, constraints, dps, t0,
                                 time_limit)
    # a prove statement is quantified over its whole domain: proved means for every point of it (where the
    # assumptions hold), refuted means a point of it violates the statement
    if res.scope is None:
        object.__setattr__(res, "scope", "universal")
    if not res.statement:
        object.__setattr__(res, "statement", (res.stats or {}).get("latex", "") or statement)
    return res
