"""Shared helpers of the built-in claims: exact instance data, symbolic zero tests,
and rigorous witness confirmation with balls."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from proofs.result import SCOPES, CheckResult, Verdict
from proofs.symbolic.codegen import compile_expr
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model
from numerics.certified.precision import arb_prec

__all__ = ["rational_data", "symbolic_zero", "ball_witness", "model_from", "proved", "refuted", "inconclusive",
           "MODEL_INSTANCE_KEYS"]

MODEL_INSTANCE_KEYS = ("model", "k", "d", "activation", "p", "L", "dq")


def model_from(inst: dict):
    return get_model(inst.get("model", "sigmoid"), **{k: inst[k] for k in MODEL_INSTANCE_KEYS[1:] if k in inst})


def _rat(rng, scale=1.0):
    # exact decimal strings with 4 digits: replayable witnesses (no binary floats)
    return str(Fraction(round(rng.gauss(0.0, scale) * 10 ** 4), 10 ** 4))


def rational_data(model, n: int, m: int, seed: int, scale: float = 1.0):
    """Deterministic data set and measure with exact decimal-string entries."""
    rng = random.Random(seed)
    X = [[_rat(rng) for _ in range(model.p_x)] for _ in range(n)]
    Y = [[_rat(rng, 0.5) for _ in range(model.k)] for _ in range(n)]
    a = [[[_rat(rng) for _ in range(model.q)] for _ in range(model.k)] for _ in range(m)]
    u = [[_rat(rng, scale) for _ in range(model.p_u)] for _ in range(m)]
    mass = [Fraction(1, m)] * m
    return Dataset(X=X, Y=Y), Measure(a=a, u=u, mass=mass)


def symbolic_zero(expr) -> bool | None:
    """True if sympy reduces ``expr`` (or every entry) to 0; False if a ball enclosure certifies it nonzero
    at a rational point (respecting positivity assumptions) or it simplifies to a nonzero constant; None if
    undecided. Only ``True`` may back a ``proved``."""
    items = list(expr) if isinstance(expr, (list, tuple, sp.MatrixBase)) else [expr]
    undecided = False
    for e in items:
        e = sp.expand(e)
        if e == 0:
            continue
        syms = sorted(e.free_symbols, key=str)
        pos = {x for x in syms if x.is_positive}
        if syms and any(ball_witness(e, syms, pt, bits=(128,)) is not None
                        for _, _, pt in _seeded_scaled_points(syms, pos)):
            return False  # certified nonzero at a rational point: not an identity
        s = sp.simplify(e)
        if s == 0:
            continue
        if s.is_number and s.is_zero is False:
            return False
        undecided = True
    return None if undecided else True


def _seeded_scaled_points(syms, pos):
    base = random_rational_point(syms, seed=12345, positive=pos)
    for sc in (1, 10, 100, 1000):
        yield 12345, sc, {x: (v if x in pos else v * sc) for x, v in base.items()}


def ball_witness(expr, symbols, point: dict, bits=(128, 256, 512)):
    """Evaluate ``expr`` at an exact rational point in balls at increasing precision.

    Returns the ball when it excludes 0 (a rigorous certificate that expr != 0 there),
    otherwise None.
    """
    try:
        fn = compile_expr(list(symbols), expr, "arb", cse=False)
    except NotImplementedError:  # not compilable for balls (e.g. a multivariate Piecewise): undecided, no witness
        return None
    vals = [point[s] for s in symbols]
    from proofs.symbolic.codegen import to_arb
    for b in bits:
        with arb_prec(b):
            v = fn(*[to_arb(x) for x in vals])
            if not v.contains(0):
                return v, b
    return None


def random_rational_point(symbols, seed=0, positive=()):
    rng = random.Random(seed)
    pt = {}
    for s in symbols:
        v = Fraction(rng.randint(-20, 20), rng.randint(1, 7))
        if s in positive or s.is_positive:  # sizes such as n, m: integers >= 2 (respects the assumptions)
            v = Fraction(rng.randint(2, 6))
        pt[s] = v
    return pt


def _result(claim, verdict, inst, scope, statement, kw):
    # every built-in verdict says what it covers: scope "universal" (every value of the statement's variables and
    # parameters) or "instance" (this data, these parameters), and the statement as instantiated
    if scope not in SCOPES:
        raise ValueError(f"{claim}: a built-in check must set scope to one of {SCOPES}, got {scope!r}")
    if not statement:
        raise ValueError(f"{claim}: a built-in check must state what it {verdict.value} (the instantiated statement)")
    return CheckResult(claim, verdict, instance=inst.get("name", ""), scope=scope, statement=statement, **kw)


def proved(claim, inst, *, scope, statement, **kw):
    return _result(claim, Verdict.PROVED, inst, scope, statement, kw)


def refuted(claim, inst, *, scope, statement, **kw):
    return _result(claim, Verdict.REFUTED, inst, scope, statement, kw)


def inconclusive(claim, inst, *, scope, statement, **kw):
    return _result(claim, Verdict.INCONCLUSIVE, inst, scope, statement, kw)


SCALES = (1, 10, 100, 1000)


def scaled_points(symbols, tries, positive=()):
    """Rational points: ``tries`` seeds, each at the scales 1, 10, 100, 1000 (sizes such as n, m unscaled), so
    that a difference supported far from the origin (a kink at z = -100) is reached too."""
    for seed in range(tries):
        base = random_rational_point(symbols, seed=seed, positive=positive)
        for sc in SCALES:
            yield seed, sc, {s: (v if (s in positive or s.is_positive) else v * sc) for s, v in base.items()}


def refute_nonzero_identity(claim_id, inst, diff, symbols, *, positive=(), method, assumptions, what,
                            statement, tries=8):
    """A symbolic difference sympy did not reduce to 0: look for a rational point where a
    ball enclosure proves it nonzero (rigorous refutation, scope ``instance``: the witness point);
    else inconclusive (scope ``instance``: nothing was decided)."""
    for seed, sc, pt in scaled_points(symbols, tries, positive):
        hit = ball_witness(diff, symbols, pt)
        if hit is not None:
            ball, bits = hit
            wp = {str(s): str(v) for s, v in pt.items()}
            return refuted(claim_id, inst, margin=ball, precision=f"arb {bits} bits", method=method,
                           witness={"point": wp, "seed": seed, "scale": sc, "difference": str(ball)},
                           assumptions=assumptions, scope="instance",
                           statement=f"{statement}, at the rational point {wp}",
                           message=f"{what} fails: the difference is certified nonzero at the witness point")
    return inconclusive(claim_id, inst, precision="sympy + arb", method=method, assumptions=assumptions,
                        scope="instance", statement=statement,
                        message=f"sympy did not reduce {what} to 0 and no rational witness was found in "
                                f"{tries} tries x scales {SCALES}; raise tries or simplify by hand")
