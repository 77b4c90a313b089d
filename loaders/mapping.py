"""Mapping (映射): headers to canonical fields and values to the standard vocabulary.

The built-in alias tables live in :mod:`core.vocab`; mappings the user confirmed
in the app (saved in the store) come first, so a school's own words are learnt once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process

from core import vocab
from core.text import cell_text
from core.vocab_rules import value_rule
from loaders.normalize import canonical_value, normalize_header, normalize_value


@dataclass
class UserMappings:
    """Mappings a user confirmed (用户确认的映射).

    ``headers``: normalised header key → (kind, field); kind "*" applies to every kind.
    ``values``: (kind, field, normalised raw value) → canonical value.
    """

    headers: dict[str, tuple[str, str]] = field(default_factory=dict)
    values: dict[tuple[str, str, str], str] = field(default_factory=dict)


NO_MAPPINGS = UserMappings()

# The kind of a mapping that holds in ledgers of every kind (a sub-union's other spelling, 分工会别名).
ANY_KIND = "*"

# A user mapping to this field means "(不导入)": the column takes no field, whatever its header says.
SKIP_FIELD = "__skip__"


def skipped_by_user(keys: list[str], kind: str, user: UserMappings) -> bool:
    """True when the first of a column's header ``keys`` that the user mapped for ``kind`` maps to (不导入)."""
    for key in keys:
        if key and key in user.headers and user.headers[key][0] in (kind, "*"):
            return user.headers[key][1] == SKIP_FIELD
    return False


@cache
def alias_index(kind: str) -> dict[str, str]:
    """Normalised header alias → field for ``kind`` (its own aliases over the shared 序号/学校/备注)."""
    index: dict[str, str] = {}
    for fld, aliases in vocab.COMMON_ALIASES.items():
        for alias in aliases:
            index.setdefault(normalize_header(alias).key, fld)
    for fld, aliases in vocab.FIELD_ALIASES[kind].items():
        for alias in aliases:
            index[normalize_header(alias).key] = fld
    return index


@cache
def known_header_keys() -> frozenset[str]:
    """Every header key that some kind knows (used to find the header row)."""
    keys: set[str] = set()
    for kind in vocab.KINDS:
        keys.update(alias_index(kind))
    return frozenset(keys)


# Last-resort rules when no alias matches: a header containing the word.
_CONTAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "welfare": (("金额", "amount"), ("日期", "date"), ("类别", "category")),
    "activities": (("活动名称", "name"), ("经费", "cost"), ("参加人", "participants")),
    "awards": (("荣誉", "title"), ("奖项", "title")),
    "proposals": (("提案标题", "title"), ("处理结果", "decision")),
    "budget": (("预算", "budget"), ("决算", "final")),
}


def header_field(key: str, kind: str, user: UserMappings = NO_MAPPINGS) -> str | None:
    """The canonical field of a normalised header ``key`` in a ledger of ``kind``, or None.

    Order: a user mapping for this kind, a user mapping for any kind ("*"), the alias
    table of the kind (plus 序号 / 学校 / 备注, shared by all), then the
    "contains" fallback (a header containing 金额 is the amount in a welfare ledger).
    """
    if not key:
        return None
    if key in user.headers:
        mapped_kind, mapped_field = user.headers[key]
        if mapped_kind in (kind, "*"):
            return None if mapped_field == SKIP_FIELD else mapped_field
    if (fld := alias_index(kind).get(key)) is not None:
        return fld
    for word, fld in _CONTAINS.get(kind, ()):
        if word in key and not key.startswith("应"):
            return fld
    return None


def has_any_kind_values(fld: str, user: UserMappings) -> bool:
    """True when the user mapped some value of ``fld`` for every kind (a sub-union alias, 分工会别名)."""
    return any(k == ANY_KIND and f == fld for k, f, _ in user.values)


def map_value(raw: object, kind: str, fld: str, user: UserMappings = NO_MAPPINGS) -> tuple[str, bool]:
    """Map a vocabulary value (类别 / 级别 / 处理结果 / 办理状态 …) to its standard word.

    Returns ``(value, known)``.  A user mapping wins; then the built-in vocabulary of
    ``kind``/``fld``; a field without a vocabulary returns the text as written and True.
    Unknown values come back as written with ``known`` False: kept, never dropped.
    """
    vocabulary = vocab.VALUE_VOCABULARIES.get(kind, {}).get(fld)
    key = (kind, fld, normalize_value(raw))
    if key in user.values:
        return user.values[key], True
    if (ANY_KIND, fld, key[2]) in user.values:  # a mapping of every kind's field (分工会别名)
        return user.values[(ANY_KIND, fld, key[2])], True
    if vocabulary is None:
        return cell_text(raw), True
    value, known = canonical_value(raw, vocabulary)
    if not known and (term := value_rule(key[2], kind, fld)) is not None:
        return term, True  # a keyword rule of core.vocab_rules (看望生病住院教职工 → 生病住院慰问)
    return value, known


def suggest_value(raw: object, kind: str, fld: str) -> str | None:
    """The standard term most similar to an unknown value (rapidfuzz over every alias), or None.

    Only a suggestion for the user to confirm on the upload page; never applied in silence.
    """
    vocabulary = vocab.VALUE_VOCABULARIES.get(kind, {}).get(fld)
    if not vocabulary:
        return None
    choices = {alias: term for term, aliases in vocabulary.items() for alias in (term, *aliases)}
    match = process.extractOne(normalize_value(raw), list(choices), scorer=fuzz.WRatio, score_cutoff=60)
    return None if match is None else choices[match[0]]
