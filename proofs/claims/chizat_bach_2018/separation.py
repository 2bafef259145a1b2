r"""Separation hypotheses as properties of the initial law (Chizat–Bach 2018, §8 A13) and the false variant F7.

A set :math:`C` *separates* :math:`A` and :math:`B` if every continuous path from a point of :math:`A` to a point of
:math:`B` meets :math:`C`. Particle space :math:`\mathbb R^k\times\Theta`, :math:`\Theta=\mathbb R^p`; :math:`C` is
the support of the initial law. Laws: ``slab`` = :math:`\delta_0\otimes\nu` with :math:`\mathrm{supp}\,\nu=\Theta`
(support :math:`\{0\}\times\Theta`), ``sphere`` = the uniform law on :math:`r\mathbb S^{k+p-1}`, ``dirac0`` =
:math:`\delta_{(0,0)}` (also :math:`\delta_0\otimes\nu` with :math:`\nu=\delta_0`, i.e. without full support). Sets:
``slabs`` = :math:`A=\{-r_0e_1\}\times\Theta`, :math:`B=\{r_0e_1\}\times\Theta` (for :math:`k=1`: Chizat–Bach's
:math:`\{\mp r_0\}\times\Theta`), ``spheres`` = :math:`A=r_a\mathbb S`, :math:`B=r_b\mathbb S`.

How each verdict is obtained (nothing below is only argued):

* **C separates A and B** — a *separating function* :math:`\varphi` (continuous) is exhibited and checked by sympy
  with symbolic parameters: :math:`\varphi<0` on :math:`A`, :math:`\varphi>0` on :math:`B`, and
  :math:`\varphi^{-1}(0)\subseteq C`. For ``slab``, :math:`k=1`: :math:`\varphi(w,\theta)=w`, with symbolic
  :math:`r_0>0`; for ``sphere``: :math:`\varphi(u)=|u|^2-r^2` with symbolic :math:`r_a>0`,
  :math:`r=r_a+s_1`, :math:`r_b=r+s_2` (:math:`s_1,s_2>0`). The remaining step is the intermediate value theorem
  (Bolzano) applied to the continuous function :math:`\varphi\circ\gamma` on :math:`[0,1]` for a path
  :math:`\gamma`: a textbook theorem, not a computation, and the message says so. Scope ``universal``.
* **C does not separate A and B** — an explicit piecewise-linear path with exact rational vertices, starting in
  :math:`A`, ending in :math:`B`, each segment checked exactly (rational arithmetic; sympy's exact ``solveset`` for
  a sphere) to miss :math:`C`. One path is a complete proof of non-separation. Scope ``instance`` (these r's, k, p).

The claim ``separation-hypotheses`` (A13) asserts, per instance, the answer recalled from Chizat–Bach's discussion
of the separation hypotheses: the slab law separates the slabs for scalar :math:`w`; the sphere law separates the
spheres; :math:`\delta_{(0,0)}` separates neither pair ("separates nothing", checked on these two pairs, for
:math:`p\ge1`: for :math:`p=0` the point :math:`\{0\}` does separate :math:`\{-r_0\}` and :math:`\{r_0\}` in
:math:`\mathbb R`); for :math:`k\ge2` the slab law does not separate the slabs. The false variant F7
``separation-covers-vector-output`` asserts the slab law separates the slabs for vector output weights
(:math:`k\ge2`; it accepts only ``law="slab"``, ``sets="slabs"`` and :math:`k\ge2`, the other cases being instances of
A13); it is refuted by the detour path :math:`-r_0e_1\to-r_0e_1+r_0e_2\to r_0e_1+r_0e_2\to r_0e_1` (at fixed
:math:`\theta`).
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.errors import InvalidArgument
from proofs.registry import claim

ID_A13 = "separation-hypotheses"
ID_F7 = "separation-covers-vector-output"
LAWS = ("slab", "sphere", "dirac0")
SETS = ("slabs", "spheres")


def _params(inst):
    law, sets = inst.get("law", "slab"), inst.get("sets", "slabs")
    if law not in LAWS or sets not in SETS:
        raise InvalidArgument(f"law={law!r}, sets={sets!r}; valid laws {LAWS}, sets {SETS}")
    k, p = _integer(inst, "k", 1), _integer(inst, "p", 2)
    if k < 1 or p < 0 or k + p > 12:
        raise InvalidArgument(f"k={k}, p={p}; valid are k >= 1, p >= 0, k + p <= 12")
    q = {key: _positive_rational(inst, key, dflt) for key, dflt in
         (("r0", 1), ("ra", "1/2"), ("r", 1), ("rb", 2))}
    return law, sets, k, p, q


def _integer(inst, key, default):
    """An integral instance value (int, integral float or string such as "2"); InvalidArgument otherwise."""
    v = inst.get(key, default)
    try:
        q = None if isinstance(v, bool) else Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q.denominator != 1:
        raise InvalidArgument(f"{key}={v!r}; valid is an integer")
    return int(q)


def _positive_rational(inst, key, default):
    """A finite positive rational instance value (int, decimal or "p/q" string); InvalidArgument otherwise."""
    v = inst.get(key, default)
    try:
        q = None if isinstance(v, bool) else Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        q = None
    if q is None or q <= 0:
        raise InvalidArgument(f"{key}={v!r}; valid is a finite positive rational such as 1, 0.5 or \"3/7\"")
    return q


def _e(D, i, scale=Fraction(1)):
    v = [Fraction(0)] * D
    v[i] = Fraction(scale)
    return v


# --------------------------------------------------------------------------------------------- exact path checks
def segment_meets_linear(P, Q, coords, target):
    """Does the segment P -> Q (exact rationals) contain a point whose coordinates ``coords`` equal ``target``
    (the other coordinates free)? Exact: the set of s in [0, 1] solving every coordinate's linear equation."""
    lo, hi = Fraction(0), Fraction(1)
    fixed = None
    for i, t in zip(coords, target):
        a, d = P[i] - t, Q[i] - P[i]
        if d == 0:
            if a != 0:
                return False
            continue
        s = -a / d
        if fixed is not None and s != fixed:
            return False
        fixed = s
    if fixed is None:
        return True
    return lo <= fixed <= hi


