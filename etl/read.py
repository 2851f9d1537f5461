"""Step 1 of the pipeline: bytes → sheets of raw cells, refusing what is not a usable table.

Excel files are read with python-calamine (fast, and it never evaluates formulas or macros).
CSV files are decoded as UTF-8 (with or without BOM) or, as banks often export, GB18030.
"""

from __future__ import annotations

import csv
import html
import io
import re
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


def check_outside(data: bytes, file_name: str) -> None:
    """What can be refused without opening the file: its type by name, emptiness, size."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx、.xls 或 .csv 文件")
    if not data or not data.strip():
        raise FileProblem("文件是空的（0字节或只有空白）")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        raise FileProblem(f"文件大小{len(data) / 1024 / 1024:.1f}MB，超过上限{limit}MB，请按月份或银行拆分后导入")


def read_tables(data: bytes, file_name: str) -> list[RawSheet]:
    check_outside(data, file_name)
    suffix = Path(file_name).suffix.lower()
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
            _refuse_absurd_size(meta.name, sheet.height, sheet.width)  # before cells become Python objects
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []))
        return sheets
    except calamine.PasswordError:
        raise FileProblem("文件设有密码保护，系统无法读取。请取消密码后重新导入") from None
    except calamine.CalamineError as error:
        raise FileProblem(f"Excel文件无法解析，可能已损坏（{type(error).__name__}）。请用Excel打开后另存为 .xlsx 再导入") from None


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')


def _refuse_zip_bomb(data: bytes) -> None:
    """Refuse before reading what the archive says it would inflate to, and each sheet whose
    declared range is absurd. A file that lies about either is stopped by the parsing child's
    memory limit and timeout (etl/sandbox.py)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            inflated = sum(info.file_size for info in infos)
            if inflated > settings.MAX_UNZIPPED_BYTES:
                raise FileProblem(
                    f"Excel文件解压后达{inflated / 1024 / 1024:.0f}MB，超过上限{settings.MAX_UNZIPPED_BYTES // 1024 // 1024}MB，已拒绝读取"
                )
            names = _sheet_names_by_part(archive)
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as sheet_xml:
                        name = names.get(info.filename, Path(info.filename).stem)
                        _check_declared_dimension(name, sheet_xml.read(4096))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise FileProblem("Excel文件已损坏（压缩结构无效），请重新导出后再导入") from None
    except (OSError, RuntimeError) as error:  # a truncated or encrypted member, an unknown compression
        raise FileProblem(f"Excel文件已损坏，无法解压（{type(error).__name__}），请重新导出后再导入") from None


_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATION = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')


def _sheet_names_by_part(archive: zipfile.ZipFile) -> dict[str, str]:
    """xl/worksheets/sheetN.xml -> the sheet's name as the analyst sees it, for messages."""
    try:
        workbook = archive.read("xl/workbook.xml")[:1_000_000].decode("utf-8", "replace")
        relations = archive.read("xl/_rels/workbook.xml.rels")[:1_000_000].decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {rid: "xl/" + target.lstrip("/").removeprefix("xl/") for rid, target in _RELATION.findall(relations)}
    return {targets[rid]: html.unescape(name) for name, rid in _SHEET.findall(workbook) if rid in targets}


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_declared_dimension(sheet: str, head: bytes) -> None:
    match = _DIMENSION.search(head)
    if not match:
        return
    first_col, first_row, last_col, last_row = match.groups()
    if last_col is None:
        return  # a single cell
    height = int(last_row) - int(first_row) + 1
    width = _column_number(last_col) - _column_number(first_col) + 1
    _refuse_absurd_size(sheet, height, width)


def _refuse_absurd_size(sheet: str, height: int, width: int) -> None:
    if width > settings.MAX_SHEET_COLUMNS or height * width > settings.MAX_SHEET_CELLS:
        raise FileProblem(
            f"工作表“{sheet}”的区域达{height:,}行×{width:,}列，远超台账的正常大小（上限{settings.MAX_SHEET_COLUMNS:,}列、"
            f"{settings.MAX_SHEET_CELLS:,}个单元格），可能含有远处的空白单元格或格式。请在Excel中删除多余的行和列，另存后再导入"
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
