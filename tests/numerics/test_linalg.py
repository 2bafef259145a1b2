"""Ball Cholesky and certified lambda_min (numerics/certified/linalg.py); the ReLU Gram H^infty (Du et al. 2018,
Section 3)."""
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, arb_mat

from numerics.certified.linalg import (certify_lambda_min_gt, cholesky_ball, lambda_min_lower, lambda_min_mpmath,
                             lambda_min_upper, relu_gram_ball, relu_gram_float)
from numerics.certified.precision import arb_prec
from proofs.errors import InvalidArgument


def _toeplitz(n):
    """tridiag(-1, 2, -1): eigenvalues 2 - 2 cos(k pi / (n + 1)) (closed form)."""
    return arb_mat([[2 if i == j else (-1 if abs(i - j) == 1 else 0) for j in range(n)] for i in range(n)])


@pytest.mark.parametrize("n", [5, 40, 90])
def test_certified_threshold_brackets_closed_form_eigenvalue(n):
    with mpmath.workdps(40):
        lam_mp = 2 - 2 * mpmath.cos(mpmath.pi / (n + 1))  # the closed form, without float cancellation
        lam = float(lam_mp)
    with arb_prec(128):
        K = _toeplitz(n)
        assert certify_lambda_min_gt(K, Fraction(lam * (1 - 1e-6)))
        assert not certify_lambda_min_gt(K, Fraction(lam * (1 + 1e-6)))  # never certifies a false bound
        certs = [lambda_min_lower(K, methods=(m,)) for m in ("residual", "ball-cholesky")] + [lambda_min_lower(K)]
    for cert in certs:  # each test alone, and the default order
        assert cert.positive_definite == "proved" and cert.lower <= Fraction(lam)
        assert float(cert.lower) > lam * (1 - 1e-5)  # tight: not a trivial bound
    assert [c.method for c in certs] == ["residual", "ball-cholesky", "residual"]
    with arb_prec(128):
        ub = lambda_min_upper(K)
    with mpmath.workdps(40):
        assert mpmath.mpf(ub.str(35, radius=False)) >= lam_mp * (1 - mpmath.mpf(10) ** -30)
    assert float(ub) < lam * (1 + 1e-8)  # certified upper bound, tight


def test_factor_encloses_matrix():
    rng = np.random.default_rng(1)
    B = rng.integers(-5, 6, size=(70, 70))
    A = (B @ B.T + 70 * np.eye(70)).astype(int)
    with arb_prec(128):
        M = arb_mat(A.tolist())
        L = cholesky_ball(M)
        P = L * L.transpose()
        for i in range(0, 70, 7):
            for j in range(0, 70, 5):
                assert P[i, j].contains(int(A[i, j]))
                assert P[i, j].rad() < 1e-20


def test_cross_check_against_mpmath_eigsy_small_random():
    rng = np.random.default_rng(3)
    for n in (3, 8, 15):
        X = rng.standard_normal((n, 3)).round(2) + 0.01
        with arb_prec(128):
            H = relu_gram_ball([[str(v) for v in row] for row in X])
            cert = lambda_min_lower(H)
            ref = lambda_min_mpmath(H, dps=40)
        assert cert.lower is not None and Fraction(cert.lower) <= Fraction(mpmath.nstr(ref, 35))
        assert float(cert.lower) > float(ref) * (1 - 1e-5)


def test_two_point_gram_closed_form():
    # two-point case (Du et al. 2018, Section 3): lambda_0 = 1/2 - |H12| with H12 = rho (pi - arccos rho) / (2 pi)
    with mpmath.workdps(40):  # the formula reproduces the catalogue constant for rho = 0.9
        h = mpmath.mpf("0.9") * (mpmath.pi - mpmath.acos(mpmath.mpf("0.9"))) / (2 * mpmath.pi)
        assert abs(mpmath.mpf("0.5") - h - mpmath.mpf("0.114604831907917821837923848149")) < mpmath.mpf("1e-29")
        lam = mpmath.mpf("0.5") - mpmath.mpf("0.6") * (mpmath.pi - mpmath.acos(mpmath.mpf("0.6"))) / (2 * mpmath.pi)
    with arb_prec(200):
        H = relu_gram_ball([["1", "0"], ["0.6", "0.8"]])  # exact unit vectors, rho = 0.6
        rho = arb("0.6")
        h12 = rho * (arb.pi() - rho.acos()) / (2 * arb.pi())
        assert H[0, 1].overlaps(h12) and H[0, 1].rad() < 1e-50 and H[0, 0] == arb("0.5")
        cert = lambda_min_lower(H)
    assert Fraction(cert.lower) <= Fraction(mpmath.nstr(lam, 35)) and float(cert.lower) > float(lam) * (1 - 1e-5)


