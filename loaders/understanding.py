"""Column understanding (列识别): a column's meaning from its header and its values together.

For every (column, field) pair a score is made of two kinds of evidence:
- header evidence: a mapping the user saved (strongest), an alias of :mod:`core.vocab`,
  a keyword or pattern rule of :mod:`core.vocab_rules` (日期/时间 → a date; 起 → start,
  至 → end), or a close similarity to an alias (rapidfuzz);
- value evidence: a profile of the column's distinct values (share that parse as dates,
  numbers, whole counts, years; share that are terms of the field's vocabulary or match its
  keyword rules; share that look like names or lists of names).
A header whose values contradict it (附议人 holding names, read as a number) loses the field
unless the values can still give it (a list of names gives a count); a generic header
(项目, 内容, 事由) whose values are welfare categories gets the category from its values.
Then one consistent assignment per sheet: each field to at most one column, the strongest
evidence first, a visible column before a hidden one.  Every decision keeps its reasons,
so the report can say for each column which field it became and why, with a confidence.
Profiling works on at most :data:`PROFILE_ROWS` rows and on distinct values only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd
from rapidfuzz import fuzz, process

from core import vocab
from core.text import is_blank, nfkc
from core.vocab_rules import (
    NAME_LIST_SEPARATORS,
    NAME_LIST_TOTAL,
    YES_NO_HEADER,
    field_type,
    header_rule,
    value_rule,
    yes_no,
)
from loaders.mapping import NO_MAPPINGS, UserMappings, alias_index, header_field, skipped_by_user
from loaders.normalize import CellError, canonical_value, normalize_value, parse_count, parse_date, parse_number
from loaders.reading import UncachedFormula

PROFILE_ROWS = 400
FUZZY_MIN = 86  # rapidfuzz ratio (0–100) above which a header is taken as a near-alias

# Evidence sources, as the report names them.
USER, HEADER, KEYWORD, FUZZY, VALUES = "用户映射", "表头", "表头关键词", "表头近似", "取值"
QUESTION = "表头问句（√/×）"  # 是否立案: the column answers the question with ticks and crosses

_HAN_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'-]{1,40}$")
_YEAR = re.compile(r"^(?:19|20)\d{2}(?:\.0)?年?度?$")


@dataclass(frozen=True)
class Profile:
    """What a column's values look like (shares 0–1 of its non-blank sampled cells)."""

    filled: int
    dates: float
    numbers: float
    counts: float
    years: float
    names: float
    name_lists: float
    long_text: float
    distinct: int
    values: tuple[str, ...]  # distinct normalised values (for vocabulary shares)
    ticks: float = 0.0  # √ / × / 是 / 否 (a yes/no column)

    @property
    def categorical(self) -> bool:
        """Repeated values (a category column), not one value per row (names, titles)."""
        return self.filled > 0 and self.distinct <= max(3, 0.5 * self.filled) and self.distinct <= 60

    def vocab_share(self, kind: str, fld: str) -> float:
        """Share of distinct values that are terms of the field's vocabulary or match its rules."""
        return _vocab_share(self.values, kind, fld)


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _ok(parse, value: str) -> bool:
    try:
        return parse(value) is not None
    except CellError:
        return False


def is_name_list(text: str) -> bool:
    """True for a list of people (张三、李四等6人; 张三、李四; Wang Li, Zhang Wei)."""
    parts = [p for p in NAME_LIST_SEPARATORS.split(NAME_LIST_TOTAL.sub("", text)) if p]
    return (len(parts) >= 2 or bool(NAME_LIST_TOTAL.search(text))) and all(
        _HAN_NAME.match(p) or _LATIN_NAME.match(p) for p in parts
    )


def is_person_name(text: str) -> bool:
    """True for one person's name (张三, Wang Li), as a name column holds it."""
    return bool(_HAN_NAME.match(text) or _LATIN_NAME.match(text))


def people_count(text: str) -> int | None:
    """The number of people a list of names stands for (…等6人 → 6; 张三、李四 → 2); None if not a list."""
    if not is_name_list(text):
        return None
    if m := NAME_LIST_TOTAL.search(text):
        return int(m.group(1))
    return len([p for p in NAME_LIST_SEPARATORS.split(text) if p])


