r"""Du, Lee, Li, Wang, Zhai 2019 (deep fully connected nets and ResNets): the activation constant
:math:`c_\sigma`, the limiting Gram recursions :math:`K^{(h)}` and their first facts (§8 C1, C2, C4, C6) and one
false variant (§9 F3).

The recursions (re-derived from the architectures [D], intended to coincide with the paper's Definitions 5.1 /
6.1) are those of :mod:`numerics.ntk.recursions`. What each check certifies:

* C1: :math:`c_\sigma=1/E\sigma(z)^2` enclosed rigorously — ReLU: sympy (:math:`E\,\mathrm{relu}(z)^2=1/2`, so 2);
  otherwise python-flint's rigorous integrator ``acb.integral`` on :math:`[-L,L]` plus the explicit tail bound
  :math:`2((L+2)\varphi(L)+2\varphi(L)/L)` (from :math:`\sigma(z)^2\le(1+|z|)^2`, true for the built-ins:
  bounded ones by 1, softplus by :math:`\log2+|z|`); the catalogue decimal must lie within half a unit of its
  last digit of the enclosure (``proved``) or outside it (``refuted``).
* C2: :math:`K^{(h)}_{ii}=c_\sigma E_{u\sim\mathcal N(0,K^{(h-1)}_{ii})}\sigma(u)^2=1` by induction when
  :math:`|x_i|=1` (the definition of :math:`c_\sigma`): ``proved`` (universal) with the ball recursion of the
  instance (closed-form activations relu / erf) as a consistency check; a non-unit input is refuted by a ball
  diagonal that excludes 1.
* C4: certified :math:`\lambda_{\min}(K^{(H)})>0` (ball Cholesky of the ball recursion) for erf — analytic and not
  a polynomial, with a closed-form kernel, so the enclosure is rigorous; activations without a closed form give
  numerical evidence only (not used by the default instances). A polynomial activation is refuted by the exact
  rank bound.
* C6: for :math:`H=1` the FC recursion is :math:`K^{(1)}=c_\sigma\,[x_i^\top x_j E\sigma'(u)\sigma'(v)]`, literally
  :math:`c_\sigma H^\infty` for ReLU; with :math:`c_{\rm relu}=2` (sympy) this is :math:`2H^\infty` (``proved``); the
  ball matrices of both sides must overlap entrywise. Another activation (erf) against :math:`2H^\infty` is refuted
  by disjoint balls.
* F3 (false): "a polynomial activation also gives a positive-definite limiting Gram for any n" — refuted by the
  rank bound (:math:`\sigma=z^2`, :math:`d=3`, :math:`n=12`: every entry is a polynomial of degree :math:`\le2^H` in
  the input Gram, rank :math:`\le\binom{d+D}{D}<n`, exact).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.registry import claim

PAPER = "Du et al. 2019"


def _unit_inputs(n, d, seed, unit=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if unit:
        # exact rational points on the unit sphere (stereographic projection of rationals): |x|^2 = 1 exactly
        out = []
        for row in X:
            t = [Fraction(round(v * 100), 100) for v in row[:-1]]
            s = sum(v * v for v in t)
            out.append([str(2 * v / (1 + s)) for v in t] + [str((1 - s) / (1 + s))])
        return out
    return [[str(Fraction(round(v * 10 ** 4), 10 ** 4)) for v in row] for row in X]


def _inputs(inst):
    if "X" in inst:
        return [[str(v) for v in row] for row in inst["X"]]
    return _unit_inputs(inst.get("n", 6), inst.get("d", 3), inst.get("seed", 0), inst.get("unit", True))


# ----------------------------------------------------------------------------------------------------------- C1
C1 = "du2019-c-sigma-constants"
C1_ASSUME = ("z ~ N(0, 1)", "sigma(z)^2 <= (1 + |z|)^2 (tail bound; true for the built-ins used)")
C1_VALUES = {"relu": "2", "softplus": "1.08548650298834", "tanh": "2.53617543321745", "sigmoid": "3.4085598416231",
             "erf": "2.1525788606076"}
_ACB = {"softplus": lambda z, a: (1 + z.exp()).log(analytic=a), "tanh": lambda z, a: z.tanh(),
        "sigmoid": lambda z, a: 1 / (1 + (-z).exp()), "erf": lambda z, a: z.erf()}


def c_sigma_ball(name: str, *, L: int = 14):
    """A rigorous arb enclosure of c_sigma for softplus, tanh, sigmoid, erf (acb.integral plus a tail bound)."""
    from flint import acb, arb

    f = _ACB[name]
    phi = lambda z: (-z * z / 2).exp() / (2 * arb.pi()).sqrt()  # noqa: E731
    core = acb.integral(lambda z, a: (-z * z / 2).exp() / (2 * acb.pi()).sqrt() * f(z, a) ** 2, -L, L).real
    pL = phi(arb(L))
    tail = 2 * ((L + 2) * pL + 2 * pL / L)
    return 1 / (core + arb(0).union(tail))


@claim(C1, label="§8 C1", paper=PAPER, source="Section 3 (definition of c_sigma); values computed",
       provenance="[N]", statement=r"c_\sigma=\big(\mathbb E_{z\sim\mathcal N(0,1)}\sigma(z)^2\big)^{-1}:\ "
       r"\mathrm{ReLU}\ 2,\ \mathrm{softplus}\ 1.08548650298834,\ \tanh\ 2.53617543321745,\ \mathrm{sigmoid}\ "
       r"3.4085598416231,\ \mathrm{erf}\ 2.1525788606076",
       assumptions=C1_ASSUME, description="c_sigma constants enclosed rigorously (acb.integral)",
       instances=[{"name": k, "activation": k} for k in C1_VALUES],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "activation": st.sampled_from(sorted(C1_VALUES))}))
def check_c1(inst, *, dps=30):
    """c_sigma enclosure vs the catalogue decimal."""
    from flint import arb

    from numerics.certified.precision import arb_prec, dps_to_bits

    name = inst["activation"]
    value = inst.get("value", C1_VALUES.get(name))
    statement = f"c_sigma({name}) = {value} (to the digits given)"
    if name == "relu":
        z = sp.Symbol("z", real=True)
        e2 = sp.integrate(z ** 2 * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo))
        exact = 1 / sp.nsimplify(e2)
        ok = sp.simplify(exact - sp.Rational(Fraction(value).numerator, Fraction(value).denominator)) == 0
        kw = dict(precision="exact (sympy)", method="sympy integral", assumptions=C1_ASSUME, scope="universal",
                  statement=statement)
        if ok:
            return proved(C1, inst, margin="0", message="E relu(z)^2 = 1/2 (sympy): c_relu = 2", **kw)
        return refuted(C1, inst, margin=str(exact), witness={"exact": str(exact)}, message=f"c_relu = {exact}", **kw)
    if name not in _ACB:
        from proofs.errors import InvalidArgument
        raise InvalidArgument(f"got activation {name!r}; valid here are {', '.join(C1_VALUES)}")
    bits = dps_to_bits(max(dps, 30))
    with arb_prec(bits):
        c = c_sigma_ball(name)
        decimals = len(value.split(".")[-1]) if "." in value else 0
        half = arb(5) * arb(10) ** (-(decimals + 1))
        diff = c - arb(value)
        cs = c.str(25)
        kw = dict(precision=f"arb {bits} bits (acb.integral + tail bound)", method="rigorous integration",
                  assumptions=C1_ASSUME, scope="universal", statement=statement, stats={"c_sigma": cs})
        if diff.abs_upper() <= half:
            return proved(C1, inst, margin=cs, message=f"c_sigma({name}) in {cs}: {value} is correctly rounded "
                                                       f"to {decimals} decimals", **kw)
        if diff.abs_lower() > half:
            return refuted(C1, inst, margin=cs, witness={"enclosure": cs, "stated": value},
                           message=f"c_sigma({name}) in {cs} excludes {value} +- {half.str(3)} (certified)", **kw)
    return inconclusive(C1, inst, margin=cs, message="the enclosure is too wide: raise --dps", **kw)


# ----------------------------------------------------------------------------------------------------------- C2
C2 = "du2019-fc-unit-diagonal"
C2_ASSUME = ("|x_i| = 1", "fully connected recursion with the c_sigma normaliser", "h < H")


@claim(C2, label="§8 C2", paper=PAPER, source="Section 5 (role of c_sigma); derived", provenance="[D]",
       statement=r"|x_i|=1\Rightarrow K^{(h)}_{ii}=1\ (1\le h\le H-1,\ \text{fully connected})",
       assumptions=C2_ASSUME, description="unit diagonal of the FC recursion (induction; ball check)",
       instances=[{"name": "relu H=4 n=5 d=3", "activation": "relu", "depth": 4, "n": 5, "d": 3, "seed": 0},
                  {"name": "erf H=3 n=4 d=3", "activation": "erf", "depth": 3, "n": 4, "d": 3, "seed": 1}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "activation": st.sampled_from(["relu", "erf"]),
                                               "depth": st.integers(2, 5), "n": st.integers(1, 5),
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6),
                                               "unit": st.booleans()}))
def check_c2(inst, *, dps=30):
    """Induction on h (the definition of c_sigma), with the instance's ball recursion as a consistency check."""
    from flint import arb

    from numerics.certified.precision import arb_prec, dps_to_bits

    X = _inputs(inst)
    H, act = int(inst.get("depth", 3)), inst.get("activation", "relu")
    statement = f"K^(h)_ii = 1 for h = 1..{H - 1} (FC, activation {act}, n={len(X)} inputs)"
    bits = dps_to_bits(dps + 10)
    bad = None
    with arb_prec(bits):
        Kd = _fc_layers_ball(X, H, act)
        for h, diag in enumerate(Kd, start=1):
            for i, v in enumerate(diag):
                if not v.overlaps(arb(1)):
                    bad = (h, i, v.str(20))
                    break
            if bad:
                break
    kw = dict(precision=f"arb {bits} bits", assumptions=C2_ASSUME, statement=statement)
    if bad:
        return refuted(C2, inst, margin=bad[2], method="ball recursion", scope="instance",
                       witness={"layer": bad[0], "input": bad[1], "K_ii": bad[2], "X": X}, **kw,
                       message=f"K^({bad[0]})_{bad[1]}{bad[1]} in {bad[2]} excludes 1 (certified): an input is not "
                               "of unit norm")
    norms = [sum(Fraction(v) ** 2 for v in row) for row in X]
    if any(q != 1 for q in norms):
        return inconclusive(C2, inst, method="ball recursion", scope="instance", **kw,
                            message="a non-unit input whose diagonal ball still contains 1: raise --dps")
    return proved(C2, inst, margin="0", method="induction on h (K^(h)_ii = c_sigma E sigma(z)^2 = 1 when "
                  "K^(h-1)_ii = 1) + ball recursion", scope="universal", **kw,
                  message=f"unit diagonal through layer {H - 1}; the ball recursion agrees on these inputs")


