r"""§8 D2, D3, D5, D6: the reduced loss of the two-timescale model, its sharp-step limit and the O(eta) floor.

Model (reconstructed from the authors' code, commit bd701b3): :math:`f(x)=a_0+\sum_ja_j\sigma_\eta(x-u_j)` on
:math:`x\sim U[0,1]`, cubic smooth step :math:`\sigma`, piecewise-constant target, loss
:math:`L=\frac12\int_0^1(f-f^*)^2`. Every number below is an exact rational (``proofs.twotimescale``).

* **D2** (``sharp-step-reduced-loss-limit``). Derived bound [D]: if the m neurons lie in [0, 1] pairwise at least
  eta apart, then :math:`|\min_aL_\eta(u)-\mathcal L_0(u)|\le\frac12m\eta\,(\mathrm{osc}f^*)^2`, hence
  :math:`\min_aL_\eta\to\mathcal L_0` as :math:`\eta\to0`. (Upper side: take :math:`a` = jumps of the piece means;
  outside the windows :math:`|x-u_j|<\eta/2` (total length <= m eta) the network equals the piecewise constant of
  :math:`\mathcal L_0`, inside both f and f* lie in [min f*, max f*]. Lower side: outside the windows f is constant on
  each interval, and removing a set of measure <= m eta from an interval lowers its best constant fit by at most
  that measure times :math:`(\mathrm{osc}f^*)^2`.) The check computes :math:`\min_aL_\eta` exactly (rational normal
  equations) at each listed eta and verifies the bound exactly: ``proved``, scope instance.
* **D3** (``slow-flow-flanking-derivatives``). Instance "symbolic": sympy differentiates the one-jump closed form
  :math:`\frac{\Delta^2}{2}\frac{d_ld_r}{d_l+d_r}` and proves the flanking derivatives (universal). Instance
  "finite differences": the exact central difference of :math:`\min_aL_\eta` at small eta matches the flanking
  formulas within ``tol`` (exact rationals; scope instance). A violated tolerance is ``refuted`` (exact).
* **D5** (``sharp-loss-general-gradient``). Instance "symbolic": with the local primitives of f* near a neuron not on a
  jump, sympy proves :math:`\partial_{u_j}\mathcal L_0=\frac12[(f^*(u_j)-m_{j-1})^2-(f^*(u_j)-m_j)^2]` (universal).
  Other instances: the formula equals sympy's derivative of :math:`\mathcal L_0` written with Min/Max primitives, at
  exact rational layouts (intervals holding 0, 1 or 2 jumps; piece occupancy reported).
* **D6** (``finite-eta-floor``). Instance "symbolic": :math:`\int_{-1/2}^{1/2}(\mathbf 1_{z>0}-\sigma)^2=\frac1{28}` and a
  neuron exactly on a jump :math:`\Delta` with :math:`a=\Delta` leaves :math:`\Delta^2\eta/56` (universal in Delta, eta).
  Instance E-MB1: one neuron on each jump gives exactly :math:`\sum_i\Delta_i^2\eta/56=\eta`, and the least-squares
  :math:`a` does not exceed it (exact). An ``offset`` moves the neurons off the jumps: then the equality fails and the
  check says so (``refuted``, exact).
"""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim
from proofs.twotimescale import ExactTarget, exact_loss, exact_min_loss, exact_sharp_grad, exact_sharp_loss, frac

PAPER = "Marion-Berthier 2023"
ASSUMPTIONS = ("sigma = cubic smooth step, sigma_eta(z) = sigma(z / eta)",
               "x ~ Uniform[0, 1], loss (1/2) int (f - f*)^2, bias = frozen neuron at -eta/2",
               "f* piecewise constant (finitely many jumps inside (0, 1))")

D2_INST = {"name": "two jumps, six neurons", "v": ["0.35", "0.78"], "values": ["0.1", "0.95", "0.65"],
           "u": ["0.1", "0.3", "0.42", "0.6", "0.74", "0.9"], "etas": ["1/100", "1/1000", "1/10000"]}


def _target(inst):
    return ExactTarget(tuple(inst["v"]), tuple(inst["values"]))


