"""Cells of an inequality: the domain split at the breakpoints of piecewise functions, a slice decided at its
exact point, and the branch-and-bound of one cell with its equality-attained certificate (:func:`_run_cell`)."""
from __future__ import annotations

import time

import sympy as sp

from proofs.symbolic.functions import relu
from proofs.prove.budget import _sympy
from proofs.prove.domain import Range
from proofs.prove.interval import INF
from proofs.prove.points import (_arb_fraction, _certainly_undefined, _constraints_hold_exact, _subs_point,
                                 _true_ball, _value_at)
from proofs.prove.problem import _fq
from proofs.prove.refine import (_exact_value_zero, _local_max_box, _near_ranges, _rational_approximations,
                                 _snap_candidates)
from proofs.prove.statement import _concrete
from proofs.prove.zero import symbolic_zero


def _linear_breakpoint(cond):
    """(symbol, c) when the relational condition is ``a*x + b op 0`` in one variable x (rational a, b)."""
    if not isinstance(cond, sp.core.relational.Relational):
        return None
    d = sp.expand(cond.lhs - cond.rhs)
    syms = d.free_symbols
    if len(syms) != 1:
        return None
    x = next(iter(syms))
    poly = _sympy(lambda: sp.Poly(d, x), 2.0)
    if poly is None or poly.degree() != 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    a0, b0 = poly.all_coeffs()
    return x, -b0 / a0



def _conditions(e):
    out = []
    for pw in e.atoms(sp.Piecewise):
        for _, cond in pw.args:
            stack = [cond]
            while stack:
                c = stack.pop()
                if isinstance(c, (sp.And, sp.Or, sp.Not)):
                    stack.extend(c.args)
                elif c not in (sp.true, sp.false):
                    out.append(c)
    return out



def _linear_univariate(e, syms) -> bool:
    return all((bp := _linear_breakpoint(c)) is not None and bp[0] in syms for c in _conditions(e))



def _piecewise_form(e, syms):
    """Rewrite |a|, max, min, relu, Heaviside, sign whose case conditions are linear in one variable into
    Piecewise (same values everywhere), so that the cells split at their kinks and jumps."""
    for _ in range(3):
        repl = {}
        for atom in e.atoms(sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, relu):
            pw = _sympy(lambda: atom.rewrite(sp.Piecewise), 2.0)
            if pw is None or pw == atom or not pw.has(sp.Piecewise) or not _linear_univariate(pw, syms):
                continue
            repl[atom] = pw
        if not repl:
            break
        e = e.xreplace(repl)
    return e



