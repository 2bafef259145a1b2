# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Du, Lee, Li, Wang & Zhai 2019: deep networks, the limiting Gram matrices $K^{(H)}$
#
# **Claims illustrated:** `du2019-c-sigma-constants` (C1), `du2019-fc-unit-diagonal` (C2),
# `du2019-gram-positive-analytic` (C4), `du2019-depth-one-reduction` (C6), `du2019-resnet-gram-depth-scaling` (C5,
# numerical), and the false variants `du2019-false-polynomial-activation-positive` and
# `du2019-resnet-amplification-bounded-without-1-over-H`.
#
# **Settings:** each claim's own precision; the figure: $\lambda_{\min}(K^{(H)})$ of 6 random unit inputs in
# $\mathbb R^3$ (seed 0), tanh, Gauss-Hermite quadrature in float64 (80 nodes), from `proofs.ntk.ntk_lambda_min`
# (float evidence: `numerical`), depths 1-4 (fully connected) and 2-5 (ResNet, $c_{\rm res} = 1/2$).
#
# Regenerate the figure: `python notebooks/07_du_2019.py`.

# %%
SMALL = True  # the test suite executes this notebook at this size

import os

import numpy as np

from proofs import Verdict, check, get_claim, style
from proofs.ntk import ntk_lambda_min
from proofs.registry import all_claims

HERE = "." if os.path.isdir("user_models") else "notebooks"
FIGURES = os.environ.get("ESCSET_FIGURES", os.path.join(HERE, "figures"))  # the tests write to a scratch folder
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## 1. The claims
# %%
IDS = ["du2019-c-sigma-constants", "du2019-fc-unit-diagonal", "du2019-gram-positive-analytic",
       "du2019-depth-one-reduction", "du2019-resnet-gram-depth-scaling", "du2019-false-polynomial-activation-positive",
       "du2019-resnet-amplification-bounded-without-1-over-H"]
known = all_claims()
assert not [i for i in IDS if i not in known], "a claim this notebook illustrates is not registered"
for cid in IDS:
    c, r = get_claim(cid), check(cid)
    want = Verdict.REFUTED if c.expected == "fails" else (Verdict.INCONCLUSIVE if c.numerical else Verdict.PROVED)
    print(f"{cid:54s} {c.provenance:8s} {r.verdict.value:12s} {r.scope}{' (numerical)' if r.numerical else ''}")
    assert r.verdict is want or (c.numerical and r.verdict is Verdict.PROVED)

# %% [markdown]
# ## 2. $\lambda_{\min}(K^{(H)})$ against depth
# The theorems need $\lambda_{\min}(K^{(H)}) > 0$ (true for analytic non-polynomial activations on non-parallel
# inputs, C4); the width they ask for grows as it shrinks. Float evidence on one data set, not a proof.

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(6, 3))
X /= np.linalg.norm(X, axis=1, keepdims=True)
fc_depths = range(1, 5 if SMALL else 9)
res_depths = range(2, 6 if SMALL else 10)
fc = [float(ntk_lambda_min(X.tolist(), arch="fc", depth=H, activation="tanh")["lambda_min"]) for H in fc_depths]
res = [float(ntk_lambda_min(X.tolist(), arch="resnet", depth=H, activation="tanh")["lambda_min"]) for H in res_depths]
assert min(fc + res) > 0
fig, ax = style.figure(1)
ax.semilogy(list(fc_depths), fc, "o-", label="fully connected")
ax.semilogy(list(res_depths), res, "s--", label=r"ResNet ($c_{\rm res} = 1/2$)")
style.label(ax, x=r"depth $H$", y=r"$\lambda_{\min}(K^{(H)})$", title="Du et al. 2019: tanh, n = 6 unit inputs")
path = os.path.join(FIGURES, "du_2019.png")
style.save(fig, path)
print("figure:", path)
