"""The pipeline as the CLI and the upload page use it: parse a file against the store's reference
data, then load it if it has no blocking error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from etl.load import LoadResult, load
from etl.parse import ParsedFile
from etl.sandbox import parse_isolated
from pledge.reference import Reference, load_reference
from pledge.store import Store


def reference(store: Store) -> Reference:
    store.ensure_schema()
    with store.read() as con:
        return load_reference(con)


def parse_bytes(
    store: Store,
    data: bytes,
    file_name: str,
    kind: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
) -> ParsedFile:
    """Parse untrusted bytes in a bounded child process (etl/sandbox.py)."""
    return parse_isolated(data, file_name, reference(store), kind=kind, year=year, today=today)


def parse_path(store: Store, path: str | Path, kind: str | None = None, year: int | None = None) -> ParsedFile:
    path = Path(path)
    return parse_bytes(store, path.read_bytes(), path.name, kind=kind, year=year)


def import_path(
    store: Store, path: str | Path, kind: str | None = None, year: int | None = None, user: str | None = None
) -> tuple[ParsedFile, LoadResult | None]:
    """Parse and, when the file has no blocking error, load it. Nothing is written otherwise."""
    parsed = parse_path(store, path, kind=kind, year=year)
    if not parsed.ok:
        return parsed, None
    return parsed, load(store, parsed, user=user)
