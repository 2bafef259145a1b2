"""Escaping-set construction and diagnostics (proofs/analyze/escaping.py, the escaping_set block of analyze):
min h against a threshold brute force, the certified level and point of K replayed in mpmath, the certified ray
bound against mpmath values along the ray, the robustness radius, honest notes when a certificate does not finish."""
import json
from fractions import Fraction

import mpmath
import pytest

from proofs.analyze import analyze
from proofs.analyze.escaping import escaping_set, robustness_radius
from proofs.errors import InvalidArgument
from proofs.problem.inverse_design import stationary_targets, teacher_targets_exact
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model

MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
X7 = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]


def _mp(v):
    q = Fraction(str(v))
    return mpmath.mpf(q.numerator) / q.denominator


@pytest.fixture(scope="module")
def inst():
    model = get_model("sigmoid", k=1, d=1)
    Y = stationary_targets(model, MU, X7, dps=40)["Y"]
    data = Dataset(X=X7, Y=Y)
    with mpmath.workdps(50):
        r = []
        for (x,), (y,) in zip(X7, Y):
            f = sum(_mp(p) * _mp(a[0][0]) / (1 + mpmath.exp(-(_mp(u[0]) * _mp(x) + _mp(u[1]))))
                    for p, a, u in zip(MU.mass, MU.a, MU.u))
            r.append(f - _mp(y))
    return model, data, r, escaping_set(model, MU, data, time_limit=20)


def _h_ref(r, a, u):
    """h = a (1/n) sum_i r_i s(w x_i + b) and its gradient, typed from the formula (mpmath, 50 digits)."""
    with mpmath.workdps(50):
        n = len(r)
        h, gw, gb = mpmath.mpf(0), mpmath.mpf(0), mpmath.mpf(0)
        for (x,), ri in zip(X7, r):
            s = 1 / (1 + mpmath.exp(-(u[0] * _mp(x) + u[1])))
            h += a * ri * s / n
            gw += a * ri * s * (1 - s) * _mp(x) / n
            gb += a * ri * s * (1 - s) / n
        return h, mpmath.sqrt(gw ** 2 + gb ** 2)


def test_min_h_matches_threshold_brute_force_and_location_at_infinity(inst):
    model, data, r, e = inst
    xs = sorted({Fraction(x[0]) for x in X7})
    with mpmath.workdps(50):
        best = max(abs(sum(ri for ri, x in zip(r, X7) if (Fraction(x[0]) - c) * side > 0)) / len(r)
                   for c in [xs[0] - 1] + xs for side in (1, -1))
    lo, hi = (_mp(v) for v in e.min_h_enclosure)
    assert lo <= -best * (1 - mpmath.mpf("1e-25")) and -best * (1 + mpmath.mpf("1e-25")) <= hi
    assert e.nonempty and e.location == "infinity" and e.location_certified and e.scope == "instance"
    assert json.loads(e.to_json())["min_h"] == e.min_h


def test_level_point_of_K_and_beta_replayed_in_mpmath(inst):
    model, data, r, e = inst
    rl, K = e.regular_level, e.compact_part
    assert rl["certified"] and rl["status"] == "certified" and rl["level_set_meets_box"]
    a = _mp(rl["a_hat_exact"][0])
    level, beta = _mp(rl["level"]), _mp(rl["beta_lower"])
    hK, _ = _h_ref(r, a, [_mp(v) for v in K["u"]])
    assert hK <= _mp(K["h_upper"]) < level < 0
    # beta is below |grad h| at level-set points (bisection on segments from the point of K outwards, mpmath)
    uK = [_mp(v) for v in K["u"]]
    hits = 0
    for far in ([8, 8], [-8, 8], [8, -8], [-8, -8], [0, 8], [8, 0], [0, -8], [-8, 0]):
        far = [mpmath.mpf(v) for v in far]
        if _h_ref(r, a, far)[0] <= level:
            continue
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(80):
            mid = (lo + hi) / 2
            pt = [uK[i] + mid * (far[i] - uK[i]) for i in range(2)]
            lo, hi = (mid, hi) if _h_ref(r, a, pt)[0] < level else (lo, mid)
        g = _h_ref(r, a, [uK[i] + lo * (far[i] - uK[i]) for i in range(2)])[1]
        assert g >= beta
        hits += 1
    assert hits >= 2
    rob = e.robustness
    assert rob["sup_perturbation_of_grad_h_below"] == rl["beta_lower"]
    assert Fraction(rob["sup_perturbation_of_h_below"]) == -Fraction(rl["level"])


