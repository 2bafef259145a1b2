# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Du, Zhai, Póczos & Singh 2018: the two-layer ReLU NTK and its least eigenvalue
#
# **Claims illustrated:** `du2018-hinf-closed-form` (B1), `du2018-two-point-eigenvalue` (B3),
# `du2018-hinf-positive-nonparallel` (B4), `du2018-initial-residual` (B6), `du2018-linear-rate` (B9, numerical), and
# the false variants `du2018-false-any-parallel-pair-singular`, `du2018-false-unit-norm-free`,
# `du2018-any-constant-step-converges` (F-items: each must be refuted).
#
# **Settings:** each claim's own precision; the figure: $H^\infty$ of two unit inputs at angle $\varphi$ in closed form
# (mpmath, 30 digits) from `proofs.ntk.ntk_lambda_min`, 12 angles (40 with `SMALL = False`).
#
# Regenerate the figure: `python notebooks/06_du_2018.py`.

# %%
SMALL = True  # the test suite executes this notebook at this size

import os

import numpy as np

from proofs import Verdict, check, get_claim, style
from proofs.ntk import ntk_lambda_min
from proofs.registry import all_claims, paper_matches

HERE = "." if os.path.isdir("user_models") else "notebooks"
FIGURES = os.environ.get("ESCSET_FIGURES", os.path.join(HERE, "figures"))  # the tests write to a scratch folder
os.makedirs(FIGURES, exist_ok=True)

# %% [markdown]
# ## 1. The claims
# Claims numerical by nature (a Monte-Carlo comparison, a fitted rate) end `inconclusive` with the numerical flag:
# that is their expected outcome. A false variant must be `refuted`.

# %%
IDS = ["du2018-hinf-closed-form", "du2018-two-point-eigenvalue", "du2018-hinf-positive-nonparallel",
       "du2018-initial-residual", "du2018-linear-rate", "du2018-false-any-parallel-pair-singular",
       "du2018-false-unit-norm-free", "du2018-any-constant-step-converges"]
known = all_claims()
assert not [i for i in IDS if i not in known], "a claim this notebook illustrates is not registered"
for cid in IDS:
    c, r = get_claim(cid), check(cid)
    want = Verdict.REFUTED if c.expected == "fails" else (Verdict.INCONCLUSIVE if c.numerical else Verdict.PROVED)
    print(f"{cid:44s} {c.provenance:8s} {r.verdict.value:12s} {r.scope}{' (numerical)' if r.numerical else ''}")
    assert r.verdict is want or (c.numerical and r.verdict is Verdict.PROVED)
print(len([c for c in known.values() if paper_matches(c, "du-2018")]), "claims on this paper in the catalogue")

# %% [markdown]
# ## 2. The least eigenvalue of $H^\infty$ for two inputs
# For unit inputs with $x_1^\top x_2 = \cos\varphi$: $\lambda_0 = \tfrac12 - |h(\cos\varphi)|$,
# $h(\rho) = \rho(\pi - \arccos\rho)/(2\pi)$, and $\lambda_0 \sim \varphi/(2\pi)$ as $\varphi \to 0$: nearly parallel
# inputs make the NTK nearly singular, and the width the theorem asks for grows like $\lambda_0^{-4}$.

# %%
phis = np.geomspace(0.02, 3.1, 12 if SMALL else 40)
lam = []
for phi in phis:
    r = ntk_lambda_min([[1.0, 0.0], [float(np.cos(phi)), float(np.sin(phi))]])
    lam.append(float(r["lambda_min"]))
rho = np.cos(phis)
closed = 0.5 - np.abs(rho * (np.pi - np.arccos(rho)) / (2 * np.pi))
assert np.allclose(lam, closed, rtol=1e-8, atol=1e-12)  # the Gram routine agrees with the closed form
fig, ax = style.figure(1)
ax.loglog(phis, lam, "o", label=r"$\lambda_{\min}(H^\infty)$ (escset)")
ax.loglog(phis, closed, "-", label=r"$\frac{1}{2} - |h(\cos\varphi)|$")
ax.loglog(phis, phis / (2 * np.pi), ":", label=r"$\varphi/(2\pi)$")
style.label(ax, x=r"angle $\varphi$ between the inputs", y=r"$\lambda_0$", title="Du et al. 2018: two-point NTK")
path = os.path.join(FIGURES, "du_2018.png")
style.save(fig, path)
print("figure:", path)
