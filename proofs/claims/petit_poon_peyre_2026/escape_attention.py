r"""Petit-Poon-Peyré 2026 (reconstructed setting [I]): escape from a non-global stationary measure of softmax
attention heads, simulated (the escape inequality of §1b A.2 for attention, the attention variant of G5).

Statement: let :math:`\mu_\infty` be a stationary, not globally optimal measure of attention heads
:math:`f=\sum_jp_ja_j\,X^\top\mathrm{softmax}(XA_j^\top x_q)` (linear output weights
:math:`a_j\in\mathbb R^{k\times p}`, no regulariser). For :math:`A_0` with :math:`\Psi(A_0)\ne0` put
:math:`\hat a_0=-\Psi(A_0)/|\Psi(A_0)|`, so that
:math:`h(\hat a_0,A_0)=-|\Psi(A_0)|<-\epsilon` for every level :math:`\epsilon<|\Psi(A_0)|`. A head of small mass
added at :math:`(\epsilon_0\hat a_0,A_0)` then grows :math:`|a|` at rate :math:`\ge\epsilon` initially and the loss
decreases. This is derived independently [D] on the reconstructed setting of the 2026 paper [I].

Check: the measure is exactly stationary by inverse design and re-checked exactly (rational arithmetic from the
model's sympy features, :func:`proofs.experiments.instability_attention.exact_stationarity`); non-optimality is
certified by a python-flint ball of the hardmax limit of :math:`|\Psi|` along the best open argmax cell (exact
enumeration for :math:`p^2\le9`); :math:`A_0` lies on the max-margin ray of that cell at score gap ``saturation``;
the head (mass ``mass``) is added and the whole measure is run (forward Euler). The fitted growth rate of
:math:`|a|` over :math:`t\le` ``window`` is compared with the level :math:`\epsilon=(1-` ``rtol`` :math:`)|\Psi(A_0)|`
and the loss at time ``T`` with the loss at 0. Float evidence: ``inconclusive`` with ``numerical=True``, margin
the smaller of the relative excess of the rate over :math:`\epsilon` and the relative loss decrease. Dropping the
orientation hypothesis (``orientation: aligned``, :math:`\hat a_0=+\Psi/|\Psi|`, so :math:`h>0`): :math:`|a|`
shrinks, reported with a negative margin.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from proofs.claims._common import inconclusive
from proofs.errors import InvalidArgument
from proofs.claims.petit_poon_peyre_2026._params import integer_param
from proofs.registry import claim

ID = "attention-escape-rate"
ASSUMPTIONS = ("softmax attention heads with linear output weights a in R^(k x p) (an MHA layer is the mean-field "
               "average of its heads); squared loss, no regulariser",
               "mu stationary (exactly: rational arithmetic) and not globally optimal (certified: a ball of a "
               "hardmax limit of |Psi| is positive)",
               "the added head starts in the escaping set: a = eps0 a_hat0 with a_hat0 = -Psi(A0)/|Psi(A0)|, so "
               "h(a_hat0, A0) = -|Psi(A0)| < -eps",
               "the added head has small mass and small initial |a| (the measure stays near mu)")


_integer = integer_param


def _positive(inst, key, default, hi=None):
    v = inst.get(key, default)
    try:
        x = None if isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        x = None
    if x is None or not np.isfinite(x) or x <= 0 or (hi is not None and x >= hi):
        raise InvalidArgument(f"{key}={v!r}; valid is a finite positive number" + (f" below {hi}" if hi else ""))
    return x


def _check(inst, dps=30):
    from proofs.experiments.instability_attention import (best_direction, designed_attention, escape_run,
                                                          exact_stationarity, psi_points)

    z = designed_attention(k=_integer(inst, "k", 2, 1, 4), p=_integer(inst, "p", 2, 1, 3),
                           L=_integer(inst, "L", 2, 2, 4), n=_integer(inst, "n", 6, 2, 40),
                           m=_integer(inst, "heads", 1, 1, 4), seed=_integer(inst, "seed", 0, 0, 2 ** 63 - 1))
    orient = inst.get("orientation", "against")
    if orient not in ("against", "aligned"):
        raise InvalidArgument(f"orientation must be 'against' or 'aligned', got {orient!r}")
    sat, eps0, mass = _positive(inst, "saturation", 1.0), _positive(inst, "eps", 1e-3), _positive(inst, "mass", 0.05)
    window, T = _positive(inst, "window", 0.5), _positive(inst, "T", 10.0)
    rtol, dt = _positive(inst, "rtol", 0.1, hi=1.0), _positive(inst, "dt", 0.02)
    if window > T:
        raise InvalidArgument(f"window {window} must be at most T = {T}")
    stat = exact_stationarity(z)
    diag = best_direction(z, interior_starts=0, dps=dps)
    A0 = sat / diag["margin"] * np.asarray(diag["direction"])
    G = psi_points(z, A0)[0]
    Gn = float(np.linalg.norm(G))
    if orient == "aligned" and not window < 0.5 * eps0 / Gn:  # the fit must end before an aligned |a| reaches 0
        raise InvalidArgument(f"window {window} must be below eps / (2 |Psi(A0)|) = {eps0 / (2 * Gn):.4g} for the "
                              "aligned orientation; lower window or raise eps")
    a_hat = (-G if orient == "against" else G) / Gn
    run = escape_run(z, A0, a_norm=eps0, mass=mass, T=T, dt=dt, fit_window=window, a_hat=a_hat)
    rate = run["measured_rate"]
    level = (1.0 - rtol) * Gn
    loss0, lossT = float(run["loss"][0]), float(run["loss"][-1])
    lo, hi = diag["sup_psi_inf_enclosure"]
    statement = (f"{z.name}: exactly stationary ({stat['method']}), not optimal (a hardmax limit of |Psi| in "
                 f"[{lo[:12]}, {hi[:12]}], certified); a head of mass {mass} at |A0| = {float(np.linalg.norm(A0)):.4g} "
                 f"(score gap {sat}; |Psi(A0)| = {Gn:.6g}) with a = {'-' if orient == 'against' else '+'}{eps0} "
                 f"Psi/|Psi|: d|a|/dt on [0, {window}] >= eps = (1 - {rtol}) |Psi(A0)| and R(T = {T}) < R(0)")
    stats = {"Psi_A0": G.tolist(), "abs_Psi_A0": Gn, "level_eps": level, "measured_rate": rate,
             "loss_start": loss0, "loss_end": lossT, "A0": A0.tolist(), "direction_source": diag["direction_source"],
             "sup_psi_inf_enclosure": diag["sup_psi_inf_enclosure"], "stationary_exact": stat["stationary"],
             "a_norm_end": float(run["a_norm"][-1]), "u_drift": float(run["u_norm"][-1] - run["u_norm"][0])}
    kw = dict(numerical=True, scope="instance", statement=statement, assumptions=ASSUMPTIONS, stats=stats)
    if not (stat["stationary"] and diag["nonglobal_certified"]):
        return inconclusive(ID, inst, precision="exact + arb", method="exact stationarity + hardmax balls",
                            message="the instance does not meet the hypothesis: "
                                    + ("not exactly stationary" if not stat["stationary"] else
                                       "non-optimality not certified"), **kw)
    margin = min((rate - level) / level, (loss0 - lossT) / loss0)
    ok = margin > 0
    msg = (f"d|a|/dt = {rate:.6g} against eps = {level:.6g} (|Psi(A0)| = {Gn:.6g}); loss {loss0:.6g} -> {lossT:.6g}"
           + (": the head escapes and the loss decreases (float evidence)" if ok else
              (": |a| shrinks (a aligned with Psi is outside the escaping set)" if rate < 0 else
               ": below the predicted level")))
    return inconclusive(ID, inst, margin=margin, precision="float64 (stationarity: exact; diagnostics: arb)",
                        method="exact design + certified hardmax direction + forward Euler with the added head",
                        message=msg, **kw)


@claim(ID, label="§8 G5 (attention heads)", paper="Petit-Poon-Peyre 2026",
       source="[I] reconstructed setting: the escape inequality (§1b A.2) for softmax attention heads",
       provenance="[D]/[I]", numerical=True, assumptions=ASSUMPTIONS,
       statement=r"h(\hat a_0,A_0)=-|\Psi_\mu(A_0)|<-\epsilon\ \Rightarrow\ "
                 r"\frac{d}{dt}|a|\big|_{t\approx0}\ge\epsilon,\ R(\mu_T)<R(\mu_0)"
                 r"\quad(\mu_0=\mu_\infty+\delta\,\delta_{(\epsilon_0\hat a_0,A_0)})",
       instances=[{"name": "inverse design, 1 head at A=0, k=2, p=2, L=2, n=6"},
                  {"name": "inverse design, 1 head at A=0, k=2, p=2, L=3, n=6", "L": 3}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "k": st.integers(1, 2),
                                               "n": st.integers(7, 9), "seed": st.integers(0, 30)}),
       description="a head added in the escaping set of a non-global stationary attention measure grows |a| at "
                   "rate >= eps and lowers the loss")
def check(inst, *, dps=30):
    """Attention escape: |a| of an added head grows at rate >= eps and the loss decreases (simulated)."""
    return _check(inst, dps=dps)
