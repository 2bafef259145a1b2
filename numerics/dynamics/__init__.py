r"""Mean-field particle gradient flows: velocity fields, integrators, runs (MATH.md §1.2, §3.4, §10).

A particle is :math:`\theta_j=(a_j,u_j)`: output weight :math:`a_j` (k x q) and inner parameter
:math:`u_j\in\mathbb R^{p_u}`, in the layout of :class:`proofs.problem.measure.Measure` (arrays ``a``
of shape (m, k, q) and ``u`` of shape (m, p_u), inner coordinates in the model's symbol order).
With masses :math:`p_j` (default :math:`1/m`) the predictor is :math:`f=\sum_jp_ja_jg(u_j,\cdot)`
and the flow is (mean-field time, MATH.md §1.2, §1b A.1)

.. math::
    a_j' = -\Psi_\mu(u_j),\qquad u_j' = -\nabla_u\langle a_j,\Psi_\mu(u)\rangle\big|_{u=u_j},
    \qquad \Psi_\mu(u)=\tfrac1n\textstyle\sum_i r_i\,g(u,x_i)^\top .

A forward-Euler step of size :math:`\tau` is the GD step :math:`\theta_j\leftarrow\theta_j-\tau\,m\,\nabla_{\theta_j}R`
of the peers in ``bench/`` (MATH.md §10).

Regularisers (MATH.md §1.2): ``weight_decay`` :math:`\lambda_2` is
:math:`V=\frac{\lambda_2}{2}(|a|^2+|u|^2)` (smooth: added to the velocity); ``l1`` :math:`\lambda` is
:math:`V=\lambda|a|` (Frobenius norm of the output weight; :math:`|a|` for k = q = 1), handled by the
proximal (block soft-threshold) step :math:`a\leftarrow a\,(1-\tau\lambda/|a|)_+` after the explicit step
of the smooth part; the reported velocity is then the minimal-norm element of :math:`-\partial F'`
(soft threshold at :math:`a=0`). Two timescales (MATH.md §6.3): ``dt`` for the output weights,
``dt_inner`` for the inner parameters, i.e. :math:`a'=-\nabla_aF'`, :math:`u'=-\varepsilon\nabla_uF'` with
:math:`\varepsilon=` ``dt_inner/dt`` for every method.

Methods (:class:`ButcherTableau`, each declares its order and the tests fit it): ``euler`` (1),
``heun`` (2), ``rk4`` (4). With ``l1 > 0`` the splitting makes every method first order.

Fields (:mod:`numerics.dynamics.fields`): :class:`NetField` (sigmoid-type vector-output networks with bias
and the ReLU lift, any activation given as an object with ``.name`` and ``.evaluators(xp)`` returning
``(sigma, sigma')``; hand-fused numpy kernel for sigmoid/tanh, :mod:`numerics.dynamics.kernels_net`),
:class:`AttentionField` (softmax heads, ``A`` or ``(Q, K)`` parameterisation, with the contraction
order of the ``bench/`` peers), :class:`GeneratedField` (any model of the A.1 form from its generated
array-API evaluators of g and dg). Backends: any array-API namespace (:mod:`numerics.dynamics.backend`); numpy
gets in-place speed paths. float64 throughout.

Rooms: :mod:`~numerics.dynamics.state` (:class:`State`), :mod:`~numerics.dynamics.fields` (the velocity
fields), :mod:`~numerics.dynamics.integrators` (tableaus, :class:`Diverged`), :mod:`~numerics.dynamics.flow`
(:class:`ParticleFlow`, :func:`ntk_flow`, :func:`w2_distance`), the fused numpy kernels
:mod:`~numerics.dynamics.kernels_net` and :mod:`~numerics.dynamics.kernels_attention`, and
:mod:`~numerics.dynamics.backend`. This package never imports :mod:`proofs`: models and activations given by
name are turned into fields by :mod:`proofs.dynamics` (``field_for``, and ``NetField``/``ntk_flow`` taking
activation names).
"""
from __future__ import annotations

from numerics.dynamics.fields import AttentionField, GeneratedField, NetField, VelocityField
from numerics.dynamics.flow import ParticleFlow, ntk_flow, w2_distance
from numerics.dynamics.integrators import METHODS, TABLEAUS, ButcherTableau, Diverged
from numerics.dynamics.state import State

__all__ = ["State", "VelocityField", "NetField", "AttentionField", "GeneratedField", "ButcherTableau", "TABLEAUS",
           "METHODS", "ParticleFlow", "Diverged", "ntk_flow", "w2_distance"]
