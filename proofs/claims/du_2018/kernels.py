r"""Du, Zhai, Póczos, Singh 2018 (two-layer ReLU, NTK scaling): the limiting Gram matrices and their first facts
(§8 B1, B2, B3, B4, B6) and two plausible-but-false variants (§9 F1, F2).

Model: :math:`f(W,a,x)=m^{-1/2}\sum_ra_r\sigma(w_r^\top x)`, :math:`\sigma=\max(\cdot,0)`, :math:`w_r\sim\mathcal
N(0,I)`, :math:`a_r\sim\mathrm{unif}\{\pm1\}`. :math:`H^\infty_{ij}=E[x_i^\top x_j\mathbf 1\{w^\top x_i\ge0,w^\top
x_j\ge0\}]=x_i^\top x_j(\pi-\varphi_{ij})/(2\pi)` and :math:`G^\infty_{ij}=E[\sigma(w^\top x_i)\sigma(w^\top x_j)]=
|x_i||x_j|(\sin\varphi_{ij}+(\pi-\varphi_{ij})\cos\varphi_{ij})/(2\pi)`, :math:`\varphi_{ij}` the angle
(arc-cosine kernels of degree 0 and 1, derived [D]).

What each check certifies:

* B1, B2 (numerical by nature): the closed forms against a Monte-Carlo average over ``samples`` Gaussian draws
  (seeded), agreement within ``6/sqrt(samples)`` per entry (entries are bounded by max|x|^2) -> numerical evidence.
* B3: sympy proves that the eigenvalues of ``[[1/2, h], [h, 1/2]]`` are ``1/2 +- h`` (so lambda_0 = 1/2 - |h|),
  the limit ``lambda_0 / (phi / (2 pi)) -> 1`` as ``phi -> 0``, and ``h(-1) = 0``; the value at ``rho`` is
  enclosed in arb balls; a stated decimal with k decimals is ``proved`` (scope instance) only when the whole ball
  lies inside its half-unit rounding interval ``[v - 10^-k/2, v + 10^-k/2]``, ``refuted`` when the ball misses
  it, ``inconclusive`` otherwise.
* B4: a certified lower bound > 0 of lambda_min(H^infty) (ball Cholesky of the enclosed matrix) -> ``proved`` for
  these inputs. Inputs that violate the hypothesis (two parallel, antiparallel or equal inputs, exact test) give
  ``inconclusive`` "hypothesis fails", never ``refuted``; generated inputs are resampled to meet it.
* B6: sympy: ``E relu(|x| z)^2 = |x|^2 / 2`` for ``z ~ N(0, 1)``, ``E a = 0``, ``E a^2 = 1``; with the cross terms
  vanishing by independence (argued) this gives ``E ||y - u(0)||^2 = sum_i (y_i^2 + 1/2)`` for unit inputs
  (scope instance). A non-unit input violates the hypothesis: ``inconclusive``.
* F1 (false): "any parallel pair makes lambda_0 = 0" — the antiparallel pair ``{x, -x}`` has certified
  lambda_0 > 0.49 (``H^infty = diag(|x|^2/2, |x|^2/2)``).
* F2 (false): "the unit-norm assumption can be dropped for free (lambda_0 is unchanged by normalising)" —
  scaling one input of exactly unit inputs (stereographic rationals) by ``scale`` (``scale != 0``, ``|scale| != 1``)
  gives the exact upper bound ``H_00 = |x_0|^2/2`` below the certified lower bound of lambda_0 of the unit inputs.

Every check rejects unknown instance keys (InvalidArgument listing the valid ones).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from proofs.claims._common import inconclusive, proved, refuted
from proofs.claims.du_2018._hyp import as_fraction_key, as_int, check_keys, hypothesis_fails, non_unit, parallel_pair
from proofs.registry import claim

PAPER = "Du et al. 2018"


GEN_KEYS = ("X", "n", "d", "seed", "unit")


def _inputs(inst):
    """Exact decimal-string inputs: given, or seeded random (unit norm approximated by 4-digit rationals when
    ``unit``: the kernels use the angle form, valid for any non-zero norm). Generated rows that are zero or
    parallel / antiparallel to an earlier row are resampled, so generated instances meet "no two inputs
    parallel"."""
    from proofs.errors import InvalidArgument

    if "X" in inst:
        X = inst["X"]
        if not isinstance(X, (list, tuple)) or not X or not all(isinstance(r, (list, tuple)) and r for r in X):
            raise InvalidArgument("instance key 'X' must be a non-empty list of non-empty rows")
        for r in X:
            for v in r:
                try:
                    Fraction(str(v))
                except (ValueError, ZeroDivisionError):
                    raise InvalidArgument(f"an entry of 'X' is not a finite number: {v!r}") from None
        return [[str(v) for v in row] for row in X]
    n, d, seed = as_int(inst, "n", 6, 1, 400), as_int(inst, "d", 5, 1, 100), as_int(inst, "seed", 0, 0, 2 ** 63)
    rng = np.random.default_rng(seed)
    unit = bool(inst.get("unit", True))
    rows = []
    while len(rows) < n:
        v = rng.standard_normal(d)
        if unit:
            v = v / np.linalg.norm(v)
        row = [str(Fraction(round(t * 10 ** 4), 10 ** 4)) for t in v]
        if parallel_pair(rows + [row]) is None:
            rows.append(row)
        elif d == 1 and len(rows) >= 1:
            raise InvalidArgument(f"got n={n}, d=1: two inputs in dimension 1 are always parallel")
    return rows