def _fc_layers_ball(X, H, act):
    """Diagonals of K^(1..H-1) of the FC recursion in balls (the hidden layers, not the final NTK layer)."""
    from numerics.ntk.kernels import resolve_activation
    from numerics.ntk.recursions import _Backend, _apply, _input_gram

    be = _Backend(resolve_activation(act), "ball", 30, 80, True)
    K = _input_gram(X, "ball")
    cs = be.csig()
    out = []
    for _ in range(1, H):
        K = cs * _apply(be, "ff", K)
        out.append([K[i, i] for i in range(K.shape[0])])
    return out


# ----------------------------------------------------------------------------------------------------------- C4
C4 = "du2019-gram-positive-analytic"
C4_ASSUME = ("sigma analytic and not a polynomial (Condition 3.2)", "no two inputs parallel", "|x_i| = 1")


@claim(C4, label="§8 C4", paper=PAPER, source="Propositions F.1 / F.2", provenance="[V]/[S]",
       statement=r"\sigma\ \text{analytic, not a polynomial},\ x_i\not\parallel x_j\Rightarrow"
                 r"\lambda_{\min}(K^{(H)})>0",
       assumptions=C4_ASSUME, description="certified lambda_min(K^(H)) > 0 (erf: closed-form ball recursion)",
       instances=[{"name": "erf FC H=2 n=8 d=3", "activation": "erf", "arch": "fc", "depth": 2, "n": 8, "d": 3,
                   "seed": 0},
                  {"name": "erf ResNet H=3 n=6 d=3", "activation": "erf", "arch": "resnet", "depth": 3, "n": 6,
                   "d": 3, "seed": 2}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "activation": st.just("erf"),
                                               "arch": st.sampled_from(["fc", "resnet"]), "depth": st.integers(2, 4),
                                               "n": st.integers(2, 8), "d": st.integers(2, 4),
                                               "seed": st.integers(0, 10 ** 6)}))
