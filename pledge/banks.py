"""The bank alias table that maps branch names to head banks, edited by admins."""

from __future__ import annotations

import re

import pandas as pd

from pledge.auth import audit
from pledge.store import Store


def save(store: Store, grid: pd.DataFrame, user: str) -> int:
    """Replace the table with the edited grid (name, aliases text); returns the number of banks."""
    rows = []
    for name, aliases in zip(grid["name"], grid["aliases"]):
        name = str(name or "").strip()
        if not name:
            continue
        parts = [a for a in re.split(r"[、,，;；\s]+", str(aliases or "")) if a and a != name]
        rows.append([name, list(dict.fromkeys(parts))])
    with store.write() as con:
        con.execute("DELETE FROM banks")
        con.executemany("INSERT INTO banks VALUES (?, ?)", rows)
        audit(con, user, "修改银行名称", f"{len(rows)}家总行")
    return len(rows)
