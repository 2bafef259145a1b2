r"""MATH.md §8 G2: linear growth of the feature derivative, :math:`\|d\Phi(\theta)\|\le C(1+|\theta|)`.

This is the growth condition that makes the particle velocities at most linear in :math:`|\theta|`
(hence the Gronwall bound of G3 and the well-posedness of the flow). Norms: parameters Euclidean,
features in :math:`\mathcal F=\mathbb R^{n\times k}` with :math:`\langle f,g\rangle=\frac1n\sum_if_i\cdot g_i` (MATH.md §1.1).

What is certified (``proved``): for the network :math:`\Phi(a,u)(x)=a\,\sigma(u\cdot\tilde x)` with
:math:`\tilde x=(x,1)`, the triangle inequality gives, for a direction :math:`(\delta a,\delta u)`,
:math:`|d\Phi[\delta]|\le\sup|\sigma|\,|\delta a|+|a|\sup|\sigma'|\max_i|\tilde x_i|\,|\delta u|`, so
:math:`C=\max(\sup|\sigma|,\ \sup|\sigma'|\max_i|\tilde x_i|)` works. The suprema are the exact bounds of
:meth:`proofs.activations.Activation.sup_abs` (sympy), :math:`\max_i|\tilde x_i|^2` is an exact rational
of the exact data, so ``proved`` whenever both suprema are finite. Evidence (``stats``): the exact
operator norm (SVD of the Jacobian) at random :math:`\theta` with :math:`|\theta|` up to :math:`10^3` never
exceeds :math:`C(1+|\theta|)`, and the fitted growth exponent along random rays.

Dropping "sigma bounded" for a superlinear activation (e.g. ``square``) is refuted exactly: along
:math:`\theta_t=(0,t\,u_0)`, :math:`\|d\Phi(\theta_t)\|\ge|\partial_a\Phi|=\sqrt{\frac1n\sum_i\sigma(tz_i)^2}` with
:math:`z_i=u_0\cdot\tilde x_i`, and sympy gives :math:`\lim_{t\to\infty}\sigma(tz)/(1+t|u_0|)=\infty` at a data
point with :math:`z\ne0` (exact rationals), so no constant C exists.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from ..registry import claim
from ._common import inconclusive, proved, rational_data, refuted

ID = "feature-derivative-linear-growth"
ASSUMPTIONS = ("sigma and sigma' bounded (sup |sigma|, sup |sigma'| finite)", "finite data set")


def _jacobian_norm(act_np, dact_np, X, a, u):
    """Exact operator norm (SVD) of dPhi at (a, u): (n k) x (k + d + 1) matrix / sqrt(n)."""
    n, d = X.shape
    k = a.shape[0]
    Xt = np.hstack([X, np.ones((n, 1))])
    z = Xt @ u
    J = np.zeros((n * k, k + d + 1))
    for i in range(n):
        for c in range(k):
            J[i * k + c, c] = act_np(z[i])
            J[i * k + c, k:] = a[c] * dact_np(z[i]) * Xt[i]
    return float(np.linalg.norm(J, 2) / np.sqrt(n))


def _evidence(model, X, C, seed):
    from ..activations import Z
    from ..codegen import compile_expr

    act = model.activation
    f0 = compile_expr([Z], act.derivative(0), "numpy")
    f1 = compile_expr([Z], act.derivative(1), "numpy")
    s0 = lambda z: float(f0(np.float64(z)))  # noqa: E731
    s1 = lambda z: float(f1(np.float64(z)))  # noqa: E731
    rng = np.random.default_rng(seed)
    k, d = model.k, X.shape[1]
    worst, slopes = 0.0, []
    with np.errstate(over="ignore", under="ignore"):
        for _ in range(6):
            a0, u0 = rng.standard_normal(k), rng.standard_normal(d + 1)
            ts = np.logspace(0, 3, 7)
            norms = []
            for t in ts:
                nrm = _jacobian_norm(s0, s1, X, t * a0, t * u0)
                r = np.sqrt(t * t * (a0 @ a0 + u0 @ u0))
                worst = max(worst, nrm / (1 + r))
                norms.append(nrm)
            slopes.append(float(np.polyfit(np.log(ts), np.log(np.maximum(norms, 1e-300)), 1)[0]))
    return {"max_ratio_norm_over_1_plus_abs_theta": worst, "C": float(C), "ray_growth_exponents": slopes}


@claim(ID, label="MATH.md §8 G2", provenance="[D]", paper="Petit-Poon-Peyre 2026 (reconstructed setting [I])",
       statement=r"\|d\Phi(\theta)\|\le C(1+|\theta|),\quad C=\max\big(\sup|\sigma|,\ \sup|\sigma'|\max_i|\tilde x_i|\big)",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "sigmoid, k=2, d=2", "activation": "sigmoid", "k": 2, "d": 2, "n": 6, "seed": 0},
                  {"name": "tanh, k=1, d=3", "activation": "tanh", "k": 1, "d": 3, "n": 5, "seed": 1},
                  {"name": "erf, k=3, d=1", "activation": "erf", "k": 3, "d": 1, "n": 4, "seed": 2}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "activation": st.sampled_from(["sigmoid", "tanh", "erf"]),
           "k": st.integers(1, 3), "d": st.integers(1, 3), "n": st.integers(1, 6), "seed": st.integers(0, 99)}))
def check(inst, *, dps=30):
    """The feature derivative of a bounded-activation network grows at most linearly (MATH.md §8 G2)."""
    from ..models import get_model

    model = get_model("sigmoid", k=int(inst.get("k", 1)), d=int(inst.get("d", 1)),
                      activation=inst.get("activation", "sigmoid"))
    data, _ = rational_data(model, int(inst.get("n", 4)), 1, int(inst.get("seed", 0)))
    Xq = [[Fraction(v) for v in row] for row in data.X]
    xt2 = max(1 + sum(v * v for v in row) for row in Xq)  # max_i |x~_i|^2, exact
    S0, S1 = model.activation.sup_abs(0), model.activation.sup_abs(1)
    X = np.asarray([[float(v) for v in row] for row in Xq])
    witness = {"X": data.X, "max |x~_i|^2": str(xt2)}
    if S0.value is not None and S1.value is not None and S0.value.is_finite and S1.value.is_finite:
        C = sp.Max(S0.value, S1.value * sp.sqrt(sp.Rational(xt2.numerator, xt2.denominator)))
        stats = _evidence(model, X, C, int(inst.get("seed", 0)))
        if stats["max_ratio_norm_over_1_plus_abs_theta"] > float(C) * (1 + 1e-9):
            return inconclusive(ID, inst, margin=float(C) - stats["max_ratio_norm_over_1_plus_abs_theta"],
                                precision="float64", method="SVD", assumptions=ASSUMPTIONS, stats=stats,
                                message="a sampled norm exceeds the proved constant: report this as a bug")
        return proved(ID, inst, margin=C, precision="exact (sympy)", method="triangle inequality with exact suprema",
                      assumptions=ASSUMPTIONS, witness=dict(witness, C=str(C)), stats=stats,
                      message=f"||dPhi(theta)|| <= C (1 + |theta|) with C = {C} = max(sup|sigma| = {S0.value}, "
                              f"sup|sigma'| max|x~| = {S1.value} sqrt({xt2}))")
    # unbounded activation: look for superlinear growth of sigma along a ray (exact)
    from ..activations import Z

    t = sp.Symbol("t", positive=True)
    zs = [row[0] for row in Xq]  # ray u = t e_1: z_i = e_1 . x~_i = x_i1 (exact rationals)
    for sign in (1, -1):
        cand = [z for z in zs if z * sign > 0]
        if not cand:
            continue
        z = max(cand, key=abs)
        zr = sp.Rational(z.numerator, z.denominator)
        lim = sp.limit(sp.Abs(model.activation.derivative(0).subs(Z, t * zr)) / (1 + t), t, sp.oo)
        if lim is sp.oo:
            return refuted(ID, inst, margin=-sp.oo, precision="exact (sympy)", method="ray argument + sympy limit",
                           assumptions=ASSUMPTIONS,
                           witness=dict(witness, ray="theta_t = (a=0, u=t e_1)", z=str(z),
                                        limit="|sigma(t z)| / (1 + t) -> oo"),
                           message=f"{model.activation.name} grows superlinearly: along theta_t = (0, t e_1), "
                                   f"||dPhi|| >= |sigma(t z)|/sqrt(n) with z = {z}, and |sigma(tz)|/(1+t) -> oo")
    return inconclusive(ID, inst, precision="sympy", method="suprema", assumptions=ASSUMPTIONS, witness=witness,
                        message=f"sup|sigma| = {S0.value}, sup|sigma'| = {S1.value}: the linear bound is not derived "
                                "and no superlinear ray was found (e.g. ReLU is 1-homogeneous: linear growth holds "
                                "by homogeneity, not by this argument)")
