"""Differential fuzzing of ``escset prove`` for soundness (issue #9, part 7).

Hypothesis builds random expressions of the statement grammar -- division, ``log``, ``sqrt``, ``atan``,
``tanh``, ``sigmoid``, ``erf``, ``exp``, ``abs``, ``relu`` and integer powers of sub-expressions that may have
poles or negative arguments -- on random boxes (open and closed ends, half-lines, ``R``, sometimes a linear
assumption), and a constant near the sampled supremum (or infimum). Every verdict is then checked against
mpmath, independently of escset:

* ``proved``  -> dense high-precision sampling of the domain finds no violation and no point where the
  statement is undefined. "Undefined" is decided on the grid (a division by 0, ``log`` of a number <= 0, a
  square root of a negative number) and between grid neighbours: a denominator or ``log`` argument that changes
  sign between two neighbouring points of the (convex) domain vanishes or blows up in between (the leaves are
  affine and every function used is continuous where defined), so the statement is undefined there. The zeros
  of the affine leaves are added to the grid, so a pole at such a point is hit exactly.
* ``refuted`` -> the witness lies in the domain and satisfies the assumption, the statement is defined there,
  and the violation is confirmed when replayed at twice the prover's digits (and at four times, to tell an
  exact equality of a strict claim from rounding).
* ``inconclusive`` is always allowed; a crash (an exception other than a grammar or argument error) is not.

Default: a few examples (fast); ``-m slow`` runs many more.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from proofs.result import Verdict

from _prove_outcome import prove_outcome  # tests/quality is on sys.path (tests/conftest.py)

DPS = 20
BUDGET = {"max_boxes": 1500, "time_limit": 2.0, "dps": DPS}


class Undefined(Exception):
    pass


# -------------------------------------------------------------------------------------------------------
# expression trees: render to grammar text, evaluate with mpmath (recording denominators / log arguments)
# -------------------------------------------------------------------------------------------------------
def _q(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"({f.numerator}/{f.denominator})"


def _mpq(f: Fraction):
    return mpmath.mpf(f.numerator) / f.denominator


def render(n) -> str:
    k = n[0]
    if k == "affine":
        _, coefs, c, names = n
        parts = [f"{_q(a)}*{v}" for a, v in zip(coefs, names) if a != 0]
        if c != 0 or not parts:
            parts.append(_q(c))
        return "(" + " + ".join(parts) + ")"
    if k == "num":
        return _q(n[1])
    if k in ("add", "sub", "mul", "div"):
        op = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[k]
        return f"({render(n[1])} {op} {render(n[2])})"
    if k == "pow":
        return f"({render(n[1])})**{n[2]}"
    if k == "fn":
        return f"{n[1]}({render(n[2])})"
    raise AssertionError(n)


def _sig(u):
    return 1 / (1 + mpmath.exp(-u))


_FN = {"atan": mpmath.atan, "tanh": mpmath.tanh, "sigmoid": _sig, "erf": mpmath.erf, "exp": mpmath.exp,
       "abs": abs, "relu": lambda u: max(u, mpmath.mpf(0))}


def evaluate(n, env, guards):
    """Value at ``env`` (name -> Fraction) as an mpf in the current precision; appends (node id, value) for
    every denominator and log argument. Rational sub-expressions are computed exactly (``_exact``), so a
    cancellation like ``(1/2 + 1e-100) - 1/2`` is never rounded to a spurious 0."""
    v = _exact(n, env, guards)
    return _mpq(v) if isinstance(v, Fraction) else v


def _exact(n, env, guards):
    k = n[0]
    if k == "affine":
        _, coefs, c, names = n
        return sum((a * env[v] for a, v in zip(coefs, names)), c)
    if k == "num":
        return n[1]
    if k in ("add", "sub", "mul", "div"):
        a, b = _exact(n[1], env, guards), _exact(n[2], env, guards)
        if not (isinstance(a, Fraction) and isinstance(b, Fraction)):
            a, b = (_mpq(a) if isinstance(a, Fraction) else a), (_mpq(b) if isinstance(b, Fraction) else b)
        if k == "add":
            return a + b
        if k == "sub":
            return a - b
        if k == "mul":
            return a * b
        guards.append((id(n), b))
        if b == 0:
            raise Undefined("division by zero")
        return a / b
    if k == "pow":
        return _exact(n[1], env, guards) ** n[2]
    if k == "fn":
        u = _exact(n[2], env, guards)
        if n[1] in ("abs", "relu") and isinstance(u, Fraction):
            return abs(u) if n[1] == "abs" else max(u, Fraction(0))
        if n[1] == "log":
            guards.append((id(n), u))
            if u <= 0:
                raise Undefined("log of a number <= 0")
        if n[1] == "sqrt" and u < 0:
            raise Undefined("sqrt of a negative number")
        um = _mpq(u) if isinstance(u, Fraction) else u
        if n[1] == "log":
            return mpmath.log(um)
        if n[1] == "sqrt":
            return mpmath.sqrt(um)
        return _FN[n[1]](um)
    raise AssertionError(n)


def affine_zeros(n, out):
    """Zeros of one-variable affine leaves (exact rationals) -- candidate poles."""
    if n[0] == "affine":
        _, coefs, c, names = n
        nz = [(a, v) for a, v in zip(coefs, names) if a != 0]
        if len(nz) == 1:
            a, v = nz[0]
            out.setdefault(v, set()).add(-c / a)
    for ch in n[1:]:
        if isinstance(ch, tuple):
            affine_zeros(ch, out)
    return out


small = st.fractions(min_value=Fraction(-2), max_value=Fraction(2), max_denominator=4)
nonzero = small.map(lambda f: f if f != 0 else Fraction(1))


@st.composite
def affine(draw, names):
    coefs = [draw(small) for _ in names]
    if all(a == 0 for a in coefs):
        coefs[draw(st.integers(0, len(names) - 1))] = draw(nonzero)
    return ("affine", tuple(coefs), draw(small), tuple(names))


@st.composite
def tree(draw, names, depth):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(affine(names))
    kind = draw(st.sampled_from(["satpole", "satpole", "fn", "fn", "fn", "div", "div", "add", "sub", "mul",
                                 "pow"]))
    if kind == "satpole":  # a saturating function of a pole: bounded where defined, undefined at the pole
        f = draw(st.sampled_from(["atan", "tanh", "sigmoid", "erf"]))
        return ("fn", f, ("div", ("num", draw(nonzero)), draw(tree(names, depth - 1))))
    if kind == "fn":
        f = draw(st.sampled_from(["log", "sqrt", "atan", "tanh", "sigmoid", "erf", "abs", "relu", "exp"]))
        if f == "exp":  # keep exp off nested growth: exp of an affine leaf or of minus a square
            a = draw(affine(names))
            return ("fn", "exp", ("sub", ("num", Fraction(0)), ("pow", a, 2)) if draw(st.booleans()) else a)
        return ("fn", f, draw(tree(names, depth - 1)))
    if kind == "pow":
        return ("pow", draw(tree(names, depth - 1)), draw(st.integers(2, 3)))
    if kind == "div" and draw(st.booleans()):
        return ("div", ("num", draw(nonzero)), draw(tree(names, depth - 1)))
    return (kind, draw(tree(names, depth - 1)), draw(tree(names, depth - 1)))


ENDS = [Fraction(k, 2) for k in range(-6, 7)]


@st.composite
def domain(draw, names):
    over, spec = [], {}
    for v in names:
        shape = draw(st.sampled_from(["box"] * 6 + ["half", "R"]))
        if shape == "R":
            over.append(f"{v} in R")
            spec[v] = (None, None, True, True)
            continue
        a = draw(st.sampled_from(ENDS))
        if shape == "half":
            lo_open = draw(st.booleans())
            over.append(f"{v} in {'(' if lo_open else '['}{a}, oo)")
            spec[v] = (a, None, lo_open, True)
            continue
        b = draw(st.sampled_from([e for e in ENDS if e > a] or [a + 1]))
        lo_open, hi_open = draw(st.booleans()), draw(st.booleans())
        over.append(f"{v} in {'(' if lo_open else '['}{a}, {b}{')' if hi_open else ']'}")
        spec[v] = (a, b, lo_open, hi_open)
    assume = []
    if len(names) == 2 and draw(st.integers(0, 3)) == 0:
        assume = [draw(st.sampled_from(["x <= y", "x + y <= 1", "y < x + 1/2"]))]
    return over, spec, assume


def _assume_ok(assume, env):
    """The assumptions (linear, so the allowed set is convex), decided exactly at a rational point."""
    for a in assume:
        x, y = env["x"], env["y"]
        if a == "x <= y" and not x <= y:
            return False
        if a == "x + y <= 1" and not x + y <= 1:
            return False
        if a == "y < x + 1/2" and not y < x + Fraction(1, 2):
            return False
    return True


def _axis(spec_v, n, extra):
    """Grid of one variable (exact Fractions): n points, open ends left out, plus the extra points inside."""
    lo, hi, lo_open, hi_open = spec_v
    if lo is None and hi is None:
        ts = [Fraction(k, n + 1) for k in range(-n, n + 1)]
        pts = [t / (1 - abs(t)) for t in ts]
    elif hi is None:
        ts = [Fraction(k, n + 1) for k in range(0, n + 1)]
        pts = [lo + t / (1 - t) for t in ts]
    else:
        pts = [lo + (hi - lo) * Fraction(k, n - 1) for k in range(n)]
    pts = set(pts) | set(extra)

    def inside(p):
        if lo is not None and (p < lo or (lo_open and p == lo)):
            return False
        if hi is not None and (p > hi or (hi_open and p == hi)):
            return False
        return True
    return sorted(p for p in pts if inside(p))


def _slack(op, val, c):
    """> 0 (or >= 0 for a strict op) is a violation."""
    return val - c if op in ("<=", "<") else c - val


def dense_check_of_proved(t, names, spec, assume, op, c, n):
    """Messages of every sampled point where a proved statement is wrong."""
    zeros = affine_zeros(t, {})
    if len(names) == 2:
        n = max(9, int(n ** 0.5) * 2)
    axes = [_axis(spec[v], n, zeros.get(v, ())) for v in names]
    bad = []
    with mpmath.workdps(50):
        cm = _mpq(c)
        tol = mpmath.mpf(10) ** -40
        grid = {}
        if len(names) == 1:
            keys = [(p,) for p in axes[0]]
        else:
            keys = [(p, q) for p in axes[0] for q in axes[1]]
        for key in keys:
            env = dict(zip(names, key))
            if not _assume_ok(assume, env):
                continue
            guards = []
            try:
                val = evaluate(t, env, guards)
            except Undefined as exc:
                bad.append(f"undefined at {dict(zip(names, map(str, key)))}: {exc}")
                continue
            grid[key] = dict(guards)
            s = _slack(op, val, cm) / max(1, abs(val), abs(cm))
            if (op in ("<", ">") and s >= -tol) or s > tol:
                bad.append(f"violated at {dict(zip(names, map(str, key)))}: value {mpmath.nstr(val, 20)}")
        # sign changes of a denominator or log argument between neighbours: a zero (or a pole) in between
        for i, ax in enumerate(axes):
            succ = dict(zip(ax, ax[1:]))
            for key in grid:
                if key[i] not in succ:
                    continue
                k2 = key[:i] + (succ[key[i]],) + key[i + 1:]
                if k2 not in grid:
                    continue
                for gid, g in grid[key].items():
                    g2 = grid[k2].get(gid)
                    if g2 is not None and (g < 0 < g2 or g2 < 0 < g):
                        bad.append(f"a denominator or log argument changes sign between "
                                   f"{dict(zip(names, map(str, key)))} and {dict(zip(names, map(str, k2)))}")
                        break
    return bad


def replay_witness(t, names, spec, assume, op, c, witness):
    """Messages (empty when the witness is a real counterexample at 2x and 4x the prover's digits)."""
    if witness is None or any(v not in witness for v in names):
        return [f"refuted without a full witness: {witness}"]
    try:
        pt = {v: Fraction(str(witness[v])) for v in names}
    except (ValueError, ZeroDivisionError):
        return [f"witness {witness} is not exact rationals"]
    for v in names:
        lo, hi, lo_open, hi_open = spec[v]
        p = pt[v]
        if (lo is not None and (p < lo or (lo_open and p == lo))) or \
                (hi is not None and (p > hi or (hi_open and p == hi))):
            return [f"witness {witness} outside the range of {v}"]
    decided = None
    for d in (2 * DPS, 4 * DPS):
        with mpmath.workdps(d):
            env = dict(pt)
            if not _assume_ok(assume, env):
                return [f"witness {witness} violates the assumption {assume}"]
            try:
                val = evaluate(t, env, [])
            except Undefined as exc:
                return [f"witness {witness}: the statement is undefined there ({exc})"]
            cm = _mpq(c)
            s = _slack(op, val, cm)
            tol = max(1, abs(val), abs(cm)) * mpmath.mpf(10) ** (-d + 5)
            if abs(s) > tol:
                decided = s > 0
                break
    if decided is None:
        decided = op in ("<", ">")  # equal to all digits: a violation of a strict claim only
    return [] if decided else [f"witness {witness} does not violate the claim (replayed at {2 * DPS} and "
                               f"{4 * DPS} digits)"]


def _estimate(t, names, spec, assume):
    """Sampled (max, min) of the expression over its defined grid points (for the constant)."""
    vals = []
    with mpmath.workdps(30):
        axes = [_axis(spec[v], 41 if len(names) == 1 else 13, ()) for v in names]
        keys = [(p,) for p in axes[0]] if len(names) == 1 else [(p, q) for p in axes[0] for q in axes[1]]
        for key in keys:
            env = dict(zip(names, key))
            if not _assume_ok(assume, env):
                continue
            try:
                vals.append(evaluate(t, env, []))
            except Undefined:
                pass
    return (max(vals), min(vals)) if vals else (None, None)


def _fraction_of(x):
    return Fraction(mpmath.nstr(x, 12, min_fixed=-30, max_fixed=30)) if mpmath.isfinite(x) else Fraction(0)


def prove_isolated(stmt, over, assume, budget, hard_limit):
    """See tests/quality/_prove_outcome.py: prove in this process, a call past ``hard_limit`` seconds is a hang."""
    return prove_outcome(stmt, over, assume, budget, hard_limit)


def run_case(data, n_dense):
    nvars = data.draw(st.sampled_from([1, 1, 2]), label="nvars")
    names = ["x", "y"][:nvars]
    t = data.draw(tree(names, 3), label="tree")
    over, spec, assume = data.draw(domain(names), label="domain")
    op = data.draw(st.sampled_from(["<=", "<", ">=", ">"]), label="op")
    hi, lo = _estimate(t, names, spec, assume)
    # mostly on the safe side of the sampled extremum (claims that may be proved), sometimes tight or beyond
    shift = Fraction(data.draw(st.sampled_from(["1e-6", "1e-3", "1e-3", "1/10", "1/10", "1", "0", "-1e-3"]),
                               label="shift"))
    if hi is None or abs(hi) > 10 ** 8 or abs(lo) > 10 ** 8:
        c = data.draw(small, label="c")
    elif op in ("<=", "<"):
        c = _fraction_of(hi) + shift
    else:
        c = _fraction_of(lo) - shift
    text = f"{render(t)} {op} {_q(c)}"
    where = f"{text!r} over {over} assume {assume}"
    r = prove_isolated(text, over, assume, BUDGET, 4 * BUDGET["time_limit"] + 10)
    if r.verdict == "rejected":
        return None  # sympy folded the text into something the grammar rejects (e.g. a division by 0)
    if r.verdict in ("crash", "hang"):
        pytest.fail(f"prove gave no verdict ({r.verdict}) on {where}: {r.message}")
    if r.verdict is Verdict.PROVED:
        bad = dense_check_of_proved(t, names, spec, assume, op, c, n_dense)
        assert not bad, f"proved but wrong: {where}: {bad[:3]}; message: {r.message}"
    elif r.verdict is Verdict.REFUTED:
        bad = replay_witness(t, names, spec, assume, op, c, r.witness)
        assert not bad, f"refuted with a fake witness: {where}: {bad}; message: {r.message}"
    return r.verdict


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                 phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking re-runs the prover: too slow


@settings(max_examples=15, **_SETTINGS)
@given(data=st.data())
def test_prove_soundness_fuzz(data):
    run_case(data, n_dense=201)


@pytest.mark.slow
@settings(max_examples=300, **_SETTINGS)
@given(data=st.data())
def test_prove_soundness_fuzz_many(data):
    run_case(data, n_dense=801)


# the checker itself, on hand-made cases (no prover): it must catch what it is meant to catch
def test_fuzz_checker_catches_poles_sign_changes_and_fake_witnesses():
    x1 = ("affine", (Fraction(1),), Fraction(0), ("x",))
    spec = {"x": (Fraction(-1), Fraction(1), False, False)}
    # sigmoid(1/x) <= 1 on [-1, 1]: the grid hits the pole 0 (a zero of an affine leaf)
    t = ("fn", "sigmoid", ("div", ("num", Fraction(1)), x1))
    assert any("undefined" in b for b in dense_check_of_proved(t, ["x"], spec, [], "<=", Fraction(1), 21))
    # 1/(x - 1/7 + ...) where the pole is not a grid point: caught by the sign change of the denominator
    x2 = ("affine", (Fraction(3),), Fraction(-1, 7), ("x",))
    t2 = ("fn", "atan", ("div", ("num", Fraction(1)), ("pow", x2, 3)))
    assert any("changes sign" in b or "undefined" in b
               for b in dense_check_of_proved(t2, ["x"], spec, [], "<=", Fraction(2), 10))
    # a true, defined claim passes: atan(x) <= 1 on [-1, 1]
    assert not dense_check_of_proved(("fn", "atan", x1), ["x"], spec, [], "<=", Fraction(1), 50)
    # strict equality at a grid point is a violation: x <= 1 strict at x = 1
    assert dense_check_of_proved(x1, ["x"], spec, [], "<", Fraction(1), 11)
    # witnesses: outside the range, not violating, undefined, and a good one
    assert replay_witness(x1, ["x"], spec, [], "<=", Fraction(1, 2), {"x": "2"})
    assert replay_witness(x1, ["x"], spec, [], "<=", Fraction(1, 2), {"x": "1/4"})
    assert replay_witness(t, ["x"], spec, [], "<=", Fraction(1, 2), {"x": "0"})
    assert not replay_witness(x1, ["x"], spec, [], "<=", Fraction(1, 2), {"x": "3/4"})
    assert not replay_witness(x1, ["x"], spec, [], "<", Fraction(1), {"x": "1"})
    assert render(t) == "sigmoid((1 / (1*x)))"