def profile(series: pd.Series, default_year: int | None = None) -> Profile:
    """Profile a column (its first :data:`PROFILE_ROWS` cells), per distinct value."""
    sample = series.iloc[:PROFILE_ROWS].dropna()
    # A formula without its cached value says nothing about the column (validation reports it).
    texts = [str(v) for v in sample.tolist() if not is_blank(v) and not isinstance(v, UncachedFormula)]
    if not texts:
        return Profile(0, 0, 0, 0, 0, 0, 0, 0, 0, ())
    counts = pd.Series(texts).value_counts()
    distinct = counts.index.tolist()
    weights = counts.to_numpy()
    total = weights.sum()

    def share(test) -> float:
        return float(sum(w for v, w in zip(distinct, weights, strict=True) if test(v)) / total)

    def is_date(v: str) -> bool:
        # A bare number is a date only as an Excel serial of a plausible day (parse_date decides).
        return _ok(lambda x: parse_date(x, default_year), v)

    return Profile(
        filled=int(total),
        dates=share(is_date),
        numbers=share(lambda v: _ok(parse_number, v)),
        counts=share(lambda v: _ok(parse_count, v)),
        years=share(lambda v: bool(_YEAR.match(nfkc(v).strip()))),
        names=share(lambda v: bool(_HAN_NAME.match(v.strip()))),
        name_lists=share(lambda v: is_name_list(nfkc(v).strip())),
        long_text=share(lambda v: len(v) > 12),
        distinct=len(distinct),
        values=tuple(normalize_value(v) for v in distinct[:200]),
        ticks=share(lambda v: yes_no(normalize_value(v)) is not None),
    )


@cache
def _vocab_share(values: tuple[str, ...], kind: str, fld: str) -> float:
    vocabulary = vocab.VALUE_VOCABULARIES.get(kind, {}).get(fld)
    if not values or vocabulary is None:
        return 0.0
    known = sum(1 for v in values if canonical_value(v, vocabulary)[1] or value_rule(v, kind, fld))
    return known / len(values)


def compatibility(p: Profile, kind: str, fld: str) -> float:
    """How well the values fit the field's type (0–1); 1 for an empty column (no evidence against)."""
    if p.filled == 0:
        return 1.0
    kind_of = field_type(kind, fld)
    if kind_of == "date":
        return p.dates
    if kind_of == "money":
        return p.numbers
    if kind_of == "count":
        return max(p.counts, p.name_lists + p.names)  # 附议人: names, one or a list, stand for people
    if kind_of == "year":
        return max(p.years, p.dates)
    if kind_of == "vocab":
        return p.vocab_share(kind, fld)
    if kind_of == "rate":
        return p.numbers
    if kind_of in ("person", "unit", "org", "text"):
        # Text fields hold text: a column of plain numbers or dates is not a name or a title.
        return 1.0 - max(p.numbers, p.dates) * 0.9
    return 1.0  # code: anything


@cache
def _aliases(kind: str) -> tuple[list[str], list[str]]:
    index = alias_index(kind)
    return list(index), list(index.values())


def header_evidence(keys: list[str], kind: str, user: UserMappings) -> list[tuple[str, float, str]]:
    """Candidate fields of a column from its header keys (most specific first): (field, weight, source)."""
    found: dict[str, tuple[float, str]] = {}

    def add(fld: str | None, weight: float, source: str) -> None:
        if fld and (fld not in found or found[fld][0] < weight):
            found[fld] = (weight, source)

    for rank, key in enumerate(keys):
        if not key:
            continue
        lower = 0.9 if rank else 1.0  # the upper row of a two-row header is weaker evidence
        if key in user.headers and user.headers[key][0] in (kind, "*"):
            add(user.headers[key][1], 3.0 * lower, USER)
            continue
        if (fld := header_field(key, kind)) is not None:
            add(fld, 2.0 * lower, HEADER)
        add(header_rule(key, kind), 1.3 * lower, KEYWORD)
        if (asked := question_field(key, kind)) is not None:
            add(asked[0], 1.9 * lower, QUESTION)
        names, fields = _aliases(kind)
        match = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN)
        if match is not None:
            add(fields[match[2]], 1.0 * lower * match[1] / 100, FUZZY)
    return [(f, w, s) for f, (w, s) in found.items()]


def question_field(key: str, kind: str) -> tuple[str, str, str] | None:
    """A yes/no header (是否立案, 是否办结, 是否满意): (field, term for √, term for ×), or None.

    The question's words are read through the kind's value vocabularies (立案 is a 处理结果, 办结 an
    办理状态); the answer × is the negated words read the same way (未立案 → 不予立案, 不满意).
    """
    m = YES_NO_HEADER.match(key)
    if m is None:
        return None
    asked = normalize_value(m.group(1))
    for fld, vocabulary in vocab.VALUE_VOCABULARIES.get(kind, {}).items():
        yes = _term(asked, kind, fld, vocabulary)
        if yes is None:
            continue
        for negation in ("未" + asked, "不" + asked, "没有" + asked):
            no = _term(negation, kind, fld, vocabulary)
            if no is not None and no != yes:
                return fld, yes, no
    return None


