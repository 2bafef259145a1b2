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


def test_b4_parallel_inputs_refuted_and_reference_float():
    r = _run("du2018-hinf-positive-nonparallel", {"name": "t", "X": [["1", "2"], ["2", "4"], ["0", "1"]]})
    assert r.verdict is Verdict.REFUTED
    from numerics.ntk.kernels import h_infinity
    from proofs.claims.du_2018.kernels import _inputs

    X = _inputs({"n": 6, "d": 5, "seed": 0})
    lam = np.linalg.eigvalsh(h_infinity(np.array([[float(Fraction(v)) for v in r] for r in X])))[0]
    r = _run("du2018-hinf-positive-nonparallel", {"name": "t", "n": 6, "d": 5, "seed": 0})
    assert float(r.margin) <= lam < float(r.margin) * (1 + 1e-5) and abs(lam - 0.258) < 0.01


def test_b6_monte_carlo_reference_and_nonunit_refuted():
    rng = np.random.default_rng(0)
    m, N = 50, 20_000
    x = np.array([0.6, 0.8])
    W = rng.standard_normal((N, m, 2))
    a = rng.choice([-1.0, 1.0], size=(N, m))
    f = (a * np.maximum(W @ x, 0)).sum(axis=1) / np.sqrt(m)
    assert abs(np.mean(f ** 2) - 0.5) < 6 * np.std(f ** 2) / np.sqrt(N)
    r = _run("du2018-initial-residual", {"name": "t", "X": [["1", "1"]]})
    assert r.verdict is Verdict.REFUTED


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


def test_c2_nonunit_refuted():
    r = _run("du2019-fc-unit-diagonal", {"name": "t", "activation": "erf", "depth": 3, "n": 3, "d": 3, "seed": 0,
                                         "unit": False})
    assert r.verdict is Verdict.REFUTED


def test_c4_polynomial_refuted_and_c6_other_activation_refuted():
    from proofs.claims.du_2019.kernels import _unit_inputs

    r = _run("du2019-gram-positive-analytic", {"name": "t", "activation": "square", "arch": "two-layer",
                                               "depth": 1, "X": _unit_inputs(12, 3, 0)})
    assert r.verdict is Verdict.REFUTED
    r = _run("du2019-depth-one-reduction", {"name": "t", "activation": "erf", "n": 3, "d": 2, "seed": 0})
    assert r.verdict is Verdict.REFUTED


def test_f1_identical_pair_is_not_a_counterexample():
    r = _run("du2018-false-any-parallel-pair-singular", {"name": "t", "X": [["0.6", "0.8"], ["1.2", "1.6"]]})
    assert r.verdict is Verdict.PROVED  # positively parallel: singular (the claim's true half)
