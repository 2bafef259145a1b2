r"""Certify one line of a proof: an identity or an inequality with explicit constants (``escset prove``).

>>> r = prove("sigmoid'(z) <= 1/4", over=["z in R"])          # doctest: +SKIP
>>> r.verdict                                                   # doctest: +SKIP
<Verdict.PROVED: 'proved'>

Statements are written in the restricted grammar of :mod:`proofs._grammar` plus
the toolkit's named objects: every built-in activation by name (``sigmoid``,
``tanh``, ``erf``, ``softplus``, ``relu``, ``identity``, ``square``, and the cubic
smooth step of MATH.md §6.2 as ``cubic_step``), with derivatives written
``sigmoid''(z)``; the constants ``pi`` and ``E``. Variables range over intervals
given by ``over`` (:mod:`proofs._prove_domain`); ``assume`` adds constraints
between them (``"x <= y"``).

What is certified
-----------------
* ``==``: ``proved`` only when sympy reduces LHS - RHS to 0 (symbols carry the
  sign assumptions of their ranges). Otherwise LHS - RHS is evaluated at many
  exact rational points: a python-flint ball that excludes 0 (confirmed at twice
  the precision) ``refutes`` with that point; agreement at every point is
  reported ``inconclusive`` with ``numerical=True`` and the largest discrepancy,
  never ``proved``.
* ``<= < >= >``: a rigorous branch-and-bound (:mod:`numerics.bnb`) on python-flint
  balls bounds the supremum of the violation ``v`` (``LHS - RHS`` for ``<=``) over
  the whole domain. Unbounded variables are compactified (``z = t/(1-|t|)``);
  boxes reaching infinity or a singular open end are bounded by the extended
  interval evaluator (:mod:`proofs._prove_interval`), by monotonicity (the sign
  of ``dv/dz`` there, which moves the supremum to a finite face) or, in one
  variable, by the sympy limit at infinity. ``proved``: the certified upper bound
  of ``sup v`` is ``<= 0`` (``< 0`` for strict). ``refuted``: a point with exact
  coordinates where the ball of ``v`` is ``> 0`` (``>= 0`` for strict), confirmed
  at twice the precision. A non-strict inequality with equality attained at a
  point ``z*`` is proved when sympy shows ``v(z*) = 0`` exactly and balls show
  that ``z*`` maximises ``v`` on a box around it (``v`` monotone towards ``z*`` in
  every coordinate, or concave with ``grad v(z*) = 0`` exactly); the rest of the
  domain is then covered by the branch-and-bound.
"""
from __future__ import annotations

import contextlib
import math
import random
import re
import signal
import threading
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

import sympy as sp

from ._errors import GrammarError, InvalidArgument
from ._functions import relu, sigmoid, softplus, to_elementary
from ._grammar import CONSTANTS, parse_relation
from ._prove_domain import Range, parse_ranges
from ._prove_interval import INF, ext_eval
from ._result import CheckResult, Verdict

__all__ = ["prove", "named_functions", "parse_statement"]

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


def _sympy(fn, seconds=5.0, default=None):
    try:
        with _time_box(seconds):
            return fn()
    except _Timeout:
        return default
    except (NotImplementedError, ValueError, TypeError, AttributeError, RecursionError, ZeroDivisionError):
        return default


# ---------------------------------------------------------------------------
# named objects
# ---------------------------------------------------------------------------
def named_functions() -> dict:
    """Grammar functions for every built-in activation (``cubic-step`` is spelled ``cubic_step``)."""
    from .activations import BUILTINS

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


