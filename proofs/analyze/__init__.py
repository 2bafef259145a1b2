r"""``escset analyze``: loss, stationarity, and a global-optimality certificate or witness for a measure.

MATH.md §1b A.1: :math:`\mu` is a global minimiser (no regulariser) iff :math:`\Psi_\mu\equiv0`, including its limits
at infinity (A.3); :math:`S(\mu)=\sup_u|\Psi_\mu(u)|_F` is the optimality gap. MATH.md §3.6 is the same test for the
lifted problem.

What is certified
-----------------
* ``refuted`` (not globally optimal): a rigorous python-flint ball shows :math:`S(\mu)>0` — the lower bound comes
  from :math:`|\Psi_\mu|` at a concrete rational point, or from an exact limit along a ray to infinity (a limit of
  values :math:`\Psi` takes, so also a lower bound of the supremum). The witness is replayable.
* ``proved`` (globally optimal): only when the residual :math:`f_\mu(x_i)-y_i` is certified to be exactly zero
  (exact-point balls: exact rational data, exactly representable features), so :math:`\Psi_\mu\equiv0`.
* ``inconclusive`` otherwise, e.g. when every enclosure of :math:`S(\mu)` still contains 0 at the highest precision
  tried (``--dps`` / ``max_dps`` is the knob).

Where the supremum lives (MATH.md §1b A.3, A.5): for monotone bounded activations (sigmoid, tanh, erf, ...) the
supremum over the compactified domain is exactly the maximum over the half-space sets of the data
(:mod:`numerics.certified.halfspaces`, exact for d <= 3 or when all hyperplanes are enumerable; sampled otherwise, with the
coverage reported), so ``attained = "infinity"`` and both bounds are certified. For non-monotone bounded activations
the limits at infinity are threshold sums whose tie points take any value in the closure of the activation's range;
the interior is searched on a box (branch-and-bound with ``certify``, multistart otherwise) and the location is
called ``interior`` with ``location_certified: true`` only when a certified interior value exceeds the certified
upper bound of every limit at infinity. With ``certify`` and d = 1, a branch-and-bound over the compactified plane
(polar coordinates, :math:`\rho=\tau/(1-\tau)`, sigma enclosed on unbounded intervals through its limits and
monotone tails) bounds :math:`S(\mu)` over all of :math:`\mathbb R^2` and can certify a supremum at infinity up to a
stated tolerance. For softmax attention the hardmax limits along sampled directions give lower bounds only; with
``certify`` every face of the argmax arrangement (open cells and tie walls) is enumerated within a budget, which gives
the exact supremum of the limits along rays -- still a lower bound of :math:`S(\mu)`; for the
ReLU lift (positively homogeneous) :math:`S(\mu)=+\infty` as soon as :math:`\Psi\ne0`; other unbounded activations
are searched on the box only (said in the message).

Escaping set (MATH.md §1b A.2): ``escaping_set`` reports whether :math:`E_\epsilon` is non-empty (iff
:math:`\epsilon<S(\mu)`), the steepest output direction :math:`\hat a`, and with ``certify`` the MATH.md §3.9 E2
certificate that :math:`-S/2` is a regular value of :math:`h=\langle\hat a,\Psi\rangle` on the search box
(vectorised and outward-rounded for sigmoid-type models; the note says "inconclusive" when it did not finish), and
:math:`\min h`, the ray profile at infinity and the robustness radius (:mod:`proofs.analyze.escaping`, whose
:func:`~proofs.analyze.escaping.escaping_set` is the Python API of the whole construction).
"""
from __future__ import annotations

import time

import mpmath

from numerics.highprec import loss_mp, velocity_mp
from numerics.certified.precision import arb_prec, dps_to_bits, enclosure_decimal, mp_tolerance, workdps

from proofs.analyze.balls import _is_exact_zero, _norm, exact_str
from proofs.analyze.infinity import MAX_EXACT_HYPERPLANES, _act_info
from proofs.analyze.verdicts import _decide
from proofs.errors import InvalidArgument
from proofs.problem import Problem

__all__ = ["analyze", "exact_str", "MAX_EXACT_HYPERPLANES"]


def _stationarity(problem, dps):
    from flint import arb

    va, vu = problem.velocity("arb")
    worst = arb(0)
    for A, u in zip(va, vu):
        s = _norm([v for row in A for v in row] + list(u))
        worst = worst.max(s) if s.is_finite() else arb("nan")
    return worst