def _mc(X, samples, seed, which):
    rng = np.random.default_rng(seed)
    Xf = np.array([[float(Fraction(v)) for v in row] for row in X])
    W = rng.standard_normal((samples, Xf.shape[1]))
    Z = W @ Xf.T  # samples x n
    if which == "H":
        P = (Z >= 0).astype(float)
        return (P.T @ P / samples) * (Xf @ Xf.T)
    R = np.maximum(Z, 0.0)
    return R.T @ R / samples


def _mc_check(cid, inst, which, assumptions, formula):
    from numerics.ntk.kernels import g_infinity, h_infinity

    check_keys(inst, GEN_KEYS + ("samples", "formula"))
    X = _inputs(inst)
    N, seed = as_int(inst, "samples", 200_000, 100, 10 ** 7), as_int(inst, "seed", 0, 0, 2 ** 63)
    if inst.get("formula", "angle") not in ("angle", "unit"):
        from proofs.errors import InvalidArgument
        raise InvalidArgument(f"got formula={inst.get('formula')!r}; valid are angle, unit")
    Xf = np.array([[float(Fraction(v)) for v in row] for row in X])
    if inst.get("formula", "angle") == "unit":  # the unit-norm closed form applied as is (dropped assumption)
        G = Xf @ Xf.T
        rho = np.clip(G, -1, 1)
        phi = np.arccos(rho)
        ref = G * (np.pi - phi) / (2 * np.pi) if which == "H" else (np.sin(phi) + (np.pi - phi) * rho) / (2 * np.pi)
    else:
        ref = h_infinity(Xf) if which == "H" else g_infinity(Xf)
    emp = _mc(X, N, seed, which)
    scale = float(np.max(np.sum(Xf * Xf, axis=1)))
    tol = 6 * scale / np.sqrt(N)
    err = float(np.max(np.abs(emp - ref)))
    st_ = f"{formula} vs a {N}-sample Monte-Carlo average (seed {seed}), n={len(X)}, d={len(X[0])}"
    msg = (f"max |closed form - Monte Carlo| = {err:.3g} {'<=' if err <= tol else '>'} 6 max|x|^2/sqrt(N) = "
           f"{tol:.3g}" + ("" if err <= tol else ": the closed form disagrees with the sampled expectation"))
    return inconclusive(cid, inst, margin=tol - err, numerical=True, precision="float64 Monte Carlo",
                        method="closed form vs Monte Carlo", assumptions=assumptions, scope="instance",
                        statement=st_, message=msg, stats={"max_abs_diff": err, "tolerance": tol, "samples": N})


# ----------------------------------------------------------------------------------------------------------- B1
B1 = "du2018-hinf-closed-form"
B1_ASSUME = ("w ~ N(0, I_d)", "inputs non-zero (the angle form; unit norm gives rho (pi - arccos rho) / (2 pi))")


