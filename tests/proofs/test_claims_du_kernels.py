"""Claims of proofs/claims/du_2018/kernels.py and du_2019/kernels.py: default verdicts, an independent reference for
each, and the dropped-assumption refutations."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from proofs.registry import get_claim, run_check
from proofs.result import Verdict

IDS_HOLD = ["du2018-two-point-eigenvalue", "du2018-hinf-positive-nonparallel", "du2018-initial-residual",
            "du2019-c-sigma-constants", "du2019-fc-unit-diagonal", "du2019-gram-positive-analytic",
            "du2019-depth-one-reduction"]
IDS_FAIL = ["du2018-false-any-parallel-pair-singular", "du2018-false-unit-norm-free",
            "du2019-false-polynomial-activation-positive"]
IDS_NUM = ["du2018-hinf-closed-form", "du2018-ginf-arccos-kernel"]


def _run(cid, inst):
    return run_check(get_claim(cid), inst, dps=30)


def _hyp_fails(r):
    """A violated hypothesis: inconclusive with the hypothesis named, never refuted."""
    return r.verdict is Verdict.INCONCLUSIVE and "hypothesis" in r.message and r.stats.get("hypothesis_failed")


@pytest.mark.parametrize("cid", IDS_HOLD + IDS_FAIL + IDS_NUM)
def test_default_instances_give_expected_verdict(cid):
    c = get_claim(cid)
    for inst in c.instances:
        r = _run(cid, inst)
        want = {"holds": Verdict.PROVED, "fails": Verdict.REFUTED}[c.expected]
        if c.numerical:
            assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and float(r.margin) > 0
        else:
            assert r.verdict is want, (inst, r.message)
        assert r.scope in ("universal", "instance") and r.statement


def test_b1_b2_unit_formula_on_nonunit_inputs_disagrees():
    """Dropped assumption (unit norm) in the closed form: the Monte-Carlo margin turns negative."""
    for cid in IDS_NUM:
        r = _run(cid, {"name": "t", "n": 4, "d": 3, "seed": 1, "unit": False, "formula": "unit",
                       "samples": 50_000})
        assert float(r.margin) < 0 and "disagrees" in r.message


def test_b3_reference_mpmath_eig_and_wrong_value_refuted():
    with mpmath.workdps(40):
        c = mpmath.mpf(9) / 10
        h = c * (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
        ev = mpmath.eigsy(mpmath.matrix([[0.5, h], [h, 0.5]]), eigvals_only=True)
        assert abs(min(ev) - mpmath.mpf("0.114604831907917821837923848149")) < mpmath.mpf(10) ** -29
    r = _run("du2018-two-point-eigenvalue", {"name": "t", "rho": "9/10", "value": "0.114604831907917821837923848"
                                                                                 "250"})
    assert r.verdict is Verdict.REFUTED


def test_b4_parallel_inputs_hypothesis_fails_and_reference_float():
    for X in ([["1", "2"], ["2", "4"], ["0", "1"]], [["1", "0"], ["1", "0"], ["0", "1"]],
              [["1", "0"], ["-3", "0"], ["0", "1"]]):
        r = _run("du2018-hinf-positive-nonparallel", {"name": "t", "X": X})
        assert _hyp_fails(r), X  # parallel / identical / antiparallel inputs: Theorem 3.1 says nothing
    from numerics.ntk.kernels import h_infinity
    from proofs.claims.du_2018.kernels import _inputs

    X = _inputs({"n": 6, "d": 5, "seed": 0})
    lam = np.linalg.eigvalsh(h_infinity(np.array([[float(Fraction(v)) for v in r] for r in X])))[0]
    r = _run("du2018-hinf-positive-nonparallel", {"name": "t", "n": 6, "d": 5, "seed": 0})
    # float64 reference: eigvalsh is within ~1e-15 of the exact value, the certified margin within 1e-19 below it
    assert float(r.margin) <= lam + 1e-14 and lam < float(r.margin) * (1 + 1e-5) and abs(lam - 0.258) < 0.01
    from numerics.certified.linalg import lambda_min_mpmath, relu_gram_ball
    from numerics.certified.precision import arb_prec

    with arb_prec(200):  # independent high-precision reference (mpmath eigsy on a 200-bit enclosure)
        ref = lambda_min_mpmath(relu_gram_ball(X), dps=40)
    assert Fraction(r.margin) <= Fraction(mpmath.nstr(ref, 35)) < Fraction(r.margin) + Fraction(1, 10 ** 18)


def test_b6_monte_carlo_reference_and_nonunit_hypothesis_fails():
    rng = np.random.default_rng(0)
    m, N = 50, 20_000
    x = np.array([0.6, 0.8])
    W = rng.standard_normal((N, m, 2))
    a = rng.choice([-1.0, 1.0], size=(N, m))
    f = (a * np.maximum(W @ x, 0)).sum(axis=1) / np.sqrt(m)
    assert abs(np.mean(f ** 2) - 0.5) < 6 * np.std(f ** 2) / np.sqrt(N)
    for X in ([["1", "1"]], [["2", "0"]]):
        r = _run("du2018-initial-residual", {"name": "t", "X": X})
        assert _hyp_fails(r) and "|x_i| = 1" in r.message
    r = _run("du2018-initial-residual", {"name": "t", "X": [["0.6", "0.8"]]})
    assert r.verdict is Verdict.PROVED and r.scope == "instance"


def test_c1_reference_mpmath_quad_and_wrong_value_refuted():
    from proofs.claims.du_2019.kernels import c_sigma_ball
    from numerics.certified.precision import arb_prec

    with mpmath.workdps(30):
        e = mpmath.quad(lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi) * mpmath.tanh(z) ** 2,
                        [-mpmath.inf, 0, mpmath.inf])
        ref = mpmath.nstr(1 / e, 28)
    from flint import arb

    with arb_prec(120):
        b = c_sigma_ball("tanh")
        assert (b - arb(ref)).abs_upper() < arb(10) ** -25
    r = _run("du2019-c-sigma-constants", {"name": "t", "activation": "tanh", "value": "2.53617543321748"})
    assert r.verdict is Verdict.REFUTED


def test_c2_nonunit_hypothesis_fails():
    r = _run("du2019-fc-unit-diagonal", {"name": "t", "activation": "erf", "depth": 3, "n": 3, "d": 3, "seed": 0,
                                         "unit": False})
    assert _hyp_fails(r)
    r = _run("du2019-fc-unit-diagonal", {"name": "t", "activation": "erf", "depth": 3, "n": 3, "d": 3, "seed": 0})
    assert r.verdict is Verdict.PROVED and r.scope == "instance"


def test_c4_polynomial_and_c6_other_activation_hypothesis_fails():
    from proofs.claims.du_2019.kernels import _unit_inputs

    r = _run("du2019-gram-positive-analytic", {"name": "t", "activation": "square", "arch": "two-layer",
                                               "depth": 1, "X": _unit_inputs(12, 3, 0)})
    assert _hyp_fails(r) and "polynomial" in r.message
    r = _run("du2019-gram-positive-analytic", {"name": "t", "activation": "relu", "arch": "fc", "depth": 2,
                                               "n": 4, "d": 3})
    assert _hyp_fails(r) and "analytic" in r.message
    r = _run("du2019-depth-one-reduction", {"name": "t", "activation": "erf", "n": 3, "d": 2, "seed": 0})
    assert _hyp_fails(r)


def test_c4_audit_seed_with_duplicates_now_resampled_and_duplicates_not_refuted():
    from proofs.claims.du_2018._hyp import parallel_pair
    from proofs.claims.du_2019.kernels import _unit_inputs

    for seed in range(40):  # the old generator gave duplicates in d=2, n=8 for ~7% of seeds
        assert parallel_pair(_unit_inputs(8, 2, seed)) is None
    r = _run("du2019-gram-positive-analytic", {"name": "hyp", "activation": "erf", "arch": "fc", "depth": 2, "n": 8,
                                               "d": 2, "seed": 2})
    assert r.verdict is Verdict.PROVED
    X = _unit_inputs(3, 2, 0)
    r = _run("du2019-gram-positive-analytic", {"name": "t", "activation": "erf", "X": X + [X[0]]})
    assert _hyp_fails(r)
    r = _run("du2019-gram-positive-analytic", {"name": "t", "activation": "erf", "X": [["2", "0"], ["0", "1"]]})
    assert _hyp_fails(r) and "|x_i| = 1" in r.message


def test_f3_only_polynomials_and_only_the_rank_bound():
    from proofs.claims.du_2019.kernels import _unit_inputs
    from proofs.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        _run("du2019-false-polynomial-activation-positive", {"name": "t", "activation": "erf", "arch": "fc",
                                                             "depth": 1, "n": 12, "d": 2})
    X = _unit_inputs(11, 2, 0)
    r = _run("du2019-false-polynomial-activation-positive", {"name": "t", "activation": "square", "X": X + [X[3]]})
    assert _hyp_fails(r)
    r = _run("du2019-false-polynomial-activation-positive", {"name": "t", "activation": "square", "n": 12, "d": 3})
    assert r.verdict is Verdict.REFUTED and r.witness["kind"] == "rank-bound" and r.precision == "exact (rank bound)"


def test_b3_half_unit_rounding_and_scope():
    """A stated decimal with k decimals is proved only when lambda_0 lies in [v - 10^-k/2, v + 10^-k/2] (the audit's
    reproducers: 0.9 at rho = -1, 1 and a wrong 30th digit at rho = 9/10)."""
    B3 = "du2018-two-point-eigenvalue"
    for rho, v in (("-1", "0.9"), ("9/10", "1"), ("9/10", "0.12"), ("9/10", "0.114604831907917821837923848141"),
                   ("0", "0.45"), ("0", "0.55")):
        assert _run(B3, {"name": "t", "rho": rho, "value": v}).verdict is Verdict.REFUTED, (rho, v)
    for rho, v in (("-1", "0.5"), ("9/10", "0.1"), ("9/10", "0.11"), ("9/10", "0.1146"),
                   ("9/10", "0.11460483190791782183792384815")):
        r = _run(B3, {"name": "t", "rho": rho, "value": v})
        assert r.verdict is Verdict.PROVED and r.scope == "instance", (rho, v)
    r = _run(B3, {"name": "t", "rho": "9/10"})
    assert r.verdict is Verdict.PROVED and r.scope == "instance"


def test_b3_value_on_the_rounding_boundary_is_inconclusive():
    # rho = 0: lambda_0 = 1/2 exactly, the lower end of the rounding interval [0.5, 1.5] of "1"
    r = _run("du2018-two-point-eigenvalue", {"name": "t", "rho": "0", "value": "1"})
    assert r.verdict is Verdict.INCONCLUSIVE and "boundary" in r.message


def test_f1_identical_pair_is_not_a_counterexample():
    r = _run("du2018-false-any-parallel-pair-singular", {"name": "t", "X": [["0.6", "0.8"], ["1.2", "1.6"]]})
    assert r.verdict is Verdict.PROVED  # positively parallel: singular (the claim's true half)


C_TANH = "2.536175433217453754229724481644244662613667798637076"  # mpmath quad at 60 digits (split at 0, +-4)


def test_c1_tail_bound_is_part_of_the_enclosure():
    """At L = 4 the tail beyond |z| > 4 is ~1e-4 of the mass: the enclosure must still contain c_tanh."""
    from flint import arb

    from numerics.certified.precision import arb_prec
    from proofs.claims.du_2019.kernels import c_sigma_ball

    with arb_prec(120):
        assert c_sigma_ball("tanh", L=4).contains(arb(C_TANH))
        b = c_sigma_ball("tanh")
        assert b.overlaps(arb(C_TANH)) and b.rad() < 1e-30


def test_c1_and_b3_overlap_is_not_correct_rounding():
    """A decimal with more digits than the enclosure resolves: the ball straddles its rounding interval ->
    inconclusive, never proved."""
    r = _run("du2019-c-sigma-constants", {"name": "t", "activation": "tanh", "value": C_TANH})
    assert r.verdict is Verdict.INCONCLUSIVE
    r = _run("du2019-c-sigma-constants", {"name": "t", "activation": "tanh", "value": C_TANH[:20]})
    assert r.verdict is Verdict.PROVED
    v = "0.114604831907917821837923848148775073469726839953835069185660124474637"  # 80-digit mpmath; the
    # 50-digit ball of B3 cannot resolve its 72nd decimal
    r = _run("du2018-two-point-eigenvalue", {"name": "t", "rho": "9/10", "value": v})
    assert r.verdict is Verdict.INCONCLUSIVE


def test_unknown_instance_keys_and_bad_values_rejected():
    from proofs.errors import InvalidArgument

    bad = [("du2018-hinf-positive-nonparallel", {"name": "t", "m": 5}),
           ("du2018-hinf-closed-form", {"name": "t", "samples": 0}),
           ("du2018-hinf-positive-nonparallel", {"name": "t", "n": -1}),
           ("du2018-hinf-positive-nonparallel", {"name": "t", "n": "abc"}),
           ("du2018-two-point-eigenvalue", {"name": "t"}),
           ("du2018-two-point-eigenvalue", {"name": "t", "rho": "nan"}),
           ("du2019-c-sigma-constants", {"name": "t", "activation": "tanh", "value": "abc"}),
           ("du2018-false-unit-norm-free", {"name": "t", "scale": "0"}),
           ("du2018-false-unit-norm-free", {"name": "t", "scale": "1"}),
           ("du2018-lazy-movement", {"name": "t", "m": -5}),
           ("du2019-gram-positive-analytic", {"name": "t", "activation": "erf", "c-res": 0.5})]
    for cid, inst in bad:
        with pytest.raises(InvalidArgument):
            _run(cid, inst)


def test_f2_exact_unit_inputs_and_scale_above_one():
    from proofs.claims.du_2018._hyp import non_unit

    r = _run("du2018-false-unit-norm-free", {"name": "t", "n": 4, "d": 3, "seed": 0, "scale": "0.001"})
    assert r.verdict is Verdict.REFUTED and non_unit(r.witness["X_unit"]) is None
    r = _run("du2018-false-unit-norm-free", {"name": "t", "n": 4, "d": 3, "seed": 0, "scale": "10"})
    assert r.verdict is Verdict.INCONCLUSIVE  # H_00 = 50: the Rayleigh bound says nothing
