"""经费合规检查 (issue 14): welfare and budget rows checked against a rule set kept as TOML data.

A rule set (规则) is a TOML text: ``name``, ``source`` (document title, number, date) and the
sections ``[per_payment]``, ``[per_person_year]``, ``[duplicate]``, ``[forbidden]``, ``[budget]``
(README "经费合规检查").  Presets live in rules/*.toml; the union's own set is saved in the meta
table under :data:`META_KEY`.

Semantics (issue 14):
- a row naming one person (人次 ≤ 1 with a name) is checked per person; any other row (a group
  row, 人次 > 1) per capita: amount ÷ 人次, rounded to the fen;
- ``per_payment``: the per-person amount of a row above the cap (equal to the cap is allowed);
- ``per_person_year``: per calendar year and category, amounts summed per person (named rows)
  or per sub-union (group rows' per-capita amounts); the row at which the running sum first
  exceeds the cap is flagged, with the year's total (up to the period's end) as the amount and
  (total − cap) × that row's 人次 as the money over the standard;
- ``duplicate``: the same person (same school and sub-union), the same category, paid again
  within ``window_days`` days (inclusive, across the new year too): the later payment;
- ``forbidden``: a word of ``words`` in 项目 or 备注 of a row of ``categories`` (节日福利);
- ``budget``: a budget line of the period's budget year whose 决算 > 预算 × ``overrun_ratio``.
Only rows dated in the period are flagged; earlier rows count for sums and duplicates.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.labels import t
from core.periods import Period
from core.store import Store
from core.text import nfkc
from core.vocab import WELFARE_CATEGORIES
from dashboard.formatting import seed_wan
from dashboard.queries import Filters, organisations

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
GENERIC = "generic"
META_KEY = "compliance_rules"
RULES = ("per_payment", "per_person_year", "duplicate", "forbidden", "budget")
SEVERITY = {"per_payment": "高", "per_person_year": "高", "duplicate": "高", "forbidden": "中", "budget": "中"}
TOP_KEYS = {"name", "source", "source_url", "note", *RULES}
SECTION_KEYS = {
    "duplicate": {"window_days", "categories"},
    "forbidden": {"words", "categories"},
    "budget": {"overrun_ratio"},
}
FLAG_COLUMNS = [
    "rule",
    "severity",
    "category",
    "date",
    "sub_union",
    "recipient",
    "person_times",
    "row_amount_yuan",
    "amount_yuan",
    "limit_yuan",
    "excess_yuan",
    "source_file",
    "source_sheet",
    "source_row",
    "message",
]
_ALIASES = {nfkc(alias).strip(): canonical for canonical, aliases in WELFARE_CATEGORIES.items() for alias in aliases}
# TOML 1.0 (tomllib) allows only ASCII bare keys; the format writes 结婚慰问 = 600 unquoted.
_BARE_KEY = re.compile(r'^(\s*)([^\s"\'\[#=][^=#"\']*?)(\s*=)', re.MULTILINE)
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


class RulesError(ValueError):
    """A rule file that cannot be used; the message is Chinese and names the line."""


@dataclass(frozen=True)
class RuleSet:
    """A parsed rule set (规则). Caps in 元 by standard welfare category; None switches a rule off."""

    name: str
    source: str
    text: str
    per_payment: dict[str, float] = field(default_factory=dict)
    per_person_year: dict[str, float] = field(default_factory=dict)
    window_days: int | None = None
    duplicate_categories: tuple[str, ...] = ()
    forbidden_words: tuple[str, ...] = ()
    forbidden_categories: tuple[str, ...] = ("节日福利",)
    overrun_ratio: float | None = None
    source_url: str | None = None
    note: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def has_caps(self) -> bool:
        return bool(self.per_payment or self.per_person_year)


# --- rule files ---------------------------------------------------------------------------


def _quote_bare_keys(text: str) -> str:
    """Quote bare keys that TOML 1.0 does not allow (Chinese ones), keeping every line where it was."""

    def quote(m: re.Match) -> str:
        key = m.group(2)
        if re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            return m.group(0)
        return f'{m.group(1)}"{key}"{m.group(3)}'

    return _BARE_KEY.sub(quote, text)


def _line_of(text: str, section: str, key: str | None = None) -> int:
    """The 1-based line of ``key`` in ``[section]`` ("" = top level), else of the section header, else 1."""
    current, header_line = "", None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if m := re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line):
            current = m.group(1).strip().strip('"')
            if (current == section and key is None) or (section == "" and current == key):
                return number
            if current == section:
                header_line = number
            continue
        if current == section and key is not None and "=" in line:
            name = line.split("=", 1)[0].strip().strip('"').strip("'")
            if name == key:
                return number
    return header_line or 1


def _fail(text: str, section: str, key: str | None, problem: str) -> RulesError:
    return RulesError(t("compliance.rules_line", line=_line_of(text, section, key), problem=problem))


def _number(text: str, section: str, key: str, value: object, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(text, section, key, t("compliance.rules_not_number", setting=key, value=value))
    if integer and int(value) != value:
        raise _fail(text, section, key, t("compliance.rules_not_integer", setting=key, value=value))
    return float(value)


def _strings(text: str, section: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(text, section, key, t("compliance.rules_not_words", setting=key))
    return tuple(v.strip() for v in value)


def _category(name: str, warnings: list[str]) -> str:
    canonical = _ALIASES.get(nfkc(name).strip())
    if canonical is None:
        warnings.append(t("compliance.rules_unknown_category", category=name))
        return name
    return canonical


def parse_rules(text: str) -> RuleSet:
    """Parse and check a rule set's TOML text. Raises :class:`RulesError` (Chinese, with the line)."""
    try:
        data = tomllib.loads(_quote_bare_keys(text))
    except tomllib.TOMLDecodeError as err:
        m = _TOML_POSITION.search(str(err))
        line = m.group(1) if m else "?"
        raise RulesError(t("compliance.rules_syntax", line=line, error=str(err))) from err
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(text, "", key, t("compliance.rules_unknown_key", setting=key))
    for key in ("name", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _fail(text, "", key if key in data else None, t("compliance.rules_missing", setting=key))
    for section in RULES:
        if section in data and not isinstance(data[section], dict):
            raise _fail(text, "", section, t("compliance.rules_not_table", setting=section))
    warnings: list[str] = []
    caps: dict[str, dict[str, float]] = {}
    for section in ("per_payment", "per_person_year"):
        caps[section] = {}
        for key, value in data.get(section, {}).items():
            caps[section][_category(key, warnings)] = _number(text, section, key, value)
    for section, allowed in SECTION_KEYS.items():
        for key in data.get(section, {}):
            if key not in allowed:
                raise _fail(text, section, key, t("compliance.rules_unknown_key", setting=f"{section}.{key}"))
    duplicate, forbidden, budget = data.get("duplicate"), data.get("forbidden"), data.get("budget")
    window = None
    if duplicate is not None and "window_days" in duplicate:
        window = int(_number(text, "duplicate", "window_days", duplicate["window_days"], integer=True))
    ratio = None
    if budget is not None and "overrun_ratio" in budget:
        ratio = _number(text, "budget", "overrun_ratio", budget["overrun_ratio"])
    words: tuple[str, ...] = ()
    forbidden_categories: tuple[str, ...] = ("节日福利",)
    if forbidden is not None:
        words = _strings(text, "forbidden", "words", forbidden.get("words", []))
        if "categories" in forbidden:
            forbidden_categories = tuple(
                _category(c, warnings) for c in _strings(text, "forbidden", "categories", forbidden["categories"])
            )
    dup_categories: tuple[str, ...] = ()
    if duplicate is not None and "categories" in duplicate:
        dup_categories = tuple(
            _category(c, warnings) for c in _strings(text, "duplicate", "categories", duplicate["categories"])
        )
    return RuleSet(
        name=data["name"].strip(),
        source=data["source"].strip(),
        text=text,
        per_payment=caps["per_payment"],
        per_person_year=caps["per_person_year"],
        window_days=window,
        duplicate_categories=dup_categories,
        forbidden_words=words,
        forbidden_categories=forbidden_categories,
        overrun_ratio=ratio,
        source_url=data.get("source_url"),
        note=data.get("note"),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def read_rules_file(path: str | Path) -> RuleSet:
    """Read and parse a rule file (UTF-8). Raises :class:`RulesError` or FileNotFoundError."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RulesError(t("compliance.rules_encoding")) from err
    return parse_rules(text)


def presets() -> dict[str, RuleSet]:
    """The shipped presets (rules/*.toml) by file stem, the generic set first."""
    paths = sorted(RULES_DIR.glob("*.toml"), key=lambda p: (p.stem != GENERIC, p.stem))
    return {p.stem: read_rules_file(p) for p in paths}


def saved_rules(store: Store) -> RuleSet | None:
    """The union's own rule set (saved in the page), or None."""
    text = store.get_meta(META_KEY)
    return parse_rules(text) if text else None


def save_rules(store: Store, text: str) -> RuleSet:
    """Check ``text`` and save it as the union's own rule set. Raises :class:`RulesError`."""
    rules = parse_rules(text)
    store.set_meta(META_KEY, text)
    return rules


def default_rules(store: Store) -> RuleSet:
    """The union's own set if saved, else the generic preset."""
    return saved_rules(store) or read_rules_file(RULES_DIR / f"{GENERIC}.toml")


# --- checks -------------------------------------------------------------------------------


def _scope(f: Filters) -> tuple[str, list[object]]:
    sql, params = "", []
    if f.org:
        sql += " AND org = ?"
        params.append(f.org)
    if f.sub_unions:
        sql += " AND list_contains(?, sub_union)"
        params.append(list(f.sub_unions))
    return sql, params


# Every welfare row that can matter: from 1 January of the period's first year (calendar-year sums)
# or ``window`` days before the period (duplicates), whichever is earlier, to the period's end.
_BASE = """WITH w AS (
    SELECT org, date, sub_union, category, item, recipient, person_times, note,
           amount_yuan::DOUBLE AS amount, source_file, source_sheet, source_row,
           recipient IS NOT NULL AND coalesce(person_times, 1) <= 1 AS single,
           round(amount_yuan::DOUBLE / greatest(coalesce(person_times, 1), 1), 2) AS unit
    FROM welfare WHERE date BETWEEN ? AND ?{scope}
), caps AS (SELECT unnest(?::VARCHAR[]) AS category, unnest(?::DOUBLE[]) AS cap)
"""
_SHOWN = (
    "date, sub_union, category, recipient, person_times, amount AS row_amount_yuan, source_file, source_sheet, "
    "source_row"
)
_ORDER = "date, source_file, source_sheet, source_row"


def _base(f: Filters, caps: dict[str, float], lookback_days: int) -> tuple[str, list[object]]:
    p = f.period
    start = min(Period("year", p.start.year).start, p.start - dt.timedelta(days=lookback_days))
    scope, params = _scope(f)
    return _BASE.format(scope=scope), [start, p.end, *params, list(caps), list(caps.values())]


def _per_payment(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    sql, params = _base(f, rules.per_payment, 0)
    return store.query(
        sql
        + f"""SELECT {_SHOWN}, unit AS amount_yuan, cap AS limit_yuan, single
                  FROM w JOIN caps USING (category)
                  WHERE unit > cap AND date BETWEEN ? AND ? ORDER BY {_ORDER}""",
        [*params, f.period.start, f.period.end],
    )


def _per_person_year(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    sql, params = _base(f, rules.per_person_year, 0)
    return store.query(
        sql
        + f"""SELECT {_SHOWN}, round(year_total, 2) AS amount_yuan, cap AS limit_yuan, single,
                     round(running, 2) AS running, year(date) AS year
              FROM (
                SELECT w.*, cap,
                       sum(unit) OVER (who ORDER BY {_ORDER} ROWS UNBOUNDED PRECEDING) AS running,
                       sum(unit) OVER who AS year_total
                FROM w JOIN caps USING (category)
                -- named rows add up per person, group rows' per-capita amounts per sub-union
                WINDOW who AS (PARTITION BY org, coalesce(sub_union, ''), category, year(date),
                                            CASE WHEN single THEN recipient END)
              )
              WHERE round(running, 2) > cap AND round(running - unit, 2) <= cap AND date BETWEEN ? AND ?
              ORDER BY {_ORDER}""",
        [*params, f.period.start, f.period.end],
    )


def _duplicate(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    window = rules.window_days or 0
    sql, params = _base(f, {}, window)
    only = " AND list_contains(?, category)" if rules.duplicate_categories else ""
    extra = [list(rules.duplicate_categories)] if rules.duplicate_categories else []
    return store.query(
        sql
        + f"""SELECT {_SHOWN}, amount AS amount_yuan, NULL::DOUBLE AS limit_yuan, single,
                     prev_date, prev_file, prev_sheet, prev_row, date_diff('day', prev_date, date) AS days
              FROM (
                SELECT w.*,
                       lag(date) OVER k AS prev_date, lag(source_file) OVER k AS prev_file,
                       lag(source_sheet) OVER k AS prev_sheet, lag(source_row) OVER k AS prev_row
                FROM w WHERE single{only}
                WINDOW k AS (PARTITION BY org, coalesce(sub_union, ''), recipient, category ORDER BY {_ORDER})
              )
              WHERE date_diff('day', prev_date, date) <= ? AND date BETWEEN ? AND ?
              ORDER BY {_ORDER}""",
        [*params, *extra, window, f.period.start, f.period.end],
    )


def _forbidden(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    sql, params = _base(f, {}, 0)
    return store.query(
        sql
        + f"""SELECT * FROM (
                SELECT {_SHOWN}, amount AS amount_yuan, NULL::DOUBLE AS limit_yuan, single,
                       list_filter(?::VARCHAR[], lambda word: contains(coalesce(item, '') || '｜' || coalesce(note, ''),
                                   word)) AS words
                FROM w WHERE list_contains(?, category) AND date BETWEEN ? AND ?
              ) WHERE len(words) > 0 ORDER BY {_ORDER}""",
        [*params, list(rules.forbidden_words), list(rules.forbidden_categories), f.period.start, f.period.end],
    )


def _budget(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    sql = """SELECT year, subject, budget_yuan::DOUBLE AS budget_yuan, final_yuan::DOUBLE AS amount_yuan,
                    budget_yuan::DOUBLE * ? AS limit_yuan, source_file, source_sheet, source_row
             FROM budget WHERE year = ? AND final_yuan > budget_yuan * ?"""
    params: list[object] = [rules.overrun_ratio, f.period.headcount_year, rules.overrun_ratio]
    if f.org:
        sql += " AND org = ?"
        params.append(f.org)
    return store.query(sql + " ORDER BY code NULLS LAST, source_file, source_row", params)


def _yuan(value: float) -> str:
    """元 as a report writes it: 1,200 / 1,234.50."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _messages(rule: str, frame: pd.DataFrame, rules: RuleSet) -> list[str]:
    out = []
    for r in frame.itertuples(index=False):
        if rule == "per_payment":
            key = "compliance.msg_per_payment" if r.single else "compliance.msg_per_payment_group"
            out.append(
                t(
                    key,
                    category=r.category,
                    amount=_yuan(r.amount_yuan),
                    limit=_yuan(r.limit_yuan),
                    excess=_yuan(r.amount_yuan - r.limit_yuan),
                    n=int(r.person_times or 1),
                    total=_yuan(r.row_amount_yuan),
                )
            )
        elif rule == "per_person_year":
            key = "compliance.msg_year" if r.single else "compliance.msg_year_group"
            out.append(
                t(
                    key,
                    year=r.year,
                    category=r.category,
                    running=_yuan(r.running),
                    amount=_yuan(r.amount_yuan),
                    limit=_yuan(r.limit_yuan),
                    excess=_yuan(r.amount_yuan - r.limit_yuan),
                )
            )
        elif rule == "duplicate":
            out.append(
                t(
                    "compliance.msg_duplicate",
                    days=int(r.days),
                    category=r.category,
                    prev_date=f"{r.prev_date:%Y-%m-%d}",
                    prev_file=r.prev_file,
                    prev_sheet=r.prev_sheet,
                    prev_row=int(r.prev_row),
                )
            )
        elif rule == "forbidden":
            out.append(t("compliance.msg_forbidden", category=r.category, words="、".join(r.words)))
        else:
            out.append(
                t(
                    "compliance.msg_budget" if rules.overrun_ratio == 1 else "compliance.msg_budget_ratio",
                    year=r.year,
                    subject=r.subject,
                    amount=_yuan(r.amount_yuan),
                    budget=_yuan(r.budget_yuan),
                    ratio=f"{rules.overrun_ratio:g}",
                    excess=_yuan(r.amount_yuan - r.limit_yuan),
                )
            )
    return out


def check(store: Store, f: Filters, rules: RuleSet) -> pd.DataFrame:
    """Every flag of the period, rule by rule (in :data:`RULES` order), as :data:`FLAG_COLUMNS`.

    ``amount_yuan`` is the figure compared with ``limit_yuan`` (per capita for group rows; the
    year's total for ``per_person_year``; the payment for ``duplicate`` and ``forbidden``; 决算 for
    ``budget``); ``excess_yuan`` the money over the standard (per capita × 人次 of the row for group
    rows, also for ``per_person_year``; the later payment for a duplicate; none for a forbidden
    word).  Names are not masked here.
    """
    frames = []
    runs = {
        "per_payment": (_per_payment, bool(rules.per_payment)),
        "per_person_year": (_per_person_year, bool(rules.per_person_year)),
        "duplicate": (_duplicate, rules.window_days is not None),
        "forbidden": (_forbidden, bool(rules.forbidden_words)),
        "budget": (_budget, rules.overrun_ratio is not None),
    }
    for rule, (run, active) in runs.items():
        if not active:
            continue
        frame = run(store, f, rules)
        if not len(frame):
            continue
        frame = frame.assign(rule=rule, severity=SEVERITY[rule], message=_messages(rule, frame, rules))
        if rule in ("per_payment", "per_person_year"):
            times = frame["person_times"].fillna(1).clip(lower=1)
            frame["excess_yuan"] = ((frame["amount_yuan"] - frame["limit_yuan"]) * times).round(2)
        elif rule == "budget":
            frame["excess_yuan"] = (frame["amount_yuan"] - frame["limit_yuan"]).round(2)
        elif rule == "duplicate":
            frame["excess_yuan"] = frame["amount_yuan"]
        if rule == "budget":
            frame = frame.assign(category=frame["subject"], row_amount_yuan=frame["amount_yuan"])
        frames.append(frame.reindex(columns=FLAG_COLUMNS))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in FLAG_COLUMNS})
    flags = pd.concat(frames, ignore_index=True)
    flags["source_row"] = flags["source_row"].astype(int)
    return flags


def totals(flags: pd.DataFrame) -> pd.DataFrame:
    """Per rule: rule, label, severity, flags (笔数), amount_yuan (flagged rows' money), excess_yuan.

    ``amount_yuan`` is None for ``per_person_year``: its flagged row only marks where the year's
    sum crossed the cap, so that row's own money says nothing.
    """
    rows = []
    for rule in RULES:
        part = flags[flags["rule"] == rule]
        rows.append(
            {
                "rule": rule,
                "label": t(f"compliance.rule.{rule}"),
                "severity": SEVERITY[rule],
                "flags": len(part),
                "amount_yuan": None if rule == "per_person_year" else float(part["row_amount_yuan"].fillna(0).sum()),
                "excess_yuan": float(part["excess_yuan"].fillna(0).sum()),
            }
        )
    return pd.DataFrame(rows).astype({"amount_yuan": float, "excess_yuan": float})


def welfare_spend(store: Store, f: Filters) -> tuple[int, float]:
    """(rows, 元) of the welfare ledger in the period and scope: the paragraph's opening figures."""
    scope, params = _scope(f)
    frame = store.query(
        f"SELECT count(*) AS n, coalesce(sum(amount_yuan), 0)::DOUBLE AS yuan FROM welfare "
        f"WHERE date BETWEEN ? AND ?{scope}",
        [f.period.start, f.period.end, *params],
    )
    return int(frame["n"][0]), float(frame["yuan"][0])


def union_name(store: Store, f: Filters) -> str:
    """The chosen school, else the only school in the store, else 本校工会 (as the congress pack names it)."""
    orgs = organisations(store)
    return f.org or (orgs[0] if len(orgs) == 1 else t("org.default"))


def paragraph(f: Filters, rules: RuleSet, flags: pd.DataFrame, spend: tuple[int, float]) -> str:
    """The ready-to-paste paragraph for the 经费审查工作报告, in the seeds' style."""
    rows, yuan = spend
    head = t("compliance.para_head", period=f.period.display, rows=f"{rows:,}", wan=seed_wan(yuan), rules=rules.name)
    if not rules.has_caps:
        head += t("compliance.para_no_caps")
    if not len(flags):
        return head + t("compliance.para_clean")
    parts = []
    for row in totals(flags).itertuples(index=False):
        if row.flags:
            parts.append(
                t(
                    f"compliance.para_{row.rule}",
                    n=row.flags,
                    amount=_yuan(row.amount_yuan),
                    excess=_yuan(row.excess_yuan),
                )
            )
    return head + t("compliance.para_found", parts="；".join(parts))


def as_json(rules: RuleSet, flags: pd.DataFrame) -> dict:
    """The CLI's JSON (issue 14): {"rules": {"name", "source"}, "flags": [...]}."""

    def money(value: object) -> float | None:
        return None if value is None or pd.isna(value) else round(float(value), 2)

    return {
        "rules": {"name": rules.name, "source": rules.source},
        "flags": [
            {
                "rule": r.rule,
                "category": r.category,
                "source_file": r.source_file,
                "source_sheet": r.source_sheet,
                "source_row": int(r.source_row),
                "amount_yuan": money(r.amount_yuan),
                "limit_yuan": money(r.limit_yuan),
                "message": r.message,
            }
            for r in flags.itertuples(index=False)
        ],
    }
