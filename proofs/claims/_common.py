"""Shared helpers of the built-in claims: exact instance data, verdict constructors, and the refutation of an
identity by a ball witness. The zero decider and its exact probe points live in :mod:`proofs.prove.zero`."""
from __future__ import annotations

import random
from fractions import Fraction

from proofs.result import SCOPES, CheckResult, Verdict
from proofs.problem.measure import Dataset, Measure
# the ball witness and probe points of the zero decider; symbolic_zero and the seeded probe points are also
# named here for the tests that probe the decider through this module
from proofs.prove.zero import (SCALES, _seeded_scaled_points, ball_witness, random_rational_point,  # noqa: F401
                               scaled_points, symbolic_zero)
from proofs.symbolic.models import get_model

__all__ = ["rational_data", "rational_problem", "symbolic_zero", "ball_witness", "model_from", "proved", "refuted",
           "inconclusive", "MODEL_INSTANCE_KEYS"]

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


def rational_problem(model, n: int, m: int, seed: int, scale: float = 1.0):
    """The data set and measure of :func:`rational_data` (the same random stream: identical entries) as one
    validated :class:`~proofs.problem.Problem`."""
    from proofs.problem import Problem

    data, mu = rational_data(model, n, m, seed, scale)
    return Problem(model, data, mu)


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
