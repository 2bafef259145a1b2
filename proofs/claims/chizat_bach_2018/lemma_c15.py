r"""The Lemma C.15 counterexample (Chizat–Bach 2018, §8 A15) and the false variants F5 and F10.

Model: :math:`\Omega=\mathbb R`, :math:`\Phi(u)=u^2`, :math:`R(s)=(s-c)^2` (the lemma's :math:`c=1`), :math:`V=0`,
so :math:`F(\mu)=(M-c)^2` with :math:`M=\int u^2d\mu`, :math:`F'(\mu)(u)=2(M-c)u^2` and the particle velocity is
:math:`u'=-\partial_uF'(\mu)(u)=-4(M-c)u`. With all :math:`m` particles at :math:`1/m`
(:math:`\mu_{m,0}=\delta_{1/m}\to\delta_0` weakly, :math:`W_2=1/m`) the particles stay equal and
:math:`u'=4u(c-u^2)`.

What is certified (sympy, exact):

* :math:`\delta_0` is stationary (:math:`u'=0` at :math:`u=0` exactly) with :math:`F(\delta_0)=c^2`; the constant
  curve :math:`\mu_t=\delta_0` is therefore a solution of the mean-field flow, with :math:`F\equiv c^2`;
* the equal-particle configuration solves the :math:`m`-particle system (substituted exactly), and
  :math:`v=u^2` solves :math:`v'=8v(c-v)` with the closed form
  :math:`v(t)=\dfrac{c\,v_0e^{8ct}}{c-v_0+v_0e^{8ct}}`, :math:`v_0=1/m^2` (sympy: the ODE residual and the initial
  condition simplify to 0, with :math:`m` a symbolic positive integer);
* :math:`\lim_{t\to\infty}F(\mu_{m,t})=\lim_t(v(t)-c)^2` by sympy's ``limit`` (symbolic :math:`m`): 0 for
  :math:`c>0`, so :math:`\lim_m\lim_tF(\mu_{m,t})=0<c^2`.

That identical particles stay identical, and that the mean-field flow from :math:`\delta_0` is the constant curve,
uses uniqueness of solutions (Picard–Lindelöf for the particle ODE, whose right side is polynomial); that is a
textbook theorem, not a computation. A numerical trajectory (scipy ``solve_ivp`` on the :math:`m`-particle system)
is compared with the closed form as a consistency check (reported in ``stats``; a disagreement makes the verdict
``inconclusive``).

Dropped assumption: a target :math:`c\le0` removes the counterexample (:math:`c=0`: both sides 0; :math:`c<0`: the
particles decay to 0 and :math:`F\to c^2`): A15 is then ``refuted`` exactly.

F5 ``flow-converges-to-global-minimiser-from-any-init`` (expected to fail) is refuted by certified witnesses:
:math:`\delta_0` here (stationary, :math:`F=c^2>0=F(\delta_{\sqrt c})=\min F`) and the A7 configuration
(:mod:`proofs.claims.chizat_bach_2018.stationary_points`). F10 ``mean-field-limits-interchange`` (expected to
fail): :math:`\lim_m\lim_tF(\mu_{m,t})=0\ne c^2=\lim_tF(\mu_t)` for the flow from :math:`\delta_0=\lim_m\mu_{m,0}`.
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

ID_A15 = "lemma-c15-counterexample"
ID_F5 = "flow-converges-to-global-minimiser-from-any-init"
ID_F10 = "mean-field-limits-interchange"

ASSUMPTIONS_A15 = ("Omega = R, Phi(u) = u^2, R(s) = (s - c)^2 with c > 0 (c = 1 in the lemma), V = 0",
                   "m particles at 1/m, so mu_{m,0} -> delta_0 weakly")


def _target(inst):
    try:
        c = Fraction(str(inst.get("target", 1)))
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(f"target {inst.get('target')!r} is not a rational number") from None
    return sp.Rational(c.numerator, c.denominator)


def _particles(inst) -> int:
    v = inst.get("m", 10)
    try:
        q = None if isinstance(v, bool) else Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q.denominator != 1 or not 1 <= q <= 10000:
        raise InvalidArgument(f"m={v!r}; valid is an integer in [1, 10000] (the simulated number of particles)")
    return int(q)


def c15_facts(c) -> dict:
    """The exact facts of the module docstring for the target ``c`` (a sympy Rational), with symbolic m."""
    t = sp.Symbol("t", nonnegative=True)
    m = sp.Symbol("m", positive=True, integer=True)
    u = sp.Symbol("u", real=True)
    M = sp.Symbol("M", real=True)
    R = (M - c) ** 2
    Fprime = sp.diff(R, M) * u ** 2                   # first variation F'(mu)(u) = R'(M) Phi(u)
    vel = -sp.diff(Fprime, u)                         # u' = -d/du F'(mu)(u)
    facts = {"velocity": str(sp.factor(vel))}
    # delta_0: M = 0, u = 0
    facts["delta0_velocity"] = sp.simplify(vel.subs({M: 0, u: 0}))
    facts["F_delta0"] = sp.simplify(R.subs(M, 0))
    # equal particles: M = (1/m) sum u_j^2 = u^2 -> the common ODE u' = vel(M = u^2)
    ode_rhs = sp.expand(vel.subs(M, u ** 2))
    facts["equal_particle_ode"] = str(sp.factor(ode_rhs))
    v0 = 1 / m ** 2
    if c != 0:
        v = c * v0 * sp.exp(8 * c * t) / (c - v0 + v0 * sp.exp(8 * c * t))
    else:
        v = v0 / (1 + 8 * v0 * t)                     # v' = -8 v^2
    # v = u^2 with u' = ode_rhs(u)  <=>  v' = 2 u u' = 2 u ode_rhs(u), written in v (ode_rhs is odd in u)
    v_rhs = sp.expand(2 * u * ode_rhs).subs(u ** 2, sp.Symbol("V")).subs(sp.Symbol("V"), v)
    facts["closed_form"] = str(v)
    facts["ode_residual_zero"] = sp.simplify(sp.diff(v, t) - v_rhs) == 0
    facts["initial_condition_zero"] = sp.simplify(v.subs(t, 0) - v0) == 0
    F_t = (v - c) ** 2
    facts["lim_t_F"] = sp.limit(F_t, t, sp.oo)
    facts["lim_m_lim_t_F"] = sp.limit(facts["lim_t_F"], m, sp.oo)
    facts["W2_initial"] = "1/m"  # W2(delta_{1/m}, delta_0) = |1/m - 0|
    facts["v"] = v
    return facts


def trajectory_check(c, m: int = 10, T: float | None = None):
    """Max |u_j(t)^2 - v(t)| over a time grid: scipy ``solve_ivp`` (RK45, rtol 1e-10) on the m-particle system
    u_j' = -4(M - c) u_j, M = mean u_j^2, from u_j = 1/m, against the closed form (float evidence). The horizon
    defaults to T = 2 / max(1, |c|) (the rate scales with c, so the step count stays bounded and exp(8cT) stays
    finite for every target)."""
    import numpy as np
    from scipy.integrate import solve_ivp

    cf = float(c)
    if T is None:
        T = 2.0 / max(1.0, abs(cf))

    def rhs(_, y):
        return -4.0 * (np.mean(y * y) - cf) * y

    ts = np.linspace(0.0, T, 41)
    sol = solve_ivp(rhs, (0.0, T), np.full(m, 1.0 / m), t_eval=ts, rtol=1e-10, atol=1e-13)
    v0 = 1.0 / m ** 2
    if cf != 0:
        v = cf * v0 * np.exp(8 * cf * ts) / (cf - v0 + v0 * np.exp(8 * cf * ts))
    else:
        v = v0 / (1 + 8 * v0 * ts)
    err = float(np.max(np.abs(sol.y ** 2 - v[None, :])))
    spread = float(np.max(np.ptp(sol.y, axis=0)))
    return {"m": m, "T": T, "max_abs_error_u2": err, "particle_spread": spread,
            "F_final": float((np.mean(sol.y[:, -1] ** 2) - cf) ** 2)}


_INSTANCES = [{"name": "c = 1 (Lemma C.15), symbolic m; trajectory m = 10", "target": "1", "m": 10}]


@claim(ID_A15, label="§8 A15", provenance="[S]/[D]", paper="Chizat-Bach 2018",
       source="Lemma C.15 (appendix), as reported by secondary literature; the computation is derived",
       statement=r"\Phi(u)=u^2,\ R(s)=(s-1)^2:\ \mu_{m,0}=\delta_{1/m}\Rightarrow F(\mu_{m,t})\to0\ (t\to\infty),"
                 r"\ \text{while}\ \mu_0=\delta_0\ \text{is stationary with}\ F\equiv1",
       assumptions=ASSUMPTIONS_A15, instances=_INSTANCES,
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "target": st.fractions(Fraction(1, 10), 10).map(str),
                                               "m": st.integers(1, 20)}),
       description="particles at 1/m reach F = 0 while the mean-field flow from delta_0 stays at F = 1")
def check_a15(inst, *, dps=30):
    """A15: the Lemma C.15 counterexample, exact (sympy closed form and limits) plus a trajectory check."""
    c = _target(inst)
    m = _particles(inst)
    f = c15_facts(c)
    traj = trajectory_check(c, m)
    statement = (f"Phi(u) = u^2, R(s) = (s - {c})^2, V = 0: for every m >= 1 the particle flow from m particles at "
                 f"1/m has lim_t F = 0, while delta_0 is stationary with F(delta_0) = {c}^2 > 0")
    wit = {"target": str(c), "velocity": f["velocity"], "equal_particle_ode": f["equal_particle_ode"],
           "closed_form_u2": f["closed_form"], "F(delta_0)": str(f["F_delta0"]), "lim_t F": str(f["lim_t_F"]),
           "lim_m lim_t F": str(f["lim_m_lim_t_F"])}
    exact_ok = f["delta0_velocity"] == 0 and f["ode_residual_zero"] and f["initial_condition_zero"]
    if not exact_ok:
        return inconclusive(ID_A15, inst, method="sympy", witness=wit, assumptions=ASSUMPTIONS_A15,
                            scope="instance", statement=statement, stats={"trajectory": traj},
                            message="sympy did not confirm the closed form or the stationarity of delta_0")
    if f["lim_t_F"] != 0 or not f["F_delta0"] > 0:
        return refuted(ID_A15, inst, margin=str(f["F_delta0"] - f["lim_t_F"]), precision="exact (sympy)",
                       method="closed form + sympy limit", witness=wit, assumptions=ASSUMPTIONS_A15,
                       scope="instance", statement=statement, stats={"trajectory": traj},
                       message=f"no counterexample for c = {c}: lim_t F(mu_m,t) = {f['lim_t_F']} and "
                               f"F(delta_0) = {f['F_delta0']} (the gap needs c > 0)")
    tol = 1e-6 * max(1.0, abs(float(c)))  # u^2 grows to c: the tolerance is relative to max(1, |c|)
    if not traj["max_abs_error_u2"] <= tol:  # NaN (overflow) counts as a disagreement too
        return inconclusive(ID_A15, inst, method="sympy + solve_ivp", witness=wit, assumptions=ASSUMPTIONS_A15,
                            scope="instance", statement=statement, stats={"trajectory": traj},
                            message="the closed form and the simulated trajectory disagree "
                                    f"(max |u^2 - v| = {traj['max_abs_error_u2']:.3g} > {tol:.1e}): the exact "
                                    "proof is not trusted until they agree; investigate")
    return proved(ID_A15, inst, margin=f["F_delta0"] - f["lim_t_F"], precision="exact (sympy)",
                  method="closed form of the equal-particle ODE + sympy limits", witness=wit,
                  assumptions=ASSUMPTIONS_A15, scope="universal", statement=statement, stats={"trajectory": traj},
                  message=f"u^2(t) = {f['closed_form']} solves the equal-particle ODE exactly; lim_t F = 0 for "
                          f"every m, while delta_0 is stationary (velocity 0) with F = {f['F_delta0']}; "
                          f"simulation (m = {m}, t in [0, {traj['T']:.3g}]) agrees to "
                          f"{traj['max_abs_error_u2']:.1e} (tolerance {tol:.1e}). Uses uniqueness of "
                          "ODE solutions (Picard-Lindelof, a textbook theorem) for 'the flow stays there'")


ASSUMPTIONS_F10 = ("particle flows mu_{m,t} with mu_{m,0} -> mu_0 weakly",
                   "F* = lim_t F(mu_t) along the mean-field flow from mu_0")


@claim(ID_F10, label="§9 F10", provenance="[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F10), reconstructed; witness Lemma C.15",
       statement=r"F(\mu_t)\to F^*\ \Longrightarrow\ \lim_m\lim_tF(\mu_{m,t})=F^*\quad(\mu_{m,0}\to\mu_0)",
       assumptions=ASSUMPTIONS_F10, expected="fails", instances=_INSTANCES,
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "target": st.fractions(Fraction(1, 10), 10).map(str),
                                               "m": st.just(5)}),
       description="false variant: the limits in m and t interchange (refuted by Lemma C.15)")
def check_f10(inst, *, dps=30):
    """F10 (false): lim_m lim_t F(mu_{m,t}) = lim_t F(mu_t)."""
    c = _target(inst)
    f = c15_facts(c)
    F_star = f["F_delta0"]  # the mean-field flow from delta_0 is the constant curve (delta_0 stationary)
    statement = (f"lim_m lim_t F(mu_m,t) = F* for Phi(u) = u^2, R(s) = (s - {c})^2, mu_m,0 = delta_1/m -> "
                 "mu_0 = delta_0, F* = lim_t F(mu_t) along the constant mean-field flow from delta_0")
    wit = {"target": str(c), "lim_m lim_t F": str(f["lim_m_lim_t_F"]), "F*": str(F_star),
           "closed_form_u2": f["closed_form"], "delta0_velocity": str(f["delta0_velocity"])}
    ok = f["delta0_velocity"] == 0 and f["ode_residual_zero"] and f["initial_condition_zero"]
    if ok and f["lim_m_lim_t_F"] != F_star:
        return refuted(ID_F10, inst, margin=str(f["lim_m_lim_t_F"] - F_star), precision="exact (sympy)",
                       method="closed form + sympy limits", witness=wit, assumptions=ASSUMPTIONS_F10, scope="instance",
                       statement=statement,
                       message=f"lim_m lim_t F(mu_m,t) = {f['lim_m_lim_t_F']} but F* = {F_star} (delta_0 is "
                               "stationary, so the mean-field flow from it stays there; uniqueness of the flow is "
                               "the textbook step)")
    return inconclusive(ID_F10, inst, precision="exact (sympy)", method="closed form + sympy limits", witness=wit,
                        scope="instance", statement=statement,
                        message=f"no counterexample here: lim_m lim_t F = {f['lim_m_lim_t_F']}, F* = {F_star}")


@claim(ID_F5, label="§9 F5", provenance="[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F5), reconstructed; witnesses A7 and Lemma C.15's delta_0",
       statement=r"\forall\mu_0:\ \mu_t\to\mu_\infty\ \text{with}\ F(\mu_\infty)=\min F",
       assumptions=("no separation or full-support hypothesis on the initialisation",), expected="fails",
       instances=[{"name": "witness delta_0 of Lemma C.15 (c = 1)", "witness": "c15", "target": "1"},
                  {"name": "witness A7 (n=40, d=3, m=50, seed 0)", "witness": "a7", "n": 40, "d": 3, "m": 50,
                   "seed": 0}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "witness": st.just("c15"),
                                               "target": st.fractions(Fraction(-2), 2).map(str)}),
       description="false variant: the flow reaches a global minimiser from any initialisation")
def check_f5(inst, *, dps=30):
    """F5 (false): the mean-field flow converges to a global minimiser from every initialisation."""
    kind = inst.get("witness", "c15")
    if kind == "a7":
        from proofs.claims.chizat_bach_2018.stationary_points import _witness, certify_instance

        a7 = {k: v for k, v in inst.items() if k not in ("witness",)}
        info = certify_instance(a7, dps=dps)
        statement = ("the mean-field flow from the A7 configuration (all particles at (0,0), centred labels, "
                     f"n={info['n']}, d={info['d']}, m={info['m']}, seed={info['seed']}) converges to a global "
                     "minimiser")
        if info["stationary"] and info["not_optimal"]:
            return refuted(ID_F5, inst, margin=info["descent"]["decrease"],
                           precision=f"exact rationals + arb at {dps} dps", method="exact stationarity + "
                           "certified non-optimality", witness=_witness(info), scope="instance", statement=statement,
                           message="the velocity is exactly 0, so the flow stays at mu (uniqueness of ODE "
                                   f"solutions, textbook), and mu is not a global minimiser: S(mu) = "
                                   f"{info['sup_psi']} > 0 certified, a one-particle measure has certified lower F")
        return inconclusive(ID_F5, inst, method="exact velocity + analyze", witness=_witness(info),
                            scope="instance", statement=statement,
                            message="the A7 configuration is not a certified counterexample here (not stationary or "
                                    "non-optimality undecided)")
    if kind != "c15":
        raise InvalidArgument(f"witness {kind!r}; valid are c15, a7")
    c = _target(inst)
    f = c15_facts(c)
    statement = (f"the mean-field flow from delta_0 for Phi(u) = u^2, R(s) = (s - {c})^2 converges to a global "
                 "minimiser")
    # min F = 0 when c >= 0 (attained at delta_{sqrt c}, or delta_0 for c = 0); for c < 0, F >= c^2 = F(delta_0)
    min_F = sp.Integer(0) if c >= 0 else c ** 2
    wit = {"target": str(c), "F(delta_0)": str(f["F_delta0"]), "min F": str(min_F),
           "minimiser": f"delta_{{sqrt({c})}}" if c >= 0 else "delta_0", "delta0_velocity": str(f["delta0_velocity"])}
    if f["delta0_velocity"] == 0 and f["F_delta0"] > min_F:
        return refuted(ID_F5, inst, margin=str(f["F_delta0"] - min_F), precision="exact (sympy)",
                       method="exact stationarity + exact minimiser", witness=wit, scope="instance",
                       statement=statement,
                       message=f"delta_0 is stationary (velocity exactly 0) so the flow stays there, with "
                               f"F = {f['F_delta0']} > 0 = F(delta_sqrt({c})) = min F")
    return inconclusive(ID_F5, inst, precision="exact (sympy)", method="exact stationarity", witness=wit,
                        scope="instance", statement=statement,
                        message=f"no counterexample: F(delta_0) = {f['F_delta0']} = min F = {min_F}")
