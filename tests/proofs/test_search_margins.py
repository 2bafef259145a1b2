"""The margin contract (proofs.registry.coerce_result / run_check): exact and ball margins certify a refutation, a
negative float/mpmath margin only once confirmed at 2x and 4x dps; everything else stays inconclusive."""
import json
import random
import subprocess
import sys
from fractions import Fraction

import flint
import mpmath
import pytest

from proofs import Verdict
from proofs.registry import claim, coerce_result, get_claim, run_check


def _claim(cid, fn):
    claim(cid, instances=[{"name": "i"}], label="test", statement="m > 0", replace=True)(fn)
    return get_claim(cid)


def _run(cid, fn, dps=30):
    return run_check(_claim(cid, fn), {"name": "i"}, dps=dps)


def test_negative_ball_and_exact_margins_are_certified_refutations():
    r = _run("m-ball-neg", lambda i, dps: flint.arb(-1) / 3)
    assert r.verdict is Verdict.REFUTED and not r.numerical and r.scope == "instance"
    assert Fraction(r.witness["margin_upper"]) < 0 and "enclosure" in r.precision
    r = _run("m-iv-neg", lambda i, dps: mpmath.iv.mpf([-2, -1]))
    assert r.verdict is Verdict.REFUTED
    r = _run("m-exact-neg", lambda i, dps: Fraction(-1, 7))
    assert r.verdict is Verdict.REFUTED and r.witness == {"margin": "-1/7"} and r.precision == "exact (rational)"
    assert _run("m-int-neg", lambda i, dps: -3).verdict is Verdict.REFUTED


@pytest.mark.parametrize("value", [flint.arb(0, 1), flint.arb(1) / 3, Fraction(0), 5, Fraction(1, 3), 0.5,
                                   mpmath.mpf(2), True, False])
def test_anything_else_is_inconclusive(value):
    r = _run("m-other", lambda i, dps: value)
    assert r.verdict is Verdict.INCONCLUSIVE and r.scope == "instance"


def test_mpmath_margin_computed_at_dps_is_confirmed_at_2x_and_4x():
    # e^x - (1 + x + x^2/2) at x = -1e-10 is about x^3/6 = -1.7e-31: invisible in float64, certain at 60 digits
    def check(inst, *, dps):
        with mpmath.workdps(dps):
            x = mpmath.mpf(-1) / 10 ** 10
            return mpmath.exp(x) - (1 + x + x * x / 2)
    r = _run("m-mp-confirmed", check)
    assert r.verdict is Verdict.REFUTED and not r.numerical
    assert "confirmed at 60 and 120 digits" in r.message and r.witness["confirmed"] == "confirmed at 60 and 120 digits"
    # independent reference: the same margin as a rigorous arb enclosure
    old = flint.ctx.prec
    flint.ctx.prec = 300
    try:
        x = flint.arb(-1) / 10 ** 10
        ref = x.exp() - (1 + x + x * x / 2)
    finally:
        flint.ctx.prec = old
    assert ref.upper() < 0
    assert abs(float(r.margin) - float(ref.mid())) <= 1e-12 * abs(float(ref.mid()))


def test_rounding_artefacts_and_float64_margins_are_not_confirmed():
    def artefact(inst, *, dps):  # a rounding error of the working precision: it vanishes at higher dps
        with mpmath.workdps(dps):
            return (mpmath.mpf(1) / 3) * 3 - 1 - mpmath.mpf(10) ** (-dps - 3)
    r = _run("m-artefact", artefact)
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and "not stable" in r.message
    r = _run("m-float64", lambda i, dps: -1e-17)  # ignores dps: more digits cannot confirm it
    assert r.verdict is Verdict.INCONCLUSIVE and "does not seem to use dps" in r.message
    r = _run("m-sign-flip", lambda i, dps: -1e-20 if dps < 60 else 1e-20)
    assert r.verdict is Verdict.INCONCLUSIVE and "does not stay negative" in r.message


