r"""Discretisation order of the particle-flow integrators (Diffrax-style order tests; MATH.md §10).

Claim ``integrator-order``: on a smooth particle flow the global error at a fixed time T of forward
Euler, Heun and RK4 behaves like :math:`C\,\tau^{p}` with p = 1, 2, 4 (the order each
:class:`numerics.dynamics.ButcherTableau` declares).

What is checked on particle flows (numerical by nature, never ``proved`` nor ``refuted``): the error against a
fine RK4 reference at steps T/8, T/16, T/32, and the slope of log error against log step by least squares
(float64, engine). ``inconclusive`` with ``numerical=True`` and margin = band - |slope - p| (band 0.3:
pre-asymptotic terms at these coarse steps). A slope below p - band is recomputed in mpmath at ``dps`` digits
(so that rounding is excluded) and reported as evidence against the order, still ``inconclusive``: a fitted
slope is no certified error bound.

Certified (``problem: "linear"``): on y' = lambda y the N-step solution is R(lambda T/N)^N with R the stability
polynomial of the (exact rational) tableau, so the global error is a closed form and sympy decides
lim N^p error: finite is ``proved``, infinite is ``refuted`` (scope ``instance``). Dropping "the tableau satisfies
the order-p conditions" (e.g. Heun with b = (3/4, 1/4)) is refuted this way.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import inconclusive, proved, refuted

ID = "integrator-order"
ASSUMPTIONS = ("smooth activation (C^{p+1} vector field)", "fixed horizon T, steps T/8, T/16, T/32",
               "the tableau satisfies the order-p conditions (its declared order)")
BAND = 0.3
STEPS = (8, 16, 32)


def _instance_problem(inst):
    rng = np.random.default_rng(int(inst.get("seed", 0)))
    n, d, k, m = int(inst.get("n", 4)), int(inst.get("d", 1)), int(inst.get("k", 1)), int(inst.get("m", 2))
    X = np.round(rng.standard_normal((n, d)), 3)
    Y = np.round(rng.standard_normal((n, k)), 3)
    a = np.round(rng.standard_normal((m, k, 1)), 3)
    u = np.round(float(inst.get("scale", 1.0)) * rng.standard_normal((m, d + 1)), 3)
    return X, Y, a, u


def _slope(dts, errs):
    errs = np.maximum(np.asarray(errs, dtype=float), 1e-300)
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


def _float_errors(inst):
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    X, Y, a, u = _instance_problem(inst)
    field = NetField(X, Y, inst.get("activation", "tanh"), fused=False)
    T = float(Fraction(str(inst.get("T", "0.4"))))
    ref_steps = int(inst.get("ref_steps", 512))
    ref = ParticleFlow(field, dt=T / ref_steps, method="rk4").run(State(a, u), ref_steps)
    errs, w2 = [], []
    for s in STEPS:
        out = ParticleFlow(field, dt=T / s, method=inst["method"]).run(State(a, u), s)
        errs.append(float(max(np.max(np.abs(out.a - ref.a)), np.max(np.abs(out.u - ref.u)))))
        try:
            from numerics.dynamics import w2_distance

            w2.append(w2_distance(out, ref))
        except ValueError:  # POT not installed: the W2 column is simply absent
            pass
    return [T / s for s in STEPS], errs, w2


def _mp_errors(inst, dps):
    import mpmath

    from proofs.problem.measure import Dataset, Measure, velocity
    from proofs.symbolic.models import get_model
    from numerics.dynamics import TABLEAUS
    from numerics.certified.precision import workdps

    X, Y, a, u = _instance_problem(inst)
    m, k, d = a.shape[0], a.shape[1], X.shape[1]
    model = get_model("sigmoid", k=k, d=d, activation=inst.get("activation", "tanh"))
    with workdps(dps):
        data = Dataset(X=[[mpmath.mpf(float(v)) for v in r] for r in X], Y=[[mpmath.mpf(float(v)) for v in r]
                                                                          for r in Y])
        mass = [mpmath.mpf(1) / m] * m
        y0 = [mpmath.mpf(float(v)) for v in a.ravel()] + [mpmath.mpf(float(v)) for v in u.ravel()]
        na = a.size

        def f(y):
            A = [[[y[(j * k + c)]] for c in range(k)] for j in range(m)]
            U = [y[na + j * (d + 1): na + (j + 1) * (d + 1)] for j in range(m)]
            va, vu = velocity(model, Measure(a=A, u=U, mass=mass), data, "mpmath")
            return [va[j][c][0] for j in range(m) for c in range(k)] + [x for row in vu for x in row]

        def run(method, steps, T):
            tab = TABLEAUS[method]
            h = T / steps
            y = list(y0)
            for _ in range(steps):
                ks = []
                for i in range(tab.stages):
                    yi = [y[t] + h * sum((mpmath.mpf(tab.a[i][j]) * ks[j][t] for j in range(i)), mpmath.mpf(0))
                          for t in range(len(y))]
                    ks.append(f(yi))
                y = [y[t] + h * sum((mpmath.mpf(tab.b[i]) * ks[i][t] for i in range(tab.stages)), mpmath.mpf(0))
                     for t in range(len(y))]
            return y

        T = mpmath.mpf(Fraction(str(inst.get("T", "0.4"))).numerator) / Fraction(str(inst.get("T", "0.4"))).denominator
        ref = run("rk4", int(inst.get("mp_ref_steps", 256)), T)
        errs = []
        for s in STEPS:
            y = run(inst["method"], s, T)
            errs.append(float(max(abs(p - q) for p, q in zip(y, ref))))
        return [float(T) / s for s in STEPS], errs


def _tableau(inst, method):
    """(a, b) of the method as exact rationals: the instance's ``tableau`` {"a": rows, "b": weights} (decimal or
    fraction strings) or the engine's (its float64 coefficients read back as the nearest small fractions)."""
    from numerics.dynamics import TABLEAUS

    if "tableau" in inst:
        tab = inst["tableau"]
        a = [[sp.Rational(str(v)) for v in row] for row in tab["a"]]
        b = [sp.Rational(str(v)) for v in tab["b"]]
    else:
        t = TABLEAUS[method]
        a = [[sp.nsimplify(v, rational=True, tolerance=1e-15) for v in row] for row in t.a]
        b = [sp.nsimplify(v, rational=True, tolerance=1e-15) for v in t.b]
    return a, b