def test_non_unit_inputs_scale_quadratically():
    X = [["1", "0"], ["0.6", "0.8"], ["-0.3", "0.5"]]
    Y = [[str(Fraction(v) * 3) for v in row] for row in X]
    with arb_prec(128):
        H, G = relu_gram_ball(X), relu_gram_ball(Y)
        for i in range(3):
            for j in range(3):
                assert (G[i, j] - 9 * H[i, j]).contains(0) and (G[i, j] - 9 * H[i, j]).rad() < 1e-30
    # float twin agrees with the ball version
    assert np.allclose(relu_gram_float([[float(Fraction(v)) for v in r] for r in Y]),
                       [[float(G[i, j].mid()) for j in range(3)] for i in range(3)], atol=1e-14)


def test_gram_monte_carlo_twin():
    # H_ij = E_w[x_i.x_j 1{w.x_i >= 0, w.x_j >= 0}]; 2e5 samples, atol 5e-3 (std ~ 1/sqrt(2e5) * |x|^2)
    rng = np.random.default_rng(7)
    X = np.array([[1.0, 0.5, -0.2], [0.3, -1.2, 0.8], [-0.7, 0.1, 0.4]])
    W = rng.standard_normal((200000, 3))
    S = (W @ X.T >= 0).astype(float)
    mc = (X @ X.T) * (S.T @ S) / len(W)
    assert np.allclose(relu_gram_float(X), mc, atol=5e-3)


def test_zero_input_rejected():
    with pytest.raises(InvalidArgument, match="zero vector"):
        relu_gram_ball([["1", "0"], ["0", "0"]])


def test_cli_ntk(tmp_path, capsys):
    from proofs.cli import main

    (tmp_path / "D.json").write_text(json.dumps({"X": [["1", "0"], ["0.6", "0.8"], ["-1", "0.1"]]}))
    with pytest.raises(SystemExit) as e:
        main(["ntk", "--data", str(tmp_path / "D.json"), "--certify", "--json"])
    assert e.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["positive_definite"] == "proved"
    lam = Fraction(out["lambda_min"])  # the printed digits, exactly
    lb, ub = Fraction(out["certified_lower_bound"]), Fraction(out["certified_upper_bound"])
    ulp = Fraction(1, 10 ** (out["lambda_min_digits"] + 1))  # printed value: rounded to its digits (|lam| < 1)
    assert 0 < lb <= lam + ulp and lam - ulp <= ub and lb <= ub
    assert ub - lb < Fraction(1, 10 ** 18)  # the bracket is tight to the printed 20 digits
    (tmp_path / "Z.json").write_text(json.dumps({"X": [["1", "0"], ["0", "0"]]}))
    with pytest.raises(SystemExit) as e:
        main(["ntk", "--data", str(tmp_path / "Z.json"), "--json"])
    assert e.value.code == 2 and "zero vector" in capsys.readouterr().err
    (tmp_path / "P.json").write_text(json.dumps({"X": [["1", "0"], ["2", "0"], ["0", "1"]]}))
    with pytest.raises(SystemExit) as e:
        main(["ntk", "--data", str(tmp_path / "P.json"), "--certify", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["positive_definite"] == "refuted" and out["witness"]["parallel_inputs"] == [0, 1]


@pytest.mark.slow
@pytest.mark.parametrize("n", [400, 1000])
def test_benchmark_relu_gram_certified_lambda_min(n):
    """Benchmark (not a timed assertion): prints seconds for the Gram in balls and the certificate."""
    import time

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 5)).round(3)
    est = float(np.linalg.eigvalsh(relu_gram_float(X))[0])
    with arb_prec(128):
        t0 = time.perf_counter()
        H = relu_gram_ball([[str(v) for v in row] for row in X])
        t1 = time.perf_counter()
        cert = lambda_min_lower(H, estimate=est)
        t2 = time.perf_counter()
    print(f"\nn={n}: gram {t1 - t0:.2f} s, ball Cholesky {t2 - t1:.2f} s, lambda_min ~ {est:.6g}, "
          f"certified > {float(cert.lower):.6g}")
    assert cert.positive_definite == "proved"