def _fmt(x: Fraction, digits: int = 6) -> str:
    return f"{float(x):.{digits}g}"


def _need(cid, inst, keys):
    """Finding the mode by the instance name only: "symbolic" is the universal proof; any other instance must carry
    exactly these data keys (a misspelled key never falls back to the symbolic proof)."""
    allowed = {"name", *keys}
    missing = [k for k in keys if k not in inst]
    unknown = sorted(set(inst) - allowed)
    if missing or unknown:
        raise InvalidArgument(f"{cid}: got instance keys {sorted(inst)} (missing {missing}, unknown {unknown}); valid "
                              f"is {{'name': 'symbolic'}} or the keys {sorted(allowed)}")


# ------------------------------------------------------------------------------------------------------ D2
def d2_bound(m: int, eta: Fraction, target: ExactTarget) -> Fraction:
    """(1/2) m eta (osc f*)^2."""
    osc = max(target.values) - min(target.values)
    return Fraction(1, 2) * m * eta * osc ** 2


@claim("sharp-step-reduced-loss-limit", label="§8 D2", provenance="[D]", paper=PAPER,
       source="reconstructed (sharp-step limit of the reduced loss, section 3 of the paper per the code)",
       statement=r"|\min_aL_\eta(u)-\mathcal L_0(u)|\le\tfrac12 m\eta\,(\mathrm{osc}f^*)^2\to0",
       assumptions=ASSUMPTIONS + ("neurons in [0, 1], pairwise at least eta apart",),
       instances=[D2_INST],
       strategy=lambda: st.just(D2_INST),
       description="min_a L_eta(u) -> L0(u) as eta -> 0, with an exact O(eta) bound at each listed eta")
def check_d2(inst, *, dps=30):
    """Exact reduced loss vs its sharp-step limit (D2)."""
    cid = "sharp-step-reduced-loss-limit"
    _need(cid, inst, ("v", "values", "u", "etas"))
    if not isinstance(inst["etas"], list) or not inst["etas"] or not isinstance(inst["u"], list) or not inst["u"]:
        raise InvalidArgument(f"{cid}: got u = {inst['u']!r}, etas = {inst['etas']!r}; valid is non-empty lists")
    t = _target(inst)
    u = sorted(frac(x) for x in inst["u"])
    etas = [frac(e) for e in inst["etas"]]
    if any(e <= 0 for e in etas):
        raise InvalidArgument(f"{cid}: got etas {inst['etas']}; valid is positive widths")
    L0 = exact_sharp_loss(u, t)
    statement = (f"for f* with jumps {inst['v']} and values {inst['values']}, sorted u = {[str(x) for x in u]}: "
                 f"|min_a L_eta(u) - L0(u)| <= m eta osc(f*)^2 / 2 at eta in {inst['etas']} (exact rationals)")
    rows, worst = [], None
    for eta in etas:
        ok_layout = all(0 <= x <= 1 for x in u) and all(b - a >= eta for a, b in zip(u, u[1:]))
        if not ok_layout:
            return inconclusive("sharp-step-reduced-loss-limit", inst, scope="instance", statement=statement,
                                method="exact rationals", assumptions=ASSUMPTIONS,
                                message=f"hypothesis not met at eta = {eta}: neurons must lie in [0, 1] pairwise at "
                                        "least eta apart; the bound is not claimed for this layout")
        Lmin, _ = exact_min_loss(u, eta, t)
        gap = abs(Lmin - L0)
        bound = d2_bound(len(u), eta, t)
        slack = bound - gap
        rows.append({"eta": str(eta), "min_a_L": _fmt(Lmin, 10), "gap": _fmt(gap), "bound": _fmt(bound),
                     "gap_over_eta": _fmt(gap / eta)})
        worst = slack if worst is None else min(worst, slack)
        if slack < 0:
            return refuted("sharp-step-reduced-loss-limit", inst, scope="instance", statement=statement,
                           margin=str(slack), precision="exact rationals", method="exact normal equations",
                           assumptions=ASSUMPTIONS, witness={"eta": str(eta), "gap": str(gap), "bound": str(bound)},
                           stats={"L0": str(L0), "rows": rows},
                           message=f"the bound fails at eta = {eta}: gap {_fmt(gap)} > {_fmt(bound)}")
    return proved("sharp-step-reduced-loss-limit", inst, scope="instance", statement=statement, margin=_fmt(worst),
                  precision="exact rationals", method="exact piecewise-polynomial integrals, rational normal equations",
                  assumptions=ASSUMPTIONS, stats={"L0": _fmt(L0, 10), "rows": rows},
                  message="L0 = " + _fmt(L0, 8) + "; gaps " + ", ".join(r["gap"] for r in rows) + " (exact), each "
                          "within the O(eta) bound")


