"""F6 ``finite-particles-reach-global-minimum`` (false variant): a certified strict local minimiser with positive
loss of the m-particle sigmoid loss, for a realisable teacher with m = m0. Independent references (sympy
derivatives + mpmath Newton at 50 digits), the dropped assumption (good or wide initialisations reach loss ~ 0),
the three ball tests one by one, the search and the CLI."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from proofs.claims.chizat_bach_2018 import finite_particles as F6
from proofs.errors import InvalidArgument
from proofs.registry import get_claim, run_check
from proofs.result import Verdict

BASE = F6._instance(0)


def _run(inst, dps=30):
    return run_check(get_claim(F6.ID_F6), inst, dps=dps)


def _mp_loss(P):
    """The loss written independently, in plain mpmath: L(u) for the flat parameters (w, a_1..a_d, b per
    particle). Data converted at the caller's working precision."""
    d, m, m0 = P["d"], P["m"], P["m0"]
    mp = lambda q: mpmath.mpf(q.numerator) / q.denominator  # noqa: E731
    sig = lambda z: 1 / (1 + mpmath.exp(-z))  # noqa: E731
    X = [[mp(v) for v in x] for x in P["X"]]
    T = [[mp(v) for v in t] for t in P["teacher"]]

    def L(*u):
        tot = 0
        for x in X:
            y = sum(t[0] * sig(mpmath.fdot(t[1:d + 1], x) + t[d + 1]) for t in T) / m0
            f = sum(u[j * (d + 2)] * sig(mpmath.fdot(u[j * (d + 2) + 1:j * (d + 2) + d + 1], x) + u[j * (d + 2) + d + 1])
                    for j in range(m)) / m
            tot += (f - y) ** 2
        return tot / (2 * len(X))

    return L


def _unit(k, a, b=None):
    return tuple(int(i == a) + int(i == b) for i in range(k))


def test_default_instance_is_refuted_with_a_certified_spurious_minimum():
    r = _run(BASE)
    assert r.verdict is Verdict.REFUTED and r.scope == "instance" and not r.numerical
    assert r.margin.lower() > 0  # the loss on the box
    assert "Krawczyk" in r.method and "Cholesky" in r.method
    assert "m = 2" in r.statement and "m0 = 2" in r.statement
    assert r.witness["certified GD step bound 2 / lambda_max"].lower() > 0


def test_the_certified_basin_is_a_ball_inside_a_box_where_the_hessian_is_positive_definite():
    """The basin radius is positive and below half the box it was certified on (sqrt(mu / Lambda) <= 1); an
    independent check of the sublevel argument: the loss, in plain mpmath at 50 digits, at points on the basin's
    sphere stays below L(centre) + mu (rho - kappa)^2 / 2 with rho the box half-width (kappa < 1e-12 here)."""
    import mpmath

    out = F6.analyse(BASE)
    cert = out["cert"]
    radius, box, mu = cert["basin_radius"], cert.get("basin_box", cert["rho"]), cert["mu_lower"]
    assert 0 < radius < box / 2
    rng = np.random.default_rng(0)
    with mpmath.workdps(50):
        L = _mp_loss(F6.params(BASE))
        centre = [mpmath.mpf(v.numerator) / v.denominator for v in out["centre"]]
        Lc = L(*centre)
        cap = Lc + mpmath.mpf(mu.numerator) / mu.denominator * (mpmath.mpf(box.numerator) / box.denominator
                                                               - mpmath.mpf(10) ** -12) ** 2 / 2
        for _ in range(8):
            d = rng.standard_normal(len(centre))
            d = d / np.linalg.norm(d)
            pt = [c + mpmath.mpf(radius.numerator) / radius.denominator * mpmath.mpf(float(v)) for c, v in
                  zip(centre, d)]
            assert Lc <= L(*pt) < cap


def test_overparameterised_instance_m_2_teacher_1_is_refuted():
    r = _run(F6._instance(4))
    assert r.verdict is Verdict.REFUTED and "m = 2" in r.statement and "m0 = 1" in r.statement
    assert 0.008 < float(r.margin.mid()) < 0.0085


def test_plain_gradient_descent_from_the_instance_stalls_at_the_certified_minimiser():
    """Float evidence for the dynamics (not part of the proof): gradient descent with a fixed step below the
    certified bound 2 / lambda_max, from the instance's own initialisation, ends in the certified box's
    neighbourhood at the positive loss."""
    inst = F6._instance(4)
    out = F6.analyse(inst)
    eta = 0.75 * float(out["cert"]["eta_bound"].lower())
    fg = F6._float_problem(F6.params(inst))
    x = np.array([float(v) for r in inst["init"] for v in r])
    for _ in range(8000):
        loss, g = fg(x)
        x = x - eta * g
    assert np.max(np.abs(x - np.array([float(v) for v in out["centre"]]))) < 1e-6
    assert abs(loss - float(out["cert"]["loss"].mid())) < 1e-12 and loss > 0.008


