"""escset analyze (proofs/analyze/__init__.py): verdicts, sup|Psi| against independent brute force, location, near ties."""
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from proofs.analyze import analyze, exact_str
from proofs.problem.inverse_design import stationary_targets, teacher_targets, teacher_targets_exact
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model

MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
X7 = [["-1"], ["-0.3"], ["0.2"], ["0.7"], ["1.5"], ["2"], ["2.5"]]
X12 = [["-2"], ["-1.5"], ["-1"], ["-0.6"], ["-0.3"], ["0"], ["0.2"], ["0.45"], ["0.7"], ["1"], ["1.5"], ["2"]]


def _mp(v):
    q = Fraction(v)
    return mpmath.mpf(q.numerator) / q.denominator


def _residual_ref(sigma, X, Y, dps=40):
    """r_i = f_mu(x_i) - y_i typed by hand from the formula (independent of the code generator)."""
    with mpmath.workdps(dps):
        r = []
        for (x,), (y,) in zip(X, Y):
            x = _mp(x)
            f = sum(_mp(p) * _mp(a[0][0]) * sigma(_mp(u[0]) * x + _mp(u[1])) for p, a, u in zip(MU.mass, MU.a, MU.u))
            r.append(f - _mp(y))
        return r


def _close(a, b, digits=12):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return abs(a - b) <= mpmath.mpf(10) ** (-digits) * max(abs(b), mpmath.mpf("1e-300"))


def test_monotone_sigmoid_stationary_nonglobal_refuted_at_infinity_matches_threshold_brute_force():
    model = get_model("sigmoid", k=1, d=1)
    Y = stationary_targets(model, MU, X7, dps=40)["Y"]
    out = analyze(model, MU, Dataset(X=X7, Y=Y), dps=30)
    g = out["global_optimality"]
    assert out["stationary"] is True and mpmath.mpf(out["stationarity_residual"]) < mpmath.mpf("1e-25")
    assert g["verdict"] == "refuted" and g["attained"] == "infinity" and g["location_certified"]
    # brute force: every threshold set {x > c} and {x < c} of the sorted inputs (sigmoid limits 0 and 1)
    with mpmath.workdps(40):
        r = _residual_ref(lambda z: 1 / (1 + mpmath.exp(-z)), X7, Y)
        xs = [Fraction(x[0]) for x in X7]
        cuts = sorted(set(xs))
        best = mpmath.mpf(0)
        for c in [cuts[0] - 1] + cuts:
            for side in (1, -1):
                s = sum(ri for ri, x in zip(r, xs) if (x - c) * side > 0)
                best = max(best, abs(s) / len(xs))
    assert _close(g["sup_psi"], best, 20)
    # the witness is a strictly separating direction whose threshold set realises the value
    w, b = Fraction(g["witness"]["w"][0]), Fraction(g["witness"]["b"])
    H = [i for i, x in enumerate(xs) if w * x + b > 0]
    assert H == g["witness"]["threshold_set"] and all(w * x + b != 0 for x in xs)
    with mpmath.workdps(40):
        assert _close(abs(sum(r[i] for i in H)) / len(xs), best, 25)
    # the enclosure is certified on both sides and tight
    lo, hi = (mpmath.mpf(v) for v in g["sup_psi_enclosure"])
    assert lo <= best * (1 + mpmath.mpf("1e-25")) and hi >= best * (1 - mpmath.mpf("1e-25"))


def _bump_instance(seed):
    model = get_model("sigmoid", k=1, d=1, activation="exp(-z**2)")
    Y = stationary_targets(model, MU, X12, dps=40, seed=seed)["Y"]
    return model, Dataset(X=X12, Y=Y)


