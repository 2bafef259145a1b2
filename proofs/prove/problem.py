"""The violation ``v`` of an inequality over the compactified domain (:class:`_Problem`: ball and interval
evaluators, tails by monotone faces and limits, refinement of nodes unbounded at infinity) and the definedness
cover of a domain (:func:`_definedness`)."""
from __future__ import annotations

import time
from fractions import Fraction

import sympy as sp

from proofs.symbolic.functions import to_elementary
from proofs.prove.budget import _check_deadline, _sympy
from proofs.prove.interval import INF, _hull, ext_eval, ext_eval_defined
from proofs.prove.points import _arb_point, _certainly_undefined, _constraints_hold_exact, _true_ball
from proofs.prove.statement import _JUMPS, _NOT_ANALYTIC, _concrete


class _Problem:
    """The violation ``v`` over the compactified box, with its ball and interval evaluators."""

    def __init__(self, v, ranges, constraints):
        from flint import arb

        from proofs.symbolic.codegen import compile_expr

        self.ranges = ranges
        self.syms = [r.symbol for r in ranges]
        by_name = {s.name: s for s in self.syms}

        def rename(e):  # expressions may use the domain's symbols; a cell's symbols carry other assumptions
            return e.subs({fs: by_name[fs.name] for fs in e.free_symbols if fs.name in by_name and fs != by_name[fs.name]})

        v = rename(v)
        constraints = [(rename(g), strict, text) for g, strict, text in constraints]
        self.v = v
        self.n = len(ranges)
        self.v_arb = compile_expr(self.syms, v, "arb")
        self.v_ext = _concrete(v)
        # continuity and a.e. differentiability: needed by the mean-value form, the monotone faces at infinity
        # and the local maximum certificate (a jump would break all three)
        self.smooth = not self.v_ext.has(*_JUMPS)
        self._dnode = {}
        self._node_limits = {}
        self._depth = 0
        self._dv_ext = {}
        self._grad_arb = None
        self._limits = {}
        self.constraints = [(compile_expr(self.syms, g, "arb"), _concrete(g), strict) for g, strict, _ in constraints]
        self.undefined = []  # centres (t) where v had no finite ball
        self.on_undefined = None  # callback(centre t) run when one is recorded (see _run_cell)
        self.strict_infinity = False  # see ext_upper: boxes at infinity may answer "v < 0 here"
        self._strict_marker = arb(2) ** -200
        self.analytic = not self.v_ext.has(*_NOT_ANALYTIC) and all(
            p.exp.is_Integer for p in self.v_ext.atoms(sp.Pow))
        self.critical = {}  # exact point -> expression whose gradient sympy solved to vanish there
        self.holes = []  # [(z box, v_star)]: v <= v_star on that box (certified locally)
        self.ends = []
        for r in ranges:
            c_lo = None if not r.lo.is_finite else _const_ball(r.lo)
            c_hi = None if not r.hi.is_finite else _const_ball(r.hi)
            self.ends.append((c_lo, c_hi))
        from flint import ctx

        self._point_bits = max(ctx.prec - 8, 16)
        self.t_box = [r.t_box for r in ranges]
        self.t_box_arb = [(arb(_fq(a)), arb(_fq(b))) for a, b in self.t_box]
        self._arb = arb

    # -- the map t -> z ------------------------------------------------------
    def zmap(self, balls):
        """z intervals for a box of t balls; and the open finite ends of the domain that the box touches,
        ``{symbol: (end, ...)}`` with exact rational ends (``False`` if none): a zero of a denominator or of a
        log argument exactly there is a limit, not a point of the domain (:mod:`proofs.prove.interval`).
        Irrational open ends are not listed: there every zero at an end stays "not certified defined"."""
        ivs, open_end = [], {}
        for r, s_, t, (c_lo, c_hi), (tb_lo, tb_hi) in zip(self.ranges, self.syms, balls, self.ends,
                                                          self.t_box_arb):
            tl, th = t.lower(), t.upper()
            # the ball of a box is slightly wider than the box (radius rounding): clamp to the t range
            tl = tb_lo if tl < tb_lo else tl
            th = tb_hi if th > tb_hi else th
            k = r.kind
            if not r.lo_closed and r.lo.is_finite and r.lo.is_Rational and tl <= tb_lo:
                open_end.setdefault(s_, []).append(r.lo)
            if not r.hi_closed and r.hi.is_finite and r.hi.is_Rational and th >= tb_hi:
                open_end.setdefault(s_, []).append(r.hi)
            if k == "bounded":
                ivs.append((tl, th))
            elif k == "bounded-irrational":
                zl = c_lo + tl * (c_hi - c_lo)
                zh = c_lo + th * (c_hi - c_lo)
                ivs.append((zl.lower(), zh.upper()))
            elif k == "right-half":
                zl = c_lo + tl / (1 - tl) if tl < 1 else None
                ivs.append((zl.lower() if zl is not None else INF, (c_lo + th / (1 - th)).upper() if th < 1 else INF))
            elif k == "left-half":
                zh = c_hi + th / (1 + th) if th > -1 else None
                ivs.append(((c_hi + tl / (1 + tl)).lower() if tl > -1 else -INF, zh.upper() if zh is not None else -INF))
            else:
                zl = (tl / (1 - abs(tl))).lower() if tl > -1 else -INF
                zh = (th / (1 + (-abs(th)))).upper() if th < 1 else INF
                ivs.append((zl, zh))
        return ivs, ({k_: tuple(v) for k_, v in open_end.items()} or False)

    def _box(self, balls):
        """``zmap`` of a box plus its z balls when every side is finite (``None`` when one reaches infinity)."""
        ivs, open_end = self.zmap(balls)
        finite = all(not isinstance(a, float) and not isinstance(b, float) for a, b in ivs)
        zb = [a if a == b else self._arb.union(a, b) for a, b in ivs] if finite else None
        return ivs, open_end, zb

    def defined_on(self, balls):
        """True when v has a certified enclosure on the box (balls where every side is finite, else the interval
        engine, which handles infinite sides and open-end limits); None when the constraints certainly exclude
        the box (nothing to certify there); False otherwise."""
        ivs, open_end, zb = self._box(balls)
        if self.constraints and self.feasible(zb, ivs, open_end) is False:
            return None
        if zb is not None:
            try:
                if self.v_arb(*zb).is_finite():
                    return True
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
                pass
        return ext_eval_defined(self.v_ext, dict(zip(self.syms, ivs)), open_end,
                                self.refine if self.smooth else None) is not None

    def dzdt(self, balls):
        out = []
        for r, t, (c_lo, c_hi) in zip(self.ranges, balls, self.ends):
            k = r.kind
            if k == "bounded":
                out.append(self._arb(1))
            elif k == "bounded-irrational":
                out.append(c_hi - c_lo)
            elif k == "right-half":
                out.append(1 / (1 - t) ** 2)
            elif k == "left-half":
                out.append(1 / (1 + t) ** 2)
            else:
                out.append(1 / (1 - abs(t)) ** 2)
        return out

    # -- evaluation ----------------------------------------------------------
    def feasible(self, zb, ivs, open_end):
        """True (certainly), False (certainly not) or None for the constraints on a box."""
        state = True
        for g_arb, g_ext, strict in self.constraints:
            val = g_arb(*zb) if zb is not None else None
            if val is None or not val.is_finite():
                lo, hi = ext_eval(g_ext, dict(zip(self.syms, ivs)), open_end)
                ok = (hi < 0 if strict else hi <= 0) if not isinstance(hi, float) else False
                bad = (lo >= 0 if strict else lo > 0) if not isinstance(lo, float) else False
            else:
                ok = val < 0 if strict else val <= 0
                bad = val >= 0 if strict else val > 0
            if bad:
                return False
            if not ok:
                state = None
        return state

    def f(self, balls):
        """Ball whose upper end bounds v above on the box; a true enclosure of v at a point."""
        _check_deadline()
        arb = self._arb
        # a point of the search (bnb evaluates box centres): exact, or one rounding of a non-dyadic rational.
        # Its ball must be a true enclosure (its lower end is used as a lower bound of the sup): never the
        # upper-bound-only answers of the extended evaluator below.
        point = all(b.rad() == 0 or b.rel_accuracy_bits() >= self._point_bits for b in balls)
        ivs, open_end, zb = self._box(balls)
        finite = zb is not None
        if self.constraints:
            feas = self.feasible(zb, ivs, open_end)
            if feas is False or (point and feas is not True):
                return arb("nan") if point else arb(-(2 ** 64))  # empty: any bound is an upper bound
        hole = self._in_hole(ivs) if self.holes and finite else None
        if hole is not None:
            # v <= v(z*) = 0 on the certified box, and sup v >= v(z*) = 0 exactly (sympy): 0 is both a valid
            # upper bound there and a valid lower bound of the sup (the result records z*, not this point)
            return arb(hole[1])
        if finite:
            try:
                val = self.v_arb(*zb)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
                val = arb("nan")
            if val.is_finite():
                return val
            if point:
                # a centre where v has no finite ball: perhaps a point where the statement is undefined (a pole
                # the extended evaluator would otherwise take for a limit at a box end); checked after the run
                if len(self.undefined) < 8:
                    self.undefined.append([b.mid() for b in balls])
                    if self.on_undefined is not None:
                        self.on_undefined(self.undefined[-1])  # may stop the search (an exact undefined point)
                return val
        hi = self.ext_upper(ivs, open_end, 0)
        # boxes: only the upper end is read by the branch-and-bound (numerics/certified/bnb.py uses f(box).upper())
        return arb("inf") if isinstance(hi, float) else arb(hi)

    def _in_hole(self, ivs):
        for hole in self.holes:
            if all(a >= lo and b <= hi for (a, b), (lo, hi) in zip(ivs, hole[0])):
                return hole
        return None

    def dv_ext(self, i):
        if i not in self._dv_ext:
            self._dv_ext[i] = _factored(_concrete(sp.diff(self.v, self.syms[i])))
        return self._dv_ext[i]

    def limit(self, i, side):
        key = (i, side)
        if key not in self._limits:
            lim = _sympy(lambda: sp.limit(to_elementary(self.v_ext), self.syms[i], sp.oo if side > 0 else -sp.oo),
                         5.0)
            val = None
            if lim is not None and lim.is_real and lim.is_finite and not lim.free_symbols:
                val = ext_eval(lim, {})
            elif lim is -sp.oo:
                val = (-INF, -INF)
            self._limits[key] = val
        return self._limits[key]

    def ext_upper(self, ivs, open_end, depth):
        """Upper bound of v on a box with infinite (or singular) sides: intervals, then monotone faces."""
        env = dict(zip(self.syms, ivs))
        refine = self.refine if self.smooth else None
        iv = ext_eval_defined(self.v_ext, env, open_end, refine)
        if iv is None:
            return INF  # v not certified defined on the box: no bound, and no monotone argument either
        lo, hi = iv
        # strict mode: a bound of exactly 0 at infinity is not enough; try the strict limit argument below
        want_more = self.strict_infinity and not isinstance(hi, float) and hi >= 0
        if (not isinstance(hi, float) and not want_more) or depth > self.n or not self.smooth:
            return hi
        for i, (a, b) in enumerate(ivs):
            r, (c_lo, c_hi) = self.ranges[i], self.ends[i]
            inf_hi, inf_lo = isinstance(b, float), isinstance(a, float)
            # a side at infinity, or at an open finite end of the range (where v may be singular)
            sing_lo = inf_lo or (not r.lo_closed and c_lo is not None and c_lo.rad() == 0 and a == c_lo)
            sing_hi = inf_hi or (not r.hi_closed and c_hi is not None and c_hi.rad() == 0 and b == c_hi)
            if sing_lo == sing_hi:
                continue
            dlo, dhi = ext_eval(self.dv_ext(i), env, open_end, refine)
            dec = not isinstance(dhi, float) and dhi <= 0
            inc = not isinstance(dlo, float) and dlo >= 0
            if sing_hi and dec and not isinstance(a, float):  # v non-increasing towards the end: sup at z_i = a
                return self.ext_upper(ivs[:i] + [(a, a)] + ivs[i + 1:], open_end, depth + 1)
            if sing_lo and inc and not isinstance(b, float):
                return self.ext_upper(ivs[:i] + [(b, b)] + ivs[i + 1:], open_end, depth + 1)
            if self.n == 1 and ((inf_hi and inc) or (inf_lo and dec)):
                lim = self.limit(i, 1 if inf_hi else -1)
                if lim is not None:
                    if self.strict_infinity and self.analytic and not isinstance(lim[1], float) and lim[1] <= 0:
                        # v is monotone towards infinity with limit <= 0, real-analytic and not constant on the
                        # connected domain (checked by the caller): it never reaches its limit, so v < 0 on
                        # every point of this box. The marker says exactly that ("< 0 here"), not a sup bound.
                        return -self._strict_marker
                    return lim[1]
        return hi

    def refine(self, node, env, open_end):
        """A better interval for a sum/product node that came out unbounded on a box reaching infinity.

        Two rigorous arguments, for a node in one variable x whose interval is half-infinite:
        (1) the node is monotone there (interval sign of its derivative): its range is the hull of its value at
        the finite end and its sympy limit at infinity; (2) a product whose factors each have one sign on the
        box: ``node = s * exp(sum log|f_i|)``, and the sum of logs is evaluated again (``x exp(-x^2)`` becomes
        ``exp(log x - x^2)``, monotone). Depth-limited; ``None`` when neither applies.
        """
        if self._depth >= 4 or node.has(*_JUMPS):
            return None
        half = [s_ for s_ in node.free_symbols if s_ in env and
                isinstance(env[s_][0], float) != isinstance(env[s_][1], float)]
        if len(half) != 1 or len(node.free_symbols) != 1:
            return None
        sym = half[0]
        a, b = env[sym]
        inf_hi = isinstance(b, float)
        if not inf_hi and b < 0:
            # reflect x -> -x: a left tail becomes a right tail (same range)
            self._depth += 1
            try:
                return self.refine(node.subs(sym, -sym), {**env, sym: (-b, INF)}, open_end)
            finally:
                self._depth -= 1
        node = _strip_abs(node, env)  # |a| with a of one sign on the box: a or -a (sympy limits like that)
        self._depth += 1
        try:
            out = self._refine_monotone(node, sym, env, open_end, a, b, inf_hi)
            if out is None and node.is_Mul and inf_hi and not isinstance(a, float) and a > 0:
                out = self._refine_log(node, sym, env, open_end)
            return out
        finally:
            self._depth -= 1

    def _refine_monotone(self, node, sym, env, open_end, a, b, inf_hi):
        if node not in self._dnode:
            self._dnode[node] = _node_derivative(node, sym)
        dlo, dhi = ext_eval(self._dnode[node], env, open_end, self.refine)
        inc = not isinstance(dlo, float) and dlo >= 0
        dec = not isinstance(dhi, float) and dhi <= 0
        if not (inc or dec):
            return None
        face = a if inf_hi else b
        flo, fhi = ext_eval(node, {**env, sym: (face, face)}, open_end)
        key = (node, inf_hi)
        if key not in self._node_limits:
            lim = _node_limit(node, sym, inf_hi)
            val = None
            if lim is sp.oo:
                val = (INF, INF)
            elif lim is -sp.oo:
                val = (-INF, -INF)
            elif lim is not None and lim.is_real and lim.is_finite and not lim.free_symbols:
                val = ext_eval(lim, {})
            self._node_limits[key] = val
        lim = self._node_limits[key]
        if lim is None or (isinstance(flo, float) and isinstance(fhi, float)):
            return None
        return _hull([(flo, fhi), lim])

    def _refine_log(self, node, sym, env, open_end):
        from flint import arb

        sign, logs = 1, []
        for f in node.args:
            lo, hi = ext_eval(f, env, open_end, self.refine)
            if not isinstance(lo, float) and lo >= 0:
                logs.append(f)
            elif not isinstance(hi, float) and hi <= 0:
                sign, logs = -sign, logs + [-f]
            else:
                return None
        key = ("log", node)
        if key not in self._dnode:
            p = sp.Dummy("p", positive=True)
            # x > 0 on the box: expand_log is exact for a positive symbol
            L = sp.Add(*[sp.expand_log(sp.log(f.subs(sym, p)), force=False) for f in logs])
            self._dnode[key] = L.subs(p, sym)
        L = self._dnode[key]
        # log of a factor that reaches 0 is -oo there, and exp(-oo) = 0: consistent in the extended reals
        llo, lhi = ext_eval(L, env, True, self.refine)
        if isinstance(lhi, float):
            return None
        hi = lhi.exp().upper()
        lo = arb(0) if isinstance(llo, float) else llo.exp().lower()
        return (lo, hi) if sign > 0 else (-hi, -lo)

    def grad(self, balls):
        from proofs.symbolic.codegen import compile_expr

        arb = self._arb
        if self._grad_arb is None:
            try:
                self._grad_arb = compile_expr(self.syms, [sp.diff(self.v, s) for s in self.syms], "arb")
            except Exception:  # noqa: BLE001 - a derivative the ball printer cannot compile: no mean-value form
                self._grad_arb = False
        if self._grad_arb is False:
            return [arb("nan")] * self.n
        zb = self._box(balls)[2]
        if zb is None:
            return [arb("nan")] * self.n
        try:
            g = self._grad_arb(*zb)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: a complex constant (1j)
            return [arb("nan")] * self.n
        g = g if isinstance(g, (list, tuple)) else [g]
        return [gi * di for gi, di in zip(g, self.dzdt(balls))]

    def value_at(self, pt, bits):
        """Ball of v at an exact point (sympy numbers), at ``bits`` of precision."""
        return _arb_point(self.v_arb, pt, bits)

    def z_of(self, t_pt):
        return [r.phi(t) for r, t in zip(self.ranges, t_pt)]



