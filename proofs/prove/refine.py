"""Exact candidate maximisers of a violation (rational snapping, Newton, closed-form guesses) and the local
certificate that one is a maximiser (:func:`_local_max_box`): how ``prove`` settles a bound attained at a point."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs.symbolic.functions import to_elementary
from proofs.prove.budget import _sympy
from proofs.prove.interval import ext_eval, ext_eval_defined
from proofs.prove.points import _subs_point, _value_at
from proofs.prove.problem import _const_ball, _factored, _strip_abs
from proofs.prove.statement import _JUMPS, _concrete
from proofs.prove.zero import symbolic_zero


def _snap_candidates(prob, z_approx, known=()):
    """Exact candidate maximisers near a float point, cheapest first (a generator: the caller stops at the
    first one it can certify): rationals of small denominator and range ends; mirror images ``-c`` of the
    points ``known`` (already certified maximisers: even functions have mirrored ones); then (in one variable)
    closed-form guesses from small integer polynomials satisfied by ``z*``, ``exp(z*)`` or ``exp(2 z*)``, the
    exact critical points sympy's solveset finds nearby, and ``nsimplify`` guesses. Guesses are only guesses:
    the caller verifies every candidate exactly."""
    seen = []
    per_coord = []
    for r, z in zip(prob.ranges, z_approx):
        opts = []
        for den in (1, 2, 3, 4, 6, 8, 10, 12, 16, 100, 1000):
            q = Fraction(z).limit_denominator(den)
            s = sp.Rational(q.numerator, q.denominator)
            if abs(float(s) - z) < 1e-3 and s not in opts:
                opts.append(s)
        for end, closed in ((r.lo, r.lo_closed), (r.hi, r.hi_closed)):
            if end.is_finite and closed and abs(float(end) - z) < 1e-3 and end not in opts:
                opts.append(end)
        per_coord.append(opts[:3])
    import itertools

    for k, combo in enumerate(itertools.product(*per_coord)):
        if k > 24:
            break
        seen.append(list(combo))
        yield list(combo)
    for c in known:
        mirror = [-ci for ci in c]
        near = _sympy(lambda: all(abs(float(sp.N(m, 20)) - z) < 1e-3 * max(1.0, abs(z))
                                  for m, z in zip(mirror, z_approx)), 1.0, False)
        if near and mirror not in seen:
            seen.append(mirror)
            yield mirror
    root = _newton_root(prob, z_approx)
    if prob.n == 1 and root is not None:
        for g in _algebraic_guesses(root[0]):
            if [g] not in seen:
                seen.append([g])
                yield [g]
    if prob.n == 1:
        zs = prob.syms[0]
        zf = sp.Float(z_approx[0], 30)

        def sign_at(e):
            val = _sympy(lambda: sp.N(to_elementary(e.args[0]).subs(zs, zf), 30), 2.0)
            if val is None or not val.is_real:
                return e
            return e.args[0] if val > 0 else -e.args[0]

        vs = prob.v_ext.replace(lambda e: isinstance(e, sp.Abs), sign_at)
        dv = to_elementary(sp.diff(vs, zs))
        width = 1e-2 * max(1.0, abs(z_approx[0]))
        # rational ends of the search interval (its ends need not be simple: the interval only limits the search)
        lo = sp.Rational(Fraction(z_approx[0] - width).limit_denominator(10 ** 6))
        hi = sp.Rational(Fraction(z_approx[0] + width).limit_denominator(10 ** 6))
        crit = _sympy(lambda: sp.solveset(dv, zs, sp.Interval(lo, hi)), 5.0)
        if isinstance(crit, sp.FiniteSet):
            for c in crit:
                # sympy solved d(vs)/dz = 0 there: remembered so the concavity test need not re-prove it
                prob.critical[(c,)] = vs
                if [c] not in seen:
                    seen.append([c])
                    yield [c]
    for g in _polished_guesses(prob, root):
        if g not in seen:
            seen.append(g)
            yield g



def _newton_root(prob, z_approx, dps=40):
    """An interior critical point near ``z_approx`` to ``dps`` digits (Newton on the gradient of ``v`` with the
    signs of its absolute values fixed there), as decimal strings; None when Newton fails or wanders off.
    Only a numerical guess for the closed-form guessers below."""
    import mpmath

    from numerics.certified.precision import workdps

    from proofs.symbolic.codegen import compile_expr

    subs = dict(zip(prob.syms, [sp.Float(z, 30) for z in z_approx]))

    def sign_at(e):
        val = _sympy(lambda: sp.N(to_elementary(e.args[0]).subs(subs), 30), 2.0)
        if val is None or not val.is_real:
            return e
        return e.args[0] if val > 0 else -e.args[0]

    vs = prob.v_ext.replace(lambda e: isinstance(e, sp.Abs), sign_at)
    if vs.has(*_JUMPS):
        return None
    try:
        grad = compile_expr(prob.syms, [sp.diff(vs, s_) for s_ in prob.syms], "mpmath")
        with workdps(dps):
            if prob.n == 1:
                root = [mpmath.findroot(lambda x: grad(x)[0], mpmath.mpf(z_approx[0]))]
            else:
                root = list(mpmath.findroot(lambda *xs: grad(*xs), [mpmath.mpf(z) for z in z_approx]))
            if any(abs(r - z) > 1e-2 * (1 + abs(z)) for r, z in zip(root, z_approx)):
                return None
            return [mpmath.nstr(r, dps - 5) for r in root]
    except Exception:  # noqa: BLE001 - no convergence / not differentiable there: no guess
        return None



def _algebraic_guesses(txt, dps=35, max_degree=4):
    """Closed forms ``a``, ``log(a)`` or ``log(a)/2`` (``a`` a real root, in radicals, of an integer polynomial
    of degree <= 4 that mpmath's ``findpoly`` finds for ``z*``, ``exp(z*)`` or ``exp(2 z*)``) close to the
    decimal ``txt``. The critical points of activations built from exp (sigmoid, tanh) are of the log form.
    Only guesses (numerical integer relations): every one is verified exactly by the caller."""
    import mpmath

    from numerics.certified.precision import workdps

    x = sp.Dummy("x")
    out = []
    with workdps(dps):
        z = mpmath.mpf(txt)
        targets = [(z, lambda a: a), (mpmath.exp(z), sp.log), (mpmath.exp(2 * z), lambda a: sp.log(a) / 2)]
        for deg in sorted({2, max_degree}):
            for val, back in targets:
                try:
                    coeffs = mpmath.findpoly(val, deg, maxcoeff=1000)
                except Exception:  # noqa: BLE001 - no relation found: no guess
                    coeffs = None
                if not coeffs:
                    continue
                poly = sp.Poly([int(c) for c in coeffs], x)
                roots = _sympy(lambda: sp.roots(poly, filter="R"), 2.0, {}) or {}
                for r in roots:
                    # square roots only, and short: cube roots of the general cubic/quartic formulas make the
                    # exact check costly and are hardly ever the closed form wanted
                    if r.has(sp.I) or sp.count_ops(r) > 40 or any(
                            p.exp.is_Rational and p.exp.q > 2 for p in r.atoms(sp.Pow)):
                        continue
                    if not _sympy(lambda: abs(sp.N(r, dps) - val) < 10 ** (10 - dps), 1.0, False):
                        continue
                    g = back(r)
                    if g not in out:
                        out.append(g)
                if out:
                    return out
    return out



def _polished_guesses(prob, root, dps=40):
    """Closed-form guesses of an interior critical point: the Newton ``root`` (decimal strings, see
    ``_newton_root``) through ``nsimplify`` (radicals, pi, E). Only guesses: every one is verified exactly
    before it is used."""
    if root is None:
        return []
    guess = []
    for txt in root:
        g = _sympy(lambda: sp.nsimplify(sp.Float(txt, dps - 5), [sp.pi, sp.E], tolerance=10.0 ** (8 - dps)), 3.0)
        if g is None or (g.is_Rational and g.q > 10 ** 6) or g.has(sp.Float):
            return []
        guess.append(g)
    return [guess]



def _exact_value_zero(expr, syms, pt) -> bool:
    """sympy shows expr(pt) = 0 exactly (after a ball pre-check)."""
    e = _subs_point(_concrete(expr), dict(zip(syms, pt)))
    val = _value_at(expr, syms, pt, 128)  # None where the text is undefined (sympy's value may still be real)
    if val is None or 0 not in val:
        return False
    return symbolic_zero(e, 4.0) is True



def _local_max_box(prob, pt, bits):
    """A z box around pt (clamped to the ranges) on which v <= v(pt) is certified, or None.

    Interval (endpoint-exact) evaluation of the partial derivatives: v is non-decreasing in z_i below pt_i and
    non-increasing above it, for every i (then v(z) <= v(pt) by moving one coordinate at a time); or v is
    concave on the box (Gershgorin on the interval Hessian) and grad v(pt) = 0 exactly (sympy).
    """
    from flint import arb

    from numerics.certified.precision import arb_prec

    grad_zero = {}
    with arb_prec(bits):
        c = [_const_ball(z) for z in pt]
        for rad in (Fraction(1, 8), Fraction(1, 64), Fraction(1, 512), Fraction(1, 4096)):
            box = []
            for r, ci in zip(prob.ranges, c):
                lo = ci - arb(rad.numerator) / rad.denominator
                hi = ci + arb(rad.numerator) / rad.denominator
                if r.lo.is_finite:
                    lo = lo.max(_const_ball(r.lo))
                if r.hi.is_finite:
                    hi = hi.min(_const_ball(r.hi))
                box.append((lo.lower(), hi.upper()))
            # on the box, |a| with a of one sign is a or -a: differentiate that (no sign() jumps)
            vb = _strip_abs(prob.v_ext, dict(zip(prob.syms, box)))
            if vb.has(*_JUMPS):
                continue
            # the sign arguments below need v defined and continuous on the whole box: a factored derivative
            # can be finite across a pole of v
            if ext_eval_defined(prob.v_ext, dict(zip(prob.syms, box))) is None:
                continue
            grads = [_factored(sp.diff(vb, s)) for s in prob.syms]
            ok = True
            for i in range(prob.n):
                for side in (-1, 1):
                    sub = list(box)
                    sub[i] = (box[i][0], c[i].upper()) if side < 0 else (c[i].lower(), box[i][1])
                    if sub[i][0] >= sub[i][1]:
                        continue  # pt is at the end of the range on this side
                    glo, ghi = ext_eval(grads[i], dict(zip(prob.syms, sub)))
                    good = (not isinstance(glo, float) and glo >= 0) if side < 0 else \
                           (not isinstance(ghi, float) and ghi <= 0)
                    if not good:
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                return box
            gkey = tuple(grads)
            if prob.critical.get(tuple(pt)) == vb:
                grad_zero[gkey] = True
            if gkey not in grad_zero:
                gz = [g.subs(dict(zip(prob.syms, pt))) for g in grads]
                grad_zero[gkey] = all(symbolic_zero(g, 3.0) is True for g in gz)
            if not grad_zero[gkey]:
                continue
            hess = [[_factored(sp.diff(g, b)) for b in prob.syms] for g in grads]
            env = dict(zip(prob.syms, box))
            good = True
            for i in range(prob.n):
                lo, hi = ext_eval(hess[i][i], env)
                if isinstance(hi, float):
                    good = False
                    break
                row = hi
                for j in range(prob.n):
                    if j != i:
                        a, b = ext_eval(hess[i][j], env)
                        if isinstance(a, float) or isinstance(b, float):
                            good = False
                            break
                        row = (row + (abs(a)).max(abs(b))).upper()
                if not good or not row <= 0:
                    good = False
                    break
            if good:
                return box
    return None



def _rational_approximations(pt, digits=60):
    """Rationals ever closer to an exact point (limit_denominator of a 60-digit value, denominators 10 to
    1e25); only candidates for a simpler witness, each verified with balls by the caller."""
    if all(z.is_Rational for z in pt):
        return
    vals = []
    for z in pt:
        if z.is_Rational:
            vals.append(None)
            continue
        num = _sympy(lambda: sp.N(z, digits), 2.0)
        if num is None or not num.is_Float:
            return
        vals.append(Fraction(str(num)))
    last = None
    for k in (1, 2, 3, 4, 6, 8, 10, 12, 15, 20, 25):
        q = []
        for z, f in zip(pt, vals):
            fr = None if f is None else f.limit_denominator(10 ** k)
            q.append(z if fr is None else sp.Rational(fr.numerator, fr.denominator))
        if q != last:
            last = q
            yield q



def _near_ranges(ranges, z_approx) -> bool:
    """Whether a float point lies in the ranges up to 1e-3 (relative): where exact candidates may lie."""
    for r, z in zip(ranges, z_approx):
        slack = 1e-3 * max(1.0, abs(z))
        if (r.lo.is_finite and z < float(r.lo) - slack) or (r.hi.is_finite and z > float(r.hi) + slack):
            return False
    return True
