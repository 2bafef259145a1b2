"""escset prove: reference values from closed forms (computed here with mpmath), refutations, bad input, CLI.

Every reference value is computed independently of the code under test (mpmath at 50 digits from the closed
forms of the issue); certified enclosures are checked for containment *and* width.
"""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import pytest

from proofs.errors import EscsetError, GrammarError, InvalidArgument
from proofs.result import Verdict
from proofs.prove import prove




def _ref(expr_fn):
    with mpmath.workdps(50):
        return expr_fn()


SIG1 = lambda: mpmath.mpf(1) / 4  # noqa: E731  sup|sigmoid'|
SIG2 = lambda: 1 / (6 * mpmath.sqrt(3))  # noqa: E731  sup|sigmoid''|
TANH1 = lambda: mpmath.mpf(1)  # noqa: E731
TANH2 = lambda: 4 / (3 * mpmath.sqrt(3))  # noqa: E731
ERF1 = lambda: 2 / mpmath.sqrt(mpmath.pi)  # noqa: E731
ERF2 = lambda: 2 * mpmath.sqrt(2 / (mpmath.pi * mpmath.e))  # noqa: E731


def _sup_lhs(r, rhs_value):
    """The certified enclosure of sup LHS = sup(LHS - RHS) + RHS from the result (decimal strings, outward)."""
    lo, hi = r.stats["sup_violation"]
    return mpmath.mpf(lo) + rhs_value, mpmath.mpf(hi) + rhs_value


def _assert_proved(r):
    assert r.verdict is Verdict.PROVED, r.message
    assert not r.numerical


def _assert_refuted(r):
    assert r.verdict is Verdict.REFUTED, r.message


# ---------------------------------------------------------------------------
# sup |sigma^(k)| with loose constants: proved, and the reported enclosure contains the closed form, tightly
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("stmt, ref, slack", [
    ("|sigmoid'(z)|", SIG1, "0.01"),
    ("|sigmoid''(z)|", SIG2, "0.01"),
    ("|tanh'(z)|", TANH1, "0.01"),
    ("|tanh''(z)|", TANH2, "0.01"),
    ("|erf'(z)|", ERF1, "0.01"),
    ("|erf''(z)|", ERF2, "0.01"),
])
def test_prove_activation_derivative_bounds_reference_values(stmt, ref, slack):
    value = _ref(ref)
    c = Fraction(mpmath.nstr(value, 12)) + Fraction(slack)
    r = prove(f"{stmt} <= {c.numerator}/{c.denominator}", over=["z in R"])
    _assert_proved(r)
    with mpmath.workdps(50):
        lo, hi = _sup_lhs(r, mpmath.mpf(c.numerator) / c.denominator)
        assert lo <= value <= hi
        assert hi - lo < mpmath.mpf("1e-5")  # the tightness report is tight, not merely valid
    # a constant just below the true supremum is refuted with an exact witness that really violates it
    below = Fraction(mpmath.nstr(value, 12)) - Fraction(1, 10 ** 6)
    r2 = prove(f"{stmt} <= {below.numerator}/{below.denominator}", over=["z in R"])
    _assert_refuted(r2)
    z = Fraction(r2.witness["z"])
    assert r2.witness["z"] and z.denominator > 0


@pytest.mark.parametrize("stmt", [
    "|sigmoid'(z)| <= 1/4",
    "|sigmoid''(z)| <= 1/(6*sqrt(3))",
    "|erf'(z)| <= 2/sqrt(pi)",
    "|erf''(z)| <= 2*sqrt(2/(pi*E))",
    "|tanh'(z)| <= 1",
])
def test_prove_exact_constants_where_equality_is_attained(stmt):
    # equality is attained (at 0, +-log(2 -+ sqrt 3), +-1/sqrt 2): plain ball B&B cannot certify these;
    # the exact local-maximum certificate must
    r = prove(stmt, over=["z in R"])
    _assert_proved(r)