def test_minimiser_and_loss_agree_with_an_independent_mpmath_newton_at_50_digits():
    """Reference: the loss written again in plain mpmath and differentiated numerically (mpmath.diff, not the
    hand-derived formulas), Newton's method at 50 digits from the float minimiser; the 50-digit loss lies in the
    certified ball and the root in the box."""
    P = F6.params(BASE)
    out = F6.analyse(BASE, dps=30)
    cert = out["cert"]
    k = 4 * P["m"]
    with mpmath.workdps(50):
        L = _mp_loss(P)  # data converted at 50 digits
        x = [mpmath.mpf(v) for v in out["float"]["point"]]
        for _ in range(3):  # quadratic convergence from ~1e-12: 1e-24, 1e-48
            g = mpmath.matrix([mpmath.diff(L, x, _unit(k, a)) for a in range(k)])
            H = mpmath.matrix(k, k)
            for a in range(k):
                for b in range(a, k):
                    H[a, b] = H[b, a] = mpmath.diff(L, x, _unit(k, a, b))
            x = [xi - si for xi, si in zip(x, mpmath.lu_solve(H, g))]
        assert max(abs(v) for v in g) < mpmath.mpf(10) ** -20
        loss50 = L(*x)
        ball = cert["loss"]
        assert mpmath.mpf(ball.lower().str(40, radius=False)) <= loss50 <= mpmath.mpf(ball.upper().str(40, radius=False))
        rho = mpmath.mpf(cert["rho"].numerator) / cert["rho"].denominator
        for xi, ci in zip(x, out["centre"]):
            assert abs(xi - mpmath.mpf(ci.numerator) / ci.denominator) < rho
        assert min(mpmath.eigsy(H)[0]) > 0  # positive definite (independent, not a proof)
    assert 0.002 < float(loss50) < 0.004


def test_hand_derived_gradient_and_hessian_match_numerical_differentiation():
    P = F6.params(BASE)
    rng = np.random.default_rng(0)
    pt = [Fraction(int(v), 100) for v in rng.integers(-300, 300, size=8)]
    with mpmath.workdps(40):
        L = _mp_loss(P)
        x = [mpmath.mpf(q.numerator) / q.denominator for q in pt]
        X, y = F6.labels(P, F6._mp_ops())
        loss, g, H = F6.derivatives(x, X, y, P["d"], F6._mp_ops())
        assert abs(loss - L(*x)) < 1e-35
        for a in range(8):
            assert abs(g[a] - mpmath.diff(L, x, _unit(8, a))) < 1e-30
            for b in (0, 2, 3, 6):
                assert abs(H[a][b] - mpmath.diff(L, x, _unit(8, a, b))) < 1e-25


def test_dropped_assumption_a_good_or_wide_initialisation_reaches_zero_loss():
    """F6's witness is a local minimum: from near the teacher, or with m = 8 particles from a random start, the
    minimisation reaches loss ~ 0 and the check does not refute."""
    near = {**BASE, "init": [[str(Fraction(v) + Fraction(1, 20)) for v in row] for row in BASE["teacher"]]}
    r = _run(near)
    assert r.verdict is Verdict.INCONCLUSIVE and r.numerical and r.margin < 1e-10
    assert "global minimum" in r.message
    rng = np.random.default_rng(0)
    wide = {**BASE, "init": [[f"{v:.2f}" for v in rng.normal(size=4)] for _ in range(8)]}
    _, loss, _ = F6.train(F6.params(wide))
    assert loss < 1e-12
    assert _run(wide).verdict is Verdict.INCONCLUSIVE


def test_a_certified_global_minimiser_is_not_a_counterexample():
    """Newton from the teacher itself: a critical point with a positive definite Hessian (n = 12 >= 8 parameters)
    but loss 0, so the loss test fails and the verdict is inconclusive."""
    inst = {**BASE, "init": BASE["teacher"], "newton": True}
    out = F6.analyse(inst)
    assert out["cert"]["critical"] and out["cert"]["pd"] and not out["cert"]["loss_positive"]
    assert out["cert"]["loss"].contains(0)
    assert _run(inst).verdict is Verdict.INCONCLUSIVE


def test_the_ball_tests_fail_where_they_must():
    """Away from any critical point the Krawczyk test fails; at a point with an indefinite Hessian the ball
    Cholesky fails."""
    P = F6.params(BASE)
    pt = [Fraction(v) for v in ("0.5", "1", "-1", "0.2", "-0.5", "0.3", "2", "-1")]
    with mpmath.workdps(30):
        X, y = F6.labels(P, F6._mp_ops())
        _, _, H = F6.derivatives([mpmath.mpf(q.numerator) / q.denominator for q in pt], X, y, P["d"], F6._mp_ops())
        assert min(mpmath.eigsy(mpmath.matrix(H))[0]) < 0
    cert = F6.certify(P, pt, 30)
    assert not cert["critical"] and not cert["pd"]
    inst = {**BASE, "init": [[str(v) for v in pt[:4]], [str(v) for v in pt[4:]]], "newton": True}
    assert _run(inst).verdict is Verdict.INCONCLUSIVE


def test_higher_precision_refutes_again():
    r = _run(BASE, dps=60)
    assert r.verdict is Verdict.REFUTED and "arb 2" in r.precision  # 207 bits


def test_search_refutes_f6_within_a_small_budget():
    from proofs.search import search

    for seed in (0, 1):
        res = search(F6.ID_F6, max_examples=20, seed=seed, shrink=False, refine=0)
        assert res.verdict is Verdict.REFUTED, res.verdict_counts
        assert res.replay.startswith("escset check finite-particles-reach-global-minimum")


def test_cli_check_reports_refuted(capsys):
    from proofs.cli import main

    with pytest.raises(SystemExit) as e:
        main(["check", F6.ID_F6])
    out = capsys.readouterr().out
    assert e.value.code == 0 and out.count("refuted (instance)") == 2 and "2 as expected" in out


@pytest.mark.parametrize("bad, text", [
    ({"init": [["1", "2", "3", "4"]]}, "m0 = 2"),
    ({"init": [["1", "2", "3"], ["1", "2", "3"]]}, "needs 4"),
    ({"X": [["1", "x"]]}, "X[0][1]"),
    ({"teacher": "w"}, "teacher must be"),
    ({"newton": "yes"}, "newton="),
])
def test_bad_input_is_one_line(bad, text):
    with pytest.raises(InvalidArgument) as e:
        F6.params({**BASE, **bad})
    assert text in str(e.value) and "\n" not in str(e.value)
