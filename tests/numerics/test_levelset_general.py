"""The regular-level certificate of numerics/certified/levelset.py for any C^1 activation (per-cell ball tables,
built from an activation by proofs/analyze/levelset_tables.py):
cell enclosures against hand-typed mpmath formulas (monotone and non-monotone activations, tails), the certified beta
against level-set points found by mpmath bisection along lines, planted critical levels that must not certify, the
logistic fast path against the general path, the model layout and the analyze wiring, bad input."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from numerics.certified import levelset as ls
from proofs.analyze import levelset_tables as lt
from numerics.certified.bnb import point_ball
from numerics.certified.enclosures import PsiEnclosure
from numerics.errors import InvalidArgument
from proofs.problem.measure import Dataset, Measure
from proofs.symbolic.activations import Activation, Bound, get_activation
from proofs.symbolic.models import get_model

SQPI = mpmath.sqrt(mpmath.pi)

# hand-typed sigma, sigma', sigma'' (mpmath): the independent reference
REF = {
    "erf": (mpmath.erf, lambda z: 2 / SQPI * mpmath.exp(-z * z), lambda z: -4 * z / SQPI * mpmath.exp(-z * z)),
    "exp(-z**2)": (lambda z: mpmath.exp(-z * z), lambda z: -2 * z * mpmath.exp(-z * z),
                   lambda z: (4 * z * z - 2) * mpmath.exp(-z * z)),
    "atan(z)": (mpmath.atan, lambda z: 1 / (1 + z * z), lambda z: -2 * z / (1 + z * z) ** 2),
    "z/(1+abs(z))": (lambda z: z / (1 + abs(z)), lambda z: 1 / (1 + abs(z)) ** 2,
                     lambda z: -2 * mpmath.sign(z) / (1 + abs(z)) ** 3),
    "cubic-step": (lambda z: 0 if z <= -0.5 else 4 * (z + 0.5) ** 3 if z <= 0 else 1 - 4 * (0.5 - z) ** 3 if z < 0.5
                   else 1,
                   lambda z: 0 if abs(z) >= 0.5 else 12 * (z + 0.5) ** 2 if z <= 0 else 12 * (0.5 - z) ** 2,
                   lambda z: 0 if abs(z) >= 0.5 else 24 * z + 12 if z <= 0 else 24 * z - 12),
}

_SMALL = {}


def small_table(name):
    """A coarse table (same code path as the default one, fewer cells: fast to build in a test)."""
    if name not in _SMALL:
        _SMALL[name] = lt.build_cell_table(get_activation(name), zmax=8.0, delta=2.0 ** -5, zfar=2.0 ** 10)
    return _SMALL[name]


def _contains(tab, name, zlo, zhi, per=5):
    enc = tab.enclose(zlo, zhi)
    f = REF[name]
    for i in range(len(zlo)):
        for z in np.linspace(zlo[i], zhi[i], per):
            with mpmath.workdps(40):
                zz = mpmath.mpf(float(z))
                for j in range(3):
                    if name == "z/(1+abs(z))" and j == 2 and zz == 0:
                        continue  # a kink of sigma': sigma'' has the one-sided values +-2 there, both enclosed below
                    v = f[j](zz)
                    assert enc[j][0][i] <= v <= enc[j][1][i], (name, j, float(z), enc[j][0][i], enc[j][1][i])


@pytest.mark.parametrize("name", list(REF))
def test_cell_enclosures_contain_mpmath_values(name):
    """Random intervals (narrow and wide, inside the uniform grid, in the geometric tail and beyond Z_far): every
    sampled value of sigma, sigma', sigma'' lies in the enclosure."""
    tab = small_table(name)
    rng = np.random.default_rng(7)
    zlo = np.concatenate([rng.uniform(-10, 10, 60), rng.uniform(-2000, 2000, 20), [-0.5, 0.0, -1e-9, 1200.0, -5e5]])
    w = np.concatenate([rng.exponential(0.3, 60), rng.exponential(50, 20), [1.0, 0.0, 2e-9, 1e6, 1.0]])
    _contains(tab, name, zlo, zlo + w)