def _term(text: str, kind: str, fld: str, vocabulary: dict[str, tuple[str, ...]]) -> str | None:
    value, known = canonical_value(text, vocabulary)
    return value if known else value_rule(text, kind, fld)


@dataclass(frozen=True)
class Decision:
    """Why a column became a field: ``source`` (表头 / 表头关键词 / 取值 / 用户映射 …) and ``confidence`` 0–1."""

    field: str
    source: str
    confidence: float
    derived: str = ""  # e.g. 由姓名列表计数 when a count comes from a list of names


def assign(
    header_keys: list[list[str]],
    profiles: list[Profile],
    kind: str,
    user: UserMappings = NO_MAPPINGS,
    hidden: frozenset[int] = frozenset(),
    excluded: frozenset[int] = frozenset(),
) -> dict[int, Decision]:
    """The best consistent column → field assignment for ``kind`` (each field once, each column once).

    ``excluded`` columns (personal data that is never stored) take no field.
    """
    candidates: list[tuple[float, int, int, str, str, float, str]] = []
    value_fields = [f for f in vocab.VALUE_VOCABULARIES.get(kind, {})]
    for j, keys in enumerate(header_keys):
        if j in excluded or skipped_by_user(keys, kind, user):
            continue  # never stored, or the user said (不导入)
        p = profiles[j] if j < len(profiles) else Profile(0, 0, 0, 0, 0, 0, 0, 0, 0, ())
        seen: set[str] = set()
        for fld, weight, source in header_evidence(keys, kind, user):
            seen.add(fld)
            fit = p.ticks if source == QUESTION else compatibility(p, kind, fld)
            derived = ""
            people = p.name_lists + p.names  # a list of names or one name (disjoint shares)
            if field_type(kind, fld) == "count" and people > p.counts and people >= 0.5 and p.name_lists:
                derived = "names"
            if source != USER and p.filled >= 3 and fit < 0.3:
                continue  # the values say otherwise: a header's promise is not kept
            if p.filled < 3:
                fit = max(fit, 0.8)  # too few values to speak against the header
            score = weight * (0.4 + 0.6 * fit) if source != USER else weight
            both = source != USER and p.filled and fit >= 0.6 and field_type(kind, fld) in ("vocab", "date")
            if both:
                score += 0.6  # the header and the values agree
            candidates.append((score, j in hidden, j, fld, source + ("+" + VALUES if both else ""), fit, derived))
        # Values alone: a column of repeated short terms of a vocabulary field (项目 holding 类别).
        # Never over a header that names a required field (活动 → 活动名称, whose words look like categories).
        names_required = any(f in vocab.REQUIRED_FIELDS[kind] for f in seen)
        for fld in value_fields:
            if fld in seen or not p.categorical or names_required:
                continue
            share = p.vocab_share(kind, fld)
            if share >= 0.6:
                # Strong enough to beat a generic alias (项目 → item) but not a header that agrees.
                candidates.append((1.2 + 1.2 * share, j in hidden, j, fld, VALUES, share, ""))
    candidates.sort(key=lambda c: (c[1], -c[0], c[2]))
    # A header alias beats value evidence for the same column only when both name one field;
    # for two fields competing for one column the stronger score wins (sorted above).
    chosen: dict[int, Decision] = {}
    taken: set[str] = set()
    for score, _hidden, j, fld, source, _fit, derived in candidates:
        if j in chosen or fld in taken:
            continue
        chosen[j] = Decision(fld, source, round(min(1.0, score / 2.0), 2), derived)
        taken.add(fld)
    return dict(sorted(chosen.items()))


def kind_score(decisions: dict[int, Decision], kind: str) -> float:
    """How well a kind explains the sheet: the evidence of its fields, plus 3 × the share of its required fields."""
    found = {d.field for d in decisions.values()}
    score = sum(d.confidence for d in decisions.values() if d.field not in ("seq", "note", "org"))
    if kind == "welfare" and {"unit_rate", "person_times"} <= found:
        found.add("amount")  # 金额 = 标准（元/人）× 人数
    required = vocab.REQUIRED_FIELDS[kind]
    return score + 3 * sum(1 for f in required if f in found) / len(required)
