r"""Models written once in sympy (MATH.md §1.4, §1b A.1).

Every model has the A.1 form :math:`\Phi(a,u)(x) = a\,g(u,x)`: ``a`` is the linear
output weight (a :math:`k\times q` matrix; a k-vector when q = 1) and ``u`` the inner
parameter. From the sympy feature ``g`` the module derives, symbolically:

* the per-data-point correlation term :math:`r\,g(u,x)^\top` (its average over the
  data is :math:`\Psi_\mu(u)`, with residual :math:`r_i = f_\mu(x_i) - y_i`),
* the first variation :math:`F'(\mu)(a,u) = \langle a, \Psi_\mu(u)\rangle`,
* the particle velocity :math:`(a', u') = -\nabla_{(a,u)}F'(\mu)(a,u)` (mean-field time),
* their LaTeX,

and :meth:`Model.compile` generates numpy / mpmath / python-flint evaluators of
``g`` and of its Jacobian in ``u`` from the same expressions
(:mod:`proofs.symbolic.codegen`). Loss convention: :math:`R = \frac{1}{2n}\sum_i|f(x_i)-y_i|^2`.

Models (names for the CLI):

* ``sigmoid`` — two-layer network with bias, vector output: ``u = (w, b)``,
  :math:`g = \sigma(w\cdot x + b)`, q = 1, any activation (default sigmoid);
  ``k = 1`` is the scalar-output case.
* ``attention`` — softmax attention head with bilinear ``A`` (query–key product):
  :math:`g(A, X) = X^\top \mathrm{softmax}(X A^\top x_{\rm query})`, q = p; the query is
  the last token (as in ``bench/``); ``a = B^\top`` is k x p.
* ``attention-qk`` — the same head with separate ``Q, K`` (p x dq), ``A = Q K^\top``.
* ``relu-lift`` — the 2-homogeneous ReLU lift :math:`w\max(0, \theta\cdot\tilde x)`
  (``a = w``, ``u = theta`` in R^{d+1}, bias through :math:`\tilde x = (x, 1)`).

Your own model (the built-ins above are written the same way)::

    import sympy as sp
    from proofs import Model, model

    w1, w2, b, x1, x2 = sp.symbols("w1 w2 b x1 x2", real=True)
    rbf = Model.from_sympy("rbf", feature=sp.exp(-(w1 * x1 + w2 * x2 + b) ** 2),
                           inner={"w": [w1, w2], "b": b}, inputs=[x1, x2], k=1)

    @model("rbf")                      # found by get_model("rbf", k=..., d=...) and ``--model rbf``
    def make_rbf(k=1, d=2): ...        # returns a Model (e.g. Model.from_sympy(...))

or a subclass of :class:`Model` whose :meth:`Model.define` returns a :class:`ModelSpec`.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import sympy as sp

from proofs.errors import InvalidArgument
from proofs.symbolic.functions import softmax_w
from proofs.symbolic.activations import Activation, get_activation
from proofs.symbolic.codegen import compile_expr

__all__ = ["Model", "ModelSpec", "SigmoidNet", "AttentionHead", "ReluLift", "get_model", "check_activation",
           "MODEL_NAMES", "MAX_DIM", "register_model", "model", "model_names", "builtin_layout"]

#: the largest dimension of a symbolic model: k, q and every axis of the inputs (an inner group may have one
#: more entry per axis, a weight vector with its bias: the ReLU lift's theta in R^(d+1))
MAX_DIM = 64


def _syms(prefix, n):
    return [sp.Symbol(f"{prefix}{i}", real=True) for i in range(1, n + 1)]


@dataclass(frozen=True)
class ModelSpec:
    r"""What a model is, in sympy (MATH.md §1b A.1: :math:`\Phi(a,u)(x) = a\,g(u,x)`).

    ``feature``: the q feature values g(u, x) (a sympy expression, a list of them, or a sympy Matrix, read
    row-major); ``inner``: the inner parameters u as ordered groups ``{name: symbols}`` (a dict or a list of
    (name, symbols) pairs) where symbols is one real sympy Symbol (a scalar), a list of them (a vector), a sympy
    Matrix of them (read row-major), or a shape tuple (``()``, ``(n,)``, ``(r, c)``: the symbols ``name``, or
    ``name1, name2, ...`` real, are created; build the feature with ``sp.Symbol("w1", real=True)``...); the
    group names are the keys of the measure files; ``inputs``: the x symbols (a list or a Matrix, row-major;
    the data files' rows); ``q``: checked against the number of features when given; ``name``: the model's name
    (``describe()``, the CLI's ``--model``).
    """

    feature: object
    inner: object
    inputs: object
    q: int | None = None
    name: str | None = None


@dataclass(frozen=True, eq=False)
class Model:
    """A model of the A.1 form, built from a :class:`ModelSpec`.

    Two public ways to make one: :meth:`Model.from_sympy` (a one-off model from sympy expressions), or a
    (frozen dataclass) subclass overriding :meth:`define` — the built-ins below are such subclasses. Either way
    the spec is validated once (one-line :class:`InvalidArgument`) and everything else (first variation,
    velocity, LaTeX, generated evaluators) is derived from it.
    """

    name: str = field(init=False, default="model")
    k: int = 1

    def define(self) -> ModelSpec:
        """Subclass hook: the model's :class:`ModelSpec` (called once, at construction; ``self.k`` is set)."""
        raise InvalidArgument(f"{type(self).__name__} does not define its feature: override Model.define() or use "
                              "Model.from_sympy(name, feature=..., inner=..., inputs=...)")

    def __post_init__(self):
        _check_dims(k=self.k)
        spec = self.define()
        if not isinstance(spec, ModelSpec):
            raise InvalidArgument(f"{type(self).__name__}.define() returned {type(spec).__name__}; valid is a "
                                  "ModelSpec(feature=..., inner=..., inputs=...)")
        if spec.name is not None:
            if not isinstance(spec.name, str) or not spec.name.strip():
                raise InvalidArgument(f"got model name {spec.name!r}; valid is a non-empty string, e.g. 'rbf'")
            object.__setattr__(self, "name", spec.name)
        q, groups, x_syms, g = _validate(spec, self.k, self.name)
        self._init(q, _syms("a", self.k * q), groups, x_syms, g)

    @classmethod
    def from_sympy(cls, name: str, *, feature, inner, inputs, k: int = 1, q: int | None = None) -> "Model":
        r"""A model :math:`\Phi(a,u)(x) = a\,g(u,x)` with linear output weights ``a`` (k x q) from its sympy
        feature: ``feature`` the q values g(u, x), ``inner`` the inner parameters as ordered groups
        ``{name: symbols or shape}``, ``inputs`` the x symbols (see :class:`ModelSpec`).

        Validated once: real symbols, inner and inputs disjoint and without repeats, the feature's free symbols
        among them, k, q and the dimensions at most :data:`MAX_DIM`, nothing empty; each problem is one line of
        :class:`InvalidArgument`.
        """
        return _SympyModel(k=k, spec=ModelSpec(feature=feature, inner=inner, inputs=inputs, q=q, name=name))

    # filled once at construction through object.__setattr__
    def _init(self, q, a_syms, u_groups, x_syms, g):
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "a_syms", sp.Matrix(self.k, q, a_syms))
        object.__setattr__(self, "u_groups", u_groups)  # [(name, shape, [symbols])]
        object.__setattr__(self, "u_syms", [s for _, _, ss in u_groups for s in ss])
        object.__setattr__(self, "x_syms", list(x_syms))
        object.__setattr__(self, "g", sp.Matrix(g))
        object.__setattr__(self, "r_syms", sp.Matrix(self.k, 1, _syms("r", self.k)))
        object.__setattr__(self, "_cache", {})

    # -- layout -------------------------------------------------------------
    @property
    def p_u(self) -> int:
        return len(self.u_syms)

    @property
    def p_x(self) -> int:
        return len(self.x_syms)

    @property
    def theta_syms(self) -> list:
        """All particle coordinates: output weights (row-major) then inner parameters."""
        return list(self.a_syms) + self.u_syms

    def describe(self) -> dict:
        return {"model": self.name, "k": self.k, "q": self.q, "p_u": self.p_u, "p_x": self.p_x,
                "inner": [(n, list(s)) for n, s, _ in self.u_groups]}

    # -- symbolic (MATH.md §1b A.1) ---------------------------------------------
    def feature(self) -> sp.Matrix:
        r"""Phi(a,u)(x) = a g(u,x), a k-vector."""
        return self.a_syms * self.g

    def psi_term(self) -> sp.Matrix:
        r"""One data point's term r g(u,x)^T of Psi_mu(u) (k x q); average it over the data."""
        return self.r_syms * self.g.T

    def first_variation_term(self) -> sp.Expr:
        r"""<a, r g(u,x)^T> = r . Phi(a,u)(x): one data point's term of F'(mu)(a,u)."""
        return (self.r_syms.T * self.feature())[0, 0]

    def velocity_term(self) -> list:
        r"""-grad_{(a,u)} of :meth:`first_variation_term` (mean-field particle velocity, one data term)."""
        fv = self.first_variation_term()
        return [-sp.diff(fv, s) for s in self.theta_syms]

    def latex(self, what: str = "feature", form: str = "components") -> str:
        r"""Paper-ready LaTeX of ``feature``, ``first-variation``, ``psi``, ``velocity`` or ``escape`` (the
        escape identity of the frozen flow), with the sample index i = 1..n, the particle index j = 1..m, every
        sum's summand in parentheses, proper symbols (\theta, \sigma, \mu), multi-line results in ``aligned``
        with ``&`` alignment, and the definitions the formula uses (r_i, f_\mu, the loss) in the same display.

        ``form="components"`` (the default): every coordinate written out from the sympy source, for any model
        (two models with the same sympy source print the same LaTeX); ``form="vector"``: vector notation for the
        built-in models (``a\,\sigma(w^\top x_i + b)``; the default of ``escset latex``), the components for a
        model without one."""
        return model_latex(self, what, form)

    # -- code generation ----------------------------------------------------------
    def compile(self, what: str, backend: str = "numpy"):
        """Compiled evaluator generated from the sympy source.

        ``what``: ``"g"`` -> f(*u, *x) returning the q feature values;
        ``"dg"`` -> the q x p_u Jacobian of g in u (row-major list);
        ``"d2g"`` -> the q x p_u x p_u Hessians (row-major list).
        ``backend``: ``"numpy"``, ``"mpmath"``, ``"arb"`` or ``"xp"`` (array API: f(xp, *u, *x) for any
        namespace ``xp``, as :class:`numerics.dynamics.GeneratedField` calls it; :func:`proofs.symbolic.codegen.xp_missing`).
        """
        key = (what, backend)
        if key not in self._cache:
            args = self.u_syms + self.x_syms
            if what == "g":
                exprs = list(self.g)
            elif what == "dg":
                exprs = [sp.diff(gi, s) for gi in self.g for s in self.u_syms]
            elif what == "d2g":
                exprs = [sp.diff(gi, s, t) for gi in self.g for s in self.u_syms for t in self.u_syms]
            else:
                raise InvalidArgument(f"unknown evaluator {what!r}; valid are g, dg, d2g")
            self._cache[key] = compile_expr(args, exprs, backend)
        return self._cache[key]


@dataclass(frozen=True, eq=False)
class _SympyModel(Model):
    """A model made by :meth:`Model.from_sympy`: its spec is given, not defined by a subclass."""

    spec: ModelSpec = None

    def define(self) -> ModelSpec:
        return self.spec


@dataclass(frozen=True, eq=False)
class SigmoidNet(Model):
    """Two-layer network with bias and vector output, g = sigma(w.x + b) (MATH.md §1.4)."""

    d: int = 1
    activation: object = "sigmoid"
    bias: bool = True

    def define(self) -> ModelSpec:
        _check_dims(k=self.k, d=self.d)
        act = get_activation(self.activation)
        object.__setattr__(self, "activation", act)
        w, x = _syms("w", self.d), _syms("x", self.d)
        inner = {"w": w}
        pre = sum((wi * xi for wi, xi in zip(w, x)), sp.S.Zero)
        if self.bias:
            b = sp.Symbol("b", real=True)
            inner["b"] = b
            pre = pre + b
        return ModelSpec(feature=[act(pre)], inner=inner, inputs=x, q=1,
                         name="sigmoid" if act.name == "sigmoid" else f"net[{act.name}]")


@dataclass(frozen=True, eq=False)
class AttentionHead(Model):
    r"""Softmax attention head as a particle (MATH.md §1b A.1, [I] for the 2026 setting).

    g(u, X) = X^T softmax(X A^T x_query) with x_query the last token; ``qk=True``
    parameterises A = Q K^T with Q, K of shape p x dq. ``normalize=False`` drops the
    softmax normalisation (unnormalised exp weights; used to show claim G1 fails).
    """

    p: int = 2
    L: int = 3
    qk: bool = False
    dq: int = 1
    normalize: bool = True

    def define(self) -> ModelSpec:
        _check_dims(k=self.k, p=self.p, L=self.L, dq=self.dq)
        X = sp.Matrix(self.L, self.p, _syms("x", self.L * self.p))
        if self.qk:
            Q = sp.Matrix(self.p, self.dq, _syms("q", self.p * self.dq))
            K = sp.Matrix(self.p, self.dq, _syms("kk", self.p * self.dq))
            A = Q * K.T
            inner = {"Q": Q, "K": K}
        else:
            A = sp.Matrix(self.p, self.p, _syms("A", self.p * self.p))
            inner = {"A": A}
        xq = X[self.L - 1, :].T
        scores = list(X * A.T * xq)
        if self.normalize:
            weights = [softmax_w(s, *scores) for s in scores]
        else:
            weights = [sp.exp(s) for s in scores]
        g = X.T * sp.Matrix(weights)
        return ModelSpec(feature=list(g), inner=inner, inputs=X, q=self.p,
                         name="attention-qk" if self.qk else "attention")


@dataclass(frozen=True, eq=False)
class ReluLift(Model):
    r"""The 2-homogeneous ReLU lift w max(0, theta . (x, 1)) (MATH.md §1.4, §3.7)."""

    d: int = 1
    activation: object = "relu"

    def define(self) -> ModelSpec:
        _check_dims(k=self.k, d=self.d)
        act = get_activation(self.activation)
        object.__setattr__(self, "activation", act)
        th, x = _syms("th", self.d + 1), _syms("x", self.d)
        pre = sum((t * xi for t, xi in zip(th, x)), sp.S.Zero) + th[-1]
        return ModelSpec(feature=[act(pre)], inner={"theta": th}, inputs=x, q=1,
                         name="relu-lift" if act.name == "relu" else f"lift[{act.name}]")


def _check_dims(**dims):
    for name, v in dims.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InvalidArgument(f"dimension {name} must be a positive integer, got {v!r}")
        if v > MAX_DIM:
            raise InvalidArgument(f"dimension {name}={v} is too large for the symbolic model (at most {MAX_DIM})")


# ------------------------------------------------------------------------------------------------ validation
#: keys of the measure files that are not inner parameters
_RESERVED_GROUPS = ("a", "mass")


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip() or any(c.isspace() for c in name):
        raise InvalidArgument(f"got model name {name!r}; valid is a non-empty name without spaces, e.g. 'rbf'")
    return name


def _symbol_list(obj, what, name):
    """Symbols of an inner group / of the inputs, row-major, with the group's shape."""
    if isinstance(obj, sp.MatrixBase):
        shape, syms = tuple(obj.shape), list(obj)
    elif isinstance(obj, sp.Basic):
        shape, syms = (), [obj]
    elif isinstance(obj, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in obj):
        if len(obj) > 2 or any(v < 1 for v in obj):
            raise InvalidArgument(f"{what} {name!r} has shape {obj}; valid are (), (n,) or (r, c) with positive sizes")
        if what == "inputs":
            raise InvalidArgument("inputs must be the x symbols (a list or a Matrix), not a shape")
        size = obj[0] * (obj[1] if len(obj) == 2 else 1) if obj else 0
        syms = [sp.Symbol(name, real=True)] if not obj else _syms(name, size)
        shape = obj
    elif isinstance(obj, (list, tuple)):
        shape, syms = (len(obj),), list(obj)
    else:
        raise InvalidArgument(f"{what} {name!r} is a {type(obj).__name__}; valid are sympy Symbols (one, a list or a "
                              "Matrix) or a shape tuple")
    if not syms:
        raise InvalidArgument(f"{what} {name!r} is empty; give at least one symbol")
    limit = MAX_DIM + (1 if what == "inner group" else 0)
    if any(s > limit for s in shape):
        raise InvalidArgument(f"{what} {name!r} has shape {shape}; valid are at most {limit} entries per axis")
    for s in syms:
        if not isinstance(s, sp.Symbol) or s.is_real is not True:
            raise InvalidArgument(f"{what} {name!r} holds {s!r}, which is not a real sympy Symbol; valid are "
                                  f"symbols made with sp.Symbol({str(s)!r}, real=True)")
    return shape, syms


def _validate(spec: ModelSpec, k: int, name: str):
    """(q, u_groups, x_syms, g) of a spec, or one line of InvalidArgument."""
    inner = spec.inner
    if isinstance(inner, dict):
        inner = list(inner.items())
    if not isinstance(inner, (list, tuple)) or not inner:
        raise InvalidArgument(f"model {name}: inner must be a non-empty dict {{name: symbols}} (ordered groups of "
                              f"inner parameters), got {spec.inner!r}")
    groups, seen = [], {}
    for item in inner:
        if not (isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[0], str)):
            raise InvalidArgument(f"model {name}: inner groups are (name, symbols) pairs, got {item!r}")
        gname, obj = item
        if not gname.isidentifier() or gname in _RESERVED_GROUPS or gname in {g[0] for g in groups}:
            raise InvalidArgument(f"model {name}: inner group name {gname!r} is not valid; valid are distinct "
                                  f"identifiers other than {', '.join(_RESERVED_GROUPS)} (keys of the measure files)")
        shape, syms = _symbol_list(obj, "inner group", gname)
        groups.append((gname, shape, syms))
    _, x_syms = _symbol_list(spec.inputs, "inputs", "inputs")
    if len(x_syms) > MAX_DIM * MAX_DIM:
        raise InvalidArgument(f"model {name}: {len(x_syms)} inputs; valid are at most {MAX_DIM * MAX_DIM}")
    for s, where in [(s, f"inner group {g}") for g, _, ss in groups for s in ss] + [(s, "inputs") for s in x_syms]:
        if s in seen:
            raise InvalidArgument(f"model {name}: symbol {s} appears in {seen[s]} and in {where}; valid are distinct "
                                  "symbols (inner parameters and inputs disjoint)")
        seen[s] = where
    feature = spec.feature
    if isinstance(feature, sp.MatrixBase):
        feature = list(feature)
    elif not isinstance(feature, (list, tuple)):
        feature = [feature]
    if not feature:
        raise InvalidArgument(f"model {name}: the feature is empty; give the q values g(u, x)")
    try:
        g = [sp.sympify(e, strict=True) for e in feature]
    except (sp.SympifyError, TypeError, ValueError):
        raise InvalidArgument(f"model {name}: the feature must be sympy expressions, got {feature!r}") from None
    if any(not isinstance(e, sp.Expr) for e in g):
        raise InvalidArgument(f"model {name}: the feature must be sympy expressions (numbers), got {g!r}")
    q = len(g)
    if spec.q is not None and spec.q != q:
        raise InvalidArgument(f"model {name}: q={spec.q!r} but the feature has {q} values")
    _check_dims(k=k, q=q)
    reserved = {str(s) for s in _syms("a", k * q) + _syms("r", k)}
    clash = sorted(str(s) for s in seen if str(s) in reserved)
    if clash:
        raise InvalidArgument(f"model {name}: symbol {clash[0]} is reserved for the output weights a1..a{k * q} and "
                              f"the residuals r1..r{k}; rename it")
    free = set().union(*(e.free_symbols for e in g)) - set(seen)
    if free:
        raise InvalidArgument(f"model {name}: the feature uses {', '.join(sorted(map(str, free)))}, which is neither "
                              "an inner parameter nor an input")
    return q, groups, x_syms, g


