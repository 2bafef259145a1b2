r"""MATH.md §8 G3: sub-Gaussian tails propagate over a finite horizon.

If the velocities grow at most linearly, :math:`|\theta'|\le C(1+|\theta|)`, Gronwall gives per particle
:math:`1+|\theta_j(t)|\le(1+|\theta_j(0)|)e^{Ct}`; so if :math:`|\theta(0)|` is sub-Gaussian, so is
:math:`|\theta(t)|` (variance proxy multiplied by at most :math:`e^{2Ct}`).

For the sigmoid-type network with :math:`V=0`: :math:`|a_j'|\le\sup|\sigma|\,\|r\|`,
:math:`|u_j'|\le|a_j|\sup|\sigma'|\max_i|\tilde x_i|\,\|r\|` with :math:`\|r\|^2=\frac1n\sum_i|r_i|^2=2R(t)\le2F(\mu_0)`
(energy dissipation, MATH.md §1.2), hence :math:`C=\sqrt{2F(\mu_0)}\,C_{G2}` with the exact constant
:math:`C_{G2}` of ``feature-derivative-linear-growth``.

What is checked (numerical, ``inconclusive`` with ``numerical=True``): i.i.d. N(0, I) particles, an RK4
run of the engine, the Gronwall bound for every particle at every diagnostic time (margin: the
smallest relative slack) and, in ``stats``, quadratic fits of the empirical log-tails
:math:`\log P(|\theta(t)|>s)` against :math:`s^2` (slopes stay negative: sub-Gaussian-looking tails).
:math:`F(\mu_0)` enters as a float64 number.

Dropping "linear growth" (instance ``velocity: "u**2"``, the scalar flow :math:`u'=u^2`, :math:`u(0)=1`): the
instance's velocity is parsed (restricted grammar, variable u) and the scalar flow is checked by
:func:`_scalar_flow`: exact hitting times :math:`t_U=\int_{u_0}^U dv/f(v)` of levels U, and the bound compared in
balls; ``refuted`` for a superlinear escape (u^2, u^3, e^u), ``inconclusive`` for a linear velocity within C.
"""
from __future__ import annotations


import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import inconclusive, refuted

ID = "subgaussian-tails-propagate"
ASSUMPTIONS = ("velocities of linear growth |theta'| <= C (1 + |theta|) (bounded sigma, sigma'; V = 0)",
               "sub-Gaussian initial law (here N(0, I))", "finite horizon T")


