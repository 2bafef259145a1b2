"""proofs.ntk: lambda_min verdicts (proved / refuted / inconclusive), the mpmath value bracketed by the certified
bounds, the exact singularity witnesses, the requirement calculators and the ``escset ntk`` command."""
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from proofs.claims.du_2019.kernels import _unit_inputs
from proofs.errors import InvalidArgument
from proofs.ntk import ntk_lambda_min, ntk_requirements, singularity_witness


def _rat_unit(n, d, seed):
    X = np.random.default_rng(seed).standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1)[:, None]
    return [[str(Fraction(round(v * 10 ** 4), 10 ** 4)) for v in row] for row in X]


def test_two_point_lambda_to_40_digits_bracketed():
    """n = 2, rho = 12/37 exactly (x_2 = (12, 35)/37): lambda_0 = 1/2 - h(rho) to 40 digits (closed form)."""
    out = ntk_lambda_min([["1", "0"], ["12/37", "35/37"]], certify=True, dps=40)
    with mpmath.workdps(60):
        c = mpmath.mpf(12) / 37
        lam = mpmath.mpf(1) / 2 - c * (mpmath.pi - mpmath.acos(c)) / (2 * mpmath.pi)
        assert abs(mpmath.mpf(out["lambda_min"]) - lam) < mpmath.mpf(10) ** -39
        assert mpmath.mpf(out["certified_lower_bound"]) <= lam <= mpmath.mpf(out["certified_upper_bound"])
    assert out["positive_definite"] == "proved" and out["scope"] == "instance"
    assert out["cross_check"].startswith("certified bounds bracket")


@pytest.mark.parametrize("arch,depth,act", [("fc", 3, "relu"), ("resnet", 3, "erf"), ("fc", 2, "erf")])
def test_deep_closed_form_proved_and_lambda_matches_float_recursion(arch, depth, act):
    from numerics.ntk.recursions import gram

    X = _rat_unit(5, 3, depth)
    out = ntk_lambda_min(X, arch=arch, depth=depth, activation=act, certify=True)
    K = gram(np.array([[float(Fraction(v)) for v in r] for r in X]), arch=arch, depth=depth, activation=act)
    assert abs(float(out["lambda_min"]) - np.linalg.eigvalsh(K)[0]) < 1e-12
    assert out["positive_definite"] == "proved" and not out["numerical"]


def test_quadrature_activation_is_numerical_never_proved():
    out = ntk_lambda_min(_rat_unit(4, 3, 0), arch="fc", depth=2, activation="softplus", certify=True)
    assert out["positive_definite"] == "inconclusive" and out["numerical"] is True
    assert float(out["certified_lower_bound"]) > 0  # of the computed matrix only


def test_singularity_witnesses_exact():
    assert singularity_witness([["1", "2"], ["1", "2"], ["0", "1"]], arch="fc", depth=2,
                               activation="softplus")["kind"] == "identical-inputs"
    assert singularity_witness([["1", "2"], ["2", "4"]])["kind"] == "parallel-inputs"
    assert singularity_witness([["1", "2"], ["2", "4"]], arch="fc", depth=2, activation="softplus") is None
    assert singularity_witness([["1", "2"], ["-1", "-2"]]) is None  # antiparallel: no witness (F1)
    w = singularity_witness(_unit_inputs(12, 3, 0), activation="square")
    assert w["kind"] == "rank-bound" and w["rank_bound"] == 10  # exact unit norms: C(3 + 2, 2)
    assert singularity_witness(_rat_unit(12, 3, 0), activation="square") is None  # unequal norms: C(3 + 4, 4) = 35


def test_rank_bound_is_consistent_with_numerical_rank():
    """square, two-layer, d = 3, n = 12: the float Gram has numerical rank <= the exact bound (MATH: 6)."""
    from numerics.ntk.recursions import gram

    X = _unit_inputs(12, 3, 0)
    out = ntk_lambda_min(X, activation="square")
    assert out["positive_definite"] == "refuted" and out["witness"]["kind"] == "rank-bound"
    K = gram(np.array([[float(Fraction(v)) for v in r] for r in X]), arch="two-layer", depth=1,
             activation="square")
    ev = np.linalg.eigvalsh(K)
    assert np.sum(ev > 1e-9 * ev[-1]) <= out["witness"]["rank_bound"]


def test_requirements_two_layer_explicit_formulas():
    r = ntk_requirements(n=4, lambda0="0.25", delta=0.3, y_sq_sum=2.0)
    S = 2.0 + 2.0
    R = math.sqrt(2 * math.pi) * 0.1 * 0.25 / (16 * 16)
    assert math.isclose(r["terms"][0]["m"], 32 * 16 * math.log(2 * 16 / 0.1) / 0.0625)
    assert math.isclose(r["terms"][1]["value"], R)
    assert math.isclose(r["terms"][3]["m"], 4 * 4 * (S / 0.1) / (0.0625 * R * R))
    assert math.isclose(r["terms"][4]["m"], 4 * r["terms"][3]["m"])
    assert "order of magnitude" in r["terms"][5]["kind"]
    rr = ntk_requirements(n=4, lambda0="0.01", arch="resnet", depth=4)
    assert all("order of magnitude" in t["kind"] for t in rr["terms"]) and math.isclose(rr["eta_order"],
                                                                                        0.01 * 16 / 16)
    with pytest.raises(InvalidArgument):
        ntk_requirements(n=4, lambda0="0")