# ------------------------------------------------------------------------------------------------ the names
MODEL_NAMES = ("sigmoid", "attention", "attention-qk", "relu-lift")

#: name -> factory(**dims) returning a Model; the built-ins first, then the users' (``register_model``)
_FACTORIES = {}
_CACHE = {}
#: the options a factory may take (by name); get_model passes those its signature accepts
_DIM_OPTIONS = ("k", "d", "activation", "p", "L", "dq")


def register_model(name: str, factory) -> None:
    """Make ``factory`` the model called ``name``: :func:`get_model` (and the CLI's ``--model NAME`` after
    ``--module FILE``) calls it with the options of ``k, d, activation, p, L, dq`` its signature names, and it
    returns a :class:`Model`. Registering a user name again replaces it; built-in names cannot be taken."""
    _check_name(name)
    if name in MODEL_NAMES and not getattr(factory, "_builtin", False):
        raise InvalidArgument(f"model name {name!r} is built in; choose another name")
    if not callable(factory):
        raise InvalidArgument(f"register_model({name!r}, ...) needs a callable factory, got {type(factory).__name__}")
    _FACTORIES[name] = factory
    for key in [key for key in _CACHE if key[0] == name]:
        del _CACHE[key]


def model(name: str):
    """Decorator form of :func:`register_model`: ``@model("rbf")`` over a factory ``def make(k=1, d=2) -> Model``."""
    def deco(factory):
        register_model(name, factory)
        return factory
    return deco