def test_non_monotone_enclosure_covers_the_interior_extremum():
    """exp(-z^2) on [-1, 1]: the maximum 1 is at 0, inside; its derivative -2z e^{-z^2} has its extrema at
    +-1/sqrt(2), inside [-1, 1] too. An enclosure from the end values alone would miss both."""
    tab = small_table("exp(-z**2)")
    (s, d, q) = tab.enclose(np.array([-1.0]), np.array([1.0]))
    assert s[1][0] >= 1.0 and s[0][0] <= np.exp(-1.0)
    m = float(np.sqrt(2) * np.exp(-0.5))
    assert d[0][0] <= -m and d[1][0] >= m and q[0][0] <= -2.0
    # tight on a single cell
    s1 = tab.enclose(np.array([0.25]), np.array([0.25]))[0]
    assert s1[1][0] - s1[0][0] < 0.02


def test_tails_use_cell_bounds_and_the_toolkit_bound_beyond_zfar():
    """atan: beyond the uniform grid the geometric cells follow atan towards pi/2 (the table's end value would
    not contain atan(1e5)); beyond Z_far the certified sup|atan| = pi/2 bounds it; with that bound unknown the
    enclosure is the whole line."""
    tab = small_table("atan(z)")
    (s, d, _) = tab.enclose(np.array([100.0, 1e5, -1e7]), np.array([100.0, 1e5, -1e7]))
    assert s[0][1] < float(mpmath.atan(100)) + 1e-9 and s[1][0] < float(mpmath.atan(1e5)) < s[1][1]
    assert s[0][2] <= -float(mpmath.pi) / 2 and d[0][2] <= 1e-14 <= d[1][2]
    with mpmath.workdps(40):  # the far bounds are upper bounds of the true suprema, not their float roundings
        assert all(mpmath.mpf(B) >= v for B, v in zip(tab.far_bounds(), (mpmath.pi / 2, 1, 3 * mpmath.sqrt(3) / 8)))
    fresh = Activation("atan-unknown-bound", get_activation("atan(z)").expr, source="atan(z)")
    for j in range(3):
        fresh._cache[("sup", j)] = Bound(None, False, "unknown (planted)")
    t2 = lt.build_cell_table(fresh, zmax=4.0, delta=2.0 ** -3, zfar=64.0)
    (s2, _, _) = t2.enclose(np.array([10.0, 100.0]), np.array([20.0, 200.0]))
    assert np.isfinite(s2[0][0]) and s2[0][1] == -np.inf and s2[1][1] == np.inf
    nan = t2.enclose(np.array([np.nan, 1.0]), np.array([0.0, 0.0]))  # NaN or reversed: the whole line
    assert all(nan[j][0][k] == -np.inf and nan[j][1][k] == np.inf for j in range(3) for k in range(2))


def test_arb_to_float_is_outward():
    """Every ball's float interval contains the ball (the conversion itself rounds to within one ulp)."""
    old = ctx.prec
    ctx.prec = 100
    try:
        for k in range(1, 300):
            b = arb(k) / 3 + arb(1) / (7 * k)
            lo, hi = ls._arb_out(b)
            assert Fraction(lo) <= ls._arb_exact(b.lower()) and Fraction(hi) >= ls._arb_exact(b.upper())
    finally:
        ctx.prec = old


# ------------------------------------------------------------------- the numerics table alone (no symbolic input)
def _bump_balls():
    """Hand-written python-flint evaluators of exp(-z^2) and its first three derivatives (not the generated code)."""
    def e(z):
        lo, hi = z.lower(), z.upper()
        sq = arb.union(lo * lo, hi * hi)        # z^2 from the end points (>= 0), 0 when the ball holds 0
        return (-(arb.union(sq, arb(0)) if z.contains(0) else sq)).exp()
    return [e, lambda z: -2 * z * e(z), lambda z: (4 * z * z - 2) * e(z), lambda z: (12 * z - 8 * z * z * z) * e(z)]


