"""Activation properties against independent closed forms (not the code's own output)."""
import math

import mpmath
import pytest
import sympy as sp

from proofs.errors import InvalidArgument
from proofs.prove.bounds import get_activation
from proofs.symbolic.activations import BUILTINS, Activation, Z

# closed forms computed by hand: sigmoid'' max at s = (3 - sqrt 3)/6 gives 1/(6 sqrt 3);
# tanh'' max at tanh = -1/sqrt 3 gives 4/(3 sqrt 3); erf'' max at z = -1/sqrt 2 gives 2 sqrt(2/(pi e)).
REFERENCE = {
    "sigmoid": (1, 0.25, 1 / (6 * math.sqrt(3))),
    "tanh": (1, 1.0, 4 / (3 * math.sqrt(3))),
    "erf": (1, 2 / math.sqrt(math.pi), 2 * math.sqrt(2 / (math.pi * math.e))),
    "softplus": (math.inf, 1.0, 0.25),
    "cubic-step": (1, 3.0, 12.0),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_sup_of_derivatives_reference_values(name):
    act = BUILTINS[name]
    for order, ref in enumerate(REFERENCE[name]):
        b = act.sup_abs(order)
        assert b.exact
        assert float(b.value) == pytest.approx(ref, rel=1e-14) if ref != math.inf else b.value == sp.oo


def test_sup_bound_is_not_exceeded_on_a_fine_grid():
    # independent check: sampled |sigma''| never exceeds the certified sup, and gets close to it
    act = BUILTINS["tanh"]
    f = sp.lambdify(Z, act.derivative(2), "mpmath")
    vals = [abs(f(mpmath.mpf(i) / 1000)) for i in range(-3000, 3000)]
    sup = float(act.sup_abs(2).value)
    assert max(vals) <= sup + 1e-15 and max(vals) > sup - 1e-5


@pytest.mark.parametrize("name, limits", [("sigmoid", (0, 1)), ("tanh", (-1, 1)), ("erf", (-1, 1)),
                                          ("softplus", (0, sp.oo)), ("cubic-step", (0, 1)), ("relu", (0, sp.oo))])
def test_limits(name, limits):
    assert BUILTINS[name].limits == limits


@pytest.mark.parametrize("name, cls", [("sigmoid", math.inf), ("tanh", math.inf), ("erf", math.inf),
                                       ("softplus", math.inf), ("relu", 0), ("cubic-step", 1),
                                       ("identity", math.inf), ("square", math.inf)])
def test_smoothness_class(name, cls):
    assert BUILTINS[name].smoothness == cls


def test_cubic_step_is_c1_not_c2_by_one_sided_limits():
    act = BUILTINS["cubic-step"]
    assert act.jump(1, 0) == (3, 3)
    assert act.jump(2, 0) == (12, -12)
    assert act.analytic is False and act.polynomial is False and act.monotone is True


def test_polynomial_and_monotone_flags():
    assert BUILTINS["square"].polynomial and BUILTINS["identity"].polynomial
    assert not BUILTINS["sigmoid"].polynomial
    assert BUILTINS["square"].monotone is False and BUILTINS["sigmoid"].monotone is True


def test_user_activation_from_grammar():
    act = get_activation("tanh(z)/2 + z/10")
    assert act.source == "tanh(z)/2 + z/10"
    assert sp.simplify(act.expr - (sp.tanh(Z) / 2 + Z / 10)) == 0
    assert act.sup_abs(1).value == sp.Rational(6, 10)
    assert act.bounded is False


@pytest.mark.parametrize("bad", ["nosuch", "__import__('os')", "z^2", "", "exp(", 3])
def test_get_activation_rejects_bad_input(bad):
    with pytest.raises(InvalidArgument):
        get_activation(bad)


def test_free_symbols_rejected():
    with pytest.raises(InvalidArgument):
        Activation("bad", Z + sp.Symbol("w"))


def test_sup_falls_back_to_a_rigorous_ball_enclosure():
    # sympy cannot locate the extrema of exp(-z^2) sin(3z); reference by mpmath: a root of the derivative
    # near the grid maximiser, evaluated at 40 digits (independent of the branch-and-bound)
    act = get_activation("exp(-z**2)*sin(3*z)")
    b = act.sup_abs(0)
    assert b.value is None and not b.exact and b.enclosure is not None
    with mpmath.workdps(40):
        f = lambda z: mpmath.exp(-z ** 2) * mpmath.sin(3 * z)
        z0 = max((mpmath.mpf(i) / 1000 for i in range(-3000, 3000)), key=lambda z: abs(f(z)))
        zs = mpmath.findroot(lambda z: mpmath.diff(f, z), z0)
        ref = abs(f(zs))
        lo, hi = b.enclosure
        assert mpmath.mpf(lo.numerator) / lo.denominator <= ref <= mpmath.mpf(hi.numerator) / hi.denominator
    assert float(hi - lo) < 1e-6  # width, not only containment
    assert act.bounded is True