@claim(B1, label="§8 B1", paper=PAPER, source="Section 3 (Assumption 3.1, definition of H^infty); closed form "
       "derived", provenance="[D][N]", numerical=True,
       statement=r"H^\infty_{ij}=\mathbb E_w[x_i^\top x_j\mathbf 1\{w^\top x_i\ge0,w^\top x_j\ge0\}]"
                 r"=\frac{x_i^\top x_j(\pi-\varphi_{ij})}{2\pi}",
       assumptions=B1_ASSUME, description="closed form of H^infty against Monte Carlo",
       instances=[{"name": "n=6 d=5 unit seed 0", "n": 6, "d": 5, "seed": 0},
                  {"name": "n=5 d=3 non-unit seed 1", "n": 5, "d": 3, "seed": 1, "unit": False}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(2, 6),
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6),
                                               "unit": st.booleans(), "samples": st.just(50_000)}))
def check_b1(inst, *, dps=30):
    """H^infty closed form vs Monte Carlo (numerical by nature)."""
    return _mc_check(B1, inst, "H", B1_ASSUME, "H^infty angle form")


# ----------------------------------------------------------------------------------------------------------- B2
B2 = "du2018-ginf-arccos-kernel"
B2_ASSUME = ("w ~ N(0, I_d)", "inputs non-zero", "sigma = ReLU")


@claim(B2, label="§8 B2", paper=PAPER, source="Section 3.2 (joint training, G); closed form derived",
       provenance="[D][N]", numerical=True,
       statement=r"\mathbb E_w[\sigma(w^\top x_i)\sigma(w^\top x_j)]=\frac{|x_i||x_j|(\sin\varphi_{ij}+(\pi-"
                 r"\varphi_{ij})\cos\varphi_{ij})}{2\pi}",
       assumptions=B2_ASSUME, description="degree-1 arc-cosine kernel G^infty against Monte Carlo",
       instances=[{"name": "n=6 d=5 unit seed 0", "n": 6, "d": 5, "seed": 0},
                  {"name": "n=5 d=3 non-unit seed 2", "n": 5, "d": 3, "seed": 2, "unit": False}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(2, 6),
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6),
                                               "unit": st.booleans(), "samples": st.just(50_000)}))
def check_b2(inst, *, dps=30):
    """G^infty closed form vs Monte Carlo (numerical by nature)."""
    return _mc_check(B2, inst, "G", B2_ASSUME, "G^infty arc-cosine form")


# ----------------------------------------------------------------------------------------------------------- B3
B3 = "du2018-two-point-eigenvalue"
B3_ASSUME = ("two unit inputs with x_1.x_2 = rho, |rho| <= 1",)
B3_VALUES = {"9/10": "0.114604831907917821837923848149"}


def _decimals(value: str) -> int:
    """Number of decimals of a decimal string (InvalidArgument otherwise)."""
    from proofs.errors import InvalidArgument

    v = str(value).strip()
    try:
        Fraction(v)
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(f"got value={value!r}; valid is a decimal string such as '0.1146'") from None
    if not all(c in "+-.0123456789" for c in v):
        raise InvalidArgument(f"got value={value!r}; valid is a plain decimal string such as '0.1146'")
    return len(v.split(".")[1]) if "." in v else 0


def _h_sym(r):
    return r * (sp.pi - sp.acos(r)) / (2 * sp.pi)


def _b3_symbolic():
    """(eigenvalues identity, small-angle limit, h(-1) = 0), each True only when sympy proves it."""
    h = sp.Symbol("h", real=True)
    ev = sp.Matrix([[sp.S.Half, h], [h, sp.S.Half]]).eigenvals()
    ok_ev = set(sp.simplify(e) for e in ev) == {sp.S.Half - h, sp.S.Half + h}
    phi = sp.Symbol("phi", positive=True)
    lam = sp.S.Half - _h_sym(sp.cos(phi))
    ok_lim = sp.limit(lam / (phi / (2 * sp.pi)), phi, 0, "+") == 1
    ok_m1 = sp.simplify(_h_sym(sp.Integer(-1))) == 0
    return ok_ev, ok_lim, ok_m1


