"""Step 1 of the pipeline: bytes → sheets of raw cells, refusing what is not a usable table.

Excel files are read with python-calamine (fast, and it never evaluates formulas or macros).
CSV files are decoded as UTF-8 (with or without BOM) or, as banks often export, GB18030.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from pledge import settings

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SUFFIXES = EXCEL_SUFFIXES | {".csv"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message tells the analyst what to do."""


@dataclass
class RawSheet:
    name: str
    rows: list[list]  # rows[i] is the Excel row i + 1
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def read_tables(data: bytes, file_name: str) -> list[RawSheet]:
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx、.xls 或 .csv 文件")
    if not data or not data.strip():
        raise FileProblem("文件是空的（0字节或只有空白）")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise FileProblem(f"文件大小{len(data) / 1024 / 1024:.1f}MB，超过上限{limit}MB，请按月份或银行拆分后导入")
    if suffix == ".csv":
        return [_read_csv(data, file_name)]
    return _read_excel(data, suffix)


def _read_excel(data: bytes, suffix: str) -> list[RawSheet]:
    if data.startswith(_OLE_MAGIC) and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
        raise FileProblem("文件设有打开密码，系统无法读取。请在Excel中取消密码（文件→信息→保护工作簿）后重新导入")
    if data.startswith(_ZIP_MAGIC):
        _refuse_zip_bomb(data)
    elif not data.startswith(_OLE_MAGIC):
        head = data[:512].lstrip().lower()
        if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
            raise FileProblem("该文件实为网页或XML表格而非Excel工作簿，请用Excel打开后另存为 .xlsx 再导入")
        raise FileProblem(f"文件内容不是有效的Excel工作簿（扩展名为{suffix}），可能已损坏或是改了扩展名的其他文件")
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue  # hidden sheets hold drop-down lists and the like, not data
            sheet = book.get_sheet_by_name(meta.name)
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []))
        return sheets
    except calamine.PasswordError:
        raise FileProblem("文件设有密码保护，系统无法读取。请取消密码后重新导入") from None
    except calamine.CalamineError as error:
        raise FileProblem(f"Excel文件无法解析，可能已损坏（{type(error).__name__}）。请用Excel打开后另存为 .xlsx 再导入") from None


def _refuse_zip_bomb(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem("Excel文件已损坏（压缩结构无效），请重新导出后再导入") from None
    if inflated > settings.MAX_UNZIPPED_BYTES:
        raise FileProblem(
            f"Excel文件解压后达{inflated / 1024 / 1024:.0f}MB，超过上限{settings.MAX_UNZIPPED_BYTES // 1024 // 1024}MB，已拒绝读取"
        )


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("CSV文件的编码无法识别（支持UTF-8和GBK/GB18030），请用Excel另存为 .xlsx 再导入")


def _read_csv(data: bytes, file_name: str) -> RawSheet:
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise FileProblem("该文件是Excel工作簿而非CSV文本，请把扩展名改为 .xlsx 或 .xls 后再导入")
    text = decode_text(data)
    if "\x00" in text:
        raise FileProblem("CSV文件含有二进制内容，不是文本表格")
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    return RawSheet(Path(file_name).name, rows)
