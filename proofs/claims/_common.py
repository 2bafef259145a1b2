"""Shared helpers of the built-in claims: exact instance data, symbolic zero tests,
and rigorous witness confirmation with balls."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from .._result import CheckResult, Verdict
from ..codegen import compile_expr
from ..measure import Dataset, Measure
from ..models import get_model
from numerics.precision import arb_prec

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
        if syms and ball_witness(e, syms, random_rational_point(syms, seed=12345, positive=pos),
                                 bits=(128,)) is not None:
            return False  # certified nonzero at a rational point: not an identity
        s = sp.simplify(e)
        if s == 0:
            continue
        if s.is_number and s.is_zero is False:
            return False
        undecided = True
    return None if undecided else True


def ball_witness(expr, symbols, point: dict, bits=(128, 256, 512)):
    """Evaluate ``expr`` at an exact rational point in balls at increasing precision.

    Returns the ball when it excludes 0 (a rigorous certificate that expr != 0 there),
    otherwise None.
    """
    fn = compile_expr(list(symbols), expr, "arb", cse=False)
    vals = [point[s] for s in symbols]
    from ..codegen import to_arb
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


def proved(claim, inst, **kw):
    return CheckResult(claim, Verdict.PROVED, instance=inst.get("name", ""), **kw)


def refuted(claim, inst, **kw):
    return CheckResult(claim, Verdict.REFUTED, instance=inst.get("name", ""), **kw)


def inconclusive(claim, inst, **kw):
    return CheckResult(claim, Verdict.INCONCLUSIVE, instance=inst.get("name", ""), **kw)


def refute_nonzero_identity(claim_id, inst, diff, symbols, *, positive=(), method, assumptions, what,
                            tries=8):
    """A symbolic difference sympy did not reduce to 0: look for a rational point where a
    ball enclosure proves it nonzero (rigorous refutation); else inconclusive."""
    for seed in range(tries):
        pt = random_rational_point(symbols, seed=seed, positive=positive)
        hit = ball_witness(diff, symbols, pt)
        if hit is not None:
            ball, bits = hit
            return refuted(claim_id, inst, margin=ball, precision=f"arb {bits} bits", method=method,
                           witness={"point": {str(s): str(v) for s, v in pt.items()}, "seed": seed,
                                    "difference": str(ball)},
                           assumptions=assumptions,
                           message=f"{what} fails: the difference is certified nonzero at the witness point")
    return inconclusive(claim_id, inst, precision="sympy + arb", method=method, assumptions=assumptions,
                        message=f"sympy did not reduce {what} to 0 and no rational witness was found in "
                                f"{tries} tries; raise tries or simplify by hand")