def model_names() -> tuple:
    """The built-in model names, then the registered ones."""
    return MODEL_NAMES + tuple(n for n in _FACTORIES if n not in MODEL_NAMES)


def _builtin(factory):
    factory._builtin = True
    return factory


register_model("sigmoid", _builtin(lambda k, d, activation: SigmoidNet(k=k, d=d, activation=activation or "sigmoid")))
register_model("attention", _builtin(lambda k, p, L: AttentionHead(k=k, p=p, L=L)))
register_model("attention-qk", _builtin(lambda k, p, L, dq: AttentionHead(k=k, p=p, L=L, qk=True, dq=dq)))
register_model("relu-lift", _builtin(lambda k, d, activation: ReluLift(k=k, d=d, activation=activation or "relu")))


def builtin_layout(name: str, *, k: int = 1, d: int = 1, p: int = 2, L: int = 3, dq: int = 1) -> tuple:
    """``(q, p_u, p_x)`` of a built-in model from its name and dimensions, without its sympy work: the float
    engine runs nets wider than the symbolic :data:`MAX_DIM` (equal to ``model.q, model.p_u, model.p_x``)."""
    if name in ("sigmoid", "relu-lift"):
        return 1, d + 1, d
    if name == "attention":
        return p, p * p, L * p
    if name == "attention-qk":
        return p, 2 * p * dq, L * p
    raise InvalidArgument(f"unknown model {name!r}; valid are {', '.join(model_names())}")


