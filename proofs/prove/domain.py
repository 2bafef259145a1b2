"""Domains of ``escset prove``: ``--over "z in R"``, ``"t in [0, 1]"``, ``"x in (-1, oo)"``, ``"x >= 0"``.

Each variable ranges over an interval of the real line with finite or infinite
ends, open or closed. For the branch-and-bound every variable is written as
``z = phi(t)`` with ``t`` in a bounded box with rational ends:

* bounded, rational ends: ``t = z`` (the identity, so witnesses are exact rationals);
* bounded, irrational ends (``[0, pi]``): ``z = a + t (b - a)``, ``t in [0, 1]``;
* ``[a, oo)``: ``z = a + t/(1 - t)``, ``t in [0, 1]``; ``(-oo, b]``: ``z = b + t/(1 + t)``, ``t in [-1, 0]``;
* ``R``: ``z = t/(1 - |t|)``, ``t in [-1, 1]``.

``phi`` is increasing, maps rationals to rationals (for rational ``a``, ``b``) and
sends the ends ``t = +-1`` to ``+-oo``; boxes touching them are handled by the
extended interval evaluator (:mod:`proofs.prove.interval`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from proofs.errors import GrammarError, InvalidArgument
from proofs.symbolic.grammar import parse_expression

__all__ = ["Range", "parse_over", "parse_ranges", "VALID_OVER"]

VALID_OVER = ('"NAME in R", "NAME in [a, b]" (brackets [ ] closed, ( ) open, ends may be -oo/oo), '
              '"NAME >= a", "NAME > a", "NAME <= b", "NAME < b"')

_NAME = r"[A-Za-z_][A-Za-z_0-9]*"
_IN = re.compile(rf"^\s*(?P<name>{_NAME})\s+(?:in|∈)\s+(?P<rng>.+?)\s*$")
_CMP = re.compile(rf"^\s*(?P<name>{_NAME})\s*(?P<op>>=|<=|>|<)\s*(?P<end>.+?)\s*$")
_INTERVAL = re.compile(r"^(?P<l>[\[(])\s*(?P<a>[^,]+?)\s*,\s*(?P<b>[^,]+?)\s*(?P<r>[\])])$")
_REALS = {"R", "Reals", "reals", "RR", "ℝ", "(-oo, oo)", "(-oo,oo)"}
_POS_INF = {"oo", "+oo", "inf", "+inf", "infinity", "+infinity"}
_NEG_INF = {"-oo", "-inf", "-infinity"}


@dataclass(frozen=True)
class Range:
    """One variable over an interval. ``lo``/``hi`` are sympy numbers or +-oo."""

    name: str
    lo: sp.Expr
    hi: sp.Expr
    lo_closed: bool
    hi_closed: bool

    @property
    def symbol(self) -> sp.Symbol:
        kw = {"real": True}
        if self.lo.is_finite and self.lo >= 0:
            kw = {"nonnegative": True, "real": True} if self.lo_closed and self.lo == 0 else {"positive": True}
        elif self.hi.is_finite and self.hi <= 0:
            kw = {"nonpositive": True, "real": True} if self.hi_closed and self.hi == 0 else {"negative": True}
        return sp.Symbol(self.name, **kw)

    @property
    def kind(self) -> str:
        if self.lo.is_finite and self.hi.is_finite:
            return "bounded" if self.lo.is_Rational and self.hi.is_Rational else "bounded-irrational"
        if self.lo.is_finite:
            return "right-half"
        if self.hi.is_finite:
            return "left-half"
        return "real-line"

    @property
    def t_box(self) -> tuple[Fraction, Fraction]:
        k = self.kind
        if k == "bounded":
            return (Fraction(int(self.lo.p), int(self.lo.q)), Fraction(int(self.hi.p), int(self.hi.q)))
        if k == "bounded-irrational":
            return (Fraction(0), Fraction(1))
        if k == "right-half":
            return (Fraction(0), Fraction(1))
        if k == "left-half":
            return (Fraction(-1), Fraction(0))
        return (Fraction(-1), Fraction(1))

    def phi(self, t):
        """z as a sympy number for a rational t (``None`` at an infinite end)."""
        t = sp.Rational(t.numerator, t.denominator) if isinstance(t, Fraction) else sp.sympify(t)
        k = self.kind
        if k == "bounded":
            return t
        if k == "bounded-irrational":
            return self.lo + t * (self.hi - self.lo)
        if abs(t) == 1:
            return None
        if k == "right-half":
            return self.lo + t / (1 - t)
        if k == "left-half":
            return self.hi + t / (1 + t)
        return t / (1 - abs(t))

    def phi_inverse_float(self, z: float) -> float:
        """t for a float z (used only to place exclusion boxes; rigour comes from the forward map)."""
        k = self.kind
        if k == "bounded":
            return z
        if k == "bounded-irrational":
            return (z - float(self.lo)) / float(self.hi - self.lo)
        if k == "right-half":
            u = z - float(self.lo)
            return u / (1 + u)
        if k == "left-half":
            u = z - float(self.hi)
            return u / (1 - u)
        return z / (1 + abs(z))

    def contains(self, z) -> bool:
        """Whether the exact number z lies in the range (sympy comparison)."""
        if z is None:
            return False
        z = sp.sympify(z)
        ok_lo = self.lo is -sp.oo or (z >= self.lo if self.lo_closed else z > self.lo)
        ok_hi = self.hi is sp.oo or (z <= self.hi if self.hi_closed else z < self.hi)
        return bool(ok_lo) and bool(ok_hi)

    def sample_t(self, rng) -> Fraction:
        lo, hi = self.t_box
        u = Fraction(rng.randrange(1, 2 ** 20), 2 ** 20)
        return lo + (hi - lo) * u

    def latex(self) -> str:
        if self.kind == "real-line":
            return rf"{sp.latex(sp.Symbol(self.name))} \in \mathbb{{R}}"
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return rf"{sp.latex(sp.Symbol(self.name))} \in \left{left}{sp.latex(self.lo)}, {sp.latex(self.hi)}\right{right}"

    def __str__(self) -> str:
        if self.kind == "real-line":
            return f"{self.name} in R"
        return (f"{self.name} in {'[' if self.lo_closed else '('}{self.lo}, {self.hi}"
                f"{']' if self.hi_closed else ')'}")


def _end(text: str, spec: str) -> sp.Expr:
    s = text.strip()
    if s in _POS_INF:
        return sp.oo
    if s in _NEG_INF:
        return -sp.oo
    try:
        v = parse_expression(s, variables=())
    except GrammarError as exc:
        raise InvalidArgument(f"bad end {s!r} in --over {spec!r}: {exc}; valid ends are numbers, pi, E, "
                              "expressions of them, -oo and oo") from None
    if not v.is_real or not v.is_finite or v.free_symbols:
        raise InvalidArgument(f"end {s!r} in --over {spec!r} is not a real number; valid ends are numbers, "
                              "pi, E, expressions of them, -oo and oo")
    return sp.Rational(v) if v.is_Float else v  # the float's exact value (nsimplify would approximate it)


def parse_over(spec: str) -> Range:
    """Parse one ``--over`` string into a :class:`Range` (``InvalidArgument`` with the valid forms)."""
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidArgument(f"got --over {spec!r}, valid forms are {VALID_OVER}")
    m = _IN.match(spec)
    if m:
        name, rng = m.group("name"), m.group("rng").strip()
        if rng in _REALS:
            return Range(name, -sp.oo, sp.oo, False, False)
        iv = _INTERVAL.match(rng)
        if not iv:
            raise InvalidArgument(f"got --over {spec!r}: {rng!r} is not an interval; valid forms are {VALID_OVER}")
        lo, hi = _end(iv.group("a"), spec), _end(iv.group("b"), spec)
        lc, hc = iv.group("l") == "[", iv.group("r") == "]"
        if (lo is -sp.oo and lc) or (hi is sp.oo and hc) or lo is sp.oo or hi is -sp.oo:
            raise InvalidArgument(f"got --over {spec!r}: an infinite end must be open and on its side, "
                                  "e.g. [0, oo) or (-oo, 1]")
    else:
        m = _CMP.match(spec)
        if not m or m.group("name") in ("in",):
            raise InvalidArgument(f"got --over {spec!r}, valid forms are {VALID_OVER}")
        name, op = m.group("name"), m.group("op")
        end = _end(m.group("end"), spec)
        if not end.is_finite:
            raise InvalidArgument(f"got --over {spec!r}: the bound must be a finite number")
        if op in (">=", ">"):
            lo, hi, lc, hc = end, sp.oo, op == ">=", False
        else:
            lo, hi, lc, hc = -sp.oo, end, False, op == "<="
    if (lo.is_finite and hi.is_finite) and not (lo < hi or (lo == hi and lc and hc)):
        raise InvalidArgument(f"got --over {spec!r}: the interval is empty (need lower end < upper end)")
    if lo.is_finite and hi.is_finite and lo == hi:
        raise InvalidArgument(f"got --over {spec!r}: a single point; substitute the value instead")
    return Range(name, lo, hi, lc, hc)


def parse_ranges(over) -> list[Range]:
    """Parse every ``--over``; a variable given twice is an error."""
    if isinstance(over, str):
        over = [over]
    out, seen = [], set()
    for spec in over or ():
        r = parse_over(spec)
        if r.name in seen:
            raise InvalidArgument(f"variable {r.name!r} is given twice in --over; give each variable once")
        seen.add(r.name)
        out.append(r)
    return out