@claim(B3, label="§8 B3", paper=PAPER, source="Section 3 (two-point case); derived", provenance="[D][N]",
       statement=r"\lambda_0=\tfrac12-|h(\rho)|,\ h(\rho)=\frac{\rho(\pi-\arccos\rho)}{2\pi};\ "
                 r"\lambda_0\sim\frac{\varphi}{2\pi}\ (\varphi\to0);\ \rho=-1\Rightarrow\lambda_0=\tfrac12",
       assumptions=B3_ASSUME, description="two-point least eigenvalue of H^infty (symbolic + balls)",
       instances=[{"name": "rho = 9/10 (catalogue value)", "rho": "9/10"},
                  {"name": "rho = -1", "rho": "-1", "value": "0.5"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "rho": st.fractions(-1, 1, max_denominator=1000).map(str)}))
def check_b3(inst, *, dps=30):
    """Two-point eigenvalue: sympy for the identities, arb balls for the value (and the catalogue decimal)."""
    from flint import arb, arb_mat, acb_mat

    from numerics.certified.precision import arb_prec, dps_to_bits

    check_keys(inst, ("rho", "value"))
    rho = as_fraction_key(inst, "rho")
    if not -1 <= rho <= 1:
        from proofs.errors import InvalidArgument
        raise InvalidArgument(f"got rho={inst['rho']}; valid is a number in [-1, 1]")
    statement = f"lambda_min([[1/2, h], [h, 1/2]]) = 1/2 - |h(rho)| at rho = {rho}, the phi -> 0 asymptotics " \
                "and h(-1) = 0"
    ok_ev, ok_lim, ok_m1 = _b3_symbolic()
    value = inst.get("value", B3_VALUES.get(str(rho)))
    if value is not None:
        value = str(value).strip()
        statement += f"; lambda_0 = {value} to the {_decimals(value)} decimals given (half-unit rounding)"
    with arb_prec(dps_to_bits(dps + 20)):
        r = arb(rho.numerator) / rho.denominator
        h = r * (arb.pi() - r.acos()) / (2 * arb.pi())
        lam = arb(1) / 2 - abs(h)
        M = acb_mat(arb_mat([[arb(1) / 2, h], [h, arb(1) / 2]]))
        try:
            E = M.eig()
        except ValueError:  # a double eigenvalue (h = 0): enclose the cluster
            E = M.eig(multiple=True)
        lo = min(E, key=lambda e: e.real.mid()).real
        agree = lo.overlaps(lam)
        in_value = out_value = None  # None: no value to compare
        if value is not None:
            # the stated decimal with k decimals is correct iff lambda_0 lies in its half-unit rounding interval
            # [v - 10^-k / 2, v + 10^-k / 2]: proved when the whole ball does, refuted when the ball misses it
            half = arb(5) * arb(10) ** (-(_decimals(value) + 1))
            diff = lam - arb(value)
            in_value = bool(diff.abs_upper() < half)
            out_value = bool(diff.abs_lower() > half)
        lam_s = lam.str(dps)
    ok = ok_ev and ok_lim and ok_m1 and agree and in_value is not False
    stats = {"lambda0": lam_s, "eigenvalue_identity": ok_ev, "small_angle_limit": ok_lim, "h(-1)=0": ok_m1,
             "ball_eig_overlaps": agree, "catalogue_value": value}
    if ok and (in_value or value is None):
        # the identities are universal (sympy); a compared decimal is a fact about this rho: scope instance
        return proved(B3, inst, margin=lam_s, precision=f"sympy + arb {dps_to_bits(dps + 20)} bits",
                      method="sympy eigenvalues and limit; arb enclosure of 1/2 - |h(rho)|", assumptions=B3_ASSUME,
                      scope="instance" if value is not None else "universal", statement=statement, stats=stats,
                      message=f"lambda_0 = 1/2 - |h| = {lam_s}" + (
                          f" lies within half a unit of the last digit of the catalogue {value}" if value else ""))
    if out_value and ok_ev:
        return refuted(B3, inst, margin=lam_s, precision=f"arb {dps_to_bits(dps + 20)} bits", method="arb enclosure",
                       witness={"rho": str(rho), "lambda0": lam_s, "stated": value}, assumptions=B3_ASSUME,
                       scope="instance", statement=statement, stats=stats,
                       message=f"the enclosure {lam_s} excludes the stated value {value} (certified)")
    why = ("the enclosure overlaps the boundary of the rounding interval of the stated value: raise --dps"
           if ok_ev and ok_lim and ok_m1 and agree else "a symbolic step was not decided by sympy")
    return inconclusive(B3, inst, margin=lam_s, method="sympy + arb", assumptions=B3_ASSUME, scope="instance",
                        statement=statement, stats=stats, message=why)


