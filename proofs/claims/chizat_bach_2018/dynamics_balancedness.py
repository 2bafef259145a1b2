r"""MATH.md §3.10 and §8 A11: the ReLU balancedness invariant and its decay under weight decay.

For the 2-homogeneous lift :math:`\Phi(a,\theta)(x)=a\,\sigma(\theta\cdot\tilde x)` with :math:`\sigma` positively
1-homogeneous (ReLU), every particle of the exact flow keeps :math:`\delta_j=|a_j|^2-|\theta_j|^2` constant; with
:math:`V=\frac\lambda2(|a|^2+|\theta|^2)` it decays as :math:`\delta_j(t)=\delta_j(0)e^{-2\lambda t}`.

What is certified (``proved``, symbolic, for every data set, every k and d): from the model's sympy
velocity (:meth:`proofs.symbolic.models.Model.velocity_term`), one data term of
:math:`\frac{d}{dt}\delta+2\lambda\delta` equals :math:`c\,(\sigma(z)-z\sigma'(z))` with :math:`z=\theta\cdot\tilde x`
(sympy, exact), and :math:`\sigma(z)-z\sigma'(z)\equiv0` for the activation (sympy on the three cases
:math:`z>0`, :math:`z<0`, :math:`z=0`). Numerical evidence (``stats``): an RK4 run of the engine, the drift of
:math:`\delta` and the fitted decay rate.

Dropping "sigma 1-homogeneous" (e.g. ``activation: softplus``) is refuted rigorously: the identity fails
at an exact point and :math:`\frac{d}{dt}\delta_j` is enclosed away from 0 in python-flint balls at an exact
rational data set and particle (witness: the exact instance and particle index).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import inconclusive, proved, rational_problem, refuted

ID = "relu-balancedness-invariant"
ASSUMPTIONS = ("sigma positively 1-homogeneous (ReLU): sigma(z) = z sigma'(z)",
               "V = 0, or V = lambda/2 (|a|^2 + |theta|^2)", "exact flow (not a discretisation)")


def symbolic_factorisation(model, lam=sp.Symbol("lambda", nonnegative=True)):
    r"""(D, c, e): one data term D of d/dt delta + 2 lambda delta, and the check that D = c (sigma - z sigma').

    Returns ``(ok, c, activation_identity)`` where ``ok`` says the remainder after writing
    sigma(z) = z sigma'(z) + e vanishes."""
    a = list(model.a_syms)
    th = model.u_syms
    v = model.velocity_term()
    va = [vi - lam * ai for vi, ai in zip(v[:len(a)], a)]  # weight decay: -lambda theta on every coordinate
    vth = [vi - lam * ti for vi, ti in zip(v[len(a):], th)]
    delta = sum(ai ** 2 for ai in a) - sum(t ** 2 for t in th)
    D = 2 * sum(ai * vi for ai, vi in zip(a, va)) - 2 * sum(t * vi for t, vi in zip(th, vth)) + 2 * lam * delta
    D = sp.expand(D)
    act = model.activation
    z = sum((t * x for t, x in zip(th, model.x_syms)), sp.S.Zero) + th[-1]
    f0, f1 = act.function(0)(z), act.function(1)(z)
    e = sp.Symbol("e")
    D2 = sp.expand(D.subs(f0, z * f1 + e))
    rest = sp.expand(D2.subs(e, 0))
    c = sp.factor(D2.coeff(e))
    return rest == 0, c


def activation_euler_identity(act):
    """sigma(z) - z sigma'(z) on z > 0, z < 0, z = 0: (all zero?, the three values)."""
    from proofs.symbolic.activations import Z

    e = act.derivative(0) - Z * act.derivative(1)
    zp, zn = sp.Symbol("zp", positive=True), sp.Symbol("zn", negative=True)
    vals = [sp.simplify(e.subs(Z, zp)), sp.simplify(e.subs(Z, zn)), sp.simplify(e.subs(Z, 0))]
    return all(v == 0 for v in vals), vals


def _arb_witness(model, inst, lam):
    """Balls for d/dt delta_j at an exact rational instance; the first particle whose ball excludes 0."""
    from proofs.symbolic.codegen import to_arb
    from numerics.certified.precision import arb_prec

    n, m, seed = int(inst.get("n", 4)), int(inst.get("m", 3)), int(inst.get("seed", 0))
    problem = rational_problem(model, n, m, seed)
    data, mu = problem.data, problem.mu
    for bits in (128, 256):
        with arb_prec(bits):
            va, vu = problem.velocity("arb")
            lam_b = to_arb(lam)
            for j in range(m):
                aj = [to_arb(x) for row in mu.a[j] for x in row]
                uj = [to_arb(x) for x in mu.u[j]]
                vaj = [x - lam_b * y for x, y in zip((x for row in va[j] for x in row), aj)]
                vuj = [x - lam_b * y for x, y in zip(vu[j], uj)]
                ddelta = 2 * sum((x * y for x, y in zip(aj, vaj)), to_arb(0)) - 2 * sum(
                    (x * y for x, y in zip(uj, vuj)), to_arb(0))
                delta = sum((x * x for x in aj), to_arb(0)) - sum((x * x for x in uj), to_arb(0))
                resid = ddelta + 2 * lam_b * delta
                if not resid.contains(0):
                    return j, resid, bits, data, mu
    return None


def _numeric_evidence(inst, lam):
    from numerics.dynamics import ParticleFlow, State
    from proofs.dynamics import NetField

    rng = np.random.default_rng(int(inst.get("seed", 0)))
    k, d, n, m = int(inst.get("k", 1)), int(inst.get("d", 2)), 12, 8
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, k))
    a, u = rng.standard_normal((m, k, 1)), rng.standard_normal((m, d + 1))
    T, steps = 0.5, 100
    flow = ParticleFlow(NetField(X, Y, inst.get("activation", "relu")), dt=T / steps, method="rk4",
                        weight_decay=float(lam))
    s = flow.run(State(a, u), steps)
    d0 = np.sum(a * a, axis=(1, 2)) - np.sum(u * u, axis=1)
    d1 = np.sum(s.a * s.a, axis=(1, 2)) - np.sum(s.u * s.u, axis=1)
    pred = d0 * np.exp(-2 * float(lam) * T)
    return {"rk4_T": T, "rk4_steps": steps, "max_rel_drift_vs_exp_decay": float(np.max(np.abs(d1 - pred)) /
                                                                                np.max(np.abs(d0)))}


