"""README.md stays in step with the code: the catalogue lists every claim, the set-up commands are the CI's."""
import pathlib
import re

from proofs.registry import all_claims

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_catalogue_lists_every_registered_claim():
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([A-Za-z0-9-]+)` \|", text, flags=re.M))
    builtin = {cid for cid, c in all_claims().items() if c.check.__module__.startswith("proofs.claims.")}
    assert builtin <= listed, sorted(builtin - listed)


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    for cmd in ('pip install . && escset check', 'pip install ".[test]" && pytest -n 2'):
        assert cmd in readme
        assert cmd.replace("pip install", "pip install --quiet") in ci


def test_readme_never_points_outside_the_repository():
    text = (ROOT / "README.md").read_text()
    for bad in ("MATH.md", "../shared", "/work/shared", "DESIGN.md §", "STYLE.md"):
        assert bad not in text, bad


def test_readme_explains_every_provenance_tag():
    from proofs.provenance import TAGS

    text = (ROOT / "README.md").read_text()
    for tag in TAGS:
        assert f"| `{tag}` |" in text, tag


def test_readme_prove_latex_example_is_what_escset_prints():
    from proofs.prove.latex import statement_latex

    text = (ROOT / "README.md").read_text()
    tex = statement_latex("x*y <= 0.3", ["x in [0, 1]", "y in [0, 1]"], ["x + y <= 1"])
    assert f"`{tex}`" in text


def test_readme_shows_one_figure_per_paper_with_its_notebook():
    text = (ROOT / "README.md").read_text()
    for stem in ("chizat_bach_2018", "petit_poon_peyre_2026", "du_2018", "du_2019", "marion_berthier_2023"):
        assert f"(notebooks/figures/{stem}.png)" in text, stem
        nb = next((ROOT / "notebooks").glob(f"0*_{stem}.py"))
        assert f"`{nb.name}`" in text and f'"{stem}.png"' in nb.read_text(), stem  # the notebook writes it


def regenerate_catalogue() -> None:
    """Rewrite the README's catalogue block from the registry (``python -m tests.test_readme``)."""
    from proofs.cli._check import catalogue_markdown

    path = ROOT / "README.md"
    text = path.read_text()
    start = text.index("<!-- catalogue: every registered claim")
    start = text.index("\n", start) + 1
    end = text.index("<!-- catalogue end -->")
    path.write_text(text[:start] + catalogue_markdown(all_claims().values()) + "\n" + text[end:])


if __name__ == "__main__":
    regenerate_catalogue()