# ------------------------------------------------------------------------------------------------------ D3
def flanking_symbolic():
    """sympy: d/du_l and d/du_r of (Delta^2/2) d_l d_r / (d_l + d_r), d_l = v - u_l, d_r = u_r - v, minus the
    flanking formulas; both differences must simplify to 0."""
    D, v, ul, ur = sp.symbols("Delta v u_l u_r", real=True)
    dl, dr = v - ul, ur - v
    c = D ** 2 / 2 * dl * dr / (dl + dr)
    e1 = sp.simplify(sp.diff(c, ul) - (-D ** 2 / 2 * (dr / (dl + dr)) ** 2))
    e2 = sp.simplify(sp.diff(c, ur) - (D ** 2 / 2 * (dl / (dl + dr)) ** 2))
    return e1, e2


def flanking_formula(t: ExactTarget, u, j):
    """The flanking derivative of L0 at neuron j (u sorted): the neighbouring interval on one side holds exactly one
    jump, the other side none. Returns None if j does not flank exactly one jump that way."""
    p = [Fraction(0)] + list(u) + [Fraction(1)]
    lo_l, hi_l, lo_r, hi_r = p[j], p[j + 1], p[j + 1], p[j + 2]
    inl = [k for k, x in enumerate(t.v) if lo_l < x < hi_l]
    inr = [k for k, x in enumerate(t.v) if lo_r < x < hi_r]
    if len(inl) + len(inr) != 1:
        return None
    if inr:  # neuron j is the left flank of jump k
        k = inr[0]
        dl, dr = t.v[k] - lo_r, hi_r - t.v[k]
        return -(t.jumps[k] ** 2) / 2 * (dr / (dl + dr)) ** 2
    k = inl[0]
    dl, dr = t.v[k] - lo_l, hi_l - t.v[k]
    return (t.jumps[k] ** 2) / 2 * (dl / (dl + dr)) ** 2


D3_FD = dict(D2_INST, name="finite differences", etas=None, eta="1/10000", h="1/1000", neurons=[1, 2, 4, 5],
             tol="1/1000")
D3_SYM = {"name": "symbolic"}


@claim("slow-flow-flanking-derivatives", label="§8 D3", provenance="[D]", paper=PAPER,
       source="reconstructed (the authors' limit code uses these derivatives, un-halved)",
       statement=r"\partial_{u_l}\mathcal L_0=-\tfrac{\Delta^2}{2}\big(\tfrac{d_r}{d_l+d_r}\big)^2,\ "
                 r"\partial_{u_r}\mathcal L_0=\tfrac{\Delta^2}{2}\big(\tfrac{d_l}{d_l+d_r}\big)^2",
       assumptions=ASSUMPTIONS + ("exactly one jump between the two flanking neurons",),
       instances=[D3_SYM, D3_FD], strategy=lambda: st.sampled_from([D3_SYM, D3_FD]),
       description="flanking-neuron derivatives of L0: symbolic, and exact finite differences of min_a L at small eta")
