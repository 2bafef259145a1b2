r"""Activations: one sympy expression each, plus certified properties.

An :class:`Activation` holds a sympy expression in the real variable ``z``
(:data:`Z`). Its properties are *derived* from that expression, never typed in:

* limits at :math:`\pm\infty` (``sympy.limit``),
* boundedness and the bound :math:`\sup|\sigma|`,
* :math:`\sup|\sigma^{(j)}|` for j = 1, 2 (exact where ``sympy.calculus.util.maximum``
  finds it, piece by piece for piecewise activations; otherwise reported as
  unknown, never guessed),
* the smoothness class (:math:`C^k` but not :math:`C^{k+1}`, checked by one-sided
  limits of derivatives at every breakpoint), analyticity, polynomiality,
  monotonicity.

Built-ins: sigmoid, tanh, erf, softplus, relu, identity, square and the cubic
smooth step of Marion–Berthier (MATH.md §6.2), which comes out :math:`C^1` but not
:math:`C^2` (MATH.md §8 D1, §9 F14). User activations are parsed from a string
by the restricted grammar of :mod:`proofs.symbolic.grammar` (never ``eval``).

What is certified: every property marked ``exact`` is a sympy computation on the
expression (symbolic limits, symbolic critical points); a property sympy cannot
settle is ``None``/``unknown`` with the reason, never a floating-point guess.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field

import sympy as sp
from sympy.calculus.util import continuous_domain, maximum, minimum

from proofs.errors import InvalidArgument
from proofs.symbolic.codegen import compile_expr, xp_missing
from proofs.symbolic.functions import relu, sigmoid, softplus, to_elementary
from proofs.symbolic.grammar import parse_expression
from proofs.symbolic.pieces import Z, _pieces

__all__ = ["Z", "Activation", "Bound", "BUILTINS", "get_activation", "activation_names"]

_HALF = sp.S.Half

_ENTIRE = (sp.exp, sp.erf, sp.erfc, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh, sp.atan)
_NONSMOOTH = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, relu)


@dataclass(frozen=True)
class Bound:
    """A supremum: exact sympy value when ``exact``; ``None`` when unknown."""

    value: sp.Expr | None
    exact: bool
    method: str
    argmax: object = None
    enclosure: tuple | None = None  # (lower, upper) Fractions: a rigorous enclosure when no exact value

    def __float__(self):
        if self.value is None:
            raise ValueError(f"bound unknown ({self.method})")
        return float(self.value)

    def to_dict(self):
        return {"value": None if self.value is None else str(self.value),
                "numeric": None if self.value is None or self.value is sp.oo else str(sp.N(self.value, 17)),
                "exact": self.exact, "method": self.method,
                "enclosure": None if self.enclosure is None else [str(float(e)) for e in self.enclosure]}


def _breakpoints(expr):
    pts = set()
    for _, s in _pieces(expr):
        for b in (s.inf, s.sup):
            if b.is_finite:
                pts.add(b)
    return sorted(pts, key=lambda t: float(t))


def _extreme_candidates(e, interval):
    """|max| and |min| of e on interval: sympy's maximum/minimum, or, when they fail,
    the values at the critical points (solveset must return a finite set) and the
    limits at the interval's ends."""
    try:
        return [sp.Abs(maximum(e, Z, interval)), sp.Abs(minimum(e, Z, interval))]
    except (NotImplementedError, ValueError, TypeError):
        pass
    crit = sp.solveset(sp.diff(e, Z), Z, interval)
    if crit is not sp.S.EmptySet and not isinstance(crit, sp.FiniteSet):
        raise NotImplementedError("critical points are not a finite set")
    out = [sp.Abs(e.subs(Z, c)) for c in (crit if crit is not sp.S.EmptySet else ())]
    for end, side in ((interval.inf, "+"), (interval.sup, "-")):
        out.append(sp.Abs(sp.limit(e, Z, end, side if end.is_finite else None) if end.is_finite
                          else sp.limit(e, Z, end)))
    return out


