"""Issue 18: donations, publicity, members reached, and every figure traced (溯源).

../shared/ledgers and ../shared/ledgers-more loaded together: summary --json reproduces both
truth.json files; the congress pack quotes the seeds' wording; every row of the 数据来源 sheet
equals a direct count; explain answers for every key of the summary; reach on the corpus and demo.
"""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from core.store import Store
from dashboard import __main__ as cli
from dashboard import demo, pack, queries, sentences, templates, trace, workbook
from loaders.loading import analyse_file, commit_file, load_path
from tests.conftest import built_once
from tests.helpers import SHARED
from tests.test_truth import TRUTH, assert_matches, assert_summary_matches

MORE = SHARED.parent / "ledgers-more"
MORE_TRUTH = json.loads((MORE / "truth.json").read_text()) if MORE.is_dir() else {}


@pytest.fixture(scope="session")
def both_db(tmp_path_factory):
    """../shared/ledgers and ../shared/ledgers-more in one store (closed, built once per run: read-only)."""
    if not SHARED.is_dir() or not MORE.is_dir():
        pytest.skip("../shared/ledgers or ../shared/ledgers-more is not beside the checkout")

    def build(store: Store) -> None:
        for file in [*sorted(SHARED.glob("*.xlsx")), *sorted(MORE.glob("*.xlsx"))]:
            report, result = load_path(store, file)
            assert result.status == "loaded" and report.rejected_rows == 0, (file.name, result.message)

    return built_once(tmp_path_factory, "both", build)


@pytest.mark.parametrize("period", list(MORE_TRUTH))
def test_summary_reproduces_both_truths(both_db, period):
    with Store(both_db, read_only=True) as store:
        got = queries.summary(store, queries.Filters.of(period))
    expected = MORE_TRUTH[period]
    assert_matches({k: got[k] for k in expected}, expected)
    if period in TRUTH:  # the figures of ../shared/ledgers do not move
        assert_summary_matches(got, TRUTH[period])
    assert got["welfare"]["total_yuan"] == pytest.approx(TRUTH[period]["welfare"]["total_yuan"], abs=0.005)


def test_rows_and_skips_accounted(both_db):
    """README of ledgers-more: 140 donation rows, 489 items; the 分渠道统计 summary sheet is not imported."""
    with Store(both_db, read_only=True) as store:
        assert store.row_count("donations") == 140
        assert store.row_count("publicity") == 489
        sheets = set(store.query("SELECT DISTINCT source_sheet FROM publicity")["source_sheet"])
        assert sheets == {"2021年", "2022年", "2023年"}
        # merged 活动名称 and 去向 carried down to every row of the drive
        assert store.scalar("SELECT count(*) FROM donations WHERE drive IS NULL OR recipient_org IS NULL") == 0


@pytest.fixture(scope="module")
def pack_more(both_db):
    with Store(both_db, read_only=True) as store:
        current = queries.Filters.of("2022")
        data = pack.gather(store, current, queries.Filters.of("2021"))
        book = workbook.build_workbook(data, pack.detail_rows(store, current), pack.sources(store, data))
    return data, openpyxl.load_workbook(io.BytesIO(book))


def test_pack_sentences_in_the_seeds_wording(pack_more):
    data, _ = pack_more
    text = sentences.as_text(data)
    d, p = MORE_TRUTH["2022"]["donations"], MORE_TRUTH["2022"]["publicity"]
    assert f"开展爱心捐款{d['drives']}次，{d['person_times']}人次参加，募集捐款402647.15元" in text
    assert f"全年发布微信推文{p['by_channel']['微信公众号']}篇" in text
    # money given by members is not welfare paid to them
    assert f"共发放福利慰问{fmt_wan(TRUTH['2022']['welfare']['total_yuan'])}" in text


def fmt_wan(yuan: float) -> str:
    from dashboard.formatting import seed_wan

    return seed_wan(yuan)


