"""Extended interval evaluation of sympy expressions: intervals whose ends may be +-oo.

python-flint balls cannot represent a half-line, so boxes of ``escset prove`` that
reach infinity (or an open end where a function blows up, ``log`` at 0) are
evaluated here, by walking the sympy tree. An interval is a pair ``(lo, hi)``
whose ends are exact ``arb`` numbers or the floats ``-inf``/``inf``.

What is certified: every rule returns an interval containing the range of the
node over the input box (outward rounding: each finite end is the ``lower()`` or
``upper()`` of an arb ball; ends at infinity use the limits of monotone
functions, ``0 * oo = 0`` as in IEEE 1788 interval multiplication). A node the
rules do not cover, or a function outside its domain, gives ``(-inf, inf)``
(no information), never a guess.
"""
from __future__ import annotations

import math

import sympy as sp

from ._functions import relu, sigmoid, softplus

__all__ = ["ext_eval", "FULL", "is_full"]

INF = math.inf
FULL = (-INF, INF)


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


def _recip(q, open_end=False):
    """1/q. An end exactly 0 is a pole: allowed (giving an infinite end) only when ``open_end`` says the
    box touches an open end of the domain, where the statement need not be defined; otherwise no information."""
    lo, hi = q
    s_lo, s_hi = _sign(lo), _sign(hi)
    if s_lo < 0 < s_hi or (s_lo == 0 and s_hi == 0):
        return FULL
    if (s_lo == 0 or s_hi == 0) and not open_end:
        return FULL
    if s_lo == 0:  # [0, hi], hi > 0
        return ((1 / hi).lower() if _fin(hi) else _a(0), INF)
    if s_hi == 0:  # [lo, 0], lo < 0
        return (-INF, (1 / lo).upper() if _fin(lo) else _a(0))
    new_lo = (1 / hi).lower() if _fin(hi) else _a(0)
    new_hi = (1 / lo).upper() if _fin(lo) else _a(0)
    return (new_lo, new_hi)


def _powint(p, n: int, open_end=False):
    if n == 0:
        return (_a(1), _a(1))
    if n < 0:
        return _recip(_powint(p, -n), open_end)
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
    def ev(p, open_end=False):
        lo, hi = p
        if domain_lo is not None:
            if _fin(hi) and not hi > domain_lo:
                return FULL  # outside the domain, or touching it only at the singular end
            if not _fin(lo) or lo < domain_lo or (lo == domain_lo and not open_end):
                return FULL  # partly outside the domain: the statement is not defined on all the box
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
        if not _fin(p[0]) or not _fin(p[1]):
            return (_a(-1), _a(1))
        lo, hi = _from_ball(fn(_ball(p)))
        # sin and cos lie in [-1, 1]: the ball's rounding may not know it (cos x - 1 <= 0 exactly)
        lo = _a(-1) if not _fin(lo) or lo < -1 else lo
        hi = _a(1) if not _fin(hi) or hi > 1 else hi
        return (lo, hi)
    return ev


def _abs(p):
    lo, hi = p
    if _sign(lo) >= 0:
        return p
    if _sign(hi) <= 0:
        return _neg(p)
    return (_a(0), _max([(-lo) if _fin(lo) else INF, hi]))


def _cond(c, env, open_end=False, refine=None):
    """Three-valued truth of a relational condition over the box: True, False or None."""
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
        d = ext_eval(c.lhs - c.rhs, env, open_end, refine)
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
    return (_min([p[0] for p in ivs]), _max([p[1] for p in ivs]))


def ext_eval(expr, env: dict, open_end: bool = False, refine=None):
    """Interval of ``expr`` over the box ``env`` (symbol -> (lo, hi)); see the module docstring.

    ``refine(expr, env, open_end)``: optional callback giving a better interval for a sum or product whose
    interval came out unbounded (``oo - oo``, ``oo * 0``: the dependency problem at infinity); the result is
    intersected with the plain one, so a refine callback that is itself rigorous keeps the result rigorous.

    ``open_end``: the box touches an open end of the domain, so a pole or a log singularity met exactly at an
    end of an interval is a limit (the statement need not be defined there); elsewhere it gives no information.
    """
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
    if expr is sp.oo or expr is -sp.oo or expr is sp.zoo or expr is sp.nan:
        return FULL
    if expr.is_Float:
        b = arb(float(expr))
        return (b, b)
    if expr.is_Add or expr.is_Mul:
        out = None
        for a in expr.args:
            v = ext_eval(a, env, open_end, refine)
            out = v if out is None else (_add(out, v) if expr.is_Add else _mul(out, v))
        if refine is not None and (not _fin(out[0]) or not _fin(out[1])):
            better = refine(expr, env, open_end)
            if better is not None:
                out = _intersect(out, better)
        return out
    if expr.is_Pow:
        base, e = expr.args
        if e.is_Integer:
            return _powint(ext_eval(base, env, open_end, refine), int(e), open_end)
        b = ext_eval(base, env, open_end, refine)
        if e.is_Rational and e > 0:
            # x**(p/q) with x >= 0: increasing (a base that may be negative: no information)
            if not (_fin(b[0]) and b[0] >= 0):
                return FULL
            ev = _mono(lambda x: x ** (arb(e.p) / arb(e.q)) if x > 0 else arb(0), _a(0), INF)
            return ev(b)
        if e.is_Rational and e < 0:
            return _recip(ext_eval(base ** (-e), env, open_end, refine), open_end)
        # general: exp(e log b)
        return ext_eval(sp.exp(e * sp.log(base)), env, open_end, refine)
    if isinstance(expr, sp.Piecewise):
        parts = []
        for piece, cond in expr.args:
            t = _cond(cond, env, open_end, refine)
            if t is False:
                continue
            parts.append(ext_eval(piece, env, open_end, refine))
            if t is True:
                break
        return _hull(parts) if parts else FULL
    if isinstance(expr, sp.Abs):
        return _abs(ext_eval(expr.args[0], env, open_end, refine))
    if isinstance(expr, (sp.Max, sp.Min)):
        vals = [ext_eval(a, env, open_end, refine) for a in expr.args]
        pick = _max if isinstance(expr, sp.Max) else _min
        return (pick([v[0] for v in vals]), pick([v[1] for v in vals]))
    if isinstance(expr, sp.Heaviside):
        p = ext_eval(expr.args[0], env, open_end, refine)
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        h = ext_eval(h0, env, open_end, refine)
        if _sign(p[0]) > 0:
            return (_a(1), _a(1))
        if _sign(p[1]) < 0:
            return (_a(0), _a(0))
        return _hull([(_a(0), _a(1)), h])
    if isinstance(expr, sp.sign):
        p = ext_eval(expr.args[0], env, open_end, refine)
        if _sign(p[0]) > 0:
            return (_a(1), _a(1))
        if _sign(p[1]) < 0:
            return (_a(-1), _a(-1))
        return (_a(-1), _a(1))
    if isinstance(expr, sp.cosh):
        return _cosh(ext_eval(expr.args[0], env, open_end, refine))
    if isinstance(expr, sp.sin):
        return _periodic(lambda b: b.sin())(ext_eval(expr.args[0], env, open_end, refine))
    if isinstance(expr, sp.cos):
        return _periodic(lambda b: b.cos())(ext_eval(expr.args[0], env, open_end, refine))
    fns = _functions()
    if type(expr) in fns and len(expr.args) == 1:
        f = fns[type(expr)]
        arg = ext_eval(expr.args[0], env, open_end, refine)
        return f(arg, open_end) if type(expr) is sp.log else f(arg)
    return FULL