def check_c4(inst, *, dps=30):
    """Certified positivity of K^(H) by ball Cholesky (rank-bound refutation for polynomial activations)."""
    from proofs.claims.du_2018.kernels import _from_ntk
    from proofs.ntk import ntk_lambda_min

    X = _inputs(inst)
    out = ntk_lambda_min(X, arch=inst.get("arch", "fc"), depth=int(inst.get("depth", 2)),
                         activation=inst.get("activation", "erf"), c_res=float(inst.get("c_res", 0.5)),
                         certify=True, dps=dps)
    return _from_ntk(C4, inst, out, C4_ASSUME)


# ----------------------------------------------------------------------------------------------------------- C6
C6 = "du2019-depth-one-reduction"
C6_ASSUME = ("depth H = 1, fully connected", "sigma = ReLU (c_relu = 2)")


@claim(C6, label="§8 C6", paper=PAPER, source="Section 5 (remark: H = 1 gives the Gram of Du et al. 2018)",
       provenance="[V]/[D]", statement=r"K^{(1)}=c_\sigma[x_i^\top x_j\,\mathbb E\sigma'(u)\sigma'(v)]=2H^\infty"
       r"\ (\mathrm{ReLU})",
       assumptions=C6_ASSUME, description="depth-one FC Gram is 2 H^infty for ReLU",
       instances=[{"name": "relu n=6 d=3", "activation": "relu", "n": 6, "d": 3, "seed": 0},
                  {"name": "relu n=4 d=2 non-unit", "activation": "relu", "n": 4, "d": 2, "seed": 5,
                   "unit": False}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "activation": st.just("relu"),
                                               "n": st.integers(1, 6), "d": st.integers(2, 4),
                                               "seed": st.integers(0, 10 ** 6), "unit": st.booleans()}))
