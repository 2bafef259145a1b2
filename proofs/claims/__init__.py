"""The built-in claims, one folder per paper (chizat_bach_2018, petit_poon_peyre_2026, marion_berthier_2023) and
``engine`` for escset's own integrators; ``_common`` holds the helpers they share. Each module registers its claims
with :func:`proofs.registry.claim`; :data:`proofs.registry.CLAIM_MODULES` lists them."""
