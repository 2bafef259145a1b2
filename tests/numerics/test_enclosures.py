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
