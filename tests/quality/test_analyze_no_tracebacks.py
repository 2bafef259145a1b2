"""Valid `escset analyze` inputs that used to end in a traceback (audit of session 4): an erf model whose gradient
underflows the float range along the witness ray, an activation without limits at infinity (sin z), one sympy cannot
split into interval pieces, and a 3 x 3 attention head whose Newton refinement meets a singular Hessian. Each must
exit 0 with a verdict, or 2 with one line."""
import json

import pytest

SIG = {"X": [["-1"], ["0.2"], ["1.5"], ["2"]], "Y": [["0.3"], ["-0.1"], ["0.4"], ["0.2"]]}
MUSIG = {"a": [[["1"]], [["-0.5"]]], "w": [["1"], ["-2"]], "b": [["0"], ["0.5"]], "mass": ["0.5", "0.5"]}
ATT = {"X": [["-2", "1", "3", "3", "3", "-3", "-1", "-3", "0"], ["3", "0", "0", "2", "0", "3", "-2", "-3", "0"],
             ["-3", "3", "0", "0", "1", "3", "3", "-3", "2"], ["0", "-1", "2", "3", "-2", "1", "-3", "-1", "-3"]],
       "Y": [["-0.3"], ["-0.3"], ["0.2"], ["0.1"]]}
MUATT = {"a": [[["0", "0", "0"]]], "A": [[["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"]]], "mass": ["1"]}


def _run(tmp_path, capsys, data, mu, *args):
    from proofs.cli import main

    (tmp_path / "D.json").write_text(json.dumps(data))
    (tmp_path / "M.json").write_text(json.dumps(mu))
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--data", str(tmp_path / "D.json"), "--measure", str(tmp_path / "M.json"), "--json",
              *args])
    cap = capsys.readouterr()
    return e.value.code, cap.out, cap.err


@pytest.mark.parametrize("args", [("--model", "sigmoid", "--activation", "erf", "--certify"),
                                  ("--model", "sigmoid", "--activation", "sin(z)")])
def test_sigmoid_type_cases_give_a_verdict(tmp_path, capsys, args):
    code, out, err = _run(tmp_path, capsys, SIG, MUSIG, *args)
    assert code == 0, err
    assert json.loads(out)["global_optimality"]["verdict"] in ("refuted", "proved", "inconclusive")


def test_activation_sympy_cannot_split_is_one_line(tmp_path, capsys):
    code, out, err = _run(tmp_path, capsys, SIG, MUSIG, "--model", "sigmoid", "--activation", "max(sin(z),0)**2")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "pieces" in err and out == ""


def test_attention_p3_singular_newton_step(tmp_path, capsys):
    code, out, err = _run(tmp_path, capsys, ATT, MUATT, "--model", "attention", "--p", "3")
    assert code == 0, err
    assert json.loads(out)["global_optimality"]["verdict"] in ("refuted", "proved", "inconclusive")


def test_text_output_reports_the_hardmax_faces(tmp_path, capsys):
    from proofs.cli import main

    (tmp_path / "D.json").write_text(json.dumps(ATT))
    (tmp_path / "M.json").write_text(json.dumps(MUATT))
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--data", str(tmp_path / "D.json"), "--measure", str(tmp_path / "M.json"), "--model",
              "attention", "--p", "3", "--certify"])
    out = " ".join(capsys.readouterr().out.split())
    assert e.value.code == 0 and "hardmax limits along rays" in out and "a lower bound of S(mu)" in out