# ----------------------------------------------------------------------------------------------------------- B4
B4 = "du2018-hinf-positive-nonparallel"
B4_ASSUME = ("no two inputs parallel or antiparallel (x_i != c x_j)", "inputs non-zero")


@claim(B4, label="§8 B4", paper=PAPER, source="Theorem 3.1", provenance="[V]",
       statement=r"x_i\not\parallel x_j\ (i\ne j)\Rightarrow\lambda_0=\lambda_{\min}(H^\infty)>0",
       assumptions=B4_ASSUME, description="certified lambda_0 > 0 for non-parallel inputs",
       instances=[{"name": "n=6 d=5 unit seed 0", "n": 6, "d": 5, "seed": 0},
                  {"name": "n=30 d=4 non-unit seed 3", "n": 30, "d": 4, "seed": 3, "unit": False}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(2, 12),
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6),
                                               "unit": st.booleans()}))
def check_b4(inst, *, dps=30):
    """Certified positivity of H^infty (ball Cholesky) for the instance's inputs."""
    from proofs.ntk import ntk_lambda_min

    check_keys(inst, GEN_KEYS)
    X = _inputs(inst)
    pp = parallel_pair(X)
    if pp is not None:
        return hypothesis_fails(inconclusive, B4, inst, B4_ASSUME[0],
                                f"inputs {pp[0]} and {pp[1]} are parallel, antiparallel or zero",
                                assumptions=B4_ASSUME, statement=f"lambda_min(H^infty) > 0 for these n={len(X)} "
                                                                 "inputs")
    out = ntk_lambda_min(X, certify=True, dps=dps)
    return _from_ntk(B4, inst, out, B4_ASSUME)


def _from_ntk(cid, inst, out, assumptions):
    kw = dict(precision=out["precision"], method=out["method"], assumptions=assumptions, scope="instance",
              statement=out["statement"], message=out["message"],
              stats={"lambda_min": out["lambda_min"], "certified_upper_bound": out["certified_upper_bound"]})
    if out["positive_definite"] == "proved":
        return proved(cid, inst, margin=out["certified_lower_bound"], **kw)
    if out["positive_definite"] == "refuted":
        return refuted(cid, inst, margin="0", witness=out["witness"], **kw)
    return inconclusive(cid, inst, margin=out.get("margin"), numerical=out["numerical"], **kw)


# ----------------------------------------------------------------------------------------------------------- B6
def _stereo(t):
    """The exact unit vector (2t/(1+t^2), (1-t^2)/(1+t^2)) as decimal / fraction strings."""
    t = Fraction(t)
    return [str(2 * t / (1 + t * t)), str((1 - t * t) / (1 + t * t))]


B6 = "du2018-initial-residual"
B6_ASSUME = ("|x_i| = 1", "w_r ~ N(0, I), a_r ~ unif{-1, 1} independent")


@claim(B6, label="§8 B6", paper=PAPER, source="Theorem 3.2 proof (initial residual); derived", provenance="[D][N]",
       statement=r"\mathbb E f(W(0),a,x)^2=\tfrac12\ (|x|=1),\qquad\mathbb E\|y-u(0)\|^2=\sum_i(y_i^2+\tfrac12)",
       assumptions=B6_ASSUME, description="second moment of the network at initialisation (sympy)",
       instances=[{"name": "unit inputs (3, 4)/5, (1, 0)", "X": [["0.6", "0.8"], ["1", "0"]]}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "X": st.lists(st.fractions(-3, 3, max_denominator=50)
                                                             .map(_stereo), min_size=1, max_size=4)}))
