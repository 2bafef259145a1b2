"""Ball enclosures of Psi (numerics/certified/enclosures.py): containment against an independent mpmath formula, width,
certified sup on a box against a dense grid, and the E2 regular-level certificate."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb

from numerics.certified.bnb import ball_of, point_ball
from numerics.certified.enclosures import PsiEnclosure, certify_regular_level, sup_abs_psi_box
from numerics.certified.precision import arb_prec
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.models import get_model

MU = Measure(a=[[["1"], ["0.5"]], [["-0.5"], ["2"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
DATA = Dataset(X=[["-1"], ["0.2"], ["1.5"], ["2"]], Y=[["0.3", "0"], ["-0.1", "1"], ["0.4", "0.25"], ["0.2", "-1"]])


def _q(v):
    q = Fraction(v)
    return mpmath.mpf(q.numerator) / q.denominator


def _psi_ref(w, b):
    """Psi by hand for the k=2 tanh network: (1/n) sum_i r_i tanh(w x_i + b) (independent of codegen); at the
    caller's mpmath precision."""
    n = len(DATA.X)
    out = [mpmath.mpf(0), mpmath.mpf(0)]
    for (x,), y in zip(DATA.X, DATA.Y):
        x = _q(x)
        f = [sum(_q(p) * _q(a[c][0]) * mpmath.tanh(_q(u[0]) * x + _q(u[1]))
                 for p, a, u in zip(MU.mass, MU.a, MU.u)) for c in range(2)]
        r = [f[c] - _q(y[c]) for c in range(2)]
        for c in range(2):
            out[c] += r[c] * mpmath.tanh(w * x + b)
    return [v / n for v in out]


@pytest.fixture(scope="module")
def enc():
    return PsiEnclosure(get_model("sigmoid", k=2, d=1, activation="tanh"), MU, DATA)


def test_point_enclosure_contains_reference_and_is_narrow(enc):
    for w, b in [("0.3", "-1"), ("2", "0.25"), ("-1.5", "3")]:
        balls = enc.psi([point_ball(w), point_ball(b)])
        with mpmath.workdps(50):
            ref = _psi_ref(_q(w), _q(b))
        for ball, v in zip(balls, ref):
            assert ball.lower() - 1e-30 <= arb(mpmath.nstr(v, 40)) <= ball.upper() + 1e-30
            assert ball.rad() < 1e-14


def test_box_enclosure_contains_sampled_values(enc):
    box = [("0.5", "0.75"), ("-0.25", "0")]
    balls = enc.psi([ball_of(*box[0]), ball_of(*box[1])])
    rng = np.random.default_rng(0)
    for _ in range(25):
        w = Fraction(str(rng.uniform(0.5, 0.75)))
        b = Fraction(str(rng.uniform(-0.25, 0)))
        with mpmath.workdps(50):
            ref = _psi_ref(_q(w), _q(b))
        for ball, v in zip(balls, ref):
            assert ball.lower() <= arb(mpmath.nstr(v, 30)) <= ball.upper()
    # width: a box of side 1/4 gives an enclosure of width O(1/4 * Lipschitz), not a trivial one
    assert all(ball.rad() < 0.5 for ball in balls)


def test_gradient_enclosure_matches_finite_differences(enc):
    J = enc.dpsi([point_ball("0.7"), point_ball("-0.3")])
    with mpmath.workdps(50):
        w, b = mpmath.mpf("0.7"), mpmath.mpf("-0.3")
        for c in range(2):
            dw = mpmath.diff(lambda t: _psi_ref(t, b)[c], w)
            db = mpmath.diff(lambda t: _psi_ref(w, t)[c], b)
            assert abs(J[c][0].mid() - arb(mpmath.nstr(dw, 30))) < 1e-13
            assert abs(J[c][1].mid() - arb(mpmath.nstr(db, 30))) < 1e-13


def test_sup_on_box_brackets_dense_grid(enc):
    box = [(-2, 2), (-2, 2)]
    res = sup_abs_psi_box(enc, box, tol="1e-8", max_boxes=4000)
    W, B = np.meshgrid(np.linspace(-2, 2, 81), np.linspace(-2, 2, 81))
    grid = 0.0
    for w, b in zip(W.ravel()[::7], B.ravel()[::7]):
        with mpmath.workdps(30):
            v = _psi_ref(mpmath.mpf(float(w)), mpmath.mpf(float(b)))
        grid = max(grid, float(mpmath.sqrt(v[0] ** 2 + v[1] ** 2)))
    assert res["upper"] >= grid - 1e-15 and res["lower"].lower() <= res["upper"]
    assert res["upper"] - res["lower"].lower() < 1e-6  # certified bracket is tight
    assert float(res["lower"].mid()) >= grid - 1e-3  # and the grid is not better than the certified point


