r"""A user's own model, outside the package: a Gaussian-RBF feature with linear output weights.

:math:`\Phi(a, u)(x) = a\,g(u, x)` with :math:`g(u, x) = \exp(-(w\cdot x + b)^2)`, ``u = (w, b)``: a bounded
feature (values in (0, 1]) along the ridge :math:`w\cdot x + b = 0`; ``a`` is a k-vector (k = 1: scalar output).
Written with the public model API only (:meth:`proofs.Model.from_sympy`) and registered under the name ``rbf``,
so the commands find it::

    escset analyze  --module notebooks/user_models/rbf.py --model rbf --data D.json --measure MU.json
    escset simulate --module notebooks/user_models/rbf.py --model rbf --teacher 3 --n 32 --d 2 --m 50 \
        --steps 20 --dt 0.1
    escset search rbf-feature-in-unit-interval --module notebooks/user_models/rbf.py

The claim ``rbf-feature-in-unit-interval``: :math:`0 < g(u, x) \le 1` at every rational point, checked in
python-flint balls from the model's generated ``arb`` evaluator (certified, scope ``instance``).
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from proofs import CheckResult, Model, Verdict, claim, get_model, model


def rbf_model(k: int = 1, d: int = 2) -> Model:
    """The RBF model with d inputs and k outputs: inner groups ``w`` (d entries) and ``b`` (a scalar)."""
    w = [sp.Symbol(f"w{i}", real=True) for i in range(1, d + 1)]
    x = [sp.Symbol(f"x{i}", real=True) for i in range(1, d + 1)]
    b = sp.Symbol("b", real=True)
    pre = sum((wi * xi for wi, xi in zip(w, x)), sp.S.Zero) + b
    return Model.from_sympy("rbf", feature=sp.exp(-pre ** 2), inner={"w": w, "b": b}, inputs=x, k=k)


@model("rbf")
def make_rbf(k: int = 1, d: int = 2) -> Model:
    """``--model rbf``: k from the targets, d from the inputs (or ``--k``, ``--d`` with ``--teacher``)."""
    return rbf_model(k=k, d=d)


_num = st.fractions(min_value=-8, max_value=8, max_denominator=16)


@claim("rbf-feature-in-unit-interval", statement="0 < exp(-(w.x + b)^2) <= 1 for the RBF feature",
       instances=[{"name": "d=2 at a point", "d": 2, "w": ["1", "-1/2"], "b": "1/4", "x": ["3/4", "2"]}],
       strategy=st.integers(1, 3).flatmap(lambda d: st.fixed_dictionaries({
           "d": st.just(d), "w": st.lists(_num.map(str), min_size=d, max_size=d), "b": _num.map(str),
           "x": st.lists(_num.map(str), min_size=d, max_size=d)})))
def rbf_feature_in_unit_interval(inst, *, dps=30):
    """The RBF feature takes values in (0, 1] (balls from the generated evaluator)."""
    from flint import arb, ctx

    d = int(inst.get("d", 2))
    mdl = get_model("rbf", k=1, d=d)
    u = [Fraction(v) for v in inst["w"]] + [Fraction(inst["b"])]
    x = [Fraction(v) for v in inst["x"]]
    old = ctx.prec
    ctx.prec = bits = max(64, int(dps * 3.33) + 10)
    try:
        g = mdl.compile("g", "arb")(*[arb(v.numerator) / v.denominator for v in u + x])[0]
        upper_slack, lower = 1 - g, g
        ok = lower > 0 and upper_slack >= 0
        bad = lower <= 0 or upper_slack < 0
        margin = (min(float(lower.lower()), float(upper_slack.lower())),
                  min(float(lower.upper()), float(upper_slack.upper())))
    finally:
        ctx.prec = old
    verdict = Verdict.PROVED if ok else Verdict.REFUTED if bad else Verdict.INCONCLUSIVE
    return CheckResult("rbf-feature-in-unit-interval", verdict, margin=margin, precision=f"arb {bits} bits",
                       method="generated arb evaluator of the sympy feature", witness={**inst}, scope="instance",
                       statement=f"0 < g(u, x) <= 1 at w = {inst['w']}, b = {inst['b']}, x = {inst['x']}")