def test_cell_table_from_hand_written_evaluators_matches_the_generated_one():
    """numerics.certified.levelset.CellTable takes ball evaluators and numbers only: built from hand-written flint
    code of exp(-z^2) it encloses the mpmath values, is as tight as the table generated from the activation, and
    asks for its far bounds only when an interval reaches beyond Z_far."""
    calls = []
    far = [1.0, 0.8577638849607071, 2.0000000000000004]

    def far_bounds():
        calls.append(1)
        return far
    tab = ls.CellTable(_bump_balls(), mean_value_orders=(0, 1, 2), far_bounds=far_bounds, name="bump",
                       np_evaluators=[lambda z: np.exp(-z * z), lambda z: -2 * z * np.exp(-z * z)],
                       zmax=8.0, delta=2.0 ** -5, zfar=2.0 ** 10)
    gen = small_table("exp(-z**2)")
    assert np.array_equal(tab.edges, gen.edges) and tab.taylor == gen.taylor == (0, 1)
    rng = np.random.default_rng(11)
    zlo = np.concatenate([rng.uniform(-10, 10, 40), [-0.5, 0.0, 900.0]])
    zhi = zlo + np.concatenate([rng.exponential(0.3, 40), [1.0, 0.0, 100.0]])
    _contains(tab, "exp(-z**2)", zlo, zhi)
    for (a, b), (c, d) in zip(tab.enclose(zlo, zhi), gen.enclose(zlo, zhi)):  # as tight, up to ball overestimation
        assert np.all(b - a <= 2 * (d - c) + 1e-5) and np.all(d - c <= 2 * (b - a) + 1e-5)
    assert not calls                                     # nothing reached beyond Z_far yet
    s = tab.enclose(np.array([2000.0]), np.array([3000.0]))[0]
    assert calls == [1] and s[0][0] <= -1.0 and s[1][0] >= 1.0
    assert np.allclose(tab.float_evaluator(0)(np.array([0.0, 1.0])), [1.0, np.exp(-1.0)])


def test_cell_table_without_far_bounds_decides_nothing_beyond_zfar_and_rejects_bad_input():
    """Unknown far bounds (the default) give the whole line beyond Z_far; malformed evaluators, orders, bounds or a
    missing numpy evaluator are an InvalidArgument with one line."""
    fs = _bump_balls()
    tab = ls.CellTable(fs[:3] + [None], mean_value_orders=(0, 1), zmax=2.0, delta=2.0 ** -2, zfar=16.0)
    assert tab.taylor == (0,) and tab.far_bounds() == [np.inf] * 3
    s = tab.enclose(np.array([1.0, 10.0]), np.array([1.5, 20.0]))[0]
    assert np.isfinite(s[0][0]) and s[0][1] == -np.inf and s[1][1] == np.inf
    bad = [dict(evaluators=fs[:3]), dict(evaluators=fs, mean_value_orders=(3,)),
           dict(evaluators=fs[:3] + [None], mean_value_orders=(2,)), dict(evaluators=["erf"] * 4),
           dict(evaluators=fs, zmax=1.0, delta=2.0, zfar=4.0)]
    for kw in bad:
        with pytest.raises(InvalidArgument):
            ls.CellTable(kw.pop("evaluators"), **kw)
    with pytest.raises(InvalidArgument):
        ls.CellTable(fs, far_bounds=[1.0, -1.0, 1.0], zmax=1.0, delta=0.5, zfar=2.0).far_bounds()
    nan = ls.CellTable(fs, far_bounds=[float("nan"), None, 2], zmax=1.0, delta=0.5, zfar=2.0)
    assert nan.far_bounds() == [np.inf, np.inf, 2.0]   # NaN and None: unknown
    with pytest.raises(InvalidArgument):
        tab.float_evaluator(0)