def check_d3(inst, *, dps=30):
    """Flanking derivatives (D3)."""
    cid = "slow-flow-flanking-derivatives"
    if inst.get("name") == "symbolic" and set(inst) == {"name"}:
        st_ = ("for every Delta, v and u_l < v < u_r: the derivatives of (Delta^2/2) d_l d_r/(d_l + d_r) in u_l and "
               "u_r are the flanking formulas (sympy)")
        e1, e2 = flanking_symbolic()
        if e1 == 0 and e2 == 0:
            return proved(cid, inst, scope="universal", statement=st_, margin=0, precision="exact (sympy)",
                          method="sympy diff + simplify", assumptions=ASSUMPTIONS,
                          message="both flanking derivatives hold identically")
        return inconclusive(cid, inst, scope="universal", statement=st_, method="sympy", assumptions=ASSUMPTIONS,
                            message=f"sympy left {e1}, {e2}; simplify by hand")
    _need(cid, {k: x for k, x in inst.items() if k != "etas"},
          ("v", "values", "u", "eta", "h", "neurons", "tol"))
    if not isinstance(inst["u"], list) or not inst["u"]:
        raise InvalidArgument(f"{cid}: got u = {inst['u']!r}; valid is a non-empty list of positions")
    t = _target(inst)
    u = sorted(frac(x) for x in inst["u"])
    eta, h, tol = frac(inst["eta"]), frac(inst["h"]), frac(inst["tol"])
    if h <= 0 or tol <= 0:
        raise InvalidArgument(f"{cid}: got h = {inst['h']}, tol = {inst['tol']}; valid is h > 0 and tol > 0")
    nrs = inst["neurons"]
    if not isinstance(nrs, list) or not nrs or any(isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < len(u)
                                                    for j in nrs):
        raise InvalidArgument(f"{cid}: got neurons {nrs!r}; valid is a non-empty list of indices 0..{len(u) - 1} "
                              "into the sorted u")
    statement = (f"for f* with jumps {inst['v']}, values {inst['values']}, sorted u = {[str(x) for x in u]}, eta = "
                 f"{inst['eta']}: |(min_a L(u + h e_j) - min_a L(u - h e_j)) / 2h - flanking formula| <= {inst['tol']} "
                 f"with h = "
                 f"{inst['h']} for neurons {inst['neurons']} (exact rationals)")
    rows, worst = [], None
    for j in inst["neurons"]:
        f = flanking_formula(t, u, j)
        if f is None:
            return inconclusive(cid, inst, scope="instance", statement=statement, method="exact rationals",
                                assumptions=ASSUMPTIONS,
                                message=f"neuron {j} does not flank exactly one jump: the flanking formula does not "
                                        "apply (use the general formula, D5)")
        near = min([abs(u[j] - x) for k, x in enumerate(u) if k != j] + [abs(u[j] - x) for x in t.v]
                   + [u[j], 1 - u[j]])
        if not (10 * eta <= h < near - eta) or tol > abs(f) / 2:
            return inconclusive(cid, inst, scope="instance", statement=statement, method="exact rationals",
                                assumptions=ASSUMPTIONS,
                                message=f"hypothesis not met at neuron {j}: the check needs 10 eta <= h < (distance "
                                        f"to the nearest neuron, jump or end) - eta = {_fmt(near - eta)} and tol "
                                        f"<= |formula| / 2 = {_fmt(abs(f) / 2)}; got eta = {inst['eta']}, h = "
                                        f"{inst['h']}, tol = {inst['tol']}")
        up = [x + h if k == j else x for k, x in enumerate(u)]
        dn = [x - h if k == j else x for k, x in enumerate(u)]
        fd = (exact_min_loss(up, eta, t)[0] - exact_min_loss(dn, eta, t)[0]) / (2 * h)
        err = abs(fd - f)
        rows.append({"neuron": j, "finite_difference": _fmt(fd), "formula": _fmt(f), "error": _fmt(err, 3)})
        worst = tol - err if worst is None else min(worst, tol - err)
    if worst is None:
        raise InvalidArgument(f"{cid}: got no neurons; valid is a non-empty list")
    if worst < 0:
        return refuted(cid, inst, scope="instance", statement=statement, margin=_fmt(worst),
                       precision="exact rationals", method="exact central differences of min_a L",
                       assumptions=ASSUMPTIONS, witness={"rows": rows},
                       message="finite differences and flanking formulas differ by more than tol (eta not small "
                               "enough for this h, or a wrong formula)")
    return proved(cid, inst, scope="instance", statement=statement, margin=_fmt(worst), precision="exact rationals",
                  method="exact central differences of min_a L", assumptions=ASSUMPTIONS, stats={"rows": rows},
                  message="; ".join(f"u_{r['neuron']}: FD {r['finite_difference']} vs {r['formula']}" for r in rows)
                          + f" (tol {inst['tol']}, h {inst['h']})")


