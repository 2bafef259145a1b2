"""The static Chizat-Bach claims: A7 / F4 (stationary points), A10 (angular decoupling), A13 / F7 (separation),
A15 / F5 / F10 (Lemma C.15). Each with an independent reference computation and a dropped-assumption test."""
from fractions import Fraction
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from proofs.registry import get_claim, run_check
from proofs.result import Verdict
from proofs.claims.chizat_bach_2018 import angular_dynamics as A10
from proofs.claims.chizat_bach_2018 import lemma_c15 as C15
from proofs.claims.chizat_bach_2018 import separation as SEP
from proofs.claims.chizat_bach_2018 import stationary_points as SP

SMALL = {"name": "small", "n": 12, "d": 3, "m": 3, "seed": 0}


def _run(cid, inst):
    return run_check(get_claim(cid), inst)


# ------------------------------------------------------------------------------------------------------ A7 / F4
def test_a7_small_instance_proved_with_independent_reference_values():
    r = _run(SP.ID_A7, SMALL)
    assert r.verdict is Verdict.PROVED and r.scope == "instance" and not r.numerical
    X, y = SP.a7_data(12, 3, 0)
    # hand-typed: a' = -(1/n) sum_i r_i sigma(0) = (1/(2n)) sum_i y_i, exactly 0; F = (1/(2n)) sum y^2
    assert sum(y) == 0 and r.witness["a_dot"] == "0" and set(r.witness["u_dot"]) == {"0"}
    assert Fraction(r.witness["loss"]) == sum(v * v for v in y) / 24
    # S(mu) against an independent lower bound: threshold sets of random directions (numpy), never above S, and
    # the best of them close to it (for monotone sigmoid, S = max over half-space sets of |(1/n) sum_H r_i|)
    rng = np.random.default_rng(1)
    Xf = np.array([[float(v) for v in row] for row in X])
    yf = np.array([float(v) for v in y])
    V = rng.standard_normal((20000, 4))
    Z = Xf @ V[:, :3].T + V[:, 3]
    lower = float(np.max(np.abs((Z > 0).T.astype(float) @ (-yf))) / 12)
    S = float(r.witness["sup_psi"])
    assert lower <= S + 1e-12 and lower >= 0.95 * S
    # the descent measure's decrease against the least-squares closed form (sum s y)^2 / (2 n sum s^2)
    d = r.witness["descent_measure"]
    u = np.array([float(Fraction(v)) for v in d["u"]])
    from scipy.special import expit

    s = expit(Xf @ u[:3] + u[3])
    closed = float(np.sum(s * yf) ** 2 / (2 * 12 * np.sum(s * s)))
    assert math.isclose(float(d["decrease"].mid()), closed, rel_tol=1e-9)
    assert d["decrease"].lower() > 0


def test_a7_dropping_centred_labels_is_refuted_exactly():
    r = _run(SP.ID_A7, {**SMALL, "centre": False})
    assert r.verdict is Verdict.REFUTED
    X, y = SP.a7_data(12, 3, 0, centre=False)
    assert Fraction(r.witness["a_dot"]) == sum(y) / 24 != 0


def test_f4_refuted_by_the_a7_witness_and_not_by_a_non_stationary_one():
    r = _run(SP.ID_F4, SMALL)
    assert r.verdict is Verdict.REFUTED and r.margin.lower() > 0
    r2 = _run(SP.ID_F4, {**SMALL, "centre": False})
    assert r2.verdict is Verdict.INCONCLUSIVE


def test_exact_velocity_at_origin_sees_a_nonzero_bias_of_the_labels():
    from proofs.symbolic.models import get_model

    model = get_model("sigmoid", k=1, d=1)
    X = [[Fraction(1)], [Fraction(-2)]]
    a_dot, u_dot = SP.exact_velocity_at_origin(model, X, [Fraction(3), Fraction(1)])
    assert a_dot == Fraction(1) and all(v == 0 for v in u_dot)  # (1/(2n)) (3 + 1) = 1


