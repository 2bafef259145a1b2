# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # escset foundation tour
# **Claims illustrated:** `particle-velocity-identity` (A2, Chizat-Bach 2018, Proposition 2.3),
# `escape-inequality-frozen-flow` (the frozen-flow escape inequality, derived here), `cubic-smooth-step-facts`
# (D1, the activation of Marion-Berthier 2023's code).
#
# **Settings:** mpmath dps 30, python-flint 128-256 bits, numpy float64 backend.

# %%
SMALL = True  # tiny sizes; the test suite executes this file

import numpy as np

from proofs import Verdict, check, get_activation, get_model
from proofs.problem import measure as M

# %% One formula, three evaluators: the vector-output sigmoid network
model = get_model("sigmoid", k=2, d=2)
print(model.latex("first-variation"))
rng = np.random.default_rng(0)
m, n = (4, 6) if SMALL else (64, 200)
mu = M.Measure(a=rng.standard_normal((m, 2, 1)), u=rng.standard_normal((m, 3)), mass=np.full(m, 1 / m))
data = M.Dataset(X=rng.standard_normal((n, 2)), Y=rng.standard_normal((n, 2)))
print("loss (float64):", M.loss(model, mu, data), " loss (ball):", M.loss(model, mu, data, "arb"))

# %% Symbolic claims
for cid in ("particle-velocity-identity", "escape-inequality-frozen-flow", "cubic-smooth-step-facts"):
    r = check(cid)
    print(cid, r.verdict.value, "-", r.message)
    assert r.verdict is Verdict.PROVED

# %% Activation properties are derived, not typed in
act = get_activation("cubic-step")
print("sup|sigma'| =", act.sup_abs(1).value, " smoothness C^%s" % act.smoothness, " jump of sigma'' at 0:", act.jump(2, 0))
