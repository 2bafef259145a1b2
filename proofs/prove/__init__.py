r"""Certify one line of a proof: an identity or an inequality with explicit constants (``escset prove``).

>>> r = prove("sigmoid'(z) <= 1/4", over=["z in R"])          # doctest: +SKIP
>>> r.verdict                                                   # doctest: +SKIP
<Verdict.PROVED: 'proved'>

Statements are written in the restricted grammar of :mod:`proofs.symbolic.grammar` plus
the toolkit's named objects: every built-in activation by name (``sigmoid``,
``tanh``, ``erf``, ``softplus``, ``relu``, ``identity``, ``square``, and the cubic
smooth step of MATH.md §6.2 as ``cubic_step``), with derivatives written
``sigmoid''(z)``; the constants ``pi`` and ``E``. Variables range over intervals
given by ``over`` (:mod:`proofs.prove.domain`); ``assume`` adds constraints
between them (``"x <= y"``).

What is certified
-----------------
* ``==``: ``proved`` only when sympy reduces LHS - RHS to 0 (symbols carry the
  sign assumptions of their ranges; constants through their minimal polynomial).
  Otherwise, when every partial derivative of LHS - RHS reduces to 0, LHS - RHS
  is 0 exactly at one point, and the branch-and-bound certifies that it is
  defined (finite enclosures) on the whole connected domain, ``proved`` too
  (``atan(z) + atan(1/z) == pi/2`` on ``(0, oo)``; refuted on ``R``).
  Otherwise LHS - RHS is evaluated at many exact rational points: a python-flint
  ball that excludes 0 (confirmed at twice the precision) ``refutes`` with that
  point; agreement at every point is reported ``inconclusive`` with
  ``numerical=True`` and the largest discrepancy, never ``proved``.
* ``<= < >= >``: the claim is ``v <= 0`` (``v < 0`` if strict) for the violation
  ``v`` (``LHS - RHS`` for ``<=``). A rigorous branch-and-bound
  (:mod:`numerics.certified.bnb`) on python-flint balls bounds ``sup v`` over the whole
  domain:

  - unbounded variables are compactified (``z = t/(1-|t|)``, ``z = a + t/(1-t)``);
    boxes reaching infinity, or an open end where a function blows up, are bounded
    by the extended interval evaluator (:mod:`proofs.prove.interval`), refined
    where intervals lose the sign (``oo - oo``, ``0 * oo``) by monotonicity
    (interval sign of the derivative; then the range is spanned by the value at
    the finite end and the sympy limit) or by ``prod f_i = exp(sum log f_i)``;
    and by monotone faces (``dv/dz <= 0`` towards infinity puts the supremum on
    the finite face);
  - piecewise functions (``cubic_step``) are split into cells at their
    breakpoints, each cell with the formula of its piece, so every point keeps its
    true value in the cell sympy assigns it to;
  - a non-strict bound attained at a point ``z*`` (``sup|sigmoid'| = 1/4`` at 0) is
    proved when ``v(z*) = 0`` is shown exactly (sympy; for an algebraic value, an
    integer polynomial vanishing at it, by resultants, and Cauchy's bound on its
    nonzero roots, see ``_algebraic_zero``) and interval arithmetic shows
    that ``z*`` maximises ``v`` on a box around it (``v`` monotone towards ``z*``
    in every coordinate, or concave there with ``grad v(z*) = 0`` exactly); the
    rest of the domain is then covered by the branch-and-bound. Candidates for
    ``z*`` come from rational snapping, range ends, mirror images of maximisers
    already certified, closed-form guesses (Newton at 40 digits, then small integer
    polynomials for ``z*``, ``exp(z*)``, ``exp(2 z*)``), sympy's ``solveset`` and
    ``nsimplify``, all verified exactly. A candidate where the true ``v`` is ``> 0``
    (a ball at four times the working precision, confirmed at eight) refutes.

  ``proved``: the certified upper bound of ``sup v`` is ``<= 0`` (``< 0`` if
  strict). ``refuted``: an exact point of the domain where the ball of the *true*
  ``v`` (piecewise conditions decided by sympy) is ``> 0`` (``>= 0`` if strict),
  confirmed at twice the precision, or where equality holds exactly for a strict
  claim. Otherwise ``inconclusive`` with the certified enclosure of the supremum
  and the unresolved boxes. A statement undefined at a point of the domain (a
  pole inside it, ``log`` at a closed end) is never ``proved``. A strict bound
  approached only at infinity (``sigmoid(z) < 1``) is proved in one variable when
  ``v`` is real-analytic, monotone towards infinity with limit <= 0 and somewhere
  < 0 (so it never reaches the limit). Mean-value forms, monotone faces and local
  certificates are used only where ``v`` has no jump (no Heaviside, sign,
  unsplit piecewise).

The engine's rooms: :mod:`~proofs.prove.statement` (parsing, obligations), :mod:`~proofs.prove.identities`,
:mod:`~proofs.prove.inequalities` with :mod:`~proofs.prove.cells` (the split at breakpoints, one cell's
branch-and-bound), :mod:`~proofs.prove.problem` (the violation over the compactified box, the definedness
cover), :mod:`~proofs.prove.refine` (exact maximisers and their local certificate), :mod:`~proofs.prove.points`
(exact points and the point walker), :mod:`~proofs.prove.zero` and :mod:`~proofs.prove.algebraic` (exact zero
tests), :mod:`~proofs.prove.latex` (what is printed), :mod:`~proofs.prove.budget` (the deadline).
"""
from __future__ import annotations

