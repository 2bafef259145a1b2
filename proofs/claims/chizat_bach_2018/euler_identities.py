r"""MATH.md §8 A4 (and §1.3): Euler identities from homogeneity.

* 2-homogeneous (ReLU lift, V = 0): :math:`\langle u,\nabla F'(\mu)(u)\rangle = 2F'(\mu)(u)`.
* partially 1-homogeneous (linear output weights, any model of §1.4):
  :math:`\langle a,\nabla_a F'(\mu)(a,u)\rangle = F'(\mu)(a,u)`.

What is certified: PROVED by sympy on one data term of F' (so for every data set and residual), the ReLU case
after rewriting ReLU and its derivative as piecewise functions (valid at every real point, the kink included with
Heaviside(0) = 1/2 since both sides vanish there). Replacing ReLU by a non-homogeneous activation
(``activation="softplus"``) is refuted with a ball-certified rational witness.
"""
from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from proofs.registry import claim
from proofs.claims._common import inconclusive, model_from, proved, refute_nonzero_identity
from proofs.prove.zero import symbolic_zero, zero_by_cases

ID = "euler-homogeneity-identities"
ASSUMPTIONS = ("Phi positively 2-homogeneous in u (kind=two-homogeneous) or linear in a (kind=output-linear)",
               "V = 0")


def symbolic_difference(model, kind):
    fv = model.first_variation_term()
    if kind == "two-homogeneous":
        lhs = sum((s * sp.diff(fv, s) for s in model.theta_syms), sp.S.Zero)
        diff = lhs - 2 * fv
    else:
        lhs = sum((s * sp.diff(fv, s) for s in model.a_syms), sp.S.Zero)
        diff = lhs - fv
    act = getattr(model, "activation", None)
    if act is not None:
        diff = act.concrete(diff)
    return diff


def _zero_piecewise(diff):
    """True (proved identity), False (certified nonzero somewhere), None (undecided: never a proof): the zero
    decider, then case by case where it is undecided (ReLU and its derivative are functions with cases)."""
    z = symbolic_zero(diff)
    return zero_by_cases(diff) if z is None else z


def _statement(model, kind):
    what = ("<u, grad F'(mu)(u)> = 2 F'(mu)(u)" if kind == "two-homogeneous" else
            "<a, grad_a F'(mu)(a,u)> = F'(mu)(a,u)")
    act = getattr(model, "activation", None)
    return (f"{what} for the {model.name} model (k={model.k}, p_u={model.p_u}"
            + (f", activation {act.name}" if act is not None else "") + "), every data set, residual and particle "
            "(one data term of F', symbolic)")


@claim(ID, label="A4", provenance="[D]", paper="Chizat-Bach 2018",
       source="Assumptions 3.2 (2-homogeneous) and 3.4 (partially 1-homogeneous); the identities are derived here from homogeneity",
       description="Euler identities of the first variation for 2-homogeneous and output-linear features",
       statement=r"\langle u,\nabla F'(\mu)(u)\rangle=2F'(\mu)(u)\ (\text{2-hom.}),\quad "
                 r"\langle a,\nabla_aF'(\mu)(a,u)\rangle=F'(\mu)(a,u)",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "relu lift d=2 (2-homogeneous)", "model": "relu-lift", "d": 2, "kind": "two-homogeneous"},
                  {"name": "sigmoid k=2 (output-linear)", "model": "sigmoid", "k": 2, "d": 2, "kind": "output-linear"},
                  {"name": "attention (output-linear)", "model": "attention", "k": 2, "p": 2, "L": 2,
                   "kind": "output-linear"}],
       strategy=lambda: st.one_of(
           st.fixed_dictionaries({"name": st.just("hypothesis"), "model": st.just("relu-lift"),
                                  "d": st.integers(1, 3), "kind": st.just("two-homogeneous")}),
           st.fixed_dictionaries({"name": st.just("hypothesis"), "model": st.just("sigmoid"), "k": st.integers(1, 3),
                                  "d": st.integers(1, 3), "kind": st.just("output-linear"),
                                  "activation": st.sampled_from(["sigmoid", "tanh", "erf", "cubic-step"])})))
def check(inst, *, dps=30):
    """Euler identities for 2-homogeneous and output-linear first variations (MATH.md §8 A4)."""
    model = model_from(inst)
    kind = inst.get("kind", "output-linear")
    diff = symbolic_difference(model, kind)
    statement = _statement(model, kind)
    z = _zero_piecewise(diff)
    if z is True:
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="sympy identity (piecewise-aware)",
                      assumptions=ASSUMPTIONS, scope="universal", statement=statement,
                      message=f"{kind} Euler identity proved for {model.name}")
    syms = sorted(diff.free_symbols, key=str)
    if not syms:
        return inconclusive(ID, inst, method="sympy", assumptions=ASSUMPTIONS, scope="instance",
                            statement=statement, message="sympy undecided")
    return refute_nonzero_identity(ID, inst, diff, syms, method="sympy + arb witness", assumptions=ASSUMPTIONS,
                                   what=f"the {kind} Euler identity for {model.name}", statement=statement)
