r"""Experiments built on the particle-flow engine: instability of non-global stationary measures and the
full-support convergence sweep.

* :mod:`proofs.experiments.instability`: a non-global stationary measure (exact inverse design, or the
  all-at-zero configuration), its best escaping direction, a small mass added there, and the measured growth of
  the output weight against the predicted rate :math:`r'=-h\ge\epsilon` (the escape inequality for linear output
  weights); the partially 1-homogeneous experiment with negative weights; particles started on the boundary of
  the escaping set; a figure.
* :mod:`proofs.experiments.instability_attention`: the same escape experiment for softmax attention heads (an
  exactly stationary, non-global measure of heads at A = 0, the best direction from the hardmax cells, escape
  runs near infinity and in the compact part, a figure).
* :mod:`proofs.experiments.full_support`: Gaussian initialisation, a teacher with :math:`m_0` neurons, the final
  excess loss against the student width, for scalar sigmoid, vector sigmoid and attention heads.
* :mod:`proofs.experiments.sweep`: the resumable sweep runner (local processes or a dask.distributed cluster).

Everything here is floating-point evidence (float64 simulations); the certified statements are those of
``escset analyze`` and of the claims.
"""
from __future__ import annotations

__all__ = ["instability", "instability_attention", "full_support", "sweep"]
