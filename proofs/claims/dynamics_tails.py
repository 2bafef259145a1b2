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

Dropping "linear growth" (instance ``velocity: "u**2"``, the scalar flow :math:`u'=u^2`, :math:`u(0)=1`)
is refuted exactly: :math:`u(t)=1/(1-t)` (sympy-checked) exceeds :math:`(1+u_0)e^{Ct}-1` at
:math:`t^*=1-1/(4e^{C})` for the instance's C, which no Gronwall bound allows.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ..registry import claim
from ._common import inconclusive, refuted

ID = "subgaussian-tails-propagate"
ASSUMPTIONS = ("velocities of linear growth |theta'| <= C (1 + |theta|) (bounded sigma, sigma'; V = 0)",
               "sub-Gaussian initial law (here N(0, I))", "finite horizon T")


def _superlinear_witness(inst):
    t = sp.Symbol("t", nonnegative=True)
    C = sp.Rational(str(inst.get("C", "1")))
    u = 1 / (1 - t)
    if sp.simplify(sp.diff(u, t) - u ** 2) != 0 or u.subs(t, 0) != 1:
        return None
    ts = 1 - sp.Rational(1, 4) / sp.exp(C)
    lhs = sp.simplify(1 + u.subs(t, ts))
    rhs = sp.simplify((1 + 1) * sp.exp(C * ts))
    diff = sp.simplify(lhs - rhs)
    # exact argument: lhs = 1 + 4 e^C, and t* < 1, C >= 0 give rhs = 2 e^{C t*} <= 2 e^C < 1 + 4 e^C
    if C >= 0 and (ts < 1) is sp.true and sp.simplify(lhs - (1 + 4 * sp.exp(C))) == 0:
        return ts, lhs, rhs, diff
    return None


@claim(ID, label="MATH.md §8 G3", provenance="[D]", paper="Petit-Poon-Peyre 2026 (reconstructed setting [I])",
       statement=r"|\theta'|\le C(1+|\theta|)\ \Rightarrow\ 1+|\theta_j(t)|\le(1+|\theta_j(0)|)e^{Ct}",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "sigmoid teacher, m=2000, T=2", "m": 2000, "T": 2.0, "activation": "sigmoid"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "m": st.integers(200, 2000),
                                               "T": st.floats(0.2, 3.0), "seed": st.integers(0, 99),
                                               "activation": st.sampled_from(["sigmoid", "tanh"])}))
def check(inst, *, dps=30):
    """Gronwall bound and sub-Gaussian tails along the flow (MATH.md §8 G3)."""
    if "velocity" in inst:
        w = _superlinear_witness(inst)
        if w is not None:
            ts, lhs, rhs, diff = w
            return refuted(ID, inst, margin=-diff, precision="exact (sympy)", method="closed-form solution",
                           assumptions=ASSUMPTIONS,
                           witness={"velocity": "u' = u^2", "u0": "1", "solution": "1/(1-t)", "C": str(inst.get("C", 1)),
                                    "t*": str(ts), "1+|u(t*)|": str(lhs), "(1+|u0|) e^{C t*}": str(rhs)},
                           message=f"without linear growth: 1 + u(t*) = {lhs} > (1+u0) e^(C t*) = {rhs} at t* = {ts}")
        return inconclusive(ID, inst, precision="sympy", method="closed form", assumptions=ASSUMPTIONS,
                            message="the closed form was not verified")
    from numerics.dynamics import NetField, ParticleFlow, State

    from ..activations import get_activation

    seed, m, T = int(inst.get("seed", 0)), int(inst.get("m", 2000)), float(inst.get("T", 2.0))
    act = inst.get("activation", "sigmoid")
    k, d, n = 1, 2, 20
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)) / np.sqrt(d), 4)
    Y = NetField(X, np.zeros((n, k)), act).predict(rng.standard_normal((3, k, 1)) * 2,
                                                    rng.standard_normal((3, d + 1)) * 2)
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
    stats = {"C": float(C), "times": times, "min_relative_slack": slack, "log_tail_vs_s2_slopes": fits,
             "initial_tail_slope": tail_fit(n0)}
    if margin < 0:
        return inconclusive(ID, inst, margin=margin, precision="float64", method="RK4 run + Gronwall bound",
                            assumptions=ASSUMPTIONS, numerical=True, stats=stats,
                            message="a particle exceeds the Gronwall bound in float64 (should be impossible: "
                                    "check the step size dt = T/100 or report a bug)")
    return inconclusive(ID, inst, margin=margin, precision="float64", method="RK4 run + Gronwall bound",
                        assumptions=ASSUMPTIONS, numerical=True, stats=stats,
                        message=f"all particles within (1+|theta0|) e^(Ct), C = {C:.4g}, min relative slack "
                                f"{margin:.3g}; log-tail slopes in s^2: {', '.join(f'{f:.2f}' for f in fits)} "
                                "(negative: sub-Gaussian-looking); evidence, not a proof")