def test_nondeterministic_or_raising_rechecks_are_not_confirmed():
    rng = random.Random(0)
    r = _run("m-random", lambda i, dps: -rng.random())
    assert r.verdict is Verdict.INCONCLUSIVE and "not deterministic" in r.message

    def raises_later(inst, *, dps):
        if dps > 30:
            raise ValueError("boom")
        return mpmath.mpf(-1)
    r = _run("m-raises", raises_later)
    assert r.verdict is Verdict.INCONCLUSIVE and "raised ValueError" in r.message


def test_coerce_without_rerun_reports_a_candidate_only():
    c = _claim("m-cand", lambda i, dps: mpmath.mpf(-1))
    r = coerce_result(c, mpmath.mpf(-1), {"name": "i"})
    assert r.verdict is Verdict.INCONCLUSIVE and r.witness["candidate_margin"].startswith("-1")


def test_dropping_the_hypothesis_gets_it_refuted_and_the_theorem_is_not():
    # e^x >= 1 + x + x^2/2 holds for x >= 0 (a theorem) and fails for x < 0 (the hypothesis dropped)
    def margin(x, dps):
        with mpmath.workdps(dps):
            x = mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator
            return mpmath.exp(x) - (1 + x + x * x / 2)
    c = _claim("m-exp-taylor", lambda i, dps: margin(i["x"], dps))
    for x in ("1/1000", "2", "1/10000000000"):
        assert run_check(c, {"name": x, "x": x}).verdict is Verdict.INCONCLUSIVE
    assert run_check(c, {"name": "neg", "x": "-1/10000000000"}).verdict is Verdict.REFUTED


CONJ = '''
import mpmath
from fractions import Fraction
from hypothesis import strategies as st
from proofs import claim

@claim("user-exp-third-order", instances=[{"name": "x=1", "x": "1"}], label="user",
       statement=r"e^x \\ge 1 + x + x^2/2", strategy=st.fixed_dictionaries({"x": st.just("-1/10000000000")}))
def check(inst, *, dps):
    with mpmath.workdps(dps):
        q = Fraction(inst["x"])
        x = mpmath.mpf(q.numerator) / q.denominator
        return mpmath.exp(x) - (1 + x + x * x / 2)
'''


def test_escset_check_confirms_a_user_margin(tmp_path):
    mod = tmp_path / "conj.py"
    mod.write_text(CONJ)
    inst = json.dumps({"name": "tiny", "x": "-1/10000000000"})
    p = subprocess.run([sys.executable, "-c", "from proofs.cli import main; main()", "check", "user-exp-third-order",
                        "--module", str(mod), "--instance", inst, "--json"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1, p.stderr  # declared to hold, refuted: an unexpected verdict
    r = json.loads(p.stdout)["results"][0]
    assert r["verdict"] == "refuted" and "confirmed at 60 and 120 digits" in r["message"]


def test_numpy_and_sympy_numbers_follow_the_same_contract():
    import numpy as np
    import sympy as sp

    assert _run("m-np-bool", lambda i, dps: np.bool_(True)).verdict is Verdict.INCONCLUSIVE
    assert _run("m-np-int", lambda i, dps: np.int64(-2)).verdict is Verdict.REFUTED
    assert _run("m-sp-rational", lambda i, dps: sp.Rational(-1, 3)).verdict is Verdict.REFUTED
    assert _run("m-np-float", lambda i, dps: np.float32(-0.5)).verdict is Verdict.INCONCLUSIVE  # float64: ignores dps

    def sympy_float(inst, *, dps):  # a sympy Float evaluated at dps: its digits are kept, so it is confirmed
        x = sp.Rational(-1, 10 ** 10)
        return sp.exp(x).evalf(dps) - (1 + x + x ** 2 / 2)
    r = _run("m-sp-float", sympy_float)
    assert r.verdict is Verdict.REFUTED and "confirmed at 60 and 120 digits" in r.message