def _scalar_flow(inst):
    r"""The scalar flow :math:`u'=f(u)`, :math:`u(0)=u_0` of the instance's ``velocity`` (restricted grammar,
    variable ``u``), against the Gronwall bound :math:`1+|u(t)|\le(1+|u_0|)e^{Ct}` with the instance's C.

    While :math:`f` keeps the sign of :math:`f(u_0)\ne0` on the segment from :math:`u_0` to a level U (sympy minimum
    of :math:`\pm f` there), the solution is monotone and reaches U at the exact time
    :math:`t_U=\int_{u_0}^U dv/f(v)` (sympy). Levels :math:`U=u_0\pm2^j(1+|u_0|)` are tried in turn; ``refuted`` when
    balls certify :math:`1+|U|>(1+|u_0|)e^{Ct_U}` at some level (a blow-up or any superlinear escape), otherwise
    ``inconclusive`` (the bound is never proved here: that would need the Gronwall argument carried out)."""
    from sympy.calculus.util import minimum

    from proofs.errors import InvalidArgument
    from proofs.symbolic.grammar import parse_expression
    from proofs.symbolic.codegen import compile_expr
    from numerics.certified.precision import arb_prec

    f = parse_expression(str(inst["velocity"]), variables=("u",))
    syms = sorted(f.free_symbols, key=str)
    if any(s_.name != "u" for s_ in syms):
        raise InvalidArgument(f"velocity may use only the variable u, got {sorted(map(str, syms))}")
    u = syms[0] if syms else sp.Symbol("u", real=True)
    u0 = sp.Rational(str(inst.get("u0", "1")))
    C = sp.Rational(str(inst.get("C", "1")))
    if C < 0:
        raise InvalidArgument(f"C must be >= 0, got {C}")
    statement = (f"the scalar flow u' = {f}, u(0) = {u0}: 1 + |u(t)| <= (1 + |u0|) e^({C} t) for every t >= 0 in "
                 "the solution's interval of existence")
    kw = dict(assumptions=ASSUMPTIONS, scope="instance", statement=statement)
    growth = sp.limit(sp.Abs(f) / (1 + sp.Abs(u)), u, sp.oo), sp.limit(sp.Abs(f) / (1 + sp.Abs(u)), u, -sp.oo)
    stats = {"limits |f(u)|/(1+|u|) at +oo, -oo": [str(g) for g in growth]}
    f0 = f.subs(u, u0)
    if not f0.is_nonzero:
        return inconclusive(ID, inst, precision="sympy", method="monotone solution + exact hitting times", stats=stats,
                            **kw, message=f"f(u0) = {f0}: the solution does not move away from u0 monotonically; "
                                          "this check only refutes escaping scalar flows")
    sgn = 1 if f0 > 0 else -1
    tried = []
    for jj in range(1, 41):
        U = u0 + sgn * 2 ** jj * (1 + abs(u0))
        seg = sp.Interval(min(u0, U), max(u0, U))
        try:
            lo = minimum(sgn * f, u, seg)
        except (NotImplementedError, ValueError):
            lo = None
        if lo is None or not sp.simplify(lo).is_positive:
            break  # f changes sign (or sympy cannot tell) before U: the solution may stop short of U
        tU = sp.integrate(1 / f, (u, u0, U))
        if not (tU.is_finite and tU.is_positive):
            break
        gap = (1 + abs(U)) - (1 + abs(u0)) * sp.exp(C * tU)
        fn = compile_expr([], gap, "arb", cse=False)
        with arb_prec(128):
            ball = fn()
        tried.append({"U": str(U), "t_U": str(tU)})
        if ball > 0:
            return refuted(ID, inst, margin=-ball, precision="exact (sympy) + arb 128 bits",
                           method="monotone scalar flow: exact hitting time of a level, Gronwall bound in balls",
                           witness={"velocity": str(f), "u0": str(u0), "C": str(C), "level U": str(U),
                                    "hitting time t_U = int_u0^U dv/f(v)": str(tU),
                                    "1+|U| - (1+|u0|) e^(C t_U)": ball.str(10)}, stats=stats, **kw,
                           message=f"u reaches U = {U} at t_U = {tU} (f keeps its sign on the way), and 1 + |U| "
                                   f"exceeds (1+|u0|) e^(C t_U) by {ball.str(6)} (certified): no Gronwall bound with "
                                   f"C = {C}; f grows like {growth[0 if sgn > 0 else 1]} x (1+|u|)")
    stats["levels_tried"] = tried
    return inconclusive(ID, inst, precision="exact (sympy) + arb 128 bits", stats=stats, **kw,
                        method="monotone scalar flow: exact hitting times of levels",
                        message=f"no level U = u0 +/- 2^j (1+|u0|), j <= {len(tried)}, breaks the bound with C = {C}; "
                                "evidence that the bound holds, not a proof (the Gronwall argument is not carried out "
                                "here); raise C's precision or give a velocity that escapes")


@claim(ID, label="G3", provenance="[D]", paper="Petit-Poon-Peyre 2026",
       source="reconstructed setting (sub-Gaussian initialisation kept over finite horizons); the Gronwall bound is derived here",
       description="Gronwall bound 1 + |theta_j(t)| <= (1 + |theta_j(0)|) e^{Ct} and sub-Gaussian tails along the flow",
       statement=r"|\theta'|\le C(1+|\theta|)\ \Rightarrow\ 1+|\theta_j(t)|\le(1+|\theta_j(0)|)e^{Ct}",
       assumptions=ASSUMPTIONS, numerical=True,
       instances=[{"name": "sigmoid teacher, m=2000, T=2", "m": 2000, "T": 2.0, "activation": "sigmoid"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "m": st.integers(200, 2000),
                                               "T": st.floats(0.2, 3.0), "seed": st.integers(0, 99),
                                               "activation": st.sampled_from(["sigmoid", "tanh"])}))