@pytest.mark.slow
def test_prove_tanh_second_derivative_exact_constant_two_maximisers():
    r = prove("|tanh''(z)| <= 4/(3*sqrt(3))", over=["z in R"])
    _assert_proved(r)
    assert len(r.stats["equality_at"]) == 2


def test_prove_cubic_step_derivative_bounds_reference_values():
    # MATH.md §6.2: max sigma' = 3 at 0; sigma'' jumps from +12 to -12 at 0, so sup|sigma''| = 12
    _assert_proved(prove("|cubic_step'(z)| <= 3", over=["z in R"]))
    _assert_proved(prove("|cubic_step''(z)| <= 12", over=["z in R"]))
    r = prove("cubic_step'(z) <= 2.999", over=["z in R"])
    _assert_refuted(r)
    z = Fraction(r.witness["z"])
    assert -Fraction(1, 2) < z < Fraction(1, 2)
    # sigma'(z) on the pieces, evaluated independently
    sp1 = 12 * (z + Fraction(1, 2)) ** 2 if z <= 0 else 12 * (Fraction(1, 2) - z) ** 2
    assert sp1 > Fraction(2999, 1000)
    _assert_refuted(prove("|cubic_step''(z)| <= 11.99", over=["z in R"]))


def test_prove_cubic_step_is_bounded_by_its_limits():
    _assert_proved(prove("cubic_step(z) <= 1", over=["z in R"]))
    _assert_proved(prove("cubic_step(z) >= 0", over=["z in R"]))
    _assert_refuted(prove("cubic_step(z) <= 0.999", over=["z in R"]))


# ---------------------------------------------------------------------------
# classical inequalities
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("stmt, over", [
    ("log(1+x) <= x", ["x in [0, oo)"]),
    ("log(1+x) <= x", ["x in (-1, oo)"]),
    ("tanh(x) <= x", ["x in [0, oo)"]),
    ("tanh(x) <= x", ["x >= 0"]),
    ("exp(x) >= 1 + x", ["x in R"]),
    ("x/(1+x) <= log(1+x)", ["x in (-1, oo)"]),
    ("sigmoid(z) <= 1", ["z in R"]),
    ("softplus(z) >= relu(z)", ["z in R"]),
])
def test_prove_classical_inequalities(stmt, over):
    _assert_proved(prove(stmt, over=over))


@pytest.mark.parametrize("stmt", ["sigmoid(z) < 1", "tanh(z)**2 < 1", "erf(z) > -1", "exp(-z**2) > 0",
                                  "1 - tanh(z)**2 > 0"])
def test_prove_strict_bound_approached_only_at_infinity(stmt):
    # sup = 1 (resp. inf = 0) is a limit, never attained: the strict inequality holds and is proved through
    # monotonicity towards infinity plus analyticity (v cannot be constant on an interval)
    r = prove(stmt, over=["z in R"])
    _assert_proved(r)


@pytest.mark.parametrize("stmt, over", [
    ("sigmoid(z) <= 1/2 + z/4", ["z in R"]),
    ("tanh(x) <= x", ["x in R"]),
    ("log(1+x) <= x - x**2/2", ["x in [0, oo)"]),
    ("exp(x) >= 1 + x + x**2/2", ["x in R"]),
    ("sigmoid'(z) < 1/4", ["z in R"]),
])
def test_prove_false_inequalities_refuted_with_a_replayable_witness(stmt, over):
    r = prove(stmt, over=over)
    _assert_refuted(r)
    # replay: evaluate both sides at the exact witness with mpmath, independently of the code under test
    name = over[0].split()[0]
    w = mpmath.mpf(Fraction(r.witness[name]).numerator) / Fraction(r.witness[name]).denominator
    f = {
        "sigmoid(z) <= 1/2 + z/4": lambda z: 1 / (1 + mpmath.exp(-z)) - (mpmath.mpf(1) / 2 + z / 4),
        "tanh(x) <= x": lambda x: mpmath.tanh(x) - x,
        "log(1+x) <= x - x**2/2": lambda x: mpmath.log(1 + x) - (x - x ** 2 / 2),
        "exp(x) >= 1 + x + x**2/2": lambda x: (1 + x + x ** 2 / 2) - mpmath.exp(x),
        "sigmoid'(z) < 1/4": lambda z: mpmath.exp(-z) / (1 + mpmath.exp(-z)) ** 2 - mpmath.mpf(1) / 4,
    }[stmt]
    with mpmath.workdps(60):
        if "<" in stmt and "<=" not in stmt:
            assert f(w) >= 0
        else:
            assert f(w) > 0


