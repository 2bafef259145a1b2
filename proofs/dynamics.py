"""Models to the numerics engine: the velocity fields and flows of :mod:`numerics.dynamics` from symbolic models.

:mod:`numerics.dynamics` never imports :mod:`proofs`: it takes an activation as an object (``.name`` and
``.evaluators(xp)`` returning ``(sigma, sigma')``, as :class:`proofs.symbolic.activations.Activation` has them) and
any other model as its generated evaluators. This module resolves what the user gives by name (built-in
activation names, grammar strings in ``z``, CLI model names with dimensions) and builds the numerics objects:

* :func:`field_for` the field of a model (object, or CLI name plus dimensions): :class:`~numerics.dynamics.NetField`
  and :class:`~numerics.dynamics.AttentionField` for the built-ins, :class:`~numerics.dynamics.GeneratedField`
  (array-API evaluators of g and dg generated from the sympy source) for any other model;
* :func:`NetField` and :func:`ntk_flow`: the numerics constructors with the activation given by name.
"""
from __future__ import annotations

import numpy as np

from numerics.dynamics import backend as B
from numerics.dynamics import fields as _fields
from numerics.dynamics import flow as _flow
from proofs.errors import InvalidArgument
from proofs.symbolic.activations import get_activation
from proofs.symbolic.codegen import xp_missing

__all__ = ["field_for", "NetField", "ntk_flow"]

#: speed options of the built-in fields that a generated field has no use for (ignored there)
_SPEED_OPTIONS = ("fused", "block", "threads", "contraction")


def NetField(X, Y, activation="sigmoid", *, m=None, mass=None, xp=None, fused=True, block=128, threads=None,
             name=None, bias=True) -> _fields.NetField:
    """:class:`numerics.dynamics.NetField` with ``activation`` a built-in name, a grammar string in ``z`` or an
    :class:`proofs.symbolic.activations.Activation` (:func:`proofs.symbolic.activations.get_activation`)."""
    return _fields.NetField(X, Y, get_activation(activation), m=m, mass=mass, xp=xp, fused=fused, block=block,
                            threads=threads, name=name, bias=bias)


def ntk_flow(X, Y, a, *, eta, activation="relu", bias=False, train_outer=False, xp=None) -> _flow.ParticleFlow:
    """:func:`numerics.dynamics.ntk_flow` (NTK-scaled GD of MATH.md §4.1) with the activation given by name."""
    return _flow.ntk_flow(X, Y, a, eta=eta, activation=get_activation(activation), bias=bias,
                          train_outer=train_outer, xp=xp)


def field_for(model, X, Y, *, xp=None, mass=None, activation=None, p=None, L=None, dq=None,
              **opts) -> _fields.VelocityField:
    """The velocity field of a :mod:`proofs.symbolic.models` model (object, or CLI name plus dimensions) on (X, Y).

    ``X`` is (n, p_x) as in :class:`proofs.problem.measure.Dataset` (attention: tokens flattened row-major,
    or already (n, L, p)). With a name, give ``activation`` (nets) or ``p``, ``L``, ``dq`` (attention).
    """
    from proofs.symbolic.models import AttentionHead, ReluLift, SigmoidNet

    if not isinstance(model, str) and not isinstance(model, (SigmoidNet, ReluLift)) and not (
            isinstance(model, AttentionHead) and model.normalize):
        return _generated_field(model, X, Y, xp=xp, mass=mass, **opts)
    name = model if isinstance(model, str) else model.name
    if name.startswith("attention"):
        p = getattr(model, "p", p)
        L = getattr(model, "L", L)
        dq = getattr(model, "dq", dq)
        Xn = np.asarray(B.to_numpy(X), dtype=np.float64)
        if Xn.ndim == 2:
            if p is None or L is None or Xn.shape[1] != p * L:
                raise InvalidArgument(f"attention inputs have {Xn.shape[1]} entries per sample; expected L*p = "
                                      f"{None if p is None or L is None else p * L}")
            Xn = Xn.reshape(Xn.shape[0], L, p)
        return _fields.AttentionField(Xn, Y, qk=name == "attention-qk", dq=dq, mass=mass, xp=xp, **opts)
    if name == "relu-lift" or name.startswith("lift["):
        act = model.activation if not isinstance(model, str) else (activation or "relu")
        return NetField(X, Y, act, mass=mass, xp=xp, name=name, **opts)
    if name == "sigmoid" or name.startswith("net["):
        act = model.activation if not isinstance(model, str) else (activation or "sigmoid")
        bias = getattr(model, "bias", True)
        return NetField(X, Y, act, mass=mass, xp=xp, name=None if isinstance(model, str) else name, bias=bias,
                        **opts)
    raise InvalidArgument(f"unknown model {name!r}; valid are sigmoid, attention, attention-qk, relu-lift")


def _generated_field(model, X, Y, *, xp=None, mass=None, **opts):
    """:class:`numerics.dynamics.GeneratedField` of any model, from its ``"xp"`` evaluators of g and dg."""
    xp = np if xp is None else xp
    for key in _SPEED_OPTIONS:
        opts.pop(key, None)
    g, dg = model.compile("g", "xp"), model.compile("dg", "xp")
    missing = sorted(set(xp_missing(g, xp)) | set(xp_missing(dg, xp)))
    if missing:
        raise InvalidArgument(f"model {model.name!r} has no array-API kernel on backend {B.backend_name(xp)}: it "
                              f"needs {', '.join(missing)} (or use --backend numpy)")
    return _fields.GeneratedField(X, Y, g, dg, model.k, model.q, model.p_u, xp=xp, mass=mass, name=model.name,
                                  **opts)