def stability_polynomial(a, b):
    """R(z) of an explicit tableau on y' = lambda y: one step multiplies y by R(lambda h) (stages k_i = z Y_i)."""
    z = sp.Symbol("z")
    Y = []
    for i in range(len(b)):
        Y.append(1 + z * sum((a[i][j] * Y[j] for j in range(i)), sp.S.Zero))
    return z, sp.expand(1 + z * sum((bi * Yi for bi, Yi in zip(b, Y)), sp.S.Zero))


def _check_linear(inst, method, p):
    r"""The linear test equation y' = lambda y, y(0) = 1: the N-step solution is R(lambda T/N)^N exactly, so the
    global error e(N) = |R(lambda T/N)^N - e^{lambda T}| is a closed form, and sympy computes
    :math:`\lim_{h\to0^+}h^{-p}(R(\lambda Th)^{1/h}-e^{\lambda T})` (h = 1/N): finite means e = O(tau^p) (``proved``),
    infinite means not (``refuted``), both with scope ``instance`` (this equation, lambda, T)."""
    lam = sp.Rational(str(inst.get("lambda", "-1")))
    T = sp.Rational(str(inst.get("T", "1")))
    a, b = _tableau(inst, method)
    z, R = stability_polynomial(a, b)
    h = sp.Symbol("h", positive=True)
    err = R.subs(z, lam * T * h) ** (1 / h) - sp.exp(lam * T)
    L = sp.limit(err / h ** p, h, 0, "+")
    statement = (f"{method} (tableau a = {a}, b = {b}) on y' = {lam} y, y(0) = 1, horizon T = {T}: the global error "
                 f"|y_N - e^({lam * T})| with N steps of size tau = T/N is O(tau^{p})")
    kw = dict(assumptions=ASSUMPTIONS, scope="instance", statement=statement,
              stats={"stability_polynomial": str(R), f"lim tau^-{p} error (h = 1/N)": str(L)})
    if L.is_finite:
        return proved(ID, inst, margin=str(L), precision="exact (sympy)",
                      method="closed-form global error + sympy limit",
                      **kw, message=f"R(z) = {R}: N^{p} (R(lambda T/N)^N - e^(lambda T)) -> {L} (finite): order {p} "
                                    "on the linear test equation")
    if L in (sp.oo, -sp.oo):
        return refuted(ID, inst, margin=str(L), precision="exact (sympy)",
                      method="closed-form global error + sympy limit",
                       witness={"lambda": str(lam), "T": str(T), "a": [[str(v) for v in r] for r in a],
                                "b": [str(v) for v in b], "R(z)": str(R), "limit": str(L)}, **kw,
                       message=f"R(z) = {R} differs from e^z at order < {p + 1}: N^{p} x error -> {L}, so the global "
                               f"error is not O(tau^{p})")
    return inconclusive(ID, inst, precision="sympy", method="closed-form global error + sympy limit", **kw,
                        message=f"sympy limit gave {L}; simplify by hand")


