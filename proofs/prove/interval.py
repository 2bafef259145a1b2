"""Extended interval evaluation of sympy expressions: intervals whose ends may be +-oo.

python-flint balls cannot represent a half-line, so boxes of ``escset prove`` that
reach infinity (or an open end where a function blows up, ``log`` at 0) are
evaluated here, by walking the sympy tree. An interval is a pair ``(lo, hi)``
whose ends are exact ``arb`` numbers or the floats ``-inf``/``inf``.

What is certified: every rule returns, for a box, either an interval containing
the range of the node over the box **on which the node is defined, real and
continuous on the whole box** (outward rounding: each finite end is the
``lower()`` or ``upper()`` of an arb ball; ends at infinity use the limits of
monotone functions, ``0 * oo = 0`` as in IEEE 1788 interval multiplication), or
``UNDEF``: "not certified defined here". ``UNDEF`` propagates through every rule
(``tanh(UNDEF)`` is ``UNDEF``, never the saturated ``(-1, 1)``): a pole inside the
box, division by an interval containing 0, ``log``/``sqrt``/fractional powers of a
possibly negative argument, complex intermediate values (``I``, ``zoo``), a node the
rules do not cover. ``FULL = (-inf, inf)`` means "defined on the box, unbounded":
a statement about definedness, never a stand-in for "unknown".

Open ends of the domain (``x in (0, 1]``): a zero of the argument of ``1/q``,
``log q`` or ``q**(-r)`` at an end of its interval is a limit, not a pole, only
when ``q`` is certified to vanish nowhere on the box except at open domain ends
(:func:`_zero_only_at_open_ends`: a polynomial in one variable whose real roots in
the box, counted exactly by Sturm sequences, all lie at the open ends). Anything
else with a zero at an end is ``UNDEF``.

The public :func:`ext_eval` returns ``FULL`` for ``UNDEF`` (no information, for callers
that only read an upper bound); :func:`ext_eval_defined` returns ``None`` there, for
callers whose argument needs definedness (monotone faces, identity routes).
MATH.md-free: this is plain interval arithmetic (IEEE 1788 conventions), written by
hand because python-flint balls cannot represent half-lines.
"""
from __future__ import annotations

import math

import sympy as sp

from proofs.symbolic.functions import relu, sigmoid, softplus

__all__ = ["ext_eval", "ext_eval_defined", "FULL", "UNDEF", "is_full"]

INF = math.inf
FULL = (-INF, INF)
#: "not certified defined, real and continuous on this box" (propagates through every rule)
UNDEF = None


def _a(v):
    from flint import arb

    return v if isinstance(v, arb) else arb(v)


def _fin(x):
    return not isinstance(x, float)


def is_full(iv) -> bool:
    return not _fin(iv[0]) and not _fin(iv[1])


def _ball(iv):
    from flint import arb

    return arb.union(iv[0], iv[1])


def _from_ball(b):
    if not b.is_finite():
        return FULL
    return (b.lower(), b.upper())


def _lo_of(b):
    return b.lower() if b.is_finite() else -INF


def _hi_of(b):
    return b.upper() if b.is_finite() else INF


def _lt(a, b) -> bool:
    """a < b for ends (exact arbs or +-inf floats)."""
    if not _fin(a):
        return a < 0 and (_fin(b) or b > 0)
    if not _fin(b):
        return b > 0
    return bool(a < b)


def _min(vals):
    out = None
    for v in vals:
        if out is None or _lt(v, out):
            out = v
    return out


def _max(vals):
    out = None
    for v in vals:
        if out is None or _lt(out, v):
            out = v
    return out


def _sign(x) -> int:
    if not _fin(x):
        return 1 if x > 0 else -1
    return 1 if x > 0 else (-1 if x < 0 else 0)


# -- arithmetic -------------------------------------------------------------
def _add(p, q):
    # lower ends are finite or -oo, upper ends finite or +oo: no oo - oo can arise
    lo = -INF if (not _fin(p[0]) or not _fin(q[0])) else (p[0] + q[0]).lower()
    hi = INF if (not _fin(p[1]) or not _fin(q[1])) else (p[1] + q[1]).upper()
    return (lo, hi)


def _neg(p):
    lo = -p[1] if _fin(p[1]) else -INF
    hi = -p[0] if _fin(p[0]) else INF
    return (lo, hi)