# ---------------------------------------------------------------------------------------------- certificates
def _ridge(act, X, c, table=None):
    xt = np.array([[float(v) for v in x] + [1.0] for x in X])
    cc = np.array([float(v) for v in c])
    return ls.RidgeSum(xlo=xt, xhi=xt.copy(), clo=cc, chi=cc.copy(), activation=act,
                       table=table if table is not None else lt.cell_table(get_activation(act)))


def _h_mp(name, X, c, u):
    f = REF[name]
    with mpmath.workdps(40):
        h = mpmath.mpf(0)
        g = [mpmath.mpf(0)] * (len(X[0]) + 1)
        for x, ci in zip(X, c):
            xt = [mpmath.mpf(v) for v in x] + [mpmath.mpf(1)]
            z = sum(a * mpmath.mpf(float(b)) for a, b in zip(xt, u))
            h += mpmath.mpf(ci) * f[0](z)
            g = [gj + mpmath.mpf(ci) * f[1](z) * xj for gj, xj in zip(g, xt)]
        return h, g


BX = [[-1.0], [-0.25], [0.5], [1.25], [2.0]]
BC = [0.3, -0.5, 0.25, -0.125, 0.2]


def _sampled_level_points(name, X, c, level, box, rng, start, tries=40):
    """Points of {h = level} in the box by mpmath bisection along segments from ``start`` (where h < level)."""
    p = len(X[0]) + 1
    lev = mpmath.mpf(level.numerator) / level.denominator
    out = []
    for _ in range(tries):
        a, b = np.array(start, dtype=float), rng.uniform(-box, box, p)
        ha, hb = _h_mp(name, X, c, a)[0] - lev, _h_mp(name, X, c, b)[0] - lev
        if ha * hb >= 0:
            continue
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(45):
            mid = (lo + hi) / 2
            hm = _h_mp(name, X, c, [a[i] + float(mid) * (b[i] - a[i]) for i in range(p)])[0] - lev
            lo, hi = (mid, hi) if hm * ha > 0 else (lo, mid)
        out.append([a[i] + float(lo) * (b[i] - a[i]) for i in range(p)])
    return out


@pytest.mark.parametrize("name", ["erf", "exp(-z**2)"])
def test_beta_lower_bound_below_sampled_gradient_on_the_level_set(name):
    """The certified beta is at most |grad h| (mpmath) at level-set points found by bisection along lines."""
    rs = _ridge(name, BX, BC)
    U = np.random.default_rng(1).uniform(-4, 4, size=(4000, 2))
    hv = rs.h_float(U)
    start = U[np.argmin(hv)]
    level = Fraction(float(hv.min()) / 2).limit_denominator(1 << 20)
    c = ls.certify_ridge_level(rs, level, 4, time_limit=20)
    assert c.certified and not c.level_set_empty and c.beta_lower > 0 and c.box == [[-4.0, 4.0]] * 2
    pts = _sampled_level_points(name, BX, BC, level, 4, np.random.default_rng(2), start)
    assert len(pts) > 5
    for u in pts:
        g = _h_mp(name, BX, BC, u)[1]
        assert mpmath.sqrt(sum(v * v for v in g)) >= c.beta_lower


def test_planted_critical_levels_are_never_certified():
    """h = s(w + b) + s(b - w) - 2 s(b) with the bump s = exp(-z^2): grad h = 0 on the line w = 0, where h = 0;
    h = s(u1) + s(u2) (a maximum 2 at the origin): the level 2 is critical. Neither certifies, and no bound is given."""
    bump = lt.cell_table(get_activation("exp(-z**2)"))
    xt = np.array([[1.0, 1.0], [-1.0, 1.0], [0.0, 1.0]])
    c = np.array([1.0, 1.0, -2.0])
    rs = ls.RidgeSum(xlo=xt, xhi=xt.copy(), clo=c, chi=c.copy(), activation="bump", table=bump)
    r1 = ls.certify_ridge_level(rs, 0, 2, time_limit=5, min_width=2.0 ** -8)
    assert not r1.certified and r1.beta_lower is None and r1.unresolved > 0
    xt2 = np.array([[1.0, 0.0], [0.0, 1.0]])
    c2 = np.array([1.0, 1.0])
    rs2 = ls.RidgeSum(xlo=xt2, xhi=xt2.copy(), clo=c2, chi=c2.copy(), activation="bump", table=bump)
    r2 = ls.certify_ridge_level(rs2, 2, 2, time_limit=5, min_width=2.0 ** -10)
    assert not r2.certified and r2.beta_lower is None
    # just below the maximum the level is regular (a small circle around 0)
    r3 = ls.certify_ridge_level(rs2, Fraction(3, 2), 2, time_limit=10)
    assert r3.certified and r3.beta_lower > 0


