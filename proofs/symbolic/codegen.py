"""Evaluators generated from the sympy source: numpy, array API, mpmath and python-flint balls.

No formula is re-typed here: every evaluator is ``sympy.lambdify`` of the one
symbolic expression, with a namespace per backend:

* ``numpy``: vectorised float64; the named functions map to numerically stable
  kernels (``expit`` for the sigmoid, ``logaddexp`` for softplus, a max-shifted
  softmax weight), so large |w| never overflows.
* ``xp``: ``f(xp, *args)`` for any array-API namespace ``xp`` (numpy, ``array_api_strict``,
  JAX, CuPy, torch): the numpy printer's code with every function looked up on ``xp``
  (array-API names), the sigmoid and softplus through the stable helpers of
  :mod:`numerics.dynamics.backend`, softmax weights max-shifted, Piecewise as nested
  ``where``; :func:`xp_missing` names what a namespace lacks (erf outside numpy).
* ``mpmath``: scalar, at the caller's working precision (use
  :func:`numerics.certified.precision.workdps`).
* ``arb``: python-flint balls. :class:`ArbPrinter` keeps rational constants exact
  (``_arb(p)/_arb(q)``), prints pi and e as arb constants, and evaluates
  piecewise activations as the union of the pieces whose interval meets the
  ball (each piece evaluated on the intersection), so every result encloses
  the true value (rigorous, not a float estimate).

Activation function classes (``<activation>_d<k>``, see
:meth:`proofs.symbolic.activations.Activation.function`) are compiled once per backend
from ``Activation.derivative(k)`` as univariate functions and injected into the
namespace by name.
"""
from __future__ import annotations

import functools
import inspect
import math
import re

import mpmath
import numpy as np
import sympy as sp
from scipy import special as _sps
from sympy.printing.lambdarepr import LambdaPrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import MpmathPrinter

from proofs.symbolic.functions import relu, sigmoid, softmax_w, softplus
from proofs.symbolic.pieces import Z, _pieces

__all__ = ["compile_expr", "ArbPrinter", "BACKENDS", "activation_classes", "arb_from_interval", "to_arb",
           "xp_missing"]

BACKENDS = ("numpy", "mpmath", "arb", "xp")


# ---------------------------------------------------------------------------
# numpy
# ---------------------------------------------------------------------------
def _np_softmax_w(idx, *scores):
    s = np.broadcast_arrays(*scores)
    mx = functools.reduce(np.maximum, s)
    e = [np.exp(si - mx) for si in s]
    return e[idx] / functools.reduce(np.add, e)


def _np_heaviside(x, h0=0.5):
    return np.heaviside(x, h0)


_NUMPY_NS = {
    "sigmoid": _sps.expit, "softplus": lambda x: np.logaddexp(0.0, x), "relu": lambda x: np.maximum(x, 0.0),
    "erf": _sps.erf, "erfc": _sps.erfc, "_smw": _np_softmax_w, "Heaviside": _np_heaviside, "numpy": np, "math": math,
    "functools": functools,  # the numpy printer writes Max/Min as functools.reduce(numpy.maximum, ...)
}


class _ActMixin:
    """Shared by the three printers: activation function classes, the named functions of
    :mod:`proofs.symbolic.functions` and Heaviside print as plain calls into the backend namespace."""

    def _print_Function(self, e):
        if hasattr(type(e), "activation"):
            return _call(self, type(e).__name__, e.args)
        return super()._print_Function(e)

    def _print_softmax_w(self, e):
        return _print_smw(self, e)

    def _print_sigmoid(self, e):
        return _call(self, "sigmoid", e.args)

    def _print_softplus(self, e):
        return _call(self, "softplus", e.args)

    def _print_relu(self, e):
        return _call(self, "relu", e.args)

    def _print_Heaviside(self, e):
        h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
        return f"Heaviside({self._print(e.args[0])}, {self._heaviside_h0(h0)})"

    def _heaviside_h0(self, h0):
        return self._print(h0)


def _call(printer, name, args):
    return f"{name}({', '.join(printer._print(a) for a in args)})"


class _NumPyPrinter(_ActMixin, NumPyPrinter):
    def _heaviside_h0(self, h0):
        return repr(float(h0))

    def _print_erf(self, e):
        return _call(self, "erf", e.args)

    def _print_erfc(self, e):
        return _call(self, "erfc", e.args)