import math
import time

from proofs.errors import InvalidArgument
from proofs.prove.budget import _DEADLINE, _BudgetSpent
from proofs.prove.identities import _prove_identity, _undefined_result
from proofs.prove.inequalities import _prove_inequality
from proofs.prove.points import _certainly_undefined, _defined_at, _undefined_node_at
from proofs.prove.problem import _definedness
from proofs.prove.statement import _concrete, _obligations, named_functions, parse_statement
from proofs.result import CheckResult, Verdict

__all__ = ["prove", "named_functions", "parse_statement"]


def _check_obligations(res, text, partial, certified, ranges, constraints, dps, t0, time_limit):
    """A ``proved`` stands only if the statement as written is defined on the whole domain. The route that
    proved it certified the expressions ``certified`` defined on a cover of the domain; nodes of the text
    that sympy cancelled or simplified away while building them (``1/x - 1/x``, ``exp(log(x))``) get their
    own certificate here. Returns ``res``, or an ``inconclusive`` saying where the text is undefined."""
    from numerics.certified.precision import dps_to_bits

    need = _obligations(partial, *certified)
    if not need:
        return res
    bits = dps_to_bits(dps)
    budget = 10.0 if time_limit is None else max(1.0, min(10.0, time_limit - (time.perf_counter() - t0)))
    state, pt = _definedness(need, ranges, constraints, bits, time_limit=budget)
    if state == "defined":
        stats = dict(res.stats or {})
        stats["definedness_obligations"] = [str(n) for n in need]
        object.__setattr__(res, "stats", stats)
        return res
    from proofs.prove.latex import domain_text

    dom = domain_text(ranges, constraints)
    latex = (res.stats or {}).get("latex", "")
    if state == "undefined":
        return _undefined_result(text, pt, ranges, res.assumptions, dom, latex, t0,
                                 f" (the sub-expression {need[0]} as written)" if len(need) == 1 else
                                 " (a sub-expression as written, cancelled in the simplified form)")
    return CheckResult(
        claim=text, verdict=Verdict.INCONCLUSIVE, margin=res.margin, precision=res.precision,
        method=res.method + "; definedness of the text as written not certified", assumptions=res.assumptions,
        instance=dom, scope="universal", statement=latex,
        message=(f"the simplified statement holds ({res.message}), but that the text as written is defined on all "
                 f"of {dom or 'the constants'} was not certified for {', '.join(map(str, need))} (sympy "
                 "simplified them away). Knobs: an open end or --assume excluding the suspected points, or "
                 "write the statement in its simplified form"),
        stats=res.stats)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def prove(statement: str, over=(), assume=(), *, dps: int = 20, max_boxes: int = 20000,
          time_limit: float | None = 60.0, tol=None, samples: int = 64, seed: int = 0,
          functions=None) -> CheckResult:
    r"""Certify ``statement`` for all variables in their ranges (see :func:`_prove`).

    Grammar-valid statements whose constants are beyond what sympy, mpmath or the balls can evaluate
    (``exp(exp(exp(1000)))``, towers of powers) are bad input: :class:`InvalidArgument` in one line."""
    t0 = time.perf_counter()
    token = _DEADLINE.set(None if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool)
                          or not time_limit > 0 or math.isinf(time_limit) else t0 + time_limit)
    try:
        return _prove(statement, over, assume, dps=dps, max_boxes=max_boxes, time_limit=time_limit, tol=tol,
                      samples=samples, seed=seed, functions=functions)
    except _BudgetSpent:
        return CheckResult(
            claim=statement, verdict=Verdict.INCONCLUSIVE, precision=f"arb, {dps} digits", method="time limit",
            assumptions=tuple(over) if not isinstance(over, str) else (over,), scope="universal",
            statement=statement,
            message=(f"neither proved nor refuted within the time limit of {time_limit} s (the budget covers "
                     "every step: boxes, sympy calls, definedness). Knob: raise --time-limit"),
            stats={"seconds": time.perf_counter() - t0, "time_limit": time_limit})
    except (OverflowError, RecursionError, MemoryError) as exc:
        raise InvalidArgument(
            f"{statement!r} is beyond what escset can evaluate ({type(exc).__name__} inside sympy/mpmath: a "
            "constant or a tower of powers too large for exact or ball arithmetic); valid are statements whose "
            "constants are of moderate size, e.g. exp(1000) rather than exp(exp(exp(1000)))") from None
    finally:
        _DEADLINE.reset(token)


