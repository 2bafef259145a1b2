"""The wall-clock budget of a ``prove`` call: the deadline every step checks, and sympy calls capped to it.

``prove`` sets :data:`_DEADLINE` for the duration of one call; :func:`_sympy` runs an optional symbolic step
under a time box (SIGALRM in the main thread) and :func:`_check_deadline` is the cooperative check of the box
evaluations. :class:`_BudgetSpent` unwinds the whole call to its "time limit" verdict.
"""
from __future__ import annotations

import contextlib
import contextvars
import signal
import threading
import time


class _Timeout(Exception):
    pass



@contextlib.contextmanager
def _time_box(seconds):
    """Interrupt a sympy call after ``seconds`` (main thread only; elsewhere no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)



class _BudgetSpent(BaseException):  # BaseException: no "except Exception" in a step may swallow it
    """The wall-clock budget of the current ``prove`` call is spent (see :data:`_DEADLINE`)."""



#: the wall-clock deadline (``time.perf_counter()`` value) of the ``prove`` call in progress, or None: every
#: sympy call is capped to it and every box evaluation checks it, so ``--time-limit`` holds to within about a
#: second (a sympy call is interrupted by SIGALRM in the main thread; elsewhere the cooperative checks bound it)
_DEADLINE: contextvars.ContextVar = contextvars.ContextVar("escset_prove_deadline", default=None)



def _check_deadline():
    dl = _DEADLINE.get()
    if dl is not None and time.perf_counter() > dl:
        raise _BudgetSpent()



def _sympy(fn, seconds=5.0, default=None):
    dl = _DEADLINE.get()
    if dl is not None:
        left = dl - time.perf_counter()
        if left <= 0:
            raise _BudgetSpent()
        seconds = left if seconds is None else min(seconds, left)
    try:
        with _time_box(seconds):
            return fn()
    except _Timeout:
        if dl is not None and time.perf_counter() >= dl:
            raise _BudgetSpent() from None
        return default
    except (_BudgetSpent, KeyboardInterrupt):
        raise
    except Exception:  # noqa: BLE001 - an optional symbolic step that sympy cannot do: no answer, never a guess
        return default
