"""Periods (统计期间): calendar years (自然年, 2022) and academic years (学年, 2022-2023学年)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.labels import t
from core.text import nfkc

ACADEMIC_START_MONTH = 9  # 学年: 1 September to 31 August (seed 003: "2020-2021学年")


@dataclass(frozen=True)
class Period:
    """A statistics period.

    ``kind`` is "year" (自然年) or "academic" (学年); ``start`` and ``end`` are inclusive
    dates; ``label`` is how the chair writes it (2022, 2022-2023学年).
    """

    kind: str
    start_year: int

    @property
    def start(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.start_year, 1, 1)
        return dt.date(self.start_year, ACADEMIC_START_MONTH, 1)

    @property
    def end(self) -> dt.date:
        if self.kind == "year":
            return dt.date(self.start_year, 12, 31)
        return dt.date(self.start_year + 1, ACADEMIC_START_MONTH, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start_year)
        return f"{self.start_year}-{self.start_year + 1}学年"

    @property
    def display(self) -> str:
        """The label as a report writes it: 2022年 / 2022-2023学年."""
        return f"{self.start_year}年" if self.kind == "year" else self.label

    @property
    def headcount_year(self) -> int:
        """The year-end headcount that belongs to the period (the only 31 December inside it)."""
        return self.start_year

    def previous(self) -> Period:
        """The period before (2021 for 2022; 2021-2022学年 for 2022-2023学年)."""
        return Period(self.kind, self.start_year - 1)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str | Period) -> Period:
    """Parse a period label.

    Accepts "2022", "2022年", "2022-2023学年", "2022-2023", "2022/2023学年", "2022—2023学年"
    (the second year must follow the first).  Raises ValueError with a Chinese message otherwise.
    """
    if isinstance(text, Period):
        return text
    raw = re.sub(r"\s+", "", nfkc(str(text)))
    if m := re.fullmatch(r"((?:19|20)\d{2})年?(?:度)?", raw):
        return Period("year", int(m.group(1)))
    if m := re.fullmatch(r"((?:19|20)\d{2})[-—–/~至]((?:19|20)\d{2})(?:学年)?(?:度)?", raw):
        first, second = int(m.group(1)), int(m.group(2))
        if second == first + 1:
            return Period("academic", first)
    raise ValueError(t("period.invalid", value=text))
