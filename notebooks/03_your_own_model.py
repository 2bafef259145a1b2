# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial: your own model, through analyze and simulate
#
# **Claims illustrated:** Your own model: a Gaussian-RBF ridge feature
# $g(u, x) = \exp(-(w\cdot x + b)^2)$, $u = (w, b)$, with linear output weights, written with the public model API
# (`Model.from_sympy`, `@model`) in `notebooks/user_models/rbf.py`, and its claim `rbf-feature-in-unit-interval`.
# The framework identities hold for it as for the built-ins (`particle-velocity-identity`, A2).
#
# **Settings:** mpmath dps 20 for `analyze`, float64 numpy for `simulate` (explicit Euler, step 0.1), seed 0.
#
# The same on the command line:
# ```
# escset latex    --module notebooks/user_models/rbf.py --model rbf --expr velocity --form components
# escset analyze  --module notebooks/user_models/rbf.py --model rbf --data D.json --measure MU.json
# escset simulate --module notebooks/user_models/rbf.py --model rbf --teacher 3 --n 32 --d 2 --m 50 --steps 20 --dt 0.1
# ```

# %%
SMALL = True  # the test suite executes this notebook at this size

import os

import numpy as np

from proofs import Verdict, check, get_model
from proofs.analyze import analyze
from proofs.problem import measure as M
from proofs.search import load_user_module
from proofs.simulate import simulate

HERE = "." if os.path.isdir("user_models") else "notebooks"
load_user_module(os.path.join(HERE, "user_models", "rbf.py"))  # registers the model "rbf" and its claim
FIGURES = os.environ.get("ESCSET_FIGURES", os.path.join(HERE, "figures"))  # the tests write to a scratch folder
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## 1. The model: one sympy expression, everything derived from it
# The first variation and the velocity are differentiated by sympy; their LaTeX (component form: every coordinate
# with the sample index $i$ and the particle index $j$) pastes into a paper.

# %%
rbf = get_model("rbf", k=1, d=2)
print(rbf.describe())
print(rbf.latex("first-variation", "components"))
print(rbf.latex("velocity", "components"))

# %% [markdown]
# ## 2. Its claim, certified at a point
# %%
r = check("rbf-feature-in-unit-interval")
print(r.verdict.value, r.scope, "-", r.statement)
assert r.verdict is Verdict.PROVED

# %% [markdown]
# ## 3. analyze: loss, stationarity, and whether the measure is a global minimiser
# Three particles on six points; `analyze` certifies with python-flint balls that the correlation function
# $\Psi_\mu$ is not zero everywhere, so $\mu$ is not a global minimiser (refuted with a witness $u$).

# %%
rng = np.random.default_rng(0)
mu = M.Measure(a=[[[str(round(v, 2))]] for v in rng.uniform(-1, 1, size=3)],
               u=[[str(round(v, 2)) for v in rng.uniform(-1.5, 1.5, size=3)] for _ in range(3)], mass=["1/3"] * 3)
data = M.Dataset(X=[[str(round(v, 2)) for v in rng.uniform(-2, 2, size=2)] for _ in range(6)],
                 Y=[[str(round(v, 2))] for v in rng.uniform(-1, 1, size=6)])
out = analyze(rbf, mu, data, dps=20, time_limit=10)
print("loss:", out["loss"])
print("global optimality:", out["global_optimality"]["verdict"], "-", out["global_optimality"].get("message", ""))

# %% [markdown]
# ## 4. simulate: the mean-field particle flow on a teacher's data, with a paper figure
# The figure (two columns wide) shows the loss and the stationarity residual against mean-field time, and the
# particles in their own coordinates $(w_{j,1}, w_{j,2})$, coloured by $b_j$, sized by $|a_j|$.

# %%
fig_path = os.path.join(FIGURES, "own_model_rbf.png")
res = simulate("rbf", m=20 if SMALL else 200, steps=40 if SMALL else 2000, dt=0.1, teacher=3, n=32, d=2,
               every=2 if SMALL else 50, seed=0, plot=fig_path)
print(res.status, "loss:", res.summary["initial_loss"], "->", res.summary["final_loss"])
print("figure:", fig_path)
assert res.status == "done" and os.path.isfile(fig_path)
assert res.summary["final_loss"] < res.summary["initial_loss"]  # the flow decreases the loss
