"""The one module that opens the DuckDB file.

DuckDB lets one process hold a file for writing, and inside a process every connection to a file
must share one configuration. So connections here are short-lived: a reader opens the file
read-only for one unit of work, a writer opens it read-write for one transaction, and whoever
finds the file held by another process waits and retries instead of failing. Inside a process a
readers-writer lock keeps read-only and read-write connections from overlapping; across processes
a lock file queues the writers.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from pledge import rollups, schema, settings
from pledge.sql import fetch_one

log = logging.getLogger(__name__)


class StoreBusy(RuntimeError):
    """The file stayed locked by another process for longer than we wait."""

    def __init__(self, path: Path, waited: float):
        super().__init__(
            f"数据库正被另一个程序（如正在进行的导入）占用，已等待{waited:.0f}秒，请稍后重试。（{path.name}）"
        )


class StoreUnreadable(RuntimeError):
    """The database file is damaged, or gone while its backups remain: nothing may be shown or
    written until an admin restores it. The message says so in Chinese, with the commands."""

    RESTORE = "python -m etl restore --list（查看备份）；python -m etl restore（恢复最新的完好备份）"

    def __init__(self, path: Path, what: str):
        self.path, self.what = path, what
        super().__init__(f"{what}（{path.name}）。请管理员在服务器上恢复：{self.RESTORE}")


class BackupFailed(RuntimeError):
    """The backup before a write could not be made whole (a full disk): the write does not happen."""

    def __init__(self, reason: str):
        super().__init__(
            f"写入前的自动备份未能完成（{reason}），本次操作未执行，数据未改变。请检查服务器磁盘空间后重试。"
        )


class ReadOnlyStore(RuntimeError):
    """A reader process (or a snapshot) was asked to write: writes belong to the writer."""

    def __init__(self) -> None:
        super().__init__("本服务器是只读节点，不能修改数据。请到写入节点（数据管理）操作。")


class _ReadersWriterLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class _ReadPool:
    """One read-only DuckDB instance per file and process, kept open for a moment after the last
    reader so that a page's burst of queries opens the file once, and then closed so that a writer
    in another process is not kept waiting."""

    IDLE_SECONDS = 0.3

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._generation = 0

    def cursor(self, open_root) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._root is None:
                self._root = open_root()
            self._users += 1
            self._generation += 1
            return self._root.cursor()

    def release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._lock:
            self._users -= 1
            if self._users == 0:
                timer = threading.Timer(self.IDLE_SECONDS, self._close_if_idle, [self._generation])
                timer.daemon = True
                timer.start()

    def _close_if_idle(self, generation: int) -> None:
        with self._lock:
            if self._users == 0 and self._generation == generation:
                self._close()

    def close_now(self) -> None:
        """Before this process writes: a read-only and a read-write connection cannot coexist."""
        with self._lock:
            if self._users == 0:
                self._close()

    def _close(self) -> None:
        if self._root is not None:
            self._root.close()
            self._root = None


_process_locks: dict[Path, tuple[_ReadersWriterLock, _ReadPool]] = {}
_process_locks_guard = threading.Lock()


def _lock_for(path: Path) -> tuple[_ReadersWriterLock, _ReadPool]:
    with _process_locks_guard:
        return _process_locks.setdefault(path, (_ReadersWriterLock(), _ReadPool()))


@atexit.register
def _close_pools() -> None:
    for _, pool in list(_process_locks.values()):
        pool.close_now()


def _is_lock_conflict(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


class Store:
    read_only = False  # a published snapshot opened by a reader process (Store.snapshot)

    def __init__(self, path: str | os.PathLike | None = None, timeout: float | None = None):
        self.path = settings.db_path(path)
        self.timeout = settings.LOCK_TIMEOUT_SECONDS if timeout is None else timeout
        self._rw, self._pool = _lock_for(self.path)
        self.home = self.path  # the database whose sessions file and archive these are

    @classmethod
    def snapshot(cls, path: Path, home: Path) -> Store:
        """A published snapshot, for reading only; `home` is the writer's database it copies."""
        store = cls(path)
        store.read_only, store.home = True, home
        return store

    # -- locations -------------------------------------------------------------------------
    @property
    def archive_dir(self) -> Path:
        return self.path.parent / "archive"

    def exists(self) -> bool:
        return self.path.exists()

    def data_version(self) -> tuple:
        """Changes whenever a write lands: a cache key that costs one stat, not a query."""
        parts: list[tuple[int, int] | None] = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                parts.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                parts.append(None)
        return tuple(parts)

    # -- connections -----------------------------------------------------------------------
    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        started = time.monotonic()
        delay = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as error:
                if not _is_lock_conflict(error):
                    if self.path.exists():
                        raise StoreUnreadable(self.path, "数据库文件损坏，无法打开") from error
                    raise
                waited = time.monotonic() - started
                if waited >= self.timeout:
                    raise StoreBusy(self.path, waited) from error
                if delay == 0.02:
                    log.warning("数据库正被另一个程序写入（如正在进行的导入），正在等待（最多%.0f秒）……", self.timeout)
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor for one unit of work. The schema must exist (see ensure_schema)."""
        with self._rw.reading():
            con = self._pool.cursor(lambda: self._connect(read_only=True))
            try:
                yield con
            except (duckdb.IOException, duckdb.SerializationException) as error:
                if _is_lock_conflict(error):
                    raise
                raise StoreUnreadable(self.path, "数据库文件损坏，读取失败") from error
            finally:
                self._pool.release(con)

    @contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """Held by one writer at a time, across processes and threads."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.warning("数据库正被另一个导入或撤销占用，正在排队等待（最多%.0f秒）……", self.timeout)
            try:
                lock.acquire(timeout=self.timeout)
            except Timeout as error:
                raise StoreBusy(self.path, self.timeout) from error
        try:
            with self._rw.writing():
                self._pool.close_now()
                yield
        finally:
            lock.release()

    @contextmanager
    def write(self, backup: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        With `backup`, the file is first copied to backups/ under that label (before an import).
        With PLEDGE_SNAPSHOTS set, a write that changed the file is then published to readers."""
        if self.read_only or settings.is_reader():
            raise ReadOnlyStore()
        with self._writer_lock():
            before = self.data_version()
            if backup and self.exists():
                self._backup(backup)
            con = self._connect(read_only=False)
            try:
                schema.upgrade(con)
                con.execute("BEGIN")
                rollups.ensure(con)  # derived tables added since the file was last written
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()
            if self.data_version() != before:
                self._publish_if_configured()

    # -- snapshots for reader processes (pledge/snapshots.py) ------------------------------
    def _publish_if_configured(self) -> None:
        """Under the writer lock. PLEDGE_SNAPSHOTS belongs to the one database the writer and its
        CLI use (`--db` or PLEDGE_DB). A failed publish does not undo the committed write: readers
        keep the previous snapshot and the next write (or `python -m etl publish`) retries."""
        folder = settings.snapshot_dir()
        if folder is None:
            return
        from pledge import snapshots  # only a writer with PLEDGE_SNAPSHOTS set needs it

        try:
            snapshots.publish(self.path, folder)
        except (OSError, RuntimeError, duckdb.Error) as error:
            log.error("数据快照发布失败（只读节点仍显示上一版数据）：%s", error)

    def publish(self) -> Path:
        """Publish the file to PLEDGE_SNAPSHOTS now (at start-up, or by hand)."""
        folder = settings.snapshot_dir()
        if folder is None:
            raise RuntimeError("未设置 PLEDGE_SNAPSHOTS")
        from pledge import snapshots

        with self._writer_lock():
            return snapshots.publish(self.path, folder)

    # -- backups ---------------------------------------------------------------------------
    @property
    def backup_dir(self) -> Path:
        return self.path.parent / "backups"

    def _backup(self, label: str, verify: bool = True) -> Path:
        """Copy the file while we hold the writer lock: no other writer, nothing half-written. The
        copy goes to a temporary name and becomes a backup only once it is whole (same sizes as the
        source, opens as our database); otherwise BackupFailed and nothing is left behind."""
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in label)[:40]
        target = self.backup_dir / f"{self.path.stem}-{stamp}-{time.monotonic_ns() % 10**6:06d}-{safe}.duckdb"
        partial = target.with_name(target.name + ".partial")  # DuckDB finds its WAL at <name>.wal
        pairs = [(self.path, partial, target)]
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            pairs.append((wal, partial.with_name(partial.name + ".wal"), target.with_name(target.name + ".wal")))
        try:
            for source, copy, _ in pairs:
                shutil.copy2(source, copy)
            if verify and not all(c.stat().st_size == s.stat().st_size for s, c, _ in pairs):
                raise BackupFailed("备份文件不完整")
            if verify and not self.verify(partial, thorough=False):
                raise BackupFailed("备份文件无法打开")
            for _, copy, final in pairs:
                copy.replace(final)
        except OSError as error:
            raise BackupFailed(type(error).__name__) from error
        finally:
            for _, copy, _ in pairs:
                copy.unlink(missing_ok=True)
        for old in self.backups()[settings.KEEP_BACKUPS :]:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)
        return target

    def backups(self) -> list[Path]:
        """Backups, newest first."""
        if not self.backup_dir.exists():
            return []
        return sorted(
            self.backup_dir.glob(f"{self.path.stem}-*.duckdb"), key=lambda p: p.stat().st_mtime_ns, reverse=True
        )

    @staticmethod
    def verify(path: Path, thorough: bool = True) -> bool:
        """Whether a file is one of our databases and (thorough) every row of every table can be
        read: a backup half-written when the disk filled opens, but fails on its missing blocks.
        The thorough check reads the whole file: for restoring, not before every import."""
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            return False
        try:
            if schema.current_version(con) == 0:
                return False
            if not thorough:
                return True
            tables = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall()
            for (table,) in tables:  # hash() of each whole row makes every column block load
                con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" AS t').fetchall()
            return True
        except duckdb.Error:
            return False
        finally:
            con.close()

    def restore(self, backup: Path) -> Path | None:
        """Put a backup in place of the file; the current file is backed up first. Returns that copy
        (None when there was no current file)."""
        if not backup.exists():
            raise FileNotFoundError(backup)
        with self._writer_lock():
            if not self.verify(backup):
                raise StoreUnreadable(backup, "备份文件已损坏，不能用来恢复")
            # The current file is kept as it is, even when damaged: it may be all there is.
            current = self._backup("before-restore", verify=False) if self.exists() else None
            tmp = self.path.with_name(self.path.name + ".restoring")
            shutil.copy2(backup, tmp)
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
            wal = backup.with_name(backup.name + ".wal")
            if wal.exists():
                shutil.copy2(wal, self.path.with_name(self.path.name + ".wal"))
            tmp.replace(self.path)
            self._publish_if_configured()
        return current

    def ensure_schema(self) -> None:
        """Create the file or upgrade an older one in place. A file that is gone while backups of
        it remain is not silently replaced by an empty one."""
        if not self.exists() and self.backups():
            raise StoreUnreadable(self.path, "数据库文件不存在，但有它的备份：文件可能被误删或磁盘未挂载")
        if self.exists():
            with self.read() as con:
                if schema.current_version(con) == schema.SCHEMA_VERSION and not rollups.missing(con):
                    return
        with self.write():
            pass

    # -- small helpers ---------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        if not self.exists():
            return default
        with self.read() as con:
            row = fetch_one(con, "SELECT value FROM meta WHERE key = ?", [key])
        return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
