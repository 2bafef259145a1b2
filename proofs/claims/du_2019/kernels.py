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
  :math:`|x_i|=1` (the definition of :math:`c_\sigma`; argued): ``proved`` with scope instance — the unit norms are
  checked exactly and the ball recursion's diagonals (relu / erf) must contain 1. A non-unit input violates the
  hypothesis: ``inconclusive`` "hypothesis fails".
* C4: certified :math:`\lambda_{\min}(K^{(H)})>0` (ball Cholesky of the ball recursion) for erf — analytic and not
  a polynomial, with a closed-form kernel, so the enclosure is rigorous; activations without a closed form give
  numerical evidence only. The hypotheses are tested first (polynomial or non-analytic sigma, parallel inputs,
  non-unit inputs): ``inconclusive`` "hypothesis fails", never ``refuted``.
* C6: ``c_relu = 1/E relu(z)^2 = 2`` by sympy (and the recursion's constant is exactly 2); for :math:`H=1` the FC
  recursion is :math:`K^{(1)}=c_\sigma\,[x_i^\top x_j E\sigma'(u)\sigma'(v)]`, literally :math:`c_\sigma H^\infty`
  (argued); the ball matrices of both sides must overlap entrywise (``proved``, scope instance). Another activation
  violates the hypothesis sigma = ReLU: ``inconclusive``.
* F3 (false): "a polynomial activation also gives a positive-definite limiting Gram for any n" — refuted by the
  rank bound (:math:`\sigma=z^2`, :math:`d=3`, :math:`n=12`: every entry is a polynomial of degree :math:`\le2^H` in
  the input Gram, rank :math:`\le\binom{d+D}{D}<n`, exact). Only polynomial activations are accepted, and only the
  rank-bound witness refutes (inputs violating "no two inputs parallel" give ``inconclusive``).

Generated inputs are resampled so that no two are parallel; unknown instance keys are rejected.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.claims.du_2018._hyp import as_int, check_keys, hypothesis_fails, non_unit, parallel_pair
from proofs.claims.du_2018._hyp import unit_inputs as _unit_inputs
from proofs.registry import claim

PAPER = "Du et al. 2019"


GEN_KEYS = ("X", "n", "d", "seed", "unit")


def _inputs(inst):
    from proofs.claims.du_2018.kernels import _inputs as _given

    if "X" in inst:
        return _given({"X": inst["X"]})
    return _unit_inputs(as_int(inst, "n", 6, 1, 400), as_int(inst, "d", 3, 1, 100),
                        as_int(inst, "seed", 0, 0, 2 ** 63), bool(inst.get("unit", True)))


def _activation_name(inst, default):
    from proofs.errors import InvalidArgument

    a = inst.get("activation", default)
    if not isinstance(a, str) or not a.strip():
        raise InvalidArgument(f"got activation={a!r}; valid is a built-in name or an expression in z")
    return a.strip()


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

    from proofs.claims.du_2018.kernels import _decimals
    from proofs.errors import InvalidArgument

    check_keys(inst, ("activation", "value"))
    name = inst.get("activation")
    if name not in C1_VALUES:
        raise InvalidArgument(f"got activation {name!r}; valid here are {', '.join(C1_VALUES)}")
    value = str(inst.get("value", C1_VALUES.get(name))).strip()
    _decimals(value)
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
        # margin: a certified lower bound of (half unit) - |c_sigma - value| (> 0: inside the rounding interval)
        mg = float((half - arb(diff.abs_upper())).lower())
        kw = dict(precision=f"arb {bits} bits (acb.integral + tail bound)", method="rigorous integration",
                  assumptions=C1_ASSUME, scope="universal", statement=statement, stats={"c_sigma": cs})
        if diff.abs_upper() < half:  # strictly inside the rounding interval
            return proved(C1, inst, margin=mg, message=f"c_sigma({name}) in {cs}: {value} is correctly rounded "
                                                       f"to {decimals} decimals", **kw)
        if diff.abs_lower() > half:
            return refuted(C1, inst, margin=float((half - arb(diff.abs_lower())).upper()),
                           witness={"enclosure": cs, "stated": value},
                           message=f"c_sigma({name}) in {cs} excludes {value} +- {half.str(3)} (certified)", **kw)
    return inconclusive(C1, inst, margin=mg, message="the enclosure is too wide: raise --dps", **kw)


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
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6)}))
def check_c2(inst, *, dps=30):
    """Induction on h (the definition of c_sigma), with the instance's ball recursion as a consistency check."""
    from flint import arb

    from numerics.certified.precision import arb_prec, dps_to_bits

    from proofs.errors import InvalidArgument

    check_keys(inst, GEN_KEYS + ("activation", "depth"))
    X = _inputs(inst)
    H, act = as_int(inst, "depth", 3, 2, 200), _activation_name(inst, "relu")
    if act not in ("relu", "erf"):
        raise InvalidArgument(f"got activation {act!r}; valid here are relu, erf (closed-form ball recursions)")
    statement = f"K^(h)_ii = 1 for h = 1..{H - 1} (FC, activation {act}, these n={len(X)} inputs)"
    i0 = non_unit(X)
    if i0 is not None:
        return hypothesis_fails(inconclusive, C2, inst, C2_ASSUME[0],
                                f"|x_{i0}|^2 = {sum(Fraction(v) ** 2 for v in X[i0])}", assumptions=C2_ASSUME,
                                statement=statement)
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
        # unit inputs and a ball diagonal excluding 1: the recursion code contradicts the induction
        raise RuntimeError(f"internal error: K^({bad[0]})_{bad[1]}{bad[1]} in {bad[2]} excludes 1 for unit inputs; "
                           "please report")
    return proved(C2, inst, margin="0", method="induction on h + ball recursion", scope="instance", **kw,
                  message=f"argued (induction on h, the definition of c_sigma): K^(h-1)_ii = 1 gives K^(h)_ii = "
                          f"c_sigma E sigma(z)^2 = 1; computed: |x_i|^2 = 1 exactly and the ball recursion's "
                          f"diagonals through layer {H - 1} contain 1 for these inputs")


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

    from proofs.ntk import ntk_activation

    check_keys(inst, GEN_KEYS + ("activation", "arch", "depth", "c_res"))
    X = _inputs(inst)
    act = ntk_activation(_activation_name(inst, "erf"))
    arch = inst.get("arch", "fc")
    statement = f"lambda_min(K^(H)) > 0 ({arch}, activation {act.name}) for these n={len(X)} inputs"
    fail = None
    if act.poly_degree is not None:
        fail = (C4_ASSUME[0], f"sigma = {act.name} is a polynomial of degree {act.poly_degree}")
    elif act.closed == "relu" or not act.smooth:
        fail = (C4_ASSUME[0], f"sigma = {act.name} is not analytic")
    elif parallel_pair(X) is not None:
        i, j = parallel_pair(X)
        fail = (C4_ASSUME[1], f"inputs {i} and {j} are parallel, antiparallel or zero")
    elif non_unit(X) is not None:
        i = non_unit(X)
        fail = (C4_ASSUME[2], f"|x_{i}|^2 = {sum(Fraction(v) ** 2 for v in X[i])}")
    if fail:
        return hypothesis_fails(inconclusive, C4, inst, fail[0], fail[1], assumptions=C4_ASSUME, statement=statement)
    out = ntk_lambda_min(X, arch=arch, depth=as_int(inst, "depth", 2, 1, 100), activation=act,
                         c_res=inst.get("c_res", "0.5"), certify=True, dps=dps)
    if out["positive_definite"] == "refuted":  # impossible under the hypotheses (checked above)
        raise RuntimeError(f"internal error: singularity witness {out['witness']} under the hypotheses of C4")
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

    check_keys(inst, GEN_KEYS + ("activation",))
    X = _inputs(inst)
    act = _activation_name(inst, "relu")
    statement = f"K^(1) (FC, activation {act}) = 2 H^infty entrywise for these n={len(X)} inputs"
    if act != "relu":
        return hypothesis_fails(inconclusive, C6, inst, C6_ASSUME[1], f"sigma = {act}", assumptions=C6_ASSUME,
                                statement=statement)
    z = sp.Symbol("z", real=True)
    c_relu = 1 / sp.integrate(z ** 2 * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo))
    from numerics.ntk.kernels import resolve_activation
    from numerics.ntk.recursions import _Backend

    be_c = _Backend(resolve_activation("relu"), "ball", 30, 80, True).csig()
    if sp.simplify(c_relu - 2) != 0 or not be_c.contains(2) or not be_c.is_exact():
        raise RuntimeError(f"internal error: c_relu = {c_relu} by sympy, the recursion uses {be_c}; please report")
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
    if worst:  # ReLU: the identity is a theorem, so disjoint balls are a bug of the code
        raise RuntimeError(f"internal error: K^(1)_{worst[0]}{worst[1]} - 2 H^infty = {worst[2]} != 0 (certified) "
                           "for ReLU; please report")
    return proved(C6, inst, margin="0", method="sympy c_relu + ball agreement", scope="instance", **kw,
                  message="computed: c_relu = 1/E relu(z)^2 = 2 (sympy; the recursion uses exactly 2) and the ball "
                          "matrices K^(1) and 2 H^infty overlap entrywise for these inputs; argued: at H = 1 the "
                          "recursion is c_sigma [x_i.x_j E sigma'(u) sigma'(v)], literally c_relu H^infty")


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

    from proofs.errors import InvalidArgument
    from proofs.ntk import ntk_activation

    check_keys(inst, GEN_KEYS + ("activation", "arch", "depth"))
    X = _inputs(inst)
    act = ntk_activation(_activation_name(inst, "square"))
    arch = inst.get("arch", "two-layer")
    depth = as_int(inst, "depth", 1, 1, 50)
    statement = f"lambda_min(K^({depth})) > 0 ({arch}, sigma = {act.name}) for these n={len(X)} inputs"
    if act.poly_degree is None or act.poly_degree < 1:
        raise InvalidArgument(f"got activation {act.name!r}; F3 is about polynomial activations of degree >= 1 "
                              "(e.g. square, identity, z**3)")
    pp = parallel_pair(X)
    if pp is not None:
        return hypothesis_fails(inconclusive, F3, inst, F3_ASSUME[1],
                                f"inputs {pp[0]} and {pp[1]} are parallel, antiparallel or zero",
                                assumptions=F3_ASSUME, statement=statement)
    out = ntk_lambda_min(X, arch=arch, depth=depth, activation=act, certify=False, dps=dps)
    wit = out.get("witness") or {}
    kw = dict(precision="exact (rank bound)", assumptions=F3_ASSUME, scope="instance", statement=statement,
              stats={"lambda_min_float_evidence": out["lambda_min"]})
    if wit.get("kind") == "rank-bound":
        return refuted(F3, inst, margin="0", method="rank bound of polynomial kernels", witness=wit,
                       message=wit["reason"], **kw)
    return inconclusive(F3, inst, margin=out.get("margin"), method="rank bound of polynomial kernels",
                        message=f"n={len(X)} does not exceed the rank bound of this polynomial kernel: take more "
                                "inputs (n) or a smaller d", **kw)