@claim(ID, label="engine", provenance="[D]", paper="escset engine",
       source="escset's own integrators (Euler, Heun, RK4): order tests in the style of Diffrax",
       description="the particle-flow integrators converge at their orders 1, 2, 4 on smooth flows",
       statement=r"\max_j|\theta_j^{\tau}(T)-\theta_j(T)|=O(\tau^{p}),\ p=1,2,4\ \text{(Euler, Heun, RK4)}",
       assumptions=ASSUMPTIONS, numerical=True,
       instances=[{"name": "Euler, tanh, m=2", "method": "euler", "order": 1},
                  {"name": "Heun, tanh, m=2", "method": "heun", "order": 2},
                  {"name": "RK4, tanh, m=2", "method": "rk4", "order": 4},
                  {"name": "RK4 on y' = -y, T = 1 (exact)", "problem": "linear", "method": "rk4", "order": 4,
                   "lambda": "-1", "T": "1"}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "method": st.sampled_from(["euler", "heun", "rk4"]),
           "seed": st.integers(0, 50), "activation": st.sampled_from(["tanh", "sigmoid", "erf"])}).map(
           lambda d: dict(d, order={"euler": 1, "heun": 2, "rk4": 4}[d["method"]])))
def check(inst, *, dps=30):
    """Fitted convergence order of Euler / Heun / RK4 on a smooth particle flow."""
    from numerics.dynamics import TABLEAUS

    method = inst.get("method", "euler")
    if method not in TABLEAUS:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"unknown method {method!r}; valid are {', '.join(TABLEAUS)}")
    inst = dict(inst, method=method)
    p = int(inst.get("order", TABLEAUS[method].order))
    if inst.get("problem") == "linear":
        return _check_linear(inst, method, p)
    dts, errs, w2 = _float_errors(inst)
    slope = _slope(dts, errs)
    stats = {"slope_float64": slope, "errors_float64": errs, "steps": list(STEPS)}
    if w2:
        stats["w2_to_reference"] = w2  # W2 between the particle measures (POT): decays at the same order
    statement = (f"{method} on the {inst.get('activation', 'tanh')} particle flow (seed {inst.get('seed', 0)}, n = "
                 f"{inst.get('n', 4)}, m = {inst.get('m', 2)}), T = {inst.get('T', '0.4')}: max_j |theta_j^tau(T) - "
                 f"theta_j(T)| = O(tau^{p}), observed at tau = T/8, T/16, T/32 against an RK4 reference")
    kw = dict(assumptions=ASSUMPTIONS, numerical=True, scope="instance", statement=statement)
    if slope >= p - BAND:
        return inconclusive(ID, inst, margin=BAND - abs(slope - p), precision="float64", method="fitted slope",
                            stats=stats, **kw,
                            message=f"fitted slope {slope:.3f} vs order {p} (band {BAND}): evidence, not a proof"
                                    + ("" if slope <= p + BAND else "; above the band (superconvergence here)"))
    # a low fitted slope is never a refutation: an asymptotic order is not decided by three step sizes, and no
    # certified error bound is computed for the nonlinear flow (problem "linear" certifies the order exactly)
    dts_mp, errs_mp = _mp_errors(inst, dps)
    slope_mp = _slope(dts_mp, errs_mp)
    stats.update(slope_mpmath=slope_mp, errors_mpmath=errs_mp)
    return inconclusive(ID, inst, margin=slope_mp - (p - BAND), precision=f"float64 and mpmath {dps} dps",
                        method="fitted slope, errors recomputed in mpmath", stats=stats, **kw,
                        message=f"{method}: fitted order {slope_mp:.3f} (mpmath {dps} dps; float64 {slope:.3f}) is "
                                f"below the claimed {p} - {BAND}: evidence against the order here, not a refutation "
                                "(a fitted slope is no certified error bound); use problem 'linear' for an exact "
                                "verdict, or smaller steps")
