# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Chizat & Bach 2018: the mean-field particle flow and its many-particle limit
#
# **Claims illustrated:** `first-variation-directional-derivative` (A1), `particle-velocity-identity` (A2,
# Proposition 2.3), `euler-step-decreases-energy` and its false variant `euler-decreases-energy-at-any-step` (A3),
# `euler-homogeneity-identities` (A4), `relu-balancedness-invariant` (A11), `lemma-c15-counterexample` (A15),
# `mean-field-limit-loss-curves` (A14, Theorem 2.6, recalled: tag [R]/[I]).
#
# **Settings:** each claim's own precision (sympy, python-flint balls); the figure: float64 numpy, explicit Euler
# with step 0.1 in mean-field time, teacher data (3 teacher particles, 32 points in $d = 2$), seed 0.
#
# Regenerate the figure: `python notebooks/04_chizat_bach_2018.py` (set `SMALL = False` for the large run).

# %%
SMALL = True  # the test suite executes this notebook at this size

import os

import numpy as np

from proofs import Verdict, check, get_claim, get_model, style
from proofs.simulate import simulate

HERE = "." if os.path.isdir("user_models") else "notebooks"
FIGURES = os.environ.get("ESCSET_FIGURES", os.path.join(HERE, "figures"))  # the tests write to a scratch folder
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## 1. The claims, checked
# `proved` with scope `universal` is a theorem about every value of the parameters; scope `instance` is this
# instance only; the false variant must be `refuted` with a certified witness.

# %%
IDS = ["first-variation-directional-derivative", "particle-velocity-identity", "euler-step-decreases-energy",
       "euler-decreases-energy-at-any-step", "euler-homogeneity-identities", "relu-balancedness-invariant",
       "lemma-c15-counterexample"]
for cid in IDS:
    c, r = get_claim(cid), check(cid)
    ok = (r.verdict is Verdict.REFUTED) if c.expected == "fails" else (r.verdict is Verdict.PROVED)
    print(f"{cid:42s} {r.verdict.value:9s} {r.scope:9s} expected {c.expected:5s} {'ok' if ok else 'UNEXPECTED'}")
    assert ok

# %% [markdown]
# ## 2. The velocity field, as it goes into a paper
# %%
print(get_model("sigmoid", k=1, d=2).latex("velocity", "vector"))

# %% [markdown]
# ## 3. The many-particle limit (A14), as a figure
# Flows from $m$ i.i.d. particles of one law, in the canonical initialisation of Theorem 3.5 (output weights $a_j = 0$,
# inner parameters $u_j \sim \mathcal N(0, I)$: a support that separates $\{a<0\}$ from $\{a>0\}$), on one teacher's
# data. Theorem 2.6: the loss curves $R(\mu_{m,t})$ converge, uniformly on bounded time intervals, as $m \to \infty$;
# here $\sup_t|R(\mu_{m,t}) - R(\mu_{m',t})|$ between consecutive widths shrinks as $m$ grows (printed below; one
# seed, so no rate is claimed). The figure is evidence, not a proof; the claim is checked on its exactly solvable
# instance (the A15 model).

# %%
import tempfile

from proofs.problem import measure as M

ms = (10, 100, 1000) if SMALL else (10, 100, 1000, 10000)
steps = 60 if SMALL else 400
sigmoid = get_model("sigmoid", k=1, d=2)
tmp = tempfile.mkdtemp(prefix="escset-cb-")
fig, ax = style.figure(1)
curves = {}
for m in ms:
    rng = np.random.default_rng(0)
    init = os.path.join(tmp, f"mu{m}.json")
    M.save_measure(init, sigmoid, M.Measure(a=np.zeros((m, 1, 1)), u=rng.standard_normal((m, 3)), mass=np.full(m, 1 / m)))
    res = simulate("sigmoid", m=m, steps=steps, dt=0.5, teacher=3, n=32, d=2, every=3, seed=0, init=init)
    h = res.history
    curves[m] = np.asarray(h["loss"])
    ax.semilogy(h["t"], h["loss"], label=f"$m={m}$")
style.label(ax, x=r"mean-field time $t$", y=r"loss $R(\mu_{m,t})$", title="Chizat-Bach 2018: many-particle limit (A14)")
path = os.path.join(FIGURES, "chizat_bach_2018.png")
style.save(fig, path)
print("figure:", path)
gaps = [float(np.max(np.abs(curves[a] - curves[b]))) for a, b in zip(ms, ms[1:])]
print("sup_t |R(mu_m,t) - R(mu_m',t)| between consecutive widths:", gaps)
assert gaps[-1] < gaps[0]
r = check("mean-field-limit-loss-curves")
print("A14 on its exact instance:", r.verdict.value, r.scope)
