r"""MATH.md §8 A2: the particle velocity identity, for every model of MATH.md §1.4.

.. math::
    -m\,\nabla_{u_j}F_m(u_1,\dots,u_m) = -\nabla_u F'(\mu_m)(u)\big|_{u=u_j}

What is certified: PROVED by sympy, termwise in the data point: one data term of F_m is
:math:`\frac1{2n}|\frac1m\Phi(u_j)(x)+c-y|^2`, where c collects the other particles (independent of u_j),
and the right side is the model's own symbolic first variation with r = f - y substituted after
differentiation. The proof therefore holds for every n, m, data set and configuration of the other particles
(for the ReLU lift: away from the kink, where both sides use ReLU' = Heaviside). Dropping the mean-field factor m
(``scaling="no-m"``) is refuted with a rational witness certified by balls.
"""
from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import model_from, proved, refute_nonzero_identity, inconclusive
from proofs.prove.zero import symbolic_zero

ID = "particle-velocity-identity"
ASSUMPTIONS = ("mean-field scaling f = (1/m) sum_j Phi(u_j)", "squared loss", "Phi differentiable at u_j")


def symbolic_difference(model, scaling="mean-field"):
    n, m = sp.Symbol("n", positive=True), sp.Symbol("m", positive=True)
    c = sp.Matrix(model.k, 1, [sp.Symbol(f"c{i}", real=True) for i in range(1, model.k + 1)])
    y = sp.Matrix(model.k, 1, [sp.Symbol(f"y{i}", real=True) for i in range(1, model.k + 1)])
    f = model.feature() / m + c
    e = f - y
    Fterm = sum((v * v for v in e), sp.S.Zero) / (2 * n)
    factor = m if scaling == "mean-field" else 1
    lhs = [-factor * sp.diff(Fterm, s) for s in model.theta_syms]
    r_sub = dict(zip(list(model.r_syms), list(e)))
    rhs = [v.xreplace(r_sub) / n for v in model.velocity_term()]
    return [a - b for a, b in zip(lhs, rhs)], [n, m]


_MODELS = [
    {"name": "sigmoid scalar d=2", "model": "sigmoid", "k": 1, "d": 2},
    {"name": "sigmoid vector k=3 d=2", "model": "sigmoid", "k": 3, "d": 2},
    {"name": "tanh vector k=2", "model": "sigmoid", "k": 2, "d": 2, "activation": "tanh"},
    {"name": "attention A p=2 L=2", "model": "attention", "k": 2, "p": 2, "L": 2},
    {"name": "attention QK p=2 L=2", "model": "attention-qk", "k": 1, "p": 2, "L": 2, "dq": 1},
    {"name": "relu lift d=2", "model": "relu-lift", "k": 1, "d": 2},
]


@claim(ID, label="A2", provenance="[D]", paper="Chizat-Bach 2018",
       source="Definition/Proposition 2.3 (particle gradient flow: each particle moves with -grad F'(mu_m))",
       description="-m grad_{u_j} F_m equals -grad F'(mu_m) at u_j, for sigmoid, ReLU, vector-output and attention features",
       statement=r"-m\nabla_{u_j}F_m(u)=-\nabla_uF'(\mu_m)(u)\big|_{u=u_j}", assumptions=ASSUMPTIONS,
       instances=_MODELS,
       strategy=lambda: st.one_of(
           st.fixed_dictionaries({"name": st.just("hypothesis"), "model": st.just("sigmoid"),
                                  "k": st.integers(1, 3), "d": st.integers(1, 3),
                                  "activation": st.sampled_from(["sigmoid", "tanh", "erf", "softplus",
                                                                 "tanh(z)/2 + z/10"])}),
           st.fixed_dictionaries({"name": st.just("hypothesis"), "model": st.just("attention"),
                                  "k": st.integers(1, 2), "p": st.integers(1, 2), "L": st.integers(1, 3)})))
def check(inst, *, dps=30):
    """-m grad_{u_j} F_m equals -grad F'(mu_m) at u_j (MATH.md §8 A2)."""
    model = model_from(inst)
    scaling = inst.get("scaling", "mean-field")
    diff, pos = symbolic_difference(model, scaling)
    statement = (("-m grad_(u_j) F_m = -grad F'(mu_m)(u_j)" if scaling == "mean-field" else
                  "-grad_(u_j) F_m = -grad F'(mu_m)(u_j) (without the mean-field factor m)")
                 + f" for the {model.name} model (k={model.k}, p_u={model.p_u}), every n, m, data set and "
                 "configuration of the other particles (termwise, symbolic)"
                 + (", away from the ReLU kink" if model.name.startswith("relu") else ""))
    z = symbolic_zero(diff)
    if z is True:
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="sympy termwise identity",
                      assumptions=ASSUMPTIONS, scope="universal", statement=statement,
                      message=f"proved for {model.name} (k={model.k}, p_u={model.p_u}) for every n, m and data"
                              + (" (away from the ReLU kink)" if model.name.startswith("relu") else ""))
    nz = [d for d in diff if sp.expand(d) != 0]
    if not nz:
        return inconclusive(ID, inst, method="sympy", assumptions=ASSUMPTIONS, scope="instance",
                            statement=statement, message="sympy undecided; simplify by hand")
    expr = nz[0]
    syms = sorted(expr.free_symbols, key=str)
    return refute_nonzero_identity(ID, inst, expr, syms, positive=pos, method="sympy + arb witness",
                                   assumptions=ASSUMPTIONS, what=f"the velocity identity with scaling={scaling}",
                                   statement=statement)
