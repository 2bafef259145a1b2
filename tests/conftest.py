"""Test session settings: strict numpy, scoped precision reset, hypothesis profiles, a per-test time guard.

Hypothesis is derandomised in every profile (the same examples on every run and machine: a failure seen once is
seen again), with ``deadline=None`` (examples that call sympy or build balls vary in time with the machine's load;
a deadline would flake) and ``database=None`` (derandomised runs need no replay database, and none is written into
the work tree). ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples, for hunting.

Time guard: a test that runs longer than ``ESCSET_TEST_TIMEOUT`` seconds (default 600; 0 turns it off) makes the
test process print every thread's traceback and exit (faulthandler's watchdog thread, so it fires even when the
test is stuck inside one C call, where a SIGALRM-based timeout never runs). Without pytest-timeout.
"""
import faulthandler
import os
import sys

# helper modules shared between test files (tests/quality/_prove_outcome.py) import by their own unique names;
# appended, never prepended: tests/proofs must not shadow the proofs package
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality"))

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("default", max_examples=15, derandomize=True, database=None, **_COMMON)
settings.register_profile("ci", max_examples=10, derandomize=True, database=None, **_COMMON)
settings.register_profile("explore", max_examples=50, derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))

TEST_TIMEOUT = float(os.environ.get("ESCSET_TEST_TIMEOUT", "600"))


def _uncaptured_stderr(config):
    """The terminal's stderr under pytest's fd capture (else the traceback would go to a capture file that the
    exit discards)."""
    try:
        fd = config.pluginmanager.getplugin("capturemanager")._global_capturing.err.targetfd_save
        return fd if isinstance(fd, int) else 2
    except Exception:  # noqa: BLE001 - private pytest API: fall back to fd 2
        return 2


@pytest.fixture(autouse=True)
def _time_guard(request):
    if TEST_TIMEOUT <= 0:
        yield
        return
    faulthandler.dump_traceback_later(TEST_TIMEOUT, exit=True, file=_uncaptured_stderr(request.config))
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def pytest_report_header(config):
    import sympy

    try:
        import flint
        fl = flint.__version__
    except ImportError:  # pragma: no cover
        fl = "missing"
    return (f"escset: numpy {np.__version__}, sympy {sympy.__version__}, mpmath {mpmath.__version__}, "
            f"python-flint {fl}; default dps {mpmath.mp.dps}")


@pytest.fixture(autouse=True)
def _strict_numerics():
    old = np.seterr(over="raise", invalid="raise", divide="raise", under="ignore")
    prec = mpmath.mp.prec
    yield
    np.seterr(**old)
    assert mpmath.mp.prec == prec, "a test or library call leaked a change of mpmath precision"
    mpmath.mp.prec = prec
