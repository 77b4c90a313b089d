"""Organisations (基层工会 / 学校): the name of a school as clerks write it, and when two spellings are one.

A ledger without a 学校 column names its school where a person would look: the title
(滨江区实验小学工会2023年慰问金发放登记表), the sheet name, the file name.  District summaries
write short names (实验小学) and schools write their own (滨江一中 for 滨江区第一中学): two
names are one school when one's key contains the other's, the key dropping the district
word after a two-character place name (滨江区 → 滨江) and writing 第一中学 as 一中.
"""

from __future__ import annotations

import re

from core.text import nfkc

# A school-like name: up to 16 characters ending in a school word, before 工会 or the year.
_SCHOOL = re.compile(
    r"([\u4e00-\u9fff]{1,16}?(?:学校|小学|中学|高中|初中|学院|大学|幼儿园|中专|职校|技校|附中|附小|[一二三四五六七八九十]中(?!学)))"
)
_ORDINAL_SCHOOL = re.compile(r"第([一二三四五六七八九十]+)中学")
_PLACE_SUFFIX = re.compile(r"^([\u4e00-\u9fff]{2})[区县市]")


def org_in_text(*texts: str) -> str | None:
    """The first school name found in ``texts`` (title, sheet name, file name), or None."""
    for text in texts:
        if not text:
            continue
        m = _SCHOOL.search(re.sub(r"\s+", "", nfkc(text)))
        if m:
            return m.group(1)
    return None


def org_key(name: str) -> str:
    """The comparison key of a school name: 滨江区第一中学 → 滨江一中; 滨江区社区学院 → 滨江社区学院."""
    key = re.sub(r"\s+", "", nfkc(name)).removesuffix("工会").removesuffix("基层")
    key = _ORDINAL_SCHOOL.sub(r"\1中", key)
    return _PLACE_SUFFIX.sub(r"\1", key)


def same_org(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` may name one school (one key contains the other); callers require one match."""
    ka, kb = org_key(a), org_key(b)
    short, long = sorted((ka, kb), key=len)
    return len(short) >= 2 and short in long