@dataclass(frozen=True, eq=False)
class Activation:
    """A scalar activation given by a sympy expression in :data:`Z`."""

    name: str
    expr: sp.Expr
    description: str = ""
    source: str = "builtin"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    #: ``enclose(act, order, why) -> Bound``: a rigorous enclosure of sup|sigma^(order)| for :meth:`sup_abs` where
    #: sympy gives no exact value; passed in by a higher layer (the ball branch-and-bound of
    #: :func:`proofs.prove.bounds.with_enclosure`), None here: this layer has sympy only
    enclose: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        free = self.expr.free_symbols - {Z}
        if free:
            raise InvalidArgument(f"activation {self.name!r} has free symbols {sorted(map(str, free))}; only z is allowed")

    # -- symbolic -----------------------------------------------------
    @property
    def ident(self) -> str:
        """A Python identifier naming this activation (used by code generation)."""
        base = re.sub(r"\W", "_", self.name) if self.source == "builtin" else "user"
        return f"{base}_{hashlib.sha1(sp.srepr(self.expr).encode()).hexdigest()[:8]}"

    def derivative(self, order: int = 1) -> sp.Expr:
        key = ("d", order)
        if key not in self._cache:
            self._cache[key] = self.expr if order == 0 else sp.diff(self.derivative(order - 1), Z)
        return self._cache[key]

    def __call__(self, arg, order: int = 0):
        """The symbolic function applied to ``arg``: an opaque sympy function whose
        derivatives chain to the next order (see :meth:`function`)."""
        return self.function(order)(arg)

    def function(self, order: int = 0):
        """An undefined-style sympy function class ``sigma_d<order>`` for this activation.

        Models are written with these classes, so derivatives of model expressions
        come out as ``sigma_d1(w.x + b) * x``; :meth:`concrete` substitutes the
        expressions back when a symbolic proof needs them.
        """
        key = ("f", order)
        if key not in self._cache:
            act = self

            def fdiff(fself, argindex=1):
                return act.function(order + 1)(fself.args[0])

            def _latex(fself, printer, exp=None):
                s = r"\sigma%s\left(%s\right)" % ("'" * order if order < 4 else f"^{{({order})}}",
                                                  printer._print(fself.args[0]))
                return s if exp is None else r"\left(%s\right)^{%s}" % (s, exp)

            def _eval_is_real(fself):
                return fself.args[0].is_real

            cls = type(f"{self.ident}_d{order}", (sp.Function,),
                       {"nargs": 1, "fdiff": fdiff, "_latex": _latex, "_eval_is_real": _eval_is_real,
                        "activation": act, "order": order})
            self._cache[key] = cls
        return self._cache[key]

    def concrete(self, expr: sp.Expr) -> sp.Expr:
        """Replace every ``sigma_d<k>(arg)`` of this activation in ``expr`` by its expression."""
        return expr.replace(
            lambda e: isinstance(e, sp.Function) and getattr(type(e), "activation", None) is self,
            lambda e: self.derivative(type(e).order).subs(Z, e.args[0]))

    def latex(self) -> str:
        return r"\sigma(z) = " + sp.latex(self.expr)

    # -- array-API evaluators (the dynamics engine) -----------------------------
    def evaluators(self, xp):
        """``(sigma, sigma')`` on the array namespace ``xp``, generated from the sympy source (the ``"xp"``
        target of :mod:`proofs.symbolic.codegen`): the activation protocol of :class:`numerics.dynamics.NetField`
        (with :attr:`name`). Each maps a float64 array z to an array of z's shape. sigma' is the a.e.
        derivative with the value 0 at a kink (Heaviside(0) = 0, so relu'(0) = 0: the convention of the
        dynamics, MATH.md §3.10); sigmoid and softplus go through the stable helpers of
        :mod:`numerics.dynamics.backend` (no overflow at any |z|). Raises InvalidArgument (one line) when
        ``xp`` lacks a function the expression needs (erf outside numpy)."""
        from numerics.dynamics.backend import backend_name, is_numpy

        fs = self._xp_evaluators()
        if fs is None or xp_missing(fs[0], xp) or xp_missing(fs[1], xp):
            if is_numpy(xp):  # numpy runs every activation: through the numpy target
                fs = self._memo("np-evaluators", lambda: tuple(
                    (lambda f: lambda xp_, z: f(z))(compile_expr([Z], e, "numpy")) for e in self._dyn_exprs()))
            else:
                valid = [n for n, a in BUILTINS.items() if a._runs_on(xp)]
                raise InvalidArgument(f"activation {self.name!r} has no array-API kernel; on backend "
                                      f"{backend_name(xp)} valid are {', '.join(valid)} (or use --backend numpy)")
        f0, f1 = fs

        def sigma(z):
            return _shaped(xp, f0(xp, z), z)

        def dsigma(z):
            return _shaped(xp, f1(xp, z), z)
        return sigma, dsigma

    def _dyn_exprs(self):
        """sigma and its a.e. derivative with Heaviside(0) = 0 (see :meth:`evaluators`)."""
        d1 = self.derivative(1).replace(lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 0))
        return self.expr, d1

    def _xp_evaluators(self):
        """The two ``"xp"`` evaluators of :meth:`_dyn_exprs` (None when the printer cannot write them)."""
        def go():
            try:
                return tuple(compile_expr([Z], e, "xp") for e in self._dyn_exprs())
            except (NotImplementedError, TypeError, ValueError, SyntaxError):
                return None
        return self._memo("xp-evaluators", go)

    def _runs_on(self, xp) -> bool:
        fs = self._xp_evaluators()
        return fs is not None and not (xp_missing(fs[0], xp) or xp_missing(fs[1], xp))

    # -- certified properties -----------------------------------------
    def _memo(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def limits(self) -> tuple[sp.Expr, sp.Expr]:
        """(lim_{z->-oo}, lim_{z->+oo}) of the expression, computed by sympy."""
        def go():
            pieces = _pieces(self.expr)
            lo = next(to_elementary(p) for p, s in pieces if s.inf is -sp.oo)
            hi = next(to_elementary(p) for p, s in pieces if s.sup is sp.oo)
            return (sp.limit(lo, Z, -sp.oo), sp.limit(hi, Z, sp.oo))
        return self._memo("limits", go)

    def sup_abs(self, order: int = 0) -> Bound:
        """:math:`\\sup_{z\\in\\mathbb R}|\\sigma^{(order)}(z)|`, exact where sympy can.

        Computed piece by piece with ``sympy.calculus.util.maximum``/``minimum``
        (critical points, endpoints and limits). ``Bound(None, ...)`` when sympy
        cannot decide; never a sampled guess. Then, for an activation given ``enclose``
        (:func:`proofs.prove.bounds.get_activation`), ``Bound(None, ...)`` with a rigorous ``enclosure``.
        """
        return self._memo(("sup", order), lambda: self._sup_abs(order))

    def _sup_abs(self, order):
        b = self._sup_abs_sympy(order)
        return b if b.value is not None or self.enclose is None else self.enclose(self, order, b.method)

    def _sup_abs_sympy(self, order):
        d = self.derivative(order)
        cands = []
        try:
            for piece, interval in _pieces(d):
                e = to_elementary(piece)
                if e.free_symbols == set():
                    cands.append(sp.Abs(e))
                    continue
                cands += _extreme_candidates(e, interval)
        except (NotImplementedError, ValueError, TypeError) as exc:
            return Bound(None, False, f"unknown: sympy could not locate the extrema ({type(exc).__name__})")
        if any(c.has(sp.oo, -sp.oo, sp.zoo, sp.nan) for c in cands):
            return Bound(sp.oo, True, "unbounded (sympy limit)")
        try:
            best = sp.Max(*cands)
        except (TypeError, ValueError):
            return Bound(None, False, "unknown: could not compare candidate extrema")
        if isinstance(best, sp.Max):  # sympy could not order them exactly
            nums = [(sp.N(c, 50), c) for c in cands]
            best = max(nums, key=lambda t: t[0])[1]
            return Bound(best if best.is_Rational else sp.simplify(best), True,  # never nsimplify: it approximates
                         "sympy maximum/minimum per piece (ordered at 50 digits)")
        return Bound(sp.simplify(best), True, "sympy maximum/minimum per piece")

    @property
    def bounded(self) -> bool | None:
        b = self.sup_abs(0)
        if b.value is None:
            return True if b.enclosure is not None else None
        return bool(b.value.is_finite)

    @property
    def bound(self) -> Bound:
        return self.sup_abs(0)

    @property
    def polynomial(self) -> bool:
        return bool(self.expr.is_polynomial(Z)) and not self.expr.has(*_NONSMOOTH)

    @property
    def breakpoints(self) -> list:
        return self._memo("bp", lambda: _breakpoints(self.expr))

    @property
    def analytic(self) -> bool | None:
        """Real-analytic on R: no non-smooth atoms, defined and continuous on all of R,
        and every fractional power/log has a base sympy proves positive."""
        def go():
            if self.breakpoints or self.expr.has(*_NONSMOOTH):
                return False
            e = to_elementary(self.expr)
            try:
                if continuous_domain(e, Z, sp.S.Reals) != sp.S.Reals:
                    return False
            except NotImplementedError:
                # sympy cannot compute the domain (e.g. erf): accept only functions entire on R
                if any(type(f) not in _ENTIRE for f in e.atoms(sp.Function)):
                    return None
            for p in e.atoms(sp.Pow):
                if not p.exp.is_integer and not p.base.is_positive:
                    return None
                if p.exp.is_negative and not p.base.is_positive:
                    return None
            for lg in e.atoms(sp.log):
                if not lg.args[0].is_positive:
                    return None
            return True
        return self._memo("analytic", go)

    @property
    def smoothness(self) -> int | float | None:
        """k such that the activation is C^k but not C^{k+1}; ``inf`` if analytic.

        For piecewise activations: the largest k with derivatives of order 0..k
        continuous at every breakpoint (one-sided limits equal, sympy), checked up
        to order 8; ``None`` if sympy cannot decide.
        """
        return self._memo("smooth", self._smoothness)

    def _smoothness(self):
        if self.analytic:
            return float("inf")
        bps = self.breakpoints
        if not bps:
            return None
        for k in range(0, 9):
            for b in bps:
                left, right = self.jump(k, b)
                diff = sp.simplify(left - right)
                if diff.is_zero is None:
                    return None
                if not diff.is_zero:
                    return k - 1  # -1: not even continuous
        return 8

    def jump(self, order: int, at) -> tuple[sp.Expr, sp.Expr]:
        """One-sided limits (left, right) of the order-th derivative at ``at``,
        taken on the pieces that meet at ``at`` (differentiated piecewise)."""
        pieces = _pieces(self.expr)
        at = sp.sympify(at)
        left = [p for p, s in pieces if s.sup == at or (s.contains(at) and s.sup > at and s.inf < at)]
        right = [p for p, s in pieces if s.inf == at or (s.contains(at) and s.sup > at and s.inf < at)]
        if not left or not right:
            raise InvalidArgument(f"{at} is not a point of the real line covered by the pieces of {self.name}")
        dl = to_elementary(sp.diff(left[0], Z, order))
        dr = to_elementary(sp.diff(right[-1], Z, order))
        return sp.limit(dl, Z, at, "-"), sp.limit(dr, Z, at, "+")

    @property
    def monotone(self) -> bool | None:
        """Non-decreasing on R (sympy: min of the derivative on each piece is >= 0)."""
        def go():
            try:
                for piece, interval in _pieces(self.derivative(1)):
                    e = to_elementary(piece)
                    lo = e if not e.free_symbols else minimum(e, Z, interval)
                    if lo is -sp.oo or lo.is_negative:
                        return False
                    if not lo.is_nonnegative:
                        return None
                return True
            except (NotImplementedError, ValueError, TypeError):
                return None
        return self._memo("mono", go)

    def properties(self) -> dict:
        """Every certified property, JSON-ready (exact values as strings)."""
        lo, hi = self.limits
        sm = self.smoothness
        return {
            "name": self.name, "expression": str(self.expr), "latex": self.latex(),
            "limits": {"-inf": str(lo), "+inf": str(hi)},
            "bounded": self.bounded, "bound": self.bound.to_dict(),
            "sup_abs_d1": self.sup_abs(1).to_dict(), "sup_abs_d2": self.sup_abs(2).to_dict(),
            "smoothness": "C^inf (analytic)" if sm == float("inf") else (None if sm is None else f"C^{sm}"),
            "analytic": self.analytic, "polynomial": self.polynomial, "monotone": self.monotone,
        }

    @classmethod
    def from_string(cls, text: str, name: str | None = None) -> "Activation":
        """Parse a user activation (variable ``z``) with the restricted grammar."""
        expr = parse_expression(text, variables=(Z,))
        act = cls(name or text.strip(), expr, "user activation", source=text)
        _check_usable(act, text)
        return act


#: points at which a user activation and its derivative must be real and finite (the models evaluate both)
_SAMPLE_POINTS = (-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0)


def _check_usable(act: "Activation", text: str) -> None:
    """A user activation every command can evaluate: sigma and sigma' real and finite in float64 at sample
    points, no Dirac delta in sigma'. Grammar-valid text such as ``exp(exp(exp(1000)))`` (beyond float64 and
    beyond what mpmath evaluates in reasonable time), ``z**z**z**z`` (complex for z < 0), ``log(z)`` or ``1/z``
    is bad input here, in one line, instead of an OverflowError/ZeroDivisionError deep inside a command."""
    import numpy as np

    from proofs.symbolic.codegen import compile_expr

    shown = text.strip() if len(text.strip()) <= 60 else text.strip()[:57] + "..."
    try:
        d1 = act.derivative(1)
        if d1.has(sp.DiracDelta):
            raise InvalidArgument(f"activation {shown!r} is discontinuous (its derivative has a Dirac delta); "
                                  "valid are continuous activations such as 'relu(z)' or 'tanh(z)'")
        f = compile_expr([Z], [act.expr, d1], "numpy")
        with np.errstate(all="ignore"):
            for z in _SAMPLE_POINTS:
                vals = f(np.float64(z))
                for what, v in zip(("the activation", "the derivative of the activation"), vals):
                    c = complex(v)
                    if c.imag != 0 or not np.isfinite(c.real):
                        why = ("not real" if c.imag != 0 else "undefined (NaN)" if np.isnan(c.real) else
                               "not finite in float64")
                        raise InvalidArgument(
                            f"{what} {shown!r} is {why} at z = {z:g}; valid are activations defined, real and "
                            "finite on all of R, e.g. 'tanh(z)/2 + z/10'")
    except InvalidArgument:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError, NotImplementedError,
            AttributeError) as exc:
        raise InvalidArgument(f"activation {shown!r} cannot be evaluated ({type(exc).__name__}: a constant or "
                              "power too large, or a function sympy cannot differentiate or compile); valid are "
                              "activations defined, real and finite on all of R") from None


