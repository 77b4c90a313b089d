"""数据管理's mapping profiles (映射方案), sub-union names (分工会名称) and school aliases (学校别名).

Reads are cached by the store's data version (every mapping or alias written bumps it), so a warm run of
数据管理 asks the store nothing here; writes go straight to :mod:`loaders.loading`.  Kept out of
:mod:`dashboard.app` so that the first page's start does not import the loaders.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.store import Store
from dashboard.app import get_store, store
from loaders import loading


@st.cache_data(show_spinner=False, max_entries=32)
def _profile(version: int, org: str | None) -> dict:
    return loading.export_mappings(get_store(), org)


def profile(org: str | None) -> dict:
    """School ``org``'s mapping profile with every school's entries (None: every entry of every school),
    as JSON-ready data (:func:`loaders.loading.export_mappings`)."""
    return _profile(store().data_version(), org)


@st.cache_data(show_spinner=False, max_entries=8)
def _profile_orgs(version: int) -> list[str]:
    return sorted(loading.profile_orgs(get_store()))


def profile_orgs() -> list[str]:
    """Schools with a mapping profile of their own, sorted."""
    return _profile_orgs(store().data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _sub_union_rows(version: int, org: str | None) -> pd.DataFrame:
    return loading.sub_union_rows(get_store(), org)


def sub_union_rows(org: str | None) -> pd.DataFrame:
    """Rows per sub-union as written in school ``org``'s ledgers (columns sub_union, rows), most first."""
    return _sub_union_rows(store().data_version(), org)


@st.cache_data(show_spinner=False, max_entries=32)
def suggest_sub_union_aliases(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """Likely (alias, standard name) pairs among a school's sub-union names (cached by the names)."""
    return loading.suggest_sub_union_aliases(list(names))


@st.cache_data(show_spinner=False, max_entries=8)
def suggest_org_aliases(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """Likely (alias, standard name) pairs among school names (cached by the names: 200 schools, 40,000 pairs)."""
    return loading.suggest_org_aliases(list(names))


def set_sub_union_alias(s: Store, alias: str, name: str, org: str | None) -> int:
    """Join a sub-union's other spelling (:func:`loaders.loading.set_sub_union_alias`); rows changed."""
    return loading.set_sub_union_alias(s, alias, name, org)


def import_profile(s: Store, data: bytes, org: str | None) -> dict[str, int]:
    """Import a mapping profile file's bytes into school ``org``'s profile (None: as the file says);
    ValueError (Chinese) for a file that is not one.  Returns counts per part."""
    return loading.import_mappings(s, loading.parse_profile(data), org)


profile_rows = loading.profile_rows
