r"""The false variant F8: "the many-particle theorem of Chizat–Bach covers Gaussian initialisation".

Chizat–Bach's many-particle limit (Theorem 2.6, as recalled) assumes that the initial particles of every
:math:`m`-particle flow lie in one fixed bounded set :math:`Q_{r_0}` of the nested family of Assumption 2.1:

* the 2-homogeneous lift (``lift="ball"``): :math:`\Omega=\mathbb R^d` and :math:`Q_r` is the closed ball of radius
  :math:`r`, so a particle :math:`u` must satisfy :math:`|u|\le r_0`;
* the partially 1-homogeneous lift (``lift="slab"``, e.g. the sigmoid network): :math:`\Omega=\mathbb R\times\Theta`,
  :math:`Q_r=[-r,r]\times\Theta`, so only the output weight is constrained, :math:`|w|\le r_0`.

Gaussian initialisation does not meet this hypothesis. If the constrained coordinates of a particle (all
:math:`d` of them in the ball lift, the weight alone in the slab lift; ``k`` below) are :math:`N(0,\sigma^2I_k)`,
the probability that one particle leaves :math:`Q_{r_0}` is the chi-square tail
:math:`p=P(|Z|>r_0)=Q\big(\tfrac k2,\tfrac{r_0^2}{2\sigma^2}\big)` (regularised upper incomplete gamma), and
for :math:`m` i.i.d. particles :math:`P_m=P(\max_j|Z_j|>r_0)=1-(1-p)^m\to1`.

What is certified:

* **the instance** (refutation, scope ``instance``): for the instance's :math:`r_0,\sigma,k`, an :math:`m` with
  :math:`P_m>1/2`, computed in python-flint balls (``arb.gamma_upper`` with ``regularized=1`` and ``log1p``;
  outward-rounded enclosures) — the smallest such :math:`m` when the ball arithmetic decides it;
* **every** :math:`r_0` (sympy, symbolic in :math:`r\ge0,\sigma>0`): the lower bound
  :math:`p\ge P(Z_1\in(r,r+1))\ge\varphi_\sigma(r+1)=e^{-(r+1)^2/(2\sigma^2)}/(\sigma\sqrt{2\pi})>0` (sympy checks that
  the bound is positive and that the density :math:`\varphi_\sigma` decreases on :math:`t>0`; that
  :math:`|Z|\ge Z_1` and the mean-value bound of the integral are textbook steps), hence
  :math:`P_m\ge1-e^{-m\varphi_\sigma(r_0+1)}\to1` and :math:`P_m>1/2` once
  :math:`m\ge\ln2\,\sigma\sqrt{2\pi}\,e^{(r_0+1)^2/(2\sigma^2)}` (using :math:`1-p\le e^{-p}`).

What is refuted is the *hypothesis check* — "Gaussian initial particles lie in a fixed :math:`Q_{r_0}`" — not
Chizat–Bach's theorem: the theorem simply does not apply as stated (the 2026 paper supplies a sub-Gaussian
well-posedness result instead). Controls (the hypothesis holds; ``proved``, scope ``instance``): a bounded law
(``law="uniform"``: uniform on the ball of radius :math:`a`, or the weight uniform on :math:`[-a,a]`) lies in
:math:`Q_a`; ``law="zero-weight"`` (weights 0, positions Gaussian) lies in every :math:`Q_{r_0}` of the slab lift —
the canonical initialisation of Theorem 3.5.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

ID_F8 = "many-particle-theorem-covers-gaussian-init"
LIFTS = ("ball", "slab")
LAWS = ("gaussian", "zero-weight", "uniform")

ASSUMPTIONS_F8 = (
    "many-particle theorem (Theorem 2.6): every initial particle of every m-particle flow lies in one fixed "
    "Q_r0 (r0 independent of m)",
    "ball lift: Q_r = closed ball of radius r in R^d; slab lift: Q_r = [-r, r] x Theta (only the output weight "
    "is bounded)",
    "Gaussian initialisation: the m initial particles are i.i.d. N(0, sigma^2 I_d)")


def _rational(inst, key, default, *, positive=True, lo=None, hi=None):
    v = inst.get(key, default)
    try:
        q = None if isinstance(v, bool) else Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or (positive and q <= 0) or (lo is not None and q < lo) or (hi is not None and q > hi):
        rng = f" in [{lo}, {hi}]" if lo is not None else ""
        raise InvalidArgument(f"{key}={v!r}; valid is a {'positive ' if positive else ''}rational number{rng} "
                              "such as 2, 0.5 or \"3/7\"")
    return q


def _integer(inst, key, default, lo, hi):
    v = inst.get(key, default)
    try:
        q = None if isinstance(v, bool) else Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q.denominator != 1 or not lo <= q <= hi:
        raise InvalidArgument(f"{key}={v!r}; valid is an integer in [{lo}, {hi}]")
    return int(q)


def params(inst) -> dict:
    """The validated instance: lift, law, d, r0, sigma (Gaussian scale), a (uniform half-width), m (or None)."""
    lift, law = inst.get("lift", "ball"), inst.get("law", "gaussian")
    if lift not in LIFTS or law not in LAWS:
        raise InvalidArgument(f"lift={lift!r}, law={law!r}; valid lifts {LIFTS}, laws {LAWS}")
    d = _integer(inst, "d", 3, 1, 10000)
    r0 = _rational(inst, "r0", 3, hi=Fraction(10 ** 4))
    sigma = _rational(inst, "sigma", 1, lo=Fraction(1, 10 ** 4), hi=Fraction(10 ** 4))
    if r0 / sigma > 100:
        raise InvalidArgument(f"r0 / sigma = {float(r0 / sigma):.4g}; valid is at most 100 (beyond, the m with "
                              "P_m > 1/2 has more than 2000 digits)")
    a = _rational(inst, "a", 1, hi=Fraction(10 ** 4))
    m = None if inst.get("m") in (None, "") else _integer(inst, "m", None, 1, 10 ** 30)
    return {"lift": lift, "law": law, "d": d, "r0": r0, "sigma": sigma, "a": a, "m": m}


def constrained_dimension(lift: str, law: str, d: int) -> int:
    """How many Gaussian coordinates Q_r constrains: ball lift, all d coordinates (d - 1 with the weight at 0);
    slab lift, the weight only (none with the weight at 0)."""
    if lift == "ball":
        return d if law == "gaussian" else d - 1
    return 1 if law == "gaussian" else 0


def _arb(q: Fraction):
    from flint import arb, fmpq

    return arb(fmpq(q.numerator, q.denominator))


def exit_probability(k: int, r0: Fraction, sigma: Fraction, bits: int):
    """p = P(|Z| > r0) for Z ~ N(0, sigma^2 I_k), as an arb ball: the regularised upper incomplete gamma
    Q(k/2, r0^2/(2 sigma^2)) (python-flint, rigorous)."""
    from flint import arb

    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        z = _arb(r0 * r0 / (2 * sigma * sigma))
        return z.gamma_upper(arb(k) / 2, regularized=1)


def leave_probability(p, m: int, bits: int):
    """P_m = 1 - (1 - p)^m = -expm1(m log1p(-p)) for a ball p (rigorous)."""
    from flint import arb

    from numerics.certified.precision import arb_prec

    with arb_prec(bits):
        return -(arb(m) * (-p).log1p()).expm1()


def majority_m(p, bits: int):
    """(m, P_m, smallest) with P_m > 1/2 certified (m from log 2 / -log1p(-p); smallest when P_{m-1} <= 1/2 is
    certified too), or None when the balls do not decide it at this precision."""
    from flint import arb

    from numerics.certified.precision import arb_prec

    half = arb(1) / 2
    if p.lower() > half:  # one particle suffices (also when p is too close to 1 for log1p(-p))
        return 1, p, True
    with arb_prec(bits):
        if not p.lower() > 0:
            return None
        q = arb(2).log() / (-(-p).log1p())
        if not q.is_finite():
            return None
        base = int(q.mid().floor().unique_fmpz())
    for m in (base + 1, base + 2, base + base // 2 ** 20 + 2, 2 * base + 2):
        P = leave_probability(p, m, bits)
        if P.lower() > half:
            smallest = m == 1 or leave_probability(p, m - 1, bits).upper() < half
            return m, P, smallest
    return None


@lru_cache(maxsize=1)
def universal_tail_bound() -> dict:
    """The symbolic part (every r >= 0, sigma > 0): phi_sigma(r + 1) > 0 and phi_sigma' < 0 on t > 0, checked by
    sympy; the m with P_m > 1/2 that the bound gives, in closed form."""
    r = sp.Symbol("r", nonnegative=True)
    t = sp.Symbol("t", positive=True)
    s = sp.Symbol("sigma", positive=True)
    phi = sp.exp(-t ** 2 / (2 * s ** 2)) / (s * sp.sqrt(2 * sp.pi))
    lb = phi.subs(t, r + 1)
    dphi = sp.simplify(sp.diff(phi, t))
    m_bound = sp.log(2) / lb
    return {"bound": lb, "bound_positive": lb.is_positive is True, "density_derivative": dphi,
            "density_decreasing": dphi.is_negative is True, "m_bound": sp.simplify(m_bound),
            "symbols": (r, s)}


def _universal_witness(r0: Fraction, sigma: Fraction) -> dict:
    u = universal_tail_bound()
    r, s = u["symbols"]
    mb = u["m_bound"].subs({r: sp.Rational(r0.numerator, r0.denominator),
                            s: sp.Rational(sigma.numerator, sigma.denominator)})
    return {"lower bound of p (every r0 >= 0, sigma > 0)": str(u["bound"]),
            "sympy: bound > 0": u["bound_positive"], "sympy: density decreasing on t > 0": u["density_decreasing"],
            "P_m > 1/2 for every m >=": str(u["m_bound"]),
            "that m at this r0, sigma (about)": str(sp.N(mb, 6))}


def _m_text(m: int) -> str:
    """m itself, or its leading digits when it is long (the exact integer is in the witness)."""
    t = str(m)
    return t if len(t) <= 15 else f"{t[0]}.{t[1:7]}e+{len(t) - 1} (exact integer in the witness)"


def _law_text(P) -> str:
    lift, law, d = P["lift"], P["law"], P["d"]
    sig = P["sigma"]
    if law == "uniform":
        return (f"uniform on the ball of radius a = {P['a']} in R^{d}" if lift == "ball" else
                f"output weight uniform on [-{P['a']}, {P['a']}] (positions any law on Theta)")
    if law == "zero-weight":
        return f"output weight 0, positions N(0, {sig}^2 I_{d - 1})"
    return f"N(0, {sig}^2 I_{d})"


def _q_text(lift, r, d="d"):
    return f"the ball of radius {r} in R^{d}" if lift == "ball" else f"[-{r}, {r}] x Theta"


def decide(inst, *, dps: int = 30) -> dict:
    """The F8 decision for one instance: {"outcome": "satisfied" | "violated" | None, ...}. ``satisfied``: every
    particle lies in Q_r (exact, for the r named); ``violated``: P_m > 1/2 certified at the m named."""
    from numerics.certified.precision import dps_to_bits

    P = params(inst)
    lift, law, d, r0 = P["lift"], P["law"], P["d"], P["r0"]
    out = {"params": P, "law_text": _law_text(P)}
    if law == "uniform":
        out.update(outcome="satisfied", r=P["a"],
                   reason=f"the support lies in {_q_text(lift, P['a'])} = Q_a (a = {P['a']}, exact), so every "
                          "initial particle of every m-particle flow lies in Q_a")
        return out
    k = constrained_dimension(lift, law, d)
    if k == 0:
        out.update(outcome="satisfied", r=r0,
                   reason=(f"the constrained coordinates are 0 exactly, so every particle lies in "
                           f"{_q_text(lift, r0)} = Q_r0 for every r0 > 0"))
        return out
    bits = dps_to_bits(dps)
    p = exit_probability(k, r0, P["sigma"], bits)
    out.update(k=k, p=p, bits=bits)
    if P["m"] is not None:
        Pm = leave_probability(p, P["m"], bits)
        from flint import arb

        if Pm.lower() > arb(1) / 2:
            out.update(outcome="violated", m=P["m"], P_m=Pm, smallest=None)
        else:
            out.update(outcome=None, m=P["m"], P_m=Pm,
                       reason=f"at m = {P['m']} the probability P_m = {Pm.str(10)} is not certainly above 1/2: "
                              "raise m (or leave it out to get the smallest m with P_m > 1/2)")
        return out
    hit = majority_m(p, bits)
    if hit is None:
        out.update(outcome=None, reason=f"the balls at {bits} bits do not decide an m with P_m > 1/2 "
                                        f"(p = {p.str(10)}); raise --dps")
        return out
    m, Pm, smallest = hit
    out.update(outcome="violated", m=m, P_m=Pm, smallest=smallest)
    return out


_INSTANCES = [
    {"name": "ball lift, N(0, I_3), r0 = 3", "lift": "ball", "law": "gaussian", "d": 3, "r0": "3", "sigma": "1"},
    {"name": "slab lift (sigmoid), weights N(0, 1), r0 = 2", "lift": "slab", "law": "gaussian", "d": 3, "r0": "2",
     "sigma": "1"},
]


def _strategy():
    return st.fixed_dictionaries({
        "name": st.just("hypothesis"), "lift": st.sampled_from(LIFTS), "law": st.just("gaussian"),
        "d": st.integers(1, 50), "r0": st.fractions(Fraction(1, 10), 20, max_denominator=100).map(str),
        "sigma": st.fractions(Fraction(1, 2), 4, max_denominator=100).map(str)})


@claim(ID_F8, label="§9 F8", provenance="[R]/[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F8); the initialisation hypothesis of Theorem 2.6 (initial particles in a fixed "
              "Q_r0) as recalled, the probability derived",
       statement=r"\mu_{m,0}=\tfrac1m\sum_j\delta_{u_j},\ u_j\overset{iid}\sim N(0,\sigma^2I_d)\ \Longrightarrow\ "
                 r"\exists r_0:\ u_j\in Q_{r_0}\ \forall j\le m,\ \forall m",
       assumptions=ASSUMPTIONS_F8, expected="fails", instances=_INSTANCES, strategy=_strategy,
       description="false variant: Gaussian initial particles lie in a fixed bounded Q_r0 (they leave it with "
                   "probability -> 1)")
def check_f8(inst, *, dps=30):
    """F8 (false): Gaussian initialisation satisfies the bounded-initialisation hypothesis of the many-particle
    theorem."""
    out = decide(inst, dps=dps)
    P = out["params"]
    lift, r0 = P["lift"], P["r0"]
    law = out["law_text"]
    if out["outcome"] == "satisfied":
        statement = (f"{lift} lift, initial particles i.i.d. {law}: every initial particle of every m-particle "
                     f"flow lies in Q_{out['r']} = {_q_text(lift, out['r'], P['d'])}")
        return proved(ID_F8, inst, margin=0, precision="exact rationals", method="support of the law",
                      witness={"law": law, "Q": _q_text(lift, out["r"])}, assumptions=ASSUMPTIONS_F8,
                      scope="instance", statement=statement,
                      message=f"hypothesis satisfied: {out['reason']} (this law is bounded: it is not the Gaussian "
                              "initialisation the false variant is about)")
    statement = (f"{lift} lift, initial particles i.i.d. {law}: for r0 = {r0}, every one of the m initial "
                 f"particles lies in Q_r0 = {_q_text(lift, r0, P['d'])}, for every m")
    wit = {"law": law, "r0": str(r0), "constrained coordinates k": out["k"],
           "p = P(one particle leaves Q_r0) = Q(k/2, r0^2/(2 sigma^2))": out["p"],
           **_universal_witness(r0, P["sigma"])}
    if out["outcome"] is None:
        return inconclusive(ID_F8, inst, margin=out.get("P_m"), precision=f"arb {out['bits']} bits",
                            method="chi-square tail in balls", witness=wit, assumptions=ASSUMPTIONS_F8,
                            scope="instance", statement=statement, message=out["reason"])
    m, Pm = out["m"], out["P_m"]
    wit.update({"m": str(m), "P_m = 1 - (1 - p)^m": Pm})
    u = universal_tail_bound()
    every_r0 = ("for every r0 >= 0, p >= exp(-(r0+1)^2/(2 sigma^2))/(sigma sqrt(2 pi)) > 0 (sympy), so no fixed r0 "
                "works" if u["bound_positive"] and u["density_decreasing"] else
                "(the symbolic tail bound for every r0 was not confirmed by sympy: this refutes the instance's r0 only)")
    which = ("the smallest such m" if out["smallest"] else "an m with this property" if out["smallest"] is False
             else "the m of the instance")
    from flint import arb

    return refuted(ID_F8, inst, margin=Pm - arb(1) / 2, precision=f"arb {out['bits']} bits (python-flint "
                   "gamma_upper, outward rounding)", method="chi-square tail enclosure + symbolic tail bound",
                   witness=wit, assumptions=ASSUMPTIONS_F8, scope="instance", statement=statement,
                   message=f"hypothesis violated: with m = {_m_text(m)} ({which}) i.i.d. particles, P(some particle leaves "
                           f"Q_r0) = {Pm.str(12)} > 1/2 (certified ball; p = {out['p'].str(12)} per particle), and "
                           f"P_m = 1 - (1 - p)^m -> 1 as m grows; {every_r0}. What fails is the hypothesis of "
                           "the theorem, not the theorem")
