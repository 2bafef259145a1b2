import pytest
import sympy as sp

from proofs.errors import GrammarError
from proofs.symbolic.grammar import parse_expression, parse_relation

z = sp.Symbol("z", real=True)


@pytest.mark.parametrize("text, expected", [
    ("1/(1 + exp(-z))", 1 / (1 + sp.exp(-z))),
    ("0.1*z**2 - 2.5e-3", z ** 2 / 10 - sp.Rational(1, 400)),
    ("|z| + tanh(z)", sp.Abs(z) + sp.tanh(z)),
    ("-z**2", -(z ** 2)),
    ("2**-1", sp.Rational(1, 2)),
    ("erf(z)*pi", sp.erf(z) * sp.pi),
])
def test_parse_reference_expressions(text, expected):
    assert sp.simplify(parse_expression(text) - expected) == 0


def test_decimal_literals_are_exact():
    assert parse_expression("0.1") == sp.Rational(1, 10)
    assert parse_expression("1e-30") == sp.Rational(1, 10 ** 30)


def test_prime_notation_differentiates():
    e = parse_expression("sigmoid''(z)")
    s = 1 / (1 + sp.exp(-z))
    assert sp.simplify(e.rewrite(sp.exp) - sp.diff(s, z, 2)) == 0


@pytest.mark.parametrize("bad", ["__import__('os')", "z^2", "foo(z)", "(z", "z +", "1/0", "exp(z, z)",
                                 "9**9**9", "lambda: 0", "z.real", "y", "", "sigmoid", "[z]", "z;z"])
def test_rejects_text_outside_the_grammar(bad):
    with pytest.raises(GrammarError):
        parse_expression(bad)


def test_relation():
    lhs, op, rhs = parse_relation("log(1 + x) <= x", variables=["x"])
    x = sp.Symbol("x", real=True)
    assert op == "<=" and lhs == sp.log(1 + x) and rhs == x
    with pytest.raises(GrammarError):
        parse_relation("x", variables=["x"])
    with pytest.raises(GrammarError):
        parse_relation("x < 1 < 2", variables=["x"])