def test_prove_refuted_witness_respects_open_domain_end():
    r = prove("log(1+x) >= x - x**2/4", over=["x in (-1, oo)"])
    _assert_refuted(r)
    assert Fraction(r.witness["x"]) > -1


# ---------------------------------------------------------------------------
# two variables, constraints, constants
# ---------------------------------------------------------------------------
def test_prove_two_variable_box_and_plane():
    ref = _ref(lambda: 1 / mpmath.sqrt(2 * mpmath.e))  # sup x exp(-x^2-y^2) at (1/sqrt 2, 0)
    for over in (["x in [-3, 3]", "y in [-3, 3]"], ["x in R", "y in R"]):
        r = prove("x*exp(-x**2 - y**2) <= 0.43", over=over)
        _assert_proved(r)
        lo, hi = _sup_lhs(r, mpmath.mpf("0.43"))
        assert lo <= ref <= hi and hi - lo < mpmath.mpf("1e-4")
        _assert_refuted(prove("x*exp(-x**2 - y**2) <= 0.428", over=over))


def test_prove_assumption_is_used_and_dropping_it_refutes():
    over = ["x in [0, 1]", "y in [0, 1]"]
    _assert_proved(prove("x*y <= 0.26", over=over, assume=["x + y <= 1"]))
    r = prove("x*y <= 0.26", over=over)
    _assert_refuted(r)
    assert Fraction(r.witness["x"]) * Fraction(r.witness["y"]) > Fraction(26, 100)


def test_prove_constant_statements():
    _assert_proved(prove("pi <= 22/7"))
    _assert_refuted(prove("pi < 3.1415"))
    _assert_proved(prove("sqrt(2)*sqrt(3) <= sqrt(6)"))


# ---------------------------------------------------------------------------
# identities
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("stmt, over", [
    ("tanh(z) == 2*sigmoid(2*z) - 1", []),
    ("sigmoid'(z) == sigmoid(z)*(1 - sigmoid(z))", []),
    ("softplus'(z) == sigmoid(z)", []),
    ("sqrt(x**2) == x", ["x >= 0"]),
    ("erf(z) + erfc(z) == 1", []),
])
def test_prove_identities_symbolically(stmt, over):
    r = prove(stmt, over=over)
    _assert_proved(r)
    assert r.precision.startswith("exact")


