r"""Angular/radial decoupling of the particle flow for 2-homogeneous first variations (Chizat–Bach 2018, §8 A10).

For :math:`G(u)=|u|^2g(u/|u|)` on :math:`\mathbb R^D\setminus\{0\}` (the first variation of a 2-homogeneous
problem) and the flow :math:`u'=-\nabla G(u)`, write :math:`u=r\theta` with :math:`r=|u|`, :math:`|\theta|=1`. Then

.. math::
    r'=-2r\,g(\theta),\qquad \theta'=-\nabla_{\mathbb S}g(\theta)=-(I-\theta\theta^\top)\nabla g(\theta),

so the direction performs spherical gradient descent on :math:`g`, independently of :math:`r`.

What is certified (``proved``, sympy, scope ``universal`` for the instance's dimension D): sympy differentiates
:math:`G(u)=r^2g(u/r)` with :math:`g` an undefined function of D arguments, forms
:math:`r'=\langle u/r,u'\rangle` and :math:`\theta'=(u'-\theta r')/r`, and then replaces :math:`g(\theta)` and the
partial derivatives :math:`\partial_kg(\theta)` by free symbols (the formulas only involve the first-order jet of
:math:`g` at :math:`\theta`, and free symbols cover every jet, so this covers every differentiable :math:`g`). Both
differences simplify to 0 for every :math:`u\ne0`.

Dropping 2-homogeneity (``homogeneity`` = ``"1"``, ``"3"`` or ``"mixed"``: :math:`G=|u|g`, :math:`|u|^3g`,
:math:`(|u|^2+|u|^3)g`) breaks the decoupling: :math:`\theta'=-\rho'(r)/r\cdot\nabla_{\mathbb S}g` depends on
:math:`r`. The check then ``refutes`` with an exact rational witness: :math:`g(t)=t_1`, :math:`\theta=(3/5,4/5,0,\dots)`,
and the exact velocities :math:`\theta'` at :math:`r=1` and :math:`r=2` differ (or, for D = 1 where the
sphere is two points, :math:`r'\ne-2rg(\theta)` exactly).
"""
from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.registry import claim

ID = "two-homogeneous-angular-decoupling"
ASSUMPTIONS = ("G(u) = |u|^2 g(u/|u|): positively 2-homogeneous (the first variation of a 2-homogeneous problem)",
               "g differentiable on a neighbourhood of the unit sphere", "u != 0", "flow u' = -grad G(u)")

#: radial profiles rho(r) of G(u) = rho(|u|) g(u/|u|); only "2" is 2-homogeneous
PROFILES = {"2": lambda r: r ** 2, "1": lambda r: r, "3": lambda r: r ** 3, "mixed": lambda r: r ** 2 + r ** 3}


def flow_in_polar(D: int, homogeneity: str = "2"):
    r"""(r', theta', claimed r', claimed theta', jet symbols, u symbols) for :math:`G(u)=\rho(|u|)g(u/|u|)` in
    dimension D, with :math:`g(\theta)\to` ``g0`` and :math:`\partial_kg(\theta)\to` ``p_k`` (free symbols)."""
    if homogeneity not in PROFILES:
        from proofs.errors import InvalidArgument

        raise InvalidArgument(f"homogeneity {homogeneity!r}; valid are {', '.join(PROFILES)}")
    u = sp.symbols(f"u1:{D + 1}", real=True)
    r = sp.sqrt(sum(x ** 2 for x in u))
    g = sp.Function("g")
    th = [x / r for x in u]
    G = PROFILES[homogeneity](r) * g(*th)
    g0 = sp.Symbol("g0", real=True)
    P = sp.symbols(f"p1:{D + 1}", real=True)

    def jet(e):
        reps = {}
        for s in e.atoms(sp.Subs):
            der = s.expr
            (var, _), = der.variable_count
            reps[s] = P[list(der.expr.args).index(var)]
        return e.xreplace(reps).xreplace({g(*th): g0})

    udot = [-jet(sp.diff(G, x)) for x in u]
    rdot = sum(t * v for t, v in zip(th, udot))
    thdot = [(v - t * rdot) / r for v, t in zip(udot, th)]
    tP = sum(t * p for t, p in zip(th, P))
    claimed_r = -2 * r * g0
    claimed_th = [-(p - t * tP) for p, t in zip(P, th)]
    return rdot, thdot, claimed_r, claimed_th, (g0, P), u


def _zero(e) -> bool:
    return sp.simplify(sp.together(e)) == 0


