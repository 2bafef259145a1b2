"""Identities ``==``: sympy's reduction to 0, the derivative route (every partial derivative 0, one exact zero, a
connected domain), else exact sample points refuting with balls or a numerical ``inconclusive``."""
from __future__ import annotations

import time

import sympy as sp

from proofs.prove.latex import _enclosure_str, domain_text, _latex_line
from proofs.prove.points import (_arb_point, _constraints_hold_exact, _defined_at, _points, _subs_point,
                                 _undefined_node_at, _value_at, _witness_dict)
from proofs.prove.problem import _definedness
from proofs.prove.statement import _JUMPS, _concrete
from proofs.prove.zero import symbolic_zero
from proofs.result import CheckResult, Verdict


def _undefined_result(text, pt, ranges, assumptions, dom, latex, t0, scope_note=""):
    if not ranges:
        return CheckResult(
            claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision="exact (sympy)",
            method="definedness check", assumptions=assumptions, instance="", scope="universal",
            statement=latex, witness={"undefined_at": {}},
            message=f"the statement has no real value{scope_note}: a constant in it is undefined over the reals",
            stats={"seconds": time.perf_counter() - t0, "latex": latex})
    where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, pt))
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision="exact (sympy)",
        method="definedness check", assumptions=assumptions, instance=dom, scope="universal",
        statement=latex, witness={"undefined_at": _witness_dict(ranges, pt)},
        message=(f"the statement is undefined at {where}, which the domain contains{scope_note}; exclude it "
                 "with an open end or --assume"),
        stats={"seconds": time.perf_counter() - t0, "latex": latex})



#: ball precisions (multiples of the working precision) tried at the worst sample point of an identity
#: that neither sympy nor the samples decided, before it is reported inconclusive
IDENTITY_ESCALATION = (4, 8, 16, 32)