def _mulend(x, y):
    """Product of two ends, 0 * oo = 0; returns (lower, upper) of the rounded product."""
    if _fin(x) and _fin(y):
        b = x * y
        return b.lower(), b.upper()
    sx, sy = _sign(x), _sign(y)
    if sx == 0 or sy == 0:
        return _a(0), _a(0)
    v = INF if sx * sy > 0 else -INF
    return v, v


def _mul(p, q):
    prods = [_mulend(x, y) for x in p for y in q]
    return (_min([a for a, _ in prods]), _max([b for _, b in prods]))


def _recip(q, zero_ok=lambda: False):
    """1/q. An end exactly 0 is a pole: allowed (giving an infinite end) only when ``zero_ok()`` certifies
    that q vanishes only at open ends of the domain (a limit there, not a point of the domain); else UNDEF."""
    if q is UNDEF:
        return UNDEF
    lo, hi = q
    s_lo, s_hi = _sign(lo), _sign(hi)
    if s_lo < 0 < s_hi or (s_lo == 0 and s_hi == 0):
        return UNDEF
    if (s_lo == 0 or s_hi == 0) and not zero_ok():
        return UNDEF
    if s_lo == 0:  # [0, hi], hi > 0
        return ((1 / hi).lower() if _fin(hi) else _a(0), INF)
    if s_hi == 0:  # [lo, 0], lo < 0
        return (-INF, (1 / lo).upper() if _fin(lo) else _a(0))
    new_lo = (1 / hi).lower() if _fin(hi) else _a(0)
    new_hi = (1 / lo).upper() if _fin(lo) else _a(0)
    return (new_lo, new_hi)


def _powint(p, n: int, zero_ok=lambda: False):
    if p is UNDEF:
        return UNDEF
    if n == 0:
        return (_a(1), _a(1))
    if n < 0:
        return _recip(_powint(p, -n), zero_ok)
    lo, hi = p

    def pw(x, up):
        if not _fin(x):
            return INF if (x > 0 or n % 2 == 0) else -INF
        b = x ** n
        return b.upper() if up else b.lower()

    if n % 2 == 1 or _sign(lo) >= 0:
        return (pw(lo, False), pw(hi, True))
    if _sign(hi) <= 0:
        return (pw(hi, False), pw(lo, True))
    return (_a(0), _max([pw(lo, True), pw(hi, True)]))


# -- monotone functions ------------------------------------------------------
def _mono(fn, lim_lo, lim_hi, increasing=True, domain_lo=None):
    """Interval extension of a monotone function with limits at -oo/+oo (or at ``domain_lo``)."""
    def ev(p, zero_ok=lambda: False):
        if p is UNDEF:
            return UNDEF
        lo, hi = p
        if domain_lo is not None:
            if _fin(hi) and not hi > domain_lo:
                return UNDEF  # outside the domain, or touching it only at the singular end
            if not _fin(lo) or lo < domain_lo or (lo == domain_lo and not zero_ok()):
                return UNDEF  # partly outside the domain: the statement is not defined on all the box
            if lo == domain_lo:
                a = lim_lo
            else:
                a = _lo_of(fn(lo)) if increasing else _hi_of(fn(lo))
        else:
            a = lim_lo if not _fin(lo) else (_lo_of(fn(lo)) if increasing else _hi_of(fn(lo)))
        b = lim_hi if not _fin(hi) else (_hi_of(fn(hi)) if increasing else _lo_of(fn(hi)))
        return (a, b) if increasing else (b, a)
    return ev


def _sig(x):
    return 1 / (1 + (-x).exp())


def _table():
    from flint import arb

    half_pi = arb.pi() / 2
    return {
        sp.exp: _mono(lambda x: x.exp(), _a(0), INF),
        sp.log: _mono(lambda x: x.log(), -INF, INF, domain_lo=_a(0)),
        sp.tanh: _mono(lambda x: x.tanh(), _a(-1), _a(1)),
        sp.erf: _mono(lambda x: x.erf(), _a(-1), _a(1)),
        sp.erfc: _mono(lambda x: x.erfc(), _a(2), _a(0), increasing=False),
        sp.atan: _mono(lambda x: x.atan(), (-half_pi).lower(), half_pi.upper()),
        sp.sinh: _mono(lambda x: x.sinh(), -INF, INF),
        sp.asinh: _mono(lambda x: x.asinh(), -INF, INF),
        sigmoid: _mono(_sig, _a(0), _a(1)),
        softplus: _mono(lambda x: (1 + x.exp()).log(), _a(0), INF),
        relu: _mono(lambda x: x.max(_a(0)), _a(0), INF),
    }


