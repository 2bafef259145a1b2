r"""MATH.md §3.5 (Theorem 2.6 of Chizat-Bach) and §8 A14/A15: the many-particle limit.

Claim ``mean-field-limit-loss-curves``: if :math:`\mu_{m,0}\to\mu_0` in :math:`W_2`, the loss curves
:math:`F(\mu_{m,t})` converge to :math:`F(\mu_t)` uniformly on bounded time intervals :math:`[0,T]`
(for i.i.d. initialisations the sup-distance is expected to decay roughly like :math:`m^{-1/2}`;
the rate is an expectation, not a theorem).

What is certified:

* ``model: a15`` (:math:`\Phi(u)=u^2`, :math:`R(s)=(s-1)^2`, all particles at :math:`1/m`, so
  :math:`\mu_{m,0}=\delta_{1/m}\to\delta_0`): the closed form
  :math:`u(t)=(1+(m^2-1)e^{-8t})^{-1/2}` is checked symbolically to solve :math:`u'=4u(1-u^2)`, :math:`u(0)=1/m`;
  the limit flow from :math:`\delta_0` is stationary with :math:`F\equiv1`; :math:`F_m` decreases in t, so
  :math:`\sup_{[0,T]}|F_m-1|=1-F_m(T)`, and sympy proves :math:`\lim_{m\to\infty}(1-F_m(T))=0` → ``proved``.
  Dropping "bounded horizon" (``horizon: infinite``) is refuted exactly: at
  :math:`t_m=\ln(m^2-1)/8`, :math:`F_m(t_m)=1/4` for every m, so :math:`\sup_{t\ge0}|F_m(t)-1|\ge3/4`.
* other models: float64 runs of the engine from i.i.d. N(0, I) particles for several m and a
  large reference m (several seeds); the fitted slope of log sup-distance against log m is
  reported (``inconclusive``, ``numerical=True``, margin = -slope).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ..registry import claim
from ._common import inconclusive, proved, refuted

ID = "mean-field-limit-loss-curves"
ASSUMPTIONS = ("mu_{m,0} -> mu_0 in W_2 (Assumption 2.1 regularity)", "bounded time interval [0, T]")


def a15_closed_form():
    """(u(t), F_m(t), residual of the ODE u' - 4u(1-u^2), u(0) - 1/m), sympy."""
    t = sp.Symbol("t", nonnegative=True)
    m = sp.Symbol("m", positive=True)
    u = (1 + (m ** 2 - 1) * sp.exp(-8 * t)) ** sp.Rational(-1, 2)
    ode = sp.simplify(sp.diff(u, t) - 4 * u * (1 - u ** 2))
    init = sp.simplify(u.subs(t, 0) - 1 / m)
    F = sp.simplify((u ** 2 - 1) ** 2)
    return t, m, u, F, ode, init


def _check_a15(inst):
    t, m, u, F, ode, init = a15_closed_form()
    horizon = str(inst.get("horizon", "1"))
    if ode != 0 or init != 0:
        return inconclusive(ID, inst, precision="sympy", method="closed form",
                            assumptions=ASSUMPTIONS, message="sympy did not verify the closed form")
    if horizon == "infinite":
        # t_m = log(m^2 - 1)/8: (m^2 - 1) e^{-8 t_m} = 1, F_m(t_m) = (1/(1+1))^2 = 1/4
        tm = sp.log(m ** 2 - 1) / 8
        Ftm = sp.simplify(F.subs(t, tm))
        if Ftm == sp.Rational(1, 4):
            return refuted(ID, inst, margin=sp.Rational(-3, 4), precision="exact (sympy)",
                           method="closed form of the particle flow", assumptions=ASSUMPTIONS,
                           witness={"model": "a15", "mu_m0": "delta_{1/m}", "t_m": "log(m^2-1)/8",
                                    "F_m(t_m)": "1/4", "F_limit": "1"},
                           message="without a bounded horizon: for every m >= 2, F_m(t_m) = 1/4 at t_m = "
                                   "log(m^2-1)/8 while the limit flow from delta_0 has F = 1: sup_t |F_m - F| >= 3/4")
        return inconclusive(ID, inst, precision="sympy", method="closed form", assumptions=ASSUMPTIONS,
                            message=f"F_m(t_m) simplified to {Ftm}, expected 1/4")
    T = sp.Rational(horizon)
    if not T > 0:
        from .._errors import InvalidArgument

        raise InvalidArgument(f"horizon must be a positive number or 'infinite', got {horizon!r}")
    # F_m is decreasing in t (w = (m^2-1) e^{-8t} decreases and F = (w/(1+w))^2 increases in w)
    w = sp.Symbol("w", positive=True)
    Fw = sp.simplify(F.subs(sp.exp(-8 * t), w / (m ** 2 - 1)))
    mono = sp.simplify(sp.diff((w / (1 + w)) ** 2, w))
    gap = 1 - F.subs(t, T)
    lim = sp.limit(gap, m, sp.oo)
    rate = sp.limit(gap * m ** 2, m, sp.oo)
    if lim == 0 and (mono.is_positive or sp.simplify(mono - 2 * w / (1 + w) ** 3) == 0):
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="closed form + sympy limit",
                      assumptions=ASSUMPTIONS,
                      witness={"model": "a15", "T": str(T), "sup_distance": str(sp.simplify(gap)),
                               "m^2 sup_distance ->": str(rate)},
                      stats={"F_m_in_w": str(Fw)},
                      message=f"sup_[0,{T}] |F_m - F| = 1 - F_m({T}) -> 0 as m -> oo (rate m^-2, constant {rate})")
    return inconclusive(ID, inst, precision="sympy", method="closed form + limit", assumptions=ASSUMPTIONS,
                        message=f"sympy limit gave {lim}; monotonicity {mono}")