def _print_smw(printer, e):
    first, scores = e.args[0], e.args[1:]
    try:
        idx = list(scores).index(first)
    except ValueError:  # pragma: no cover - softmax_w is always built with s_l among the scores
        raise NotImplementedError("softmax_w whose first argument is not one of the scores")
    return f"_smw({idx}, {', '.join(printer._print(s) for s in scores)})"


# ---------------------------------------------------------------------------
# mpmath
# ---------------------------------------------------------------------------
def _mp_softmax_w(idx, *scores):
    mx = max(scores)
    e = [mpmath.exp(s - mx) for s in scores]
    return e[idx] / mpmath.fsum(e)


def _mp_heaviside(x, h0=mpmath.mpf(1) / 2):
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(h0))


_MPMATH_NS = {
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)), "softplus": lambda x: mpmath.log1p(mpmath.exp(x)),
    "relu": lambda x: x if x > 0 else mpmath.mpf(0), "_smw": _mp_softmax_w, "Heaviside": _mp_heaviside,
    "mpmath": mpmath,
}


class _MpmathPrinter(_ActMixin, MpmathPrinter):
    pass


# ---------------------------------------------------------------------------
# array API: f(xp, *args) for any namespace xp (numpy, array_api_strict, JAX, CuPy, torch)
# ---------------------------------------------------------------------------
#: numpy's names of elementwise functions (the numpy printer's output) -> the array API standard's
_XP_RENAME = {"arccos": "acos", "arcsin": "asin", "arctan": "atan", "arccosh": "acosh", "arcsinh": "asinh",
              "arctanh": "atanh", "arctan2": "atan2", "power": "pow", "absolute": "abs", "mod": "remainder"}
#: functions outside the array API standard: looked up on xp, on numpy in scipy.special
_XP_SPECIAL = ("erf", "erfc")
_XP_NAME = re.compile(r"\bxp\.(\w+)|_xp_special\(xp, '(\w+)'\)")


def _xp_array(xp, v):
    """``v`` as a float64 array of ``xp`` (Python numbers become 0-d arrays)."""
    return v if hasattr(v, "shape") else xp.asarray(float(v), dtype=xp.float64)


def _xp_where(xp, cond, a, b):
    return xp.where(cond, _xp_array(xp, a), _xp_array(xp, b))


def _xp_maximum(xp, *args):
    return functools.reduce(xp.maximum, [_xp_array(xp, v) for v in args])


def _xp_minimum(xp, *args):
    return functools.reduce(xp.minimum, [_xp_array(xp, v) for v in args])


def _xp_relu(xp, x):
    return xp.where(x > 0, x, xp.zeros_like(x))


def _xp_heaviside(xp, x, h0):
    ones, zeros = xp.ones_like(x), xp.zeros_like(x)
    return xp.where(x > 0, ones, xp.where(x < 0, zeros, zeros + h0))


def _xp_softmax_w(xp, idx, *scores):
    s = [_xp_array(xp, v) for v in scores]
    mx = functools.reduce(xp.maximum, s)
    e = [xp.exp(si - mx) for si in s]
    return e[idx] / functools.reduce(lambda p, q: p + q, e)


def _xp_special(xp, name):
    """A function outside the array API (erf, erfc) on ``xp``; on numpy scipy.special's."""
    from numerics.dynamics.backend import is_numpy

    f = getattr(xp, name, None)
    if f is None and is_numpy(xp):
        f = getattr(_sps, name)
    if f is None:
        raise AttributeError(f"the array namespace {getattr(xp, '__name__', xp)} has no {name}")
    return f


def _xp_sigmoid(xp, x):
    from numerics.dynamics.backend import sigmoid as stable_sigmoid  # no overflow at any |x|

    return stable_sigmoid(xp, x)


def _xp_softplus(xp, x):
    from numerics.dynamics.backend import softplus as stable_softplus

    return stable_softplus(xp, x)


_XP_NS = {"_xp_where": _xp_where, "_xp_maximum": _xp_maximum, "_xp_minimum": _xp_minimum, "_xp_relu": _xp_relu,
          "_xp_heaviside": _xp_heaviside, "_xp_smw": _xp_softmax_w, "_xp_special": _xp_special,
          "_xp_sigmoid": _xp_sigmoid, "_xp_softplus": _xp_softplus, "functools": functools}