def _prove_identity(text, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions, partial=()):
    import mpmath

    from numerics.certified.precision import dps_to_bits, workdps

    from proofs.symbolic.codegen import compile_expr

    syms = [r.symbol for r in ranges]
    d = lhs - rhs
    dom = domain_text(ranges, constraints)
    latex = _latex_line(lhs, "==", rhs, ranges, text, constraints)
    bits = dps_to_bits(dps)
    defined = None  # definedness of both sides on the whole domain, certified once, when a route needs it

    def both_defined():
        nonlocal defined
        if defined is None:
            defined = _definedness([lhs, rhs], ranges, constraints, bits)
        return defined

    if symbolic_zero(d, 8.0) is True:
        state, pt = both_defined()
        if state == "undefined":
            return _undefined_result(text, pt, ranges, assumptions, dom, latex, t0)
        if state == "defined":
            return CheckResult(
                claim=text, verdict=Verdict.PROVED, margin="0", precision=f"exact (sympy) + arb {bits} bits",
                method="sympy.simplify; ball branch-and-bound: both sides defined on the domain",
                assumptions=assumptions, instance=dom, scope="universal", statement=latex,
                message=(f"sympy reduces LHS - RHS to 0, and both sides are defined and real on all of "
                         f"{dom or 'the constants'} (certified enclosures on a cover of the compactified domain)"
                         f". LaTeX: {latex}"),
                stats={"seconds": time.perf_counter() - t0, "latex": latex})
        if state == "unknown":
            return CheckResult(
                claim=text, verdict=Verdict.INCONCLUSIVE, margin="0", precision=f"exact (sympy) + arb {bits} bits",
                method="sympy.simplify; definedness not certified", assumptions=assumptions, instance=dom,
                scope="universal", statement=latex,
                message=("sympy reduces LHS - RHS to 0, but that both sides are defined on all of "
                         f"{dom} was not certified within the budget (a pole or an undefined region may sit "
                         "between the sampled points). Knobs: an open end or --assume that excludes the "
                         "suspected point, or a narrower --over"),
                stats={"seconds": time.perf_counter() - t0, "latex": latex})
    z0 = _derivative_identity(d, ranges, constraints, bits, seed)
    if z0 is not None and both_defined()[0] == "undefined":
        return _undefined_result(text, both_defined()[1], ranges, assumptions, dom, latex, t0)
    if z0 is not None and both_defined()[0] == "defined":
        where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, z0))
        return CheckResult(
            claim=text, verdict=Verdict.PROVED, margin="0", precision=f"exact (sympy) + arb {bits} bits",
            method="sympy: every partial derivative of LHS - RHS is 0, LHS - RHS = 0 at a point; "
                   "ball branch-and-bound: defined and continuous on the (connected) domain",
            assumptions=assumptions, instance=dom, scope="universal", statement=latex,
            message=(f"the derivative of LHS - RHS reduces to 0 (sympy), LHS - RHS = 0 exactly at {where}, and "
                     f"LHS - RHS is defined and continuous on all of {dom} (certified enclosures on a cover of "
                     f"the compactified domain), so it vanishes identically. LaTeX: {latex}"),
            stats={"seconds": time.perf_counter() - t0, "latex": latex, "anchor": _witness_dict(ranges, z0)})
    arb_d = compile_expr(syms, d, "arb")
    mp_l = compile_expr(syms, lhs, "mpmath")
    mp_r = compile_expr(syms, rhs, "mpmath")
    worst, worst_pt, used = mpmath.mpf(0), None, 0

    def refute_at(pt, b):
        """REFUTED when the ball of LHS - RHS at the exact point excludes 0 at b and 2b bits (at a point where
        the text as written is defined)."""
        sub = dict(zip(syms, pt))
        if not all(_defined_at(_concrete(n), sub) for n in list(partial) + [lhs, rhs]):
            return None
        ball = _arb_point(arb_d, pt, b)
        if not (ball.is_finite() and not (0 in ball)):
            return None
        ball2 = _arb_point(arb_d, pt, 2 * b)
        if not (ball2.is_finite() and not (0 in ball2)):
            return None
        wit = _witness_dict(ranges, pt)
        wit["LHS - RHS"] = _enclosure_str(ball2.lower(), ball2.upper())
        return CheckResult(
            claim=text, verdict=Verdict.REFUTED, margin=ball2, precision=f"arb {2 * b} bits",
            method="python-flint ball at an exact point", witness=wit, assumptions=assumptions,
            instance=dom,
            message=(f"LHS - RHS is in {_enclosure_str(ball2.lower(), ball2.upper())}"
                     + (f" at {', '.join(f'{k} = {v}' for k, v in _witness_dict(ranges, pt).items())}"
                        if ranges else "")
                     + ", which excludes 0 (ball arithmetic at two precisions)"),
            stats={"points": used + 1, "seconds": time.perf_counter() - t0, "latex": latex, "_point": pt})

    undefined_pt = None  # a sample point where the text is certainly undefined (reported if nothing refutes)
    for pt in _points(ranges, samples, seed):
        if constraints and not _constraints_hold_exact(constraints, syms, pt, bits):
            continue
        if undefined_pt is None and any(_undefined_node_at(_concrete(n), dict(zip(syms, pt)))
                                        for n in list(partial) + [lhs, rhs]):
            undefined_pt = pt
        res = refute_at(pt, bits)
        if res is not None:
            return res
        with workdps(dps):
            try:
                args = [mpmath.mpf(sp.Rational(z).p) / sp.Rational(z).q if z.is_Rational else mpmath.mpf(sp.N(z, dps))
                        for z in pt]
                a, b = mp_l(*args), mp_r(*args)
                if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc):
                    continue  # a complex value: the statement is not defined (over R) at this point
                err = abs(a - b) / max(mpmath.mpf(1), abs(a), abs(b))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                continue
            if not mpmath.isfinite(err):
                continue
            used += 1
            if err > worst or worst_pt is None:
                worst, worst_pt = err, pt
    if undefined_pt is not None:
        return _undefined_result(text, undefined_pt, ranges, assumptions, dom, latex, t0)
    if used == 0:
        return CheckResult(
            claim=text, verdict=Verdict.INCONCLUSIVE, margin=None, precision=f"{dps} dps (mpmath)",
            method="sympy.simplify, then sampling", assumptions=assumptions, instance=dom, numerical=True,
            message="sympy could not reduce LHS - RHS to 0 and no sample point was in the domain of both sides; "
                    "check --over and --assume",
            stats={"points": 0, "seconds": time.perf_counter() - t0, "latex": latex})
    # a difference below the working precision (1e-50 at 30 digits) is still a difference: escalate the
    # ball precision at the worst point (x4 ... x32 bits, each confirmed at twice that) before giving up
    for factor in IDENTITY_ESCALATION:
        res = refute_at(worst_pt, factor * bits)
        if res is not None:
            return res
    with workdps(dps):
        worst_s = mpmath.nstr(worst, 5)
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=worst_s, precision=f"{dps} dps (mpmath)",
        method="sympy.simplify failed; randomised high-precision evaluation", assumptions=assumptions,
        instance=dom, numerical=True, witness={"largest_discrepancy_at": _witness_dict(ranges, worst_pt)},
        message=(f"NOT a proof: sympy could not reduce LHS - RHS to 0; the sides agree to a relative "
                 f"discrepancy of at most {worst_s} at {used} points ({dps} digits) and no ball excluded 0 "
                 f"(at the worst point up to {IDENTITY_ESCALATION[-1] * 2} times the working precision). "
                 "Knobs: rewrite the identity in simpler terms, or raise --dps to sharpen the numerical evidence"),
        stats={"points": used, "seconds": time.perf_counter() - t0, "latex": latex})



def _derivative_identity(d, ranges, constraints, bits, seed):
    """Prove d == 0 on the domain when sympy cannot reduce d itself: every partial derivative reduces to 0,
    d vanishes exactly at one point, and d is defined and continuous on the whole domain (a product of
    intervals, hence connected; no constraints). Definedness is certified by the branch-and-bound on d and
    -d: every box of a cover of the compactified domain gets a finite enclosure, and no centre is undefined.
    Returns the anchor point, or None."""

    if constraints or not ranges:
        return None
    dc = _concrete(d)
    if dc.has(*_JUMPS):
        return None
    syms = [r.symbol for r in ranges]
    t0 = time.perf_counter()
    for s_ in syms:
        if time.perf_counter() - t0 > 10 or symbolic_zero(sp.diff(dc, s_), 5.0) is not True:
            return None
    z0 = None
    for pt in _points(ranges, 12, seed):
        if not all(r.contains(z) for r, z in zip(ranges, pt)):
            continue
        e = _subs_point(dc, dict(zip(syms, pt)))
        if _value_at(dc, syms, pt, 128) is not None and symbolic_zero(e, 4.0) is True:
            z0 = pt
            break
    if z0 is None:
        return None
    # d defined (hence continuous: no jumps) on all of the connected domain: a certified cover
    if _definedness([d], ranges, [], bits)[0] != "defined":
        return None
    return z0
