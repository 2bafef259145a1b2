# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Marion & Berthier 2023: the two-timescale regime and the cubic smooth step
#
# **Claims illustrated:** `cubic-smooth-step-facts` (D1, the activation of the authors' code), its false variant
# `cubic-smooth-step-is-C2` (F14: the step is $C^1$, not $C^2$), `sharp-step-reduced-loss-limit` (D2),
# `slow-flow-flanking-derivatives` (D3), `sharp-loss-general-gradient` (D5), `finite-eta-floor` (D6), and the false
# variant `sharp-limit-any-layout`.
#
# **Settings:** exact rational arithmetic and sympy (the claims, `proofs.twotimescale`); the figure: the cubic step
# $\sigma$ and its first two derivatives from its sympy expression, 400 points (float64).
#
# Regenerate the figure: `python notebooks/08_marion_berthier_2023.py`.

# %%
SMALL = True  # the test suite executes this notebook at this size

import os
from fractions import Fraction

import numpy as np
import sympy as sp

from proofs import Verdict, check, get_activation, get_claim, style
from proofs.registry import all_claims
from proofs.twotimescale import ExactTarget, exact_floor

HERE = "." if os.path.isdir("user_models") else "notebooks"
FIGURES = os.environ.get("ESCSET_FIGURES", os.path.join(HERE, "figures"))  # the tests write to a scratch folder
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## 1. The claims
# %%
IDS = ["cubic-smooth-step-facts", "cubic-smooth-step-is-C2", "sharp-step-reduced-loss-limit",
       "slow-flow-flanking-derivatives", "sharp-loss-general-gradient", "finite-eta-floor", "sharp-limit-any-layout"]
known = all_claims()
assert not [i for i in IDS if i not in known], "a claim this notebook illustrates is not registered"
for cid in IDS:
    c, r = get_claim(cid), check(cid)
    want = Verdict.REFUTED if c.expected == "fails" else (Verdict.INCONCLUSIVE if c.numerical else Verdict.PROVED)
    print(f"{cid:34s} {c.provenance:8s} {r.verdict.value:12s} {r.scope}{' (numerical)' if r.numerical else ''}")
    assert r.verdict is want

# %% [markdown]
# ## 2. The loss floor at finite $\eta$, exactly
# A neuron exactly on each jump $\Delta_i$ of a piecewise-constant target leaves the loss $\sum_i\Delta_i^2\,\eta/56$
# (D6). For the target of the paper's experiment ($1, 5, 1, 3, 1, 5$ with jumps at $0.2, 0.35, 0.5, 0.65, 0.8$)
# $\sum_i\Delta_i^2 = 56$, so the floor is $\eta$ itself.

# %%
target = ExactTarget(v=(Fraction(1, 5), Fraction(7, 20), Fraction(1, 2), Fraction(13, 20), Fraction(4, 5)),
                     values=(1, 5, 1, 3, 1, 5))
for eta in (Fraction(1, 100), Fraction(1, 25)):
    print(f"eta = {eta}: floor = {exact_floor(target, eta)}")
    assert exact_floor(target, eta) == eta

# %% [markdown]
# ## 3. The cubic smooth step is $C^1$ but not $C^2$
# $\sigma''$ jumps from $+12$ to $-12$ at $0$ (it is continuous at $\pm 1/2$, where it vanishes): the claim in the
# code's commit message that the step is $C^2$ is false (F14, refuted above with the exact one-sided limits).

# %%
act = get_activation("cubic-step")
(z,) = act.expr.free_symbols
expr = act.expr
fs = [sp.lambdify(z, sp.diff(expr, z, k), "numpy") for k in range(3)]
zz = np.linspace(-0.8, 0.8, 400)
print("one-sided limits of sigma'' at 0:", act.jump(2, 0))  # escset's exact one-sided limits, piece by piece
assert act.jump(2, 0) == (12, -12)
fig, ax = style.figure(1)
for k, (f, lab) in enumerate(zip(fs, (r"$\sigma$", r"$\sigma'$", r"$\sigma''$"))):
    ax.plot(zz, np.broadcast_to(f(zz), zz.shape), label=lab, linestyle=("-", "--", ":")[k])
style.label(ax, x=r"$z$", y="value", title="Marion-Berthier 2023: the cubic smooth step")
path = os.path.join(FIGURES, "marion_berthier_2023.png")
style.save(fig, path)
print("figure:", path)