def _accepted(factory) -> set:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return set(_DIM_OPTIONS)
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return set(_DIM_OPTIONS)
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} & set(_DIM_OPTIONS)


def get_model(name: str, *, k: int = 1, d: int = 1, activation=None, p: int = 2, L: int = 3, dq: int = 1) -> Model:
    """A model by CLI name with its dimensions (cached: symbolic work is done once)."""
    if isinstance(activation, Activation):
        activation = activation.name if activation.source == "builtin" else activation.source
    check_activation(name, activation)
    factory = _FACTORIES.get(name)
    if factory is None:
        raise InvalidArgument(f"unknown model {name!r}; valid are {', '.join(model_names())}")
    takes = _accepted(factory)
    if activation is not None and "activation" not in takes:
        raise InvalidArgument(f"an activation ({activation!r}) does not apply to the {name} model (its factory takes "
                              "no activation): drop --activation")
    opts = {key: v for key, v in dict(k=k, d=d, activation=activation, p=p, L=L, dq=dq).items() if key in takes}
    key = (name, factory, tuple(sorted(opts.items())))
    if key not in _CACHE:
        mdl = factory(**opts)
        if not isinstance(mdl, Model):
            raise InvalidArgument(f"the factory of model {name!r} returned {type(mdl).__name__}; valid is a Model "
                                  "(e.g. Model.from_sympy(...))")
        if len(_CACHE) >= 256:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = mdl
    return _CACHE[key]