def _cells(v, ranges, fixed=None, max_cells=64):
    """Split the domain at the breakpoints of piecewise functions.

    Returns ``[(ranges_k, v_k, fixed_k)]``. Interior cells: on the closure of each open cell every piecewise
    function is replaced by the formula of the piece valid inside it (the conditions are linear in one
    variable, so they are constant on the open cell). Slices: every breakpoint ``x = c`` in the domain is its
    own lower-dimensional cell, with the *true* value (sympy decides the conditions at ``x = c``), so a jump or
    an isolated value at a breakpoint is never lost; ``fixed_k`` holds the fixed coordinates. When there is
    nothing to split, or a condition is not linear in one variable, one cell with the unsplit ``v`` (the ball
    evaluators then treat the pieces as unions).
    """
    fixed = dict(fixed or {})
    whole = [(ranges, v, fixed)]
    syms = {r.symbol for r in ranges}
    vc = _piecewise_form(_concrete(v), syms)
    if not vc.has(sp.Piecewise):
        return whole
    cuts = {r.symbol: set() for r in ranges}
    for cond in _conditions(vc):
        bp = _linear_breakpoint(cond)
        if bp is None or bp[0] not in cuts:
            return whole
        cuts[bp[0]].add(bp[1])
    per_var, slices = [], []
    for r in ranges:
        pts = sorted(c for c in cuts[r.symbol] if (r.lo is -sp.oo or c > r.lo) and (r.hi is sp.oo or c < r.hi))
        slices += [(r, c) for c in sorted(cuts[r.symbol]) if r.contains(c)]
        ends = [r.lo] + pts + [r.hi]
        segs = []
        for k in range(len(ends) - 1):
            lc = r.lo_closed if k == 0 else True
            hc = r.hi_closed if k == len(ends) - 2 else True
            segs.append(Range(r.name, ends[k], ends[k + 1], lc, hc))
        per_var.append(segs)
    import itertools

    combos = list(itertools.product(*per_var))
    if len(combos) + len(slices) > max_cells:
        return whole
    out = []
    for cell in combos:
        mid = {}
        for seg, r in zip(cell, ranges):
            if seg.lo.is_finite and seg.hi.is_finite:
                m = (seg.lo + seg.hi) / 2
            elif seg.lo.is_finite:
                m = seg.lo + 1
            elif seg.hi.is_finite:
                m = seg.hi - 1
            else:
                m = sp.S.Zero
            mid[r.symbol] = m

        def pick(pw):
            for expr, cond in pw.args:
                t = cond.subs(mid)
                if t == True:  # noqa: E712
                    return expr
                if t != False:  # noqa: E712
                    return sp.nan
            return sp.nan

        vk = vc.replace(lambda e: isinstance(e, sp.Piecewise), pick)
        if vk.has(sp.nan, sp.Piecewise):
            return whole
        # the cell's symbols carry the cell's sign assumptions
        vk = vk.subs({r.symbol: seg.symbol for seg, r in zip(cell, ranges)})
        out.append((list(cell), vk, fixed))
    for r, c in slices:
        rest = [q for q in ranges if q is not r]
        sub = v.subs(r.symbol, c)  # the unsplit form: its fallback cell stays compilable
        if rest:
            more = _cells(sub, rest, {**fixed, r.name: c}, max_cells)
        else:
            more = [([], sub, {**fixed, r.name: c})]
        out += more
        if len(out) > 4 * max_cells:
            return whole
    return out



def _point_cell(v_true, domain, fixed, strict, bits, constraints):
    """A slice with every coordinate fixed: decide the claim at that exact point (true value, sympy + balls).
    Returns a cell dict, or None when the point violates a constraint (nothing to prove there)."""
    from flint import arb

    syms = [r.symbol for r in domain]
    pt = [fixed[r.name] for r in domain]
    for g, st_, _ in constraints:
        ge = _subs_point(_concrete(g), dict(zip(syms, pt)))
        gb = _true_ball(ge, bits)
        if gb is None:
            return {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
                    "lower": arb("nan"), "upper": INF, "status": "open"}
        if gb < 0 or (not st_ and gb <= 0):
            continue  # the constraint holds at the point
        if gb > 0 or (st_ and gb >= 0):
            return None  # the point is outside the constrained domain
        if symbolic_zero(ge, 4.0) is True:
            if st_:
                return None
            continue
        return {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
                "lower": arb("nan"), "upper": INF, "status": "open"}
    e = _subs_point(_concrete(v_true), dict(zip(syms, pt)))
    ball = _value_at(v_true, syms, pt, bits)
    out = {"boxes": 0, "unresolved": [], "exhausted": False, "witness": None, "equality": None,
           "lower": arb("nan"), "upper": INF, "status": "open"}
    if ball is None:
        return out
    out["lower"], out["upper"] = ball, ball.upper()
    zero = 0 in ball and symbolic_zero(e, 4.0) is True
    if (ball < 0) or (not strict and (ball <= 0 or zero)):
        out["status"] = "proved"
        if zero:
            out["lower"], out["upper"] = arb(0), arb(0)
    elif (ball > 0) or (strict and (ball >= 0 or zero)):
        if True:  # the constraints hold at pt (checked above)
            out.update(status="refuted", witness=pt, witness_ball=arb(0) if zero else _true_ball(e, 2 * bits),
                       how="exact value at a breakpoint" + (" (sympy)" if zero else ""))
    return out



def _undefined_point(prob, v_true, syms, embed):
    """A domain point (exact) where the statement is undefined, among the centres the search met, or None."""
    vt = _concrete(v_true)
    while prob.undefined:
        t_mid = prob.undefined.pop(0)
        t = [_arb_fraction(m) for m in t_mid]
        z = prob.z_of(t)
        if any(c is None for c in z):
            continue
        full = embed(z)
        if _certainly_undefined(vt, syms, full):
            return full
    return None