def parse_statement(statement, over=(), assume=()):
    """Parse the statement, its domain and assumptions: (lhs, op, rhs, ranges, constraints)."""
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgument(f"got statement {statement!r}; valid is a string 'LHS == RHS' or 'LHS <= RHS'")
    fns = named_functions()
    ranges = parse_ranges(over)
    if not ranges:
        ranges = [Range(n, -sp.oo, sp.oo, False, False) for n in _implicit_variables(statement, fns)]
    for r in ranges:
        if r.name in fns or r.name in CONSTANTS:
            raise InvalidArgument(f"variable {r.name!r} in --over clashes with a function or constant name; "
                                  "rename the variable")
    syms = [r.symbol for r in ranges]
    try:
        lhs, op, rhs = parse_relation(statement, variables=syms, functions=fns)
    except GrammarError as exc:
        raise GrammarError(f"{exc} (declare every variable with --over, e.g. --over 'z in R')") from None
    for side in (lhs, rhs):
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
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m * 2 ** e) if e >= 0 else Fraction(m, 2 ** -e)


def _fmt(x, up: bool, digits: int = 6) -> str:
    """A decimal string rounded outward (down or up) to ``digits`` significant digits."""
    if isinstance(x, float):
        return "inf" if x > 0 else "-inf"
    q = _arb_fraction(x.upper() if up else x.lower())
    if q == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(q.numerator) / Decimal(q.denominator)
        exp = d.adjusted() - digits + 1
        d = d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_CEILING if up else ROUND_FLOOR)
    # the 60-digit division is itself rounded: step once more outward to stay rigorous
    if up and Fraction(d) < q:
        d = d.next_plus()
    if not up and Fraction(d) > q:
        d = d.next_minus()
    s = format(d.normalize(), "g")
    return s


def _enclosure_str(lo, hi) -> str:
    return f"[{_fmt(lo, False)}, {_fmt(hi, True)}]"


# ---------------------------------------------------------------------------
# identities
# ---------------------------------------------------------------------------
def _symbolic_zero(d, seconds=8.0) -> bool:
    d = _concrete(d)
    if d == 0:
        return True
    tries = [lambda: sp.simplify(d), lambda: sp.simplify(to_elementary(d)),
             lambda: sp.simplify(to_elementary(d).rewrite(sp.exp)),
             lambda: sp.simplify(sp.piecewise_fold(to_elementary(d)))]
    t0 = time.perf_counter()
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

    from numerics.precision import arb_prec

    with arb_prec(bits):
        args = [ext_eval(sp.sympify(z), {}) for z in pt]
        balls = [a[0] if a[0] == a[1] else arb.union(a[0], a[1]) for a in args]
        try:
            return compiled(*balls)
        except (ZeroDivisionError, ValueError, OverflowError):
            return arb("nan")


def _witness_dict(ranges, pt):
    return {r.name: str(z) for r, z in zip(ranges, pt)}


def _constraints_hold_exact(constraints, syms, pt, bits):
    from .codegen import compile_expr

    for g, strict, _ in constraints:
        val = _arb_point(compile_expr(syms, g, "arb"), pt, bits)
        if not val.is_finite() or not (val < 0 if strict else val <= 0):
            return False
    return True