@pytest.mark.parametrize("stmt, over", [
    ("sqrt(5 + 2*sqrt(6)) == sqrt(2) + sqrt(3) + 10**-50", []),
    ("sigmoid(z) == 1/(1 + exp(-z)) + 10**-60", ["z in R"]),
    ("tanh(z) == 2*sigmoid(2*z) - 1 - 10**-64*z", ["z in [1, 2]"]),
])
def test_prove_identities_off_below_working_precision_are_refuted(stmt, over):
    """A difference far below the 30-digit working precision is still a difference: the ball
    precision is escalated at the worst sample point, and the refutation is rigorous (the
    witness's ball excludes 0); replayed here with mpmath at 200 digits."""
    r = prove(stmt, over=over)
    _assert_refuted(r)
    lhs, rhs = stmt.split("==")
    assert r.precision.startswith("arb")
    with mpmath.workdps(200):
        env = {"sqrt": mpmath.sqrt, "exp": mpmath.exp, "tanh": mpmath.tanh,
               "sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}
        for k, v in r.witness.items():
            if k != "LHS - RHS":
                env[k] = mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
        expr = lhs.replace("**", "^") + " - (" + rhs.replace("**", "^") + ")"
        diff = _mp_eval(expr.replace("^", "**"), env)
        assert diff != 0 and abs(diff) < mpmath.mpf(10) ** -40


def test_prove_radical_identity_proved_exactly():
    r = prove("sqrt(5 + 2*sqrt(6)) == sqrt(2) + sqrt(3)")
    _assert_proved(r)


def _mp_eval(expr, env):
    """Evaluate a test's own fixed expression string (never user text) with mpmath names."""
    import ast
    import operator

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.USub: operator.neg}

    def ev(node):
        if isinstance(node, ast.BinOp):
            return ops[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            return ops[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Constant):
            return mpmath.mpf(node.value)
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.Call):
            return env[node.func.id](*[ev(a) for a in node.args])
        raise ValueError(ast.dump(node))
    return ev(ast.parse(expr, mode="eval").body)


@pytest.mark.parametrize("stmt, over", [
    ("sigmoid(z) == 1 - sigmoid(z)", []),
    ("sqrt(x**2) == x", ["x in R"]),
    ("atan(z) + atan(1/z) == pi/2", ["z in R"]),
])
def test_prove_false_identities_refuted(stmt, over):
    r = prove(stmt, over=over)
    _assert_refuted(r)


def test_prove_identity_sympy_cannot_reduce_is_numerical_never_proved():
    # true for x >= -1 (|x + 1| = x + 1), but sympy knows no sign for x + 1: numerical agreement only
    r = prove("sqrt(x**2 + 2*x + 1) == x + 1", over=["x in [-1, oo)"])
    assert r.verdict is Verdict.INCONCLUSIVE
    assert r.numerical
    assert float(r.margin) < 1e-15
    assert "NOT a proof" in r.message


# ---------------------------------------------------------------------------
# bad input: one clear error
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, exc, needle", [
    ({"statement": "log(1+x) <= x", "over": ["x in [0, oo"]}, InvalidArgument, "valid forms"),
    ({"statement": "log(1+x) <= x", "over": ["x in [0, oo]"]}, InvalidArgument, "infinite end must be open"),
    ({"statement": "log(1+x) <= x", "over": ["x between 0 and 1"]}, InvalidArgument, "valid forms"),
    ({"statement": "log(1+x) <= x", "over": ["x in [1, 0]"]}, InvalidArgument, "empty"),
    ({"statement": "x <= 1", "over": ["x in R", "x in [0, 1]"]}, InvalidArgument, "twice"),
    ({"statement": "foo(z) <= 1", "over": ["z in R"]}, GrammarError, "unknown function"),
    ({"statement": "z + w <= 1", "over": ["z in R"]}, GrammarError, "--over"),
    ({"statement": "relu''(z) <= 1", "over": ["z in R"]}, InvalidArgument, "distributional"),
    ({"statement": "sigmoid(z)", "over": ["z in R"]}, GrammarError, "comparison"),
    ({"statement": "z <= 1", "over": ["z in R"], "assume": ["z == 0"]}, InvalidArgument, "equalities"),
    ({"statement": "z <= 1", "over": ["z in R"], "dps": 3}, InvalidArgument, "dps"),
    ({"statement": "z <= 1", "over": ["z in R"], "max_boxes": 0}, InvalidArgument, "max_boxes"),
    ({"statement": "", "over": []}, InvalidArgument, "statement"),
])
def test_prove_rejects_bad_input(kwargs, exc, needle):
    with pytest.raises(exc) as info:
        prove(**kwargs)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
