"""Fuzzing ``escset prove`` with random near-tight inequalities: a wrong ``proved`` must never survive.

Hypothesis builds random one- and two-variable expressions from the activations and elementary pieces, and
a constant placed at (or just around) the supremum estimated by dense sampling. Then

* ``proved``   -> dense mpmath sampling (independent of the code under test) finds no violation;
* ``refuted``  -> the witness violates the claim when replayed with mpmath at 50 digits.

``inconclusive`` is always allowed here: the point is soundness, not coverage.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from proofs.result import Verdict
from proofs.prove import prove

# (text with {u} for the argument, mpmath function)
ATOMS = [
    ("sigmoid({u})", lambda u: 1 / (1 + mpmath.exp(-u))),
    ("sigmoid'({u})", lambda u: mpmath.exp(-u) / (1 + mpmath.exp(-u)) ** 2),
    ("tanh({u})", mpmath.tanh),
    ("tanh'({u})", lambda u: 1 - mpmath.tanh(u) ** 2),
    ("erf({u})", mpmath.erf),
    ("exp(-({u})**2)", lambda u: mpmath.exp(-u ** 2)),
    ("cubic_step({u})", lambda u: 0 if u <= -0.5 else (4 * (u + 0.5) ** 3 if u <= 0 else
                                                       (1 - 4 * (0.5 - u) ** 3 if u < 0.5 else 1))),
    ("|{u}|/(1 + ({u})**2)", lambda u: abs(u) / (1 + u ** 2)),
]

small = st.fractions(min_value=Fraction(-2), max_value=Fraction(2), max_denominator=8)


def _q(f: Fraction) -> str:
    return f"({f.numerator}/{f.denominator})"


@st.composite
def expressions(draw, nvars):
    names = ["x", "y"][:nvars]
    terms, fns = [], []
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(ATOMS) - 1))
        coef = draw(small.filter(lambda c: c != 0))
        ws = [draw(small) for _ in names]
        b = draw(small)
        arg = " + ".join(f"{_q(w)}*{n}" for w, n in zip(ws, names)) + f" + {_q(b)}"
        text, fn = ATOMS[i]
        terms.append(f"{_q(coef)}*{text.format(u='(' + arg + ')')}")
        fns.append((coef, ws, b, fn))

    def f(*xs):
        return sum(mpmath.mpf(c.numerator) / c.denominator *
                   fn(sum(mpmath.mpf(w.numerator) / w.denominator * x for w, x in zip(ws, xs))
                      + mpmath.mpf(b.numerator) / b.denominator)
                   for c, ws, b, fn in fns)

    return " + ".join(terms), f, names


def _grid(unbounded, n):
    if unbounded:
        ts = [mpmath.mpf(k) / (n + 1) for k in range(-n, n + 1)]
        return [t / (1 - abs(t)) for t in ts]
    return [mpmath.mpf(-3) + 6 * mpmath.mpf(k) / n for k in range(n + 1)]


def _dense_sup(f, nvars, unbounded):
    with mpmath.workdps(30):
        if nvars == 1:
            pts = [(x,) for x in _grid(unbounded, 2000)]
        else:
            g = _grid(unbounded, 70)
            pts = [(x, y) for x in g for y in g]
        best = max(pts, key=lambda p: f(*p))
        return f(*best), best


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking re-runs the prover: too slow
@given(data=st.data(), nvars=st.sampled_from([1, 1, 2]), unbounded=st.booleans(),
       shift=st.sampled_from(["-1e-3", "-1e-6", "0", "1e-6", "1e-3"]))
def test_prove_fuzz_near_tight_inequalities_are_never_wrongly_proved(data, nvars, unbounded, shift):
    text, f, names = data.draw(expressions(nvars))
    sup_est, _ = _dense_sup(f, nvars, unbounded)
    c = Fraction(str(round(float(sup_est), 12))) + Fraction(shift)  # a short decimal near the sup
    over = [f"{n} in R" if unbounded else f"{n} in [-3, 3]" for n in names]
    r = prove(f"{text} <= {c.numerator}/{c.denominator}", over=over, max_boxes=2000, time_limit=3)
    cm = mpmath.mpf(c.numerator) / c.denominator
    with mpmath.workdps(50):
        if r.verdict is Verdict.PROVED:
            # no sampled point may violate a proved claim (the sampling estimate itself is a lower bound)
            assert sup_est <= cm + mpmath.mpf(10) ** -25, (text, over, c, sup_est)
        elif r.verdict is Verdict.REFUTED:
            xs = [mpmath.mpf(Fraction(r.witness[n]).numerator) / Fraction(r.witness[n]).denominator
                  for n in names]
            assert f(*xs) > cm, (text, over, c, r.witness)
