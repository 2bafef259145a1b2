"""Test session settings: strict numpy, scoped precision reset, hypothesis profiles."""
import os

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=10, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


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