def _cli(argv, capsys):
    from proofs.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_prove_cli_json_one_object(capsys):
    code, out, err = _cli(["prove", "sigmoid''(z) <= 1/10", "--over", "z in R", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert out.count("\n") == 1
    assert d["verdict"] == "proved" and d["boxes_explored"] > 0 and d["seconds"] >= 0
    assert "\\le" in d["latex"]
    code, out, _ = _cli(["prove", "sigmoid(z) <= 1/2 + z/4", "--json"], capsys)
    d = json.loads(out)
    assert code == 0 and d["verdict"] == "refuted" and "z" in d["witness"]


def test_prove_cli_human_output(capsys):
    code, out, _ = _cli(["prove", "tanh(x) <= x", "--over", "x in [0, oo)"], capsys)
    assert code == 0 and "PROVED" in out and "LaTeX" in out


@pytest.mark.parametrize("argv", [
    ["prove", "log(1+x) <= x", "--over", "x in [0, oo"],
    ["prove", "foo(z) <= 1", "--over", "z in R"],
    ["prove", "z <= 1", "--dps", "2"],
])
def test_prove_cli_bad_input_exit_2_one_line(argv, capsys):
    code, out, err = _cli(argv, capsys)
    assert code == 2
    assert err.startswith("escset: error:") and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("stmt, over, where", [
    # sup x e^{-x^2-y^2} = 1/sqrt(2e) at (1/sqrt 2, 0): an irrational interior maximiser in two variables
    ("x*exp(-x**2 - y**2) <= 1/sqrt(2*E)", ["x in R", "y in R"], {"x": "sqrt(2)/2", "y": "0"}),
    # sup x sigma'(x y) on [-2, 2]^2 = 2 * 1/4 at (2, 0): a maximiser on the boundary in x, interior in y
    ("x*sigmoid'(x*y) <= 1/2", ["x in [-2, 2]", "y in [-2, 2]"], {"x": "2", "y": "0"}),
])
def test_prove_two_variable_exact_constants_where_equality_is_attained(stmt, over, where):
    r = prove(stmt, over=over)
    _assert_proved(r)
    assert where in r.stats["equality_at"]
    # and the strict version is refuted exactly there
    r2 = prove(stmt.replace("<=", "<"), over=over)
    _assert_refuted(r2)


@pytest.mark.parametrize("stmt, over, expected", [
    # a jump whose value at the breakpoint (1/2) differs from both one-sided limits: only the breakpoint slice,
    # evaluated with the true value, sees the violation (no sample point hits z = 1/7)
    ("|heaviside(z - 1/7) - 1/2| >= 1/2", [], "refuted"),
    ("heaviside(z) >= 1/2", ["z in [0, 1]"], "proved"),
    ("heaviside(z) > 1/2", ["z in [0, 1]"], "refuted"),
    # kinks: max, |.|, relu are split into cells, so the attained bound is certified
    ("max(z, 0, 1 - z) >= 1/2", [], "proved"),
    ("|z - 1| + |z + 1| >= 2", [], "proved"),
    ("sign(z)*z >= 0", [], "proved"),
    ("cubic_step''(z) >= -12", [], "proved"),
    ("cubic_step''(z) < 12", [], "refuted"),
])
def test_prove_piecewise_cells_and_breakpoint_slices(stmt, over, expected):
    r = prove(stmt, over=over, max_boxes=4000, time_limit=10)
    assert r.verdict is Verdict(expected), r.message
    if expected == "refuted" and "1/7" in stmt:
        assert r.witness["z"] == "1/7"


def test_prove_latex_line_keeps_activation_names():
    r = prove("|tanh''(z)| <= 1", over=["z in R"])
    assert "\\tanh''" in r.stats["latex"] and "\\mathbb{R}" in r.stats["latex"]


def test_prove_time_limit_is_honoured_and_reported():
    import time

    t0 = time.perf_counter()
    r = prove("x*y <= (x**2 + y**2)/2", over=["x in [-3, 3]", "y in [-3, 3]"], time_limit=2)
    assert time.perf_counter() - t0 < 20
    assert r.verdict is Verdict.INCONCLUSIVE  # equality on the whole diagonal: honest, not proved by accident
    assert "--time-limit" in r.message or "--max-boxes" in r.message


@pytest.mark.parametrize("stmt, over", [
    ("-1/x**2 <= 0", ["x in (-1, 1)"]),   # a pole inside the domain: "true where defined" is not proved
    ("-1/x**2 <= 0", ["x in R"]),
    ("1/x <= 5", ["x in (-1, 0]"]),       # a pole at a closed end
    ("log(x) <= x", ["x in [0, 1]"]),
])
def test_prove_statement_undefined_somewhere_in_the_domain_is_never_proved(stmt, over):
    r = prove(stmt, over=over, max_boxes=3000, time_limit=10)
    assert r.verdict is Verdict.INCONCLUSIVE, r.message


def test_prove_same_statements_with_the_point_excluded_are_proved():
    _assert_proved(prove("-1/x**2 <= 0", over=["x in (0, 1)"]))
    _assert_proved(prove("log(x) <= x", over=["x in (0, 1]"]))


@pytest.mark.parametrize("stmt, over, expected", [
    # sympy cannot reduce these, but their derivatives vanish: proved on connected domains where defined
    ("atan(z) + atan(1/z) == pi/2", ["z in (0, oo)"], "proved"),
    ("atan(z) + atan(1/z) == -pi/2", ["z in (-oo, 0)"], "proved"),
    ("atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in (-1/2, 1/2)", "y in (-1/2, 1/2)"], "proved"),
    # the same formulas across the singularity or the branch cut: never proved
    ("atan(z) + atan(1/z) == pi/2", ["z in R"], "refuted"),
    ("atan(x) + atan(y) == atan((x + y)/(1 - x*y))", ["x in (-2, 2)", "y in (-2, 2)"], "refuted"),
])
def test_prove_identities_through_a_vanishing_derivative(stmt, over, expected):
    r = prove(stmt, over=over)
    assert r.verdict is Verdict(expected), r.message
    assert not r.numerical


def test_prove_identity_undefined_at_a_point_of_the_domain_is_not_proved():
    r = prove("atan(z) + atan(1/z) == pi/2", over=["z in [0, oo)"])
    assert r.verdict is Verdict.INCONCLUSIVE


# ---------------------------------------------------------------------------
# exact equality of algebraic constants (integer resultants + a root-separation bound, no float compares)
# ---------------------------------------------------------------------------
def _alg():
    import sympy as sp

    from proofs.prove.algebraic import _algebraic_zero

    return sp, _algebraic_zero


@pytest.mark.parametrize("a, b", [
    # the same number written differently; sympy does not reduce the difference to 0 by itself
    ("sqrt(2 + sqrt(3))", "(sqrt(6) + sqrt(2))/2"),
    ("sqrt(5 + 2*sqrt(6))", "sqrt(2) + sqrt(3)"),
    ("(7 + 5*sqrt(2))**(1/3)", "1 + sqrt(2)"),
    ("1/(sqrt(2 + sqrt(3)) + 1/sqrt(2 + sqrt(3)))", "sqrt(6)/6"),
    ("1/(6*sqrt(3))", "sqrt(3)/18"),
])
def test_algebraic_zero_says_equal_on_equal_numbers_written_differently(a, b):
    sp, _algebraic_zero = _alg()
    d = sp.sympify(a) - sp.sympify(b)
    assert _algebraic_zero(d) is True
    # and a difference of 1e-30 (visible to the first ball) or 1e-100 (decided by the polynomial) is not zero
    for eps in (sp.Rational(1, 10 ** 30), sp.Rational(1, 10 ** 100)):
        assert _algebraic_zero(d + eps) is False
        assert _algebraic_zero(sp.sympify(a) * (1 + eps) - sp.sympify(b)) is False


def test_algebraic_zero_decides_activation_values_at_log_points():
    # sigma''(log(2 + sqrt 3)) = -1/(6 sqrt 3) and tanh''(log(2 + sqrt 3)/2) = -4/(3 sqrt 3), through rewrite(exp)
    import sympy as sp

    from proofs.symbolic.functions import sigmoid
    from proofs.prove.zero import symbolic_zero as _symbolic_zero

    s3 = sp.sqrt(3)
    z = sp.log(2 + s3)
    s = sigmoid(z)
    sig2 = s * (1 - s) * (1 - 2 * s)
    assert _symbolic_zero(sig2 + 1 / (6 * s3))
    assert not _symbolic_zero(sig2 + 1 / (6 * s3) + sp.Rational(1, 10 ** 30))
    t = sp.tanh(z / 2)
    assert _symbolic_zero(-2 * t * (1 - t ** 2) + 4 / (3 * s3))
    assert not _symbolic_zero(-2 * t * (1 - t ** 2) + 4 / (3 * s3) - sp.Rational(1, 10 ** 40))


def test_algebraic_zero_leaves_what_it_cannot_decide_to_sympy():
    # transcendental constants and roots of negative numbers are not its business: None, never a guess
    sp, _algebraic_zero = _alg()
    assert _algebraic_zero(sp.pi - sp.Rational(22, 7)) is None
    assert _algebraic_zero(sp.sqrt(1 - sp.sqrt(3)) - 1) is None
    assert _algebraic_zero(sp.exp(sp.Rational(1, 2)) - 1) is None


def test_annihilating_polynomial_vanishes_at_the_number():
    import sympy as sp

    from proofs.prove.algebraic import _annihilating_poly, _radicals

    for e in (sp.sqrt(2) + sp.sqrt(3), sp.sqrt(2 + sp.sqrt(3)) - 1 / sp.cbrt(5), (1 + sp.sqrt(5)) / 2):
        coeffs = _annihilating_poly(e, _radicals(e))
        assert coeffs is not None and any(coeffs)
        with mpmath.workdps(60):
            x = mpmath.mpf(str(sp.N(e, 70)))
            val = mpmath.polyval(list(reversed(coeffs)), x)
            assert abs(val) < mpmath.mpf(10) ** -40 * max(abs(c) for c in coeffs) * (1 + abs(x)) ** len(coeffs)


def test_algebraic_zero_agrees_with_construction_on_random_radical_expressions():
    import random

    sp, _algebraic_zero = _alg()
    rng = random.Random(5)
    atoms = [sp.sqrt(2), sp.sqrt(3), sp.sqrt(5), sp.cbrt(2), sp.Rational(1, 2), sp.Integer(3)]

    def rnd(depth):
        if depth == 0:
            return rng.choice(atoms)
        a, b = rnd(depth - 1), rnd(depth - 1)
        op = rng.choice("+-*/s")
        if op == "s":
            return sp.sqrt(abs(a) + 1)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b != 0 else a}[op]

    decided = 0
    for _ in range(25):
        a = rnd(2)
        b = sp.radsimp(sp.expand(a))  # the same number, another form
        for d, zero in ((a - b, True), (a - b + sp.Rational(1, 10 ** 50), False)):
            got = _algebraic_zero(d)
            assert got in (zero, None)
            decided += got is not None
    assert decided >= 40