def check_activation(name: str, activation) -> None:
    """An activation given for model ``name`` is usable: not empty ('' is not "the default"), only for the
    models that have one (attention's nonlinearity is its softmax), and a built-in or a grammar expression whose
    values and derivative are real and finite (:func:`proofs.symbolic.activations.get_activation`). None: the default."""
    if activation is None or isinstance(activation, Activation):
        return
    if not isinstance(activation, str) or not activation.strip():
        raise InvalidArgument(f"got activation {activation!r}; valid is a built-in name or an expression in z, "
                              "e.g. tanh or 'tanh(z)/2 + z/10'")
    if name in ("attention", "attention-qk"):
        raise InvalidArgument(f"an activation ({activation!r}) applies to the sigmoid and relu-lift models; the "
                              f"{name} model's nonlinearity is its softmax: drop --activation")
    get_activation(activation)



# -- paper-ready LaTeX (escset latex) --------------------------------------------------------------------------
#: the expressions :meth:`Model.latex` writes
LATEX_EXPRS = ("feature", "first-variation", "psi", "velocity", "escape")

_GREEK = {"th": r"\theta", "theta": r"\theta", "eta": r"\eta", "alpha": r"\alpha", "beta": r"\beta",
          "gamma": r"\gamma", "lam": r"\lambda", "mu": r"\mu", "nu": r"\nu", "kk": "k", "sigma": r"\sigma"}


