r"""Escaping-set construction and diagnostics for a non-global stationary measure (MATH.md §1b A.2, A.3, A.5).

For :math:`h(\hat a,u)=\langle\hat a,\Psi_\mu(u)\rangle` the escaping set is
:math:`E_\epsilon=\{(a,u):a\ne0,\ h(a/|a|,u)<-\epsilon\}`; it is non-empty iff :math:`\epsilon<S(\mu)`, forward invariant
for the frozen flow, and :math:`|a|` grows like :math:`r'=-h\ge\epsilon` inside it. :func:`escaping_set` reports

* ``min_h``: :math:`\inf h=-S(\mu)` with its certified enclosure and location (interior or at infinity), from
  :func:`proofs.analyze.analyze`;
* ``regular_level``: a dyadic level :math:`-\epsilon\approx-S/2` and a certified lower bound :math:`\beta` of
  :math:`\min|\nabla_uh|` on :math:`\{h=-\epsilon\}` inside the box :math:`K=[-R,R]^{p_u}` (the compact part), or an
  honest ``inconclusive`` when the certificate did not finish;
* ``rays``: :math:`h` and :math:`|\nabla_uh|` along the ray of the witness direction, the limit value (certified,
  from the half-space enumeration), the fitted exponential decay rate of :math:`|\nabla_uh|` and, for the logistic
  sigmoid and tanh, a certified bound :math:`|\nabla_uh(tv)|\le C e^{-\lambda t}` and :math:`|h(tv)-h_\infty|\le C_0e^{-\lambda t}`
  with :math:`\lambda=\min_i|v\cdot\tilde x_i|` (from :math:`\sigma'(z)\le e^{-|z|}` and :math:`|\sigma(z)-\mathbf 1\{z>0\}|\le e^{-|z|}`
  for the logistic sigmoid): the robustness margin of A.2 is lost at infinity at that rate;
* ``robustness``: the C¹ perturbation radius that keeps :math:`\{h<-\epsilon\}\cap K` forward invariant on the compact
  part (see :func:`robustness_radius`).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction

from proofs.analyze.diagnostics import attention_limits_summary, ray_profile, robustness_radius
from proofs.errors import InvalidArgument

__all__ = ["EscapingSet", "escaping_set", "robustness_radius", "ray_profile"]


@dataclass
class EscapingSet:
    """Diagnostics of the escaping set of one stationary measure (JSON-ready through :meth:`to_json`)."""

    nonempty: bool
    a_hat: list | None
    min_h: str | None
    min_h_enclosure: list
    location: str
    location_certified: bool
    witness: dict
    regular_level: dict | None = None
    rays: dict | None = None
    robustness: dict | None = None
    attention_limits: dict | None = None
    compact_part: dict | None = None
    optimality_verdict: str = ""
    scope: str = "instance"
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def _point_in_sublevel(problem, r, a_hat, box_radius, *, seed=0, samples=4000):
    """The best point of the box [-R, R]^p_u for h = <a_hat, Psi> among float samples (a choice, not a decision),
    with h there enclosed in balls: a certified point of {h < h_upper} inside the box (the compact part)."""
    import numpy as np

    from numerics.certified.bnb import as_fraction, point_ball
    from numerics.certified.enclosures import PsiEnclosure

    from proofs.analyze.balls import _up, exact_str

    R = float(as_fraction(box_radius))
    p = problem.model.p_u
    rng = np.random.default_rng(seed)
    U = np.vstack([rng.uniform(-R, R, size=(samples, p)), np.array(problem.u_float)])
    # corners and faces are where bounded features sharpen most: add the sign patterns of the box
    corners = np.array(np.meshgrid(*[[-R, R]] * p)).reshape(p, -1).T if p <= 10 else np.zeros((0, p))
    U = np.vstack([U, corners])
    vals = problem.psi(U, "numpy").reshape(len(U), -1)
    a = np.array([float(v) for v in a_hat])
    h = vals @ a
    j = int(np.argmin(h))
    u = [Fraction(v).limit_denominator(2 ** 20) for v in U[j]]
    u = [max(min(v, as_fraction(box_radius)), -as_fraction(box_radius)) for v in u]
    enc = PsiEnclosure(problem.model, problem.mu, problem.data, r=r)
    hf, _ = enc.h(a_hat)
    hb = hf([point_ball(v) for v in u])
    if not (hb.is_finite() and hb < 0):
        return None
    return {"u": [exact_str(v) for v in u], "h_upper": _up(hb, 15),
            "note": "a certified point of the box with h(u) <= h_upper < 0 (balls): the compact part of the "
                    "sublevel set is non-empty for every level above h_upper"}


def escaping_set(problem_or_model, mu=None, data=None, *, dps: int = 30, box_radius="8", level=None,
                 time_limit: float = 60.0, analysis: dict | None = None, beta_target=None, seed: int = 0,
                 certify: bool = True) -> EscapingSet:
    r"""Escaping-set diagnostics of a (stationary, non-global) measure: see the module docstring.

    ``problem_or_model``: a :class:`proofs.problem.Problem`, or a model with ``mu`` and ``data``. ``analysis``: a
    result of :func:`proofs.analyze.analyze` to reuse (else one is run with ``certify``). ``level``: the level
    :math:`-\epsilon` (default: :math:`-S/2` rounded to a dyadic rational). ``beta_target``: sharpen the certified
    :math:`\beta` towards this value (more boxes). Every number is about this instance (``scope = "instance"``).
    """
    from flint import arb

    from numerics.certified.enclosures import PsiEnclosure

    from proofs.analyze import analyze
    from proofs.analyze.interior import _regular_level, dyadic_level
    from proofs.problem import Problem

    if isinstance(problem_or_model, Problem):
        problem = problem_or_model
    else:
        if mu is None or data is None:
            raise InvalidArgument("escaping_set needs a Problem, or a model with mu and data")
        problem = Problem(problem_or_model, data, mu)
    if analysis is None:
        analysis = analyze(problem.model, problem.mu, problem.data, dps=dps, certify=certify,
                           box_radius=box_radius, time_limit=time_limit, seed=seed)
    g, esc = analysis["global_optimality"], analysis["escaping_set"]
    lo, hi = g["sup_psi_enclosure"]
    notes = []
    if not analysis.get("stationary", False):
        notes.append("the measure is not stationary to the working precision: the escaping set is that of a "
                     "frozen Psi_mu, not of a limit point of the flow")
    min_h = None if g["sup_psi"] in (None, "0") else ("-" + g["sup_psi"] if not g["sup_psi"].startswith("-")
                                                      else g["sup_psi"])
    out = EscapingSet(nonempty=bool(esc.get("nonempty")), a_hat=esc.get("a_hat"), min_h=min_h,
                      min_h_enclosure=[None if hi is None else "-" + hi, "-" + lo if lo is not None else None],
                      location=g["attained"], location_certified=bool(g["location_certified"]),
                      witness=g["witness"], notes=notes, optimality_verdict=g["verdict"])
    if not out.nonempty or out.a_hat is None:
        out.notes.append("E_eps is empty for every eps >= 0 certified here (S(mu) is not certified positive)")
        return out
    with_r = problem.residual("arb")
    lower = arb(lo)
    lvl = Fraction(level) if level is not None else dyadic_level(lower)
    if lvl >= 0:
        raise InvalidArgument(f"got level={level!r}, valid is a negative level -eps with 0 < eps < S(mu)")
    if not Fraction(lvl) > -Fraction(lo):
        raise InvalidArgument(f"got level={level!r}: below -S(mu) >= -{lo} the sublevel set may be empty; valid is "
                              f"-{lo} < level < 0")
    a_exact = esc.get("regular_level", {}).get("a_hat_exact") if isinstance(esc.get("regular_level"), dict) else None
    a_hat = [Fraction(v) for v in (a_exact or out.a_hat)]
    point = _point_in_sublevel(problem, with_r, a_hat, box_radius, seed=seed)
    out.compact_part = point
    if level is None and point is not None:
        # the compact part must meet the sublevel set: level = max(-S/2, h(u_K)/2) at a certified point u_K of the box
        hk = Fraction(point["h_upper"])
        if hk / 2 > lvl:
            lvl = dyadic_level(arb(str(-hk)))
            out.notes.append("level raised to h(u_K)/2 so that {h < level} meets the box (-S/2 lies below every "
                             "value of h there)")
    reuse = esc.get("regular_level")
    rl = reuse if level is None and beta_target is None and reuse and Fraction(reuse["level"]) == lvl else None
    if rl is None and certify:
        enc = PsiEnclosure(problem.model, problem.mu, problem.data, r=with_r)
        rl = _regular_level(enc, a_hat, lower, box_radius, 3000, problem=problem, r=with_r,
                            time_limit=time_limit, level=lvl, beta_target=beta_target)
    out.regular_level = rl
    eps = -Fraction(rl["level"]) if rl else -lvl
    beta = Fraction(rl["beta_lower"]) if rl and rl.get("certified") and rl.get("beta_lower") else None
    out.robustness = robustness_radius(eps, beta)
    if rl is not None and not rl.get("certified"):
        out.robustness["note"] = "the regular-level certificate did not finish: no gradient radius is certified"
    wit = g["witness"]
    if wit.get("kind") == "direction" and "w" in wit and [gr[0] for gr in problem.model.u_groups] == ["w", "b"]:
        direction = [Fraction(v) for v in wit["w"]] + [Fraction(wit["b"])]
        out.rays = ray_profile(problem, with_r, a_hat, direction, limit=wit.get("psi"))
    elif wit.get("kind") == "direction":
        out.rays = {"status": "not computed for this model (hardmax limits only)", "limit": wit.get("psi")}
    if problem.model.name in ("attention", "attention-qk"):
        out.attention_limits = attention_limits_summary(analysis)
    return out


