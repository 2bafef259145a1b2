r"""NTK Gram matrices and their positive definiteness (Du et al. 2018: two-layer ReLU; Du et al. 2019: deep fully
connected nets and ResNets), and the width / step-size requirements of their theorems.

* :func:`ntk_gram` — the limiting Gram :math:`K^{(H)}` (``arch`` two-layer | fc | resnet) for any activation of the
  toolkit (a built-in name, an expression in ``z``, an :class:`~proofs.symbolic.activations.Activation`).
* :func:`ntk_lambda_min` — :math:`\lambda_{\min}` to the requested digits (mpmath ``eigsy`` for ``n <= 60``; above,
  the digits the certified bracket supports), and with ``certify`` the certified bracket
  (:func:`numerics.certified.linalg.lambda_min_bracket`: Rayleigh quotient of a refined exact vector above,
  Temple's inequality with a certified lower bound of :math:`\lambda_2` below, or a Cholesky certificate of
  :math:`K-tI`), which must contain the mpmath value; and the verdict on positive definiteness:

  - ``refuted`` from an exact singularity witness: two identical inputs (equal rows, any architecture and
    activation); two positively parallel inputs with ReLU (positively homogeneous: proportional rows); or, for a
    polynomial activation of degree :math:`p`, the rank bound — :math:`K^{(H)}_{ij}=P(|x_i|^2,|x_j|^2,x_i\cdot x_j)`
    with :math:`P` a polynomial of degree :math:`\le D=p^H` in the entries of the input Gram (Gaussian moments of a
    polynomial are polynomials in the covariance), so :math:`\operatorname{rank}K\le\binom{d+D}{D}` for inputs of
    equal norm (:math:`P` of degree :math:`\le D` in :math:`x_i\cdot x_j`) and :math:`\le\binom{d+2D}{2D}` in
    general; :math:`n` above the bound makes :math:`K` singular (exact argument);
  - ``proved`` from a certified lower bound :math:`>0` of a rigorous enclosure of the matrix: ReLU and erf have
    closed-form kernels evaluated in balls (every depth, both architectures);
  - otherwise ``inconclusive`` with the margin. Activations without a closed form are integrated by quadrature,
    whose error is not enclosed: the certificate then covers the *computed* matrix only, and the verdict is
    ``inconclusive`` with ``numerical: true`` (float / mp evidence, never a proof).

* :func:`ntk_requirements` — the sufficient width and step of Theorems 3.2 and 4.1 of Du et al. 2018 (explicit
  constants re-derived from the lemma proofs: Hoeffding plus a union bound, Markov for the pattern flips with
  :math:`c=\sqrt{2\pi}/16`, Markov for the initial residual; provenance [D]) and of Theorems 5.1 and 6.1 of Du et
  al. 2019 (the paper hides the constants: order-of-magnitude only, labelled as such; provenance [V] for the
  structure, [R] for the exponents).
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from proofs.errors import InvalidArgument

__all__ = ["ntk_lambda_min", "ntk_gram", "ntk_activation", "ntk_requirements", "singularity_witness",
           "floor_decimal", "ARCHS"]

ARCHS = ("two-layer", "fc", "resnet")
MP_EIG_MAX_N = 60  # mpmath eigsy is O(n^3) in Python: above this, the digits come from the certified bracket
RETRY_MAX_N = 300  # a failed certificate is retried at 2x and 4x the bits up to this size


def ntk_activation(spec):
    """An :class:`numerics.ntk.kernels.NTKActivation` for a built-in name, an expression in ``z`` or an
    Activation of the toolkit (float evaluators from :meth:`Activation.evaluators`, mpmath ones generated from the
    sympy source by :func:`proofs.symbolic.codegen.compile_expr`)."""
    from numerics.ntk.kernels import BUILTIN_NAMES, NTKActivation, resolve_activation

    if isinstance(spec, NTKActivation):
        return spec
    if isinstance(spec, str) and spec.strip() in BUILTIN_NAMES:
        return resolve_activation(spec.strip())  # no sympy needed
    import sympy as sp

    from proofs.symbolic.activations import Z, get_activation
    from proofs.symbolic.codegen import compile_expr

    act = get_activation(spec)
    f, df = act.evaluators(np)
    e0, e1 = act._dyn_exprs()
    f_mp, df_mp = compile_expr([Z], e0, "mpmath"), compile_expr([Z], e1, "mpmath")
    deg = None
    if act.expr.is_polynomial(Z):
        deg = sp.Poly(act.expr, Z).degree()
        if not deg >= 1:  # 0 (a constant) or -oo (the zero polynomial)
            raise InvalidArgument(f"got activation {act.expr}: a constant sigma has sigma' = 0 (the NTK Gram is 0) "
                                  "and c_sigma = 1/E sigma^2 is undefined for sigma = 0; valid is a non-constant "
                                  "activation")
        deg = int(deg)
    from proofs.symbolic.activations import _NONSMOOTH

    smooth = not any(act.expr.has(t) for t in _NONSMOOTH)
    return NTKActivation(act.name, f, df, f_mp, df_mp, closed=None, smooth=smooth, poly_degree=deg)


def _check_arch(arch, depth):
    if arch not in ARCHS:
        raise InvalidArgument(f"got --arch {arch!r}; valid are {', '.join(ARCHS)}")
    if depth is None:
        depth = 1 if arch != "resnet" else 2
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise InvalidArgument(f"got depth {depth!r}; valid is a positive integer")
    if arch == "two-layer" and depth != 1:
        raise InvalidArgument(f"got --depth {depth} with --arch two-layer; valid is depth 1 (or use --arch fc)")
    lo = 2 if arch == "resnet" else 1
    if not lo <= depth <= 1000:
        raise InvalidArgument(f"got --depth {depth} for --arch {arch}; valid is an integer in [{lo}, 1000]")
    return depth


def ntk_gram(X, *, arch: str = "two-layer", depth=None, activation="relu", c_res: float = 0.5,
             method: str = "gh", dps: int = 30, nodes: int = 80):
    """K^(H) by :func:`numerics.ntk.recursions.gram` (activation resolved by :func:`ntk_activation`)."""
    from numerics.ntk.recursions import gram

    depth = _check_arch(arch, depth)
    return gram(X, arch=arch, depth=depth, activation=ntk_activation(activation), c_res=c_res, method=method,
                dps=dps, nodes=nodes)


def _fractions(X):
    from numerics.certified.bnb import as_fraction

    try:
        Q = [[as_fraction(v) for v in row] for row in X]
    except (TypeError, ValueError, ZeroDivisionError) as e:
        raise InvalidArgument(f"an input entry is not a finite number ({e}); valid are numbers or decimal strings")
    if not Q or len({len(q) for q in Q}) != 1 or not Q[0]:
        raise InvalidArgument("got ragged or empty inputs; valid is an n x d array with n >= 1, d >= 1")
    for i, q in enumerate(Q):
        if all(v == 0 for v in q):
            raise InvalidArgument(f"input x_{i} is the zero vector; valid inputs are non-zero (the angle to x_i is "
                                  "undefined)")
    return Q


def _direction_key(q):
    lead = next(v for v in q if v != 0)
    return tuple(v / abs(lead) for v in q)


def singularity_witness(X, *, arch: str = "two-layer", depth=None, activation="relu"):
    """An exact certificate that K^(H) is singular, or None (see the module docstring for the three kinds)."""
    act = ntk_activation(activation)
    depth = _check_arch(arch, depth)
    Q = _fractions(X)
    seen = {}
    for i, q in enumerate(Q):
        key = tuple(q)
        if key in seen:
            return {"kind": "identical-inputs", "inputs": [seen[key], i], "parallel_inputs": [seen[key], i],
                    "reason": f"inputs {seen[key]} and {i} are identical: two equal rows of the Gram (exact)"}
        seen[key] = i
    if act.closed == "relu":
        seen = {}
        for i, q in enumerate(Q):
            key = _direction_key(q)
            if key in seen:
                return {"kind": "parallel-inputs", "inputs": [seen[key], i], "parallel_inputs": [seen[key], i],
                        "reason": f"inputs {seen[key]} and {i} are positively parallel and ReLU is positively "
                                  "homogeneous: two proportional rows of the Gram (exact)"}
            seen[key] = i
    if act.poly_degree is not None:
        n, d = len(Q), len(Q[0])
        D = act.poly_degree ** depth
        norms = {sum(v * v for v in q) for q in Q}
        bound = math.comb(d + D, D) if len(norms) == 1 else math.comb(d + 2 * D, 2 * D)
        if n > bound:
            return {"kind": "rank-bound", "rank_bound": bound, "n": n, "degree": D,
                    "reason": f"sigma is a polynomial of degree {act.poly_degree}: each Gram entry is a polynomial "
                              f"of degree <= {D} in the input Gram entries, so rank <= {bound} < n = {n} "
                              + ("(equal norms: monomials of degree <= D in d variables)" if len(norms) == 1 else
                                 "(monomials of degree <= 2D in d variables)") + " (exact)"}
    return None


def _lambda_error_bound(Kb, M, lam, V, k, dps):
    """||rad(Kb)||_F (Weyl) + the residual of the eigsy pair (lam, V[:, k]) of the midpoint matrix M, plus the
    rounding of the midpoints to ``dps + 10`` digits, as an mpmath number (rounded up generously)."""
    import mpmath

    n = M.rows
    with mpmath.workdps(dps + 10):
        rad2 = mpmath.mpf(0)
        mx = mpmath.mpf(0)
        for i in range(n):
            for j in range(n):
                r = mpmath.mpf(Kb[i, j].rad().str(5, radius=False)) if Kb is not None else 0
                rad2 += r * r
                mx = max(mx, abs(M[i, j]))
        v = [V[i, k] for i in range(n)]
        res = mpmath.sqrt(sum((sum(M[i, j] * v[j] for j in range(n)) - lam * v[i]) ** 2 for i in range(n)))
        nv = mpmath.sqrt(sum(t * t for t in v))
        eps = n * mx * mpmath.mpf(10) ** (-(dps + 8))  # midpoints and arithmetic at dps + 10 digits
        return 2 * (mpmath.sqrt(rad2) + res / nv + eps)


def _supported_digits(lam, err, dps):
    """Significant digits of ``lam`` that an absolute error ``err`` supports (0 when err >= |lam|), at most dps."""
    import mpmath

    if lam == 0 or err >= abs(lam):
        return 0
    if err == 0:
        return dps
    return int(max(0, min(dps, mpmath.floor(mpmath.log10(abs(lam) / err)) - 1)))


def _mp_from_ball(Kb, dps):
    import mpmath

    n = Kb.nrows()
    with mpmath.workdps(dps):
        M = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                m, e = Kb[i, j].mid().man_exp()
                M[i, j] = mpmath.ldexp(mpmath.mpf(int(m)), int(e))
    return M


def _ball_from_mp(M):
    """Exact point balls at the entries of an mpmath matrix (the *computed* matrix, no error enclosed)."""
    from flint import arb, arb_mat

    n = M.rows
    B = arb_mat(n, n)
    for i in range(n):
        for j in range(n):
            m, e = M[i, j].man_exp
            B[i, j] = arb(int(m)) * arb(2) ** int(e) if m else arb(0)
    return B


def _digits_from_bracket(out, br, dps):
    """``lambda_min`` (the bracket's midpoint, with the digits its width supports), its error bound (rounded up)
    and, when no digit is supported, the bracket itself (rounded outward), from a certified bracket."""
    import mpmath

    from numerics.certified.precision import outward_decimal

    out.pop("lambda_min_bracket", None)
    if br.lower is None or br.upper is None:
        out.update(lambda_min=None, lambda_min_digits=0, lambda_min_error_bound=None)
        out["lambda_min_bracket"] = ["-inf" if br.lower is None else outward_decimal(br.lower, False, 6),
                                     "inf" if br.upper is None else outward_decimal(br.upper, True, 6)]
        return
    with mpmath.workdps(dps + 10):
        lo = mpmath.mpf(br.lower.numerator) / br.lower.denominator
        hi = mpmath.mpf(br.upper.numerator) / br.upper.denominator
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        digits = _supported_digits(mid, 2 * half, dps)
        out["lambda_min_digits"] = digits
        out["lambda_min_error_bound"] = outward_decimal(half, True, 3)
        out["lambda_min"] = mpmath.nstr(mid, digits) if digits >= 1 else None
    if digits < 1:
        out["lambda_min_bracket"] = [outward_decimal(br.lower, False, 6), outward_decimal(br.upper, True, 6)]


def _closed_ball(Q, arch, depth, act, c_res):
    """The enclosure of K^(H) at the current flint precision (closed-form activations)."""
    if arch == "two-layer" and act.closed == "relu":
        from numerics.certified.linalg import relu_gram_ball

        return relu_gram_ball(Q)  # exact integer Gram and radicands: the fast path for large n
    return ntk_gram(Q, arch=arch, depth=depth, activation=act, c_res=c_res, method="ball")


def ntk_lambda_min(X, *, arch: str = "two-layer", depth=None, activation="relu", c_res: float = 0.5,
                   certify: bool = False, dps: int = 30, nodes: int = 80, quadrature: str = "gh") -> dict:
    """lambda_min of K^(H) with the verdict on positive definiteness (module docstring). Keys: ``lambda_min``
    (a decimal string, ``lambda_min_digits`` significant digits), ``positive_definite``, ``certified_lower_bound``,
    ``certified_upper_bound``, ``scope`` ("instance"), ``statement``, ``numerical``, ``entries`` (how the matrix
    was computed), ``precision``, ``method``, ``witness``, ``message``, ``n``, ``seconds``.

    ``quadrature`` ("gh" float64 | "mp" at ``dps``) only matters for activations without a closed form; "mp" costs
    about ``n^2 depth nodes^2 / 2`` mpmath evaluations (n = 20, depth 3, 60 nodes: ~40 s on a loaded machine)."""
    import time

    import mpmath

    if quadrature not in ("gh", "mp"):
        raise InvalidArgument(f"got quadrature {quadrature!r}; valid are gh, mp")
    from numerics.certified.bnb import point_ball
    from numerics.certified.linalg import (all_finite, eigh_float, lambda_min_bracket, lambda_min_upper,
                                          midpoint_matrix)
    from numerics.certified.precision import arb_prec, dps_to_bits, outward_decimal

    t0 = time.perf_counter()
    if isinstance(dps, bool) or not isinstance(dps, int) or not 10 <= dps <= 2000:
        raise InvalidArgument(f"got dps {dps!r}; valid is an integer in [10, 2000]")
    act = ntk_activation(activation)
    depth = _check_arch(arch, depth)
    Q = _fractions(X)
    n = len(Q)
    what = {"two-layer": "H^infty (two-layer)", "fc": f"K^({depth}) (fully connected, depth {depth})",
            "resnet": f"K^({depth}) (ResNet, depth {depth}, c_res={c_res})"}[arch]
    statement = f"lambda_min({what}, activation {act.name}) > 0 for these n={n} inputs"
    out = {"lambda_min": None, "lambda_min_digits": None, "positive_definite": "inconclusive",
           "certified_lower_bound": None, "certified_upper_bound": None, "scope": "instance",
           "statement": statement, "numerical": False, "n": n, "arch": arch, "depth": depth,
           "activation": act.name, "witness": None, "message": ""}
    wit = singularity_witness(Q, arch=arch, depth=depth, activation=act)
    closed = act.closed is not None
    bits = max(128, dps_to_bits(dps + 4))  # 128 bits (two limbs) at the default 30 digits: the fast case
    Kb = M = None
    small = n <= MP_EIG_MAX_N
    Xf = [[float(v) for v in q] for q in Q]
    with arb_prec(bits):
        if closed:
            Kb = _closed_ball(Q, arch, depth, act, c_res)
            out["entries"] = f"closed form in arb balls ({bits} bits): a rigorous enclosure of the exact matrix"
            if not all_finite(Kb):
                out.update(precision=f"arb {bits} bits", margin=None,
                           message=f"the ball enclosure of the Gram is not finite at {bits} bits (the radii grow "
                                   "along the layer recursion): raise --dps")
                out["seconds"] = round(time.perf_counter() - t0, 3)
                return out
            if small:
                M = _mp_from_ball(Kb, dps + 10)
                Kf = np.array(M.tolist(), dtype=float)
            else:  # the float Gram steers the refinement and the shifts (rigour is in the balls); if its spectrum
                # misleads (near-parallel inputs lose ~sqrt(eps) in float), the ball midpoints take over below
                Kf = ntk_gram(Xf, arch=arch, depth=depth, activation=act, c_res=c_res, method="gh")
                if not np.all(np.isfinite(Kf)):
                    Kf = midpoint_matrix(Kb)
        elif quadrature == "mp":
            from numerics.ntk.recursions import gram

            info = []
            M = gram(Q, arch=arch, depth=depth, activation=act, c_res=c_res, method="mp", dps=dps, nodes=nodes,
                     info=info)
            Kf = np.array(M.tolist(), dtype=float)
            out["entries"] = (f"mpmath at {dps} digits, layer by layer: {'; '.join(info)}: an estimate, the "
                              "quadrature error is not enclosed")
            out["layers"] = info
        else:
            Kf = ntk_gram(Xf, arch=arch, depth=depth, activation=act, c_res=c_res, method="gh", nodes=nodes)
            M = mpmath.matrix(Kf.tolist()) if small else None
            out["entries"] = (f"float64 Gauss-Hermite quadrature ({nodes} nodes): an estimate, the quadrature error "
                              "is not enclosed")
        if not np.all(np.isfinite(Kf)):
            out.update(precision="float64", margin=None,
                       message="the computed Gram has entries beyond the float range: rescale the inputs")
            out["seconds"] = round(time.perf_counter() - t0, 3)
            return out
        w, V = eigh_float(Kf)
        est, vec = float(w[0]), [float(t) for t in V[:, 0]]
        lam = br = None  # lam: the independent mpmath eigenvalue (n <= MP_EIG_MAX_N); br: the certified bracket
        if M is not None and small:
            with mpmath.workdps(dps + 10):
                E, Q_ = mpmath.eigsy(M)
                k = min(range(n), key=lambda i: E[i])
                lam = E[k]
            if closed:
                # digits supported by an error bound: Weyl |lambda_min(A) - lambda_min(mid)| <= ||A - mid||_2 <=
                # ||rad||_F for every member A of the ball matrix, plus the eigsy residual ||M v - lam v|| / ||v||
                # (an eigenvalue of mid lies that close; eigsy computes them all, so it is the smallest)
                err = _lambda_error_bound(Kb, M, lam, Q_, k, dps)
                out["lambda_min_error_bound"] = outward_decimal(err, True, 3)
                digits = _supported_digits(lam, err, dps)
                out["lambda_min_digits"] = digits
                if digits >= 1:
                    out["lambda_min"] = mpmath.nstr(lam, digits)
                else:
                    out["lambda_min"] = None
                    with mpmath.workdps(dps + 10):
                        out["lambda_min_bracket"] = [outward_decimal(lam - err, False, 6),
                                                     outward_decimal(lam + err, True, 6)]
            else:
                out["lambda_min"] = mpmath.nstr(lam, dps)
                out["lambda_min_digits"] = None  # quadrature entries: digits not known
            out["precision"] = f"mpmath eigsy at {dps + 10} digits"
        elif Kb is not None:
            # n > MP_EIG_MAX_N: the digits come from the certified bracket (refined Rayleigh quotient above,
            # Temple or a Cholesky residual below), never from the float ordering of the spectrum
            br = lambda_min_bracket(Kb, steer=Kf, eig=(w, V))
            if br.method != "temple":  # steer again with the ball midpoints (accurate entries, 0.3 s at n = 1000)
                Kf = midpoint_matrix(Kb)
                w, V = eigh_float(Kf)
                est, vec = float(w[0]), [float(t) for t in V[:, 0]]
                br2 = lambda_min_bracket(Kb, steer=Kf, eig=(w, V))
                if br2.lower is not None and (br.lower is None or br2.upper - br2.lower < br.upper - br.lower):
                    br = br2
            _digits_from_bracket(out, br, dps)
            out["precision"] = (f"certified bracket in arb {bits} bits ({br.method}; n={n} > {MP_EIG_MAX_N}: no "
                                "mpmath eigsy)")
        else:
            # computed float matrix (quadrature entries): eigvalsh backward error ~ n eps ||K|| (taken 16x); the
            # entries themselves are estimates, so no digits are claimed
            err_f = 16 * n * 2.0 ** -52 * float(np.max(np.abs(Kf)))
            out["lambda_min"] = repr(est)
            out["lambda_min_digits"] = None
            out["lambda_min_error_bound"] = outward_decimal(err_f, True, 3)
            out["precision"] = f"float64 eigvalsh (n={n} > {MP_EIG_MAX_N}: mpmath eigsy skipped)"
        out["method"] = "estimate"
        if wit is not None:
            # the Gram is a covariance (positive semidefinite) and the witness makes it singular: lambda_min = 0
            out.update(positive_definite="refuted", witness=wit, message=wit["reason"], margin="0", lambda_min="0",
                       lambda_min_digits=None, lambda_min_exact=True,
                       lambda_min_note="exactly 0: the Gram is positive semidefinite and the witness makes it "
                                       "singular")
            out.pop("lambda_min_bracket", None)
            out.pop("lambda_min_error_bound", None)
        if certify:
            def enclosure():
                if Kb is not None:
                    return Kb
                if M is not None:
                    return _ball_from_mp(M)
                from flint import arb_mat

                return arb_mat(Kf.tolist())  # the computed float matrix, read exactly

            if br is None:
                br = lambda_min_bracket(enclosure(), steer=Kf, eig=(w, V))
            used = bits
            # ill-conditioned K (no certified gap, tiny lambda): retry at 2x and 4x the bits (sizes where a retry is
            # cheap) before reporting no certificate
            while (br.lower is None or not br.lower > 0) and est > 0 and n <= RETRY_MAX_N and used < 4 * bits:
                used *= 2
                with arb_prec(used):
                    if closed:
                        Kb = _closed_ball(Q, arch, depth, act, c_res)
                    br = lambda_min_bracket(enclosure(), steer=Kf, eig=(w, V))
                if closed and lam is None and wit is None:
                    _digits_from_bracket(out, br, dps)
            if br.upper is not None:
                out["certified_upper_bound"] = outward_decimal(point_ball(br.upper), True, 20)
            out["method"] = {"temple": "Temple bracket: Rayleigh quotient of a refined exact vector (upper), Temple's "
                                       "inequality with a certified lower bound of lambda_2 (lower)",
                             "residual": "Rayleigh quotient (upper); Cholesky residual of K - tI in balls (lower)",
                             "ball-cholesky": "Rayleigh quotient (upper); ball Cholesky of K - tI (lower)",
                             "exact": "the 1 x 1 ball itself",
                             "none": "Rayleigh quotient (upper); no lower bound certified"}[br.method]
            out["precision"] += f"; certificate in arb {used} bits"
            if br.lambda2_lower is not None:
                out["certified_lambda2_lower_bound"] = outward_decimal(point_ball(br.lambda2_lower), False, 20)
            if br.lower is not None:
                out["certified_lower_bound"] = outward_decimal(point_ball(br.lower), False, 20)
                out["certified_lower_bound_exact"] = f"{br.lower.numerator}/{br.lower.denominator}"
            # cross-check: the certified bounds must bracket the mpmath value
            if lam is not None and br.lower is not None and br.upper is not None:
                with mpmath.workdps(dps + 10):
                    lo = mpmath.mpf(br.lower.numerator) / br.lower.denominator
                    hi = mpmath.mpf(br.upper.numerator) / br.upper.denominator
                    tol = abs(lam) * mpmath.mpf(10) ** (-dps) + mpmath.mpf(10) ** (-dps - 5)
                    ok = lo <= lam + tol and lam - tol <= hi
                out["cross_check"] = "certified bounds bracket the mpmath value" if ok else \
                    "FAILED: the certified bounds do not bracket the mpmath value"
                if not ok:
                    raise RuntimeError(f"internal error: certified bounds [{lo}, {hi}] do not bracket the mpmath "
                                       f"eigenvalue {lam}; please report")
            if wit is None:
                if br.lower is not None and br.lower > 0:
                    if closed:
                        out.update(positive_definite="proved", margin=out["certified_lower_bound"],
                                   message=f"certified: lambda_min >= {out['certified_lower_bound']} > 0 "
                                           f"({br.method} certificate of the enclosed matrix)")
                    else:
                        out.update(numerical=True, margin=out["certified_lower_bound"],
                                   message=f"the computed matrix has certified lambda_min >= "
                                           f"{out['certified_lower_bound']} > 0, but its entries come from "
                                           "quadrature whose error is not enclosed: numerical evidence, not a "
                                           "proof (no closed form for this activation)")
                elif br.upper is not None and br.upper < 0 and closed and lambda_min_upper(enclosure(), vec) < 0:
                    # the witness printed is the float eigenvector, read exactly: its own Rayleigh quotient is
                    # certified negative (checked just now), so the witness replays without the refinement
                    out.update(positive_definite="refuted", margin=out["certified_upper_bound"],
                               witness={"kind": "negative-rayleigh-quotient", "vector": vec},
                               message="certified Rayleigh quotient < 0 at an exact vector")
                else:
                    out.update(margin=out["lambda_min"] or repr(est), numerical=not closed,
                               message="no certified positive lower bound (no certified gap for Temple, and the "
                                       "Cholesky tests of K - tI failed for every shift tried): raise --dps (ball "
                                       "radii), or the Gram is (nearly) singular")
        elif wit is None:
            out.update(numerical=not closed, margin=out["lambda_min"] or repr(est),
                       message="estimate only: add --certify for a certificate")
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


# ------------------------------------------------------------------------------------------------- calculators
def check_requirement_hypotheses(X, out) -> None:
    """InvalidArgument (one line) unless the theorems behind :func:`ntk_requirements` apply to this instance:
    ``out`` (from :func:`ntk_lambda_min` with ``certify=True``) must have ``positive_definite == "proved"`` (a
    certified lower bound of the exact Gram, not of a quadrature matrix); every input must have |x_i|^2 = 1
    exactly (Du et al. 2018 Theorem 3.2 / Lemma 3.1: Hoeffding on [-1, 1] and E||y - u(0)||^2 = sum(y_i^2 + 1/2);
    Du et al. 2019 assume unit inputs too); two-layer needs sigma = ReLU (the widths are those of the ReLU proof);
    fc / resnet need a smooth analytic activation (Du et al. 2019, Conditions 3.1 / 3.2; among the closed forms:
    erf)."""
    if out.get("positive_definite") != "proved":
        raise InvalidArgument("--requirements needs a certified positive lower bound of lambda_min of the exact Gram; "
                              f"got {out.get('positive_definite')} ({out.get('message', '')})")
    for i, q in enumerate(_fractions(X)):
        nsq = sum(v * v for v in q)
        if nsq != 1:
            raise InvalidArgument(f"--requirements: the theorems assume unit inputs, but |x_{i}|^2 = {nsq} != 1 "
                                  "(exact); normalise the data first")
    act, arch = out.get("activation"), out.get("arch")
    if arch == "two-layer" and act != "relu":
        raise InvalidArgument(f"--requirements for --arch two-layer: the Du et al. 2018 widths are derived for "
                              f"ReLU, got activation {act}")
    if arch in ("fc", "resnet") and act == "relu":
        raise InvalidArgument(f"--requirements for --arch {arch}: Du et al. 2019 assume a smooth (Lipschitz, "
                              "smooth, analytic) activation; ReLU is not; use e.g. --activation erf")


def ntk_requirements(*, n: int, lambda0, delta: float = 0.1, arch: str = "two-layer", depth=None,
                     y_sq_sum=None, y_bound: float = 1.0, c_res: float = 0.5) -> dict:
    r"""Width and step requirements of the convergence theorems for a given least eigenvalue ``lambda0`` (pass a
    *certified lower bound*: every formula is decreasing in lambda0, so the result stays sufficient).

    two-layer (Du et al. 2018), failure probability delta split into three equal parts (Lemma 3.1, Lemma 3.2,
    Markov on the initial residual), :math:`S=\sum_i(y_i^2+\tfrac12)` (``y_sq_sum`` is :math:`\sum y_i^2`, default
    :math:`n C^2` from ``y_bound``):

    * Lemma 3.1: :math:`m\ge32n^2\log(2n^2/\delta_1)/\lambda_0^2` [D];
    * Lemma 3.2: radius :math:`R=\sqrt{2\pi}\,\delta_2\lambda_0/(16n^2)` [D];
    * residual: :math:`\|y-u(0)\|^2\le S/\delta_3` [D] (Markov);
    * Theorem 3.2 (flow): :math:`R'=2\sqrt n\|y-u(0)\|/(\sqrt m\lambda_0)<R` iff
      :math:`m>4nS/(\delta_3\lambda_0^2R^2)` [D]; Theorem 4.1 (GD): factor 4 in :math:`R'`, so 16 instead of 4 [D]/[S];
    * step of Theorem 4.1: :math:`\eta=O(\lambda_0/n^2)`, constant hidden: order of magnitude only [V].

    fc / resnet (Du et al. 2019): the polynomial terms of Theorems 5.1 / 6.1 with constants 1 (order of
    magnitude only; the FC bound carries an unknown :math:`2^{O(H)}` factor) [V] structure, [R] exponents.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgument(f"got n={n!r}; valid is a positive integer")
    try:
        lam = Fraction(str(lambda0)) if not isinstance(lambda0, Fraction) else lambda0
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(f"got lambda0={lambda0!r}; valid is a positive number")
    if not lam > 0:
        raise InvalidArgument(f"got lambda0={lambda0!r}; valid is a positive number (a certified lower bound of "
                              "lambda_min; the theorems need a positive-definite Gram)")
    if not (isinstance(delta, (int, float)) and 0 < delta < 1):
        raise InvalidArgument(f"got delta={delta!r}; valid is a probability in (0, 1)")
    depth = _check_arch(arch, depth)
    L = float(lam)
    out = {"arch": arch, "n": n, "depth": depth, "lambda0": str(lambda0), "delta": delta, "terms": []}
    if arch == "two-layer":
        d1 = d2 = d3 = delta / 3
        ysq = float(y_sq_sum) if y_sq_sum is not None else n * y_bound ** 2
        S = ysq + n / 2
        m31 = 32 * n ** 2 * math.log(2 * n ** 2 / d1) / L ** 2
        R = math.sqrt(2 * math.pi) * d2 * L / (16 * n ** 2)
        res = S / d3
        m_flow = 4 * n * res / (L ** 2 * R ** 2)
        m_gd = 16 * n * res / (L ** 2 * R ** 2)
        out["terms"] = [
            {"name": "Lemma 3.1 (initial Gram within lambda0/4)", "m": m31, "provenance": "[D]", "kind": "explicit"},
            {"name": "Lemma 3.2 stability radius R", "value": R, "provenance": "[D]", "kind": "explicit"},
            {"name": "initial residual bound ||y-u(0)||^2 <= S/delta_3", "value": res, "provenance": "[D]",
             "kind": "explicit"},
            {"name": "Theorem 3.2 (gradient flow): R' < R", "m": m_flow, "provenance": "[D]", "kind": "explicit"},
            {"name": "Theorem 4.1 (gradient descent): R' < R only", "m": m_gd, "provenance": "[D]/[S]",
             "kind": "necessary part (R' < R) only: Lemma 4.1's constant and the step constant are hidden in the "
                     "paper, so this is not a sufficient width for GD"},
            {"name": "Theorem 4.1 step eta = O(lambda0/n^2)", "eta": L / n ** 2, "provenance": "[V]",
             "kind": "order of magnitude (constant hidden in the paper)"},
        ]
        out["m_flow"], out["m_gd"] = max(m31, m_flow), max(m31, m_gd)
        out["m_gd_note"] = "necessary part (R' < R) only; not a sufficient width for gradient descent"
        out["eta_order"] = L / n ** 2
        out["note"] = ("delta split in three (Lemma 3.1, Lemma 3.2, Markov on the residual); the rate bounds are "
                       "exp(-lambda0 t) (flow) and (1 - eta lambda0/2)^k (GD)")
    elif arch == "fc":
        t = [("Gram stability during training: n^4/lambda^4", n ** 4 / L ** 4),
             ("output normalisation at initialisation: n/delta", n / delta),
             ("Gram perturbation at initialisation: n^2 log(Hn/delta)/lambda^2",
              n ** 2 * math.log(depth * n / delta) / L ** 2)]
        out["terms"] = [{"name": a, "m": v, "provenance": "[V] structure, [R] exponents",
                         "kind": "order of magnitude, times an unknown 2^O(H) factor"} for a, v in t]
        out["m_order"] = max(v for _, v in t)
        out["eta_order"] = L / n ** 2
        out["note"] = ("Theorem 5.1: m = Omega(2^O(H) max(...)), eta = O(lambda/(n^2 2^O(H))): the 2^O(H) constant "
                       "is not given by the paper, so these are orders of magnitude at H-dependence 1")
    else:
        t = [("training stability: n^4/(lambda^4 H^6)", n ** 4 / (L ** 4 * depth ** 6)),
             ("training stability: n^2/(lambda^2 H^2)", n ** 2 / (L ** 2 * depth ** 2)),
             ("output normalisation: n/delta", n / delta),
             ("initial perturbation: n^2 log(Hn/delta)/lambda^2", n ** 2 * math.log(depth * n / delta) / L ** 2)]
        out["terms"] = [{"name": a, "m": v, "provenance": "[V] structure, [R] exponents",
                         "kind": "order of magnitude (constants hidden)"} for a, v in t]
        out["m_order"] = max(v for _, v in t)
        out["eta_order"] = L * depth ** 2 / n ** 2
        out["note"] = "Theorem 6.1: m = Omega(max(...)), eta = O(lambda H^2 / n^2); constants hidden in the paper"
    return out


def floor_decimal(q, digits: int) -> str:
    """A decimal string <= q (rounded toward -infinity) with ``digits`` significant digits (kept for callers;
    it is :func:`numerics.certified.precision.outward_decimal` with ``up=False``)."""
    from numerics.certified.precision import outward_decimal

    return outward_decimal(q, False, digits)
