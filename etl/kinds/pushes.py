"""白名单推送: the record that white-list enterprises were pushed to banks. Not a file anyone
uploads (no columns, never recognised, no template): the 增量扩面 page and the CLI write it as a
small batch (etl/pushes.py) so that 导入记录 lists and undoes it like an import."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.columns import Kind
from etl.issues import ParsedFile
from etl.kinds.base import FileKind
from pledge.reference import Reference


class Pushes(FileKind):
    spec = Kind("pushes", "白名单推送", ())
    needs_districts = False

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        return {"new": 0, "updated": 0, "duplicate": 0}

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_outreach_pushes reads active batches only

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        return pd.DataFrame()


KIND = Pushes()