def _indexed_name(sym, index: str | None) -> str:
    r"""``w3`` -> ``w_{j,3}``, ``b`` -> ``b_{j}``, ``th1`` -> ``\theta_{j,1}`` (``index`` = "j"; None: no index)."""
    import re

    m = re.fullmatch(r"([A-Za-z]+?)_?([0-9]*)", str(sym))
    base, num = (m.group(1), m.group(2)) if m else (str(sym), "")
    base = _GREEK.get(base, base if len(base) == 1 else rf"\mathrm{{{base}}}")
    sub = ",".join(x for x in (index, num) if x)
    return f"{base}_{{{sub}}}" if sub else base


def _components(model, expr, particle: str | None = "j"):
    """``expr`` with inputs as x_{i,l}, residuals as r_{i,c}, and particle coordinates indexed by ``particle``."""
    sub = {x: sp.Symbol(_indexed_name(x, "i"), real=True) for x in model.x_syms}
    sub.update({r: sp.Symbol(_indexed_name(r, "i"), real=True) for r in model.r_syms})
    sub.update({t: sp.Symbol(_indexed_name(t, particle), real=True) for t in model.theta_syms})
    return expr.xreplace(sub)


def _group(tex: str, expr) -> str:
    """A summand in parentheses when it is a sum (so that 1/n sum_i (a + b) does not read as (1/n sum a) + b)."""
    return rf"\left({tex}\right)" if isinstance(expr, sp.Add) else tex