def test_bad_inputs():
    for kw in [dict(arch="cnn"), dict(arch="resnet", depth=1), dict(arch="two-layer", depth=3),
               dict(activation="nosuch"), dict(dps=5)]:
        with pytest.raises(InvalidArgument):
            ntk_lambda_min([["1", "0"], ["0", "1"]], **kw)
    with pytest.raises(InvalidArgument):
        ntk_lambda_min([["0", "0"], ["0", "1"]])


def test_cli_deep_json_and_requirements(tmp_path, capsys):
    from proofs.cli import main

    f = tmp_path / "d.json"
    f.write_text(json.dumps({"X": [["1", "0"], ["0.6", "0.8"], ["0", "1"]], "Y": [["1"], ["-1"], ["0.5"]]}))

    def run(*args):
        with pytest.raises(SystemExit) as e:
            main(["ntk", "--data", str(f), *args])
        cap = capsys.readouterr()
        return e.value.code, cap.out, cap.err

    code, out, err = run("--arch", "resnet", "--depth", "3", "--activation", "erf", "--certify", "--json")
    assert code == 0, err
    o = json.loads(out)
    assert o["positive_definite"] == "proved" and o["arch"] == "resnet"
    code, out, err = run("--requirements", "--json")
    assert code == 0, err
    r = json.loads(out)["requirements"]
    assert r["m_gd"] > 1e6 and r["terms"][0]["provenance"] == "[D]"
    code, out, err = run("--arch", "resnet", "--depth", "1")
    assert code == 2 and "depth" in err


def test_bracket_cross_check_catches_an_inconsistent_certificate(monkeypatch):
    """A lower 'certificate' above the mpmath eigenvalue must raise (the internal bracket check), not pass."""
    import dataclasses

    import numerics.certified.linalg as la

    real = la.lambda_min_bracket

    def bad(K, **kw):
        b = real(K, **kw)
        return dataclasses.replace(b, lower=b.lower + 1, upper=b.upper + 2)

    monkeypatch.setattr(la, "lambda_min_bracket", bad)
    with pytest.raises(RuntimeError, match="bracket"):
        ntk_lambda_min([["1", "0"], ["0.6", "0.8"]], certify=True, dps=20)


def test_lambda_min_digits_supported_by_the_error_bound():
    """Near-parallel inputs at depth 3: the midpoint eigenvalue is meaningless at 30 digits (ball radii above
    lambda); only digits within the Weyl bound are printed (the audit's near3 instance; the true value
    3.183098861841843721e-13 comes from an 80-digit closed-form recursion)."""
    X = [["1", "0", "0"], ["1", "1e-12", "0"], ["0", "1", "0"], ["0", "0", "1"]]
    out = ntk_lambda_min(X, arch="fc", depth=3, dps=30)
    assert out["lambda_min_digits"] == 0 and out["lambda_min"] is None and out["lambda_min_bracket"]
    out = ntk_lambda_min(X, arch="fc", depth=3, dps=60)
    d = out["lambda_min_digits"]
    assert 5 <= d < 60
    true = mpmath.mpf("3.183098861841843721e-13")
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(out["lambda_min"]) - true) <= true * mpmath.mpf(10) ** (1 - d)
    out = ntk_lambda_min([["1", "0"], ["0.6", "0.8"]], dps=30)
    assert out["lambda_min_digits"] >= 25  # well-conditioned: nearly all digits supported


def test_requirements_refused_where_the_theorems_do_not_apply(tmp_path, capsys):
    from proofs.cli import main

    def run(X, *args, Y=None):
        f = tmp_path / "d.json"
        f.write_text(json.dumps({"X": X, **({"Y": Y} if Y else {})}))
        with pytest.raises(SystemExit) as e:
            main(["ntk", "--data", str(f), "--requirements", *args])
        cap = capsys.readouterr()
        return e.value.code, cap.out, cap.err

    unit = [["1", "0", "0"], ["0.6", "0.8", "0"], ["0", "0.6", "0.8"], ["0.8", "0", "0.6"]]
    code, _, err = run(unit, "--arch", "fc", "--depth", "2", "--activation", "softplus")
    assert code == 2 and "certified" in err  # quadrature Gram: no certified bound of the exact matrix
    code, _, err = run(unit, "--activation", "erf")
    assert code == 2 and "ReLU" in err  # Du 2018 widths are ReLU widths
    code, _, err = run([["10", "0", "0"]] + unit[1:])
    assert code == 2 and "unit" in err  # Lemma 3.1 needs |x_i| = 1
    code, _, err = run(unit, "--arch", "fc", "--depth", "2")
    assert code == 2 and "smooth" in err  # Du 2019 assume a smooth activation
    code, _, err = run(unit, Y=["1e308", "1e308", "0", "0"])
    assert code == 2 and "too large" in err
    code, out, err = run(unit, "--json")
    assert code == 0, err
    r = json.loads(out)["requirements"]
    gd = [t for t in r["terms"] if "4.1 (gradient descent)" in t["name"]][0]
    assert "necessary part" in gd["kind"] and "necessary part" in r["m_gd_note"]


def test_constant_activation_rejected():
    for a in ("0*z", "3"):
        with pytest.raises(InvalidArgument, match="constant"):
            ntk_lambda_min([["1", "0"], ["0", "1"]], arch="fc", depth=2, activation=a)
