"""The shipped demo ledgers (data/demo) load cleanly and give the figures the generator computed."""

from __future__ import annotations

import pytest

from core.store import Store
from dashboard import demo, queries

FACTS = demo.build()[1]


@pytest.fixture()
def demo_db(demo_ledgers_db):
    """The demo ledgers as the loaders read them (tests/conftest.py, built once per session)."""
    return demo_ledgers_db


def test_demo_files_are_the_generators_output():
    names = {p.name for p in demo.DEMO_DIR.glob("*.xlsx")}
    assert names == set(demo.build()[0])


@pytest.mark.parametrize("year", demo.YEARS)
def test_demo_figures_equal_generator(demo_db, year):
    facts = FACTS[year]
    with Store(demo_db, read_only=True) as store:
        got = queries.summary(store, queries.Filters.of(year, demo.ORG))
    assert got["welfare"]["total_yuan"] == facts["welfare_yuan"]
    assert got["welfare"]["person_times"] == facts["welfare_person_times"]
    assert got["welfare"]["by_category"] == {k[4:]: v for k, v in facts.items() if k.startswith("cat:")}
    assert got["activities"] == {"events": facts["events"], "person_times": facts["activity_person_times"]}
    assert got["proposals"]["total"] == facts["proposals"]
    for decision in ("立案", "作为意见建议", "不予立案", "合并"):
        assert got["proposals"][decision] == facts.get(f"decision:{decision}", 0)
    assert got["awards"]["total"] == facts["awards"]
    assert got["awards"]["by_level"] == {lv: facts.get(f"level:{lv}", 0) for lv in demo.LEVELS}
    assert got["members"] == facts["members"]