def test_logistic_fast_path_and_general_path_agree():
    """The sigmoid through its monotone table and through the per-cell table: both enclose the mpmath values of h
    on random boxes, and both certify the same level with betas below the sampled minimum of |grad h|."""
    X = [[-1.0], [-0.25], [0.5], [1.25], [2.0]]
    fast = ls.RidgeSum(xlo=np.array([[x[0], 1.0] for x in X]), xhi=np.array([[x[0], 1.0] for x in X]),
                       clo=np.array(BC), chi=np.array(BC))
    gen = ls.RidgeSum(xlo=fast.xlo, xhi=fast.xhi, clo=fast.clo, chi=fast.chi, activation="sigmoid",
                      table=lt.cell_table(get_activation("sigmoid")))
    rng = np.random.default_rng(5)
    C = np.round(rng.uniform(-6, 6, size=(200, 2)) * 64) / 64
    Rh = 2.0 ** rng.integers(-7, 0, size=(200, 2))
    exf, resf, bf, _, _ = fast.evaluate(C, Rh, -0.05)
    exg, resg, bg, _, _ = gen.evaluate(C, Rh, -0.05)
    for j in range(0, 200, 5):
        u = C[j] + Rh[j] * rng.uniform(-1, 1, size=2)
        with mpmath.workdps(40):
            g = [mpmath.mpf(0), mpmath.mpf(0)]
            for x, ci in zip(X, BC):
                s = 1 / (1 + mpmath.exp(-(x[0] * u[0] + u[1])))
                g = [g[0] + ci * s * (1 - s) * x[0], g[1] + ci * s * (1 - s)]
            ng = mpmath.sqrt(g[0] ** 2 + g[1] ** 2)
        for res, b in ((resf, bf), (resg, bg)):
            if res[j]:
                assert ng >= b[j] * (1 - 1e-12)
    assert (exf == exg).mean() > 0.9 and (resf == resg).mean() > 0.9
    cf = ls.certify_ridge_level(fast, Fraction(-1, 16), 4, time_limit=20)
    cg = ls.certify_ridge_level(gen, Fraction(-1, 16), 4, time_limit=20)
    assert cf.certified and cg.certified and abs(np.log(cf.beta_lower / cg.beta_lower)) < 1.0


# ---------------------------------------------------------------------------------------------- models, wiring
MU = Measure(a=[[["1"]], [["-0.5"]]], u=[["1", "0"], ["-2", "0.5"]], mass=["0.5", "0.5"])
DATA = Dataset(X=[["-1"], ["0.2"], ["1.5"], ["2"]], Y=[["0.3"], ["-0.1"], ["0.4"], ["0.2"]])