@pytest.mark.slow
def test_a7_default_40_point_instance_and_f4_f5():
    inst = SP._A7_INSTANCES[0]
    r = _run(SP.ID_A7, inst)
    assert r.verdict is Verdict.PROVED
    X, y = SP.a7_data(40, 3, 0)
    Xf = np.array([[float(v) for v in row] for row in X])
    yf = np.array([float(v) for v in y])
    V = np.random.default_rng(2).standard_normal((50000, 4))
    lower = float(np.max(np.abs(((Xf @ V[:, :3].T + V[:, 3]) > 0).T.astype(float) @ yf)) / 40)
    assert lower <= float(r.witness["sup_psi"]) + 1e-12 and lower >= 0.9 * float(r.witness["sup_psi"])
    assert _run(SP.ID_F4, inst).verdict is Verdict.REFUTED
    assert _run(C15.ID_F5, {**inst, "witness": "a7"}).verdict is Verdict.REFUTED


# ------------------------------------------------------------------------------------------------------- A10
@pytest.mark.parametrize("D", [1, 2, 3])
def test_a10_proved_universal(D):
    r = _run(A10.ID, {"name": "t", "D": D})
    assert r.verdict is Verdict.PROVED and r.scope == "universal"


@pytest.mark.parametrize("D,hom", [(2, "1"), (2, "3"), (3, "mixed"), (1, "3")])
def test_a10_dropping_two_homogeneity_refuted_with_exact_witness(D, hom):
    r = _run(A10.ID, {"name": "t", "D": D, "homogeneity": hom})
    assert r.verdict is Verdict.REFUTED and r.precision == "exact rationals"


def test_a10_reference_finite_differences_on_a_concrete_g():
    """Independent: G(u) = |u|^2 g(u/|u|) with g(t) = t1^2 + sin(t2) - t1 t3, gradient by central differences in
    mpmath, then r' = <theta, u'> and theta' = (u' - theta r')/r against -2 r g and -(I - theta theta^T) grad g."""
    with mpmath.workdps(40):
        g = lambda t: t[0] ** 2 + mpmath.sin(t[1]) - t[0] * t[2]
        dg = lambda t: [2 * t[0] - t[2], mpmath.cos(t[1]), -t[0]]
        for u in ([mpmath.mpf("0.7"), mpmath.mpf("-1.3"), mpmath.mpf("2.1")],
                  [mpmath.mpf("5"), mpmath.mpf("0.2"), mpmath.mpf("-0.4")]):
            r = mpmath.sqrt(sum(x * x for x in u))

            def G(v):
                rv = mpmath.sqrt(sum(x * x for x in v))
                return rv ** 2 * g([x / rv for x in v])
            h = mpmath.mpf("1e-12")
            grad = [(G([x + (h if j == i else 0) for j, x in enumerate(u)]) -
                     G([x - (h if j == i else 0) for j, x in enumerate(u)])) / (2 * h) for i in range(3)]
            ud = [-x for x in grad]
            th = [x / r for x in u]
            rd = sum(a * b for a, b in zip(th, ud))
            thd = [(a - t * rd) / r for a, t in zip(ud, th)]
            p = dg(th)
            tp = sum(a * b for a, b in zip(th, p))
            assert abs(rd + 2 * r * g(th)) < mpmath.mpf("1e-15")
            assert all(abs(a + (b - t * tp)) < mpmath.mpf("1e-15") for a, b, t in zip(thd, p, th))


# ---------------------------------------------------------------------------------------------- A13 / F7
def test_a13_default_instances_all_proved():
    for inst in SEP._A13_INSTANCES:
        r = _run(SEP.ID_A13, inst)
        assert r.verdict is Verdict.PROVED, inst["name"]
    r = _run(SEP.ID_A13, SEP._A13_INSTANCES[0])
    assert r.scope == "universal" and "intermediate value theorem" in r.message and "textbook" in r.message