def test_no_donations_no_sentence_but_a_note(corpus_db):
    with Store(corpus_db, read_only=True) as store:
        data = pack.gather(store, queries.Filters.of("2022"), None)
    text = sentences.as_text(data)
    assert "爱心捐款" not in {s.area for s in sentences.sentences(data)}
    assert "捐款" not in "".join(s.text for s in sentences.sentences(data))
    assert "【数据说明】" in text and "本期没有捐款台账的记录" in text and "本期没有宣传台账的记录" in text


# Independent SQL per figure family: the rows a careful auditor would count, by file and sheet.
def _direct(store: Store, figure: str, period: str, file: str, sheet: str) -> int:
    f = queries.Filters.of(period)
    start, end = f.period.start, f.period.end
    head, _, rest = figure.partition(".")
    same = "source_file = ? AND source_sheet = ?"

    def count(sql: str, *params) -> int:
        return int(store.scalar(f"SELECT count(*) FROM {sql} AND {same}", [*params, file, sheet]))

    if head in ("welfare", "donations", "publicity"):
        table = head
        if rest.startswith("by_category."):
            return count(f"{table} WHERE date BETWEEN ? AND ? AND category = ?", start, end, rest[12:])
        if rest.startswith("by_channel."):
            return count(f"{table} WHERE date BETWEEN ? AND ? AND channel = ?", start, end, rest[11:])
        return count(f"{table} WHERE date BETWEEN ? AND ?", start, end)
    if head == "activities":
        return count("activities WHERE start_date BETWEEN ? AND ?", start, end)
    if head == "proposals":
        base = "proposals WHERE coalesce(session_date, submit_date) BETWEEN ? AND ?"
        accepted = "(decision IS NULL OR decision IN ('立案', '作为意见建议'))"
        if rest in ("立案", "作为意见建议", "不予立案", "合并"):
            return count(f"{base} AND decision = ?", start, end, rest)
        if rest == "已办结":
            return count(f"{base} AND {accepted} AND status IN ('已办结', '已落实')", start, end)
        if rest in ("accepted", "completion_rate"):
            return count(f"{base} AND {accepted}", start, end)
        return count(base, start, end)
    if head == "awards":
        base = "awards WHERE year = ?" if f.period.kind == "year" else "awards WHERE award_date BETWEEN ? AND ?"
        args = [f.period.start_year] if f.period.kind == "year" else [start, end]
        if rest.startswith("by_level."):
            return count(f"{base} AND level = ?", *args, rest[9:])
        if rest in ("个人", "集体"):
            return count(f"{base} AND award_type = ?", *args, rest)
        return count(base, *args)
    if head == "members":
        return count("member_counts WHERE year = ?", f.period.start_year)
    if head == "reach":
        if file and store.scalar("SELECT count(*) FROM roster WHERE source_file = ?", [file]):
            return count("roster WHERE as_of_year = 2022")
        if rest == "members":
            return 0
        return (
            count("welfare WHERE date BETWEEN ? AND ? AND recipient IS NOT NULL", start, end)
            + count("awards WHERE year = ? AND recipient IS NOT NULL AND award_type IS DISTINCT FROM '集体'", 2022)
            + count("donations WHERE date BETWEEN ? AND ? AND (donor IS NOT NULL OR staff_id IS NOT NULL)", start, end)
        )
    raise AssertionError(figure)