def _check_numeric(inst):
    from numerics.dynamics import NetField, ParticleFlow, State

    rng = np.random.default_rng(int(inst.get("seed", 0)))
    n, d, k = int(inst.get("n", 24)), int(inst.get("d", 2)), int(inst.get("k", 1))
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    teacher = NetField(X, np.zeros((n, k)), inst.get("activation", "sigmoid"))
    Y = teacher.predict(rng.standard_normal((4, k, 1)) * 2, rng.standard_normal((4, d + 1)) * 2)
    field = NetField(X, Y, inst.get("activation", "sigmoid"))
    T, dt = float(inst.get("T", 2.0)), float(inst.get("dt", 0.1))
    steps = int(round(T / dt))
    ms = list(inst.get("ms", [100, 400, 1600]))
    m_ref, seeds = int(inst.get("m_ref", 25600)), int(inst.get("seeds", 4))

    def curve(m, seed):
        r = np.random.default_rng(10_000 + seed * 7919 + m)
        st0 = State(r.standard_normal((m, k, 1)), r.standard_normal((m, d + 1)))
        losses = [field.loss(*st0)]
        ParticleFlow(field, dt=dt).run(st0, steps, every=1, callback=lambda s, st, L: losses.append(field.loss(*st)))
        return np.asarray(losses)

    ref = np.mean([curve(m_ref, s) for s in range(2)], axis=0)
    dist = [float(np.mean([np.max(np.abs(curve(m, s) - ref)) for s in range(seeds)])) for m in ms]
    slope = float(np.polyfit(np.log(ms), np.log(dist), 1)[0])
    return inconclusive(ID, inst, margin=-slope, precision="float64", method="fitted slope of the sup-distance",
                        assumptions=ASSUMPTIONS, numerical=True,
                        stats={"m": ms, "sup_distance": dist, "m_ref": m_ref, "slope": slope, "T": T},
                        message=f"sup_[0,{T}] |F_m - F_ref| = {', '.join(f'{x:.2e}' for x in dist)} for m = {ms}: "
                                f"fitted rate m^{slope:.2f} (i.i.d. expectation m^-0.5); evidence, not a proof")


@claim(ID, label="MATH.md §8 A14", provenance="[R]/[I]", paper="Chizat-Bach 2018, Theorem 2.6 (many-particle limit)",
       statement=r"\mu_{m,0}\xrightarrow{W_2}\mu_0\ \Rightarrow\ \sup_{t\in[0,T]}|F(\mu_{m,t})-F(\mu_t)|\to0",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "A15: delta_{1/m} -> delta_0, T = 1", "model": "a15", "horizon": "1"},
                  {"name": "sigmoid teacher, iid N(0,I), m = 100..1600", "model": "sigmoid"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis a15"), "model": st.just("a15"),
                                               "horizon": st.sampled_from(["1/4", "1", "3", "10"])}))
def check(inst, *, dps=30):
    """Loss curves of m-particle flows converge as m grows, on bounded time intervals (MATH.md §8 A14)."""
    if inst.get("model", "a15") == "a15":
        return _check_a15(inst)
    return _check_numeric(inst)