def test_regular_level_certified_on_circle_and_refused_at_saddle():
    # h = u1^2 + u2^2: on the level 1 the gradient has norm 2 (certified beta close to 2)
    h = lambda u: u[0] * u[0] + u[1] * u[1]
    gh = lambda u: [2 * u[0], 2 * u[1]]
    c = certify_regular_level(h, gh, [(-2, 2), (-2, 2)], 1, max_boxes=20000)
    assert c.certified and c.beta_lower is not None and 0 < c.beta_lower <= 2
    sharp = certify_regular_level(h, gh, [(-2, 2), (-2, 2)], 1, max_boxes=50000, beta_target="1.9",
                                  min_width="1e-4")
    assert sharp.certified and 1.9 <= sharp.beta_lower <= 2 and sharp.boxes > c.boxes
    # level 0 of u1^2 - u2^2 passes through the critical point 0: never certified
    h2 = lambda u: u[0] * u[0] - u[1] * u[1]
    gh2 = lambda u: [2 * u[0], -2 * u[1]]
    c2 = certify_regular_level(h2, gh2, [(-1, 1), (-1, 1)], 0, max_boxes=3000, min_width="1e-3")
    assert not c2.certified and c2.unresolved and c2.beta_lower is None
    # a level the function never reaches on the box: certified, empty
    c3 = certify_regular_level(h, gh, [(-1, 1), (-1, 1)], 5)
    assert c3.certified and c3.level_set_empty


def test_regular_level_of_psi_h_function(enc):
    with arb_prec(80):
        h, gh = enc.h(["1", "0"])
        # pick a level between the values of h at two points and certify (or honestly fail) on a small box
        v1 = h([point_ball("0.5"), point_ball("0")])
        v2 = h([point_ball("1"), point_ball("0")])
        level = Fraction(str(float(((v1 + v2) / 2).mid())))
        c = certify_regular_level(h, gh, [("0.5", "1"), ("-0.1", "0.1")], level, max_boxes=5000)
        assert c.certified and not c.level_set_empty and c.beta_lower > 0


# ------------------------------------------------------------------ vectorised ridge-sum level certificate (levelset)
from numerics.certified import levelset as ls  # noqa: E402
from proofs.analyze import levelset_tables as lt  # noqa: E402


def _ridge(X, c, scale=1):
    """A RidgeSum over exactly representable data: h(u) = sum_i c_i sigma(scale * (x_i, 1) . u)."""
    xt = np.array([[float(v) * scale for v in x] + [float(scale)] for x in X])
    cc = np.array([float(v) for v in c])
    return ls.RidgeSum(xlo=xt, xhi=xt.copy(), clo=cc, chi=cc.copy())


def _h_mp(X, c, u):
    """h and grad h in mpmath (60 digits), typed from the formula: an independent reference."""
    with mpmath.workdps(60):
        h = mpmath.mpf(0)
        g = [mpmath.mpf(0)] * (len(X[0]) + 1)
        for x, ci in zip(X, c):
            xt = [mpmath.mpf(v) for v in x] + [mpmath.mpf(1)]
            z = sum(a * mpmath.mpf(b) for a, b in zip(xt, u))
            s = 1 / (1 + mpmath.exp(-z))
            h += mpmath.mpf(ci) * s
            g = [gj + mpmath.mpf(ci) * s * (1 - s) * xj for gj, xj in zip(g, xt)]
        return h, g


RX = [[-1.0], [-0.25], [0.5], [1.25], [2.0]]
RC = [0.3, -0.5, 0.25, -0.125, 0.2]


def test_ridge_enclosures_contain_mpmath_values_and_gradient_bound_holds():
    """Random dyadic boxes: h's centred/natural enclosure holds every sampled value (mpmath), and on resolved boxes
    |grad h| >= bound at every sample (the first-order directional bound is a real lower bound)."""
    rs = _ridge(RX, RC)
    rng = np.random.default_rng(3)
    C = np.round(rng.uniform(-6, 6, size=(300, 2)) * 64) / 64
    Rh = 2.0 ** rng.integers(-7, 1, size=(300, 2))
    for lev in (-0.05, 0.0, 0.1):
        ex, res, bound, _, _ = rs.evaluate(C, Rh, lev)
        assert res.any() and ex.any()
        for j in range(0, 300, 7):
            for _ in range(4):
                u = C[j] + Rh[j] * rng.uniform(-1, 1, size=2)
                h, g = _h_mp(RX, RC, u)
                if ex[j]:  # excluded boxes hold no point at the level: h - lev has one sign on the box
                    hc, _ = _h_mp(RX, RC, C[j])
                    assert (h - lev) * (hc - lev) > 0
                if res[j]:
                    assert mpmath.sqrt(sum(v * v for v in g)) >= bound[j] * (1 - 1e-12)
    # the interval pieces themselves: sigma, sigma' and sigma'' ranges contain sampled values
    zlo = np.concatenate([rng.uniform(-60, 60, 490), [-2.0, -1.5, 0.5, 1.0, 1.25, -0.5, -3, 0, 2, -1.4]])
    zhi = np.concatenate([zlo[:490] + rng.uniform(0, 3, 490), [-1.0, -1.2, 2.0, 1.5, 1.4, 0.5, 3, 0.1, 2.5, -1.3]])
    slo, shi = ls.sigma_interval(zlo, zhi)
    dlo, dhi = ls.dsigma_from_s(slo, shi)
    qlo, qhi = ls.d2sigma_from_s(slo, shi)
    pick = list(range(0, 490, 10)) + list(range(490, 500))  # a sample, and intervals around the extremes of sigma''
    for a, b, s0, s1, d0, d1, q0, q1 in zip(zlo[pick], zhi[pick], slo[pick], shi[pick], dlo[pick], dhi[pick],
                                            qlo[pick], qhi[pick]):
        for z in np.linspace(a, b, 7):
            with mpmath.workdps(40):
                s = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
                assert s0 <= s <= s1 and d0 <= s * (1 - s) <= d1 and q0 <= s * (1 - s) * (1 - 2 * s) <= q1