def exact_witness(D: int, homogeneity: str):
    """theta' at u = r theta for r = 1 and r = 2, with g(t) = t_1 and theta = (3/5, 4/5, 0, ...) (exact rationals;
    for D = 1, theta = 1). Returns (theta'(r=1), theta'(r=2), [r' + 2 r g(theta) at r = 1, 2])."""
    rdot, thdot, cr, _, (g0, P), u = flow_in_polar(D, homogeneity)
    theta = [sp.Rational(3, 5), sp.Rational(4, 5)] + [sp.Integer(0)] * (D - 2) if D >= 2 else [sp.Integer(1)]
    jet = {g0: theta[0], **{p: (1 if k == 0 else 0) for k, p in enumerate(P)}}
    out, rgap = [], []
    for rr in (1, 2):
        pt = {**jet, **{x: rr * t for x, t in zip(u, theta)}}
        out.append([sp.nsimplify(sp.simplify(e.subs(pt))) for e in thdot])
        rgap.append(sp.nsimplify(sp.simplify((rdot - cr).subs(pt))))
    return out[0], out[1], rgap


@claim(ID, label="§8 A10", provenance="[D]", paper="Chizat-Bach 2018",
       source="the 2-homogeneous case (Assumption 3.2 setting), step 4 of the escaping-set argument; derived",
       statement=r"G(u)=|u|^2g(u/|u|),\ u=r\theta:\quad r'=-2r\,g(\theta),\ \ "
                 r"\theta'=-\nabla_{\mathbb S}g(\theta)\ \text{(independent of } r)",
       assumptions=ASSUMPTIONS,
       instances=[{"name": "D=2", "D": 2}, {"name": "D=3", "D": 3}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "D": st.integers(1, 4),
                                               "homogeneity": st.just("2")}),
       description="2-homogeneous flow: theta' = -grad_S g(theta) independent of r, r' = -2 r g(theta)")
def check(inst, *, dps=30):
    """A10: angular dynamics decouple from the radius for 2-homogeneous G (sympy, every differentiable g)."""
    from fractions import Fraction

    from proofs.errors import InvalidArgument

    raw = inst.get("D", 3)
    try:
        q = None if isinstance(raw, bool) else Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q.denominator != 1 or not 1 <= q <= 6:
        raise InvalidArgument(f"D={raw!r}; valid is an integer 1 <= D <= 6")
    D = int(q)
    hom = str(inst.get("homogeneity", "2"))
    rdot, thdot, cr, cth, _, _ = flow_in_polar(D, hom)
    if any(e.has(sp.Function("g")) or e.has(sp.Derivative) or e.has(sp.Subs) for e in [rdot, *thdot]):
        return inconclusive(ID, inst, method="sympy", assumptions=ASSUMPTIONS, scope="instance",
                            statement=f"polar split of -grad G in dimension {D}",
                            message="a derivative of g was left in a form the jet substitution does not know; "
                                    "nothing was decided")
    form = {"2": "|u|^2 g(u/|u|)", "1": "|u| g(u/|u|)", "3": "|u|^3 g(u/|u|)",
            "mixed": "(|u|^2 + |u|^3) g(u/|u|)"}[hom]
    statement = (f"for G(u) = {form} on R^{D} \\ {{0}}, every differentiable g and every u = r theta != 0, the flow "
                 "u' = -grad G(u) has r' = -2 r g(theta) and theta' = -(I - theta theta^T) grad g(theta), "
                 "independent of r")
    ok_r = _zero(rdot - cr)
    ok_th = all(_zero(a - b) for a, b in zip(thdot, cth))
    if ok_r and ok_th:
        return proved(ID, inst, margin=0, precision="exact (sympy)", method="sympy: polar split of -grad G",
                      assumptions=ASSUMPTIONS, scope="universal", statement=statement,
                      message=f"both identities simplify to 0 in dimension {D} with g(theta) and grad g(theta) free "
                              "symbols (every differentiable g)")
    w1, w2, rgap = exact_witness(D, hom)
    if w1 != w2 or any(v != 0 for v in rgap):
        return refuted(ID, inst, margin=str([a - b for a, b in zip(w1, w2)] + rgap), precision="exact rationals",
                       method="exact witness", assumptions=ASSUMPTIONS, scope="instance",
                       statement=statement + ": fails for g(t) = t_1 at theta = (3/5, 4/5, 0, ...)",
                       witness={"g": "t_1", "theta": "(3/5, 4/5, 0, ...)", "theta_dot(r=1)": [str(v) for v in w1],
                                "theta_dot(r=2)": [str(v) for v in w2],
                                "r_dot + 2 r g(theta) at r=1, 2": [str(v) for v in rgap]},
                       message=f"G = {form} is not 2-homogeneous: at the exact witness theta' is {w1} at r=1 and "
                               f"{w2} at r=2, and r' + 2 r g(theta) is {rgap[0]} at r=1, {rgap[1]} at r=2")
    return inconclusive(ID, inst, method="sympy", assumptions=ASSUMPTIONS, scope="instance", statement=statement,
                        message="sympy did not reduce the polar split to 0 and the exact witness does not separate "
                                "r = 1 from r = 2; simplify by hand")