@pytest.mark.parametrize("inst", [
    {"name": "drop scalar w", "law": "slab", "sets": "slabs", "k": 2, "p": 1, "separates": True},
    {"name": "drop full support of nu", "law": "dirac0", "sets": "slabs", "k": 1, "p": 1, "separates": True},
    {"name": "drop r_a < r < r_b", "law": "sphere", "sets": "spheres", "k": 1, "p": 2, "r": 3, "separates": True},
])
def test_a13_dropping_an_assumption_is_refuted_by_an_exact_path(inst):
    r = _run(SEP.ID_A13, inst)
    assert r.verdict is Verdict.REFUTED and r.witness["path"]


def _min_norm_on_segment(P, Q, coords):
    """min |x_coords| over the segment P -> Q, squared, exactly (closed-form projection of 0 onto the segment)."""
    a = [P[i] for i in coords]
    d = [Q[i] - P[i] for i in coords]
    dd = sum(x * x for x in d)
    s = Fraction(0) if dd == 0 else min(Fraction(1), max(Fraction(0), -sum(x * y for x, y in zip(a, d)) / dd))
    return sum((x + s * y) ** 2 for x, y in zip(a, d))


@pytest.mark.parametrize("k,p", [(2, 0), (2, 2), (3, 1), (5, 3)])
def test_f7_refuted_and_the_path_independently_avoids_w_zero(k, p):
    r = _run(SEP.ID_F7, {"name": "t", "law": "slab", "sets": "slabs", "k": k, "p": p, "r0": "3/7"})
    assert r.verdict is Verdict.REFUTED
    path = [[Fraction(v) for v in P] for P in r.witness["path"]]
    assert path[0][:k] == [Fraction(-3, 7)] + [0] * (k - 1) and path[-1][:k] == [Fraction(3, 7)] + [0] * (k - 1)
    assert all(_min_norm_on_segment(P, Q, range(k)) > 0 for P, Q in zip(path, path[1:]))


@pytest.mark.parametrize("inst", [
    {"law": "slab", "sets": "slabs", "k": 1, "p": 2},             # scalar w: not F7's "w in R^k, k >= 2"
    {"law": "sphere", "sets": "spheres", "k": 2, "p": 2},         # a sphere statement filed under F7's id
    {"law": "dirac0", "sets": "slabs", "k": 2, "p": 2},
    {"law": "slab", "sets": "spheres", "k": 2, "p": 2},
    {"k": "1.5"},
])
def test_f7_rejects_instances_outside_its_statement(inst):
    from proofs.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        _run(SEP.ID_F7, {"name": "t", **inst})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.fractions(-5, 5, max_denominator=50), st.fractions(-5, 5, max_denominator=50)),
                min_size=0, max_size=5),
       st.fractions(Fraction(1, 10), 10, max_denominator=20))
def test_every_rational_pl_path_between_the_slabs_meets_w_zero_for_scalar_w(mid, r0):
    """Reference for the separating-function certificate: random PL paths (k = 1, p = 1) from {-r0} x R to
    {r0} x R always have an exact crossing of w = 0 (discrete intermediate value theorem, computed)."""
    path = [(-r0, Fraction(0))] + list(mid) + [(r0, Fraction(1))]
    hits = [P for P, Q in zip(path, path[1:]) if SEP.segment_meets_linear(list(P), list(Q), [0], [Fraction(0)])]
    assert hits
    P, Q = next((P, Q) for P, Q in zip(path, path[1:]) if P[0] <= 0 <= Q[0] or Q[0] <= 0 <= P[0])
    s = Fraction(0) if P[0] == Q[0] else -P[0] / (Q[0] - P[0])
    assert P[0] + s * (Q[0] - P[0]) == 0 and 0 <= s <= 1


