r"""Petit-Poon-Peyré 2026 (reconstructed setting [I]): the vector-output escape, simulated (claim G5,
dynamic part).

Statement: at a stationary but not globally optimal measure :math:`\mu` of a vector-output network
(:math:`k\ge2`, no regulariser) there is :math:`\theta_0` with :math:`G_\mu(\theta_0)\ne0\in\mathbb R^k`, and a particle
added at :math:`\theta_0` with output weight :math:`w=-\epsilon\,G_\mu(\theta_0)/|G_\mu(\theta_0)|` increases
:math:`|w|` at rate :math:`\approx|G_\mu(\theta_0)|` initially (the escape inequality: :math:`r'=-h=|G|` at
:math:`t=0`). This is a reconstruction on the setting of the 2026 paper, derived independently.

Check: the measure is exactly stationary and non-global by inverse design (particles at :math:`u=0`, exact
rationals); :func:`proofs.analyze.analyze` certifies non-optimality (python-flint enclosure of
:math:`S=\sup|G_\mu|>0`) and the location of the supremum; :math:`\theta_0` is a point on the best escaping ray
(max-margin cut of the certified threshold set); the particle (mass ``mass``) is added and the whole measure is
run (forward Euler); the initial growth rate of :math:`|w|` (least-squares slope over :math:`t\le` ``window``) is
compared with :math:`|G_\mu(\theta_0)|`. Float evidence: ``inconclusive`` with ``numerical=True``, margin
``rtol`` minus the relative error. Dropping the orientation (``orientation: aligned``,
:math:`w=+\epsilon G/|G|`) the norm decreases at rate :math:`|G|`: reported with a negative margin.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from proofs.claims._common import inconclusive
from proofs.errors import InvalidArgument
from proofs.claims.petit_poon_peyre_2026._params import integer_param
from proofs.registry import claim

ID = "vector-output-escape-rate"
ASSUMPTIONS = ("vector output weights w in R^k, k >= 2, feature w s(theta . x~) with s bounded",
               "mu stationary and not globally optimal (no regulariser)",
               "the added particle has w = -eps G_mu(theta_0)/|G_mu(theta_0)| (against the correlation) and small "
               "mass")


_integer = integer_param


def _positive(inst, key, default):
    v = inst.get(key, default)
    try:
        x = None if isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        x = None
    if x is None or not np.isfinite(x) or x <= 0:
        raise InvalidArgument(f"{key}={v!r}; valid is a finite positive number")
    return x


def _check(inst):
    from proofs.experiments.instability import best_direction, designed_stationary, escape_run, psi_points

    k = _integer(inst, "k", 2, 2, 8)
    z = designed_stationary(k=k, d=_integer(inst, "d", 2, 1, 8), n=_integer(inst, "n", 12, 2, 200),
                            seed=_integer(inst, "seed", 0, 0, 2 ** 63 - 1))
    orient = inst.get("orientation", "against")
    if orient not in ("against", "aligned"):
        raise InvalidArgument(f"orientation must be 'against' or 'aligned', got {orient!r}")
    sat, eps, mass = _positive(inst, "saturation", 2.0), _positive(inst, "eps", 0.05), _positive(inst, "mass", 1e-3)
    window, rtol = _positive(inst, "window", 0.1), _positive(inst, "rtol", 0.05)
    diag = best_direction(z, certify=True)
    theta0 = sat / diag["margin"] * np.asarray(diag["direction"])
    G = psi_points(z, theta0)[0]
    Gn = float(np.linalg.norm(G))
    if not window < 0.5 * eps / Gn:  # "initially": the fit must end before an aligned |w| could reach 0
        raise InvalidArgument(f"window {window} must be below eps / (2 |G(theta_0)|) = {eps / (2 * Gn):.4g}; lower "
                              "window or raise eps")
    a_hat = (-G if orient == "against" else G) / Gn
    run = escape_run(z, theta0, a_norm=eps, mass=mass, T=window, dt=window / 50, fit_window=window, a_hat=a_hat)
    rate = run["measured_rate"]
    rel = abs(rate - Gn) / Gn
    statement = (f"{z.name}: stationary, not optimal (S(mu) in [{diag['sup_psi_enclosure'][0][:12]}, "
                 f"{diag['sup_psi_enclosure'][1][:12]}], certified); a particle of mass {mass} at theta_0 "
                 f"(|G(theta_0)| = {Gn:.6g}) with w = {'-' if orient == 'against' else '+'}{eps} G/|G|: "
                 f"d|w|/dt on [0, {window}] within {rtol:.0%} of |G(theta_0)|")
    stats = {"G_theta0": G.tolist(), "abs_G": Gn, "measured_rate": rate, "relative_error": rel,
             "theta0": theta0.tolist(), "S_certified": diag["sup_psi_enclosure"], "attained": diag["attained"],
             "verdict_optimality": diag["verdict"], "a_norm_end": float(run["a_norm"][-1])}
    if diag["verdict"] != "refuted":
        return inconclusive(ID, inst, precision="arb + float64", method="escset analyze", numerical=True,
                            scope="instance", statement=statement, assumptions=ASSUMPTIONS, stats=stats,
                            message=f"non-optimality was not certified ({diag['verdict']}): the instance does not "
                                    "meet the hypothesis")
    margin = rtol - rel
    msg = (f"d|w|/dt = {rate:.6g} against |G(theta_0)| = {Gn:.6g} (relative error {rel:.2e})"
           + (" : |w| grows at the predicted rate (float evidence)" if margin > 0 else
              (": |w| shrinks (w aligned with G is not an escaping direction)" if rate < 0 else "")))
    return inconclusive(ID, inst, margin=margin, precision="float64 (diagnostics: arb)",
                        method="certified diagnostics + forward Euler with the added particle", numerical=True,
                        scope="instance", statement=statement, assumptions=ASSUMPTIONS, stats=stats, message=msg)


@claim(ID, label="§8 G5", paper="Petit-Poon-Peyre 2026",
       source="[I] reconstructed setting: vector-output optimality condition and escape", provenance="[D]/[I]",
       numerical=True,
       assumptions=ASSUMPTIONS,
       statement=r"G_\mu(\theta_0)\neq0,\ w(0)=-\epsilon\,\frac{G_\mu(\theta_0)}{|G_\mu(\theta_0)|}\ \Rightarrow\ "
                 r"\frac{d}{dt}|w|\big|_{t=0}\approx|G_\mu(\theta_0)|",
       instances=[{"name": "inverse design, k=2, n=12, d=2", "k": 2},
                  {"name": "inverse design, k=3, n=14, d=2", "k": 3, "n": 14, "seed": 1}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "k": st.integers(2, 3),
                                               "n": st.integers(10, 14), "seed": st.integers(0, 30)}),
       description="a particle added against G at a non-optimal stationary point grows |w| at rate |G|")
def check(inst, *, dps=30):
    """Vector-output escape: |w| grows at rate |G_mu(theta_0)| initially (simulated)."""
    return _check(inst)