def _prove_identity(text, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions):
    import mpmath

    from numerics.precision import dps_to_bits, workdps

    from .codegen import compile_expr

    syms = [r.symbol for r in ranges]
    d = lhs - rhs
    dom = ", ".join(str(r) for r in ranges)
    latex = _latex_line(lhs, "==", rhs, ranges)
    if _symbolic_zero(d):
        return CheckResult(
            claim=text, verdict=Verdict.PROVED, margin="0", precision="exact (sympy)", method="sympy.simplify",
            assumptions=assumptions, instance=dom,
            message=f"sympy reduces LHS - RHS to 0 for {dom or 'all values'}. LaTeX: {latex}",
            stats={"seconds": time.perf_counter() - t0, "latex": latex})
    bits = dps_to_bits(dps)
    arb_d = compile_expr(syms, d, "arb")
    mp_l = compile_expr(syms, lhs, "mpmath")
    mp_r = compile_expr(syms, rhs, "mpmath")
    worst, worst_pt, used = mpmath.mpf(0), None, 0
    for pt in _points(ranges, samples, seed):
        if constraints and not _constraints_hold_exact(constraints, syms, pt, bits):
            continue
        ball = _arb_point(arb_d, pt, bits)
        if ball.is_finite() and not (0 in ball):
            ball2 = _arb_point(arb_d, pt, 2 * bits)
            if ball2.is_finite() and not (0 in ball2):
                wit = _witness_dict(ranges, pt)
                wit["LHS - RHS"] = _enclosure_str(ball2.lower(), ball2.upper())
                return CheckResult(
                    claim=text, verdict=Verdict.REFUTED, margin=ball2, precision=f"arb {2 * bits} bits",
                    method="python-flint ball at an exact point", witness=wit, assumptions=assumptions,
                    instance=dom,
                    message=(f"LHS - RHS is in {_enclosure_str(ball2.lower(), ball2.upper())} at "
                             f"{', '.join(f'{k} = {v}' for k, v in _witness_dict(ranges, pt).items())}, "
                             "which excludes 0 (ball arithmetic at two precisions)"),
                    stats={"points": used + 1, "seconds": time.perf_counter() - t0, "latex": latex})
        with workdps(dps):
            try:
                args = [mpmath.mpf(sp.Rational(z).p) / sp.Rational(z).q if z.is_Rational else mpmath.mpf(sp.N(z, dps))
                        for z in pt]
                a, b = mp_l(*args), mp_r(*args)
                err = abs(a - b) / max(mpmath.mpf(1), abs(a), abs(b))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                continue
            if not mpmath.isfinite(err):
                continue
            used += 1
            if err > worst or worst_pt is None:
                worst, worst_pt = err, pt
    if used == 0:
        return CheckResult(
            claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision=f"{dps} dps (mpmath)",
            method="sympy.simplify, then sampling", assumptions=assumptions, instance=dom, numerical=True,
            message="sympy could not reduce LHS - RHS to 0 and no sample point was in the domain of both sides; "
                    "check --over and --assume",
            stats={"points": 0, "seconds": time.perf_counter() - t0, "latex": latex})
    with workdps(dps):
        worst_s = mpmath.nstr(worst, 5)
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=worst_s, precision=f"{dps} dps (mpmath)",
        method="sympy.simplify failed; randomised high-precision evaluation", assumptions=assumptions,
        instance=dom, numerical=True, witness={"largest_discrepancy_at": _witness_dict(ranges, worst_pt)},
        message=(f"NOT a proof: sympy could not reduce LHS - RHS to 0; the sides agree to a relative "
                 f"discrepancy of at most {worst_s} at {used} points ({dps} digits) and no ball excluded 0. "
                 "Knobs: rewrite the identity in simpler terms, or raise --dps to sharpen the numerical evidence"),
        stats={"points": used, "seconds": time.perf_counter() - t0, "latex": latex})


def _latex_line(lhs, op, rhs, ranges):
    quant = ", ".join(r.latex() for r in ranges)
    body = f"{sp.latex(lhs)} {_OPS_LATEX[op]} {sp.latex(rhs)}"
    return rf"\forall {quant}:\quad {body}" if quant else body