class _XpPrinter(_ActMixin, NumPyPrinter):
    """The numpy printer with every ``numpy.<f>`` written ``xp.<f>`` (array-API names), the named functions as
    calls of the stable helpers above taking ``xp``, comparisons as operators and Piecewise as nested ``where``."""

    def _print(self, expr, **kwargs):
        # irrational constants (pi, sqrt(pi), log(2)) as float literals: xp functions take arrays only
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Rational and expr.is_real:
            return repr(float(expr.evalf(30)))
        return super()._print(expr, **kwargs)

    def _module_format(self, fqn, register=True):
        if fqn.startswith("numpy."):
            name = fqn[len("numpy."):]
            return f"xp.{_XP_RENAME.get(name, name)}"
        return super()._module_format(fqn, register)

    def _print_Function(self, e):
        if hasattr(type(e), "activation"):
            return f"{type(e).__name__}(xp, {', '.join(self._print(a) for a in e.args)})"
        return super()._print_Function(e)

    def _helper(self, name, args):
        return f"{name}(xp, {', '.join(self._print(a) for a in args)})"

    def _print_sigmoid(self, e):
        return self._helper("_xp_sigmoid", e.args)

    def _print_softplus(self, e):
        return self._helper("_xp_softplus", e.args)

    def _print_relu(self, e):
        return self._helper("_xp_relu", e.args)

    def _print_Max(self, e):
        return self._helper("_xp_maximum", e.args)

    def _print_Min(self, e):
        return self._helper("_xp_minimum", e.args)

    def _print_Heaviside(self, e):
        h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
        return f"_xp_heaviside(xp, {self._print(e.args[0])}, {float(h0)!r})"

    def _print_softmax_w(self, e):
        return "_xp_smw(xp, " + _print_smw(self, e)[len("_smw("):]

    def _print_erf(self, e):
        return f"_xp_special(xp, 'erf')({self._print(e.args[0])})"

    def _print_erfc(self, e):
        return f"_xp_special(xp, 'erfc')({self._print(e.args[0])})"

    def _print_Relational(self, e):
        return f"({self._print(e.lhs)} {e.rel_op} {self._print(e.rhs)})"

    def _print_And(self, e):
        return functools.reduce(lambda p, q: f"xp.logical_and({p}, {q})", [self._print(a) for a in e.args])

    def _print_Or(self, e):
        return functools.reduce(lambda p, q: f"xp.logical_or({p}, {q})", [self._print(a) for a in e.args])

    def _print_Not(self, e):
        return f"xp.logical_not({self._print(e.args[0])})"

    def _print_Piecewise(self, e):
        pairs = list(e.args)
        if pairs[-1].cond == sp.true:
            out = self._print(pairs.pop().expr)
        else:
            out = "xp.nan"
        for expr, cond in reversed(pairs):
            out = f"_xp_where(xp, {self._print(cond)}, {self._print(expr)}, {out})"
        return out


def _xp_compile(args, target, ns, cse):
    """``f(xp, *args)`` with ``f.xp_names``: the names it (and the activations it calls) looks up on ``xp``."""
    f = sp.lambdify([_XP] + list(args), target, modules=[ns, _XP_NS], printer=_XpPrinter, cse=cse)
    names = {a or b for a, b in _XP_NAME.findall(inspect.getsource(f))}
    for g in ns.values():
        names |= getattr(g, "xp_names", frozenset())
    f.xp_names = frozenset(names)
    return f


_XP = sp.Symbol("xp")


def xp_missing(f, xp) -> list[str]:
    """The functions an ``"xp"`` evaluator ``f`` needs that the namespace ``xp`` lacks (empty: it runs there)."""
    out = []
    for name in sorted(getattr(f, "xp_names", ())):
        if name in _XP_SPECIAL:
            try:
                _xp_special(xp, name)
            except AttributeError:
                out.append(name)
        elif not hasattr(xp, name):
            out.append(name)
    return out


# ---------------------------------------------------------------------------
# python-flint balls
# ---------------------------------------------------------------------------
from numerics.balls import to_arb  # noqa: E402  (the one number -> ball converter)


def arb_from_interval(lo, hi):
    """The smallest ball python-flint makes that contains [lo, hi] (arbs or numbers)."""
    from flint import arb

    return arb.union(to_arb(lo), to_arb(hi))


def _arb_fn(name):
    def f(x):
        return getattr(to_arb(x), name)()
    f.__name__ = name
    return f