# ------------------------------------------------------------------------------------------------------ D5
def general_symbolic():
    """sympy: the derivative at t = u of the local form of L0 (left interval [p, t], right [t, q], f* = g near u)
    minus the general formula; must be 0."""
    t, u, g, Sl, Tl, ll, Sr, Tr, lr = sp.symbols("t u g S_l T_l ell_l S_r T_r ell_r", real=True)
    s = t - u
    L = (Sl + g ** 2 * s - (Tl + g * s) ** 2 / (ll + s)) / 2 + (Sr - g ** 2 * s - (Tr - g * s) ** 2 / (lr - s)) / 2
    d = sp.diff(L, t).subs(t, u)
    return sp.simplify(d - ((g - Tl / ll) ** 2 - (g - Tr / lr) ** 2) / 2)


def sympy_sharp_grad(u, target: ExactTarget):
    """dL0/du_j by sympy differentiation of L0 written with exact primitives F_p(t) = int_0^t f*^p (Min/Max form)."""
    t = sp.Symbol("t", real=True)
    edges = [sp.Integer(0)] + [sp.Rational(x) for x in target.v] + [sp.Integer(1)]

    def prim(x, p):
        return sum(sp.Rational(val) ** p * (sp.Min(sp.Max(x, edges[k]), edges[k + 1]) - edges[k])
                   for k, val in enumerate(target.values))

    out = []
    us = [sp.Rational(x) for x in u]
    for j in range(len(us)):
        lo = us[j - 1] if j > 0 else sp.Integer(0)
        hi = us[j + 1] if j + 1 < len(us) else sp.Integer(1)
        L = 0
        for a, b in ((lo, t), (t, hi)):
            S = prim(b, 2) - prim(a, 2)
            T = prim(b, 1) - prim(a, 1)
            L += (S - T ** 2 / (b - a)) / 2
        d = sp.diff(L, t).subs(t, us[j])
        out.append(Fraction(str(sp.nsimplify(sp.simplify(d)))))
    return out


def _random_instance(seed: int, K: int = 3, m: int = 5):
    rng = random.Random(seed)
    v = sorted(rng.sample(range(5, 96), K))
    u = sorted(rng.sample([x for x in range(3, 98) if x not in v], m))
    vals = [str(Fraction(rng.randint(-20, 20), 10)) for _ in range(K + 1)]
    return {"name": f"random seed {seed}", "v": [f"{x}/100" for x in v], "values": vals,
            "u": [f"{x}/100" for x in u]}


D5_REF = {"name": "three jumps, four neurons", "v": ["0.3", "0.45", "0.7"], "values": ["0.2", "1.5", "-0.4", "0.9"],
           "u": ["0.1", "0.25", "0.6", "0.85"]}
D5_SYM = {"name": "symbolic"}


@st.composite
def _d5_strategy(draw):
    return _random_instance(draw(st.integers(0, 10 ** 6)), draw(st.integers(1, 4)), draw(st.integers(1, 6)))


def piece_occupancy(u, t: ExactTarget):
    """Number of jumps in each interval between consecutive neurons (0 and 1 included as ends)."""
    p = [Fraction(0)] + sorted(frac(x) for x in u) + [Fraction(1)]
    return [sum(1 for x in t.v if a < x < b) for a, b in zip(p, p[1:])]


@claim("sharp-loss-general-gradient", label="§8 D5", provenance="[D]", paper=PAPER,
       source="derived (generalises the flanking formulas of the authors' limit code)",
       statement=r"\partial_{u_j}\mathcal L_0=\tfrac12\big[(f^*(u_j)-m_{j-1})^2-(f^*(u_j)-m_j)^2\big]",
       assumptions=ASSUMPTIONS + ("u_j inside (0, 1), not on a jump; neurons distinct",),
       instances=[D5_SYM, D5_REF, _random_instance(1), _random_instance(7, K=4, m=3)],
       strategy=_d5_strategy,
       description="general gradient of the sharp-step loss (any number of jumps per interval)")
