"""Provenance tags: how far to trust where a claim's statement comes from.

Every claim carries one tag, or several joined by ``/`` (``[R]/[I]``: recalled, and partly reconstructed). The
tag is about the *statement* (is it the paper's, and how do we know), never about the verdict: a ``[V]`` claim is
still only proved when escset proves it.

========  ==========================================================================================
tag       meaning
========  ==========================================================================================
``[V]``   stated in the paper's text (theorem, lemma or equation as printed)
``[C]``   taken from the authors' code (a commit is named in the claim's source)
``[S]``   from secondary literature (a survey or a later paper restating it)
``[R]``   recalled from the paper without the text at hand: verify the constants before citing
``[D]``   derived independently here (a computation anyone can redo; escset checks it)
``[N]``   checked numerically only (float evidence; no proof in the paper or here)
``[I]``   inferred or reconstructed (low trust: the paper's exact statement may differ)
========  ==========================================================================================
"""
from __future__ import annotations

import re

from proofs.errors import InvalidArgument

__all__ = ["TAGS", "parse_tags", "describe", "trust", "catalogue_id"]

#: tag -> its meaning, in the order of decreasing trust in the statement's fidelity to the paper
TAGS: dict[str, str] = {
    "[V]": "stated in the paper's text",
    "[C]": "taken from the authors' code",
    "[S]": "from secondary literature",
    "[D]": "derived independently in escset",
    "[R]": "recalled from the paper without its text at hand: verify the constants",
    "[N]": "checked numerically only",
    "[I]": "inferred or reconstructed: low trust, the paper's statement may differ",
}

_TAG = re.compile(r"\[[A-Z]\]")


def parse_tags(text: str) -> tuple[str, ...]:
    """``"[R]/[I]"`` -> ``("[R]", "[I]")``. Every tag must be one of :data:`TAGS`."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument(f"got provenance {text!r}; valid is one or more of {' '.join(TAGS)} joined by '/'")
    tags = tuple(_TAG.findall(text))
    rest = _TAG.sub("", text).replace("/", "").strip()
    if not tags or rest:
        raise InvalidArgument(f"got provenance {text!r}; valid is one or more of {' '.join(TAGS)} joined by '/'")
    unknown = [t for t in tags if t not in TAGS]
    if unknown:
        raise InvalidArgument(f"unknown provenance tag {unknown[0]}; valid are {' '.join(TAGS)}")
    return tags


def describe(text: str) -> str:
    """``"[R]/[I]"`` -> ``"[R] recalled from ...; [I] inferred or reconstructed ..."``."""
    return "; ".join(f"{t} {TAGS[t]}" for t in parse_tags(text))


def trust(text: str) -> str:
    """``"low"`` when any tag is [I] or [R] (verify against the paper before citing), else ``"normal"``."""
    return "low" if any(t in ("[I]", "[R]") for t in parse_tags(text)) else "normal"


_CATALOGUE = re.compile(r"(?:MATH\.md\s*)?(?:§\s*[0-9a-z.]+\s+)?([A-Z]{1,2}[0-9]+[a-z]?(?:\.[0-9]+)?)")


def catalogue_id(label: str) -> str:
    """The claim's catalogue id (``"A5"``, ``"G2"``, ``"F14"``): the letter names the family of results (A: the
    mean-field framework of Chizat-Bach, G: attention models, D: activation facts, F: false variants, ...), the
    number its entry. Older labels such as ``"§8 A5 (false variant)"`` give ``"A5 (false variant)"``; a label
    with no catalogue id is returned as it is."""
    if not isinstance(label, str):
        return ""
    m = _CATALOGUE.match(label.strip())
    if not m:
        return re.sub(r"MATH\.md\s*", "", label).strip()
    rest = label.strip()[m.end():].strip()
    return m.group(1) + (f" {rest}" if rest else "")
