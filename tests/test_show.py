"""``escset show``, ``escset list`` and the provenance tags: the project's own reference, with nothing pointing
outside the repository, and the ``check`` table escaping markup."""
import json

import pytest

from proofs.cli import main
from proofs.provenance import TAGS, catalogue_id, describe, parse_tags, trust
from proofs.errors import InvalidArgument
from proofs.registry import all_claims


def escset(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_tags_and_their_meanings():
    assert set(TAGS) == {"[V]", "[C]", "[S]", "[R]", "[D]", "[N]", "[I]"}
    assert parse_tags("[R]/[I]") == ("[R]", "[I]")
    assert describe("[D]").startswith("[D] derived independently")
    assert trust("[R]/[I]") == "low" and trust("[D]/[I]") == "low" and trust("[D]") == "normal"
    for bad in ("", "[X]", "[D] and more", "D"):
        with pytest.raises(InvalidArgument):
            parse_tags(bad)


def test_catalogue_ids():
    assert catalogue_id("A5") == "A5"
    assert catalogue_id("§8 A5") == "A5"
    assert catalogue_id("§8 A3 (false variant)") == "A3 (false variant)"
    assert catalogue_id("derived") == "derived"


def test_every_builtin_claim_is_a_self_contained_reference_entry():
    """Every claim's metadata is in the project's words: a tag of the list, a paper, and no pointer to a file a
    user's clone does not have."""
    from proofs.registry import is_builtin

    for c in all_claims().values():
        if not is_builtin(c):
            continue
        parse_tags(c.provenance)  # a tag of the list
        assert c.paper and c.statement, c.id
        text = " ".join([c.statement, c.label, c.paper, c.source, c.description, *c.assumptions])
        if c.check.__module__.split(".")[2] in ("chizat_bach_2018", "petit_poon_peyre_2026", "engine"):
            assert "MATH.md" not in text and "../shared" not in text, c.id
            assert c.source, c.id


def test_show_text_json_latex(capsys):
    code, out, _ = escset(capsys, "show", "mean-field-limit-loss-curves")
    assert code == 0
    assert "Theorem 2.6" in out and "[R] recalled" in out and "[I] inferred" in out and "hypotheses" in out
    c = all_claims()["mean-field-limit-loss-curves"]
    for a in c.assumptions:
        assert a in out
    code, out, _ = escset(capsys, "show", "mean-field-limit-loss-curves", "--json")
    d = json.loads(out)
    assert d["catalogue_id"] == "A14" and d["trust"] == "low" and d["assumptions"] == list(c.assumptions)
    assert d["statement"] == c.statement and d["source"] == c.source
    code, out, _ = escset(capsys, "show", "euler-decreases-energy-at-any-step", "--latex")
    assert code == 0
    assert out.count(r"\begin{itemize}") == out.count(r"\end{itemize}") == 1
    assert out.count(r"\[") == out.count(r"\]") == 1
    assert "false variant" in out
    assert r"C\textasciicircum{}2" in out  # hypotheses are text, their special characters escaped


def test_show_by_catalogue_id_and_bad_input(capsys):
    code, out, _ = escset(capsys, "show", "A2")
    assert code == 0 and out.startswith("particle-velocity-identity")
    code, _, err = escset(capsys, "show", "no-such-claim")
    assert code == 2 and "unknown claim" in err
    code, _, err = escset(capsys, "show", "A2", "--json", "--latex")
    assert code == 2


def test_list_shows_catalogue_ids_and_tag_meanings(capsys):
    code, out, _ = escset(capsys, "list")
    assert code == 0
    assert "MATH.md" not in out
    assert "[R] recalled" in out and "[V] stated in the paper" in out


USER = '''
from proofs import claim, CheckResult, Verdict

@claim("user-markup[x]", instances=[{"name": "net[tanh] [bold]b"}], statement="s")
def chk(instance, *, dps):
    return CheckResult("user-markup[x]", Verdict.REFUTED, margin=-1, witness={"x": "1/3", "seed": 4},
                       message="[bold]kept[/bold] as text", scope="instance", statement="s",
                       precision="exact")
'''


def test_check_table_escapes_markup_and_prints_witnesses_readably(capsys, tmp_path):
    f = tmp_path / "mk.py"
    f.write_text(USER)
    code, out, _ = escset(capsys, "check", "--module", str(f), "user-markup[x]")
    assert code == 1  # a holds claim refuted: unexpected
    # the verdict block itself (the list of unexpected verdicts at the end is printed without markup anyway)
    assert "     user-markup[x] [net[tanh] [bold]b]" in out.splitlines(), out
    assert any(line.startswith("     [bold]kept[/bold] as text") for line in out.splitlines())
    assert "x = 1/3, seed = 4" in out and "{'x'" not in out
    assert "margin -1" in out