def check_d5(inst, *, dps=30):
    """General reduced gradient of L0 (D5)."""
    cid = "sharp-loss-general-gradient"
    if inst.get("name") == "symbolic" and set(inst) == {"name"}:
        st_ = ("for every neuron u_j not on a jump, with any integrals S, T and lengths of its two neighbouring "
               "intervals: d/du_j of L0 equals the general formula (sympy, local primitives with f* = f*(u_j))")
        d = general_symbolic()
        if d == 0:
            return proved(cid, inst, scope="universal", statement=st_, margin=0, precision="exact (sympy)",
                          method="sympy diff + simplify", assumptions=ASSUMPTIONS, message="identity holds")
        return inconclusive(cid, inst, scope="universal", statement=st_, method="sympy", assumptions=ASSUMPTIONS,
                            message=f"sympy left {d}")
    _need(cid, inst, ("v", "values", "u"))
    t = _target(inst)
    u = sorted(frac(x) for x in inst["u"])
    statement = (f"for f* with jumps {inst['v']}, values {inst['values']}, sorted u = {[str(x) for x in u]}: the "
                 "general formula "
                 "equals sympy's derivative of L0 at every neuron (exact)")
    if any(x in t.v for x in u) or any(b <= a for a, b in zip(u, u[1:])) or not all(0 < x < 1 for x in u):
        return inconclusive(cid, inst, scope="instance", statement=statement, method="exact", assumptions=ASSUMPTIONS,
                            message="hypothesis not met: a neuron on a jump, coincident neurons or a neuron outside "
                                    "(0, 1); L0 has one-sided derivatives there")
    formula = exact_sharp_grad(u, t)
    ref = sympy_sharp_grad(u, t)
    occ = piece_occupancy(u, t)
    bad = [j for j, (a, b) in enumerate(zip(formula, ref)) if a != b]
    stats = {"formula": [_fmt(x) for x in formula], "sympy": [_fmt(x) for x in ref], "jumps_per_interval": occ}
    if bad:
        return refuted(cid, inst, scope="instance", statement=statement, margin=str(formula[bad[0]] - ref[bad[0]]),
                       precision="exact rationals", method="general formula vs sympy derivative",
                       assumptions=ASSUMPTIONS, witness={"neuron": bad[0], **stats}, stats=stats,
                       message=f"formula and derivative differ at neuron {bad[0]}")
    return proved(cid, inst, scope="instance", statement=statement, margin=0, precision="exact rationals",
                  method="general formula vs sympy derivative of L0", assumptions=ASSUMPTIONS, stats=stats,
                  message=f"exact equality at {len(u)} neurons; jumps per interval {occ}")


# ------------------------------------------------------------------------------------------------------ D6
def tail_integral():
    """int_{-1/2}^{1/2} (1{z > 0} - sigma(z))^2 dz by sympy (1/28 for the cubic step)."""
    z = sp.Symbol("z", real=True)
    return sp.integrate((4 * (z + sp.S.Half) ** 3) ** 2, (z, -sp.S.Half, 0)) + \
        sp.integrate((4 * (sp.S.Half - z) ** 3) ** 2, (z, 0, sp.S.Half))


D6_SYM = {"name": "symbolic"}
D6_EMB1 = {"name": "E-MB1 target, a neuron on each jump", "v": ["0.2", "0.35", "0.5", "0.65", "0.8"],
           "values": ["1", "5", "1", "3", "1", "5"], "eta": "4/1000", "offset": "0"}


@claim("finite-eta-floor", label="§8 D6", provenance="[D]", paper=PAPER, source="derived",
       statement=r"L=\tfrac{\Delta^2\eta}{56}\text{ for a neuron on a jump }\Delta;\ \textstyle\int(\mathbf 1_{z>0}-\sigma)^2=\tfrac1{28}",
       assumptions=ASSUMPTIONS + ("one neuron exactly on each jump with a_j = jump, windows disjoint inside [0, 1]",),
       instances=[D6_SYM, D6_EMB1], strategy=lambda: st.sampled_from([D6_SYM, D6_EMB1]),
       description="the finite-eta loss floor Delta^2 eta / 56 of a neuron sitting on a jump")
