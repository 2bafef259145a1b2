"""F8 ``many-particle-theorem-covers-gaussian-init`` (false variant): Gaussian initial particles leave every fixed
Q_r0 with probability -> 1. References: scipy's chi-square tail, a Monte Carlo estimate with a stated tolerance,
the exact (1 - p)^m; the dropped assumption (bounded laws, zero weights in the slab lift) reports the hypothesis
satisfied; the search and the CLI."""
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import chi2

from proofs.claims.chizat_bach_2018 import initialisation as F8
from proofs.errors import InvalidArgument
from proofs.registry import get_claim, run_check
from proofs.result import Verdict


def _run(inst, dps=30):
    return run_check(get_claim(F8.ID_F8), inst, dps=dps)


def _mid(b):
    return float(b.mid())


@pytest.mark.parametrize("inst", get_claim(F8.ID_F8).instances, ids=lambda i: i["name"])
def test_default_instances_are_refuted_at_the_smallest_m(inst):
    r = _run(inst)
    assert r.verdict is Verdict.REFUTED and r.scope == "instance" and not r.numerical
    assert r.margin.lower() > 0 and "smallest" in r.message
    assert "not the theorem" in r.message


def test_exit_probability_matches_scipy_chi2_sf():
    """p = P(|Z| > r0), Z ~ N(0, sigma^2 I_k) = chi2_k.sf(r0^2 / sigma^2) (scipy, float64) for several k, r0, sigma."""
    for k, r0, sigma in [(1, Fraction(2), Fraction(1)), (3, Fraction(3), Fraction(1)), (10, Fraction(5, 2), Fraction(1, 2)),
                         (50, Fraction(9), Fraction(6, 5)), (2, Fraction(1, 10), Fraction(3))]:
        p = F8.exit_probability(k, r0, sigma, 120)
        ref = chi2.sf(float(r0 / sigma) ** 2, k)
        assert math.isclose(_mid(p), ref, rel_tol=1e-12), (k, r0, sigma)
        assert float(p.rad()) < 1e-25


def test_smallest_m_against_scipy_and_the_exact_power():
    """The m reported is the smallest with 1 - (1 - p)^m > 1/2: checked with scipy's p and math.log1p."""
    inst = {"lift": "ball", "law": "gaussian", "d": 3, "r0": "3", "sigma": "1"}
    out = F8.decide(inst)
    p = chi2.sf(9.0, 3)
    m_ref = math.floor(math.log(2) / -math.log1p(-p)) + 1
    assert out["m"] == m_ref == 24 and out["smallest"]
    assert math.isclose(_mid(out["P_m"]), 1 - (1 - p) ** 24, rel_tol=1e-12)
    assert 1 - (1 - p) ** 23 < 0.5 < 1 - (1 - p) ** 24
    # slab lift: only the weight is constrained (k = 1), whatever d
    slab = F8.decide({"lift": "slab", "law": "gaussian", "d": 3, "r0": "2", "sigma": "1"})
    p1 = chi2.sf(4.0, 1)
    assert slab["k"] == 1 and slab["m"] == math.floor(math.log(2) / -math.log1p(-p1)) + 1 == 15


def test_probability_against_monte_carlo():
    """Monte Carlo: 20000 draws of m = 24 i.i.d. N(0, I_3) particles; the fraction with max |u_j| > 3 agrees with
    the certified P_m within 5 standard errors (sd = sqrt(P(1-P)/N) ~ 0.0035)."""
    out = F8.decide({"lift": "ball", "law": "gaussian", "d": 3, "r0": "3", "sigma": "1"})
    rng = np.random.default_rng(0)
    N = 20000
    U = rng.standard_normal((N, out["m"], 3))
    frac = float(np.mean(np.max(np.linalg.norm(U, axis=2), axis=1) > 3.0))
    P = _mid(out["P_m"])
    assert abs(frac - P) < 5 * math.sqrt(P * (1 - P) / N)


def test_far_tail_is_still_decided():
    """r0 = 40: p ~ 1e-349 per particle, m ~ 1e348 particles; the balls still decide P_m > 1/2."""
    r = _run({"lift": "slab", "law": "gaussian", "d": 2, "r0": "40", "sigma": "1"})
    assert r.verdict is Verdict.REFUTED
    m = int(r.witness["m"])
    assert 10 ** 347 < m < 10 ** 350
    assert "an m with this property" in r.message  # minimality is not decidable at 108 bits: not claimed
    assert math.erfc(40 / math.sqrt(2)) == 0.0  # float64 underflows here: only the balls can answer