def check_b6(inst, *, dps=30):
    """E f^2 = |x|^2/2 by sympy; the stated value needs |x_i| = 1 (exact check per input)."""
    z = sp.Symbol("z", real=True)
    s = sp.Symbol("s", positive=True)  # s = |x|
    e2 = sp.integrate((s * z) ** 2 * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo))
    ok = sp.simplify(e2 - s ** 2 / 2) == 0
    # the sign moments of a ~ unif{-1, 1}, computed: E a = 0, E a^2 = 1 (so the cross terms r != s vanish by
    # independence of a_r, a_s, w_r, w_s -- that step is argued, not computed)
    ea = sp.Rational(1, 2) * (1 + (-1))
    ea2 = sp.Rational(1, 2) * (1 ** 2 + (-1) ** 2)
    ok = ok and ea == 0 and ea2 == 1
    check_keys(inst, ("X",))
    X = [[Fraction(v) for v in row] for row in _inputs(inst)]
    norms = [sum(v * v for v in row) for row in X]
    statement = ("E f(W(0),a,x_i)^2 = |x_i|^2/2 (sympy), so E||y-u(0)||^2 = sum_i (y_i^2 + 1/2) for these inputs "
                 f"(|x_i|^2 = {[str(q) for q in norms]})")
    if not ok:
        return inconclusive(B6, inst, method="sympy", assumptions=B6_ASSUME, scope="instance",
                            statement=statement, message="sympy did not decide E relu(s z)^2 = s^2/2")
    bad = [i for i, q in enumerate(norms) if q != 1]
    if bad:
        i = bad[0]
        return hypothesis_fails(inconclusive, B6, inst, B6_ASSUME[0],
                                f"|x_{i}|^2 = {norms[i]}, so E f^2 = {Fraction(norms[i], 2)} (exact) instead of 1/2",
                                assumptions=B6_ASSUME, statement=statement)
    return proved(B6, inst, margin="0", precision="exact (sympy)", method="sympy integral of the ReLU second moment",
                  assumptions=B6_ASSUME, scope="instance", statement=statement,
                  message="computed: E relu(|x| z)^2 = |x|^2/2 = 1/2 for these unit inputs (sympy), E a = 0 and "
                          "E a^2 = 1; argued: the cross terms r != s vanish by independence, so E f^2 = 1/2 and "
                          "E ||y - u(0)||^2 = sum_i (y_i^2 + 1/2)")


# ----------------------------------------------------------------------------------------------------------- F1
F1 = "du2018-false-any-parallel-pair-singular"
F1_ASSUME = ("two inputs parallel: x_2 = c x_1 with c != 0 (c < 0 allowed)",)


@claim(F1, label="§9 F1", paper=PAPER, source="Theorem 3.1 (hypothesis); false variant", provenance="[D]",
       expected="fails",
       statement=r"x_j=c\,x_i\ (c\ne0)\Rightarrow\lambda_{\min}(H^\infty)=0",
       assumptions=F1_ASSUME, description="false: antiparallel inputs keep H^infty positive definite",
       instances=[{"name": "x and -x", "X": [["0.6", "0.8"], ["-0.6", "-0.8"]]}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"),
                                               "X": st.tuples(st.fractions(-2, 2, max_denominator=20),
                                                              st.fractions(-2, 2, max_denominator=20),
                                                              st.fractions(-3, 3, max_denominator=5))
                                               .filter(lambda t: (t[0] or t[1]) and t[2])
                                               .map(lambda t: [[str(t[0]), str(t[1])],
                                                               [str(t[2] * t[0]), str(t[2] * t[1])]])}))
