"""Settings that the bureau may change, kept in one place and documented in the README."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "pledge.duckdb"

# Inclusive finance (普惠) threshold per loan, in yuan, by the first year it applies.
# 10 million yuan until 2023, 20 million from 2024.
INCLUSIVE_THRESHOLDS_YUAN: list[tuple[int, int]] = [(0, 10_000_000), (2024, 20_000_000)]

# A district is 略滞后 when its completion is within this many points below time progress.
SLIGHTLY_BEHIND_POINTS = 0.10

# Uploads larger than this are refused before they are parsed.
# The same limit as the browser's (.streamlit/config.toml server.maxUploadSize = 50, which Streamlit's
# uploader counts in millions of bytes): one limit, whichever side refuses.
MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1_000_000
# An .xlsx is a zip: refuse one that would inflate beyond this (zip bombs).
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
# Uploaded files are parsed in a child process with these bounds (etl/sandbox.py): a crafted file
# that needs more memory or time than a real 100,000-row ledger is refused, and only the child dies.
PARSE_MEMORY_BYTES = int(os.environ.get("PLEDGE_PARSE_MEMORY_MB", "1024")) * 1024 * 1024
PARSE_TIMEOUT_SECONDS = float(os.environ.get("PLEDGE_PARSE_TIMEOUT", "60"))
# A sheet larger than this is refused before its cells are read: a ledger has a few dozen columns
# and at most some hundred thousand rows; a range of millions of cells is a crafted or damaged file.
MAX_SHEET_COLUMNS = 1_000
MAX_SHEET_CELLS = 20_000_000
# Rows the cells of one sheet (or a CSV) may really span. A 300,000-row ledger parses in about
# 20 s within PARSE_MEMORY_BYTES; a million rows would exceed it after half a minute.
MAX_SHEET_ROWS = 300_000

# Backups taken before each import, kept newest first under data/backups/.
KEEP_BACKUPS = int(os.environ.get("PLEDGE_KEEP_BACKUPS", "20"))

# How long a reader or writer waits for another process that holds the database file.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("PLEDGE_LOCK_TIMEOUT", "30"))


def inclusive_threshold_yuan(year: int) -> int:
    threshold = INCLUSIVE_THRESHOLDS_YUAN[0][1]
    for first_year, value in INCLUSIVE_THRESHOLDS_YUAN:
        if year >= first_year:
            threshold = value
    return threshold


def db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The database file: --db, else $PLEDGE_DB, else data/pledge.duckdb."""
    value = cli_value or os.environ.get("PLEDGE_DB") or DEFAULT_DB
    return Path(value).expanduser().resolve()


# The reverse proxy in front of the app (its address as the app sees it, e.g. 127.0.0.1 for the
# nginx of deploy/nginx.conf): only then is X-Forwarded-For believed, for counting failed sign-ins
# per client. Unset: the connection's own address counts.
TRUSTED_PROXY = os.environ.get("PLEDGE_TRUSTED_PROXY") or None


# Scale-out (README "Deploying"): the folder where the writer publishes read-only snapshots of the
# database after every write (pledge/snapshots.py). Unset: one process on one file, as always.
# A reader process (PLEDGE_READER=1) serves the dashboards from the newest snapshot there and never
# writes; its PLEDGE_DB still names the writer's database, beside which the sessions file lives.
def snapshot_dir() -> Path | None:
    value = os.environ.get("PLEDGE_SNAPSHOTS")
    return Path(value).expanduser().resolve() if value else None


def is_reader() -> bool:
    return os.environ.get("PLEDGE_READER") == "1"