def _arb_heaviside(x, h0=0.5):
    from flint import arb

    x = to_arb(x)
    if x > 0:
        return arb(1)
    if x < 0:
        return arb(0)
    if x.is_exact() and x.is_zero():
        return to_arb(h0)
    return arb.union(arb(0), arb(1))


def _arb_sigmoid(x):
    x = to_arb(x)
    # monotone: evaluate at the endpoints for a tight enclosure
    if x.rad() > 0 and x.is_finite():
        lo, hi = x.lower(), x.upper()
        return arb.union(1 / (1 + (-lo).exp()), 1 / (1 + (-hi).exp()))
    return 1 / (1 + (-x).exp())


def _arb_softmax_w(idx, *scores):
    from flint import arb

    s = [to_arb(v) for v in scores]
    total = arb(1)
    for j, sj in enumerate(s):
        if j != idx:
            total += (sj - s[idx]).exp()
    return 1 / total


def _arb_ipow(x, n):
    """x**n for an integer n on balls, tight (endpoint-based; even powers are >= 0); python-flint's ``**``
    returns nan on balls whose midpoint is 0."""
    from flint import arb

    def pw(p, k):
        out, base = arb(1), p
        while k:
            if k & 1:
                out = out * base
            base = base * base
            k >>= 1
        return out

    x = to_arb(x)
    if n < 0:
        return 1 / _arb_ipow(x, -n)
    if n == 0:
        return arb(1)
    if x.rad() == 0 or not x.is_finite():
        return pw(x, n)
    lo, hi = x.lower(), x.upper()
    if n % 2 == 1 or lo >= 0:
        return arb.union(pw(lo, n), pw(hi, n))
    if hi <= 0:
        return arb.union(pw(hi, n), pw(lo, n))
    return arb.union(arb(0), pw(hi.max(-lo), n))


def _arb_relu(x):
    from flint import arb

    return to_arb(x).max(arb(0))


try:
    from flint import arb  # noqa: E402

    _ARB_NS = {
        "_arb": arb, "_fmpq": None, "exp": _arb_fn("exp"), "log": _arb_fn("log"), "sqrt": _arb_fn("sqrt"),
        "tanh": _arb_fn("tanh"), "sinh": _arb_fn("sinh"), "cosh": _arb_fn("cosh"), "sin": _arb_fn("sin"),
        "cos": _arb_fn("cos"), "atan": _arb_fn("atan"), "erf": _arb_fn("erf"), "erfc": _arb_fn("erfc"),
        "sigmoid": _arb_sigmoid, "softplus": lambda x: (1 + to_arb(x).exp()).log(), "relu": _arb_relu,
        "_smw": _arb_softmax_w, "Heaviside": _arb_heaviside, "abs": abs, "_ipow": _arb_ipow,
        "_max": lambda *a: functools.reduce(lambda p, q: to_arb(p).max(to_arb(q)), a),
        "_min": lambda *a: functools.reduce(lambda p, q: to_arb(p).min(to_arb(q)), a),
        "_sgn": lambda x: to_arb(x).sgn(),
    }
except ImportError:  # pragma: no cover - python-flint is a core dependency
    _ARB_NS = {}


class ArbPrinter(_ActMixin, LambdaPrinter):
    """Prints sympy expressions as python-flint ball code, keeping rationals exact."""

    printmethod = "_arbcode"

    def _print_Integer(self, e):
        return f"_arb({int(e.p)})"

    def _print_Rational(self, e):
        return f"(_arb({int(e.p)})/_arb({int(e.q)}))"

    def _print_Half(self, e):
        return "(_arb(1)/_arb(2))"

    def _print_Float(self, e):
        q = sp.Rational(e)  # the exact binary value of the Float
        return f"(_arb({int(q.p)})/_arb({int(q.q)}))"

    def _print_Pi(self, e):
        return "_arb.pi()"

    def _print_Exp1(self, e):
        return "_arb(1).exp()"

    def _print_Pow(self, e, rational=False):
        b = self._print(e.base)
        if e.exp == sp.S.Half:
            return f"sqrt({b})"
        if e.exp == -sp.S.Half:
            return f"(1/sqrt({b}))"
        if e.exp.is_Integer:
            return f"_ipow({b}, {int(e.exp)})"  # python-flint's ball ** int is nan for a zero midpoint
        return f"exp(({self._print(e.exp)})*log({b}))"

    def _print_Abs(self, e):
        return f"abs({self._print(e.args[0])})"

    def _print_Max(self, e):
        return _call(self, "_max", e.args)

    def _print_Min(self, e):
        return _call(self, "_min", e.args)

    def _print_sign(self, e):
        return f"_sgn({self._print(e.args[0])})"

    def _print_Piecewise(self, e):
        raise NotImplementedError("piecewise expressions are compiled for balls only as univariate activations")


