"""Named sympy functions used by activations and models.

``sigmoid`` and ``softplus`` are sympy ``Function`` classes whose derivatives
sympy knows in closed form (``sigmoid' = sigmoid (1 - sigmoid)``), so that
derivatives stay in terms of the function and the float evaluators can use the
numerically stable ``expit``/``logaddexp`` (DESIGN.md §1). ``softmax_w`` is one
softmax weight: ``softmax_w(s_l, s_1, ..., s_L) = exp(s_l) / sum_j exp(s_j)``;
its derivatives are again softmax weights, which keeps every generated
attention evaluator stable. Each class rewrites to elementary functions with
``.rewrite(sp.exp)`` for symbolic work.
"""
from __future__ import annotations

import sympy as sp

__all__ = ["sigmoid", "softplus", "relu", "softmax_w", "to_elementary"]


class sigmoid(sp.Function):
    r"""The logistic function :math:`s(z) = 1/(1+e^{-z})`."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x is sp.S.Zero:
            return sp.S.Half
        if x is sp.S.Infinity:
            return sp.S.One
        if x is sp.S.NegativeInfinity:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        s = r"\operatorname{s}\left(%s\right)" % printer._print(self.args[0])
        return s if exp is None else r"%s^{%s}" % (s, exp)


class softplus(sp.Function):
    r"""Softplus :math:`\log(1+e^{z})`, with derivative the sigmoid."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x is sp.S.Zero:
            return sp.log(2)

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


class relu(sp.Function):
    r"""ReLU :math:`\max(0, z)`; its derivative is ``Heaviside(z, 1/2)`` (used away from the kink)."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_nonnegative:
            return x
        if x.is_nonpositive:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], sp.S.Half)

    def _eval_rewrite_as_Piecewise(self, x, **kwargs):
        return sp.Piecewise((sp.S.Zero, x < 0), (x, True))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Max(0, x)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_nonnegative(self):
        return self.args[0].is_real


class softmax_w(sp.Function):
    r"""One softmax weight :math:`e^{s_l}/\sum_j e^{s_j}`: first argument s_l, then all L scores."""

    def fdiff(self, argindex=1):
        scores = self.args[1:]
        if argindex == 1:
            return self
        return -self * softmax_w(scores[argindex - 2], *scores)

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return sp.exp(args[0]) / sp.Add(*[sp.exp(s) for s in args[1:]])

    def _eval_is_positive(self):
        return all(a.is_real for a in self.args) or None

    def _latex(self, printer, exp=None):
        s = r"\operatorname{softmax}_{%s}\left(%s\right)" % (
            printer._print(self.args[0]), ", ".join(printer._print(a) for a in self.args[1:]))
        return s if exp is None else r"%s^{%s}" % (s, exp)


def to_elementary(expr: sp.Expr) -> sp.Expr:
    """Rewrite the named functions above into exp/log/Max (for sympy's limit, maximum, simplify)."""
    return expr.rewrite(sp.exp) if expr.has(sigmoid, softplus, relu, softmax_w) else expr