def test_certified_ray_bound_holds_against_mpmath_along_the_ray(inst):
    model, data, r, e = inst
    rays = e.rays
    cb = rays["certified_bound"]
    with mpmath.workdps(50):
        v = [_mp(c) for c in rays["direction"]]
        lam, C, C0 = _mp(cb["rate"]), _mp(cb["C_grad"]), _mp(cb["C_value"])
        a = _mp(e.regular_level["a_hat_exact"][0])
        lim = _mp(rays["limit"][0]) * a
        # the rate is min_i |v . (x_i, 1)|, recomputed here
        assert abs(lam - min(abs(v[0] * _mp(x[0]) + v[1]) for x in X7)) < mpmath.mpf("1e-40")
        for t in (1, 3, 10, 30, 100, 300):
            h, g = _h_ref(r, a, [t * v[0], t * v[1]])
            assert g <= C * mpmath.exp(-lam * t) and abs(h - lim) <= C0 * mpmath.exp(-lam * t)
    assert rays["fitted_decay_rate"] > 0


def test_robustness_radius_and_bad_levels():
    out = robustness_radius(Fraction(1, 8), Fraction(1, 1000))
    assert out["sup_perturbation_of_h_below"] == "0.125" and out["sup_perturbation_of_grad_h_below"] == "0.001"
    assert robustness_radius("0.1", None)["sup_perturbation_of_grad_h_below"] is None
    with pytest.raises(InvalidArgument):
        robustness_radius(0, "0.1")


def test_bad_level_and_missing_data_raise_one_line(inst):
    model, data, r, e = inst
    with pytest.raises(InvalidArgument):
        escaping_set(model, MU, None)
    with pytest.raises(InvalidArgument):
        escaping_set(model, MU, data, level="0.01", time_limit=5)
    with pytest.raises(InvalidArgument):
        escaping_set(model, MU, data, level="-5", time_limit=5)


def test_global_minimiser_has_empty_escaping_set():
    model = get_model("sigmoid", k=1, d=1)
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    e = escaping_set(model, mu, Dataset(X=X7, Y=teacher_targets_exact(model, mu, X7)), time_limit=5)
    assert not e.nonempty and e.regular_level is None and e.optimality_verdict == "proved"


