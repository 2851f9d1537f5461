"""Step 6: write a parsed file into the store as one batch, in one transaction; and undo a batch.

The bookkeeping is the same for every kind: a batch row with the file's hash, archive path, user
and counts, a backup before, the rollups rebuilt after. What the rows are and how a batch's rows
stop counting is the kind's own (etl/kinds/). An identical file already active is not loaded twice.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import kinds
from etl.issues import LoadRefused, ParsedFile
from pledge import rollups
from pledge.sql import fetch_one, fetch_value
from pledge.store import BackupFailed, Store


@dataclass
class LoadResult:
    batch_id: int
    kind: str
    file_name: str
    status: str  # loaded | unchanged (identical file already active)
    counts: dict = field(default_factory=dict)
    note: str = ""


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _archive(store: Store, parsed: ParsedFile) -> str:
    suffix = Path(parsed.file_name).suffix.lower()
    relative = Path("archive") / parsed.sha256[:2] / f"{parsed.sha256}{suffix}"
    target = store.path.parent / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(parsed.data)
        tmp.replace(target)
    return relative.as_posix()


def _pause_for_fault_tests() -> None:
    """Fault injection: the SIGKILL test stops a load here, after its rows went in, before commit."""
    pause = os.environ.get("PLEDGE_FAULT_PAUSE_BEFORE_COMMIT")
    if pause:
        print("PAUSED_BEFORE_COMMIT", flush=True)
        time.sleep(float(pause))


@contextmanager
def written(store: Store, backup: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write transaction after a whole backup; a backup that fails refuses the import or undo."""
    try:
        with store.write(backup=backup) as con:
            yield con
    except BackupFailed as failed:
        raise LoadRefused(str(failed)) from failed


def load(store: Store, parsed: ParsedFile, user: str | None = None) -> LoadResult:
    if not parsed.ok:
        raise LoadRefused(f"文件“{parsed.file_name}”有{len(parsed.errors)}处错误，未导入任何数据")
    user = user or default_user()
    file_kind = kinds.get(parsed.kind)
    with written(store, f"before-{file_kind.name}") as con:
        same = fetch_one(
            con,
            "SELECT id FROM batches WHERE sha256 = ? AND kind = ? AND status = 'active' ORDER BY id DESC LIMIT 1",
            [parsed.sha256, parsed.kind],
        )
        if same:
            return LoadResult(
                same[0],
                file_kind.name,
                parsed.file_name,
                "unchanged",
                note=f"与第{same[0]}批导入的文件完全相同，未重复导入",
            )
        archive_path = _archive(store, parsed)
        batch_id = fetch_value(con, "SELECT nextval('batch_id_seq')")
        con.execute(
            """INSERT INTO batches (id, kind, file_name, sha256, archive_path, sheets, user_name, loaded_at,
                   status, rows_read, rows_new, rows_updated, rows_duplicate, rows_rejected, rows_skipped, warnings)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 0, 0, 0, 0, ?, ?)""",
            [
                batch_id,
                parsed.kind,
                parsed.file_name,
                parsed.sha256,
                archive_path,
                "、".join(parsed.sheets),
                user,
                dt.datetime.now().replace(microsecond=0),
                parsed.rows_read,
                parsed.rows_skipped,
                json.dumps([w.as_dict() for w in parsed.warnings], ensure_ascii=False),
            ],
        )
        counts = file_kind.load(con, parsed, batch_id)
        _pause_for_fault_tests()
        con.execute(
            "UPDATE batches SET rows_new = ?, rows_updated = ?, rows_duplicate = ?, rows_withdrawn = ? WHERE id = ?",
            [counts["new"], counts["updated"], counts["duplicate"], counts.get("withdrawn", 0), batch_id],
        )
        if file_kind.rebuilds_rollups:
            rollups.refresh(con)
    return LoadResult(batch_id, file_kind.name, parsed.file_name, "loaded", counts)


def preview_counts(store: Store, parsed: ParsedFile) -> dict:
    """What loading would do (new / updated / duplicate), without writing anything."""
    if not parsed.ok:
        return {"new": 0, "updated": 0, "duplicate": 0}
    with store.read() as con:
        return kinds.get(parsed.kind).count(con, parsed)


def plan(store: Store, parsed: ParsedFile):
    """For a ledger: which earlier reports it replaces and what it withdraws (etl/identity.Plan)."""
    if not parsed.ok:
        return None
    with store.read() as con:
        return kinds.get(parsed.kind).plan(con, parsed)


def undo(store: Store, batch_id: int, user: str | None = None) -> dict:
    """Undo one batch: its rows stop counting and the rows it replaced count again."""
    user = user or default_user()
    with written(store, f"before-undo-{batch_id}") as con:
        row = fetch_one(con, "SELECT kind, status, file_name FROM batches WHERE id = ?", [batch_id])
        if row is None:
            raise LoadRefused(f"没有第{batch_id}批导入记录")
        kind, status, file_name = row
        if status != "active":
            raise LoadRefused(f"第{batch_id}批（{file_name}）已经撤销过了")
        file_kind = kinds.get(kind)
        file_kind.check_undo(con, batch_id)
        con.execute(
            "UPDATE batches SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
            [dt.datetime.now().replace(microsecond=0), user, batch_id],
        )
        file_kind.undo(con, batch_id)
        if file_kind.rebuilds_rollups:
            rollups.refresh(con)
    return {"batch_id": batch_id, "kind": kind, "file_name": file_name}