def test_segment_meets_linear_counts_the_end_points():
    F = Fraction
    assert SEP.segment_meets_linear([F(0), F(1)], [F(1), F(1)], [0], [F(0)])      # starts on w = 0
    assert SEP.segment_meets_linear([F(-1), F(1)], [F(0), F(3)], [0], [F(0)])     # ends on w = 0
    assert not SEP.segment_meets_linear([F(-1), F(0)], [F(-1), F(1)], [0, 1], [F(0), F(0)])
    assert SEP.segment_meets_linear([F(-1), F(-1)], [F(1), F(1)], [0, 1], [F(0), F(0)])


def test_segment_meets_sphere_exact():
    assert SEP.segment_meets_sphere([Fraction(0), Fraction(0)], [Fraction(2), Fraction(0)], Fraction(1))
    assert not SEP.segment_meets_sphere([Fraction(1, 2), Fraction(0)], [Fraction(2, 3), Fraction(0)], Fraction(1))
    # tangent from outside: (-1, 1) -> (1, 1) touches the unit circle at (0, 1)
    assert SEP.segment_meets_sphere([Fraction(-1), Fraction(1)], [Fraction(1), Fraction(1)], Fraction(1))


# ------------------------------------------------------------------------------------------ A15 / F5 / F10
def test_a15_proved_and_closed_form_matches_an_independent_euler_integration():
    r = _run(C15.ID_A15, C15._INSTANCES[0])
    assert r.verdict is Verdict.PROVED and r.scope == "universal"
    assert r.witness["lim_t F"] == "0" and r.witness["F(delta_0)"] == "1"
    # independent: explicit Euler for one particle, u' = 4u(1 - u^2), from 1/m (m = 4), vs the closed form
    m, dt, T = 4, 1e-5, 1.0
    u = 1.0 / m
    for _ in range(int(T / dt)):
        u += dt * 4 * u * (1 - u * u)
    v0 = 1 / m ** 2
    v = v0 * math.exp(8 * T) / (1 - v0 + v0 * math.exp(8 * T))
    assert abs(u * u - v) < 1e-4
    assert r.stats["trajectory"]["max_abs_error_u2"] < 1e-6


def test_a15_closed_form_starts_at_the_particles_initial_position():
    import sympy as sp

    f = C15.c15_facts(sp.Integer(1))
    t, m = sp.Symbol("t", nonnegative=True), sp.Symbol("m", positive=True, integer=True)
    assert sp.simplify(f["v"].subs(t, 0) - 1 / m ** 2) == 0   # u(0)^2 = (1/m)^2
    assert f["F_delta0"] == 1 and f["delta0_velocity"] == 0


@pytest.mark.parametrize("target", ["0", "-1/2"])
def test_a15_dropping_positive_target_is_refuted(target):
    assert _run(C15.ID_A15, {"name": "t", "target": target, "m": 3}).verdict is Verdict.REFUTED


def test_f10_refuted_and_not_for_a_nonpositive_target():
    r = _run(C15.ID_F10, C15._INSTANCES[0])
    assert r.verdict is Verdict.REFUTED and r.witness["lim_m lim_t F"] == "0" and r.witness["F*"] == "1"
    assert _run(C15.ID_F10, {"name": "t", "target": "0"}).verdict is Verdict.INCONCLUSIVE
    assert _run(C15.ID_F10, {"name": "t", "target": "-1"}).verdict is Verdict.INCONCLUSIVE


def test_f5_refuted_by_both_witnesses_and_not_when_delta0_is_optimal():
    assert _run(C15.ID_F5, {"name": "t", "witness": "c15", "target": "1"}).verdict is Verdict.REFUTED
    assert _run(C15.ID_F5, {**SMALL, "witness": "a7"}).verdict is Verdict.REFUTED
    for c in ("0", "-1"):  # delta_0 is then a global minimiser: no counterexample
        assert _run(C15.ID_F5, {"name": "t", "witness": "c15", "target": c}).verdict is Verdict.INCONCLUSIVE