# Derivatives and limits of the one-variable nodes refined at infinity, shared between problems: the cells of
# one statement (split at a kink) and later statements meet the same nodes in symbols with other sign
# assumptions. Keyed on the node with its variable renamed to one real symbol: a relabelling, the same
# function; the answer is renamed back. Only definite answers are kept (a sympy timeout is not cached).
_NODE_VAR = sp.Dummy("x", real=True)



_NODE_DERIVATIVES: dict = {}



_NODE_LIMITS: dict = {}



def _node_derivative(node, sym):
    key = node.xreplace({sym: _NODE_VAR})
    if key not in _NODE_DERIVATIVES and -key in _NODE_DERIVATIVES:
        # the mirrored cell of a symmetric statement meets -node: (-f)' = -(f')
        return (-_NODE_DERIVATIVES[-key]).xreplace({_NODE_VAR: sym})
    if key not in _NODE_DERIVATIVES:
        if len(_NODE_DERIVATIVES) > 4096:
            _NODE_DERIVATIVES.clear()
        _NODE_DERIVATIVES[key] = _factored(sp.diff(key, _NODE_VAR))
    return _NODE_DERIVATIVES[key].xreplace({_NODE_VAR: sym})



def _node_limit(node, sym, inf_hi):
    key = (node.xreplace({sym: _NODE_VAR}), inf_hi)
    neg = (-key[0], inf_hi)
    if key not in _NODE_LIMITS and neg in _NODE_LIMITS:
        return -_NODE_LIMITS[neg]  # lim(-f) = -lim(f)
    if key not in _NODE_LIMITS:
        lim = _sympy(lambda: sp.limit(to_elementary(key[0]), _NODE_VAR, sp.oo if inf_hi else -sp.oo), 3.0)
        if len(_NODE_LIMITS) > 4096:
            _NODE_LIMITS.clear()
        _NODE_LIMITS[key] = lim  # None (sympy failed or timed out) is cached too: the same node is met per box
    return _NODE_LIMITS[key]



