"""Running ``prove`` for the soundness tiers (test_prove_soundness.py and its fuzz test): one outcome per call.

In the test process, with the wall time checked: a call that returns after it broke its time budget is a "hang".
No child process: forking a test worker that holds JAX or BLAS threads can deadlock the child, and a real hang is
caught by the suite's per-test guard (tests/conftest.py, ``ESCSET_TEST_TIMEOUT``), which prints every thread's
stack and fails the run.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from proofs.errors import GrammarError, InvalidArgument
from proofs.prove import prove


@dataclass
class Outcome:
    verdict: object          # a Verdict, or "rejected" / "crash" / "hang"
    witness: dict | None
    message: str


def prove_outcome(stmt, over, assume, budget, hard_limit) -> Outcome:
    """The verdict, witness (strings) and message of ``prove``; "rejected" for bad input (no wrong verdict),
    "crash" for any other exception, "hang" for a call that took longer than ``hard_limit`` seconds."""
    t0 = time.perf_counter()
    try:
        r = prove(stmt, over=over, assume=assume, **budget)
        out = Outcome(r.verdict, None if r.witness is None else {str(k): str(v) for k, v in r.witness.items()},
                      r.message)
    except (InvalidArgument, GrammarError) as exc:
        out = Outcome("rejected", None, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - reported as a crash (Ctrl-C and exits propagate)
        out = Outcome("crash", None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}")
    took = time.perf_counter() - t0
    if took > hard_limit:
        out = Outcome("hang", None, f"returned after {took:.1f} s, past {hard_limit} s (time_limit="
                                    f"{budget.get('time_limit')}): the time budget was not kept")
    return out
