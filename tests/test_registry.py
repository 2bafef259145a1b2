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


def _builtin_claims():
    return {k: c for k, c in all_claims().items() if c.check.__module__.startswith("proofs.claims.")}


def test_every_builtin_default_instance_result_carries_a_scope():
    """issue #9: what a verdict covers is part of it. Each built-in check sets ``scope`` itself (``universal``:
    every value of the statement's variables; ``instance``: this data / these parameters); the registry does not
    fill it in for built-ins, so the raw check result is inspected here."""
    from proofs.result import SCOPES, CheckResult

    missing = []
    for c in _builtin_claims().values():
        for inst in c.instances:
            r = c.check(inst, dps=30)
            assert isinstance(r, CheckResult), (c.id, type(r))
            if r.scope not in SCOPES:
                missing.append(f"{c.id} [{inst.get('name', '')}]: scope={r.scope!r}")
    assert not missing, "results without a scope:\n" + "\n".join(missing)


def test_coerce_result_gives_user_results_scope_instance_and_keeps_a_users_scope():
    from proofs.result import CheckResult, Verdict
    from proofs.registry import Claim, coerce_result

    c = Claim(id="user-x", check=lambda inst, *, dps: None, statement="x > 0")
    for value in (0.5, True, CheckResult("user-x", Verdict.INCONCLUSIVE)):
        r = coerce_result(c, value, {"name": "i"})
        assert r.scope == "instance" and "x > 0" in r.statement and r.instance == "i", r
    r = coerce_result(c, CheckResult("user-x", Verdict.PROVED, scope="universal", statement="x > 0 for all x"),
                      {"name": "i"})
    assert r.scope == "universal" and r.statement == "x > 0 for all x"


def test_coerce_result_does_not_fill_in_a_builtins_scope():
    from proofs.result import CheckResult, Verdict
    from proofs.registry import Claim, coerce_result

    c = next(iter(_builtin_claims().values()))
    r = coerce_result(Claim(id=c.id, check=c.check), CheckResult(c.id, Verdict.INCONCLUSIVE), {"name": "i"})
    assert r.scope is None  # tests/test_registry.py's scope test must see what the built-in check returned
