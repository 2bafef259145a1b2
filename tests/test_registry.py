from proofs.registry import CLAIM_MODULES, all_claims


def test_every_claim_has_label_provenance_instances_and_strategy():
    claims = {k: c for k, c in all_claims().items() if c.check.__module__.startswith("proofs.claims.")}
    assert len(claims) >= 8
    for c in claims.values():
        assert c.label and c.provenance and c.statement, c.id
        assert c.instances, c.id
        assert c.get_strategy() is not None, c.id
        assert c.expected in ("holds", "fails")


def test_claim_modules_exist():
    import importlib

    for mod in CLAIM_MODULES:
        importlib.import_module(f"proofs.claims.{mod}")
