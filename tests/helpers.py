"""Test helpers: build small ledgers in a temp folder and compare store contents."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl

from core.store import KIND_TABLES, Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "ledgers"


def xlsx_bytes(
    sheets: dict[str, list[list[object]]],
    merged: dict[str, list[str]] | None = None,
    hidden: tuple[str, ...] = (),
    formulas: bool = False,
    hidden_rows: dict[str, list[int]] | None = None,
) -> bytes:
    """An .xlsx with one sheet per entry; rows as given (None = empty cell).

    Text starting with "=" is written as text unless ``formulas`` (then as a formula
    without a cached value, as openpyxl writes them). ``hidden_rows``: sheet → 1-based rows the clerk hid.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for number, row in enumerate(rows, start=1):
            ws.append(row)
            if formulas:
                continue
            for column, value in enumerate(row, start=1):
                if isinstance(value, str) and value.startswith("="):
                    ws.cell(row=number, column=column).data_type = "s"  # typed text that starts with "="
        for rng in (merged or {}).get(name, []):
            ws.merge_cells(rng)
        for number in (hidden_rows or {}).get(name, []):
            ws.row_dimensions[number].hidden = True
        if name in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def store_content(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, to compare two states of a store by content."""
    tables = list(KIND_TABLES.values()) + ["batches", "rejected_rows", "header_mappings", "value_mappings"]
    content = {}
    for table in tables:
        frame = store.query(f'SELECT * FROM "{table}"')
        content[table] = sorted(tuple(map(str, row)) for row in frame.itertuples(index=False))
    return content


@contextlib.contextmanager
def app_store(path: Path, monkeypatch) -> Iterator[Path]:
    """The app's store for one test: ``UNION_DB`` is ``path`` and Streamlit's caches are empty before
    and after (a store or a cached figure of another test never leaks in)."""
    import streamlit as st

    monkeypatch.setenv("UNION_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield path
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