def _bump_brute_force(Y):
    """Interior sup of |Psi| for sigma = exp(-z^2) by a numpy grid then mpmath Newton, and the part at infinity."""
    r = _residual_ref(lambda z: mpmath.exp(-z * z), X12, Y)
    n = len(r)
    xs = np.array([float(Fraction(x[0])) for x in X12])
    rf = np.array([float(v) for v in r])
    W, B = np.meshgrid(np.linspace(-8, 8, 321), np.linspace(-8, 8, 321))
    P = sum(ri * np.exp(-(W * x + B) ** 2) for ri, x in zip(rf, xs)) / n
    k = np.unravel_index(np.argmax(np.abs(P)), P.shape)
    with mpmath.workdps(40):
        xm = [mpmath.mpf(Fraction(x[0]).numerator) / Fraction(x[0]).denominator for x in X12]

        def psi(w, b):
            return sum(ri * mpmath.exp(-(w * x + b) ** 2) for ri, x in zip(r, xm)) / n
        grad = lambda w, b: [mpmath.diff(lambda t: psi(t, b), w), mpmath.diff(lambda t: psi(w, t), b)]
        try:  # refine the grid maximiser when it is an interior critical point
            w, b = mpmath.findroot(lambda w, b: grad(w, b), (W[k], B[k]))
            interior = max(abs(psi(w, b)), mpmath.mpf(abs(P[k])))
        except ValueError:  # no critical point nearby: the grid value (a lower bound of the interior sup)
            interior = mpmath.mpf(abs(P[k]))
        # at infinity (alpha = beta = 0): one tie location carries any value in (0, 1]
        infinity = max(abs(sum(ri for ri, x in zip(r, xm) if x == x0)) for x0 in set(xm)) / n
    return interior, infinity


@pytest.mark.parametrize("seed,where", [(4, "interior"), (0, "infinity")])
def test_bump_activation_location_and_value_against_brute_force(seed, where):
    model, data = _bump_instance(seed)
    out = analyze(model, MU, data, dps=30)
    g = out["global_optimality"]
    interior, infinity = _bump_brute_force(data.Y)
    assert g["verdict"] == "refuted"
    assert g["attained"] == where
    if where == "interior":
        assert interior > infinity  # the instance is of the kind it claims to be (independent computation)
        assert _close(g["sup_psi"], interior, 12)
        assert g["location_certified"] is True  # interior value certified above every limit at infinity
    else:
        assert infinity > interior
        assert _close(g["sup_psi"], infinity, 20)
        assert g["witness"]["kind"] == "direction" and g["witness"]["tie_value"] in ("smax", "smin")


def test_certify_mode_gives_box_upper_bound_and_same_interior_answer():
    model, data = _bump_instance(4)
    out = analyze(model, MU, data, dps=20, certify=True, max_boxes=300, time_limit=10)
    g = out["global_optimality"]
    assert g["verdict"] == "refuted" and g["attained"] == "interior" and g["location_certified"]
    ub = mpmath.mpf(out["stats"]["sup_upper_on_box_and_infinity"])
    assert ub >= mpmath.mpf(g["sup_psi"]) * (1 - mpmath.mpf("1e-15"))
    rl = out["escaping_set"]["regular_level"]  # MATH.md §3.9 E2 on the box, reported honestly
    assert Fraction(rl["level"]) < 0 and rl["boxes"] > 0
    if rl["certified"] and rl["level_set_meets_box"]:
        assert mpmath.mpf(rl["beta_lower"]) > 0


def test_exact_teacher_is_proved():
    model = get_model("sigmoid", k=1, d=1)
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["0.5", "0.5"])
    Y = teacher_targets_exact(model, mu, X7)
    out = analyze(model, mu, Dataset(X=X7, Y=Y), dps=20)
    assert out["global_optimality"]["verdict"] == "proved"
    assert out["stationarity"]["exactly_zero"] is True and out["loss"].strip("0.") == ""


def test_near_tie_is_inconclusive_then_escalation_refutes():
    # targets = teacher outputs rounded to 45 digits: the residual is ~1e-45, invisible at 15 digits
    model = get_model("sigmoid", k=1, d=1)
    Y = teacher_targets(model, MU, X7, dps=45)
    data = Dataset(X=X7, Y=Y)
    low = analyze(model, MU, data, dps=15, max_dps=15)
    assert low["global_optimality"]["verdict"] == "inconclusive"
    assert "dps" in low["global_optimality"]["message"]
    high = analyze(model, MU, data, dps=15, max_dps=80)
    g = high["global_optimality"]
    assert g["verdict"] == "refuted" and high["stats"]["escalations"][-1] > 15
    assert mpmath.mpf(g["sup_psi"]) < mpmath.mpf("1e-40")  # the refutation is about the rounding, and says so