def _prove(statement: str, over=(), assume=(), *, dps: int = 20, max_boxes: int = 20000,
           time_limit: float | None = 60.0, tol=None, samples: int = 64, seed: int = 0,
           functions=None) -> CheckResult:
    r"""Certify ``statement`` (``"LHS == RHS"`` or an inequality) for all variables in their ranges.

    Parameters
    ----------
    statement : str
        ``LHS op RHS`` with op in ``== <= < >= >``, in the restricted grammar plus the activations by name.
    over : list of str
        ``"z in R"``, ``"t in [0, 1]"``, ``"x in (-1, oo)"``, ``"x >= 0"``. Without it, every free name is a
        variable over R.
    assume : list of str
        Extra constraints between the variables (``"x <= y"``); points violating them are excluded.
    dps : int
        Working precision (decimal digits) of the balls; witnesses are confirmed at twice as many bits.
    max_boxes, time_limit, tol :
        Budget: boxes per branch-and-bound run, seconds for the whole inequality (all cells and re-runs);
        target gap ``tol`` (absolute; default 2^-30 in one variable, 2^-20 in two, 2^-14 above).
    samples, seed :
        Points of the randomised evaluation of identities sympy cannot reduce.

    Returns
    -------
    CheckResult
        ``verdict``, ``margin`` (certified enclosure of the signed slack ``inf(RHS - LHS)`` for ``<=``),
        ``witness`` (exact coordinates), ``stats`` (boxes explored, seconds, LaTeX line).

    What is certified: see the module docstring; floating-point agreement is never ``proved``.
    """
    t0 = time.perf_counter()
    for name, val, lo in (("dps", dps, 10), ("max_boxes", max_boxes, 1), ("samples", samples, 1)):
        if isinstance(val, bool) or not isinstance(val, int) or val < lo:
            raise InvalidArgument(f"got {name}={val!r}, valid is an integer >= {lo}")
    if dps > 2000:
        raise InvalidArgument(f"got dps={dps}, valid is 10 <= dps <= 2000")
    if time_limit is not None and (not isinstance(time_limit, (int, float)) or not time_limit > 0
                                   or math.isinf(time_limit)):
        raise InvalidArgument(f"got time_limit={time_limit!r}, valid is a positive number of seconds or None")
    partial = []
    lhs, op, rhs, ranges, constraints = parse_statement(statement, over, assume, functions, partial)
    assumptions = tuple(str(r) for r in ranges) + tuple(c[2] for c in constraints)
    if not ranges:
        from numerics.certified.precision import dps_to_bits

        state, _ = _definedness(partial + [lhs, rhs], [], [], dps_to_bits(dps))
        if state == "undefined":
            bad = [n for n in partial + [lhs, rhs] if _certainly_undefined(n, [], [])]
            return _undefined_result(statement, [], ranges, assumptions, "", statement, t0,
                                     f" ({bad[0]} as written)" if bad else "")
    if op == "==":
        res = _prove_identity(statement, lhs, rhs, ranges, constraints, dps, samples, seed, t0, assumptions,
                              partial)
        certified = [lhs, rhs]
    else:
        res = _prove_inequality(statement, lhs, op, rhs, ranges, constraints, dps, max_boxes, time_limit, tol, t0,
                                assumptions, seed)
        certified = [lhs - rhs]
    point = (res.stats or {}).pop("_point", None)
    if res.verdict is Verdict.REFUTED and point is not None:
        # a witness counts only where the text as written is defined (sympy's value at a point can be real
        # where the text is not: log(-1)**2 becomes -pi**2; 1/x - 1/x + 1 is 1 at x = 0)
        syms = [r.symbol for r in ranges]
        sub = dict(zip(syms, point))
        if not all(_defined_at(_concrete(n), sub) for n in partial + [lhs, rhs]):
            where = ", ".join(f"{r.name} = {z}" for r, z in zip(ranges, point))
            undefined = any(_undefined_node_at(_concrete(n), sub) for n in partial + [lhs, rhs])
            res = CheckResult(
                claim=statement, verdict=Verdict.INCONCLUSIVE, precision=res.precision, method=res.method,
                assumptions=assumptions, instance=res.instance, scope="universal",
                witness={"undefined_at": {r.name: str(z) for r, z in zip(ranges, point)}} if undefined else None,
                message=(f"the candidate counterexample {where} is a point where the statement as written is "
                         + ("undefined" if undefined else "not certified defined")
                         + " (sympy's simplified value there is real); exclude such points with an open end or "
                         "--assume"),
                stats=res.stats)
    if res.verdict is Verdict.PROVED:
        res = _check_obligations(res, statement, partial + [lhs, rhs], certified, ranges, constraints, dps, t0,
                                 time_limit)
    # a prove statement is quantified over its whole domain: proved means for every point of it (where the
    # assumptions hold), refuted means a point of it violates the statement
    if res.scope is None:
        object.__setattr__(res, "scope", "universal")
    if not res.statement:
        object.__setattr__(res, "statement", (res.stats or {}).get("latex", "") or statement)
    return res