def test_minimality_is_claimed_only_when_decided():
    """p = 0.5 +- 0.01: P_2 > 1/2 is certain, P_1 = p straddles 1/2, so m = 2 is reported, not as the smallest."""
    from flint import arb

    m, P, smallest = F8.majority_m(arb("0.5") + arb(0, "0.01"), 60)
    assert m == 2 and P.lower() > 0.5 and smallest is False
    m, P, smallest = F8.majority_m(arb("0.4") + arb(0, "0.001"), 60)  # P_1 = 0.4 < 1/2 < P_2 = 0.64, decided
    assert m == 2 and smallest is True


def test_given_m_refuted_or_inconclusive_with_the_knob():
    base = {"lift": "ball", "law": "gaussian", "d": 3, "r0": "3", "sigma": "1"}
    assert _run({**base, "m": 100}).verdict is Verdict.REFUTED
    r = _run({**base, "m": 5})
    assert r.verdict is Verdict.INCONCLUSIVE and "raise m" in r.message


def test_universal_tail_bound_is_checked_symbolically_and_is_below_p():
    u = F8.universal_tail_bound()
    assert u["bound_positive"] and u["density_decreasing"]
    r, s = u["symbols"]
    for r0, sigma, k in [(0, 1, 1), (3, 1, 3), (2, Fraction(1, 2), 1)]:
        lb = float(u["bound"].subs({r: r0, s: sigma}))
        assert 0 < lb < chi2.sf(float(r0 / sigma) ** 2, k)


@pytest.mark.parametrize("inst, r", [
    ({"lift": "ball", "law": "uniform", "d": 3, "a": "2", "r0": "1"}, "2"),
    ({"lift": "slab", "law": "uniform", "d": 3, "a": "1/2", "r0": "1"}, "1/2"),
    ({"lift": "slab", "law": "zero-weight", "d": 3, "r0": "1/100"}, "1/100"),
    ({"lift": "ball", "law": "zero-weight", "d": 1, "r0": "1"}, "1"),
])
def test_dropped_assumption_bounded_initialisation_satisfies_the_hypothesis(inst, r):
    res = _run(inst)
    assert res.verdict is Verdict.PROVED and res.scope == "instance"
    assert "hypothesis satisfied" in res.message and f"Q_{r}" in res.statement


def test_zero_weights_in_the_ball_lift_still_leave():
    """Weights 0 do not help in the 2-homogeneous lift: |u| = |theta| is Gaussian in d - 1 coordinates."""
    out = F8.decide({"lift": "ball", "law": "zero-weight", "d": 4, "r0": "2", "sigma": "1"})
    assert out["outcome"] == "violated" and out["k"] == 3
    assert math.isclose(_mid(out["p"]), chi2.sf(4.0, 3), rel_tol=1e-12)


def test_search_refutes_f8():
    from proofs.search import search

    for seed in (0, 1):
        res = search(F8.ID_F8, max_examples=20, seed=seed, shrink=False)
        assert res.verdict is Verdict.REFUTED


def test_cli_check_reports_refuted(capsys):
    from proofs.cli import main

    with pytest.raises(SystemExit) as e:
        main(["check", F8.ID_F8])
    out = capsys.readouterr().out
    assert e.value.code == 0 and out.count("refuted (instance)") == 2 and "2 as expected" in out


@pytest.mark.parametrize("bad, text", [
    ({"lift": "torus"}, "lift="), ({"d": 0}, "d=0"), ({"r0": "-1"}, "r0="), ({"sigma": "x"}, "sigma="),
    ({"r0": "200", "sigma": "1"}, "r0 / sigma"), ({"m": "1.5"}, "m="),
])
def test_bad_input_is_one_line(bad, text):
    with pytest.raises(InvalidArgument) as e:
        F8.params({"lift": "ball", "law": "gaussian", "d": 3, "r0": "3", **bad})
    assert text in str(e.value) and "\n" not in str(e.value)
