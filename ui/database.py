"""The app's one store: $PLEDGE_DB (or data/pledge.duckdb), opened once per process, and the
demo city on a fresh machine."""

from __future__ import annotations

import os

import streamlit as st

from pledge import settings
from pledge.store import Store


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    store = Store(path)
    if store.exists():
        store.ensure_schema()  # an older file is upgraded before any page reads it
    return store


def store() -> Store:
    """The store of $PLEDGE_DB (or data/pledge.duckdb), one object per file."""
    return _store(str(settings.db_path()))


def ensure_data() -> Store:
    """On a fresh machine the app starts on the demo city. A deployment that names its own
    database (PLEDGE_DB) starts empty instead: demo loans must never mix with real ones. A file
    that vanished while its backups remain is never rebuilt: ensure_schema says so."""
    s = store()
    if not s.exists() and not os.environ.get("PLEDGE_DB") and not s.backups():
        from etl.demo import build_demo

        with st.spinner("首次启动：正在生成示例市演示数据……"):
            build_demo(s)
    s.ensure_schema()
    return s