def test_ridge_level_certified_with_beta_below_sampled_minimum():
    """The certified beta is a lower bound of |grad h| at level-set points found by mpmath bisection on segments."""
    rs = _ridge(RX, RC)
    c = ls.certify_ridge_level(rs, Fraction(-1, 16), 4, time_limit=20)
    assert c.certified and not c.level_set_empty and c.beta_lower > 0 and c.box == [[-4.0, 4.0]] * 2
    rng = np.random.default_rng(0)
    found = 0
    for _ in range(40):
        a, b = np.array([-4.0, 1.1]), rng.uniform(-4, 4, 2)  # from near the minimum of h (-0.077) outwards
        ha, hb = _h_mp(RX, RC, a)[0] + mpmath.mpf(1) / 16, _h_mp(RX, RC, b)[0] + mpmath.mpf(1) / 16
        if ha * hb >= 0:
            continue
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(60):
            mid = (lo + hi) / 2
            hm = _h_mp(RX, RC, [a[i] + float(mid) * (b[i] - a[i]) for i in range(2)])[0] + mpmath.mpf(1) / 16
            lo, hi = (mid, hi) if hm * ha > 0 else (lo, mid)
        u = [a[i] + float(lo) * (b[i] - a[i]) for i in range(2)]
        g = _h_mp(RX, RC, u)[1]
        assert mpmath.sqrt(sum(v * v for v in g)) >= c.beta_lower
        found += 1
    assert found > 5
    sharp = ls.certify_ridge_level(rs, Fraction(-1, 16), 4, time_limit=20, beta_target=1.0)
    assert sharp.certified and sharp.beta_lower >= c.beta_lower


def test_ridge_level_refused_on_a_critical_line_and_when_the_budget_runs_out():
    """h = s(w + b) + s(b - w) - 2 s(b) has grad h = 0 on the line w = 0, where h = 0: the level 0 is critical and
    must never be certified; a budget too small for a regular level gives certified=False and no bound."""
    rs = _ridge([[1.0], [-1.0], [0.0]], [1.0, 1.0, -2.0])
    c = ls.certify_ridge_level(rs, 0, 2, time_limit=10, min_width=2.0 ** -8)
    assert not c.certified and c.beta_lower is None and c.unresolved > 0
    c2 = ls.certify_ridge_level(_ridge(RX, RC), Fraction(-1, 16), 4, max_boxes=50)
    assert not c2.certified and c2.beta_lower is None and "budget" in c2.stopped
    # a level outside the range of h: the level set misses the box, certified as such
    c3 = ls.certify_ridge_level(_ridge(RX, RC), 5, 4)
    assert c3.certified and c3.level_set_empty and c3.beta_lower is None


def test_ridge_sum_from_problem_matches_ball_h_for_sigmoid_and_tanh():
    """The float-interval ridge sum encloses the python-flint h = <a_hat, Psi> of the model (same layout), for the
    logistic sigmoid and tanh (tanh z = 2 sigma(2z) - 1), and declines a non-ridge activation."""
    data = Dataset(X=[["-1"], ["0.2"], ["1.5"], ["2"]], Y=[["0.3"], ["-0.1"], ["0.4"], ["0.2"]])
    mu = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
    for act in (None, "tanh"):
        model = get_model("sigmoid", k=1, d=1, activation=act)
        enc = PsiEnclosure(model, mu, data)
        rs = lt.ridge_sum_from_problem(model, data, enc.r, [Fraction(1)])
        assert rs is not None
        h, _ = enc.h([1])
        for u in ([0.5, -0.25], [3.0, 1.0], [-2.0, 0.75]):
            C = np.array([u])
            ex, _, _, _, hc = rs.evaluate(C, np.full((1, 2), 2.0 ** -30), float(h([point_ball(Fraction(v)) for v in u]).mid()) + 1.0)
            assert ex[0]  # a level 1 above h(u) is excluded on a tiny box around u
            assert abs(hc[0] - float(h([point_ball(Fraction(v)) for v in u]).mid())) < 1e-3
    # exp(-z**2) now has per-cell ball tables (rs.table); relu is not C^1 and is declined
    bump = get_model("sigmoid", k=1, d=1, activation="exp(-z**2)")
    assert lt.ridge_sum_from_problem(bump, data, PsiEnclosure(bump, mu, data).r, [1]).table is not None
    relu = get_model("sigmoid", k=1, d=1, activation="relu")
    assert lt.ridge_sum_from_problem(relu, data, PsiEnclosure(relu, mu, data).r, [1]) is None