def check(inst, *, dps=30):
    """Gronwall bound and sub-Gaussian tails along the flow (MATH.md §8 G3)."""
    if "velocity" in inst:
        return _scalar_flow(inst)
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    from proofs.problem.teacher import teacher_data
    from proofs.symbolic.activations import get_activation

    seed, m, T = int(inst.get("seed", 0)), int(inst.get("m", 2000)), float(inst.get("T", 2.0))
    act = inst.get("activation", "sigmoid")
    k, d, n = 1, 2, 20
    rng = np.random.default_rng(seed)
    X, Y = teacher_data(lambda X, Y: NetField(X, Y, act), rng, n=n, m0=3, k=k, q=1, p_u=d + 1, p_x=d,
                        x_scale=np.sqrt(d), decimals=4, scale=2)
    field = NetField(X, Y, act)
    a0, u0 = rng.standard_normal((m, k, 1)), rng.standard_normal((m, d + 1))
    A = get_activation(act)
    S0, S1 = float(A.sup_abs(0)), float(A.sup_abs(1))
    xt = float(np.sqrt(np.max(1 + np.sum(X * X, axis=1))))
    C = np.sqrt(2 * field.loss(a0, u0)) * max(S0, S1 * xt)
    n0 = np.sqrt(np.sum(a0.reshape(m, -1) ** 2, axis=1) + np.sum(u0 ** 2, axis=1))
    dt = T / 100
    slack, fits, times = [], [], []

    def tail_fit(norms):
        s = np.linspace(np.quantile(norms, 0.5), np.quantile(norms, 0.995), 8)
        p = np.array([np.mean(norms > v) for v in s])
        return float(np.polyfit(s ** 2, np.log(p), 1)[0])

    def cb(step, st_, _loss):
        t = step * dt
        nt = np.sqrt(np.sum(st_.a.reshape(m, -1) ** 2, axis=1) + np.sum(st_.u ** 2, axis=1))
        bound = (1 + n0) * np.exp(C * t)
        slack.append(float(np.min((bound - (1 + nt)) / bound)))
        fits.append(tail_fit(nt))
        times.append(t)

    ParticleFlow(field, dt=dt, method="rk4").run(State(a0, u0), 100, every=10, callback=cb)
    margin = min(slack)
    statement = (f"{act} network on teacher data (seed {seed}, n = {n}, d = {d}), m = {m} i.i.d. N(0, I) particles, "
                 f"RK4 dt = {dt:.4g}: 1 + |theta_j(t)| <= (1 + |theta_j(0)|) e^(C t), C = sqrt(2 F(mu_0)) C_G2 = "
                 f"{C:.6g} (float), at t = 0, {10 * dt:.3g}, ..., {T}; log-tails sub-Gaussian-looking")
    stats = {"C": float(C), "times": times, "min_relative_slack": slack, "log_tail_vs_s2_slopes": fits,
             "initial_tail_slope": tail_fit(n0)}
    if margin < 0:
        return inconclusive(ID, inst, margin=margin, precision="float64", method="RK4 run + Gronwall bound",
                            assumptions=ASSUMPTIONS, numerical=True, stats=stats, scope="instance",
                            statement=statement,
                            message="a particle exceeds the Gronwall bound in float64 (should be impossible: "
                                    "check the step size dt = T/100 or report a bug)")
    return inconclusive(ID, inst, margin=margin, precision="float64", method="RK4 run + Gronwall bound",
                        assumptions=ASSUMPTIONS, numerical=True, stats=stats, scope="instance",
                        statement=statement,
                        message=f"all particles within (1+|theta0|) e^(Ct), C = {C:.4g}, min relative slack "
                                f"{margin:.3g}; log-tail slopes in s^2: {', '.join(f'{f:.2f}' for f in fits)} "
                                "(negative: sub-Gaussian-looking); evidence, not a proof")
