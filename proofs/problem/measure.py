r"""Finite measures of particles and data sets: the JSON files (DESIGN.md §3), and the quantities of MATH.md §1b A.1.

A :class:`Measure` holds masses ``mass`` (m), output weights ``a`` (m x k x q) and inner
parameters ``u`` (m x p_u, in the model's symbol order). A :class:`Dataset` holds
inputs ``X`` (n x p_x, flattened) and targets ``Y`` (n x k).

This is the public proofs-side module. The containers and their evaluation (:func:`features`, :func:`predict`,
:func:`residual`, :func:`loss`, :func:`psi`, :func:`velocity`, :func:`stationarity_residual`, :func:`convert`;
backends ``"numpy"``, ``"mpmath"``, ``"arb"``) live in :mod:`numerics.particles` (written against a model
protocol, so that numerics never imports proofs) and are re-exported here; the files are read and written here:
:func:`load_dataset`, :func:`load_measure`, :func:`save_dataset`, :func:`save_measure`.
"""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np

from numerics.particles import (Dataset, Measure, convert, features, loss, predict, psi, residual,
                                stationarity_residual, velocity)
from numerics.particles import _as_backend  # noqa: F401  (proofs.problem.inverse_design uses it)
from proofs.errors import InvalidArgument

__all__ = ["Measure", "Dataset", "features", "predict", "residual", "loss", "psi", "velocity",
           "stationarity_residual", "convert", "load_dataset", "load_measure", "save_dataset", "save_measure"]


# ---------------------------------------------------------------------------
# files (DESIGN.md §3)
# ---------------------------------------------------------------------------
def _read_json(path):
    from proofs._io import read_json

    return read_json(path)


def _dense(obj, name, path, max_ndim=4):
    """Shape of a nested list of numbers that must be rectangular (every row at a level a list of the same length,
    or every one a number); entries validated (decimal strings stay exact). One line naming the problem otherwise."""
    from proofs._io import exact_number

    shape = []
    level = [obj]
    while True:
        lists = [isinstance(v, list) for v in level]
        if level and all(lists):
            lens = sorted({len(v) for v in level})
            if len(lens) > 1:
                raise InvalidArgument(f"{path}: {name} is ragged (rows of different lengths {lens[0]} and "
                                      f"{lens[-1]} at depth {len(shape) + 1}); valid is a rectangular array")
            shape.append(lens[0])
            if len(shape) > max_ndim:
                raise InvalidArgument(f"{path}: {name} is nested {len(shape)} deep; valid are at most {max_ndim} "
                                      "levels")
            level = [w for v in level for w in v]
        elif any(lists):
            raise InvalidArgument(f"{path}: {name} mixes numbers and lists at depth {len(shape) + 1}; valid is a "
                                  "rectangular array of numbers")
        else:
            break
    for v in level:
        exact_number(v, path, name)
    return tuple(shape)


def _flat(x):
    """The entries of a validated rectangular nested list, row-major."""
    out, stack = [], [x]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def _numbers(obj, name, path):
    """Validate a nested list of numbers / decimal strings (rectangular); keep strings exact."""
    _dense(obj, name, path)
    return obj


def _rectangular(x, depth, name, path):
    shape = _dense(x, name, path)
    if len(shape) != depth:
        raise InvalidArgument(f"{path}: {name} must be a nested list of depth {depth}")


def _need_dict(obj, path, keys):
    if not isinstance(obj, dict):
        raise InvalidArgument(f"{path}: expected a JSON object with keys {keys}, got {type(obj).__name__}")


def load_dataset(path, model=None, need_y=True) -> Dataset:
    """Read ``{"X": [[...]], "Y": [[...]]}``; decimal strings stay exact. Validates shapes and entries.

    X: n rows, each a vector (n x d), a number (d = 1) or a token matrix (n x L x p, flattened row-major); Y: n rows,
    each a vector (n x k) or a number (k = 1)."""
    path = str(path)
    obj = _read_json(path)
    if not isinstance(obj, dict) or "X" not in obj:
        raise InvalidArgument(f"{path}: expected an object with key 'X' (and 'Y'), got "
                              f"{type(obj).__name__ if not isinstance(obj, dict) else 'keys ' + str(sorted(obj))}")
    X = obj["X"]
    if not isinstance(X, list):
        raise InvalidArgument(f"{path}: X must be a list of inputs (rows), got {type(X).__name__}")
    if not X:
        raise InvalidArgument(f"{path}: X is empty; give at least one input")
    sx = _dense(X, "X", path, max_ndim=3)
    if len(sx) == 1:
        X = [[x] for x in X]
    elif len(sx) == 3:
        X = [_flat(x) for x in X]  # token matrices flatten row-major
    if any(s == 0 for s in sx[1:]):
        raise InvalidArgument(f"{path}: X has empty rows (shape {sx}); give at least one coordinate per input")
    Y = obj.get("Y")
    if Y is None:
        if need_y:
            raise InvalidArgument(f"{path}: this command needs targets 'Y'")
    else:
        if not isinstance(Y, list):
            raise InvalidArgument(f"{path}: Y must be a list with one target per input (row), got "
                                  f"{type(Y).__name__}")
        sy = _dense(Y, "Y", path, max_ndim=2)
        if len(sy) == 1:
            Y = [[y] for y in Y]
        if len(Y) != len(X):
            raise InvalidArgument(f"{path}: X has {len(X)} rows but Y has {len(Y)}")
        if any(s == 0 for s in sy[1:]):
            raise InvalidArgument(f"{path}: Y has empty rows; give at least one output per target")
    if model is not None:
        if len(X[0]) != model.p_x:
            raise InvalidArgument(f"{path}: inputs have {len(X[0])} coordinates, model {model.name} expects {model.p_x}")
        if Y is not None and len(Y[0]) != model.k:
            raise InvalidArgument(f"{path}: targets have {len(Y[0])} outputs, model {model.name} has k={model.k}")
    return Dataset(X=X, Y=Y)