def test_singular_and_undecided_pivots_never_certify():
    """An exactly singular matrix (pivot exactly 0) and a pivot ball containing 0 must not certify lambda_min > t
    (an undecided pivot taken as positive would certify a singular matrix)."""
    with arb_prec(128):
        assert not certify_lambda_min_gt(arb_mat([[1, 1], [1, 1]]), 0)
        assert not certify_lambda_min_gt(arb_mat([[1, 1], [1, arb(1, 1e-10)]]), 0)  # pivot ball [-1e-10, 1e-10]
        assert not certify_lambda_min_gt(arb_mat([[2, 0], [0, 2]]), 2)  # K - 2I = 0
        # the recursive (blocked) path: rank-one 40 x 40 matrix v v^T, and one inside the Schur complement
        v = [arb(i % 3 + 1) for i in range(40)]
        R1 = arb_mat([[v[i] * v[j] for j in range(40)] for i in range(40)])
        assert not certify_lambda_min_gt(R1, 0)
        assert lambda_min_lower(arb_mat([[1, 1], [1, 1]]), estimate=0.0).positive_definite != "proved"


def test_rayleigh_upper_bound_covers_every_member_of_the_ball():
    """lambda_min_upper bounds lambda_min of *every* member: [[2 +- r, 1], [1, 2 +- r]] at v = (1, -1) has members
    with lambda_min = 1 + r, so the bound must be >= 1 + r (the midpoint Rayleigh quotient 1 is not enough)."""
    r = Fraction(1, 100)
    with arb_prec(64):
        K = arb_mat([[arb(2, float(r)), 1], [1, arb(2, float(r))]])
        ub = lambda_min_upper(K, [1, -1])
        assert ub >= arb(1) + arb(r.numerator) / r.denominator
        # and still an upper bound for the exact midpoint matrix
        assert ub >= 1


# ------------------------------------------------------------------ the fast certificates (residual, Temple)
def _mp_of(q):
    return mpmath.mpf(q.numerator) / q.denominator


def test_temple_bracket_contains_the_closed_form_eigenvalue_to_35_digits():
    """tridiag(-1, 2, -1), n = 90: lambda_1 = 2 - 2 cos(pi / 91) (closed form, 60 digits) lies in the certified
    bracket, which is narrower than 1e-35 (Temple with a certified gap, not the ~1e-13 of a float test)."""
    from numerics.certified.linalg import lambda_min_bracket

    n = 90
    with arb_prec(128):
        br = lambda_min_bracket(_toeplitz(n))
    with mpmath.workdps(60):
        lam = 2 - 2 * mpmath.cos(mpmath.pi / (n + 1))
        lam2 = 2 - 2 * mpmath.cos(2 * mpmath.pi / (n + 1))
        assert _mp_of(br.lower) <= lam <= _mp_of(br.upper)
        assert _mp_of(br.upper) - _mp_of(br.lower) < mpmath.mpf(10) ** -35
        assert br.method == "temple" and _mp_of(br.lambda2_lower) <= lam2  # the gap bound is a true lower bound
    assert br.positive_definite == "proved"


def test_temple_lower_bound_needs_its_correction_term():
    """With one refinement step the Rayleigh quotient is ~1e-30 above lambda_1 (residual ~1e-16): the Temple term
    eps^2 / (b - eta) is what keeps the lower end below the closed form (eta alone would not be a lower bound)."""
    from numerics.certified.linalg import lambda_min_bracket

    n = 40
    with arb_prec(200):
        br = lambda_min_bracket(_toeplitz(n), max_iter=1)
    with mpmath.workdps(80):
        lam = 2 - 2 * mpmath.cos(mpmath.pi / (n + 1))
        assert _mp_of(br.lower) <= lam <= _mp_of(br.upper)
        assert _mp_of(br.upper) - lam > mpmath.mpf(10) ** -45  # the unrefined quotient is visibly above lambda_1