_TABLE = None


def _functions():
    global _TABLE
    if _TABLE is None:
        _TABLE = _table()
    return _TABLE


def _cosh(p):
    if p is UNDEF:
        return UNDEF
    lo, hi = p
    vals = []
    for x in (lo, hi):
        vals.append(INF if not _fin(x) else x.cosh().upper())
    top = _max(vals)
    if _sign(lo) <= 0 <= _sign(hi):
        return (_a(1), top)
    m = hi if _sign(hi) < 0 else lo
    return (m.cosh().lower(), top)


def _periodic(fn):
    def ev(p):
        if p is UNDEF:
            return UNDEF
        if not _fin(p[0]) or not _fin(p[1]):
            return (_a(-1), _a(1))
        lo, hi = _from_ball(fn(_ball(p)))
        # sin and cos lie in [-1, 1]: the ball's rounding may not know it (cos x - 1 <= 0 exactly)
        lo = _a(-1) if not _fin(lo) or lo < -1 else lo
        hi = _a(1) if not _fin(hi) or hi > 1 else hi
        return (lo, hi)
    return ev


def _abs(p):
    if p is UNDEF:
        return UNDEF
    lo, hi = p
    if _sign(lo) >= 0:
        return p
    if _sign(hi) <= 0:
        return _neg(p)
    return (_a(0), _max([(-lo) if _fin(lo) else INF, hi]))


def _cond(c, env, open_end=False, refine=None):
    """Three-valued truth of a relational condition over the box: True, False or None (undecided, or a side
    not certified defined on the box)."""
    if c is sp.true or c == True:  # noqa: E712
        return True
    if c is sp.false or c == False:  # noqa: E712
        return False
    if isinstance(c, sp.And):
        vals = [_cond(a, env, open_end, refine) for a in c.args]
        return False if False in vals else (True if all(v is True for v in vals) else None)
    if isinstance(c, sp.Or):
        vals = [_cond(a, env, open_end, refine) for a in c.args]
        return True if True in vals else (False if all(v is False for v in vals) else None)
    if isinstance(c, sp.Not):
        v = _cond(c.args[0], env, open_end, refine)
        return None if v is None else not v
    if isinstance(c, sp.core.relational.Relational):
        d = _ev(c.lhs - c.rhs, env, open_end, refine)
        if d is UNDEF:
            return None
        lo, hi = d
        op = c.rel_op
        if op in (">", ">="):
            d, op = _neg(d), "<" if op == ">" else "<="
            lo, hi = d
        if op == "<":
            if _fin(hi) and hi < 0 or (not _fin(hi) and hi < 0):
                return True
            if _fin(lo) and lo >= 0:
                return False
            return None
        if op == "<=":
            if (_fin(hi) and hi <= 0) or (not _fin(hi) and hi < 0):
                return True
            if _fin(lo) and lo > 0:
                return False
            return None
        if op == "==":
            if _fin(lo) and _fin(hi) and lo == 0 and hi == 0:
                return True
            if (_fin(lo) and lo > 0) or (_fin(hi) and hi < 0):
                return False
            return None
        return None
    return None


def _intersect(p, q):
    lo = q[0] if (not _fin(p[0]) or (_fin(q[0]) and q[0] > p[0])) else p[0]
    hi = q[1] if (not _fin(p[1]) or (_fin(q[1]) and q[1] < p[1])) else p[1]
    return (lo, hi)


def _hull(ivs):
    if any(p is UNDEF for p in ivs):
        return UNDEF
    return (_min([p[0] for p in ivs]), _max([p[1] for p in ivs]))


_ROOTS_CACHE: dict = {}