# ---------------------------------------------------------------------------
# inequalities
# ---------------------------------------------------------------------------
class _Problem:
    """The violation ``v`` over the compactified box, with its ball and interval evaluators."""

    def __init__(self, v, ranges, constraints):
        from flint import arb

        from .codegen import compile_expr

        self.v = v
        self.ranges = ranges
        self.syms = [r.symbol for r in ranges]
        self.n = len(ranges)
        self.v_arb = compile_expr(self.syms, v, "arb")
        self.v_ext = _concrete(v)
        self._dv_ext = {}
        self._grad_arb = None
        self._limits = {}
        self.constraints = [(compile_expr(self.syms, g, "arb"), _concrete(g), strict) for g, strict, _ in constraints]
        self.hole = None  # (z box, v_star): v <= v_star on that box (certified locally)
        self.ends = []
        for r in ranges:
            c_lo = None if not r.lo.is_finite else _const_ball(r.lo)
            c_hi = None if not r.hi.is_finite else _const_ball(r.hi)
            self.ends.append((c_lo, c_hi))
        self.t_box = [r.t_box for r in ranges]
        self.t_box_arb = [(arb(_fq(a)), arb(_fq(b))) for a, b in self.t_box]
        self._arb = arb

    # -- the map t -> z ------------------------------------------------------
    def zmap(self, balls):
        """z intervals for a box of t balls; and whether it touches an open finite end."""
        arb = self._arb
        ivs, open_end = [], False
        for r, t, (c_lo, c_hi), (tb_lo, tb_hi) in zip(self.ranges, balls, self.ends, self.t_box_arb):
            tl, th = t.lower(), t.upper()
            # the ball of a box is slightly wider than the box (radius rounding): clamp to the t range
            tl = tb_lo if tl < tb_lo else tl
            th = tb_hi if th > tb_hi else th
            k = r.kind
            if (not r.lo_closed and r.lo.is_finite and tl <= tb_lo) or \
               (not r.hi_closed and r.hi.is_finite and th >= tb_hi):
                open_end = True
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
        return ivs, open_end

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
        arb = self._arb
        point = all(b.rad() == 0 for b in balls)
        ivs, open_end = self.zmap(balls)
        finite = all(not isinstance(a, float) and not isinstance(b, float) for a, b in ivs)
        zb = [a if a == b else arb.union(a, b) for a, b in ivs] if finite else None
        if self.constraints:
            feas = self.feasible(zb, ivs, open_end)
            if feas is False or (point and feas is not True):
                return arb("nan") if point else arb(-(2 ** 64))  # empty: any bound is an upper bound
        if self.hole is not None and not point and finite and self._in_hole(ivs):
            return arb(self.hole[1])
        if finite:
            try:
                val = self.v_arb(*zb)
            except (ZeroDivisionError, ValueError, OverflowError):
                val = arb("nan")
            if val.is_finite():
                if point and self.hole is not None and self._in_hole(ivs) and val.upper() > 0 >= val.lower():
                    val = arb.union(val.lower(), arb(0))  # v <= 0 on the hole (certified)
                return val
            if point:
                return val
        hi = self.ext_upper(ivs, open_end, 0)
        return arb("inf") if isinstance(hi, float) else arb(hi)

    def _in_hole(self, ivs):
        box = self.hole[0]
        return all(not isinstance(a, float) and not isinstance(b, float) and a >= lo and b <= hi
                   for (a, b), (lo, hi) in zip(ivs, box))

    def dv_ext(self, i):
        if i not in self._dv_ext:
            self._dv_ext[i] = _concrete(sp.diff(self.v, self.syms[i]))
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
        lo, hi = ext_eval(self.v_ext, env, open_end)
        if not isinstance(hi, float) or depth > self.n:
            return hi
        for i, (a, b) in enumerate(ivs):
            inf_hi, inf_lo = isinstance(b, float), isinstance(a, float)
            if not (inf_hi or inf_lo):
                continue
            if inf_hi and inf_lo:
                continue
            dlo, dhi = ext_eval(self.dv_ext(i), env, open_end)
            dec = not isinstance(dhi, float) and dhi <= 0
            inc = not isinstance(dlo, float) and dlo >= 0
            if inf_hi and dec:  # v non-increasing towards +oo: the sup is on the face z_i = a
                return self.ext_upper(ivs[:i] + [(a, a)] + ivs[i + 1:], open_end, depth + 1)
            if inf_lo and inc:
                return self.ext_upper(ivs[:i] + [(b, b)] + ivs[i + 1:], open_end, depth + 1)
            if self.n == 1 and ((inf_hi and inc) or (inf_lo and dec)):
                lim = self.limit(i, 1 if inf_hi else -1)
                if lim is not None:
                    return lim[1]
        return INF

    def grad(self, balls):
        from .codegen import compile_expr

        arb = self._arb
        if self._grad_arb is None:
            self._grad_arb = compile_expr(self.syms, [sp.diff(self.v, s) for s in self.syms], "arb")
        ivs, _ = self.zmap(balls)
        if any(isinstance(a, float) or isinstance(b, float) for a, b in ivs):
            return [arb("nan")] * self.n
        zb = [a if a == b else arb.union(a, b) for a, b in ivs]
        try:
            g = self._grad_arb(*zb)
        except (ZeroDivisionError, ValueError, OverflowError):
            return [arb("nan")] * self.n
        g = g if isinstance(g, (list, tuple)) else [g]
        return [gi * di for gi, di in zip(g, self.dzdt(balls))]

    def value_at(self, pt, bits):
        """Ball of v at an exact point (sympy numbers), at ``bits`` of precision."""
        return _arb_point(self.v_arb, pt, bits)

    def z_of(self, t_pt):
        return [r.phi(t) for r, t in zip(self.ranges, t_pt)]


