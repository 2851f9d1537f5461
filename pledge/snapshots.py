"""Read-only copies of the database for reader processes, published by the writer.

DuckDB has one writer per file, so reads scale by copying, not by sharing. The writer (the app
where analysts import, and `python -m etl`) publishes a snapshot after every write that changed
the file: it copies the file to a temporary name in the snapshots folder while it still holds the
writer lock (so the copy is whole), opens the copy to check it is our database, renames it to its
final name and then switches the pointer file CURRENT, itself written to a temporary name and
renamed. A reader therefore sees either the old snapshot or the new one, never half of one.

Readers (PLEDGE_READER=1) open the file CURRENT names, read-only. Old snapshots are deleted only
when they are beyond the newest KEEP and were superseded more than GRACE_SECONDS ago: a reader
resolves the pointer at every rerun and opens the file within milliseconds, and a file it still
holds open stays readable after it is unlinked (POSIX).

Several machines: copy the folder to each reader host with the snapshot files first and CURRENT
last (rsync writes each file under a temporary name and renames it), see the README.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

POINTER = "CURRENT"
KEEP = 3
GRACE_SECONDS = 600.0


def current(folder: Path) -> Path | None:
    """The snapshot CURRENT names, or None before the first publish."""
    try:
        name = (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name or "/" in name or name.startswith("."):
        return None
    return folder / name


def pointer_stamp(folder: Path) -> tuple[int, int] | None:
    """What a reader checks at every rerun: one stat of CURRENT."""
    try:
        st = (folder / POINTER).stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_ino)


def snapshots(folder: Path, stem: str) -> list[Path]:
    """Published snapshots, newest first (their names sort by time)."""
    if not folder.exists():
        return []
    return sorted(folder.glob(f"{stem}-*.duckdb"), reverse=True)


def _opens(path: Path) -> bool:
    from pledge import schema  # schema imports nothing of ours at module level; kept lazy for symmetry

    try:
        con = duckdb.connect(str(path))  # read-write: folds a copied WAL into the file
    except duckdb.Error:
        return False
    try:
        if schema.current_version(con) == 0:
            return False
        con.execute("CHECKPOINT")
        return True
    except duckdb.Error:
        return False
    finally:
        con.close()


def publish(source: Path, folder: Path) -> Path:
    """Copy `source` into `folder` and make it CURRENT. The caller holds the writer lock.

    Returns the new snapshot. Raises OSError or RuntimeError when the copy cannot be made whole;
    CURRENT then still names the previous snapshot."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    final = folder / f"{source.stem}-{stamp}-{time.time_ns() % 10**9:09d}.duckdb"
    partial = folder / f".{final.name}.partial"
    wal = source.with_name(source.name + ".wal")
    try:
        shutil.copyfile(source, partial)
        if wal.exists():
            shutil.copyfile(wal, partial.with_name(partial.name + ".wal"))
        if not _opens(partial):
            raise RuntimeError(f"数据快照无法打开：{partial.name}")
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    pointer_tmp = folder / f".{POINTER}.{os.getpid()}.tmp"
    with open(pointer_tmp, "w", encoding="utf-8") as f:
        f.write(final.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer_tmp, folder / POINTER)
    prune(folder, source.stem)
    return final


def prune(folder: Path, stem: str, now: float | None = None) -> list[Path]:
    """Delete snapshots beyond the newest KEEP that were superseded more than GRACE_SECONDS ago.
    A snapshot is superseded when the next newer one was written (its mtime)."""
    now = time.time() if now is None else now
    keep_name = current(folder)
    found = snapshots(folder, stem)
    written = {}
    for path in found:
        try:
            written[path] = path.stat().st_mtime
        except FileNotFoundError:  # another writer's prune got there first
            continue
    removed = []
    for newer, old in zip(found, found[1:], strict=False):
        if old in found[:KEEP] or old == keep_name or newer not in written:
            continue
        if now - written[newer] > GRACE_SECONDS:
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed
