r"""E-MB2: the additive multivariate extension of the two-timescale model, full-batch gradient descent.

:math:`f(x)=\sum_{k=1}^d\sum_{j=1}^{J}a_{jk}\,\sigma_\eta(x_k-u_{jk})` (no bias), target
:math:`f^*(x)=\sum_k\sum_{c\in C}\mathbf 1\{x_k>c\}` (C = {0.3, 0.5, 0.7} in the authors' code), a fixed sample of n
points uniform in [0, 1]^d, loss :math:`\frac1{2n}\sum_i(f(x_i)-y_i)^2`, learning rate ``lr`` for a and ``lr * eps``
for u. Criterion as in the authors' notebooks: :math:`\|f(X)-y\|_2/n`. Coverage: a threshold c of coordinate k is
covered when some u_{jk} lies within ``tol`` (default eta) of it. Hand-written GD (a few numpy lines per epoch).
"""
from __future__ import annotations

import numpy as np

from numerics.errors import InvalidArgument
from numerics.twotimescale.model import dsigma, sigma

__all__ = ["additive_run"]


def additive_run(d: int = 2, J: int = 10, n: int = 1000, eta: float = 0.01, eps: float = 1.0, lr: float = 1.0,
                 epochs: int = 300, seed: int = 0, thresholds=(0.3, 0.5, 0.7), tol: float | None = None,
                 n_record: int = 50) -> dict:
    """One E-MB2 run; returns the error curve, final positions and coverage."""
    if d < 1 or J < 1 or n < 1 or epochs < 1 or not (eta > 0 and eps > 0 and lr > 0):
        raise InvalidArgument(f"got d={d}, J={J}, n={n}, epochs={epochs}, eta={eta}, eps={eps}, lr={lr}; valid is "
                              "positive integers and positive widths / rates")
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    c = np.asarray(thresholds, float)
    y = (X[:, :, None] > c[None, None, :]).sum(axis=(1, 2)).astype(float)
    u = rng.random((J, d))
    a = 3.0 * rng.random((J, d))
    rec = set(np.unique(np.linspace(0, epochs, n_record).round().astype(int)).tolist())
    ep, err = [], []
    for k in range(epochs + 1):
        z = (X[:, None, :] - u[None, :, :]) / eta  # (n, J, d)
        phi = sigma(z)
        r = np.einsum("njd,jd->n", phi, a) - y
        if k in rec:
            ep.append(k), err.append(float(np.linalg.norm(r) / n))
        if not np.isfinite(r).all():
            break
        if k == epochs:
            break
        ga = np.einsum("n,njd->jd", r, phi) / n
        gu = -a * np.einsum("n,njd->jd", r, dsigma(z)) / (eta * n)
        a = a - lr * ga
        u = u - lr * eps * gu
    tol = eta if tol is None else tol
    dist = np.abs(u[:, :, None] - c[None, None, :]).min(axis=0)  # (d, |C|)
    return {"epochs": ep, "error": err, "final_error": err[-1], "u": u.tolist(), "covered": (dist <= tol).tolist(),
            "all_covered": bool((dist <= tol).all()), "distance": dist.tolist(), "eps": eps, "seed": seed}
