"""Spreadsheets composed in the app (the targets grid, the district list) go through the same
pipeline as uploaded files: parsed, validated, archived and loaded as a batch that can be undone."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import xlsxwriter

from etl import pipeline
from etl.issues import ParsedFile
from etl.load import LoadResult, load
from pledge.catalogue import HEADLINE
from pledge.store import Store

# The grid's columns: the district and the headline metrics that take a target, as the catalogue names them.
TARGET_COLUMNS = {"name": "区县", **{m.key: m.heading for m in HEADLINE if m.has_target}}
DISTRICT_COLUMNS = {"name": "区县名称", "code": "行政区划代码", "aliases": "别名"}


def _xlsx(title: str, frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Sheet1")
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(row):
            if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
                continue  # an empty cell stays empty: never the text "nan" or "<NA>"
            sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d_%H%M%S")


def save_targets(store: Store, year: int, grid: pd.DataFrame, user: str) -> tuple[ParsedFile, LoadResult | None]:
    """grid: columns name + the four metrics in display units (亿元, counts); blank = no target."""
    frame = grid[list(TARGET_COLUMNS)].rename(columns=TARGET_COLUMNS)
    data = _xlsx(f"{year}年度知识产权质押融资目标（在线编辑）", frame)
    parsed = pipeline.parse_bytes(store, data, f"{year}年度目标_在线编辑_{_stamp()}.xlsx", kind="targets", year=year)
    return parsed, (load(store, parsed, user=user) if parsed.ok else None)


def save_districts(store: Store, grid: pd.DataFrame, user: str) -> tuple[ParsedFile, LoadResult | None]:
    """grid: name, code, aliases (text separated by 、)."""
    frame = grid[list(DISTRICT_COLUMNS)].rename(columns=DISTRICT_COLUMNS)
    data = _xlsx("区县名单（在线编辑）", frame)
    parsed = pipeline.parse_bytes(store, data, f"区县名单_在线编辑_{_stamp()}.xlsx", kind="districts")
    return parsed, (load(store, parsed, user=user) if parsed.ok else None)