def check_f1(inst, *, dps=30):
    """Refuted when the certified lower bound of lambda_0 is > 0 for a parallel pair."""
    from proofs.ntk import ntk_lambda_min

    check_keys(inst, ("X",))
    X = _inputs(inst)
    if len(X) != 2 or parallel_pair(X) != (0, 1):
        from proofs.errors import InvalidArgument
        raise InvalidArgument("F1 needs 'X' = two non-zero parallel inputs [x, c x] with c != 0")
    out = ntk_lambda_min(X, certify=True, dps=dps)
    statement = f"lambda_min(H^infty) = 0 for the parallel pair {X}"
    kw = dict(precision=out["precision"], method=out["method"], assumptions=F1_ASSUME, scope="instance",
              statement=statement)
    if out["positive_definite"] == "proved":
        return refuted(F1, inst, margin=out["certified_lower_bound"], witness={"X": X}, **kw,
                       message=f"certified lambda_0 >= {out['certified_lower_bound']} > 0 for {X} (antiparallel: "
                               "H^infty = diag(|x|^2/2, |x|^2/2))")
    if out["positive_definite"] == "refuted":
        return proved(F1, inst, margin="0", **kw, message=out["message"])
    return inconclusive(F1, inst, margin=out.get("margin"), **kw, message=out["message"])


# ----------------------------------------------------------------------------------------------------------- F2
F2 = "du2018-false-unit-norm-free"
F2_ASSUME = ("inputs non-zero, of any norm",)


@claim(F2, label="§9 F2", paper=PAPER, source="Theorem 3.2 (unit-norm hypothesis); false variant",
       provenance="[D]", expected="fails",
       statement=r"\lambda_{\min}(H^\infty(x_1,\dots,x_n))=\lambda_{\min}(H^\infty(x_1/|x_1|,\dots,x_n/|x_n|))",
       assumptions=F2_ASSUME, description="false: scaling an input changes lambda_0 (H_ii = |x_i|^2/2)",
       instances=[{"name": "n=4 d=3, x_0 scaled by 1e-3", "n": 4, "d": 3, "seed": 0, "scale": "0.001"}],
       strategy=lambda: st.fixed_dictionaries({"name": st.just("hypothesis"), "n": st.integers(2, 6),
                                               "d": st.integers(2, 4), "seed": st.integers(0, 10 ** 6),
                                               "scale": st.sampled_from(["0.001", "0.01", "0.1"])}))
def check_f2(inst, *, dps=30):
    """Refuted by the exact bound lambda_0 <= H_00 = |x_0|^2/2 below the certified lambda_0 of the unit inputs."""
    from proofs.ntk import ntk_lambda_min

    from proofs.claims.du_2018._hyp import unit_inputs as _unit_inputs
    from proofs.errors import InvalidArgument

    check_keys(inst, ("n", "d", "seed", "scale"))
    # exact unit inputs (|x_i|^2 = 1 exactly), so x_0 scaled by `scale` normalises back to exactly U
    U = _unit_inputs(as_int(inst, "n", 4, 1, 200), as_int(inst, "d", 3, 2, 50), as_int(inst, "seed", 0, 0, 2 ** 63))
    sc = as_fraction_key(inst, "scale", "0.001")
    if sc == 0 or abs(sc) == 1:
        raise InvalidArgument(f"got scale={inst.get('scale')!r}; valid is a number with scale != 0 (inputs are "
                              "non-zero) and |scale| != 1 (otherwise nothing is scaled)")
    Xs = [[str(Fraction(v) * sc) for v in U[0]]] + U[1:]
    upper = sum(Fraction(v) ** 2 for v in Xs[0]) / 2  # Rayleigh quotient at e_0: exact
    out = ntk_lambda_min(U, certify=True, dps=dps)
    statement = (f"lambda_0 of the inputs with x_0 scaled by {sc} equals lambda_0 of the unit-norm inputs "
                 f"(n={len(U)})")
    kw = dict(precision=out["precision"], assumptions=F2_ASSUME, scope="instance", statement=statement)
    lb = out.get("certified_lower_bound_exact")
    if lb is not None and Fraction(lb) > upper:
        return refuted(F2, inst, margin=str(Fraction(lb) - upper), method="exact Rayleigh bound vs ball Cholesky",
                       witness={"X_scaled": Xs, "X_unit": U}, **kw,
                       message=f"lambda_0(scaled) <= |x_0|^2/2 = {float(upper):.3g} (exact) < "
                               f"{out['certified_lower_bound']} <= lambda_0(unit) (certified)")
    return inconclusive(F2, inst, method="exact Rayleigh bound vs ball Cholesky", **kw,
                        message="the certified lower bound of the unit inputs does not exceed |x_0|^2/2: choose a "
                                "smaller scale")
