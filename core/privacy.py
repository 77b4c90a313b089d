"""Personal information (个人信息): what is never stored, what is kept back, and the pseudonym.

Pure functions, used by the loaders (inside the reading subprocess, so no store here) and by
core.erasure.  Rules (个人信息保护法 Art. 6 最小必要, Art. 28 敏感个人信息):

- identity numbers (身份证号 with its check digit; 银行卡号 as any other run of 15–19 digits;
  医保号 by header only, since it has no fixed form), phone numbers (mobile 1[3-9]…, landlines
  written with an area code or after 电话：) and street addresses (…路3号, …小区5栋…) are
  recognised by :func:`withheld_category` (headers) and :func:`redact` (values);
- notes that tell of an illness or of family matters are recognised by :func:`is_sensitive_note`;
- :func:`pseudonym` is the stable stand-in for a removed name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core import vocab
from core.labels import t
from core.text import is_blank, nfkc

PSEUDONYM_PREFIX = "已删除人员-"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(number: str) -> bool:
    """True when an 18-character 居民身份证号码 has the right check digit (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


_CN_DIGITS = "一二三四五六七八九十百零〇"
# A run of 15–19 digits (groups of 4 separated by a space or hyphen allowed, as cards are written);
# an 18-character one ending in X is an ID number too.
_LONG_NUMBER = re.compile(r"(?<![\dA-Za-z])\d(?:[ -]?\d){13,17}[\dXx](?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}[ -])\d{7,8}(?:(?:-|转)\d{1,5})?(?!\d)")
_LABELLED_PHONE = re.compile(r"(?:电话|手机|联系方式|tel|TEL|Tel)[:：]?[ ]*\d[\d ()-]{5,}\d", re.IGNORECASE)
_NUM = rf"[\d{_CN_DIGITS}]+"
_UNIT = r"(?:栋|幢|号楼|单元|室|层|号|组|户)"
_ROAD = (
    rf"(?:[\u4e00-\u9fff]{{1,12}}(?:省|市|区|县|镇|乡))*[\u4e00-\u9fff\d]{{1,10}}"
    rf"(?:路|街|大道|大街|巷|弄|胡同|里|道){_NUM}(?:-\d+)?号(?:院|楼)?(?:{_NUM}{_UNIT})*"
)
_ESTATE = (
    rf"(?:[\u4e00-\u9fff]{{1,12}}(?:省|市|区|县|镇|乡))*[\u4e00-\u9fff\d]{{1,12}}"
    rf"(?:小区|花园|公寓|新村|家园|社区|苑|大厦|村){_NUM}(?:-\d+)?{_UNIT}(?:{_NUM}(?:-\d+)?{_UNIT})*"
)
_ADDRESS = re.compile(rf"(?P<lead>家住|住在|居住在|现住|住址[:：]?|地址[:：]?)?(?P<addr>{_ROAD}|{_ESTATE})")
# Cheap test first: most cells hold none of these, and skip the patterns.
_MAYBE = re.compile(r"\d{7}|\d{3,4}[ -]\d{4}|[路街巷弄道里号栋幢室苑村]|电话|手机|tel", re.IGNORECASE)
_LEFTOVER = re.compile(r"[\s,，;；:：、。.()（）\-]|家住|住在|居住在|现住|住址|地址|电话|手机|联系方式|联系")


# The same pre-test for RE2 (Arrow compute), written as a superset of _MAYBE: \p{Nd} for Python's
# Unicode \d, the raw text and its NFKC form both tried (redact's own guard tries both).
_MAYBE_RE2 = r"\p{Nd}{7}|\p{Nd}{3,4}[ -]\p{Nd}{4}|[路街巷弄道里号栋幢室苑村]|电话|手机|(?i:tel)"


def may_hold(values) -> list[bool]:
    """Per value: could it hold an identity number, phone or address (the cheap pre-test, vectorised)?

    ``values``: a list, a pandas Series or an Arrow array of cell values (non-text values as ``str``).
    Lets callers run :func:`redact` only on the few candidates of a column's distinct values: a value
    left out here is one :func:`redact` leaves unchanged (the test is a superset of its own).
    """
    return may_hold_mask(values).tolist()


def may_hold_mask(values) -> np.ndarray:
    """:func:`may_hold` as a NumPy boolean array (Arrow's RE2 over the values and their NFKC form)."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    try:
        text = _as_arrow_text(values)
        raw = pc.match_substring_regex(text, _MAYBE_RE2)
        folded = pc.match_substring_regex(pc.utf8_normalize(text, form="NFKC"), _MAYBE_RE2)
        return pc.fill_null(pc.or_(raw, folded), False).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, UnicodeError):  # a lone surrogate Arrow cannot hold: the Python test
        return np.array([_maybe_python(v) for v in values], dtype=bool)


def _as_arrow_text(values) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, pa.ChunkedArray | pa.Array):
        array = values
    else:
        try:  # texts (and missing values) convert in one call; anything else as str, as before
            array = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            array = pa.array([v if isinstance(v, str) else str(v) for v in values], type=pa.string())
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array


def _maybe_python(value: object) -> bool:
    text = value if isinstance(value, str) else str(value)
    return bool(_MAYBE.search(text) or _MAYBE.search(nfkc(text)))


def mask(category: str) -> str:
    """The text left where a value was cut out: 〔已删除住址〕."""
    return t("privacy.mask", what=category)


def _long_number(match: re.Match, found: set[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    category = "身份证号" if id_checksum_ok(digits) else "银行卡号"
    found.add(category)
    return mask(category)


def redact(text: str) -> tuple[str, frozenset[str]]:
    """``text`` with identity numbers, phone numbers and street addresses cut out, and their categories.

    "住院治疗（腰椎手术），家住幸福路3号" → ("住院治疗(腰椎手术),家住〔已删除住址〕", {"住址"}).
    Text with nothing to cut comes back unchanged (not even NFKC-folded).
    """
    if not isinstance(text, str) or not _MAYBE.search(text) and not _MAYBE.search(nfkc(text)):
        return text, frozenset()
    found: set[str] = set()
    out = nfkc(text)
    out = _LONG_NUMBER.sub(lambda m: _long_number(m, found), out)

    def phone(_m: re.Match) -> str:
        found.add("电话号码")
        return mask("电话号码")

    out = _LABELLED_PHONE.sub(phone, out)
    out = _MOBILE.sub(phone, out)
    out = _LANDLINE.sub(phone, out)

    def address(m: re.Match) -> str:
        found.add("住址")
        return (m.group("lead") or "") + mask("住址")

    out = _ADDRESS.sub(address, out)
    return (out, frozenset(found)) if found else (text, frozenset())


def wholly_withheld(value: object) -> str | None:
    """The category when the whole cell is an identity number, phone number or address, else None."""
    if is_blank(value):
        return None
    text = str(value).strip()
    out, found = redact(text)
    if not found:
        return None
    rest = out
    for category in found:
        rest = rest.replace(mask(category), "")
    rest = _LEFTOVER.sub("", rest)
    return min(found, key=vocab.WITHHELD_ORDER.index) if len(rest) <= 2 else None


def withheld_category(header_keys: Iterable[str]) -> str | None:
    """The category (身份证号, 医保号, 银行卡号, 电话号码, 住址) a column's header names, else None.

    ``header_keys`` are the column's normalised header keys (loaders.normalize.normalize_header).
    """
    for key in header_keys:
        for category, words in vocab.WITHHELD_HEADER_WORDS.items():
            if any(word in key for word in words):
                return category
    return None


def withheld_text(counts: dict[str, int]) -> str:
    """ "已按最小必要原则不导入：身份证号（3 行）、电话号码（2 行）" ("" when nothing was withheld)."""
    items = [t("privacy.withheld_item", what=c, rows=counts[c]) for c in vocab.WITHHELD_ORDER if counts.get(c)]
    return t("privacy.withheld", items="、".join(items)) if items else ""


_SENSITIVE_CATEGORIES = frozenset(c for cats in vocab.SENSITIVE_CATEGORIES.values() for c in cats)
_SENSITIVE_WORDS = re.compile(
    "|".join(re.escape(w) for words in vocab.SENSITIVE_NOTE_WORDS.values() for w in words), re.IGNORECASE
)


def is_sensitive_note(category: object, note: object) -> bool:
    """True when a note may tell of health or family matters (a sensitive category, or a sensitive word)."""
    if is_blank(note):
        return False
    return category in _SENSITIVE_CATEGORIES or bool(_SENSITIVE_WORDS.search(str(note)))


def sensitive_note_pattern() -> str:
    """The sensitive note words as one regular expression (for SQL ``regexp_matches``)."""
    return _SENSITIVE_WORDS.pattern


def sensitive_categories() -> list[str]:
    """The welfare categories whose notes are always sensitive."""
    return sorted(_SENSITIVE_CATEGORIES)


def pseudonym(salt: str, org: object, name: str) -> str:
    """The stable stand-in for ``name`` of ``org``: 已删除人员-<8 hex of sha256(salt|org|name)>.

    The same person gets the same pseudonym in every table and on every run (core.erasure
    computes the same in SQL), so distinct counts do not move.
    """
    digest = hashlib.sha256(f"{salt}|{org if org is not None else ''}|{name}".encode()).hexdigest()
    return PSEUDONYM_PREFIX + digest[:8]
