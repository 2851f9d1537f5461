"""The 贴息政策 page's form saved the way an uploaded parameter sheet is: written as the template,
parsed, validated and loaded as a batch that 导入记录 can undo."""

from __future__ import annotations

import datetime as dt

from etl import pipeline
from etl.issues import ParsedFile
from etl.load import LoadResult, load
from etl.subsidy_templates import policy_template
from pledge.store import Store


def save_policy(
    store: Store, year: int, values: dict[str, str | None], user: str
) -> tuple[ParsedFile, LoadResult | None]:
    """values: {parameter key: text as typed}; blank = not set."""
    data = policy_template(year, {**values, "year": str(year)})
    stamp = dt.datetime.now().strftime("%Y%m%d_%H%M%S")
    parsed = pipeline.parse_bytes(
        store, data, f"{year}年贴息政策_在线编辑_{stamp}.xlsx", kind="subsidy_policy", year=year
    )
    return parsed, (load(store, parsed, user=user) if parsed.ok else None)


def import_policy(
    store: Store, data: bytes, file_name: str, year: int, user: str
) -> tuple[ParsedFile, LoadResult | None]:
    """An uploaded parameter sheet for `year` (its 年度 row must agree)."""
    parsed = pipeline.parse_bytes(store, data, file_name, kind="subsidy_policy", year=year)
    return parsed, (load(store, parsed, user=user) if parsed.ok else None)
