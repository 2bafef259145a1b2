"""Inequalities ``<= < >= >``: constants by balls, a cheap search for a simple counterexample, then the
branch-and-bound cell by cell, and the verdict with its certified enclosure of the supremum of the violation."""
from __future__ import annotations

import time
from fractions import Fraction

import sympy as sp

from proofs.errors import InvalidArgument
from proofs.prove.cells import _cells, _point_cell, _run_cell
from proofs.prove.interval import INF
from proofs.prove.latex import _enclosure_str, domain_text, _fmt, _latex_line
from proofs.prove.points import _arb_point, _certainly_undefined, _constraints_hold_exact, _points, _value_at, \
    _witness_dict
from proofs.prove.problem import _Problem, _const_ball, _fq
from proofs.prove.statement import _concrete
from proofs.prove.zero import symbolic_zero
from proofs.result import CheckResult, Verdict


def _prove_constant(text, v, op, strict, dps, t0, assumptions, latex):
    from numerics.certified.precision import dps_to_bits

    bits = dps_to_bits(dps)
    for b in (bits, 4 * bits):
        val = _arb_point(_compile0(v), [], b)
        if val.is_finite() and (val < 0 or (not strict and val <= 0)):
            return CheckResult(claim=text, verdict=Verdict.PROVED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", assumptions=assumptions,
                               message=f"the violation is in {_enclosure_str(val.lower(), val.upper())} (< 0 proves it). "
                                       f"LaTeX: {latex}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex})
        if val.is_finite() and (val > 0 or (strict and val >= 0)):
            return CheckResult(claim=text, verdict=Verdict.REFUTED, margin=-val, precision=f"arb {b} bits",
                               method="python-flint ball", witness={}, assumptions=assumptions,
                               message=f"the violation is in {_enclosure_str(val.lower(), val.upper())}",
                               stats={"seconds": time.perf_counter() - t0, "latex": latex, "_point": []})
    if symbolic_zero(v, 8.0) is True:
        verdict = Verdict.REFUTED if strict else Verdict.PROVED
        return CheckResult(claim=text, verdict=verdict, margin="0", precision="exact (sympy)",
                           method="sympy.simplify", witness={} if strict else None, assumptions=assumptions,
                           message="both sides are equal (sympy)" + ("" if strict else f". LaTeX: {latex}"),
                           stats={"seconds": time.perf_counter() - t0, "latex": latex, "_point": []})
    return CheckResult(claim=text, verdict=Verdict.INCONCLUSIVE, precision=f"arb {4 * bits} bits",
                       method="python-flint ball", assumptions=assumptions,
                       message="the two constants could not be separated; raise --dps",
                       stats={"seconds": time.perf_counter() - t0, "latex": latex})



def _compile0(v):
    from proofs.symbolic.codegen import compile_expr

    return compile_expr([], v, "arb")



def _box_strs(prob, box):
    """A t box mapped back to z, as decimal strings (outward)."""
    from flint import arb

    balls = [arb.union(arb(_fq(a)), arb(_fq(b))) for a, b in box]
    ivs, _ = prob.zmap(balls)
    return {r.name: [_fmt(a, False, 8), _fmt(b, True, 8)] for r, (a, b) in zip(prob.ranges, ivs)}



def _simpler_witness(v_true, ranges, constraints, strict, bits, pt):
    """Replace each coordinate of a certified witness by the simplest nearby rational that still violates."""
    syms = [r.symbol for r in ranges]
    vt = _concrete(v_true)
    pt = list(pt)
    for i, z in enumerate(pt):
        if not z.is_Rational:
            continue
        for den in (1, 2, 4, 10, 100, 1000, 10 ** 4):
            q = Fraction(int(z.p), int(z.q)).limit_denominator(den)
            cand = pt[:i] + [sp.Rational(q.numerator, q.denominator)] + pt[i + 1:]
            if cand[i] == z or not ranges[i].contains(cand[i]):
                continue
            ball = _value_at(vt, syms, cand, bits)
            if ball is None or not (ball >= 0 if strict else ball > 0):
                continue
            if constraints and not _constraints_hold_exact(constraints, syms, cand, bits):
                continue
            pt = cand
            break
    return pt



def _sample_refute(v_true, ranges, constraints, strict, bits, seed, n=48):
    """A simple exact point where the true violation is certified (ball > 0, or >= 0 if strict), or None."""
    from proofs.symbolic.codegen import compile_expr

    syms = [r.symbol for r in ranges]
    vt = _concrete(v_true)
    try:
        fast = compile_expr(syms, v_true, "arb")
    except Exception:  # noqa: BLE001 - no ball evaluator: use the exact route only
        fast = None
    for pt in _points(ranges, n, seed):
        if not all(r.contains(z) for r, z in zip(ranges, pt)):
            continue
        if fast is not None:
            # cheap screen with the compiled balls (a piecewise function at a breakpoint gives a union there,
            # so this may miss, never invent); the decision is the true value below
            b0 = _arb_point(fast, pt, bits)
            if b0.is_finite() and not (b0 >= 0 if strict else b0 > 0) and not (0 in b0):
                continue
        ball = _value_at(vt, syms, pt, bits)
        if ball is None or not (ball >= 0 if strict else ball > 0):
            continue
        if constraints and not _constraints_hold_exact(constraints, syms, pt, bits):
            continue
        return pt
    return None



def _prove_inequality(text, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0, assumptions,
                      seed=0):
    from flint import arb

    from numerics.certified.precision import dps_to_bits

    strict = op in ("<", ">")
    v = lhs - rhs if op in ("<=", "<") else rhs - lhs  # the claim is v <= 0 (v < 0 if strict)
    latex = _latex_line(lhs, op, rhs, ranges, text, constraints)
    if not ranges:
        return _prove_constant(text, v, op, strict, dps, t0, assumptions, latex)
    bits = dps_to_bits(dps)
    dom = domain_text(ranges, constraints)
    n = len(ranges)
    if tol is None:
        tol = Fraction(1, 2 ** 30) if n == 1 else Fraction(1, 2 ** 20) if n == 2 else Fraction(1, 2 ** 14)
    tol = Fraction(tol)
    viol_name = "LHS - RHS" if op in ("<=", "<") else "RHS - LHS"
    const_other = rhs if op in ("<=", "<") else lhs
    stats = {"boxes_explored": 0, "seconds": None, "tol": str(tol), "bits": bits, "latex": latex, "cells": 0}
    method = "ball branch-and-bound (python-flint) on the compactified domain"

    def tight_msg(lo, up):
        """lo, up: certified bounds of sup v (exact arb or +-inf)."""
        if op in ("<=", "<"):
            s = f"sup of LHS - RHS is in {_enclosure_str(lo, up)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; sup of LHS is in {_enclosure_str((lo + c).lower(), (up + c).upper())}"
        else:
            nlo = -up if not isinstance(up, float) else -INF
            nhi = -lo if not isinstance(lo, float) else INF
            s = f"inf of LHS - RHS is in {_enclosure_str(nlo, nhi)}"
            if not const_other.free_symbols and not isinstance(up, float) and not isinstance(lo, float):
                c = _const_ball(const_other)
                s += f"; inf of LHS is in {_enclosure_str((c - up).lower(), (c - lo).upper())}"
        return s

    def margin_of(lo, up):
        # signed slack inf(-v) is in [-up, -lo]
        return {"lower": _fmt(-up, False, 17) if not isinstance(up, float) else "-inf",
                "upper": _fmt(-lo, True, 17) if not isinstance(lo, float) else "inf"}

    def finish(verdict, msg, witness=None, margin=None, extra=""):
        stats["seconds"] = time.perf_counter() - t0
        return CheckResult(claim=text, verdict=verdict, margin=margin, precision=f"arb {bits} bits",
                           method=method + extra, witness=witness, assumptions=assumptions, instance=dom,
                           message=msg, stats=stats)

    def refuted(pt, ball, how, lo=None, up=None):
        if "sympy" not in how:
            simple = _simpler_witness(v, ranges, constraints, strict, 2 * bits, pt)
            if simple != pt:
                b2 = _value_at(v, [r.symbol for r in ranges], simple, 2 * bits)
                if b2 is not None and (b2 >= 0 if strict else b2 > 0):
                    pt, ball = simple, b2
        wit = _witness_dict(ranges, pt)
        wit["violation"] = _enclosure_str(ball.lower(), ball.upper())
        where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, pt))
        conf = "" if "sympy" in how or "confirmed" in how else f"; confirmed at {2 * bits} bits"
        msg = (f"at {where} the violation {viol_name} is in {_enclosure_str(ball.lower(), ball.upper())} "
               f"({how}{conf})")
        if lo is not None:
            msg += f"; {tight_msg(lo, up)}"
        stats["_point"] = pt
        return finish(Verdict.REFUTED, msg, witness=wit,
                      margin={"lower": _fmt(-ball.upper(), False, 17), "upper": _fmt(-ball.lower(), True, 17)})

    # 1. a cheap search for a simple counterexample
    pt = _sample_refute(v, ranges, constraints, strict, bits, seed)
    if pt is not None:
        syms = [r.symbol for r in ranges]
        ball = _value_at(v, syms, pt, 2 * bits)
        if ball is not None and (ball >= 0 if strict else ball > 0):
            return refuted(pt, ball, "ball at an exact sample point")
    # 2. branch-and-bound, cell by cell
    cells = _cells(v, ranges)
    stats["cells"] = len(cells)
    lo_all, up_all, eqs, open_cells, unresolved, exhausted, near = -INF, arb(-(2 ** 64)), [], 0, [], False, False
    dsyms = {r.name: r.symbol for r in ranges}
    for cell_ranges, v_cell, fixed in cells:
        if not cell_ranges:
            cell = _point_cell(v, ranges, fixed, strict, bits, constraints)
        else:
            fsubs = {dsyms[k]: val for k, val in fixed.items()}
            cons_k = [(g.subs(fsubs), st_, txt) for g, st_, txt in constraints]
            if v_cell.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                # the piece valid on this cell is undefined there (1/relu(x) where relu is 0): never enclosed;
                # an exact interior point of the cell shows it
                cell = {"boxes": 0, "lower": arb("nan"), "upper": INF, "unresolved": [], "exhausted": False,
                        "status": "open", "witness": None, "equality": None}
                mid = [fixed[r.name] if r.name in fixed else None for r in ranges]
                inner = [cr.phi(Fraction(sum(cr.t_box), 2)) for cr in cell_ranges]
                it = iter(inner)
                pt = [m if m is not None else next(it) for m in mid]
                if all(z is not None for z in pt) and _certainly_undefined(v, [r.symbol for r in ranges], pt):
                    cell["undefined"] = pt
            else:
                cell = None
            try:
                prob = _Problem(v_cell, cell_ranges, cons_k) if cell is None else None
            except (NotImplementedError, TypeError, ValueError) as exc:
                raise InvalidArgument(f"{text!r} cannot be evaluated with balls ({str(exc).splitlines()[0]}); "
                                      "valid are the grammar's functions and the activations") from None
            deadline = None if time_limit is None else t0 + time_limit
            if prob is not None:
                cell = _run_cell(prob, strict, tol, bits, max_boxes, deadline, v, ranges, constraints, fixed)
        if cell is None:
            continue
        stats["boxes_explored"] += cell["boxes"]
        lb = cell["lower"]
        cell_lo = lb.lower() if lb.is_finite() else -INF
        if cell["status"] == "refuted":
            up = cell["upper"]
            return refuted(cell["witness"], cell["witness_ball"], cell["how"], cell_lo, up)
        if not isinstance(cell_lo, float) and (isinstance(lo_all, float) or cell_lo > lo_all):
            lo_all = cell_lo
        cu = cell["upper"]
        if isinstance(cu, float) or isinstance(up_all, float):
            up_all = INF
        elif cu > up_all:
            up_all = cu
        for e in cell["equality"] or ():
            if e not in eqs:
                eqs.append(e)
        if cell.get("undefined") is not None:
            where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, cell["undefined"]))
            stats["seconds"] = time.perf_counter() - t0
            return CheckResult(claim=text, verdict=Verdict.INCONCLUSIVE, precision=f"arb {bits} bits",
                               method=method, assumptions=assumptions, instance=dom, stats=stats,
                               witness={"undefined_at": _witness_dict(ranges, cell["undefined"])},
                               message=f"the statement is undefined at {where}, which the domain contains; "
                                       "exclude the points where it is undefined with an open end of --over or "
                                       "with --assume")
        if cell["status"] != "proved":
            open_cells += 1
            exhausted = exhausted or cell["exhausted"]
            near = near or cell.get("near_zero", False)
            unresolved += [{**{k: str(val) for k, val in fixed.items()}, **_box_strs(prob, b)}
                           for b in cell["unresolved"][:5]] if cell_ranges else [{k: str(val) for k, val in fixed.items()}]
            stats["unresolved_count"] = stats.get("unresolved_count", 0) + len(cell["unresolved"])
    if open_cells == 0:
        stats["sup_violation"] = [_fmt(lo_all, False, 17), _fmt(up_all, True, 17)]
        extra = ""
        msg = f"{tight_msg(lo_all, up_all)}. Proved for {dom}"
        if eqs:
            where = "; ".join(", ".join(f"{r.name} = {z}" for r, z in zip(ranges, e)) for e in eqs)
            msg = (f"equality is attained at {where}: the violation is 0 there exactly (sympy, exact algebraic "
                   f"arithmetic) and at most 0 on a box around it (monotonicity or concavity, interval arithmetic); "
                   f"elsewhere the "
                   f"branch-and-bound bounds it by 0. " + msg)
            extra = " + local maximum certificate"
            stats["equality_at"] = [_witness_dict(ranges, e) for e in eqs]
        if len(cells) > 1:
            extra += f" ({len(cells)} cells split at the breakpoints)"
        return finish(Verdict.PROVED, f"{msg}. LaTeX: {latex}", margin=margin_of(lo_all, up_all), extra=extra)
    stats["unresolved"] = unresolved[:5]
    stats["sup_violation"] = [_fmt(lo_all, False, 17), _fmt(up_all, True, 17)]
    knob = []
    if exhausted:
        knob.append(f"raise --max-boxes (now {max_boxes})" + (f" or --time-limit (now {time_limit} s)"
                                                               if time_limit else ""))
    if near:
        knob.append("the bound looks attained (sup of the violation is ~0) and no exact maximiser could be "
                    "certified: if equality holds at a point sympy cannot find, loosen the constant slightly")
    if isinstance(up_all, float):
        knob.append("some boxes have no finite bound (a singularity, a point outside the functions' domain, "
                    "or behaviour at infinity the monotone-tail argument could not handle)")
    knob.append("raise --dps for tighter balls")
    n_unres = stats.get("unresolved_count", 0)
    return finish(Verdict.INCONCLUSIVE,
                  f"neither proved nor refuted: {tight_msg(lo_all, up_all)}; {n_unres} unresolved box(es)"
                  + (f", e.g. {unresolved[0]}" if unresolved else "") + ". Knobs: " + "; ".join(knob),
                  margin=margin_of(lo_all, up_all))
