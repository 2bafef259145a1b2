"""The escaping-set claims: §8 A6, A9 (i)(ii), A12, G5 (static) and the false variant F9 — expected verdicts on the
default instances, an independent reference value for each, and the dropped-assumption instance reported."""
from fractions import Fraction

import mpmath
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs import Verdict
from proofs.registry import all_claims, run_check

from proofs.claims.chizat_bach_2018 import boundary_condition as bc
from proofs.claims.chizat_bach_2018 import optimality_certificate as oc
from proofs.claims.petit_poon_peyre_2026 import escaping_geometry as eg


def _claim(cid):
    return all_claims()[cid]


def _run(cid, inst):
    return run_check(_claim(cid), inst)


def _mp(v):
    q = Fraction(str(v))
    return mpmath.mpf(q.numerator) / q.denominator


# ---------------------------------------------------------------------------------------------------------- F9
def test_f9_default_instances_refuted_and_derivative_matches_finite_differences():
    c = _claim(bc.ID)
    assert c.expected == "fails" and c.label == "§9 F9"
    for inst in c.instances:
        r = _run(bc.ID, inst)
        assert r.verdict is Verdict.REFUTED and r.scope == "instance", r.message
    # the growth constant against its closed form |f_1| s'(0) |theta'(phi_1) . (x_1, 1)| / n = (1/4)(2.5/sqrt 5)/2
    r = _run(bc.ID, c.instances[0])
    with mpmath.workdps(30):
        lead = mpmath.mpf("2.5") / mpmath.sqrt(5) / 8
        assert lead * mpmath.mpf("0.99") <= _mp(r.margin) <= lead
    # reference: a central difference of g_r(phi) in mpmath at the jump angle, 60 digits
    xs, fs = ["-0.5", "1"], ["1", "-1"]
    for r in (10, 1000, 10 ** 5):
        d, _ = bc.derivative_at_jump(xs, fs, r, prec=200)
        with mpmath.workdps(60):
            phi = mpmath.atan(-_mp(xs[0]))

            def g(p):
                return sum(_mp(f) / (1 + mpmath.exp(-r * (mpmath.cos(p) * _mp(x) + mpmath.sin(p))))
                           for x, f in zip(xs, fs)) / len(xs)
            hstep = mpmath.mpf(10) ** -25
            fd = (g(phi + hstep) - g(phi - hstep)) / (2 * hstep)
            assert abs(fd - _mp(d.mid().str(40, radius=False))) < mpmath.mpf(10) ** -15 * max(1, abs(fd))
            assert abs(fd) / r > mpmath.mpf("0.13")  # the linear growth the refutation certifies


def test_f9_dropped_nonzero_residual_at_the_jump_is_not_refuted():
    r = _run(bc.ID, {"name": "f_1 = 0", "x": ["-0.5", "1"], "f": ["0", "1"]})
    assert r.verdict is Verdict.INCONCLUSIVE and r.scope == "instance"


# ---------------------------------------------------------------------------------------------------------- A6
def test_a6_default_instances_proved_and_descent_replayed_in_mpmath():
    c = _claim(oc.ID_A6)
    results = [_run(oc.ID_A6, inst) for inst in c.instances]
    assert all(r.verdict is Verdict.PROVED and r.scope == "instance" for r in results), [r.message for r in results]
    # reference: the loss before and after the added particle, by hand in mpmath
    r0 = results[0]
    d = r0.witness["descent"]
    model, mu, data = oc._instance_problem(c.instances[0])
    with mpmath.workdps(50):
        def sig(z):
            return 1 / (1 + mpmath.exp(-z))

        def F(extra=None):
            tot = mpmath.mpf(0)
            for (x,), (y,) in zip(data.X, data.Y):
                f = sum(_mp(p) * _mp(a[0][0]) * sig(_mp(u[0]) * _mp(x) + _mp(u[1]))
                        for p, a, u in zip(mu.mass, mu.a, mu.u))
                if extra:
                    t, w, th = extra
                    f += t * w * sig(th[0] * _mp(x) + th[1])
                tot += (f - _mp(y)) ** 2
            return tot / (2 * len(data.X))
        th = [_mp(v) for v in d["theta"]]
        F1 = F((_mp(d["t"]), _mp(d["w"]), th))
        assert F1 < F() and F1 <= _mp(d["F_new_upper"])