def segment_meets_sphere(P, Q, radius):
    """Does the segment P -> Q meet the sphere |u| = radius? Exact: sympy's solveset of |P + s(Q-P)|^2 = radius^2
    on [0, 1] (rational coefficients, roots exact algebraic numbers)."""
    s = sp.Symbol("s", real=True)
    expr = sum(((sp.Rational(a.numerator, a.denominator) + s * sp.Rational((b - a).numerator, (b - a).denominator))
                ** 2 for a, b in zip(P, Q)), sp.S.Zero) - sp.Rational(radius.numerator, radius.denominator) ** 2
    sol = sp.solveset(sp.expand(expr), s, sp.Interval(0, 1))
    return sol != sp.S.EmptySet


def in_set(point, sets, k, q):
    """Is ``point`` in A (returns "A"), in B ("B"), or neither (None)? Exact."""
    if sets == "slabs":
        if point[:k] == _e(k, 0, -q["r0"]):
            return "A"
        if point[:k] == _e(k, 0, q["r0"]):
            return "B"
        return None
    n2 = sum(v * v for v in point)
    return "A" if n2 == q["ra"] ** 2 else "B" if n2 == q["rb"] ** 2 else None


def path_avoids(path, law, k, q):
    D = len(path[0])
    for P, Q in zip(path, path[1:]):
        if law == "slab" and segment_meets_linear(P, Q, range(k), [Fraction(0)] * k):
            return False
        if law == "dirac0" and segment_meets_linear(P, Q, range(D), [Fraction(0)] * D):
            return False
        if law == "sphere" and segment_meets_sphere(P, Q, q["r"]):
            return False
    return True


def candidate_paths(sets, k, p, q):
    """Piecewise-linear candidates from A to B (exact rational vertices); the decider keeps one that avoids C."""
    D = k + p
    if sets == "slabs":
        r0 = q["r0"]
        theta0 = [Fraction(0)] * p
        theta1 = _e(p, 0) if p else []
        A0, B0 = _e(k, 0, -r0) + theta0, _e(k, 0, r0) + theta0
        out = [[A0, B0]]  # straight
        if p:  # move theta away first (misses a support that is a single point)
            out.append([A0, _e(k, 0, -r0) + theta1, _e(k, 0, r0) + theta1, B0])
        if k >= 2:  # detour around w = 0 inside R^k at fixed theta
            up = [Fraction(0)] * k
            up[1] = r0
            out.append([A0, [a + b for a, b in zip(_e(k, 0, -r0), up)] + theta0,
                        [a + b for a, b in zip(_e(k, 0, r0), up)] + theta0, B0])
        return out
    return [[_e(D, 0, q["ra"]), _e(D, 0, q["rb"])]]  # radial segment


def find_path(law, sets, k, p, q):
    for path in candidate_paths(sets, k, p, q):
        if in_set(path[0], sets, k, q) == "A" and in_set(path[-1], sets, k, q) == "B" and \
                path_avoids(path, law, k, q):
            return path
    return None