def test_catalogue_entries_and_expected_verdicts_of_the_fast_defaults():
    expect = {SP.ID_A7: "holds", SP.ID_F4: "fails", A10.ID: "holds", SEP.ID_A13: "holds", SEP.ID_F7: "fails",
              C15.ID_A15: "holds", C15.ID_F5: "fails", C15.ID_F10: "fails"}
    for cid, e in expect.items():
        c = get_claim(cid)
        assert c.expected == e and c.paper == "Chizat-Bach 2018" and c.source and c.label.startswith("§")
        assert "MATH" not in c.label + c.source + c.statement
    for cid in (A10.ID, SEP.ID_A13, SEP.ID_F7, C15.ID_A15, C15.ID_F10):
        for inst in get_claim(cid).instances:
            r = _run(cid, inst)
            assert r.verdict is (Verdict.PROVED if expect[cid] == "holds" else Verdict.REFUTED), (cid, inst)


# ------------------------------------------------------------------------------------ referee findings (a1 audit)
def test_exact_velocity_does_not_round_a_tiny_rational_offset_to_zero():
    """nsimplify would turn 1/10**40 into 0 and 50000000000000001/10**17 into 1/2: the velocity must stay exact."""
    import sympy as sp
    from proofs.symbolic.models import get_model

    X = [[Fraction(1)], [Fraction(-2)]]
    y = [Fraction(3), Fraction(1)]
    model = get_model("sigmoid", k=1, d=1, activation="1/(1+exp(-z)) - 1/2 + 1/10**40")
    a_dot, _ = SP.exact_velocity_at_origin(model, X, y)
    assert a_dot == sp.Rational(2, 10 ** 40)  # (1/n) sum y_i g(0) = (4/2) 10^-40, not 0
    model = get_model("sigmoid", k=1, d=1, activation="1/(1+exp(-z)) + 1/10**17")
    a_dot, _ = SP.exact_velocity_at_origin(model, X, y)
    assert a_dot == 2 * (sp.Rational(1, 2) + sp.Rational(1, 10 ** 17)) != 1


@pytest.mark.parametrize("extra", [
    {"activation": "1/(1+exp(-z)) - 1/2 + 1e-40", "centre": False}, {"activation": "relu", "centre": False},
    {"activation": "tanh"}, {"n": 0}, {"n": 2.5}, {"d": "abc"}, {"m": 0}, {"centre": "false"}, {"centre": 1},
])
def test_a7_and_f4_reject_instances_outside_the_sigmoid_statement(extra):
    from proofs.errors import InvalidArgument

    for cid in (SP.ID_A7, SP.ID_F4):
        with pytest.raises(InvalidArgument):
            _run(cid, {"name": "t", "n": 8, "d": 2, "m": 2, "seed": 3, **extra})


def test_a7_statement_names_the_labels_actually_used():
    r = _run(SP.ID_A7, {"name": "t", "n": 8, "d": 2, "m": 2, "seed": 3})
    assert "x2 x3" not in r.statement.split("(d < 3")[0] and "d < 3" in r.statement
    assert "x2 x3/2" in _run(SP.ID_A7, SMALL).statement


def _patched_analyze(monkeypatch, edit):
    import proofs.analyze as PA

    real = PA.analyze

    def fake(*a, **kw):
        out = real(*a, **kw)
        edit(out["global_optimality"])
        return out

    monkeypatch.setattr(PA, "analyze", fake)
    monkeypatch.setattr(SP, "_CACHE", {})


def test_a7_needs_analyze_to_refute_optimality(monkeypatch):
    _patched_analyze(monkeypatch, lambda g: g.update(verdict="inconclusive"))
    assert _run(SP.ID_A7, SMALL).verdict is Verdict.INCONCLUSIVE
    assert _run(SP.ID_F4, SMALL).verdict is Verdict.INCONCLUSIVE


def test_a7_needs_the_lower_end_of_S_positive(monkeypatch):
    def straddle(g):
        g["sup_psi_enclosure"] = ["-0.001", g["sup_psi_enclosure"][1]]

    _patched_analyze(monkeypatch, straddle)
    assert _run(SP.ID_A7, SMALL).verdict is Verdict.INCONCLUSIVE


