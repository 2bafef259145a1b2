"""Printed statements state every hypothesis (text, LaTeX, JSON), and the LaTeX parses back to its source.

The LaTeX is checked without a LaTeX parser: its groups are balanced, and each hypothesis found in the
printed line is the LaTeX of the corresponding ``--assume`` regenerated from the sympy source."""
import json
import re

import pytest
import sympy as sp

from proofs.cli import main
from proofs.prove.latex import _relation_latex, statement_latex, statement_text
from proofs.prove.statement import parse_statement


def escset(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def balanced(tex: str) -> bool:
    depth = {"{": 0, "left": 0}
    for tok in re.findall(r"\\left|\\right|(?<!\\)[{}]", tex):
        if tok == "{":
            depth["{"] += 1
        elif tok == "}":
            depth["{"] -= 1
        elif tok == r"\left":
            depth["left"] += 1
        else:
            depth["left"] -= 1
        if min(depth.values()) < 0:
            return False
    return depth == {"{": 0, "left": 0}


def hypotheses_of(tex: str) -> list[str]:
    """The hypotheses of a printed ``\\forall ... \\text{ with } h1,\\ h2:\\quad body`` line."""
    m = re.fullmatch(r"\\forall (.*?)(?: \\text\{ with \}(.*?))?:\\quad (.*)", tex)
    assert m, tex
    return [] if m.group(2) is None else [h.strip() for h in m.group(2).split(r",\ ")]


OVER = ["x in [0, 1]", "y in [0, 1]"]
ASSUME = ["x + y <= 1", "x <= 2*y"]


def test_library_statement_has_every_assumption():
    tex = statement_latex("x*y <= 0.26", OVER, ASSUME)
    assert balanced(tex)
    _, _, _, ranges, _ = parse_statement("x*y <= 0.26", OVER, ASSUME)
    assert hypotheses_of(tex) == [_relation_latex(a, ranges) for a in ASSUME]
    assert r"x \in \left[0, 1\right]" in tex and r"y \in \left[0, 1\right]" in tex
    assert statement_text("x*y <= 0.26", OVER, ASSUME).startswith("for all x in [0, 1], y in [0, 1] with "
                                                                  "x + y <= 1, x <= 2*y:")
    # no --assume: no "with" part, exactly the old line
    assert hypotheses_of(statement_latex("x*y <= 1", OVER)) == []


def test_hypothesis_latex_matches_sympy_source():
    _, _, _, ranges, cons = parse_statement("x*y <= 0.26", OVER, ["x + y <= 1"])
    g = cons[0][0]
    syms = {r.name: r.symbol for r in ranges}
    # regenerate the sympy relation from the printed tokens and compare with the parsed constraint
    (h,) = hypotheses_of(statement_latex("x*y <= 0.26", OVER, ["x + y <= 1"]))
    lhs, rhs = h.split(r" \le ")
    assert sp.simplify(sp.sympify(lhs.replace(" ", ""), locals=syms) - sp.sympify(rhs, locals=syms) - g) == 0


@pytest.mark.parametrize("statement,expect", [("x*y <= 0.3", "PROVED"), ("x*y <= 0.24", "REFUTED")])
def test_cli_prints_every_assumption(capsys, statement, expect):
    args = ["prove", statement, "--over", OVER[0], "--over", OVER[1], "--assume", ASSUME[0], "--assume", ASSUME[1],
            "--max-boxes", "1000"]
    code, out, _ = escset(capsys, *args)
    assert code == 0
    assert out.startswith(expect)
    over = next(line for line in out.splitlines() if line.strip().startswith("over"))
    for a in ASSUME:
        assert a in over, over
    if expect == "PROVED":
        tex = next(line for line in out.splitlines() if line.strip().startswith("LaTeX")).split(":", 1)[1].strip()
        assert balanced(tex)
        assert len(hypotheses_of(tex)) == len(ASSUME)
        details = next(line for line in out.splitlines() if line.strip().startswith("details"))
        assert all(a in details for a in ASSUME)
    code, out, _ = escset(capsys, *args, "--json")
    d = json.loads(out)
    for a in ASSUME:
        assert a in d["instance"] and a in d["assumptions"]
    if expect == "PROVED":
        for tex in (d["latex"], d["statement"], d["stats"]["latex"], d["message"].split(" LaTeX: ")[1]):
            assert len(hypotheses_of(tex)) == len(ASSUME), tex


# -- model LaTeX (escset latex --model): structure, and the vector formulas against the sympy source ----------
import numpy as np

from proofs.symbolic.models import LATEX_EXPRS, get_model

MODELS = [("sigmoid", dict(k=2, d=2)), ("sigmoid", dict(k=1, d=1, activation="tanh")),
          ("relu-lift", dict(d=2)), ("attention", dict(k=1, p=2, L=2)), ("attention-qk", dict(p=1, L=2))]


def aligned_rows(tex):
    m = re.fullmatch(r"\\begin\{aligned\}(.*)\\end\{aligned\}", tex)
    return None if m is None else m.group(1).split(r"\\ ")


@pytest.mark.parametrize("name,kw", MODELS)
@pytest.mark.parametrize("form", ["vector", "components"])
def test_model_latex_structure(name, kw, form):
    m = get_model(name, **kw)
    for what in LATEX_EXPRS:
        tex = m.latex(what, form)
        assert balanced(tex), (what, tex)
        assert "th_{" not in tex and "th1" not in tex and r"\mathrm{th}" not in tex
        assert tex.count(r"\begin{aligned}") == tex.count(r"\end{aligned}") <= 1
        rows = aligned_rows(tex)
        if rows is not None:
            assert all("&" in row for row in rows), (what, rows)  # aligned with its alignment points
        if what in ("first-variation", "psi", "velocity"):
            assert r"\sum_{i=1}^{n}" in tex and "r_i = f_\\mu(x_i) - y_i" in tex
        if what in ("first-variation", "velocity"):
            assert r"\sum_{j=1}^{m}" in tex  # the particle index of f_mu
        if what == "velocity":
            if form == "vector":
                assert all("' &= -" in row for row in rows if "' &=" in row)  # gradient descent: -grad
            n_rows = sum(1 for row in rows if re.match(r"\s*[^&]+' &=", row))
            assert n_rows == (2 if form == "vector" and m.name in ("sigmoid", "relu-lift", "attention")
                              and name != "sigmoid" else (3 if form == "vector" and name == "sigmoid"
                                                           else len(m.theta_syms)))
        if what == "escape":
            assert r"\le 0" in tex and "frozen" in tex and r"\rho = |a| > 0" in tex


def test_vector_velocity_reads_as_the_numpy_reference():
    """The rows of the vector LaTeX are the formulas :func:`_vector_velocity` evaluates (and which are compared
    with the sympy source below)."""
    rows = aligned_rows(get_model("sigmoid", k=2, d=2).latex("velocity", "vector"))
    s = r"\sigma'\!\left(w_j^\top x_i + b_j\right)"
    assert rows[0] == r"a_j' &= -\frac{1}{n}\sum_{i=1}^{n}\left(r_i\,\sigma\!\left(w_j^\top x_i + b_j\right)\right),"
    assert rows[1] == rf"w_j' &= -\frac{{1}}{{n}}\sum_{{i=1}}^{{n}}\left(\langle a_j, r_i\rangle\,{s} x_i\right),"
    assert rows[2] == rf"b_j' &= -\frac{{1}}{{n}}\sum_{{i=1}}^{{n}}\left(\langle a_j, r_i\rangle\,{s}\right),"
    att = aligned_rows(get_model("attention", k=2, p=2, L=3).latex("velocity", "vector"))
    assert att[0] == r"a_j' &= -\frac{1}{n}\sum_{i=1}^{n}\left(r_i\, s(A_j; X_i)^\top X_i\right),"
    assert r"x_{i,L}\left(X_i^\top\left(\operatorname{diag}(s_{ij}) - s_{ij}s_{ij}^\top\right)X_i\, a_j^\top r_i" in att[1]


def test_components_are_the_sympy_source():
    """Each component row, read back through its symbol names, is the sympy velocity term (compared token by
    token after sympy prints the expected expression with the same index substitution)."""
    from proofs.symbolic.models import _components

    m = get_model("sigmoid", k=2, d=2)
    rows = aligned_rows(m.latex("velocity", "components"))
    for row, t, v in zip(rows, m.theta_syms, m.velocity_term()):
        e = _components(m, -v, "j")
        if e.could_extract_minus_sign():
            assert row.split("&= ", 1)[1].startswith(r"\frac{1}{n}")  # -(1/n) sum(-e) written as (1/n) sum(e)
            e = -e
        else:
            assert row.split("&= ", 1)[1].startswith(r"-\frac{1}{n}")
        expect = sp.latex(e)
        assert expect in row
        # every indexed particle coordinate and input of the source appears in the row
        for s in _components(m, -v, "j").free_symbols:
            assert s.name in row, (s.name, row)


def _vector_velocity(name, m, th, x, r):
    """The velocity written in the vector LaTeX of ``name``, evaluated in numpy (one sample, one particle)."""
    k = m.k
    if name == "sigmoid":
        d = len(x)
        a, w, b = th[:k], th[k:k + d], th[k + d]
        z = w @ x + b
        s = 1 / (1 + np.exp(-z)) if m.activation.name == "sigmoid" else np.tanh(z)
        ds = s * (1 - s) if m.activation.name == "sigmoid" else 1 - np.tanh(z) ** 2
        return np.concatenate([-r * s, -(a @ r) * ds * x, [-(a @ r) * ds]])
    if name == "relu-lift":
        a, t = th[:k], th[k:]
        xt = np.append(x, 1.0)
        z = t @ xt
        return np.concatenate([-r * max(z, 0.0), -(a @ r) * (1.0 if z > 0 else 0.0) * xt])
    if name == "attention":
        p, L = m.p, m.L
        a = th[:k * p].reshape(k, p)
        A = th[k * p:].reshape(p, p)
        X = x.reshape(L, p)
        xq = X[-1]
        z = X @ A.T @ xq
        s = np.exp(z - z.max())
        s /= s.sum()
        da = -np.outer(r, s @ X)
        v = X.T @ (np.diag(s) - np.outer(s, s)) @ X @ (a.T @ r)
        dA = -np.outer(xq, v)
        return np.concatenate([da.ravel(), dA.ravel()])
    raise AssertionError(name)


@pytest.mark.parametrize("name,kw", [("sigmoid", dict(k=2, d=2)), ("sigmoid", dict(k=1, d=2, activation="tanh")),
                                     ("relu-lift", dict(k=2, d=2)), ("attention", dict(k=2, p=2, L=3))])
def test_vector_formulas_equal_the_sympy_velocity(name, kw):
    m = get_model(name, **kw)
    from proofs.symbolic.codegen import compile_expr

    args = list(m.theta_syms) + list(m.x_syms) + list(m.r_syms)
    f = compile_expr(args, m.velocity_term(), "mpmath")
    rng = np.random.default_rng(3)
    for _ in range(3):
        th = rng.normal(size=len(m.theta_syms))
        x = rng.normal(size=len(m.x_syms))
        r = rng.normal(size=m.k)
        out = f(*[float(v) for v in (*th, *x, *r)])
        ref = np.array([float(v) for v in (out if isinstance(out, (list, tuple)) else [out])])
        np.testing.assert_allclose(_vector_velocity(name, m, th, x, r), ref, rtol=1e-10, atol=1e-12)


def test_python_prove_states_every_assumption():
    """The library result (not only the CLI) states every --assume: in the LaTeX statement, the instance and the
    message; without the assumption the same bound is false (refuted), so a statement that dropped it would print
    a false theorem."""
    from proofs import Verdict
    from proofs.prove import prove

    r = prove("x*y <= 0.26", over=["x in [0, 1]", "y in [0, 1]"], assume=["x + y <= 1"])
    assert r.verdict is Verdict.PROVED
    assert r"x + y \le 1" in r.statement
    assert "x + y <= 1" in r.instance and "x + y <= 1" in r.message
    bare = prove("x*y <= 0.26", over=["x in [0, 1]", "y in [0, 1]"])
    assert bare.verdict is Verdict.REFUTED and r"\text{ with }" not in bare.statement
    ident = prove("x**2 - x*x == 0", over=["x in [0, 1]"], assume=["x <= 1/2"])
    assert r"x \le \frac{1}{2}" in ident.statement and "x <= 1/2" in ident.instance


def test_every_hypothesis_is_stated_once():
    """The CLI's over line, JSON instance and message state each --assume exactly once (the library states them,
    the CLI must not add them again)."""
    import json
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()", "prove", "x*y <= 0.26",
                        "--over", "x in [0, 1]", "--over", "y in [0, 1]", "--assume", "x + y <= 1", "--json"],
                       capture_output=True, text=True, timeout=300)
    out = json.loads(p.stdout)
    assert out["verdict"] == "proved"
    assert out["instance"].count("x + y <= 1") == 1, out["instance"]
    assert out["message"].split(" LaTeX: ")[0].count("x + y <= 1") == 1, out["message"]