def _const_ball(c):
    from flint import arb

    lo, hi = ext_eval(sp.sympify(c), {})
    return lo if lo == hi else arb.union(lo, hi)



def _fq(q):
    from flint import fmpq

    return fmpq(q.numerator, q.denominator)



def _factored(d):
    """Common factors out: (1 - 2x^2) e^{-x^2}, not e^{-x^2} - 2x^2 e^{-x^2}, so that a sign survives interval
    evaluation (the dependency problem). Same value; only the form changes."""
    return _sympy(lambda: sp.factor(d), 1.0, None) or _sympy(lambda: sp.factor_terms(d), 1.0, d)



def _strip_abs(expr, env):
    """Replace |a| by a or -a where the interval of a on the box has one sign (exact there)."""
    def fix(e):
        lo, hi = ext_eval(e.args[0], env)
        if not isinstance(lo, float) and lo >= 0:
            return e.args[0]
        if not isinstance(hi, float) and hi <= 0:
            return -e.args[0]
        return e
    return expr.replace(lambda e: isinstance(e, sp.Abs), fix)



def _definedness(exprs, ranges, constraints, bits, time_limit=10.0, max_boxes=4000):
    """Certify that every expression is defined, real and continuous on the whole domain (where the
    constraints hold): a cover of the compactified domain by boxes, each with a certified enclosure that
    excludes "not certified defined" (:mod:`proofs.prove.interval`: a pole, a log or root of a possibly
    negative argument, a complex intermediate value is never enclosed; ball arithmetic gives nan there).
    Boxes are bisected (widest side first) until covered; box centres are checked exactly, so an undefined
    point met on the way is exhibited. Returns ``("defined", None)``, ``("undefined", point)`` with an exact
    domain point where one expression is undefined, or ``("unknown", None)`` (budget spent)."""
    from numerics.certified.bnb import ball_of
    from numerics.certified.precision import arb_prec

    syms = [r.symbol for r in ranges]
    if not ranges:
        for e in exprs:
            if _certainly_undefined(e, [], []):
                return ("undefined", [])
            if _true_ball(_concrete(e), 128) is None:
                return ("unknown", None)
        return ("defined", None)
    t0 = time.perf_counter()
    boxes_left = max_boxes
    for e in exprs:
        prob = _Problem(e, ranges, constraints)
        stack = [list(prob.t_box)]
        with arb_prec(bits):
            while stack:
                if boxes_left <= 0 or time.perf_counter() - t0 > time_limit:
                    return ("unknown", None)
                boxes_left -= 1
                bx = stack.pop()
                if prob.defined_on([ball_of(a, b) for a, b in bx]) is not False:
                    continue  # certified defined, or outside the constraints
                centre = [(a + b) / 2 for a, b in bx]
                z = prob.z_of(centre)
                if all(c is not None for c in z) and all(r.contains(c) for r, c in zip(ranges, z)) and \
                        _certainly_undefined(e, syms, z) and \
                        (not constraints or _constraints_hold_exact(constraints, syms, z, bits)):
                    return ("undefined", z)
                j = max(range(len(bx)), key=lambda k: bx[k][1] - bx[k][0])
                a, b = bx[j]
                if b - a < Fraction(1, 2 ** 200):
                    return ("unknown", None)
                m = (a + b) / 2
                for half in ((m, b), (a, m)):
                    child = list(bx)
                    child[j] = half
                    stack.append(child)
    return ("defined", None)