def analyze(model, mu, data, *, dps: int = 30, certify: bool = False, max_dps: int | None = None,
            box_radius="8", tol="1e-10", max_boxes: int = 3000, time_limit: float = 20.0, seed: int = 0) -> dict:
    r"""Loss, stationarity and the global-optimality verdict of ``mu`` (DESIGN.md §3 ``analyze`` contract).

    Parameters
    ----------
    dps : working precision (mpmath digits; balls use the matching number of bits).
    certify : run the box branch-and-bound for the interior part (certified upper bound on the box, and a
        certified location when the activation is not monotone); without it the interior is a multistart search
        whose best point is still evaluated in balls (a certified lower bound).
    max_dps : precision escalation limit (default ``4 * dps``) when the sign of :math:`S(\mu)` is undecided.
    box_radius : the interior box is ``[-R, R]^{p_u}``.
    time_limit : seconds for the whole analysis: every branch-and-bound gets what is left, and no precision
        escalation starts after it is spent (the half-space enumeration at infinity is bounded by its size).

    Returns the JSON-ready dict of DESIGN.md §3 with extra keys ``sup_psi_enclosure``, ``location_certified``,
    ``message`` and ``stats``.
    """
    if not isinstance(dps, int) or isinstance(dps, bool) or not 10 <= dps <= 5000:
        raise InvalidArgument(f"got dps={dps!r}, valid is an integer in [10, 5000]")
    if data.Y is None:
        raise InvalidArgument("analyze needs targets Y in the data file")
    from flint import arb

    problem = Problem(model, data, mu)  # validated once; the helpers take the problem and its cached views

    max_dps = max(dps, max_dps if max_dps is not None else 4 * dps)
    t0 = time.perf_counter()
    with workdps(dps):
        loss = loss_mp(model, mu, data, dps=dps)
        va, vu = velocity_mp(model, mu, data, dps=dps)
        stat = max((mpmath.sqrt(sum(v * v for row in A for v in row) + sum(v * v for v in u))
                    for A, u in zip(va, vu)), default=mpmath.mpf(0))
    tol_stat = mp_tolerance(dps)
    info = _act_info(model)
    cur = dps
    escalations = []
    result = None
    # one wall-clock budget for the whole analysis: every branch-and-bound gets what is left of it, and no
    # precision escalation starts once it is spent
    deadline = t0 + time_limit
    out_of_time = False
    while True:
        with arb_prec(dps_to_bits(cur)):
            result = _decide(problem, info, dps=cur, certify=certify, box_radius=box_radius, tol=tol,
                             max_boxes=max_boxes, time_limit=deadline, seed=seed)
            stat_ball = _stationarity(problem, cur)
        escalations.append(cur)
        if result["verdict"] != "inconclusive" or cur >= max_dps:
            break
        if time.perf_counter() >= deadline:
            out_of_time = True
            break
        cur = min(max_dps, 2 * cur)
    if out_of_time:
        result["message"] += f" (the time limit of {time_limit} s was reached before escalating past {cur} dps)"
    bits = dps_to_bits(cur)
    exact_stat = _is_exact_zero(stat_ball)
    stationary = bool(exact_stat or (stat_ball.is_finite()
                                     and stat_ball.upper() < arb(mpmath.nstr(tol_stat, 5, min_fixed=-mpmath.inf))))
    if result["verdict"] == "inconclusive" and len(escalations) > 1:
        result["message"] += f" (precision escalated {' -> '.join(map(str, escalations))} dps; raise --dps)"
    out = {
        "loss": mpmath.nstr(loss, dps),
        "stationarity_residual": mpmath.nstr(stat, min(dps, 20)),
        "stationary": stationary,
        # printed from the ball itself (no arithmetic outside the working precision), lower end down, upper up
        "stationarity": {"residual_enclosure": enclosure_decimal(stat_ball, 25, nonnegative=True)
                         if stat_ball.is_finite() else None,
                         "exactly_zero": exact_stat, "tolerance": mpmath.nstr(tol_stat, 3)},
        # the verdict is about this measure on this data (an instance), never about the model class
        "global_optimality": {**{k: result[k] for k in ("verdict", "sup_psi", "attained", "witness",
                                                         "sup_psi_enclosure", "location_certified", "message")},
                              "scope": "instance"},
        "escaping_set": result["escaping_set"],  # extended below (min h, rays, robustness) with certify
        "precision": f"arb {bits} bits (dps {cur}); mpmath {dps} dps",
        "model": model.describe(),
        "stats": {**result["stats"], "escalations": escalations, "seconds": round(time.perf_counter() - t0, 3)},
    }
    if certify and result["escaping_set"].get("nonempty"):
        from proofs.analyze.diagnostics import extend_analysis_block

        with arb_prec(bits):
            out["escaping_set"].update(extend_analysis_block(problem, out))
    return out