def _cubic_step():
    # MATH.md §6.2 [C]: sigma(z) = 0, 4(z+1/2)^3, 1-4(1/2-z)^3, 1 on the four pieces.
    return sp.Piecewise((0, Z <= -_HALF), (4 * (Z + _HALF) ** 3, Z <= 0), (1 - 4 * (_HALF - Z) ** 3, Z < _HALF),
                        (1, True))


BUILTINS: dict[str, Activation] = {
    a.name: a for a in [
        Activation("sigmoid", sigmoid(Z), "logistic 1/(1+exp(-z))"),
        Activation("tanh", sp.tanh(Z), "hyperbolic tangent"),
        Activation("erf", sp.erf(Z), "error function"),
        Activation("softplus", softplus(Z), "log(1+exp(z)) (unbounded)"),
        Activation("relu", relu(Z), "max(0, z) (unbounded, 1-homogeneous)"),
        Activation("identity", Z, "z (polynomial)"),
        Activation("square", Z ** 2, "z^2 (polynomial)"),
        Activation("cubic-step", _cubic_step(), "Marion-Berthier cubic smooth step (their code's activation: C^1, not C^2)"),
    ]
}


def _shaped(xp, v, z):
    """An evaluator's value ``v`` as a float64 array of z's shape (a constant such as identity' = 1 is filled)."""
    if not hasattr(v, "shape"):
        return xp.full_like(z, float(v))
    return v if tuple(v.shape) == tuple(z.shape) else xp.broadcast_to(v, z.shape)


def activation_names() -> list[str]:
    return list(BUILTINS)


@functools.lru_cache(maxsize=256)
def _parse_cached(text):
    return Activation.from_string(text)


def get_activation(spec) -> Activation:
    """A built-in by name, an :class:`Activation`, or a grammar string in ``z``."""
    if isinstance(spec, Activation):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidArgument(f"expected an activation name or expression, got {spec!r}; "
                              f"built-ins are {', '.join(BUILTINS)}")
    s = spec.strip()
    if s in BUILTINS:
        return BUILTINS[s]
    if re.fullmatch(r"[A-Za-z_][\w-]*", s) and s != "z":
        raise InvalidArgument(f"unknown activation {s!r}; built-ins are {', '.join(BUILTINS)}, "
                              "or give an expression in z such as 'tanh(z)/2'")
    return _parse_cached(s)
