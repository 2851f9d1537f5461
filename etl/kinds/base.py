"""What a kind of file is: its columns, how its rows are normalised and validated, how it is
loaded, counted and undone, what the preview shows and its blank template. The read → header →
rows steps (etl/read.py, etl/header.py, etl/parse.py) and the batch bookkeeping (etl/load.py)
know nothing of any kind; they ask the registry (etl/kinds/__init__.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from etl.columns import Kind
from etl.issues import ParsedFile
from etl.read import RawSheet
from etl.rows import Collector, Rows
from pledge.reference import Reference

if TYPE_CHECKING:
    from etl.header import Header


@dataclass
class Context:
    """What normalising needs besides the rows."""

    reference: Reference
    year: int | None  # the year the analyst named (--year, or the targets page)
    today: dt.date
    sheets: list[RawSheet]
    period: tuple[dt.date, dt.date] | None = None  # the period the file names (ParsedFile.period)


class FileKind:
    spec: Kind
    needs_districts = True  # refused until a district list is loaded
    rebuilds_rollups = False  # the rollup tables are rebuilt after a load or undo of this kind
    template_name: str | None = None  # the download's file name on 数据导入; None: no template
    required_role = "analyst"  # who may load it in the browser (reference data: admins only)
    period_field: str | None = None  # the date field a period named in the title bounds (etl/period.py)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    def settle_header(self, header: Header, parsed: ParsedFile, year: int | None) -> list[dict]:
        """Choose among columns that name the same field before rows are read (header.columns
        keeps the first match unless a kind knows better); return mapping rows for the columns
        it saw but will not read, saying why. `year` is the one the analyst named."""
        return []

    def keeps_row(self, first_text: str) -> bool:
        """Whether a row that starts like a footer (合计…) is data for this kind."""
        return False

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        """Fill parsed.frame (and any side tables) from the raw rows; problems go to the collector."""
        raise NotImplementedError

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        """What loading would do: {"new", "updated", "duplicate"}, without writing."""
        raise NotImplementedError

    def plan(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile):
        """What loading would do report by report (ledgers: etl/identity.Plan); None: nothing to show."""
        return None

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        """Write the rows as batch `batch_id` (inside the caller's transaction); return the counts."""
        raise NotImplementedError

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        """Make the rows the batch replaced current again (the batch is already marked undone)."""
        raise NotImplementedError

    def check_undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        """Raise LoadRefused when undoing the batch would leave the data inconsistent."""

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        """The first normalised rows as they will be stored, with Chinese headers and bureau units."""
        raise NotImplementedError

    def year_of(self, parsed: ParsedFile) -> int | None:
        """The year whose figures loading this file moves (None: none)."""
        return None

    def template(self, districts: list[str], year: int) -> bytes:
        raise NotImplementedError