class _UndefinedFound(Exception):
    def __init__(self, point):
        super().__init__(point)
        self.point = point



def _run_cell(prob, strict, tol, bits, max_boxes, deadline, v_true, domain, constraints, fixed=None):
    """Branch-and-bound on one cell; then the equality-attained certificate. Returns a dict.

    ``fixed``: coordinates fixed by a slice (name -> exact value); points of the cell are embedded into the
    domain with them before the true ``v`` is evaluated. Witnesses and equality points are domain points."""
    fixed = fixed or {}

    def embed(pt):
        it = iter(pt)
        return [fixed[r.name] if r.name in fixed else next(it) for r in domain]

    from flint import arb

    from numerics.certified.bnb import maximize
    from numerics.certified.precision import arb_prec

    def left():
        return None if deadline is None else max(0.5, deadline - time.perf_counter())

    prob._point_bits = bits - 8
    syms = [r.symbol for r in domain]

    def stop_if_undefined(t_mid):
        # an exact domain point where the statement is undefined ends the search at once: no bound can
        # make the statement proved any more
        z = prob.z_of([_arb_fraction(m) for m in t_mid])
        if all(c is not None for c in z) and _certainly_undefined(_concrete(v_true), syms, embed(z)):
            raise _UndefinedFound(embed(z))

    prob.on_undefined = stop_if_undefined
    try:
        with arb_prec(bits):
            res = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes,
                           grad=prob.grad if prob.smooth else None, time_limit=left())
    except _UndefinedFound as found:
        return {"boxes": 0, "lower": arb("nan"), "upper": INF, "unresolved": [], "exhausted": False,
                "status": "open", "witness": None, "equality": None, "undefined": found.point}
    finally:
        prob.on_undefined = None
    out = {"boxes": res.boxes_explored, "lower": res.lower,
           "upper": res.upper if res.upper.is_finite() else INF, "unresolved": res.unresolved,
           "exhausted": res.exhausted, "status": "open", "witness": None, "equality": None}
    up = out["upper"]
    undefined = _undefined_point(prob, v_true, syms, embed)
    if undefined is not None:
        out["undefined"] = undefined
        return out
    if not isinstance(up, float) and (up < 0 if strict else up <= 0):
        out["status"] = "proved"
        return out
    if (strict and not isinstance(up, float) and up <= 0 and prob.n == 1 and prob.analytic and prob.smooth
            and res.lower.is_finite() and res.lower < 0):
        # sup v = 0 approached at infinity only? v <= 0 everywhere is proved; v is real-analytic and somewhere
        # < 0 (the incumbent), so it cannot equal 0 on an interval; the strict re-run asks the boxes at infinity
        # for "v < 0 here" (monotone towards a limit <= 0) and every other box for an upper bound < 0.
        prob.strict_infinity = True
        with arb_prec(bits):
            res_s = maximize(prob.f, prob.t_box, tol=tol, max_boxes=max_boxes, grad=prob.grad, time_limit=left())
        prob.strict_infinity = False
        out["boxes"] += res_s.boxes_explored
        if res_s.upper.is_finite() and res_s.upper < 0 and _undefined_point(prob, v_true, syms, embed) is None:
            out["status"] = "proved"
            out["strict_at_infinity"] = True
            return out
    vt = _concrete(v_true)

    def violated(pt, b):  # pt: a domain point
        if not all(r.contains(z) for r, z in zip(domain, pt)):
            return None
        ball = _value_at(vt, syms, pt, b)
        if ball is None or not (ball >= 0 if strict else ball > 0):
            return None
        if constraints and not _constraints_hold_exact(constraints, syms, pt, b):
            return None
        return ball

    lo_ball = res.lower
    z_pt = prob.z_of(res.argmax) if lo_ball.is_finite() else None
    if z_pt is not None and all(z is not None for z in z_pt):
        full = embed(z_pt)
        if violated(full, bits) is not None and violated(full, 2 * bits) is not None:
            out.update(status="refuted", witness=full, witness_ball=violated(full, 2 * bits),
                       how="ball at an exact point")
            return out
    near_zero = (lo_ball.is_finite() and not isinstance(up, float) and lo_ball.lower() >= -arb(_fq(tol * 16)))
    out["near_zero"] = near_zero
    if not near_zero or z_pt is None or any(z is None for z in z_pt):
        return out
    seeds = [[float(z) for z in z_pt]]
    if any(float(z) != 0 for z in z_pt):
        seeds.append([-float(z) for z in z_pt])  # symmetric functions have mirrored maximisers
    holes, eq_pts, tried = [], [], 0
    budget = min(max_boxes, 1500 * prob.n)
    def out_of_time():
        return deadline is not None and time.perf_counter() > deadline

    while seeds and len(holes) < 6 and tried < 16 and not out_of_time():
        found = False
        while seeds and tried < 16 and not out_of_time():
            seed_pt = seeds.pop(0)
            if not strict and not _near_ranges(prob.ranges, seed_pt):
                continue  # a mirrored seed outside this cell: none of its candidates could be used here
            tried += 1
            for cand in _snap_candidates(prob, seed_pt, known=eq_pts):
                if out_of_time():
                    break
                if cand in eq_pts:
                    continue
                # an exact candidate where the true v is > 0 (>= 0 if strict: a bound below the supremum by a
                # hair, 1e-20 or 1e-40, that the search's tolerance cannot see): refuted there, the ball confirmed
                # at twice the precision; higher precision than the search's, the candidates being exact and few
                full = embed(cand)
                hb = 4 * bits
                if violated(full, hb) is not None:
                    # a rational point close enough violates too (the violation is quadratic in the distance at
                    # a maximiser): the simplest one found is the witness, else the exact candidate itself
                    wit = next((q for q in _rational_approximations(full) if violated(q, hb) is not None), full)
                    ball2 = violated(wit, 2 * hb)
                    if ball2 is not None:
                        what = "a rational point next to an exact candidate maximiser" if wit is not full else \
                            "an exact candidate maximiser"
                        out.update(status="refuted", witness=wit, witness_ball=ball2,
                                   how=f"ball at {what}, {hb} bits; confirmed at {2 * hb} bits")
                        return out
                if strict:
                    in_dom = all(r.contains(z) for r, z in zip(domain, full)) and not (
                        constraints and not _constraints_hold_exact(constraints, syms, full, 2 * bits))
                    if in_dom and _exact_value_zero(v_true, syms, full):
                        out.update(status="refuted", witness=full, witness_ball=arb(0),
                                   how="equality holds exactly there (sympy, exact algebraic arithmetic), so the "
                                       "strict inequality fails")
                        return out
                    continue
                if not prob.smooth or not all(r.contains(z) for r, z in zip(prob.ranges, cand)):
                    continue
                if constraints and not _constraints_hold_exact(constraints, syms, cand, bits):
                    continue
                if not _exact_value_zero(prob.v, prob.syms, cand):
                    continue
                hole = _local_max_box(prob, cand, bits)
                if hole is None:
                    continue
                holes.append((hole, 0))
                eq_pts.append(cand)
                found = True
                break
        if not found:
            break
        prob.holes = list(holes)
        with arb_prec(bits):
            # tol = 0: every box must end at or below 0 (boxes and points inside a certified box count as 0)
            res2 = maximize(prob.f, prob.t_box, tol=0, max_boxes=budget, grad=prob.grad if prob.smooth else None,
                            time_limit=left())
        prob.holes = []
        out["boxes"] += res2.boxes_explored
        undefined = _undefined_point(prob, v_true, syms, embed)
        if undefined is not None:
            out["undefined"] = undefined
            return out
        up2 = res2.upper if res2.upper.is_finite() else INF
        if not isinstance(up2, float) and up2 <= 0:
            # v(z*) = 0 exactly and v <= 0 everywhere: the supremum is exactly 0
            out.update(status="proved", upper=arb(0), lower=arb(0), equality=[embed(e) for e in eq_pts])
            return out
        # other maximisers: seeds from the boxes still open
        for bx in res2.unresolved[:6]:
            zc = prob.z_of([(lo + hi) / 2 for lo, hi in bx])
            if all(z is not None for z in zc):
                seeds.append([float(z) for z in zc])
    return out