def test_sources_sheet_rows_equal_direct_counts(both_db, pack_more):
    data, wb = pack_more
    ws = wb["数据来源"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    header = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header == (
        "指标代码",
        "指标",
        "数值",
        "口径",
        "期间与筛选",
        "该指标数据行数",
        "来源文件",
        "工作表",
        "导入时间",
        "行数",
    )
    figures = {r[0] for r in rows}
    # every figure the sentences quote is traced, for the period and the comparison period
    for key in ("welfare.total_yuan", "donations.total_yuan", "publicity.by_channel.微信公众号", "proposals.立案"):
        assert key in figures
    assert {r[4] for r in rows} == {"2022年", "2021年"}
    per_figure: dict[tuple[str, str], list[int]] = {}
    with Store(both_db, read_only=True) as store:
        for figure, _name, _value, definition, filters, figure_rows, file, sheet, loaded_at, n in rows:
            assert definition and (loaded_at is not None or not n)
            period = filters.removesuffix("年")
            if n:
                assert _direct(store, figure, period, file, sheet) == n, (figure, period, file, sheet)
            per_figure.setdefault((figure, period), [figure_rows, 0])[1] += n
    for (figure, _period), (total, added) in per_figure.items():
        assert total == added, figure
    items = {(r[0], r[4]): (r[2], r[5]) for r in rows}
    for count_figure in ("publicity.items", "activities.events", "proposals.total", "awards.total"):
        value, figure_rows = items[(count_figure, "2022年")]
        assert value == figure_rows, count_figure


def test_explain_answers_for_every_key_of_summary(both_db, capsys):
    with Store(both_db, read_only=True) as store:
        summary = queries.summary(store, queries.Filters.of("2022"))
    keys = trace.figure_keys(summary)
    assert {"donations.drives", "publicity.by_channel.微信公众号", "reach.share", "members"} <= set(keys)
    for key in keys:
        assert cli.main(["explain", "--period", "2022", "--figure", key, "--db", str(both_db), "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["value"] == trace.value_of(summary, key), key
        assert info["rows"] == sum(b["rows"] for b in info["batches"]), key
        assert info["rows"] > 0 or info["value"] == 0, key
        assert info["definition"] and info["period"] == "2022"
    assert cli.main(["explain", "--period", "2022", "--figure", "donations.total_yuan", "--db", str(both_db)]) == 0
    out = capsys.readouterr().out
    assert "402647.15" in out and "爱心捐款台账（2021-2023）.xlsx" in out and "48 行" in out
    assert cli.main(["explain", "--period", "2022", "--figure", "nope", "--db", str(both_db)]) == 2


def test_reach_on_the_corpus(corpus_db):
    """../shared/ledgers has a roster of 2022 only: reach for 2022 and the academic years touching it."""
    with Store(corpus_db, read_only=True) as store:
        r = queries.reach(store, queries.Filters.of("2022"))
        assert (r["members"], r["reached"], r["roster_year"]) == (702, 152, 2022)
        assert r["share"] == round(152 / 702, 4)
        assert r["by_sub_union"]["members"].sum() == 702
        assert r["by_sub_union"]["reached"].sum() == 152
        assert len(r["never"]) == 702 - 152
        none = queries.summary(store, queries.Filters.of("2021"))
        assert none["reach"] is None
        assert set(none["missing"]) >= {"reach"} and none["missing_reasons"]["reach"]


def test_reach_on_the_demo(tmp_path):
    path = tmp_path / "demo.duckdb"
    with Store(path) as store:
        for file in sorted(demo.DEMO_DIR.glob("*.xlsx")):
            load_path(store, file, org=demo.ORG)
        r = queries.reach(store, queries.Filters.of(demo.ROSTER_YEAR))
        assert r["members"] == store.row_count("roster")
        assert 0 < r["reached"] < r["members"]
        assert r["ambiguous"], "the demo roster has two members of one name"
        facts = demo.build()[1]
        for year in demo.YEARS:
            got = queries.summary(store, queries.Filters.of(year, demo.ORG))
            assert got["donations"] == {
                "drives": facts[year]["drives"],
                "person_times": facts[year]["donation_person_times"],
                "total_yuan": facts[year]["donation_yuan"],
            }
            assert got["publicity"]["items"] == facts[year]["publicity_items"]
            assert got["publicity"]["by_channel"] == {
                k[8:]: v for k, v in facts[year].items() if k.startswith("channel:")
            }


@pytest.mark.parametrize("kind", ["donations", "publicity"])
def test_template_loads_as_its_kind(store, kind):
    report = analyse_file(templates.template_bytes(kind), f"{kind}.xlsx")
    assert [s.kind for s in report.sheets if s.kind] == [kind]
    result = commit_file(store, report)
    assert result.status == "loaded"
    assert store.row_count(kind) == 1