def test_bracket_covers_every_member_of_a_wide_ball_matrix():
    """[[2 +- r, 1], [1, 2 +- r]], r = 0.1: members have lambda_min from about 0.8 to 1.1; the bracket must contain
    lambda_min of every corner member (computed exactly: 2x2 closed form)."""
    from numerics.certified.linalg import lambda_min_bracket, residual_cholesky_lower

    r = 0.1
    with arb_prec(64):
        K = arb_mat([[arb(2, r), 1], [1, arb(2, r)]])
        br = lambda_min_bracket(K)
        low = residual_cholesky_lower(K, 0.9, [[2.0, 1.0], [1.0, 2.0]])
    with mpmath.workdps(30):
        for a in (2 - r, 2, 2 + r):
            for d in (2 - r, 2, 2 + r):
                a_, d_ = mpmath.mpf(a), mpmath.mpf(d)
                lmin = (a_ + d_) / 2 - mpmath.sqrt(((a_ - d_) / 2) ** 2 + 1)
                assert _mp_of(br.lower) <= lmin <= _mp_of(br.upper)
                assert low is not None and _mp_of(low) <= lmin  # t = 0.9 is not a bound: the radius is subtracted


@pytest.mark.parametrize("K, r", [
    # [[1, +-r], [+-r, 1 + g]] with r = g = 1e-8: the float spectrum {1, 1 + g} hides members whose lambda_1 is
    # 1 - 6e-9 (the eigenvector rotates); the certified lambda_2 bound falls below the Rayleigh quotient, so Temple
    # must not be used
    ("offdiag", 1e-8),
    # [[1, +-0.2], [+-0.2, 2 +- 0.9]]: lambda_2 of some members is 1.1, far below the float 2: only a certified
    # lambda_2 bound may enter Temple's inequality
    ("wide", 0.2),
])
def test_bracket_lower_end_holds_for_rotated_members(K, r):
    from itertools import product

    from numerics.certified.linalg import lambda_min_bracket

    with arb_prec(64):
        if K == "offdiag":
            g = 1e-8
            M = arb_mat([[1, arb(0, r)], [arb(0, r), 1 + g]])
            ds = [1 + g]
        else:
            M = arb_mat([[1, arb(0, r)], [arb(0, r), arb(2, 0.9)]])
            ds = [1.1, 2, 2.9]
        br = lambda_min_bracket(M)
    with mpmath.workdps(40):
        for b, d in product([-r, 0, r], ds):
            b_, d_ = mpmath.mpf(b), mpmath.mpf(d)
            lmin = (1 + d_) / 2 - mpmath.sqrt(((1 - d_) / 2) ** 2 + b_ * b_)
            assert _mp_of(br.lower) <= lmin <= _mp_of(br.upper), (b, d, br)


def test_residual_certificate_matches_ball_cholesky_and_refuses_false_shifts():
    """The residual bound at t just below lambda (closed form) certifies, is within 1e-10 of t, and never exceeds
    lambda; at t above lambda the float Cholesky fails and nothing is certified."""
    from numerics.certified.linalg import residual_cholesky_lower

    n = 60
    with mpmath.workdps(40):
        lam = float(2 - 2 * mpmath.cos(mpmath.pi / (n + 1)))
    steer = np.array([[2.0 if i == j else (-1.0 if abs(i - j) == 1 else 0.0) for j in range(n)] for i in range(n)])
    with arb_prec(128):
        K = _toeplitz(n)
        t = lam * (1 - 1e-6)
        low = residual_cholesky_lower(K, t, steer)
        assert low is not None and Fraction(t) - Fraction(1, 10 ** 10) < low <= Fraction(t)
        assert certify_lambda_min_gt(K, low)  # the independent ball Cholesky agrees
        assert residual_cholesky_lower(K, lam * (1 + 1e-6), steer) is None


def test_frobenius_upper_covers_the_radii():
    from numerics.certified.linalg import frobenius_upper

    with arb_prec(64):
        assert frobenius_upper(arb_mat([[arb(0, 1)]])) >= 1  # a ball [-1, 1]: its midpoint 0 is not a bound
        assert frobenius_upper(arb_mat([[3, -4]])) >= 5
        assert frobenius_upper(arb_mat([[3, -4]])) < 5 * (1 + 1e-12)


def _eigsy_reference(X, dps=50):
    with arb_prec(256):
        return lambda_min_mpmath(relu_gram_ball(X), dps=dps)


# orthonormal inputs (H = I/2: lambda_1 = ... = lambda_4) with x_1 tilted by 1e-20: lambda_1 = 1/2 - 2.5e-21, and
# the float eigenvectors cannot resolve the cluster
_NEAR_DEGENERATE = [["1", "1e-20", "0", "0"], ["0", "1", "0", "0"], ["0", "0", "1", "0"], ["0", "0", "0", "1"]]


