"""Variations the loader gets wrong today (measured on the one-variation tests).

Each parametrised case named here is ``xfail(strict=True)``: when the loader learns the
variation the case passes, the strict xfail turns it into a failure, and the name must be
removed from this set.  Property tests draw only from variations NOT listed here.
"""

from __future__ import annotations

# name -> why it fails today (what the loader does with it)
REASONS: dict[str, str] = {}

KNOWN_FAILING: set[str] = set(REASONS)

# Kinds the loader does not support yet: their baseline ledgers cannot load.
UNSUPPORTED_KINDS: dict[str, str] = {}

# Combinations that fail although each member passes alone: (kind, variation names) -> why.
# Property tests skip any draw that contains one of these.
KNOWN_FAILING_COMBINATIONS: dict[tuple[str, frozenset[str]], str] = {}


def known_bad_combination(kind: str, names: set[str]) -> str | None:
    for (k, combo), reason in KNOWN_FAILING_COMBINATIONS.items():
        if k == kind and combo <= names:
            return reason
    return None