def test_a7_needs_the_certified_descent_measure(monkeypatch):
    from flint import arb

    monkeypatch.setattr(SP, "_CACHE", {})
    monkeypatch.setattr(SP, "descent_measure", lambda *a, **kw: (Fraction(0), arb(-1)))
    assert _run(SP.ID_A7, SMALL).verdict is Verdict.INCONCLUSIVE
    assert _run(SP.ID_F4, SMALL).verdict is Verdict.INCONCLUSIVE


def test_a13_sphere_through_the_outer_sphere_is_not_refuted():
    """r = r_b: the support r S contains B, so the radial path ends on C (meets it at its end point)."""
    r = _run(SEP.ID_A13, {"name": "t", "law": "sphere", "sets": "spheres", "k": 1, "p": 2, "r": "2", "rb": "2",
                          "separates": True})
    assert r.verdict is not Verdict.REFUTED
    assert SEP.segment_meets_sphere([Fraction(1, 2), Fraction(0)], [Fraction(2), Fraction(0)], Fraction(2))


def test_a13_assumptions_and_statement_restrict_the_point_support_to_p_at_least_1():
    c = get_claim(SEP.ID_A13)
    assert any("p >= 1" in a for a in c.assumptions) and r"p\ge1" in c.statement


@pytest.mark.parametrize("extra", [{"r0": "nan"}, {"r0": "inf"}, {"r0": "abc"}, {"r0": "-1"}, {"ra": 0},
                                   {"k": "1.5"}, {"p": "x"}, {"k": True}])
def test_separation_rejects_malformed_values(extra):
    from proofs.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        _run(SEP.ID_A13, {"name": "t", "law": "slab", "sets": "slabs", **extra})


@pytest.mark.parametrize("D", ["abc", 2.7, True, 0])
def test_a10_rejects_a_non_integral_dimension(D):
    from proofs.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        _run(A10.ID, {"name": "t", "D": D})


def test_a15_large_targets_are_fast_and_agree_with_the_simulation():
    import time

    for target in ("50", "1e9"):
        t0 = time.perf_counter()
        r = _run(C15.ID_A15, {"name": "t", "target": target, "m": 10})
        assert r.verdict is Verdict.PROVED and "nan" not in r.message and time.perf_counter() - t0 < 5
        assert r.stats["trajectory"]["max_abs_error_u2"] <= 1e-6 * float(target)


@pytest.mark.parametrize("err", [float("nan"), 1e-3])
def test_a15_a_disagreeing_or_overflowing_simulation_makes_it_inconclusive(monkeypatch, err):
    real = C15.trajectory_check
    monkeypatch.setattr(C15, "trajectory_check", lambda c, m: {**real(c, m), "max_abs_error_u2": err})
    r = _run(C15.ID_A15, C15._INSTANCES[0])
    assert r.verdict is Verdict.INCONCLUSIVE and "disagree" in r.message


def test_a15_rejects_a_malformed_particle_count():
    from proofs.errors import InvalidArgument

    for m in ("x", 0, 2.5):
        with pytest.raises(InvalidArgument):
            _run(C15.ID_A15, {"name": "t", "m": m})


def test_f10_refutation_states_its_assumptions():
    r = _run(C15.ID_F10, C15._INSTANCES[0])
    assert r.verdict is Verdict.REFUTED and r.assumptions == get_claim(C15.ID_F10).assumptions != ()


def test_no_user_visible_text_refers_to_a_catalogue():
    for cid in (SP.ID_A7, SP.ID_F4, A10.ID, SEP.ID_A13, SEP.ID_F7, C15.ID_A15, C15.ID_F5, C15.ID_F10):
        c = get_claim(cid)
        text = " ".join([c.label, c.source, c.statement, c.description, *c.assumptions])
        assert "catalog" not in text.lower(), cid
    for mod in (SP, SEP, C15, A10):
        assert "catalog" not in (mod.__doc__ or "").lower(), mod.__name__