def check_d6(inst, *, dps=30):
    """The O(eta) floor (D6)."""
    cid = "finite-eta-floor"
    if inst.get("name") == "symbolic" and set(inst) == {"name"}:
        st_ = ("int_{-1/2}^{1/2} (1{z>0} - sigma(z))^2 dz = 1/28, hence for every Delta and eta > 0 a neuron exactly on "
               "a jump Delta with a = Delta leaves (1/2) Delta^2 eta / 28 = Delta^2 eta / 56 (sympy, change of variable "
               "x = v + eta z)")
        I = tail_integral()
        D, eta = sp.symbols("Delta eta", positive=True)
        val = sp.simplify(D ** 2 * eta * I / 2 - D ** 2 * eta / 56)
        if I == sp.Rational(1, 28) and val == 0:
            return proved(cid, inst, scope="universal", statement=st_, margin=0, precision="exact (sympy)",
                          method="sympy integrate", assumptions=ASSUMPTIONS, message="integral = 1/28 exactly")
        return refuted(cid, inst, scope="universal", statement=st_, margin=str(I - sp.Rational(1, 28)),
                       precision="exact (sympy)", method="sympy integrate", assumptions=ASSUMPTIONS,
                       witness={"integral": str(I)}, message=f"the integral is {I}, not 1/28")
    _need(cid, {"offset": "0", **inst}, ("v", "values", "eta", "offset"))
    t = _target(inst)
    eta, off = frac(inst["eta"]), frac(inst.get("offset", "0"))
    if eta <= 0:
        raise InvalidArgument(f"{cid}: got eta = {inst['eta']}; valid is eta > 0")
    u = [x + off for x in t.v]
    a = [t.values[0]] + list(t.jumps)
    floor = sum((d * d for d in t.jumps), Fraction(0)) * eta / 56
    statement = (f"for f* with jumps {inst['v']}, values {inst['values']}, eta = {inst['eta']}, neurons at the jumps "
                 f"shifted by {inst.get('offset', '0')}, a = (f*_0, jumps): L = sum jump^2 eta / 56 = {floor} and "
                 "min_a L <= L (exact)")
    inside = all(eta / 2 <= x <= 1 - eta / 2 for x in u)
    disjoint = all(b - a >= eta for a, b in zip(u, u[1:]))
    if off != 0 or not inside or not disjoint or not t.v:
        return inconclusive(cid, inst, scope="instance", statement=statement, method="exact rationals",
                            assumptions=ASSUMPTIONS,
                            message=f"hypothesis not met: a neuron exactly on each jump (offset {inst.get('offset', '0')}"
                                    f"), windows [v - eta/2, v + eta/2] inside [0, 1] ({inside}) and disjoint "
                                    f"({disjoint}), at least one jump ({bool(t.v)}); the floor is not claimed here")
    L = exact_loss(a, u, eta, t)
    Lmin, _ = exact_min_loss(u, eta, t)
    stats = {"L": str(L), "floor": str(floor), "min_a_L": _fmt(Lmin, 10)}
    if L == floor and Lmin <= L:
        return proved(cid, inst, scope="instance", statement=statement, margin=_fmt(L - Lmin),
                      precision="exact rationals", method="exact piecewise-polynomial integrals",
                      assumptions=ASSUMPTIONS, stats=stats,
                      message=f"L = {L} exactly; least squares lowers it to {_fmt(Lmin, 8)}")
    return refuted(cid, inst, scope="instance", statement=statement, margin=str(L - floor),
                   precision="exact rationals", method="exact piecewise-polynomial integrals",
                   assumptions=ASSUMPTIONS, witness=stats, stats=stats,
                   message=f"L = {_fmt(L, 10)} != {floor} (neurons off the jumps, or windows overlapping)")
