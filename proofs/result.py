"""The three-valued verdict and the one result record every check returns.

``proved`` means a symbolic proof or a rigorous enclosure (python-flint balls)
strictly on the right side; ``refuted`` means a witness whose violation is
confirmed at higher precision or rigorously; everything else is
``inconclusive``, with a message naming the knob to turn (DESIGN.md §2).
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["Verdict", "CheckResult", "to_jsonable", "SCOPES"]

#: what a verdict covers: ``universal`` (every value of the statement's variables and parameters, by a symbolic
#: proof or a certified cover of the whole domain) or ``instance`` (this data, these parameters: the
#: instantiated statement is in ``CheckResult.statement``)
SCOPES = ("universal", "instance")


class Verdict(enum.Enum):
    PROVED = "proved"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


def to_jsonable(x: Any) -> Any:
    """Convert numbers of every kind to JSON without losing exactness.

    Exact and high-precision values become decimal strings (floats are kept as
    JSON numbers only where they are the working precision).
    """
    import numpy as np

    if x is None or isinstance(x, (bool, str, int)):
        return x
    if isinstance(x, enum.Enum):
        return x.value
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else repr(x)
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_jsonable(x.tolist())
    if isinstance(x, np.generic):
        return to_jsonable(x.item())
    import mpmath

    from numerics.certified.precision import outward_decimal  # the one printer of bounds

    if isinstance(x, mpmath.ctx_iv.ivmpf):  # an mpmath interval: an enclosure, printed outward
        return {"lower": outward_decimal(x, False, 20), "upper": outward_decimal(x, True, 20)}
    try:
        import flint

        if isinstance(x, flint.arb):
            # lower/upper rounded outward: a printed enclosure stays an enclosure (mid is a value, not a bound)
            return {"mid": x.mid().str(20, radius=False), "rad": outward_decimal(x.rad(), True, 3),
                    "lower": outward_decimal(x, False, 20), "upper": outward_decimal(x, True, 20)}
    except ImportError:  # pragma: no cover
        pass
    return str(x)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of checking one claim on one instance.

    ``margin`` is the signed slack (> 0 on the side of the claim); an ``arb``
    ball or a ``(lower, upper)`` pair when certified. ``witness`` holds exact,
    replayable inputs (decimal strings or fractions, plus seeds).
    """

    claim: str
    verdict: Verdict
    margin: Any = None
    precision: str = ""
    method: str = ""
    witness: dict | None = None
    assumptions: tuple[str, ...] = ()
    message: str = ""
    stats: dict = field(default_factory=dict)
    numerical: bool = False  # True: float agreement only, never a proof
    instance: str = ""
    scope: str | None = None  # "universal" | "instance"; every built-in check sets it (tests/test_registry.py)
    statement: str = ""  # the statement as instantiated (what exactly was proved or refuted)

    def __post_init__(self):
        if not isinstance(self.verdict, Verdict):
            raise TypeError(f"verdict must be a Verdict, got {self.verdict!r}")
        if self.numerical and self.verdict is Verdict.PROVED:
            raise ValueError("a numerical (floating-point) agreement can never be reported as proved")
        if self.scope is not None and self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {SCOPES} or None, got {self.scope!r}")

    def __bool__(self):
        raise TypeError("CheckResult has no truth value: compare r.verdict with Verdict.PROVED explicitly")

    @property
    def proved(self) -> bool:
        return self.verdict is Verdict.PROVED

    @property
    def refuted(self) -> bool:
        return self.verdict is Verdict.REFUTED

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "instance": self.instance,
            "verdict": self.verdict.value,
            "margin": to_jsonable(self.margin),
            "precision": self.precision,
            "method": self.method,
            "witness": to_jsonable(self.witness),
            "assumptions": list(self.assumptions),
            "message": self.message,
            "numerical": self.numerical,
            "scope": self.scope,
            "statement": self.statement,
            "stats": to_jsonable(self.stats),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())