def test_a6_dropped_slackness_refuted():
    r = _run(oc.ID_A6, {"name": "drop slackness", "lam": "1", "drop": "slackness"})
    assert r.verdict is Verdict.REFUTED and r.witness["descent"]["kind"].startswith("rescale")


# --------------------------------------------------------------------------------------------------------- A12
def _prox_step(g, lam, tau=Fraction(1, 10)):
    """One proximal-gradient step from w = 0 (the prox of tau*lam|w| is soft thresholding): an independent way to
    see whether the particle moves."""
    v = -tau * g
    return (1 if v > 0 else -1) * max(abs(v) - tau * lam, 0) if v != 0 else Fraction(0)


def test_a12_proved_universally_and_matches_proximal_step():
    r = _run(oc.ID_A12, _claim(oc.ID_A12).instances[0])
    assert r.verdict is Verdict.PROVED and r.scope == "universal"
    for g in (Fraction(-3, 2), Fraction(-1), Fraction(-1, 3), Fraction(0), Fraction(1, 2), Fraction(1), Fraction(2)):
        for lam in (Fraction(0), Fraction(1, 2), Fraction(1)):
            moves = _prox_step(g, lam) != 0
            assert (oc.min_norm_velocity(g, lam) != 0) == moves == (abs(g) > lam)
            if moves:  # same direction as the soft threshold
                assert (oc.min_norm_velocity(g, lam) > 0) == (_prox_step(g, lam) > 0)


@settings(max_examples=30, deadline=None)
@given(g=st.fractions(-3, 3, max_denominator=20), lam=st.fractions(0, 3, max_denominator=20))
def test_a12_exact_instances(g, lam):
    r = _run(oc.ID_A12, {"name": "h", "g": str(g), "lam": str(lam)})
    assert r.verdict is Verdict.PROVED


def test_a12_dropped_zero_weight_refuted():
    r = _run(oc.ID_A12, {"name": "w = 1", "w": "1"})
    assert r.verdict is Verdict.REFUTED and r.witness["velocity"] == "-1"


# ---------------------------------------------------------------------------------------------------- A9, G5
def test_a9_default_instances_proved():
    c = _claim(eg.ID_A9)
    for inst in c.instances:
        r = _run(eg.ID_A9, inst)
        assert r.verdict is Verdict.PROVED and r.scope == "instance", r.message
        assert Fraction(r.witness["beta_lower"]) > 0 and Fraction(r.witness["level"]) < 0


def test_a9_and_g5_dropped_non_optimality_refuted():
    for cid in (eg.ID_A9, eg.ID_G5):
        r = _run(cid, {"name": "teacher", "k": 2, "targets": "teacher"})
        assert r.verdict is Verdict.REFUTED and r.scope == "instance", r.message


def test_g5_default_instances_proved_and_value_matches_mpmath():
    c = _claim(eg.ID_G5)
    for inst in c.instances:
        r = _run(eg.ID_G5, inst)
        assert r.verdict is Verdict.PROVED, r.message
        model, mu, data = eg.instance_problem(inst)
        th = [_mp(v) for v in r.witness["theta0"]]
        with mpmath.workdps(50):
            n, k = len(data.X), model.k
            G = [mpmath.mpf(0)] * k
            for (x,), y in zip(data.X, data.Y):
                s_th = 1 / (1 + mpmath.exp(-(th[0] * _mp(x) + th[1])))
                for c_ in range(k):
                    f = sum(_mp(p) * _mp(a[c_][0]) / (1 + mpmath.exp(-(_mp(u[0]) * _mp(x) + _mp(u[1]))))
                            for p, a, u in zip(mu.mass, mu.a, mu.u))
                    G[c_] += (f - _mp(y[c_])) * s_th / n
            assert mpmath.sqrt(sum(v * v for v in G)) >= _mp(r.witness["abs_G_lower"])


def test_claims_listed_under_their_papers():
    ids = all_claims()
    for cid, paper in ((bc.ID, "Chizat-Bach 2018"), (oc.ID_A6, "Chizat-Bach 2018"), (oc.ID_A12, "Chizat-Bach 2018"),
                       (eg.ID_A9, "Petit-Poon-Peyre 2026"), (eg.ID_G5, "Petit-Poon-Peyre 2026")):
        assert ids[cid].paper == paper and ids[cid].assumptions and ids[cid].statement