@pytest.mark.parametrize("certify", [False, True])
@pytest.mark.parametrize("case", ["random", "near-degenerate"])
def test_large_n_path_prints_only_correct_digits(monkeypatch, certify, case):
    """The n > MP_EIG_MAX_N path (refined Rayleigh quotient; with --certify the certified bracket) run on small
    instances by lowering the threshold: every printed digit agrees with an independent 50-digit mpmath eigsy,
    including a near-degenerate lowest pair, where the residual (not the ball radius) limits the digits."""
    import proofs.ntk as ntk

    monkeypatch.setattr(ntk, "MP_EIG_MAX_N", 3)
    if case == "random":
        rng = np.random.default_rng(5)
        X = [[str(v) for v in row] for row in rng.standard_normal((9, 3)).round(3)]
    else:
        X = _NEAR_DEGENERATE
    out = ntk.ntk_lambda_min(X, certify=certify, dps=30)
    assert "no mpmath eigsy" in out["precision"]
    ref = _eigsy_reference(X)
    digits = out["lambda_min_digits"]
    assert digits >= (25 if case == "random" else 3)
    with mpmath.workdps(60):
        printed = mpmath.mpf(out["lambda_min"])
        assert abs(printed - ref) <= mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(ref))) - digits + 1)
        if certify:
            assert out["positive_definite"] == "proved"
            assert mpmath.mpf(Fraction(out["certified_lower_bound_exact"]).numerator) / \
                Fraction(out["certified_lower_bound_exact"]).denominator <= ref


# ------------------------------------------------------- audit regressions (near-parallel inputs, scales, overflow)
def _two_near_pairs():
    rng = np.random.default_rng(105)
    X = [[str(v) for v in r] for r in rng.standard_normal((62, 3)).round(3)]
    X.append([X[5][0] + "0000001", X[5][1], X[5][2]])  # x_5 shifted by ~1e-10: a near-duplicate pair
    X.append([X[7][0], X[7][1] + "00000003", X[7][2]])
    return X


#: lambda_min of H^infty for _two_near_pairs(): mpmath eigsy at 50 digits on a 256-bit ball enclosure (recomputed by
#: the slow test below); lambda_2 = 2.649e-11, and the float Gram's ordering of the two is unreliable
_TWO_NEAR_PAIRS_LAMBDA = "3.8253306914937560983100246324201634e-12"


def _printed_digits_ok(out, ref):
    d = out["lambda_min_digits"]
    if out["lambda_min"] is None or not d:
        return True
    with mpmath.workdps(60):
        p = mpmath.mpf(out["lambda_min"])
        return abs(p - ref) <= mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(ref))) - d + 1)


@pytest.mark.parametrize("certify", [False, True])
def test_n_above_60_digits_do_not_rest_on_the_float_ordering(certify):
    from proofs.ntk import ntk_lambda_min

    out = ntk_lambda_min(_two_near_pairs(), certify=certify)
    with mpmath.workdps(60):
        assert _printed_digits_ok(out, mpmath.mpf(_TWO_NEAR_PAIRS_LAMBDA)), out["lambda_min"]
    assert out["lambda_min_digits"] >= 20  # Temple with the certified gap to lambda_2
    # an exact duplicate (and a near one): lambda_min is exactly 0, never the digits of a positive eigenvalue
    X = _two_near_pairs()[:62] + [list(_two_near_pairs()[5])] * 2
    out = ntk_lambda_min(X, certify=certify)
    assert out["positive_definite"] == "refuted" and out["lambda_min"] == "0" and out["lambda_min_exact"]


@pytest.mark.slow
def test_two_near_pairs_reference_value():
    with arb_prec(256):
        ref = lambda_min_mpmath(relu_gram_ball(_two_near_pairs()), dps=50)
    with mpmath.workdps(50):
        assert abs(ref - mpmath.mpf(_TWO_NEAR_PAIRS_LAMBDA)) < mpmath.mpf(10) ** -45


def test_one_hot_tilted_closed_form():
    """64 one-hot inputs with x_63 tilted by 1e-16: lambda_min = the smaller root of the 2 x 2 block (closed form);
    every printed digit must agree."""
    from proofs.ntk import ntk_lambda_min

    n = 64
    X = [["1" if i == j else "0" for j in range(n)] for i in range(n)]
    X[n - 2][n - 1] = "1e-16"
    with mpmath.workdps(60):
        e = mpmath.mpf("1e-16")
        a = 1 + e * e
        h = e * (mpmath.pi - mpmath.atan2(mpmath.sqrt(a - e * e), e)) / (2 * mpmath.pi)
        A, B = a / 2, mpmath.mpf(1) / 2
        ref = (A + B) / 2 - mpmath.sqrt(((A - B) / 2) ** 2 + h * h)
    for certify in (False, True):
        out = ntk_lambda_min(X, certify=certify)
        assert _printed_digits_ok(out, ref), out["lambda_min"]


