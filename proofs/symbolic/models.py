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
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp

from proofs.errors import InvalidArgument
from proofs.symbolic.functions import softmax_w
from proofs.symbolic.activations import Activation, get_activation
from proofs.symbolic.codegen import compile_expr

__all__ = ["Model", "SigmoidNet", "AttentionHead", "ReluLift", "get_model", "check_activation", "MODEL_NAMES"]


def _syms(prefix, n):
    return [sp.Symbol(f"{prefix}{i}", real=True) for i in range(1, n + 1)]


@dataclass(frozen=True, eq=False)
class Model:
    """Abstract model: subclasses set the symbols and the feature ``g``."""

    name: str = field(init=False, default="model")
    k: int = 1

    # filled by subclasses in __post_init__ through object.__setattr__
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

    def latex(self, what: str = "feature") -> str:
        """LaTeX of ``feature``, ``first-variation``, ``velocity`` or ``psi`` (one data term;
        average over i = 1..n)."""
        if what == "feature":
            return r"\Phi(a,u)(x) = " + sp.latex(self.feature())
        if what == "first-variation":
            return (r"F'(\mu)(a,u) = \frac{1}{n}\sum_{i=1}^n " + sp.latex(self.first_variation_term())
                    + r",\quad r_i = f_\mu(x_i) - y_i")
        if what == "psi":
            return r"\Psi_\mu(u) = \frac{1}{n}\sum_{i=1}^n " + sp.latex(self.psi_term())
        if what == "velocity":
            rows = [sp.latex(sp.Symbol(str(s)).diff(sp.Symbol("t")) if False else s) + r"' = \frac{1}{n}\sum_i "
                    + sp.latex(v) for s, v in zip(self.theta_syms, self.velocity_term())]
            return r"\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}"
        raise InvalidArgument(f"unknown expression {what!r}; valid are feature, first-variation, psi, velocity")

    # -- code generation ----------------------------------------------------------
    def compile(self, what: str, backend: str = "numpy"):
        """Compiled evaluator generated from the sympy source.

        ``what``: ``"g"`` -> f(*u, *x) returning the q feature values;
        ``"dg"`` -> the q x p_u Jacobian of g in u (row-major list);
        ``"d2g"`` -> the q x p_u x p_u Hessians (row-major list).
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
class SigmoidNet(Model):
    """Two-layer network with bias and vector output, g = sigma(w.x + b) (MATH.md §1.4)."""

    d: int = 1
    activation: object = "sigmoid"
    bias: bool = True

    def __post_init__(self):
        _check_dims(k=self.k, d=self.d)
        act = get_activation(self.activation)
        object.__setattr__(self, "activation", act)
        object.__setattr__(self, "name", "sigmoid" if act.name == "sigmoid" else f"net[{act.name}]")
        w, x = _syms("w", self.d), _syms("x", self.d)
        groups = [("w", (self.d,), w)]
        pre = sum((wi * xi for wi, xi in zip(w, x)), sp.S.Zero)
        if self.bias:
            b = sp.Symbol("b", real=True)
            groups.append(("b", (), [b]))
            pre = pre + b
        self._init(1, _syms("a", self.k), groups, x, [act(pre)])


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

    def __post_init__(self):
        _check_dims(k=self.k, p=self.p, L=self.L, dq=self.dq)
        object.__setattr__(self, "name", "attention-qk" if self.qk else "attention")
        X = sp.Matrix(self.L, self.p, _syms("x", self.L * self.p))
        if self.qk:
            Q = sp.Matrix(self.p, self.dq, _syms("q", self.p * self.dq))
            K = sp.Matrix(self.p, self.dq, _syms("kk", self.p * self.dq))
            A = Q * K.T
            groups = [("Q", (self.p, self.dq), list(Q)), ("K", (self.p, self.dq), list(K))]
        else:
            A = sp.Matrix(self.p, self.p, _syms("A", self.p * self.p))
            groups = [("A", (self.p, self.p), list(A))]
        xq = X[self.L - 1, :].T
        scores = list(X * A.T * xq)
        if self.normalize:
            weights = [softmax_w(s, *scores) for s in scores]
        else:
            weights = [sp.exp(s) for s in scores]
        g = X.T * sp.Matrix(weights)
        self._init(self.p, _syms("a", self.k * self.p), groups, list(X), list(g))


@dataclass(frozen=True, eq=False)
class ReluLift(Model):
    r"""The 2-homogeneous ReLU lift w max(0, theta . (x, 1)) (MATH.md §1.4, §3.7)."""

    d: int = 1
    activation: object = "relu"

    def __post_init__(self):
        _check_dims(k=self.k, d=self.d)
        act = get_activation(self.activation)
        object.__setattr__(self, "activation", act)
        object.__setattr__(self, "name", "relu-lift" if act.name == "relu" else f"lift[{act.name}]")
        th, x = _syms("th", self.d + 1), _syms("x", self.d)
        pre = sum((t * xi for t, xi in zip(th, x)), sp.S.Zero) + th[-1]
        self._init(1, _syms("a", self.k), [("theta", (self.d + 1,), th)], x, [act(pre)])


def _check_dims(**dims):
    for name, v in dims.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InvalidArgument(f"dimension {name} must be a positive integer, got {v!r}")
        if v > 64:
            raise InvalidArgument(f"dimension {name}={v} is too large for the symbolic model (at most 64)")


MODEL_NAMES = ("sigmoid", "attention", "attention-qk", "relu-lift")


@functools.lru_cache(maxsize=64)
def _get_model_cached(name, k, d, activation, p, L, dq):
    if name == "sigmoid":
        return SigmoidNet(k=k, d=d, activation=activation or "sigmoid")
    if name == "attention":
        return AttentionHead(k=k, p=p, L=L)
    if name == "attention-qk":
        return AttentionHead(k=k, p=p, L=L, qk=True, dq=dq)
    if name == "relu-lift":
        return ReluLift(k=k, d=d, activation=activation or "relu")
    raise InvalidArgument(f"unknown model {name!r}; valid are {', '.join(MODEL_NAMES)}")


def get_model(name: str, *, k: int = 1, d: int = 1, activation=None, p: int = 2, L: int = 3, dq: int = 1) -> Model:
    """A model by CLI name with its dimensions (cached: symbolic work is done once)."""
    if isinstance(activation, Activation):
        activation = activation.name if activation.source == "builtin" else activation.source
    check_activation(name, activation)
    return _get_model_cached(name, k, d, activation, p, L, dq)


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
