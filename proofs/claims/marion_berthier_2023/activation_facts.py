r"""§8 D1 and §9 F14: facts about the Marion–Berthier cubic smooth step (the activation of the authors' code,
introduced by commit c33385e and used at bd701b3).

.. math::
    \sigma(\pm\tfrac12)\in\{0,1\},\ \sigma(0)=\tfrac12,\ \sigma'(0)=3=\max\sigma',\ \int\sigma'=1,\
    \sigma\in C^1,\ \sigma''(0^-)=12,\ \sigma''(0^+)=-12\ \Rightarrow\ \sigma\notin C^2 .

What is certified: every fact is computed exactly by sympy from the one piecewise expression of the activation
(values, the exact integral of the derivative over [-1/2, 1/2], one-sided limits of derivatives at each breakpoint,
the supremum of |sigma'| per piece). The false variant "the cubic step is C^2" (F14, ``expected="fails"``) is
refuted with the exact jump of sigma'' at 0 as witness. The same check runs on any activation given by name or
grammar string through the ``activation`` key, so user activations can be audited the same way.
"""
from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from proofs.symbolic.activations import Z, get_activation
from proofs.registry import claim
from proofs.claims._common import inconclusive, proved, refuted

ID = "cubic-smooth-step-facts"
ID_C2 = "cubic-smooth-step-is-C2"
ASSUMPTIONS = ("sigma = cubic smooth step: 0, 4(z+1/2)^3, 1-4(1/2-z)^3, 1 on the breakpoints -1/2, 0, 1/2 "
               "(authors' code at bd701b3)",)


def _assumptions(act):
    """The assumption line names the activation actually checked (the cubic step unless the instance says else)."""
    if act.name in ("cubic-step", "cubic_step", "cubic smooth step"):
        return ASSUMPTIONS
    return (f"sigma = {act.name}: {act.expr} (the activation named by the instance, not the cubic step)",)


def facts(act):
    half = sp.S.Half
    s = act.expr
    d1 = act.derivative(1)
    left, right = act.jump(2, 0)
    return {
        "sigma(-1/2)": (s.subs(Z, -half), 0),
        "sigma(1/2)": (s.subs(Z, half), 1),
        "sigma(0)": (s.subs(Z, 0), half),
        "sigma'(0)": (d1.subs(Z, 0), 3),
        "sup|sigma'|": (act.sup_abs(1).value, 3),
        "integral of sigma'": (sp.integrate(d1, (Z, -1, 1)), 1),
        "smoothness class": (act.smoothness, 1),
        "sigma''(0-)": (left, 12),
        "sigma''(0+)": (right, -12),
    }


@claim(ID, label="§8 D1", provenance="[N]/[C]", paper="Marion-Berthier 2023 (code bd701b3)",
       source="the authors' code, commit bd701b3 (activation)",
       statement=r"\sigma(0)=\tfrac12,\ \sigma'(0)=3,\ \int\sigma'=1,\ \sigma\in C^1\setminus C^2",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "cubic step", "activation": "cubic-step"}],
       description="exact facts of the cubic smooth step: values, sigma'(0) = 3 = sup sigma', C^1 but not C^2",
       strategy=lambda: st.just({"name": "cubic step", "activation": "cubic-step"}))
def check(inst, *, dps=30):
    """Exact facts of the cubic smooth step (§8 D1)."""
    act = get_activation(inst.get("activation", "cubic-step"))
    assumptions = _assumptions(act)
    statement = (f"the D1 facts for sigma = {act.name}: sigma(-1/2) = 0, sigma(1/2) = 1, sigma(0) = 1/2, "
                 "sigma'(0) = 3 = sup|sigma'|, int sigma' = 1, sigma in C^1 but not C^2, sigma''(0-) = 12, "
                 "sigma''(0+) = -12 (exact; a fixed function, no free variables)")
    try:
        table = facts(act)
    except Exception as exc:  # sympy could not evaluate a fact for a user activation
        return inconclusive(ID, inst, method="sympy", assumptions=assumptions, scope="universal",
                            statement=statement, message=f"sympy could not evaluate the facts: {type(exc).__name__}")
    bad = {k: (str(v), str(e)) for k, (v, e) in table.items() if v is None or sp.simplify(sp.sympify(v) - e) != 0}
    shown = {k: str(v) for k, (v, _) in table.items()}
    if not bad:
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="sympy values, integral, one-sided limits",
                      assumptions=assumptions, stats={"facts": shown}, scope="universal", statement=statement,
                      message="all D1 facts hold exactly; C^1, not C^2")
    if any(v == "None" for v, _ in bad.values()):
        return inconclusive(ID, inst, method="sympy", assumptions=assumptions, stats={"facts": shown},
                            scope="universal", statement=statement, message=f"undecided: {sorted(bad)}")
    return refuted(ID, inst, margin=None, precision="exact (sympy)", method="sympy", assumptions=assumptions,
                   witness={"failed": bad}, stats={"facts": shown}, scope="universal", statement=statement,
                   message="facts that fail: " + ", ".join(f"{k} = {v} (expected {e})" for k, (v, e) in bad.items()))


@claim(ID_C2, label="§9 F14", provenance="[C]", paper="Marion-Berthier 2023 (commit message claim)",
       source="commit message of c33385e ('twice continuously differentiable')",
       statement=r"\sigma\in C^2", expected="fails", assumptions=ASSUMPTIONS,
       instances=[{"name": "cubic step", "activation": "cubic-step"}],
       description="false variant: the cubic smooth step is twice continuously differentiable",
       strategy=lambda: st.just({"name": "cubic step", "activation": "cubic-step"}))
def check_c2(inst, *, dps=30):
    """The (false) claim that the cubic step is twice continuously differentiable (F14)."""
    act = get_activation(inst.get("activation", "cubic-step"))
    assumptions = _assumptions(act)
    statement = f"sigma = {act.name} is C^2 on R (exact; a fixed function, no free variables)"
    for b in act.breakpoints:
        for order in (0, 1, 2):
            left, right = act.jump(order, b)
            gap = sp.simplify(left - right)
            if gap.is_zero is False:
                return refuted(ID_C2, inst, margin=str(gap), precision="exact (sympy)", method="one-sided limits",
                               assumptions=assumptions, scope="universal", statement=statement,
                               witness={"point": str(b), "order": order, "left": str(left), "right": str(right)},
                               message=f"sigma^({order}) jumps at z = {b}: left {left}, right {right}")
    sm = act.smoothness
    if sm is not None and sm >= 2:
        return proved(ID_C2, inst, margin=0, precision="exact (sympy)", method="one-sided limits",
                      assumptions=assumptions, scope="universal", statement=statement,
                      message=f"sigma is C^{sm} (derivatives up to order 2 continuous)")
    return inconclusive(ID_C2, inst, method="sympy", assumptions=assumptions, scope="universal", statement=statement,
                        message="smoothness undecided by sympy; simplify the activation")