@pytest.mark.parametrize("stmt", [
    "|sigmoid''(z)| <= 1/(6*sqrt(3)) - 10**-20",
    "|sigmoid''(z)| <= 1/(6*sqrt(3)) - 10**-40",
    "|tanh''(z)| <= 4/(3*sqrt(3)) - 10**-20",
    "|erf''(z)| <= 2*sqrt(2/(pi*E)) - 10**-20",
])
def test_prove_bound_false_by_a_hair_is_never_proved(stmt):
    # the supremum exceeds the bound by 1e-20 (1e-40) at an irrational point: below the search tolerance, so only
    # an exact candidate can see it; it must never be proved, and here it is refuted there
    r = prove(stmt, over=["z in R"])
    assert r.verdict is not Verdict.PROVED, r.message
    _assert_refuted(r)
    import sympy as sp

    z = sp.sympify(r.witness["z"])
    with mpmath.workdps(80):
        zf = mpmath.mpf(str(sp.N(z, 90)))
        if "sigmoid" in stmt:
            s = 1 / (1 + mpmath.exp(-zf))
            lhs = abs(s * (1 - s) * (1 - 2 * s))
        elif "tanh" in stmt:
            t = mpmath.tanh(zf)
            lhs = abs(-2 * t * (1 - t ** 2))
        else:
            lhs = abs(-4 * zf * mpmath.exp(-zf ** 2) / mpmath.sqrt(mpmath.pi))
        rhs = mpmath.mpf(str(sp.N(sp.sympify(stmt.split("<=")[1]), 90)))
        assert lhs > rhs