def _zero_only_at_open_ends(node, env, open_end) -> bool:
    """True when ``node`` vanishes on the box at most at open ends of the domain (so a zero at an end of its
    interval is a limit of the statement, not a point where it must be defined).

    ``open_end``: ``True`` (every zero is a limit: used only where definedness is already certified by the
    caller), falsy (no open end: never), or ``{symbol: (end, ...)}``, the exact (sympy Rational) open domain
    ends that the box touches. Certified for a polynomial in one such symbol with rational coefficients:
    its distinct real roots in the closed box are counted exactly (Sturm sequences, ``Poly.count_roots``)
    and must all be open ends. Anything else: False (the caller then reports UNDEF)."""
    if open_end is True:
        return True
    # sympy's assumptions decide that node never vanishes at a real point (exp(x), 1 + x**2, x with x > 0 from
    # the domain): a zero at an end of its interval is then the limit at an infinite or open end
    if node.is_positive is True or node.is_negative is True:
        return True
    if not open_end:
        return False
    syms = node.free_symbols
    if len(syms) != 1:
        return False
    (s_,) = syms
    ends = open_end.get(s_)
    if not ends or s_ not in env:
        return False
    lo, hi = env[s_]
    key = (node, str(lo), str(hi), tuple(ends))
    if key in _ROOTS_CACHE:
        return _ROOTS_CACHE[key]
    ok = False
    try:
        poly = sp.Poly(node, s_)
        if poly.degree() >= 1 and poly.domain in (sp.ZZ, sp.QQ):
            from numerics.certified.precision import arb_endpoint_fraction

            def q(x):  # exact ends only (box ends are exact arbs); an inexact one: no certificate
                if not _fin(x) or x.rad() != 0:
                    return None
                f = arb_endpoint_fraction(x)
                return sp.Rational(f.numerator, f.denominator)

            a, b = q(lo), q(hi)
            if (a is not None or not _fin(lo)) and (b is not None or not _fin(hi)):
                inside = [e for e in set(ends) if (a is None or e >= a) and (b is None or e <= b)
                          and poly.eval(e) == 0]
                ok = bool(inside) and poly.count_roots(a, b) == len(inside)
    except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, TypeError, ValueError):
        ok = False
    if not ok:
        ok = _monotone_zero_at_open_end(node, s_, env, ends, open_end)
    if len(_ROOTS_CACHE) > 20000:
        _ROOTS_CACHE.clear()
    _ROOTS_CACHE[key] = ok
    return ok


def _monotone_zero_at_open_end(node, s_, env, ends, open_end) -> bool:
    """Any function of one variable (``log(x)`` over ``(1, oo)``): its only zero on the box is an open end when
    it vanishes there exactly (sympy) and is strictly monotone on the box (its derivative's interval excludes
    0), being continuous there (no jump functions; its own interval was certified by the caller)."""
    if node.has(sp.Piecewise, sp.Heaviside, sp.sign):
        return False
    lo, hi = env[s_]
    at_end = []
    for e in set(ends):
        try:
            is_zero = sp.simplify(node.subs(s_, e)) == 0
        except Exception:  # noqa: BLE001 - sympy could not decide: no certificate
            is_zero = False
        if is_zero:
            at_end.append(e)
    if not at_end:
        return False
    try:
        d = sp.diff(node, s_)
    except Exception:  # noqa: BLE001
        return False
    iv = _ev(d, env, open_end)
    if iv is UNDEF:
        return False
    dlo, dhi = iv
    return (_fin(dlo) and dlo > 0) or (_fin(dhi) and dhi < 0)


def ext_eval(expr, env: dict, open_end=False, refine=None):
    """Interval of ``expr`` over the box ``env`` (symbol -> (lo, hi)); ``FULL`` where :func:`ext_eval_defined`
    says UNDEF (no information). See the module docstring."""
    out = _ev(expr, env, open_end, refine)
    return FULL if out is UNDEF else out


def ext_eval_defined(expr, env: dict, open_end=False, refine=None):
    """Interval of ``expr`` over the box, or ``None`` (UNDEF) when ``expr`` is not certified defined, real
    and continuous on the whole box (see the module docstring).

    ``refine(expr, env, open_end)``: optional callback giving a better interval for a sum or product whose
    interval came out unbounded (``oo - oo``, ``oo * 0``: the dependency problem at infinity) although it is
    certified defined; the result is intersected with the plain one, so a rigorous callback keeps it rigorous.

    ``open_end``: the open domain ends the box touches, ``{symbol: (end, ...)}`` (see
    :func:`_zero_only_at_open_ends`); ``False`` for none.
    """
    return _ev(expr, env, open_end, refine)