def _arb_piecewise_univariate(pieces):
    """Ball evaluator of a univariate piecewise function from [(interval, fn)].

    The value on a ball is the union of fn_i over the intersection of the ball
    with each piece's (closed) interval: valid because each piece is continuous
    on the closure of its interval and agrees with the function there.
    """
    def f(x):
        x = to_arb(x)
        lo, hi = x.lower(), x.upper()
        out = None
        for (a, b, fn) in pieces:
            if (a is not None and hi < a) or (b is not None and lo > b):
                continue
            l2 = lo if a is None or lo >= a else to_arb(a)
            h2 = hi if b is None or hi <= b else to_arb(b)
            v = fn(arb_from_interval(l2, h2) if not (l2 is lo and h2 is hi) else x)
            out = v if out is None else out.union(v)
        return out
    return f


# ---------------------------------------------------------------------------
# compilation
# ---------------------------------------------------------------------------
def activation_classes(expr):
    """The activation function classes occurring in ``expr``."""
    return {type(f) for f in expr.atoms(sp.Function) if hasattr(type(f), "activation")}


@functools.lru_cache(maxsize=512)
def _univariate(act, order, backend):
    d = act.derivative(order)
    if backend == "arb":
        pieces = _pieces(d)
        if len(pieces) == 1 and not d.has(sp.Piecewise):
            return compile_expr([Z], d, "arb")
        fns = []
        for p, s in pieces:
            a = None if s.inf is -sp.oo else sp.Rational(s.inf) if s.inf.is_Rational else None
            b = None if s.sup is sp.oo else sp.Rational(s.sup) if s.sup.is_Rational else None
            if (s.inf is not -sp.oo and a is None) or (s.sup is not sp.oo and b is None):
                raise NotImplementedError(f"breakpoints of {act.name} must be rational for ball evaluation")
            fns.append((None if a is None else to_arb(a), None if b is None else to_arb(b),
                        compile_expr([Z], p, "arb")))
        return _arb_piecewise_univariate(fns)
    return compile_expr([Z], d, backend)


def _namespace(expr, backend):
    ns = {}
    for cls in activation_classes(expr):
        ns[cls.__name__] = _univariate(cls.activation, cls.order, backend)
    return ns


def compile_expr(args, expr, backend: str = "numpy", cse: bool = True):
    """Compile ``expr`` (or a list of expressions) of the symbols ``args``.

    ``backend`` is ``"numpy"`` (vectorised, broadcasting), ``"mpmath"``,
    ``"arb"`` or ``"xp"``. Returns a Python callable taking the arguments positionally;
    for ``"xp"`` it is ``f(xp, *args)`` with the array namespace first (see :func:`xp_missing`).
    """
    if backend not in BACKENDS:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"unknown backend {backend!r}; valid are {', '.join(BACKENDS)}")
    exprs = expr if isinstance(expr, (list, tuple)) else [expr]
    ns = {}
    for e in exprs:
        ns.update(_namespace(sp.sympify(e), backend))
    target = expr if isinstance(expr, (list, tuple)) else expr
    if backend == "numpy":
        return sp.lambdify(args, target, modules=[ns, _NUMPY_NS, "numpy"], printer=_NumPyPrinter, cse=cse)
    if backend == "mpmath":
        return sp.lambdify(args, target, modules=[ns, _MPMATH_NS, "mpmath"], printer=_MpmathPrinter, cse=cse)
    if backend == "xp":
        return _xp_compile(args, target, ns, cse)
    return sp.lambdify(args, target, modules=[ns, _ARB_NS], printer=ArbPrinter, cse=cse)


def _arb_print_plain(self, e):
    return f"{type(e).__name__}({', '.join(self._print(a) for a in e.args)})"


for _name in ("exp", "log", "sqrt", "tanh", "sinh", "cosh", "sin", "cos", "atan", "erf", "erfc"):
    setattr(ArbPrinter, f"_print_{_name}", _arb_print_plain)