def test_vector_output_escaping_set_certified():
    model = get_model("sigmoid", k=2, d=1)
    mu = Measure(a=[[["1"], ["0.5"]], [["-0.5"], ["1"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
    X = X7 + [["3"], ["-2"], ["0.45"], ["1.1"]]
    e = escaping_set(model, mu, Dataset(X=X, Y=stationary_targets(model, mu, X, dps=40)["Y"]), time_limit=20)
    assert e.nonempty and len(e.a_hat) == 2 and e.regular_level["certified"]
    assert Fraction(e.regular_level["beta_lower"]) > 0 and "fixed a_hat" in e.robustness["holds_on"]


def test_analyze_block_keeps_old_keys_and_is_honest_when_the_certificate_does_not_finish():
    """Backwards-compatible keys, the new ones with --certify; a non-monotone ridge activation certifies through the
    per-cell tables; a non-ridge model (attention) with a tiny box budget gives status inconclusive, no beta, and a
    note that never begins with 'certified'."""
    model = get_model("sigmoid", k=1, d=1)
    out = analyze(model, MU, Dataset(X=X7, Y=stationary_targets(model, MU, X7, dps=40)["Y"]), certify=True,
                  time_limit=20)
    esc = out["escaping_set"]
    for key in ("nonempty", "epsilon_sup", "a_hat", "note", "regular_level", "min_h", "rays", "robustness"):
        assert key in esc
    bump = get_model("sigmoid", k=1, d=1, activation="exp(-z**2)")
    X12 = [["-2"], ["-1.5"], ["-1"], ["-0.6"], ["-0.3"], ["0"], ["0.2"], ["0.45"], ["0.7"], ["1"], ["1.5"], ["2"]]
    data = Dataset(X=X12, Y=stationary_targets(bump, MU, X12, dps=40, seed=4)["Y"])
    rl = analyze(bump, MU, data, dps=20, certify=True, max_boxes=40, time_limit=10)["escaping_set"]["regular_level"]
    assert rl["certified"] and "per-cell" in rl["method"]  # a non-monotone ridge activation: the fast path
    att = get_model("attention", k=1, p=2, L=2)
    mu_a = Measure(a=[[["1", "0"]]], u=[["0.5", "0", "0", "-0.5"]], mass=["1"])
    Xa = [["1", "0", "0", "1"], ["0", "1", "1", "0"], ["1", "1", "0.5", "-1"], ["-1", "0.5", "1", "1"]]
    rl = analyze(att, mu_a, Dataset(X=Xa, Y=[["0.3"], ["-0.2"], ["0.1"], ["0.4"]]), dps=20, certify=True,
                 max_boxes=40, time_limit=10)["escaping_set"]["regular_level"]
    assert rl["certified"] is False and rl["status"] == "inconclusive" and rl["beta_lower"] is None
    assert rl["note"].startswith("inconclusive") and not rl["note"].startswith("certified")


def _a7_instance():
    """The 40-point, 3-d A7-type instance: x ~ N(0, I) (3 decimals, seed 0), y = sin(2 x1) + x2 x3 / 2 centred,
    all mass at (w, theta) = (0, 0): stationary, not optimal; p_u = 4."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = np.round(rng.standard_normal((40, 3)), 3)
    y = np.round(np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] * X[:, 2], 6)
    y = np.round(y - y.mean(), 6)
    Ys = [Fraction(repr(float(v))) for v in y]
    Ys[-1] -= sum(Ys)  # exactly centred
    mu = Measure(a=[[["0"]]], u=[["0", "0", "0", "0"]], mass=["1"])
    return get_model("sigmoid", k=1, d=3), mu, Dataset(X=[[repr(float(v)) for v in row] for row in X],
                                                       Y=[[str(v)] for v in Ys])


@pytest.mark.slow
def test_forty_point_instance_beta_certified_at_pu4_within_a_minute():
    import time

    model, mu, data = _a7_instance()
    t0 = time.perf_counter()
    out = analyze(model, mu, data, certify=True, time_limit=60)
    secs = time.perf_counter() - t0
    rl = out["escaping_set"]["regular_level"]
    assert out["stationary"] and out["global_optimality"]["verdict"] == "refuted"
    assert rl["certified"] and Fraction(rl["beta_lower"]) > 0 and rl["box"] == ["-8", "8"]
    assert secs < 60, secs


def test_attention_certify_enumerates_argmax_faces():
    model = get_model("attention", k=1, p=2, L=2)
    mu = Measure(a=[[["1", "0"]]], u=[["0.5", "0", "0", "-0.5"]], mass=["1"])
    X = [["1", "0", "0", "1"], ["0", "1", "1", "0"], ["1", "1", "0.5", "-1"], ["-1", "0.5", "1", "1"]]
    data = Dataset(X=X, Y=[["0.3"], ["-0.2"], ["0.1"], ["0.4"]])
    out = analyze(model, mu, data, dps=20, certify=True, max_boxes=100, time_limit=10)
    st = out["stats"]
    assert st["argmax_cells"] > 0 and st["argmax_cells_complete"] is True
    assert out["global_optimality"]["verdict"] == "refuted"
    e = escaping_set(model, mu, data, analysis=out, certify=False)
    lim = e.attention_limits
    assert lim["status"] == "faces enumerated" and lim["faces"] == st["argmax_faces"] >= st["argmax_cells"]
    assert "lower bound of S(mu)" in lim["note"] and lim["rays_sup_enclosure"] == st["rays_sup_enclosure"]
    # the open cells alone never exceed the supremum over all faces
    assert Fraction(lim["rays_sup_open_cells_only"]) <= Fraction(lim["rays_sup_enclosure"][1])


def test_cli_analyze_certify_prints_and_emits_the_escaping_set(tmp_path, capsys):
    from proofs.cli import main

    model = get_model("sigmoid", k=1, d=1)
    Y = stationary_targets(model, MU, X7, dps=40)["Y"]
    (tmp_path / "D.json").write_text(json.dumps({"X": X7, "Y": Y}))
    (tmp_path / "MU.json").write_text(json.dumps({"a": [["1"], ["-0.5"]], "w": [["1"], ["-2"]], "b": ["0", "0.5"],
                                                  "mass": ["0.5", "0.5"]}))
    args = ["analyze", "--model", "sigmoid", "--data", str(tmp_path / "D.json"), "--measure",
            str(tmp_path / "MU.json"), "--certify", "--box-radius", "32"]
    with pytest.raises(SystemExit) as e:
        main(args + ["--json"])
    assert e.value.code == 0
    esc = json.loads(capsys.readouterr().out)["escaping_set"]
    assert esc["regular_level"]["box"] == ["-32", "32"] and esc["regular_level"]["status"] == "certified"
    assert esc["regular_level"]["level_set_meets_box"] and Fraction(esc["regular_level"]["beta_lower"]) > 0
    assert Fraction(esc["robustness"]["sup_perturbation_of_grad_h_below"]) == Fraction(esc["regular_level"]["beta_lower"])
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr().out
    assert e.value.code == 0 and "escaping set: non-empty" in out and "certified" in out and "exp(-" in out
