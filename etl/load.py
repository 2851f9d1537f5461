"""Step 6: write a parsed file into the store as one batch, in one transaction; and undo a batch.

A loan key (registration number, else USCC + bank + loan date + amount) has one current row:
the one from the newest active batch. Loading marks the batch's rows current and the rows they
replace not; undoing recomputes the current row of every key the batch touched, so what it
replaced comes back exactly.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from etl.parse import ParsedFile
from pledge import rollups
from pledge.sql import fetch_one, fetch_value
from pledge.store import Store


class LoadRefused(ValueError):
    """Loading or undoing is not allowed; the message says why in Chinese."""


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


def load(store: Store, parsed: ParsedFile, user: str | None = None) -> LoadResult:
    if not parsed.ok:
        raise LoadRefused(f"文件“{parsed.file_name}”有{len(parsed.errors)}处错误，未导入任何数据")
    user = user or default_user()
    with store.write(backup=f"before-{parsed.kind}") as con:
        same = fetch_one(con,
            "SELECT id FROM batches WHERE sha256 = ? AND kind = ? AND status = 'active' ORDER BY id DESC LIMIT 1",
            [parsed.sha256, parsed.kind],
        )
        if same:
            return LoadResult(same[0], parsed.kind, parsed.file_name, "unchanged",
                              note=f"与第{same[0]}批导入的文件完全相同，未重复导入")
        archive_path = _archive(store, parsed)
        batch_id = fetch_value(con, "SELECT nextval('batch_id_seq')")
        con.execute(
            """INSERT INTO batches (id, kind, file_name, sha256, archive_path, sheets, user_name, loaded_at,
                   status, rows_read, rows_new, rows_updated, rows_duplicate, rows_rejected, rows_skipped, warnings)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 0, 0, 0, 0, ?, ?)""",
            [batch_id, parsed.kind, parsed.file_name, parsed.sha256, archive_path, "、".join(parsed.sheets), user,
             dt.datetime.now().replace(microsecond=0), parsed.rows_read, parsed.rows_skipped,
             json.dumps([w.as_dict() for w in parsed.warnings], ensure_ascii=False)],
        )
        counts = {"loans": _load_loans, "targets": _load_targets, "districts": _load_districts}[parsed.kind](
            con, parsed, batch_id
        )
        _pause_for_fault_tests()
        con.execute(
            "UPDATE batches SET rows_new = ?, rows_updated = ?, rows_duplicate = ? WHERE id = ?",
            [counts["new"], counts["updated"], counts["duplicate"], batch_id],
        )
        if parsed.kind == "loans":
            rollups.refresh(con)
    return LoadResult(batch_id, parsed.kind, parsed.file_name, "loaded", counts)


def _load_loans(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
    frame = parsed.frame
    last = frame.drop_duplicates("loan_key", keep="last")  # inside a file the later row wins
    first_id = fetch_value(con, "SELECT coalesce(max(loan_id), 0) + 1 FROM loans")
    staged = last.assign(loan_id=range(first_id, first_id + len(last)))
    patents = parsed.patents.merge(staged[["loan_id"]], left_on="row", right_index=True)
    counts = _count_loans(con, frame)
    con.register("staged", staged)
    con.register("staged_patents", patents)
    try:
        con.execute("UPDATE loans SET is_current = false WHERE is_current AND loan_key IN (SELECT loan_key FROM staged)")
        con.execute(
            """INSERT INTO loans
               SELECT loan_id, ?, loan_key, row_hash, true, reg_no, reg_date::DATE, uscc, enterprise_name,
                      district_code, bank, bank_raw, pledge_type, patent_count,
                      amount_cents::DECIMAL(18, 2) / 100, loan_date::DATE, term_months, rate_pct,
                      first_loan, subsidy_cents::DECIMAL(18, 2) / 100, source_sheet, source_row
               FROM staged""",
            [batch_id],
        )
        con.execute("INSERT INTO pledged_ip SELECT loan_id, patent_no, patent_type FROM staged_patents")
    finally:
        con.unregister("staged")
        con.unregister("staged_patents")
    return counts


def _count_loans(con: duckdb.DuckDBPyConnection, frame) -> dict:
    """New keys, keys whose values changed, and rows that change nothing (repeats in the file too)."""
    last = frame.drop_duplicates("loan_key", keep="last")[["loan_key", "row_hash"]]
    con.register("incoming", last)
    try:
        new, updated, unchanged = fetch_one(
            con,
            """SELECT count(*) FILTER (WHERE cur.loan_key IS NULL),
                      count(*) FILTER (WHERE cur.row_hash <> s.row_hash),
                      count(*) FILTER (WHERE cur.row_hash = s.row_hash)
               FROM incoming s LEFT JOIN (SELECT loan_key, row_hash FROM loans WHERE is_current) cur USING (loan_key)""",
        )
    finally:
        con.unregister("incoming")
    return {"new": new, "updated": updated, "duplicate": unchanged + len(frame) - len(last)}


def _load_targets(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
    rows = [
        (batch_id, int(r.year), r.scope, r.metric, str(r.value), r.source_sheet, int(r.source_row))
        for r in parsed.frame.itertuples(index=False)
    ]
    counts = _count_targets(con, parsed)
    con.executemany("INSERT INTO targets VALUES (?, ?, ?, ?, ?::DECIMAL(20, 4), false, ?, ?)", rows)
    con.execute(
        """UPDATE targets SET is_current = false
           FROM (SELECT year, scope, metric FROM targets WHERE batch_id = ?) AS n
           WHERE targets.is_current AND targets.year = n.year AND targets.scope = n.scope AND targets.metric = n.metric""",
        [batch_id],
    )
    con.execute("UPDATE targets SET is_current = true WHERE batch_id = ?", [batch_id])
    return counts


def _count_targets(con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
    before = {
        (scope, metric): value
        for scope, metric, value in con.execute(
            "SELECT scope, metric, value FROM v_targets WHERE year = ?", [parsed.year]
        ).fetchall()
    }
    keys = [(r.scope, r.metric, Decimal(str(r.value)).quantize(Decimal("0.0001"))) for r in parsed.frame.itertuples()]
    new = sum((scope, metric) not in before for scope, metric, _ in keys)
    unchanged = sum(before.get((scope, metric)) == value for scope, metric, value in keys)
    return {"new": new, "updated": len(keys) - new - unchanged, "duplicate": unchanged}


def _load_districts(con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
    frame = parsed.frame
    counts = _count_districts(con, frame)
    _refuse_dropping_used_districts(con, set(frame["code"]))
    con.executemany(
        "INSERT INTO districts VALUES (?, ?, ?, ?, ?)",
        [[batch_id, r.code, r.name, list(r.aliases), int(r.sort_order)] for r in frame.itertuples(index=False)],
    )
    return counts


def _count_districts(con: duckdb.DuckDBPyConnection, frame) -> dict:
    before = dict(con.execute("SELECT code, name FROM v_districts").fetchall())
    new = sum(code not in before for code in frame["code"])
    unchanged = sum(before.get(code) == name for code, name in zip(frame["code"], frame["name"]))
    return {"new": new, "updated": len(frame) - new - unchanged, "duplicate": unchanged}


def preview_counts(store: Store, parsed: ParsedFile) -> dict:
    """What loading would do (new / updated / duplicate), without writing anything."""
    if not parsed.ok:
        return {"new": 0, "updated": 0, "duplicate": 0}
    with store.read() as con:
        if parsed.kind == "loans":
            return _count_loans(con, parsed.frame)
        if parsed.kind == "targets":
            return _count_targets(con, parsed)
        return _count_districts(con, parsed.frame)


def _refuse_dropping_used_districts(con: duckdb.DuckDBPyConnection, codes_after: set[str]) -> None:
    used = con.execute(
        """SELECT DISTINCT d.name FROM v_loans l JOIN v_districts d ON d.code = l.district_code
           WHERE l.district_code NOT IN (SELECT unnest(?::VARCHAR[]))""",
        [sorted(codes_after)],
    ).fetchall()
    if used:
        names = "、".join(r[0] for r in used)
        raise LoadRefused(f"区县名单中缺少已有贷款记录的区县：{names}。请保留这些区县（可改名或加别名）")


def undo(store: Store, batch_id: int, user: str | None = None) -> dict:
    """Undo one batch: its rows stop counting and the rows it replaced count again."""
    user = user or default_user()
    with store.write(backup=f"before-undo-{batch_id}") as con:
        row = fetch_one(con, "SELECT kind, status, file_name FROM batches WHERE id = ?", [batch_id])
        if row is None:
            raise LoadRefused(f"没有第{batch_id}批导入记录")
        kind, status, file_name = row
        if status != "active":
            raise LoadRefused(f"第{batch_id}批（{file_name}）已经撤销过了")
        if kind == "districts":
            previous = con.execute(
                """SELECT code FROM districts WHERE batch_id = (SELECT max(id) FROM batches
                   WHERE kind = 'districts' AND status = 'active' AND id <> ?)""",
                [batch_id],
            ).fetchall()
            current = fetch_value(con, "SELECT max(id) FROM batches WHERE kind = 'districts' AND status = 'active'")
            if current == batch_id:
                _refuse_dropping_used_districts(con, {r[0] for r in previous})
        con.execute(
            "UPDATE batches SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
            [dt.datetime.now().replace(microsecond=0), user, batch_id],
        )
        if kind == "loans":
            con.execute(
                """CREATE TEMP TABLE touched AS SELECT DISTINCT loan_key FROM loans WHERE batch_id = ?""", [batch_id]
            )
            con.execute("UPDATE loans SET is_current = false WHERE is_current AND loan_key IN (SELECT loan_key FROM touched)")
            con.execute(
                """UPDATE loans SET is_current = true WHERE loan_id IN (
                       SELECT max(l.loan_id) FROM loans l JOIN batches b ON b.id = l.batch_id
                       WHERE b.status = 'active' AND l.loan_key IN (SELECT loan_key FROM touched)
                       GROUP BY l.loan_key)"""
            )
            con.execute("DROP TABLE touched")
            rollups.refresh(con)
        elif kind == "targets":
            con.execute(
                """UPDATE targets SET is_current = false WHERE batch_id = ?""", [batch_id]
            )
            con.execute(
                """UPDATE targets SET is_current = true
                   FROM (SELECT max(t.batch_id) AS batch_id, t.year, t.scope, t.metric
                         FROM targets t JOIN batches b ON b.id = t.batch_id
                         JOIN (SELECT DISTINCT year, scope, metric FROM targets WHERE batch_id = ?) k
                           USING (year, scope, metric)
                         WHERE b.status = 'active'
                         GROUP BY t.year, t.scope, t.metric) AS newest
                   WHERE targets.batch_id = newest.batch_id AND targets.year = newest.year
                     AND targets.scope = newest.scope AND targets.metric = newest.metric""",
                [batch_id],
            )
    return {"batch_id": batch_id, "kind": kind, "file_name": file_name}
