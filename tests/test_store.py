"""The store: schema upgrades, the archive, and two processes sharing one file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from etl import pipeline
from pledge import schema
from pledge.store import Store, StoreBusy
from tests.fixtures import district_rows, write, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


def _hold_write_lock(db: Path, seconds: float) -> subprocess.Popen:
    """Another process that keeps the file open for writing for a while."""
    code = textwrap.dedent(
        f"""
        import time
        from pledge.store import Store
        with Store({str(db)!r}).write() as con:
            print("holding", flush=True)
            time.sleep({seconds})
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_new_file_gets_the_current_schema(empty_store):
    with empty_store.read() as con:
        assert schema.current_version(con) == schema.SCHEMA_VERSION
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'loans'"
            ).fetchall()
        )
    assert types["amount_yuan"].startswith("DECIMAL") and types["subsidy_yuan"].startswith("DECIMAL")


def test_an_older_file_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE unrelated (x INTEGER)")
    con.execute("INSERT INTO unrelated VALUES (42)")
    con.close()
    store = Store(path)
    store.ensure_schema()
    with store.read() as con:
        assert schema.current_version(con) == schema.SCHEMA_VERSION
        assert con.execute("SELECT x FROM unrelated").fetchall() == [(42,)]


def test_a_file_from_a_newer_program_is_refused(empty_store):
    with empty_store.write() as con:
        con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="请升级程序"):
        empty_store.ensure_schema()


def test_every_import_is_archived_by_its_hash(empty_store, tmp_path):
    data = xlsx_bytes(district_rows())
    parsed, result = pipeline.import_path(empty_store, write(tmp_path, "名单.xlsx", data), user="a")
    digest = hashlib.sha256(data).hexdigest()
    with empty_store.read() as con:
        archived = con.execute("SELECT archive_path, sha256 FROM batches WHERE id = ?", [result.batch_id]).fetchall()[0]
    assert archived[1] == digest
    assert (empty_store.path.parent / archived[0]).read_bytes() == data


def test_a_load_waits_for_another_writer_and_then_lands(store, tmp_path):
    holder = _hold_write_lock(store.path, 1.5)
    started = time.monotonic()
    renamed = [row[:] for row in district_rows()]
    renamed[1][2] = "东湖、湖区"
    parsed, result = pipeline.import_path(store, write(tmp_path, "new.xlsx", xlsx_bytes(renamed)), user="b")
    waited = time.monotonic() - started
    holder.wait(timeout=30)
    assert result is not None and result.status == "loaded"
    assert waited >= 0.5  # it did wait for the other process rather than fail


def test_a_reader_that_waits_too_long_gets_a_chinese_message(store):
    holder = _hold_write_lock(store.path, 3)
    try:
        impatient = Store(store.path, timeout=0.5)
        with pytest.raises(StoreBusy, match="请稍后重试"), impatient.read():
            pass
    finally:
        holder.wait(timeout=30)
    with store.read() as con:  # and afterwards everything is fine
        assert con.execute("SELECT count(*) FROM v_districts").fetchall() == [(4,)]


def test_a_backup_cut_short_by_a_full_disk_refuses_the_import_and_leaves_no_backup(store, tmp_path, monkeypatch):
    """Backups are written to a temporary name and kept only when whole: a half-written one never
    becomes the newest backup that restore would install."""
    import shutil as real_shutil

    from etl import load as loader
    from etl.issues import LoadRefused
    from pledge import store as store_module
    from tests.fixtures import CLI_LEDGER

    before = store.backups()
    copy = real_shutil.copy2

    def disk_fills(source, target, *args, **kwargs):
        copy(source, target, *args, **kwargs)
        with open(target, "r+b") as half:  # the disk filled half-way through
            half.truncate(Path(source).stat().st_size // 2)

    monkeypatch.setattr(store_module.shutil, "copy2", disk_fills)
    ledger = write(tmp_path, "台账.xlsx", xlsx_bytes(CLI_LEDGER))
    parsed = pipeline.parse_path(store, ledger)
    with pytest.raises(LoadRefused, match="自动备份未能完成"):
        loader.load(store, parsed, user="test")
    assert store.backups() == before and not list(store.backup_dir.glob("*.partial*"))
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM batches WHERE kind = 'loans'").fetchall() == [(0,)]
    monkeypatch.setattr(store_module.shutil, "copy2", copy)
    assert loader.load(store, parsed, user="test").status == "loaded"  # with room again, it goes through
    newest = store.backups()[0]
    assert Store.verify(newest)