def load_measure(path, model) -> Measure:
    """Read a measure file; keys per model: sigmoid {a (m x k), w (m x d), b (m)},
    attention {a (m x k x p), A (m x p x p)}, attention-qk {a, Q, K}, relu-lift {a (m x k), theta
    (m x (d+1))}; optional ``mass`` (default 1/m). Shapes and entries are validated."""
    path = str(path)
    obj = _read_json(path)
    names = [g[0] for g in model.u_groups]
    if not isinstance(obj, dict) or "a" not in obj:
        raise InvalidArgument(f"{path}: expected an object with key 'a' and the inner parameters {names}"
                              + ("" if isinstance(obj, dict) else f", got {type(obj).__name__}"))
    a = obj["a"]
    if not isinstance(a, list) or not a:
        raise InvalidArgument(f"{path}: the measure has no particles ('a' must be a non-empty list, one entry per "
                              "particle)")
    m = len(a)
    sa = _dense(a, "a", path, max_ndim=3)
    want = "(m,)" if model.k == 1 and model.q == 1 else (f"(m, {model.k})" if model.q == 1 else
                                                          f"(m, {model.k}, {model.q})")
    if sa + (1,) * (3 - len(sa)) != (m, model.k, model.q):
        raise InvalidArgument(f"{path}: 'a' has shape {sa}, the model needs shape (m, {model.k}"
                              + (f", {model.q})" if model.q > 1 else ")") + f" (or {want})")
    if len(sa) == 1:
        a = [[[v]] for v in a]
    elif len(sa) == 2:
        a = [[[v] for v in row] for row in a]
    cols = []
    for name, shape, syms in model.u_groups:
        if name not in obj:
            raise InvalidArgument(f"{path}: missing key {name!r} (shape (m,{','.join(map(str, shape))}))")
        v = obj[name]
        if not isinstance(v, list):
            raise InvalidArgument(f"{path}: {name!r} must be a list with {m} rows like 'a', got {type(v).__name__}")
        sv = _dense(v, name, path, max_ndim=3)
        if len(v) != m:
            raise InvalidArgument(f"{path}: {name!r} must have {m} rows like 'a', got {len(v)}")
        per = 1
        for s in sv[1:]:
            per *= s
        if per != len(syms):
            raise InvalidArgument(f"{path}: each row of {name!r} must have {len(syms)} entries"
                                  f"{' (shape ' + str(shape) + ')' if len(shape) > 1 else ''}, got {per}")
        cols.append([_flat(row) if isinstance(row, list) else [row] for row in v])
    u = [sum((c[j] for c in cols), []) for j in range(m)]
    mass = obj.get("mass")
    if mass is None:
        mass = [Fraction(1, m)] * m
    else:
        if not isinstance(mass, list) or _dense(mass, "mass", path, max_ndim=1) != (m,):
            raise InvalidArgument(f"{path}: 'mass' must be a list of {m} numbers (one per particle)")
        if any(Fraction(v) <= 0 for v in mass):
            raise InvalidArgument(f"{path}: masses must be positive")
    return Measure(a=a, u=u, mass=mass)


def _exact_str(v):
    """Decimal/rational string of a number without losing exactness (floats: their shortest repr,
    mpf: 30 significant digits; Fractions as 'p/q')."""
    if isinstance(v, str):
        return v
    if isinstance(v, Fraction):
        return str(v) if v.denominator != 1 else str(v.numerator)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, mpmath.mpf):
        return mpmath.nstr(v, 30, min_fixed=-30, max_fixed=30)
    return str(v)


def _tree(x, depth):
    if depth == 0:
        return _exact_str(x)
    return [_tree(v, depth - 1) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]


def _atomic_write_json(path, obj):
    from proofs._atomic import atomic_write

    atomic_write(str(path), (json.dumps(obj, indent=1) + "\n").encode(), tag="json")


def save_dataset(path, data: Dataset) -> None:
    """Write a data file (DESIGN.md §3) atomically, numbers as exact strings."""
    obj = {"X": _tree(data.X, 2)}
    if data.Y is not None:
        obj["Y"] = _tree(data.Y, 2)
    _atomic_write_json(path, obj)


def save_measure(path, model, mu: Measure) -> None:
    """Write a measure file in the model's key layout (see :func:`load_measure`) atomically."""
    obj = {"a": [[row if model.q > 1 else row[0] for row in aj] for aj in _tree(mu.a, 3)]}
    u = _tree(mu.u, 2)
    start = 0
    for name, shape, syms in model.u_groups:
        n = len(syms)
        block = [row[start:start + n] for row in u]
        if shape == ():
            obj[name] = [b[0] for b in block]
        elif len(shape) == 2:
            obj[name] = [[b[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])] for b in block]
        else:
            obj[name] = block
        start += n
    obj["mass"] = _tree(mu.mass, 1)
    _atomic_write_json(path, obj)