def test_prove_exact_maximisers_are_reported_and_mirrored():
    import sympy as sp

    r = prove("|tanh''(z)| <= 4/(3*sqrt(3))", over=["z in R"])
    _assert_proved(r)
    pts = sorted(float(sp.N(sp.sympify(e["z"]), 30)) for e in r.stats["equality_at"])
    with mpmath.workdps(30):
        ref = float(mpmath.atanh(1 / mpmath.sqrt(3)))  # tanh z* = 1/sqrt 3
    assert len(pts) == 2 and abs(pts[0] + ref) < 1e-15 and abs(pts[1] - ref) < 1e-15


@pytest.mark.parametrize("stmt", ["exp(log(x)) >= 0", "sqrt(x)**2 >= 0", "x*(1/x) >= 2", "exp(log(x**2)) > 0"])
def test_a_witness_is_a_point_where_the_text_is_defined(stmt):
    """sympy simplifies exp(log(x)) and sqrt(x)**2 to x, and x*(1/x) to 1, while parsing: at x <= 0 (or x = 0) the
    simplified violation is positive but the statement as written has no value there (exp(log(x**2)) is x**2,
    violated only at 0, where log(0) is undefined). These statements are
    undefined exactly where they fail, so no point is a counterexample: never refuted (nor proved)."""
    r = prove(stmt, over=["x in [-1, 1]"], max_boxes=2000, time_limit=10)
    assert r.verdict is Verdict.INCONCLUSIVE, (r.verdict, r.message)