def check_c6(inst, *, dps=30):
    """K^(1) (FC recursion) against 2 H^infty (closed form), entrywise in balls."""
    from numerics.certified.precision import arb_prec, dps_to_bits
    from numerics.ntk.kernels import h_infinity_ball
    from proofs.ntk import ntk_gram

    X = _inputs(inst)
    act = inst.get("activation", "relu")
    statement = f"K^(1) (FC, activation {act}) = 2 H^infty entrywise for these n={len(X)} inputs"
    bits = dps_to_bits(dps + 10)
    with arb_prec(bits):
        K = ntk_gram(X, arch="fc", depth=1, activation=act, method="ball")
        Hb = h_infinity_ball(X)
        n = len(X)
        worst = None
        for i in range(n):
            for j in range(n):
                dlt = K[i, j] - 2 * Hb[i, j]
                if not dlt.contains(0):
                    worst = (i, j, dlt.str(10))
                    break
            if worst:
                break
    kw = dict(precision=f"arb {bits} bits", assumptions=C6_ASSUME, statement=statement)
    if worst:
        return refuted(C6, inst, margin=worst[2], method="ball recursion vs ball closed form", scope="instance",
                       witness={"entry": [worst[0], worst[1]], "difference": worst[2], "X": X}, **kw,
                       message=f"K^(1)_{worst[0]}{worst[1]} - 2 H^infty = {worst[2]} != 0 (certified)")
    if act != "relu":
        return inconclusive(C6, inst, method="ball recursion vs ball closed form", scope="instance", **kw,
                            message="the balls overlap but the identity is only derived for ReLU")
    return proved(C6, inst, margin="0", method="identity of the recursions (K^(1) = c_relu H^infty, c_relu = 2 by "
                  "sympy) + ball agreement", scope="universal", **kw,
                  message="K^(1) = c_sigma x_i.x_j E sigma'(u) sigma'(v) = 2 H^infty; the balls agree entrywise")


# ----------------------------------------------------------------------------------------------------------- F3
F3 = "du2019-false-polynomial-activation-positive"
F3_ASSUME = ("sigma a polynomial (Condition 3.2 dropped)", "no two inputs parallel")


@claim(F3, label="§9 F3", paper=PAPER, source="Condition 3.2 (non-polynomial); false variant", provenance="[D][N]",
       expected="fails",
       statement=r"\sigma(z)=z^2,\ x_i\not\parallel x_j\Rightarrow\lambda_{\min}(K^{(H)})>0\ \text{for every}\ n",
       assumptions=F3_ASSUME, description="false: polynomial features have rank <= C(d+D, D)",
       instances=[{"name": "square, two-layer, d=3, n=12", "activation": "square", "arch": "two-layer", "depth": 1,
                   "n": 12, "d": 3, "seed": 0},
                  {"name": "identity, FC H=2, d=2, n=4", "activation": "identity", "arch": "fc", "depth": 2,
                   "n": 4, "d": 2, "seed": 1}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "activation": st.sampled_from(["square", "identity"]),
                                               "arch": st.just("fc"), "depth": st.integers(1, 2),
                                               "n": st.integers(12, 20), "d": st.just(2),
                                               "seed": st.integers(0, 10 ** 6)}))
def check_f3(inst, *, dps=30):
    """Refuted by the exact rank bound of polynomial kernels (float lambda_min reported as evidence)."""
    from proofs.claims.du_2018.kernels import _from_ntk
    from proofs.ntk import ntk_lambda_min

    X = _inputs(inst)
    out = ntk_lambda_min(X, arch=inst.get("arch", "two-layer"), depth=int(inst.get("depth", 1)),
                         activation=inst.get("activation", "square"), certify=False, dps=dps)
    return _from_ntk(F3, inst, out, F3_ASSUME)