_MEAN_I = r"\frac{1}{n}\sum_{i=1}^{n}"
_RESIDUAL = (r"r_i = f_\mu(x_i) - y_i,\quad f_\mu(x) = \frac{1}{m}\sum_{j=1}^{m}\Phi(a_j,u_j)(x),\quad "
             r"R(f) = \frac{1}{2n}\sum_{i=1}^{n}\left|f(x_i) - y_i\right|^2,\ V = 0")


def _components_latex(model, what):
    if what == "feature":
        g = _components(model, model.feature(), None)
        return rf"\Phi(a,u)(x_i) = {sp.latex(g)}"
    if what == "first-variation":
        e = _components(model, model.first_variation_term(), None)
        return (r"\begin{aligned}F'(\mu)(a,u) &= " + _MEAN_I + _group(sp.latex(e), e) + r",\\ "
                + "&" + _RESIDUAL.replace(",\\quad", ",\\\\ &") + r"\end{aligned}")
    if what == "psi":
        e = _components(model, model.psi_term(), None)
        return rf"\Psi_\mu(u) = {_MEAN_I} {sp.latex(e)},\quad r_i = f_\mu(x_i) - y_i"
    if what == "velocity":
        rows = []
        for t, v in zip(model.theta_syms, model.velocity_term()):
            e = _components(model, -v, "j")  # the velocity is -(1/n) sum_i e
            sign = "-"
            if e.could_extract_minus_sign():  # -(1/n) sum (-2 a ...) reads as (1/n) sum (2 a ...)
                e, sign = -e, ""
            rows.append(rf"{_indexed_name(t, 'j')}' &= {sign}{_MEAN_I}{_group(sp.latex(e), e)},")
        rows.append("&" + _RESIDUAL.replace(",\\quad", ",\\\\ &"))
        return r"\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}"
    raise InvalidArgument(f"unknown expression {what!r}; valid are {', '.join(LATEX_EXPRS)}")


def _act_note(model) -> str:
    act = getattr(model, "activation", None)
    name = getattr(act, "name", None)
    if name in (None, "sigmoid"):
        return r"\sigma(z) = \frac{1}{1+e^{-z}}" if name == "sigmoid" else ""
    return rf"\sigma = \operatorname{{{name}}}" if name != "tanh" else r"\sigma = \tanh"