def test_no_mean_value_bound_across_a_pole():
    """atan(1/x) has the derivative -1/(1 + x^2), finite across its pole at 0. On [-1, 2] no box centre is 0 (the
    dyadic splits of [-1, 2] never hit it), so only the rule "mean-value form only where f itself is enclosed"
    keeps f(c) + grad(B)(B - c) from bounding the boxes around the pole: sup is pi/2 < 1.7 where defined, but
    the statement is undefined at 0, so it must not be proved."""
    r = prove("atan(1/x) <= 1.7", over=["x in [-1, 2]"], max_boxes=3000, time_limit=10)
    assert r.verdict is not Verdict.PROVED, r.message


def test_no_monotone_face_argument_across_a_pole():
    """-atan(1/(x - 1/3)) is increasing on both sides of its pole at 1/3, and a box [0, b] touches the open end 0:
    the monotone-face rule ("sup at the closed face b") would bound such a box, pole included, by v(b) if it ran on
    a box where v is not defined, and the branch-and-bound would prune the pole away (1/3 is never a dyadic box
    centre). True where defined (sup pi/2 < 1.6), undefined at 1/3: never proved."""
    r = prove("-atan(1/(x - 1/3)) <= 1.6", over=["x in (0, 1]"], max_boxes=3000, time_limit=10)
    assert r.verdict is Verdict.INCONCLUSIVE, r.message
