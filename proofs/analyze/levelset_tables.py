r"""The symbolic side of the vectorised regular-level certificate of :mod:`numerics.certified.levelset`.

That module takes compiled evaluators and numbers only; this one reads the activation and the model:

* :func:`activation_support`: whether the per-cell certificate applies to an activation (sigma certified C^1, no
  Dirac delta in sigma', ball code for sigma, sigma', sigma''), with the reason when not;
* :func:`build_cell_table` / :func:`cell_table` (cached per activation object): the
  :class:`~numerics.certified.levelset.CellTable` of an activation, from the python-flint ball code the toolkit
  generates from its sympy expression (:func:`proofs.symbolic.codegen.compile_expr`, target ``"arb"``), the numpy
  code of sigma and sigma' (sampling only), and the toolkit's certified :math:`\sup|\sigma^{(j)}|` (computed on
  first need, ``inf`` when unknown);
* :func:`is_ridge_model`, :func:`ridge_layout`: whether a model's feature is exactly :math:`\sigma(\ell(x)\cdot u)`,
  read from its symbolic feature (not from its name);
* :func:`ridge_sum_from_problem`: the :class:`~numerics.certified.levelset.RidgeSum`
  :math:`h=\langle\hat a,\Psi_\mu\rangle` of a ridge model, every datum an outward float interval.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from numerics.certified.levelset import CellTable, RidgeSum, _arb_interval, _arb_out, _frac_interval

from proofs.errors import InvalidArgument

__all__ = ["activation_support", "build_cell_table", "cell_table", "is_ridge_model", "ridge_layout",
           "ridge_sum_from_problem"]


def _arb_univariate(expr):
    """Ball evaluator of a univariate sympy expression in z (piecewise ones piece by piece): the project's
    generated python-flint code (:func:`proofs.symbolic.codegen.compile_expr`, target ``"arb"``)."""
    import sympy as sp

    from proofs.symbolic.codegen import _arb_piecewise_univariate, compile_expr, to_arb
    from proofs.symbolic.pieces import Z, _pieces

    pieces = _pieces(expr)
    if len(pieces) == 1 and not expr.has(sp.Piecewise):
        return compile_expr([Z], pieces[0][0], "arb")
    fns = []
    for piece, s in pieces:
        a = None if s.inf is -sp.oo else s.inf
        b = None if s.sup is sp.oo else s.sup
        if (a is not None and not a.is_Rational) or (b is not None and not b.is_Rational):
            raise NotImplementedError("breakpoints must be rational for ball evaluation")
        fns.append((None if a is None else to_arb(sp.Rational(a)), None if b is None else to_arb(sp.Rational(b)),
                    compile_expr([Z], piece, "arb")))
    return _arb_piecewise_univariate(fns)


def activation_support(act):
    """``(True, "")`` when the per-cell certificate applies to ``act``, else ``(False, reason)``.

    Needed: sigma is C^1 (the toolkit's certified smoothness class, sympy one-sided limits at every breakpoint),
    so h is C^1 and sigma' is absolutely continuous; its a.e. derivative sigma'' is sympy's second derivative with
    every DiracDelta term dropped (they cancel when sigma' is continuous); each of sigma, sigma', sigma'' compiles
    to python-flint balls. Boundedness is not needed on a box; outside the tabulated range it decides the tails."""
    import sympy as sp

    try:
        sm = act.smoothness
    except (NotImplementedError, ValueError, TypeError, AttributeError) as exc:
        return False, f"smoothness undecided ({type(exc).__name__})"
    if sm is None or sm < 1:
        return False, f"sigma is not certified C^1 (smoothness {sm})"
    if act.derivative(1).has(sp.DiracDelta):
        return False, "sigma' has a Dirac delta"
    try:
        _cell_evaluators(act)
    except (NotImplementedError, TypeError, ValueError, SyntaxError, AttributeError) as exc:
        return False, f"no ball evaluator ({type(exc).__name__})"
    return True, ""


def _cell_evaluators(act):
    """Ball evaluators of sigma^(j), j = 0..3, and for which j the mean-value form is valid (sigma^(j) is C^1)."""
    import sympy as sp

    key = "levelset-evaluators"
    cache = getattr(act, "_cache", None)
    if cache is not None and key in cache:
        return cache[key]
    sm = act.smoothness
    fs = []
    for j in range(4):
        d = act.derivative(j)
        if j >= 2:
            d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
        if j == 3 and not (sm is not None and sm >= 3):
            fs.append(None)
            continue
        fs.append(_arb_univariate(d))
    mvf = tuple(j for j in range(3) if sm is not None and sm >= j + 1 and fs[j + 1] is not None)
    out = (fs, mvf)
    if cache is not None:
        cache[key] = out
    return out


def _far_bounds(act, seconds: float = 10.0):
    """Per order j = 0, 1, 2: a float B_j >= sup |sigma^(j)| from the toolkit's certified bound (inf when unknown).
    Each sympy bound gets ``seconds`` (it runs inside a certificate's loop, outside its time limit: sin(z**2) took
    minutes); a bound not found in time is unknown (inf), never a guess."""
    from proofs.prove.budget import _sympy
    from proofs.symbolic.codegen import compile_expr
    from proofs.symbolic.pieces import Z

    out = []
    for j in range(3):
        B = np.inf
        try:
            b = _sympy(lambda: act.sup_abs(j), seconds=seconds, default=None)
            if b is None:
                B = np.inf
            elif b.value is not None and b.value.is_finite:
                B = _arb_out(compile_expr([Z], b.value, "arb")(0))[1]
            elif getattr(b, "enclosure", None) is not None:
                B = _frac_interval(Fraction(b.enclosure[1]))[1]
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            B = np.inf
        out.append(B)
    return out


def _np_evaluator(act):
    """order -> the generated numpy code of sigma^(order) (for sampling and float directions only)."""
    def make(order):
        from proofs.symbolic.codegen import compile_expr
        from proofs.symbolic.pieces import Z

        return compile_expr([Z], act.derivative(order), "numpy")
    return make


def build_cell_table(act, **options) -> CellTable:
    """A fresh (uncached) :class:`~numerics.certified.levelset.CellTable` of the activation ``act``; ``options``
    (``zmax``, ``delta``, ``zfar``, ``prec``) go to the table. An unsupported activation
    (:func:`activation_support`) is an :class:`InvalidArgument`."""
    ok, why = activation_support(act)
    if not ok:
        raise InvalidArgument(f"activation {getattr(act, 'name', act)!r} is not supported by the cell table: {why}")
    fs, mvf = _cell_evaluators(act)
    return CellTable(fs, mean_value_orders=mvf, far_bounds=lambda: _far_bounds(act), np_evaluators=_np_evaluator(act),
                     name=getattr(act, "name", "sigma"), **options)


def cell_table(act) -> CellTable:
    """The (cached, per activation object) :class:`~numerics.certified.levelset.CellTable` of ``act``."""
    cache = getattr(act, "_cache", None)
    if cache is not None and "levelset-table" in cache:
        return cache["levelset-table"]
    tab = build_cell_table(act)
    if cache is not None:
        cache["levelset-table"] = tab
    return tab


def is_ridge_model(model) -> bool:
    """True when the feature is exactly act(w . x + b) (one output column, inner layout u = (w, b)) with the builtin
    logistic sigmoid or tanh: checked on the model's symbolic feature, not on its name."""
    act = getattr(model, "activation", None)
    if act is None or getattr(act, "source", None) != "builtin" or act.name not in ("sigmoid", "tanh"):
        return False
    if getattr(model, "q", None) != 1 or [g[0] for g in model.u_groups] != ["w", "b"]:
        return False
    try:
        import sympy as sp

        g = model.g[0]
        u, x = list(model.u_syms), list(model.x_syms)
        if len(u) != len(x) + 1 or len(g.args) != 1:
            return False
        arg = sum((wi * xi for wi, xi in zip(u[:-1], x)), sp.S.Zero) + u[-1]
        return sp.expand(g.args[0] - arg) == 0 and act.name in str(g.func)
    except (AttributeError, TypeError, IndexError):
        return False


def ridge_layout(model):
    r"""``(activation, coefficients)`` when the model's feature is exactly :math:`\sigma(\ell(x)\cdot u)` (one
    output column) with :math:`\ell_j(x)=\partial_{u_j}(\text{argument})` free of ``u`` (so the argument is linear in
    ``u``, e.g. :math:`w\cdot x+b` in any inner layout) and a supported activation (:func:`activation_support`); else
    None. Read from the model's symbolic feature, not from its name."""
    import sympy as sp

    if getattr(model, "q", None) != 1:
        return None
    try:
        g = model.g[0]
        act = getattr(type(g), "activation", None)
        if act is None or getattr(type(g), "order", None) != 0 or len(g.args) != 1:
            return None
        arg = g.args[0]
        u = list(model.u_syms)
        coef = [sp.diff(arg, uj) for uj in u]
        if any(c.free_symbols & set(u) for c in coef):
            return None
        if sp.expand(arg - sum((c * uj for c, uj in zip(coef, u)), sp.S.Zero)) != 0:
            return None
    except (AttributeError, TypeError, IndexError):
        return None
    ok, _ = activation_support(act)
    return (act, coef) if ok else None


def _coef_interval(c, x_syms, row):
    """Outward float interval of the coefficient expression c at the data row (exact rationals where possible)."""
    import sympy as sp

    vals = {xs: sp.Rational(str(v)) for xs, v in zip(x_syms, row)}
    q = sp.sympify(c).subs(vals)
    if q.is_Rational:
        return _frac_interval(Fraction(int(q.p), int(q.q)))
    from flint import ctx

    from proofs.symbolic.codegen import compile_expr

    old = ctx.prec
    ctx.prec = 120
    try:
        return _arb_out(compile_expr([], q, "arb")())
    finally:
        ctx.prec = old


def ridge_sum_from_problem(model, data, r, a_hat, *, fast_logistic: bool = True):
    """The ridge sum h = <a_hat, Psi_mu> of a ridge model (:func:`ridge_layout`), or None.

    ``r`` are the residual balls (n x k, python-flint), ``a_hat`` exact rationals. The builtin logistic sigmoid
    and tanh (inner layout u = (w, b)) take the monotone-table path unless ``fast_logistic=False``; every other
    supported activation (builtin or user, monotone or not) the per-cell
    :class:`~numerics.certified.levelset.CellTable`.
    """
    from flint import arb

    a = [arb(str(Fraction(v).numerator)) / arb(str(Fraction(v).denominator)) for v in a_hat]
    n = data.n
    if fast_logistic and is_ridge_model(model):
        act = model.activation
        scale = 2 if act.name == "tanh" else 1  # tanh z = 2 sigma(2 z) - 1
        xs = []
        for row in data.X:
            xs.append([_frac_interval(Fraction(str(v)) * scale) for v in row] + [(float(scale), float(scale))])
        xlo = np.array([[a_ for a_, _ in row] for row in xs])
        xhi = np.array([[b for _, b in row] for row in xs])
        cs = []
        tot = arb(0)
        for ri in r:
            ci = sum((ai * rc for ai, rc in zip(a, ri)), arb(0)) / n
            tot = tot + ci
            cs.append(_arb_interval(ci * scale))
        const = _arb_interval(-tot) if act.name == "tanh" else (0.0, 0.0)
        return RidgeSum(xlo=xlo, xhi=xhi, clo=np.array([c[0] for c in cs]), chi=np.array([c[1] for c in cs]),
                        const=const, activation=act.name)
    lay = ridge_layout(model)
    if lay is None:
        return None
    act, coef = lay
    xs = [[_coef_interval(c, model.x_syms, row) for c in coef] for row in data.X]
    xlo = np.array([[a_ for a_, _ in row] for row in xs])
    xhi = np.array([[b for _, b in row] for row in xs])
    cs = [_arb_interval(sum((ai * rc for ai, rc in zip(a, ri)), arb(0)) / n) for ri in r]
    return RidgeSum(xlo=xlo, xhi=xhi, clo=np.array([c[0] for c in cs]), chi=np.array([c[1] for c in cs]),
                    activation=act.name, table=cell_table(act))