# --------------------------------------------------------------------------------------- separating functions
def separating_certificate(law, sets, k, p, q):
    """(phi as text, details) when a separating function is verified by sympy (symbolic parameters), else None."""
    if law == "slab" and sets == "slabs" and k == 1:
        r0, w = sp.Symbol("r0", positive=True), sp.Symbol("w", real=True)
        phi = w
        onA, onB = phi.subs(w, -r0), phi.subs(w, r0)
        zeros = sp.solveset(phi, w, sp.S.Reals)
        if onA.is_negative and onB.is_positive and zeros == sp.FiniteSet(0):
            return "phi(w, theta) = w", {"phi on A": str(onA), "phi on B": str(onB),
                                         "phi = 0 exactly on": "{w = 0} x Theta = supp(delta_0 x nu) (supp nu = "
                                                               "Theta)", "parameters": "every r0 > 0, every p"}
        return None
    if law == "sphere" and sets == "spheres" and q["ra"] < q["r"] < q["rb"]:
        ra, s1, s2 = sp.symbols("r_a s_1 s_2", positive=True)
        r, rb = ra + s1, ra + s1 + s2
        onA, onB = sp.expand(ra ** 2 - r ** 2), sp.expand(rb ** 2 - r ** 2)
        if onA.is_negative and onB.is_positive:
            return "phi(u) = |u|^2 - r^2", {"phi on A": str(onA), "phi on B": str(onB),
                                            "phi = 0 exactly on": "r S = supp(uniform law on r S)",
                                            "parameters": "every 0 < r_a < r < r_b (r = r_a + s_1, r_b = r + s_2)"}
    return None


def decide(inst):
    """("separates", phi, details) | ("does-not-separate", path, None) | (None, None, None)."""
    law, sets, k, p, q = _params(inst)
    cert = separating_certificate(law, sets, k, p, q)
    if cert is not None:
        return "separates", cert[0], cert[1]
    path = find_path(law, sets, k, p, q)
    if path is not None:
        return "does-not-separate", path, None
    return None, None, None


def describe(inst) -> str:
    law, sets, k, p, q = _params(inst)
    C = {"slab": "{0} x Theta (support of delta_0 x nu, supp nu = Theta)",
         "sphere": f"r S (support of the uniform law on the sphere of radius r = {q['r']})",
         "dirac0": "{(0, 0)} (support of delta_(0,0))"}[law]
    AB = (f"A = {{-r0 e1}} x Theta and B = {{r0 e1}} x Theta (r0 = {q['r0']})" if sets == "slabs" else
          f"A = r_a S and B = r_b S (r_a = {q['ra']}, r_b = {q['rb']})")
    return f"in R^{k} x R^{p} (output weight w in R^{k}, Theta = R^{p}): C = {C} separates {AB}"


def _path_text(path):
    return [[str(v) for v in P] for P in path]


#: what claim A13 asserts for each instance: True = separates, False = separates nothing
_A13_INSTANCES = [
    {"name": "delta_0 x nu, scalar w: separates the slabs", "law": "slab", "sets": "slabs", "k": 1, "p": 2,
     "separates": True},
    {"name": "uniform on r S: separates r_a S and r_b S", "law": "sphere", "sets": "spheres", "k": 1, "p": 2,
     "separates": True},
    {"name": "delta_(0,0): does not separate the slabs", "law": "dirac0", "sets": "slabs", "k": 1, "p": 2,
     "separates": False},
    {"name": "delta_(0,0): does not separate the spheres", "law": "dirac0", "sets": "spheres", "k": 1, "p": 2,
     "separates": False},
    {"name": "vector w (k=2): {0} x Theta does not separate", "law": "slab", "sets": "slabs", "k": 2, "p": 2,
     "separates": False},
]


def _verdict(cid, inst, asserted: bool, assumptions):
    kind, obj, details = decide(inst)
    base = describe(inst)
    statement = base if asserted else base.replace(" separates ", " does NOT separate ", 1)
    if kind is None:
        return inconclusive(cid, inst, method="separating function / exact paths", assumptions=assumptions,
                            scope="instance", statement=statement,
                            message="neither a separating function nor an avoiding path among the candidates; "
                                    "this configuration is outside the decider")
    if kind == "separates":
        msg = (f"separating function {obj}: sympy shows phi < 0 on A ({details['phi on A']}) and phi > 0 on B "
               f"({details['phi on B']}) for {details['parameters']}, and phi = 0 only on "
               f"{details['phi = 0 exactly on']}; then every path gamma from A to B meets C by the intermediate "
               "value theorem applied to phi o gamma (a textbook theorem, not a computation)")
        wit = {"phi": obj, **details}
        ok = asserted
        scope = "universal"
        method = "separating function (sympy) + intermediate value theorem"
        prec = "exact (sympy)"
    else:
        msg = (f"the piecewise-linear path {_path_text(obj)} (exact rational vertices) starts in A, ends in B, and "
               "each segment is checked exactly to miss C")
        wit = {"path": _path_text(obj)}
        ok = not asserted
        scope = "instance"
        method = "explicit path, exact segment checks"
        prec = "exact rationals"
    make = proved if ok else refuted
    return make(cid, inst, margin=0, precision=prec, method=method, witness=wit, assumptions=assumptions,
                scope=scope, statement=statement,
                message=msg)