def test_bracket_is_scale_free_and_survives_overflowing_floats():
    """Toeplitz scaled by 2^+-600 (beyond the square of the float range): the same relative bracket; huge inputs to
    escset ntk (1e80: Gram entries 1e160) are certified instead of crashing."""
    from numerics.certified.linalg import lambda_min_bracket
    from proofs.ntk import ntk_lambda_min

    n = 30
    with mpmath.workdps(60):
        lam = 2 - 2 * mpmath.cos(mpmath.pi / (n + 1))
    for k in (-600, 0, 600):
        with arb_prec(128):
            br = lambda_min_bracket(_toeplitz(n) * (arb(2) ** k))
        with mpmath.workdps(60):
            lo, hi = _mp_of(br.lower) / mpmath.mpf(2) ** k, _mp_of(br.upper) / mpmath.mpf(2) ** k
            assert lo <= lam <= hi and hi - lo < mpmath.mpf(10) ** -30, k
    X = [[f"{v}e80" for v in row] for row in np.random.default_rng(2).integers(1, 9, size=(6, 3)).tolist()]
    out = ntk_lambda_min(X, certify=True)
    assert out["positive_definite"] == "proved"


def test_non_finite_enclosures_give_an_honest_answer():
    """A ball with an infinite radius: no bounds at all; a recursion whose radii blow up (erf, depth 300):
    inconclusive with the knob, not a traceback."""
    from numerics.certified.linalg import LambdaMinBracket, frobenius_upper, lambda_min_bracket
    from proofs.ntk import ntk_lambda_min

    with arb_prec(64):
        br = lambda_min_bracket(arb_mat([[arb(1, float("inf")), 0], [0, 2]]))
        assert br.lower is None and br.upper is None and br.positive_definite == "inconclusive"
        old = np.seterr(over="raise")
        try:
            assert frobenius_upper(arb_mat([[1.7e308, 1.7e308]])) == float("inf")
        finally:
            np.seterr(**old)
        assert lambda_min_bracket(arb_mat([[0]])).positive_definite == "refuted"  # lambda_min = 0 is not > 0
    out = ntk_lambda_min([["1", "0"], ["0.6", "0.8"], ["0", "1"]], arch="fc", depth=300, activation="erf",
                         certify=True)
    assert out["positive_definite"] == "inconclusive" and "--dps" in out["message"]
    assert isinstance(LambdaMinBracket, type)


def test_temple_formula_is_exact_on_a_tight_example():
    """diag(0, 1), v = (1, 1): eta = 1/2, eps = 1/2, lambda_2 = 1: Temple's bound is exactly lambda_1 = 0, so any
    weakening of the formula shows; with a ball eta the ends must be the outward ones."""
    from numerics.certified.linalg import _temple_lower

    with arb_prec(128):
        assert _temple_lower(arb(Fraction(1, 2).numerator) / 2, 0.5, Fraction(1)) == 0
        eta = arb("0.5", 2.0 ** -20)
        lo, up = Fraction(1, 2) - Fraction(1, 2 ** 20), Fraction(1, 2) + Fraction(1, 2 ** 20)
        t = _temple_lower(eta, 0.5, Fraction(1))
        assert t <= lo - Fraction(1, 4) / (1 - up)
        assert _temple_lower(eta, 0.5, Fraction(1, 2)) is None  # b <= eta_up: Temple does not apply
        assert _temple_lower(eta, float("inf"), Fraction(1)) is None


def test_printed_bracket_is_rounded_outward():
    from numerics.certified.linalg import LambdaMinBracket
    from proofs.ntk import _digits_from_bracket

    lo = Fraction(58858222197742917117806, 10 ** 185)
    hi = 3 * lo + Fraction(1, 10 ** 200)  # too wide for a single digit: the bracket is printed
    out = {}
    _digits_from_bracket(out, LambdaMinBracket(lower=lo, upper=hi, value=None, method="residual",
                                               lambda2_lower=None, residual=0.0, iterations=0, seconds=0.0), 30)
    a, b = out["lambda_min_bracket"]
    assert Fraction(a) <= lo and Fraction(b) >= hi and out["lambda_min"] is None