@pytest.mark.parametrize("act", ["erf", "exp(-z**2)"])
def test_ridge_sum_from_problem_general_matches_ball_h(act):
    """The general ridge sum encloses the python-flint h = <a_hat, Psi> of the model (an independent evaluator:
    the model's generated ball code), for a builtin and a user (non-monotone) activation."""
    model = get_model("sigmoid", k=1, d=1, activation=act)
    enc = PsiEnclosure(model, MU, DATA)
    rs = lt.ridge_sum_from_problem(model, DATA, enc.r, [Fraction(1)])
    assert rs is not None and rs.table is not None
    h, _ = enc.h([1])
    for u in ([0.5, -0.25], [3.0, 1.0], [-2.0, 0.75]):
        hu = h([point_ball(Fraction(v)) for v in u])
        C = np.array([u])
        tiny = np.full((1, 2), 2.0 ** -30)
        ex_hi, _, _, _, hc = rs.evaluate(C, tiny, float(hu.mid()) + 1e-4)
        ex_lo, _, _, _, _ = rs.evaluate(C, tiny, float(hu.mid()) - 1e-4)
        assert ex_hi[0] and ex_lo[0] and abs(hc[0] - float(hu.mid())) < 1e-5


def test_ridge_layout_support_and_bad_input():
    """Supported: C^1 activations in a linear inner layout; declined (None, the slow path decides): relu (not C^1),
    attention (not a ridge feature); a table of an unsupported activation is an InvalidArgument."""
    assert lt.activation_support(get_activation("erf")) == (True, "")
    assert lt.activation_support(get_activation("cubic-step"))[0]      # C^1, not C^2: sigma' is Lipschitz
    ok, why = lt.activation_support(get_activation("relu"))
    assert not ok and "C^1" in why
    assert lt.ridge_layout(get_model("sigmoid", k=2, d=3, activation="erf")) is not None
    assert lt.ridge_layout(get_model("sigmoid", k=1, d=1, activation="relu")) is None
    assert lt.ridge_layout(get_model("attention", k=1, p=2, L=2)) is None
    with pytest.raises(InvalidArgument):
        lt.build_cell_table(get_activation("relu"))
    with pytest.raises(InvalidArgument):
        lt.build_cell_table("erf")  # a name, not an Activation
    with pytest.raises(InvalidArgument):
        ls.CellTable("erf")  # the numerics table takes ball evaluators, not a name
    relu = get_model("sigmoid", k=1, d=1, activation="relu")
    assert lt.ridge_sum_from_problem(relu, DATA, PsiEnclosure(relu, MU, DATA).r, [1]) is None


def test_regular_level_takes_the_cell_table_path_for_erf():
    """_regular_level (the analyze block) certifies an erf model through the per-cell tables and says so."""
    from proofs.analyze.interior import _regular_level
    from proofs.problem import Problem

    model = get_model("sigmoid", k=1, d=1, activation="erf")
    pr = Problem(model, DATA, MU)
    enc = PsiEnclosure(model, MU, DATA)
    rl = _regular_level(enc, [1], arb("0.1"), 4, 3000, problem=pr, r=pr.residual("arb"), time_limit=10,
                        level=Fraction(-1, 64))
    assert "per-cell" in rl["method"] and rl["status"] in ("certified", "inconclusive")
    assert rl["certified"] and rl["note"].startswith("certified")


def test_tanh_fast_path_and_general_path_agree_on_a_model():
    """tanh through 2 sigma(2z) - 1 (monotone table) and through its own cell table: both give the ball value of h
    at the centre of tiny boxes (the general path to 1e-6), and both certify the same level on [-4, 4]^2."""
    model = get_model("sigmoid", k=1, d=1, activation="tanh")
    enc = PsiEnclosure(model, MU, DATA)
    fast = lt.ridge_sum_from_problem(model, DATA, enc.r, [Fraction(1)])
    gen = lt.ridge_sum_from_problem(model, DATA, enc.r, [Fraction(1)], fast_logistic=False)
    assert fast.table is None and gen.table is not None
    C = np.array([[0.5, -0.25], [3.0, 1.0], [-2.0, 0.75]])
    tiny = np.full((3, 2), 2.0 ** -30)
    hf, hg = fast.evaluate(C, tiny, 0.0)[4], gen.evaluate(C, tiny, 0.0)[4]
    h, _ = enc.h([1])
    hv = np.array([float(h([point_ball(Fraction(v)) for v in u]).mid()) for u in C])
    assert np.allclose(hf, hv, atol=1e-3) and np.allclose(hg, hv, atol=1e-6)  # the Taylor form is the tighter
    level = Fraction(float(np.min(gen.h_float(np.random.default_rng(0).uniform(-4, 4, (2000, 2))))) / 2)
    level = level.limit_denominator(1 << 16)
    cf, cg = (ls.certify_ridge_level(rs, level, 4, time_limit=20) for rs in (fast, gen))
    assert cf.certified and cg.certified and not cf.level_set_empty and not cg.level_set_empty