@claim(ID, label="A11", provenance="[D]", paper="Chizat-Bach 2018",
       source="Section 4 (applications: ReLU networks); the invariant is derived here from the 2-homogeneity of the ReLU lift",
       description="ReLU lift: |a_j|^2 - |theta_j|^2 is constant along the flow (V = 0) and decays like exp(-2 lambda t) with weight decay",
       statement=r"\frac{d}{dt}\big(|a_j|^2-|\theta_j|^2\big)=-2\lambda\big(|a_j|^2-|\theta_j|^2\big)",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "ReLU lift k=1 d=2, V=0", "k": 1, "d": 2, "lambda": "0"},
                  {"name": "ReLU lift k=2 d=1, weight decay 1/2", "k": 2, "d": 1, "lambda": "1/2"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "k": st.integers(1, 3),
                                               "d": st.integers(1, 3),
                                               "lambda": st.sampled_from(["0", "1/10", "1/2", "2"])}))
def check(inst, *, dps=30):
    """Balancedness |a|^2 - |theta|^2 is conserved (decays as e^{-2 lambda t} with weight decay) for ReLU."""
    from proofs.symbolic.models import get_model

    act = inst.get("activation", "relu")
    model = get_model("relu-lift", k=int(inst.get("k", 1)), d=int(inst.get("d", 2)), activation=act)
    lam = sp.Rational(str(inst.get("lambda", "0")))
    ok, c = symbolic_factorisation(model, lam)
    ident, vals = activation_euler_identity(model.activation)
    stats = _numeric_evidence(inst, lam) if act in ("relu", "identity", "tanh", "sigmoid", "softplus") else {}
    statement = (f"d/dt (|a_j|^2 - |theta_j|^2) = -2 lambda (|a_j|^2 - |theta_j|^2), lambda = {lam}, for the {act} "
                 f"lift (k={model.k}, d={int(inst.get('d', 2))}): every data set, particle and configuration of "
                 "the other particles (exact flow, symbolic)")
    if ok and ident:
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="sympy factorisation + case split",
                      assumptions=ASSUMPTIONS, stats=stats, scope="universal", statement=statement,
                      message=f"one data term of d/dt delta + 2 lambda delta = ({c}) (sigma(z) - z sigma'(z)), and "
                              "sigma(z) = z sigma'(z) on z>0, z<0, z=0: delta_j(t) = delta_j(0) exp(-2 lambda t)")
    if ok and not ident:
        hit = _arb_witness(model, inst, lam)
        if hit is not None:
            j, resid, bits, data, mu = hit
            return refuted(ID, inst, margin=resid, precision=f"arb {bits} bits",
                           method="velocity in balls at an exact rational instance", assumptions=ASSUMPTIONS,
                           stats=stats, scope="instance",
                           statement=statement.split(":")[0] + f": fails for particle {j} of the exact rational "
                                                                "instance in the witness",
                           witness={"particle": j, "X": data.X, "Y": data.Y, "a": mu.a, "theta": mu.u,
                                    "mass": [str(p) for p in mu.mass], "seed": int(inst.get("seed", 0)),
                                    "sigma(z) - z sigma'(z) on z>0, z<0, z=0": [str(v) for v in vals]},
                           message=f"{act} is not 1-homogeneous (sigma - z sigma' = {vals}): d/dt delta_{j} + "
                                   f"2 lambda delta_{j} is certified nonzero at the witness")
    return inconclusive(ID, inst, precision="sympy", method="sympy factorisation", assumptions=ASSUMPTIONS,
                        stats=stats, scope="instance", statement=statement,
                        message="the factorisation or the activation identity was not decided; "
                                             "try another seed (witness search) or simplify the activation")
