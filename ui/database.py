"""The app's one store: $PLEDGE_DB (or data/pledge.duckdb), opened once per process, and the
demo city on a fresh machine.

A reader process (PLEDGE_READER=1 with PLEDGE_SNAPSHOTS, see pledge/snapshots.py) reads the newest
published snapshot instead and never writes: the store follows the snapshot folder's pointer, checked
with one stat per call, so a new snapshot shows at the next rerun (pages cache per file and version)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import streamlit as st

from pledge import settings, snapshots
from pledge.store import Store, StoreBusy

# Pages that change data (their url paths): a reader process leaves them out of the navigation, and
# nginx sends their URLs to the writer (scripts/cluster.py). Every page in the sections WRITER_SECTIONS
# is left out too, so that a new writing page added there needs no change here.
WRITING_PAGES = frozenset(
    {
        "upload",
        "history",
        "loans",
        "targets",
        "accounts",
        "reference",
        "bulletin",  # 签发 and the letterhead
        "registrations",  # 登记核对: mapping a pledgor
        "outreach",  # 增量扩面: recording white-list pushes
        "subsidy",  # 贴息审核: moving claims on
        "subsidy_policy",  # 贴息政策
    }
)
WRITER_SECTIONS = frozenset({"数据管理", "系统管理"})
# The path under which nginx serves the writer (deploy/nginx-cluster.conf.template).
WRITER_PREFIX = "/admin/"


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    store = Store(path)
    if store.exists():
        store.ensure_schema()  # an older file is upgraded before any page reads it
    return store


@st.cache_resource(show_spinner=False, max_entries=4)
def _snapshot_store(path: str, home: str) -> Store:
    return Store.snapshot(Path(path), Path(home))


@st.cache_resource(show_spinner=False)
def _pointer() -> dict:
    return {}  # the pointer's stamp and the snapshot it named, shared by the process's sessions


def _current_snapshot(folder: Path) -> Path:
    stamp = snapshots.pointer_stamp(folder)
    seen = _pointer()
    if seen.get("stamp") != stamp or "path" not in seen:
        path = snapshots.current(folder)
        if stamp is None or path is None or not path.exists():
            # Before the writer's first publish: the "being written, reload shortly" notice.
            raise StoreBusy(folder / snapshots.POINTER, 0.0)
        seen.update(stamp=stamp, path=path)
    return seen["path"]


@functools.lru_cache(maxsize=8)
def _resolved(value: str | None) -> Path:
    return settings.db_path(value)  # resolve() stats every folder on the way: once per process


def _db_path() -> Path:
    return _resolved(os.environ.get("PLEDGE_DB"))


@st.cache_resource(show_spinner=False)
def _schema_checked() -> dict:
    return {}  # database path -> the data version whose schema this process has checked


def is_reader() -> bool:
    """This process serves the dashboards from published snapshots and never writes."""
    return settings.is_reader() and settings.snapshot_dir() is not None


def store() -> Store:
    """The store of $PLEDGE_DB (or data/pledge.duckdb), one object per file; in a reader process
    the newest published snapshot of it."""
    folder = settings.snapshot_dir()
    if is_reader() and folder is not None:
        return _snapshot_store(str(_current_snapshot(folder)), str(_db_path()))
    return _store(str(_db_path()))


def reader_pages(pages: dict[str, list]) -> dict[str, list]:
    """The navigation a reader process offers: the pages that only read."""
    if not is_reader():
        return pages
    kept = {
        section: [p for p in items if p.url_path not in WRITING_PAGES]
        for section, items in pages.items()
        if section not in WRITER_SECTIONS
    }
    return {section: items for section, items in kept.items() if items}


def ensure_data() -> Store:
    """On a fresh machine the app starts on the demo city. A deployment that names its own
    database (PLEDGE_DB) starts empty instead: demo loans must never mix with real ones. A file
    that vanished while its backups remain is never rebuilt: ensure_schema says so. A reader only
    needs a published snapshot; a writer with PLEDGE_SNAPSHOTS publishes one if there is none."""
    s = store()
    if is_reader():
        return s
    if not s.exists() and not os.environ.get("PLEDGE_DB") and not s.backups():
        from etl.demo import build_demo

        with st.spinner("首次启动：正在生成示例市演示数据……"):
            build_demo(s)
    checked = _schema_checked()
    if checked.get(str(s.path)) != s.data_version() or not s.exists():  # a rerun costs a stat, not a query
        s.ensure_schema()
        checked[str(s.path)] = s.data_version()
    folder = settings.snapshot_dir()
    if folder is not None and snapshots.current(folder) is None and s.exists():
        s.publish()
    return s


def writer_link(user) -> None:
    """In a reader's sidebar: where the writing pages (and the bulletin) are, for those who use them."""
    if is_reader() and (user.can("analyst") or not user.district_code):
        st.sidebar.markdown(f"[数据管理与月度通报（写入节点）]({WRITER_PREFIX})")


def reader_without_accounts() -> None:
    """A reader never creates the first admin (that is a write): it says where to do it."""

    def page() -> None:
        st.title("尚无账户")
        st.info(
            "本服务器是只读节点。请在写入节点创建第一个管理员（python -m etl users add 用户名 --role admin），发布后刷新本页。"
        )

    st.navigation([st.Page(page, title="系统提示", url_path="no_accounts")], position="hidden").run()
    st.stop()