def test_vector_output_uses_euclidean_norm():
    model = get_model("sigmoid", k=2, d=1)
    mu = Measure(a=[[["1"], ["0.5"]], [["-0.5"], ["2"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
    Y = stationary_targets(model, mu, X12, dps=40)["Y"]
    out = analyze(model, mu, Dataset(X=X12, Y=Y), dps=30)
    g = out["global_optimality"]
    assert g["verdict"] == "refuted"
    psi = [mpmath.mpf(v) for v in g["witness"]["psi"]]
    assert _close(mpmath.sqrt(sum(v * v for v in psi)), g["sup_psi"], 20)


def test_attention_hardmax_lower_bound_and_interior():
    model = get_model("attention", k=1, p=2, L=2)
    mu = Measure(a=[[["1", "0"]]], u=[["0.5", "0", "0", "-0.5"]], mass=["1"])
    X = [["1", "0", "0", "1"], ["0", "1", "1", "0"], ["1", "1", "0.5", "-1"], ["-1", "0.5", "1", "1"]]
    Y = [["0.3"], ["-0.2"], ["0.1"], ["0.4"]]
    out = analyze(model, mu, Dataset(X=X, Y=Y), dps=20)
    g = out["global_optimality"]
    assert g["verdict"] == "refuted" and g["attained"] in ("interior", "infinity")
    assert g["location_certified"] is False  # hardmax limits are sampled, not enumerated


def test_exact_str_round_trips():
    for q in [Fraction(1, 3), Fraction(-5, 8), Fraction(10), Fraction(0), Fraction(7, 1250)]:
        assert Fraction(exact_str(q)) == q


def test_cli_analyze_json_contract(tmp_path, capsys):
    from proofs.cli import main

    model = get_model("sigmoid", k=1, d=1)
    Y = stationary_targets(model, MU, X7, dps=40)["Y"]
    (tmp_path / "D.json").write_text(json.dumps({"X": X7, "Y": Y}))
    (tmp_path / "MU.json").write_text(json.dumps({"a": [["1"], ["-0.5"]], "w": [["1"], ["-2"]], "b": ["0", "0.5"],
                                                  "mass": ["0.5", "0.5"]}))
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--model", "sigmoid", "--data", str(tmp_path / "D.json"), "--measure",
              str(tmp_path / "MU.json"), "--json"])
    assert e.value.code == 0
    obj = json.loads(capsys.readouterr().out)
    for key in ("loss", "stationarity_residual", "stationary", "global_optimality", "escaping_set", "precision"):
        assert key in obj
    g = obj["global_optimality"]
    assert g["verdict"] == "refuted" and g["attained"] == "infinity" and "witness" in g and "sup_psi" in g


@pytest.mark.parametrize("args,needle", [
    (["--model", "nope"], "valid are"),
    (["--dps", "3"], "dps"),
    (["--box-radius", "-1"], "box-radius"),
])
def test_cli_analyze_rejects_bad_input(tmp_path, capsys, args, needle):
    from proofs.cli import main

    (tmp_path / "D.json").write_text(json.dumps({"X": X7, "Y": [["0"]] * 7}))
    (tmp_path / "MU.json").write_text(json.dumps({"a": [["1"]], "w": [["1"]], "b": ["0"]}))
    base = {"--model": "sigmoid", "--data": str(tmp_path / "D.json"), "--measure": str(tmp_path / "MU.json")}
    for k in range(0, len(args), 2):
        base[args[k]] = args[k + 1]
    argv = ["analyze"] + [v for kv in base.items() for v in kv] + ["--json"]
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_plane_data_half_space_sup_dominates_finite_points_and_is_approached():
    # MATH.md §1b A.5 check: finite-u values never exceed the half-space maximum and approach it along the witness ray
    from numerics.highprec import psi_mp

    rng = np.random.default_rng(11)
    model = get_model("sigmoid", k=1, d=2)
    mu = Measure(a=[[["1"]]], u=[["0.5", "-1", "0.25"]], mass=["1"])
    X = [[str(round(v, 2)) for v in rng.uniform(-2, 2, size=2)] for _ in range(7)]
    Y = [[str(round(v, 2))] for v in rng.uniform(-1, 1, size=7)]
    data = Dataset(X=X, Y=Y)
    out = analyze(model, mu, data, dps=20)
    g = out["global_optimality"]
    S = mpmath.mpf(g["sup_psi"])
    assert g["verdict"] == "refuted" and g["attained"] == "infinity" and out["stats"]["hyperplanes_tried"] == 21
    for u in rng.normal(scale=5, size=(300, 3)):
        v = psi_mp(model, mu, data, [str(t) for t in u], dps=20)[0]
        assert abs(v) <= S * (1 + mpmath.mpf("1e-15"))
    w = [Fraction(t) for t in g["witness"]["w"]]
    b = Fraction(g["witness"]["b"])
    margin = min(abs(sum(wi * Fraction(xi) for wi, xi in zip(w, x)) + b) for x in X)
    t = 100 / margin  # every pre-activation beyond 100 in size: sigmoid within e^-100 of its limit
    far = psi_mp(model, mu, data, [str(t * wi) for wi in w] + [str(t * b)], dps=30)[0]
    assert abs(abs(far) - S) < mpmath.mpf("1e-18")


def test_high_dimension_uses_sampled_cuts_and_reports_coverage():
    from proofs.analyze import infinity as an

    rng = np.random.default_rng(5)
    model = get_model("sigmoid", k=1, d=4)
    mu = Measure(a=[[["1"]]], u=[["0.5", "-1", "0.25", "0", "0.1"]], mass=["1"])
    X = [[str(round(v, 2)) for v in rng.uniform(-2, 2, size=4)] for _ in range(9)]
    Y = [[str(round(v, 2))] for v in rng.uniform(-1, 1, size=9)]
    old = an.MAX_EXACT_HYPERPLANES
    try:
        an.MAX_EXACT_HYPERPLANES = 50  # force the sampled path (C(9, 4) = 126 hyperplanes)
        out = analyze(model, mu, Dataset(X=X, Y=Y), dps=20)
    finally:
        an.MAX_EXACT_HYPERPLANES = old
    g = out["global_optimality"]
    assert out["stats"]["hyperplanes_total"] == 126 and out["stats"]["hyperplanes_tried"] <= 50
    assert g["verdict"] == "refuted" and g["sup_psi_enclosure"][1] is None and not g["location_certified"]


def test_relu_lift_nonzero_psi_gives_infinite_gap_and_softplus_is_box_only():
    model = get_model("relu-lift", k=1, d=2)
    mu = Measure(a=[[["1"]], [["-1"]]], u=[["1", "0", "0.5"], ["0", "1", "-0.5"]], mass=["0.5", "0.5"])
    data = Dataset(X=[["1", "0.5"], ["-1", "2"], ["0.3", "-0.7"], ["2", "1"]], Y=[["0.3"], ["-0.2"], ["0.5"], ["0.1"]])
    g = analyze(model, mu, data, dps=20)["global_optimality"]
    assert g["verdict"] == "refuted" and g["sup_psi"] == "inf" and g["attained"] == "infinity"
    soft = get_model("sigmoid", k=1, d=1, activation="softplus")
    g = analyze(soft, Measure(a=[[["1"]]], u=[["1", "0"]], mass=["1"]),
                Dataset(X=[["-1"], ["0.5"], ["2"]], Y=[["0.1"], ["0.2"], ["-0.3"]]), dps=20)["global_optimality"]
    assert g["verdict"] == "refuted" and not g["location_certified"] and "box" in g["message"]


def test_certify_locates_bump_sup_at_infinity_on_the_compactified_line():
    model, data = _bump_instance(0)
    out = analyze(model, MU, data, dps=20, certify=True, max_boxes=500, time_limit=10)
    g = out["global_optimality"]
    interior, infinity = _bump_brute_force(data.Y)
    assert g["verdict"] == "refuted" and g["attained"] == "infinity" and g["location_certified"] is True
    lo, hi = (mpmath.mpf(v) for v in g["sup_psi_enclosure"])
    tol = mpmath.mpf(out["stats"]["location_tolerance"])
    assert lo <= infinity * (1 + mpmath.mpf("1e-18")) and infinity <= hi <= infinity + 2 * tol


def test_sampled_cut_witnesses_strictly_separate_their_threshold_set():
    from proofs.analyze import infinity as an

    rng = np.random.default_rng(9)
    model = get_model("sigmoid", k=1, d=3)
    mu = Measure(a=[[["1"]]], u=[["0.5", "-1", "0.25", "0"]], mass=["1"])
    X = [[str(round(v, 1)) for v in rng.uniform(-2, 2, size=3)] for _ in range(8)]
    Y = [[str(round(v, 2))] for v in rng.uniform(-1, 1, size=8)]
    old = an.MAX_EXACT_HYPERPLANES
    try:
        an.MAX_EXACT_HYPERPLANES = 20
        g = analyze(model, mu, Dataset(X=X, Y=Y), dps=20)["global_optimality"]
    finally:
        an.MAX_EXACT_HYPERPLANES = old
    w = g["witness"]
    if w["kind"] == "direction":
        s = [sum(Fraction(a) * Fraction(x) for a, x in zip(w["w"], row)) + Fraction(w["b"]) for row in X]
        assert all(t != 0 for t in s) and [i for i, t in enumerate(s) if t > 0] == w["threshold_set"]


def test_exact_teacher_with_non_dyadic_masses_is_proved_in_rational_arithmetic():
    # masses 1/3, 2/3 are not exact balls, so the ball residual only contains 0; the sympy check decides exactly
    model = get_model("sigmoid", k=1, d=1)
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["0", "0"], ["0", "0"]], mass=["1/3", "2/3"])
    Y = teacher_targets_exact(model, mu, X7)
    out = analyze(model, mu, Dataset(X=X7, Y=Y), dps=20, max_dps=20)
    assert out["global_optimality"]["verdict"] == "proved" and out["stats"]["exact_residual_check"] is True
    Y2 = [row[:] for row in Y]
    Y2[3] = [str(Fraction(Y2[3][0]) + Fraction(1, 10**60))]  # below every working precision used here
    out = analyze(model, mu, Dataset(X=X7, Y=Y2), dps=20, max_dps=20)
    assert out["global_optimality"]["verdict"] == "inconclusive"


def test_certify_plane_bump_locates_sup_at_infinity_and_bounds_all_finite_points():
    from numerics.highprec import psi_mp

    model = get_model("sigmoid", k=1, d=2, activation="exp(-z**2)")
    mu = Measure(a=[[["1"]]], u=[["1", "-0.5", "0.25"]], mass=["1"])
    rng = np.random.default_rng(2)
    X = [[str(round(v, 1)) for v in rng.uniform(-2, 2, size=2)] for _ in range(8)]
    data = Dataset(X=X, Y=stationary_targets(model, mu, X, dps=30, seed=2)["Y"])
    out = analyze(model, mu, data, dps=20, certify=True, max_boxes=1000, time_limit=15)
    g = out["global_optimality"]
    assert g["verdict"] == "refuted" and g["attained"] == "infinity" and g["location_certified"]
    hi = mpmath.mpf(g["sup_psi_enclosure"][1])
    for u in rng.normal(scale=4, size=(200, 3)):  # no finite point beats the certified global upper bound
        assert abs(psi_mp(model, mu, data, [str(t) for t in u], dps=20)[0]) <= hi