def _ev(expr, env: dict, open_end=False, refine=None):
    from flint import arb

    if expr in env:
        return env[expr]
    if expr.is_Rational:
        b = arb(expr.p) / arb(expr.q) if expr.q != 1 else arb(int(expr.p))
        return (b.lower(), b.upper())
    if expr is sp.pi:
        return _from_ball(arb.pi())
    if expr is sp.E:
        return _from_ball(arb(1).exp())
    if expr.is_Float:
        # a sympy Float is an exact binary number at its own precision: take it exactly, not through float()
        r = sp.Rational(expr)
        b = arb(int(r.p)) / arb(int(r.q))
        return (b.lower(), b.upper())
    if expr.is_Number or expr.is_NumberSymbol or expr is sp.I or expr.has(sp.I, sp.zoo, sp.nan, sp.oo):
        return UNDEF  # oo, zoo, nan, I, other constants: no real finite value certified
    if expr.is_Add or expr.is_Mul:
        out = None
        for a in expr.args:
            v = _ev(a, env, open_end, refine)
            if v is UNDEF:
                return UNDEF
            out = v if out is None else (_add(out, v) if expr.is_Add else _mul(out, v))
        if refine is not None and (not _fin(out[0]) or not _fin(out[1])):
            better = refine(expr, env, open_end)
            if better is not None:
                out = _intersect(out, better)
        return out
    if expr.is_Pow:
        base, e = expr.args
        zero_ok = lambda: _zero_only_at_open_ends(base, env, open_end)  # noqa: E731
        if e.is_Integer:
            return _powint(_ev(base, env, open_end, refine), int(e), zero_ok)
        b = _ev(base, env, open_end, refine)
        if b is UNDEF:
            return UNDEF
        if e.is_Rational and e > 0:
            # x**(p/q) with x >= 0: increasing and continuous (a base that may be negative: complex, UNDEF)
            if not (_fin(b[0]) and b[0] >= 0):
                return UNDEF
            ev = _mono(lambda x: x ** (arb(e.p) / arb(e.q)) if x > 0 else arb(0), _a(0), INF)
            return ev(b)
        if e.is_Rational and e < 0:
            return _recip(_ev(base ** (-e), env, open_end, refine), zero_ok)
        # general: exp(e log b)
        return _ev(sp.exp(e * sp.log(base)), env, open_end, refine)
    if isinstance(expr, sp.Piecewise):
        parts = []
        for piece, cond in expr.args:
            t = _cond(cond, env, open_end, refine)
            if t is False:
                continue
            parts.append(_ev(piece, env, open_end, refine))
            if t is True:
                break
        else:
            # no condition is certainly true on the rest of the box: points where no piece applies may exist
            return UNDEF
        return _hull(parts) if parts else UNDEF
    if isinstance(expr, sp.Abs):
        return _abs(_ev(expr.args[0], env, open_end, refine))
    if isinstance(expr, (sp.Max, sp.Min)):
        vals = [_ev(a, env, open_end, refine) for a in expr.args]
        if any(v is UNDEF for v in vals):
            return UNDEF
        pick = _max if isinstance(expr, sp.Max) else _min
        return (pick([v[0] for v in vals]), pick([v[1] for v in vals]))
    if isinstance(expr, sp.Heaviside):
        p = _ev(expr.args[0], env, open_end, refine)
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        h = _ev(h0, env, open_end, refine)
        if p is UNDEF or h is UNDEF:
            return UNDEF
        if _sign(p[0]) > 0:
            return (_a(1), _a(1))
        if _sign(p[1]) < 0:
            return (_a(0), _a(0))
        return _hull([(_a(0), _a(1)), h])
    if isinstance(expr, sp.sign):
        p = _ev(expr.args[0], env, open_end, refine)
        if p is UNDEF:
            return UNDEF
        if _sign(p[0]) > 0:
            return (_a(1), _a(1))
        if _sign(p[1]) < 0:
            return (_a(-1), _a(-1))
        return (_a(-1), _a(1))
    if isinstance(expr, sp.cosh):
        return _cosh(_ev(expr.args[0], env, open_end, refine))
    if isinstance(expr, sp.sin):
        return _periodic(lambda b: b.sin())(_ev(expr.args[0], env, open_end, refine))
    if isinstance(expr, sp.cos):
        return _periodic(lambda b: b.cos())(_ev(expr.args[0], env, open_end, refine))
    fns = _functions()
    if type(expr) in fns and len(expr.args) == 1:
        f = fns[type(expr)]
        arg = _ev(expr.args[0], env, open_end, refine)
        if type(expr) is sp.log:
            return f(arg, lambda: _zero_only_at_open_ends(expr.args[0], env, open_end))
        return f(arg)
    return UNDEF