def _const_ball(c):
    from flint import arb

    lo, hi = ext_eval(sp.sympify(c), {})
    return lo if lo == hi else arb.union(lo, hi)


def _snap_candidates(prob, z_approx):
    """Exact candidate maximisers near a float point: rationals of small denominator, range ends,
    and (in one variable) the exact critical points sympy finds nearby."""
    cands = []
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
    if prob.n == 1:
        zs = prob.syms[0]
        dv = to_elementary(prob.dv_ext(0))
        width = 1e-2 * max(1.0, abs(z_approx[0]))
        lo, hi = sp.nsimplify(z_approx[0] - width), sp.nsimplify(z_approx[0] + width)
        crit = _sympy(lambda: sp.solveset(dv, zs, sp.Interval(lo, hi)), 5.0)
        if isinstance(crit, sp.FiniteSet):
            for c in crit:
                if c not in per_coord[0]:
                    per_coord[0].append(c)
    import itertools

    for combo in itertools.product(*per_coord):
        cands.append(list(combo))
        if len(cands) > 24:
            break
    return cands


def _exact_value_zero(prob, pt) -> bool:
    val = prob.value_at(pt, 128)
    if not val.is_finite() or 0 not in val:
        return False
    e = _concrete(prob.v).subs(dict(zip(prob.syms, pt)))
    return _symbolic_zero(e, 4.0)


def _local_max_box(prob, pt, bits):
    """A z box around pt on which v <= v(pt) is certified, or None."""
    from flint import arb

    from numerics.precision import arb_prec

    from .codegen import compile_expr

    grad = compile_expr(prob.syms, [sp.diff(prob.v, s) for s in prob.syms], "arb")
    hess = None
    with arb_prec(bits):
        c = [_const_ball(z) for z in pt]
        for rad in (Fraction(1, 8), Fraction(1, 64), Fraction(1, 512), Fraction(1, 4096)):
            box = []
            for r, ci, z in zip(prob.ranges, c, pt):
                lo = ci - arb(rad.numerator) / rad.denominator
                hi = ci + arb(rad.numerator) / rad.denominator
                if r.lo.is_finite:
                    lo = lo.max(_const_ball(r.lo))
                if r.hi.is_finite:
                    hi = hi.min(_const_ball(r.hi))
                box.append((lo.lower(), hi.upper()))
            # per-coordinate monotonicity towards pt
            ok = True
            for i in range(prob.n):
                for side in (-1, 1):
                    sub = list(box)
                    sub[i] = (box[i][0], c[i].upper()) if side < 0 else (c[i].lower(), box[i][1])
                    if side < 0 and sub[i][1] <= box[i][0] or side > 0 and sub[i][0] >= box[i][1]:
                        continue
                    zb = [arb.union(a, b) for a, b in sub]
                    g = grad(*zb)
                    gi = (g if isinstance(g, (list, tuple)) else [g])[i]
                    if not gi.is_finite() or not (gi >= 0 if side < 0 else gi <= 0):
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                return box
            # concavity with an exactly vanishing gradient
            gz = [_concrete(sp.diff(prob.v, s)).subs(dict(zip(prob.syms, pt))) for s in prob.syms]
            if not all(_symbolic_zero(g, 3.0) for g in gz):
                continue
            if hess is None:
                hess = compile_expr(prob.syms, [sp.diff(prob.v, a, b) for a in prob.syms for b in prob.syms], "arb")
            zb = [arb.union(a, b) for a, b in box]
            h = hess(*zb)
            h = h if isinstance(h, (list, tuple)) else [h]
            n = prob.n
            good = True
            for i in range(n):
                row = h[i * n + i]
                for j in range(n):
                    if j != i:
                        row = row + abs(h[i * n + j])
                if not row.is_finite() or not row.upper() <= 0:
                    good = False
                    break
            if good:
                return box
    return None