def _vector_latex(model, what):
    """Vector notation for the built-in models; None for a model without one (then components are written)."""
    k = model.k
    out_dim = r"a\in\mathbb{R}^{%s}" % k
    if isinstance(model, SigmoidNet):
        pre = r"w^\top x_i + b" if model.bias else r"w^\top x_i"
        prej = r"w_j^\top x_i + b_j" if model.bias else r"w_j^\top x_i"
        u = r"u = (w, b)\in\mathbb{R}^{%d}" % (model.d + 1) if model.bias else r"u = w\in\mathbb{R}^{%d}" % model.d
        inner = [("w_j", r"\langle a_j, r_i\rangle\,\sigma'\!\left(%s\right) x_i" % prej)]
        if model.bias:
            inner.append(("b_j", r"\langle a_j, r_i\rangle\,\sigma'\!\left(%s\right)" % prej))
        parts = dict(g=r"\sigma\!\left(%s\right)" % pre, gj=r"\sigma\!\left(%s\right)" % prej, dom=f"{out_dim},\\ {u}",
                     inner=inner, fv=r"\langle r_i, a\rangle\,\sigma\!\left(%s\right)" % pre,
                     psi=r"r_i\,\sigma\!\left(%s\right)" % pre)
    elif isinstance(model, ReluLift):
        parts = dict(g=r"\sigma\!\left(\theta^\top \tilde x_i\right)", gj=r"\sigma\!\left(\theta_j^\top \tilde x_i\right)",
                     dom=rf"{out_dim},\ u = \theta\in\mathbb{{R}}^{{{model.d + 1}}},\ \tilde x_i = (x_i, 1)",
                     inner=[(r"\theta_j", r"\langle a_j, r_i\rangle\,\sigma'\!\left(\theta_j^\top \tilde x_i\right)"
                                          r" \tilde x_i")],
                     fv=r"\langle r_i, a\rangle\,\sigma\!\left(\theta^\top \tilde x_i\right)",
                     psi=r"r_i\,\sigma\!\left(\theta^\top \tilde x_i\right)")
    elif isinstance(model, AttentionHead):
        if model.qk:
            return None  # A = Q K^T: written in components
        if not model.normalize:
            return None
        s_i = r"s(A; X_i) = \operatorname{softmax}\!\left(X_i A^\top x_{i,L}\right)\in\mathbb{R}^{%d}" % model.L
        parts = dict(g=r"X_i^\top s(A; X_i)", gj=r"X_i^\top s(A_j; X_i)",
                     dom=rf"a\in\mathbb{{R}}^{{{k}\times {model.p}}},\ u = A\in\mathbb{{R}}^{{{model.p}\times {model.p}}},"
                         rf"\ X_i\in\mathbb{{R}}^{{{model.L}\times {model.p}}}\ (\text{{query }} x_{{i,L}} = "
                         r"\text{last row of } X_i),\ " + s_i,
                     inner=[("A_j", r"x_{i,L}\left(X_i^\top\left(\operatorname{diag}(s_{ij}) - s_{ij}s_{ij}^\top"
                                    r"\right)X_i\, a_j^\top r_i\right)^{\!\top}")],
                     extra=r"s_{ij} = s(A_j; X_i)", ga=r"r_i\, s(A_j; X_i)^\top X_i",
                     fv=r"\left\langle r_i, a\,X_i^\top s(A; X_i)\right\rangle", psi=r"r_i\, s(A; X_i)^\top X_i")
    else:
        return None
    note = _act_note(model)
    where = parts["dom"] + (rf",\ {note}" if note else "")
    xi = r"X_i" if isinstance(model, AttentionHead) else r"x_i"
    if what == "feature":
        return (r"\begin{aligned}\Phi(a,u)(%s) &= a\,%s,\\ &%s\end{aligned}" % (xi, parts["g"], where))
    if what == "first-variation":
        return (r"\begin{aligned}F'(\mu)(a,u) &= " + _MEAN_I + r"\left(" + parts["fv"] + r"\right),\\ &"
                + _RESIDUAL.replace(",\\quad", ",\\\\ &") + r",\\ &" + where + r"\end{aligned}")
    if what == "psi":
        return (r"\begin{aligned}\Psi_\mu(u) &= " + _MEAN_I + r"\left(" + parts["psi"] + r"\right),\\ &"
                + r"r_i = f_\mu(x_i) - y_i,\ " + where + r"\end{aligned}")
    if what == "velocity":
        ga = parts.get("ga", r"r_i\,%s" % parts["gj"])
        rows = [r"a_j' &= -" + _MEAN_I + r"\left(%s\right)," % ga]
        rows += [rf"{name}' &= -{_MEAN_I}\left({body}\right)," for name, body in parts["inner"]]
        if parts.get("extra"):
            rows.append("&" + parts["extra"] + ",")
        rows += ["&" + _RESIDUAL.replace(",\\quad", ",\\\\ &") + ",", "&" + where]
        return r"\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}"
    raise InvalidArgument(f"unknown expression {what!r}; valid are {', '.join(LATEX_EXPRS)}")


def _escape_latex(model):
    """The escape identity of the frozen flow for linear output weights, with its hypotheses (the norm of the
    output weight is written rho, the residuals r_i)."""
    return (r"\begin{aligned}&h(\hat a,u) = \langle \hat a, \Psi_\mu(u)\rangle,\quad a = \rho\,\hat a,\ "
            r"\rho = |a| > 0,\ |\hat a| = 1,\\ &\Psi_\mu(u) = " + _MEAN_I + r"\left(r_i\, g(u, x_i)^\top\right)"
            r",\ r_i = f_\mu(x_i) - y_i,\ \text{frozen}\ (\mu \text{ fixed}),\\ &\rho' = -h,\quad "
            r"\hat a' = -\tfrac{1}{\rho}\nabla_{\mathbb{S}} h,\quad u' = -\rho\,\nabla_u h\\ \Longrightarrow\ "
            r"&\frac{d}{dt}h(\hat a(t),u(t)) = -\frac{1}{\rho}\left|\nabla_{\mathbb{S}} h\right|^2 "
            r"- \rho\left|\nabla_u h\right|^2 \le 0\end{aligned}")


def model_latex(model, what: str = "feature", form: str = "vector") -> str:
    """See :meth:`Model.latex`."""
    if what not in LATEX_EXPRS:
        raise InvalidArgument(f"unknown expression {what!r}; valid are {', '.join(LATEX_EXPRS)}")
    if form not in ("vector", "components"):
        raise InvalidArgument(f"unknown form {form!r}; valid are vector, components")
    if what == "escape":
        return _escape_latex(model)
    if form == "vector":
        out = _vector_latex(model, what)
        if out is not None:
            return out
    return _components_latex(model, what)