ASSUMPTIONS_A13 = ("separation: every continuous path from A to B meets C = support of the initial law",
                   "delta_0 x nu: supp nu = Theta (full support)", "Theta = R^p", "scalar output weight w (k = 1) "
                   "for the slab statement", "0 < r_a < r < r_b for the sphere statement",
                   "p >= 1 for the delta_(0,0) statement on the slabs (for p = 0, {0} separates {-r0} and {r0} in R)")


@claim(ID_A13, label="§8 A13", provenance="[D]", paper="Chizat-Bach 2018",
       source="separation hypotheses of Theorems 3.3 and 3.5 (reconstructed; definition of separation as recalled)",
       statement=r"\{0\}\times\Theta\ \text{separates}\ \{\mp r_0\}\times\Theta\ (w\in\mathbb R);\ r\mathbb S\ "
                 r"\text{separates}\ r_a\mathbb S,\,r_b\mathbb S\ (r_a<r<r_b);\ \{(0,0)\}\ \text{separates neither "
                 r"pair}\ (p\ge1);\ w\in\mathbb R^k,k\ge2:\ \{0\}\times\Theta\ \text{does not separate}\ "
                 r"\{\mp r_0e_1\}\times\Theta",
       assumptions=ASSUMPTIONS_A13, instances=_A13_INSTANCES,
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "law": st.just("slab"), "sets": st.just("slabs"), "k": st.just(1),
           "p": st.integers(0, 4), "r0": st.fractions(Fraction(1, 100), 100).map(str), "separates": st.just(True)}),
       description="separation of the slabs / spheres by the initial support: separating functions and exact paths")
def check_a13(inst, *, dps=30):
    """A13: which initial supports separate (separating function + IVT) and which do not (an exact path)."""
    return _verdict(ID_A13, inst, bool(inst.get("separates", True)), ASSUMPTIONS_A13)


ASSUMPTIONS_F7 = ("vector output weights w in R^k", "initial law delta_0 x nu with supp nu = Theta")


@claim(ID_F7, label="§9 F7", provenance="[D]", paper="Chizat-Bach 2018",
       source="false variant (claim F7), reconstructed: the topological step of the escaping-set argument for "
              "vector outputs",
       statement=r"w\in\mathbb R^k:\ \{0\}\times\Theta\ \text{separates}\ \{-r_0e_1\}\times\Theta\ \text{and}\ "
                 r"\{r_0e_1\}\times\Theta",
       assumptions=ASSUMPTIONS_F7, expected="fails",
       instances=[{"name": "k=2, p=2", "law": "slab", "sets": "slabs", "k": 2, "p": 2},
                  {"name": "k=3, p=1", "law": "slab", "sets": "slabs", "k": 3, "p": 1}],
       strategy=lambda: st.fixed_dictionaries({
           "name": st.just("hypothesis"), "law": st.just("slab"), "sets": st.just("slabs"), "k": st.integers(2, 5),
           "p": st.integers(0, 3), "r0": st.fractions(Fraction(1, 100), 100).map(str)}),
       description="false variant: the separation argument covers vector output weights (a path goes around w = 0)")
def check_f7(inst, *, dps=30):
    """F7 (false): the support {0} x Theta separates the slabs also for vector output weights."""
    if inst.get("law", "slab") != "slab" or inst.get("sets", "slabs") != "slabs":
        raise InvalidArgument(f"law={inst.get('law')!r}, sets={inst.get('sets')!r}: this claim is about the slab law "
                              "delta_0 x nu and the slabs only (law='slab', sets='slabs'); the sphere and "
                              "delta_(0,0) cases are instances of separation-hypotheses")
    k = _integer(inst, "k", 2)
    if k < 2:
        raise InvalidArgument(f"k={inst.get('k')!r}: this claim is about vector output weights w in R^k, k >= 2; the "
                              "scalar case k = 1 is an instance of separation-hypotheses")
    return _verdict(ID_F7, {"law": "slab", "sets": "slabs", **inst, "k": k}, True, ASSUMPTIONS_F7)
