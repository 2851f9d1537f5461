"""Snapshots for reader processes (pledge/snapshots.py, Store.write/publish, ui/database.py): the
writer publishes after each write that changed the file, a reader reads and never writes, old
snapshots go only when no reader can still be about to open them, and the nginx config is valid."""

from __future__ import annotations

import os
import shutil
import subprocess
from types import SimpleNamespace

import duckdb
import pytest

from pledge import auth, snapshots
from pledge.sessions import path_for
from pledge.store import ReadOnlyStore, Store
from ui import database


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_SNAPSHOTS", str(tmp_path / "snapshots"))
    return tmp_path / "snapshots"


def test_a_write_publishes_a_whole_snapshot_and_a_write_that_changes_nothing_does_not(store, folder):
    with store.write() as con:
        con.execute("INSERT INTO meta VALUES ('marker', '1')")
    first = snapshots.current(folder)
    assert first is not None and first.parent == folder and first.name.startswith("pledge-")
    assert Store.verify(first) and not first.with_name(first.name + ".wal").exists()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary left
    assert database.snapshots.pointer_stamp(folder) is not None

    with store.write():
        pass  # nothing changed: nothing published
    assert snapshots.snapshots(folder, "pledge") == [first]

    with store.write() as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('marker', '2')")
    second = snapshots.current(folder)
    assert second != first and snapshots.snapshots(folder, "pledge") == [second, first]
    con = duckdb.connect(str(second), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone() == ("2",)
    con.close()


def test_a_failed_publish_keeps_the_write_and_the_previous_snapshot(store, folder, monkeypatch):
    store.publish()
    before = snapshots.current(folder)

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshots, "publish", full_disk)
    with store.write() as con:
        con.execute("INSERT INTO meta VALUES ('kept', '1')")
    assert store.get_meta("kept") == "1"
    assert snapshots.current(folder) == before


def test_readers_never_write_and_sign_in_from_the_snapshot(store, folder, monkeypatch):
    auth.add_user(store, "viewer", "password-1", "viewer")
    snap = Store.snapshot(store.publish(), home=store.path)
    with pytest.raises(ReadOnlyStore, match="只读节点"), snap.write():
        pass
    stamp = snap.data_version()
    user = auth.authenticate(snap, "viewer", "password-1")  # stale last login: the writer would stamp it
    assert user.name == "viewer" and snap.data_version() == stamp
    token = auth.sessions(snap).create(user.name, auth.state_text(user))
    assert auth.sessions(store).resume(token) is not None  # one sessions file, beside the writer's database
    assert path_for(store.path).exists() and not path_for(snap.path).exists()

    monkeypatch.setenv("PLEDGE_READER", "1")  # a reader process refuses any write, whatever the file
    with pytest.raises(ReadOnlyStore), store.write():
        pass


def test_old_snapshots_go_only_beyond_the_newest_and_after_the_grace(tmp_path):
    folder = tmp_path / "snaps"
    folder.mkdir()
    names = [f"pledge-20261101-00000{i}-000000000.duckdb" for i in range(6)]
    for i, name in enumerate(names):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (1000.0 + i * 100, 1000.0 + i * 100))
    (folder / snapshots.POINTER).write_text(names[-1])
    # 3, 4, 5 are the newest KEEP; 2 was superseded when 3 came (t = 1300), 1 at 1200, 0 at 1100.
    assert snapshots.prune(folder, "pledge", now=1550.0) == []  # within the grace: kept
    removed = snapshots.prune(folder, "pledge", now=1300.0 + snapshots.GRACE_SECONDS - 50)
    assert sorted(p.name for p in removed) == names[:2]
    assert sorted(p.name for p in folder.glob("*.duckdb")) == names[2:]


def test_a_reader_offers_only_the_pages_that_read(monkeypatch, tmp_path):
    page = lambda path: SimpleNamespace(url_path=path)  # noqa: E731
    pages = {
        "监测": [page("overview"), page("districts"), page("bulletin")],
        "数据管理": [page("upload"), page("new_reading_looking_page")],
        "系统管理": [page("accounts")],
    }
    assert database.reader_pages(pages) is pages  # the single-process default: everything
    monkeypatch.setenv("PLEDGE_READER", "1")
    monkeypatch.setenv("PLEDGE_SNAPSHOTS", str(tmp_path))
    kept = database.reader_pages(pages)
    assert {section: [p.url_path for p in items] for section, items in kept.items()} == {
        "监测": ["overview", "districts"]
    }


def test_the_cluster_nginx_config_is_valid(tmp_path):
    import importlib.util

    from tests.browser import ROOT

    spec = importlib.util.spec_from_file_location("cluster", ROOT / "scripts" / "cluster.py")
    assert spec and spec.loader
    cluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cluster)
    assert set(cluster.writing_pages()) == database.WRITING_PAGES
    text = cluster.nginx_config(tmp_path, "127.0.0.1:18080", 18090, [18091, 18092])
    assert (
        "upstream pledge_readers" in text
        and "server 127.0.0.1:18092" in text
        and "@READERS@" not in text
        and "@RUN_DIR@" not in text
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"  # scripts/system-packages.sh installs it for the tests
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