def _prove_constant(text, v, op, strict, dps, t0, assumptions, latex):
    from numerics.precision import dps_to_bits

    bits = dps_to_bits(dps)
    for b in (bits, 4 * bits):
        val = _arb_point(_compile0(v), [], b)
        if val.is_finite() and (val < 0 or (not strict and val <= 0)):
            return CheckResult(claim=text, verdict=Verdict.PROVED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", assumptions=assumptions,
                               message=f"LHS - RHS violation is in {_enclosure_str(val.lower(), val.upper())}. "
                                       f"LaTeX: {latex}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex})
        if val.is_finite() and (val > 0 or (strict and val >= 0)):
            return CheckResult(claim=text, verdict=Verdict.REFUTED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", witness={}, assumptions=assumptions,
                               message=f"the violation is in {_enclosure_str(val.lower(), val.upper())}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex})
    if _symbolic_zero(v):
        verdict = Verdict.REFUTED if strict else Verdict.PROVED
        return CheckResult(claim=text, verdict=verdict, margin="0", precision="exact (sympy)",
                           method="sympy.simplify", witness={} if strict else None, assumptions=assumptions,
                           message="both sides are equal (sympy)" + ("" if strict else f". LaTeX: {latex}"),
                           stats={"seconds": time.perf_counter() - t0, "latex": latex})
    return CheckResult(claim=text, verdict=Verdict.INCONCLUSIVE, precision=f"arb {4 * bits} bits",
                       method="python-flint ball", assumptions=assumptions,
                       message="the two constants could not be separated; raise --dps",
                       stats={"seconds": time.perf_counter() - t0, "latex": latex})


def _compile0(v):
    from .codegen import compile_expr

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


def _prove_inequality(text, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0, assumptions):
    from flint import arb

    from numerics.bnb import maximize
    from numerics.precision import arb_prec, dps_to_bits

    strict = op in ("<", ">")
    v = lhs - rhs if op in ("<=", "<") else rhs - lhs  # the claim is v <= 0 (v < 0 if strict)
    latex = _latex_line(lhs, op, rhs, ranges)
    if not ranges:
        return _prove_constant(text, v, op, strict, dps, t0, assumptions, latex)
    bits = dps_to_bits(dps)
    prob = _Problem(v, ranges, constraints)
    dom = ", ".join(str(r) for r in ranges)
    if tol is None:
        tol = Fraction(1, 2 ** 30) if prob.n == 1 else Fraction(1, 2 ** 20) if prob.n == 2 else Fraction(1, 2 ** 14)
    tol = Fraction(tol) if not isinstance(tol, Fraction) else tol
    side = "sup" if op in ("<=", "<") else "inf"
    diff_name = "LHS - RHS"
    const_other = rhs if op in ("<=", "<") else lhs
    with arb_prec(bits):
        res = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes, grad=prob.grad, time_limit=time_limit)
    boxes = res.boxes_explored
    method = "ball branch-and-bound (python-flint), compactified domain"
    stats = {"boxes_explored": boxes, "seconds": None, "tol": str(tol), "bits": bits, "latex": latex}

    def tight_msg(lo_ball, up):
        lo = lo_ball.lower() if lo_ball.is_finite() else -INF
        if op in ("<=", "<"):
            s = f"sup of {diff_name} is in {_enclosure_str(lo, up)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; sup of LHS is in {_enclosure_str((lo + c).lower(), (up + c).upper())}"
        else:
            nlo = -up if not isinstance(up, float) else -INF
            nhi = -lo if not isinstance(lo, float) else INF
            s = f"inf of {diff_name} is in {_enclosure_str(nlo, nhi)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; inf of RHS is in {_enclosure_str((c - up).lower(), (c - lo).upper())}" if False else \
                     f"; inf of LHS is in {_enclosure_str((c - up).lower(), (c - lo).upper())}"
        return s

    def margin_of(lo_ball, up):
        # signed slack inf(-v): certified interval [-upper, -lower]
        lo = lo_ball.lower() if lo_ball.is_finite() else None
        return {"lower": _fmt(-up, False, 17) if not isinstance(up, float) else "-inf",
                "upper": _fmt(-lo, True, 17) if lo is not None else "inf"}

    def finish(verdict, msg, witness=None, margin=None, extra_method=""):
        stats["seconds"] = time.perf_counter() - t0
        stats["boxes_explored"] = boxes
        return CheckResult(claim=text, verdict=verdict, margin=margin, precision=f"arb {bits} bits",
                           method=method + extra_method, witness=witness, assumptions=assumptions, instance=dom,
                           message=msg, stats=stats)

    up = res.upper if res.upper.is_finite() else INF
    lo_ball = res.lower
    stats["sup_violation"] = [_fmt(lo_ball.lower(), False, 17) if lo_ball.is_finite() else "-inf",
                              _fmt(up, True, 17) if not isinstance(up, float) else "inf"]
    proved = not isinstance(up, float) and (up < 0 if strict else up <= 0)
    if proved:
        return finish(Verdict.PROVED, f"{tight_msg(lo_ball, up)}. Proved for {dom}. LaTeX: {latex}",
                      margin=margin_of(lo_ball, up))

    # refutation at the incumbent point, confirmed at twice the precision
    def refute_at(pt, how):
        ball = prob.value_at(pt, bits)
        ok = ball.is_finite() and (ball >= 0 if strict else ball > 0)
        if ok:
            ball2 = prob.value_at(pt, 2 * bits)
            ok = ball2.is_finite() and (ball2 >= 0 if strict else ball2 > 0)
        if not ok or not all(r.contains(z) for r, z in zip(ranges, pt)):
            return None
        if constraints and not _constraints_hold_exact(constraints, prob.syms, pt, 2 * bits):
            return None
        wit = _witness_dict(ranges, pt)
        wit["violation"] = _enclosure_str(ball2.lower(), ball2.upper())
        where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, pt))
        return finish(Verdict.REFUTED,
                      f"at {where} the violation ({'LHS - RHS' if op in ('<=', '<') else 'RHS - LHS'}) is in "
                      f"{_enclosure_str(ball2.lower(), ball2.upper())} ({how}; confirmed at {2 * bits} bits); "
                      f"{tight_msg(lo_ball, up)}",
                      witness=wit, margin=margin_of(lo_ball, up))

    if lo_ball.is_finite():
        z_pt = prob.z_of(res.argmax)
        if all(z is not None for z in z_pt):
            out = refute_at(z_pt, "ball at an exact point")
            if out is not None:
                return out

    # equality attained (or nearly): exact candidates near the incumbent
    near_zero = lo_ball.is_finite() and not isinstance(up, float) and lo_ball.lower() >= -arb(_fq(tol * 16))
    if near_zero:
        z_pt = prob.z_of(res.argmax)
        z_float = [float(z) for z in z_pt] if all(z is not None for z in z_pt) else None
        if z_float is not None:
            for cand in _snap_candidates(prob, z_float):
                if not all(r.contains(z) for r, z in zip(ranges, cand)):
                    continue
                if constraints and not _constraints_hold_exact(constraints, prob.syms, cand, bits):
                    continue
                if not _exact_value_zero(prob, cand):
                    continue
                where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, cand))
                if strict:
                    wit = _witness_dict(ranges, cand)
                    wit["violation"] = "0 (exact, sympy)"
                    return finish(Verdict.REFUTED, f"equality holds exactly at {where} (sympy), so the strict "
                                  f"inequality fails there; {tight_msg(lo_ball, up)}", witness=wit,
                                  margin={"lower": "0", "upper": "0"}, extra_method=" + sympy exact value")
                hole = _local_max_box(prob, cand, bits)
                if hole is None:
                    continue
                prob.hole = (hole, 0)
                with arb_prec(bits):
                    res2 = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes, grad=prob.grad,
                                    time_limit=time_limit)
                boxes += res2.boxes_explored
                up2 = res2.upper if res2.upper.is_finite() else INF
                if not isinstance(up2, float) and up2 <= 0:
                    stats["equality_at"] = _witness_dict(ranges, cand)
                    return finish(
                        Verdict.PROVED,
                        f"equality is attained at {where}: v = 0 there exactly (sympy) and v <= 0 on a box "
                        f"around it (monotonicity or concavity, balls); elsewhere the branch-and-bound bounds "
                        f"v by 0; {tight_msg(res2.lower, arb(0))}. Proved for {dom}. LaTeX: {latex}",
                        margin={"lower": "0", "upper": "0"}, extra_method=" + local maximum certificate")
                prob.hole = None
    unresolved = res.unresolved
    shown = [_box_strs(prob, b) for b in unresolved[:5]]
    stats["unresolved"] = shown
    stats["unresolved_count"] = len(unresolved)
    knob = []
    if res.exhausted:
        knob.append(f"raise --max-boxes (now {max_boxes})" + (f" or --time-limit (now {time_limit} s)"
                                                               if time_limit else ""))
    if near_zero:
        knob.append("the bound looks attained (sup of the violation is ~0): if equality holds at an "
                    "irrational point, the local certificate needs sympy to find it exactly; "
                    "otherwise loosen the constant slightly")
    if isinstance(up, float):
        knob.append("some boxes have no finite bound (a singularity, an undefined point, or growth at "
                    "infinity the monotone-tail argument could not handle)")
    knob.append("raise --dps for tighter balls")
    return finish(Verdict.INCONCLUSIVE,
                  f"neither proved nor refuted: {tight_msg(lo_ball, up)}; {len(unresolved)} unresolved box(es)"
                  + (f", e.g. {shown[0]}" if shown else "") + ". Knobs: " + "; ".join(knob),
                  margin=margin_of(lo_ball, up))


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def prove(statement: str, over=(), assume=(), *, dps: int = 20, max_boxes: int = 20000,
          time_limit: float | None = 60.0, tol=None, samples: int = 64, seed: int = 0) -> CheckResult:
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
        Budget and target gap of the branch-and-bound (``tol`` absolute, default 2^-30 in one variable).
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
    lhs, op, rhs, ranges, constraints = parse_statement(statement, over, assume)
    assumptions = tuple(str(r) for r in ranges) + tuple(c[2] for c in constraints)
    if op == "==":
        return _prove_identity(statement, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions)
    return _prove_inequality(statement, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0,
                             assumptions)
