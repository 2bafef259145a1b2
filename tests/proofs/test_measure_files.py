"""Data and measure files: exact round trips and one-line errors on bad input."""
import json
from fractions import Fraction

import numpy as np
import pytest

from proofs.errors import InvalidArgument
from proofs.problem import measure as M
from proofs.symbolic.models import get_model


@pytest.mark.parametrize("name, kw", [("sigmoid", dict(k=2, d=2)), ("attention", dict(k=1, p=2, L=2)),
                                      ("attention-qk", dict(k=2, p=2, L=2, dq=1)), ("relu-lift", dict(d=2))])
def test_measure_round_trip_is_exact(tmp_path, name, kw):
    model = get_model(name, **kw)
    rng = np.random.default_rng(0)
    mu = M.Measure(a=[[[str(Fraction(int(v), 7)) for v in rng.integers(-9, 9, model.q)] for _ in range(model.k)]
                      for _ in range(3)],
                   u=[[str(Fraction(int(v), 3)) for v in rng.integers(-9, 9, model.p_u)] for _ in range(3)],
                   mass=["1/2", "1/4", "1/4"])
    f = tmp_path / "mu.json"
    M.save_measure(f, model, mu)
    back = M.load_measure(f, model)
    assert [[Fraction(x) for x in r] for r in back.u] == [[Fraction(x) for x in r] for r in mu.u]
    assert [Fraction(x) for x in back.mass] == [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    data = M.Dataset(X=[["0.1"] * model.p_x, ["-2"] * model.p_x], Y=[["1/3"] * model.k, ["0"] * model.k])
    M.save_dataset(tmp_path / "d.json", data)
    d2 = M.load_dataset(tmp_path / "d.json", model)
    assert M.loss(model, back, d2, "arb").contains(M.loss(model, mu, data, "arb").mid())


@pytest.mark.parametrize("content, msg", [
    ("{", "malformed JSON"),
    ('{"Y": [[1]]}', "key 'X'"),
    ('{"X": [], "Y": []}', "empty"),
    ('{"X": [[1, 2], [3]], "Y": [[1], [2]]}', "ragged"),
    ('{"X": [[1, NaN]], "Y": [[1]]}', "non-finite"),
    ('{"X": [[1, "abc"]], "Y": [[1]]}', "non-numeric"),
    ('{"X": [[1, 2]], "Y": [[1], [2]]}', "rows"),
    ('{"X": [[1, 2, 3]], "Y": [[1]]}', "coordinates"),
])
def test_bad_data_files(tmp_path, content, msg):
    f = tmp_path / "d.json"
    f.write_text(content)
    with pytest.raises(InvalidArgument, match=msg):
        M.load_dataset(f, get_model("sigmoid", k=1, d=2))


def test_bad_measure_files(tmp_path):
    model = get_model("sigmoid", k=1, d=2)
    for content, msg in [('{"a": [[1]], "w": [[1, 2]]}', "missing key 'b'"),
                         ('{"a": [[1]], "w": [[1]], "b": [0]}', "entries"),
                         ('{"a": [[1]], "w": [[1, 2]], "b": [0], "mass": [-1]}', "positive"),
                         ('{"a": []}', "no particles")]:
        f = tmp_path / "m.json"
        f.write_text(content)
        with pytest.raises(InvalidArgument, match=msg):
            M.load_measure(f, model)