# ------------------------------------------------------------------ audit regressions (planted bugs that survived)
def test_taylor_form_keeps_zero_when_the_interval_straddles_the_expansion_point():
    """(z - 1/64)^2 on [0, 0.02] has minimum 0 at z = 1/64: the lower end must be <= 0 (a Taylor form that bounds
    t^2 below by min(t_lo^2, t_hi^2) would claim 1.9e-5)."""
    t = lt.build_cell_table(get_activation("(z-1/64)**2"), zmax=4.0, delta=2.0 ** -5, zfar=64.0)
    s, d, q = t.enclose(np.array([0.0]), np.array([0.02]))
    assert s[0][0] <= 0.0


def test_far_bounds_are_per_derivative_order():
    """Beyond Z_far each derivative gets its own certified sup: sin(4z)/4 has |sigma'| = |cos 4z| reaching 1 there;
    sin(z^2) is bounded but sigma' = 2z cos(z^2) is not, so its enclosure beyond Z_far is the whole line."""
    import sympy as sp

    t2 = lt.build_cell_table(get_activation("sin(4*z)/4"), zmax=4.0, delta=2.0 ** -5, zfar=64.0)
    s, d, q = t2.enclose(np.array([100.0]), np.array([101.0]))
    assert d[0][0] <= -1 and d[1][0] >= 1
    base = get_activation("sin(z**2)")
    act = Activation("sin-z2", base.expr, source="sin(z**2)")
    act._cache[("sup", 0)] = Bound(sp.Integer(1), True, "|sin| <= 1")  # seeded: sympy's own sup is very slow here
    act._cache[("sup", 1)] = Bound(sp.oo, True, "unbounded")
    act._cache[("sup", 2)] = Bound(sp.oo, True, "unbounded")
    t = lt.build_cell_table(act, zmax=4.0, delta=2.0 ** -5, zfar=64.0)
    s, d, q = t.enclose(np.array([1000.0]), np.array([1001.0]))
    assert d[0][0] == -np.inf and d[1][0] == np.inf


def test_ridge_layout_declines_an_offset_argument():
    """erf(w x + 1) is not a ridge function of u = w: the ridge sum would drop the +1 and certify the wrong h."""
    import sympy as sp

    from proofs import Model

    w, x = sp.symbols("w x", real=True)
    m = Model.from_sympy("erf_offset", feature=get_activation("erf")(w * x + 1), inner={"w": [w]}, inputs=[x], k=1)
    assert lt.ridge_layout(m) is None


def test_tiny_gradients_far_out_still_certify():
    """exp(-z^2) around (25, 25): |grad h| ~ 1e-270; the direction vector is normalised, so the certificate does not
    depend on the scale of c (it underflowed to 'inconclusive' before). The bound scales like c (checked at 1e250)."""
    import mpmath

    tab = lt.cell_table(get_activation("exp(-z**2)"))
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = []
    for scale in (1.0, 1e250):
        c = np.array([1.0, 0.5]) * scale
        rs = ls.RidgeSum(xlo=X, xhi=X.copy(), clo=c, chi=c.copy(), activation="bump", table=tab)
        lev = Fraction(float(mpmath.exp(-625) * 1.5 * scale))
        cert = ls.certify_ridge_level(rs, lev, 0.5, centre=(25.0, 25.0), time_limit=10)
        assert cert.certified
        out.append(cert.beta_lower)
    assert 0 < out[0] and abs(out[1] / out[0] / 1e250 - 1) < 1e-6
