"""Step 1 of the pipeline: bytes → sheets of raw cells, refusing what is not a usable table.

Excel files are read with python-calamine (fast, and it never evaluates formulas, macros or
external links); a workbook that carries macros is refused all the same, so that it is never kept
or passed on. CSV files are decoded as UTF-8 (with or without BOM) or, as banks often export,
GB18030; a file that mixes the two is refused rather than loaded as mojibake.

Every message is for the analyst: it says what is wrong with the file and what to do, in Chinese,
and never names a Python or Rust error.
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
# Excel allows at most this many characters in a cell; a longer one was not written by Excel.
MAX_CELL_CHARS = 32_767
DAMAGED = "Excel文件无法解析，文件结构有误（可能已损坏或被改动过）。请用Excel打开后另存为 .xlsx 再导入；Excel也打不开时，请向报送单位重新索取"
MACROS = "文件含有宏（VBA代码）或是启用宏的工作簿，为安全起见系统不读取。请在Excel中“另存为”“Excel工作簿(*.xlsx)”（会去掉宏）后再导入"


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
        raise FileProblem(
            f"文件大小{len(data) / 1_000_000:.1f}MB，超过上限{settings.MAX_UPLOAD_MB}MB，请按月份或银行拆分后导入"
        )


def read_tables(data: bytes, file_name: str) -> list[RawSheet]:
    check_outside(data, file_name)
    suffix = Path(file_name).suffix.lower()
    sheets = [_read_csv(data, file_name)] if suffix == ".csv" else _read_excel(data, suffix)
    for sheet in sheets:
        _refuse_overlong_text(sheet)
    return sheets


def _ole_holds(data: bytes, entry: str) -> bool:
    """Whether a compound file (.xls, or an encrypted workbook) names this stream or storage in
    its directory, where names are stored in UTF-16."""
    return data.startswith(_OLE_MAGIC) and entry.encode("utf-16-le") in data


def _read_excel(data: bytes, suffix: str) -> list[RawSheet]:
    if _ole_holds(data, "EncryptionInfo"):
        raise FileProblem("文件设有打开密码，系统无法读取。请在Excel中取消密码（文件→信息→保护工作簿）后重新导入")
    if _ole_holds(data, "_VBA_PROJECT_CUR"):
        raise FileProblem(MACROS)
    if data.startswith(_ZIP_MAGIC):
        _check_zip(data)
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
            # Before cells become Python objects: the rows and columns to_python will build, from A1.
            height, width = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            _refuse_absurd_size(meta.name, height, width, counted=True)
            sheets.append(RawSheet(meta.name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []))
        return sheets
    except calamine.PasswordError:
        raise FileProblem("文件设有密码保护，系统无法读取。请取消密码后重新导入") from None
    except calamine.CalamineError:
        raise FileProblem(DAMAGED) from None
    except BaseException as error:
        # A panic of the Rust reader on a malformed file reaches Python as pyo3's PanicException,
        # which derives from BaseException, not Exception.
        if type(error).__name__ != "PanicException":
            raise
        raise FileProblem(DAMAGED) from None


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')


def _check_zip(data: bytes) -> None:
    """Refuse before reading: what the archive says it would inflate to, macros, and each sheet
    whose declared range is absurd. A member that inflates beyond its declared size is refused by
    the Excel reader as it inflates; a sheet whose cells lie beyond its declared range is stopped
    by the row and cell limits (or, failing them, by the parsing child's memory limit)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            inflated = sum(info.file_size for info in infos)
            if inflated > settings.MAX_UNZIPPED_BYTES:
                raise FileProblem(
                    f"Excel文件解压后达{inflated / 1024 / 1024:.0f}MB，超过上限{settings.MAX_UNZIPPED_BYTES // 1024 // 1024}MB，已拒绝读取"
                )
            _refuse_macros(archive, infos)
            names = _sheet_names_by_part(archive)
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as sheet_xml:
                        name = names.get(info.filename, Path(info.filename).stem)
                        _check_declared_dimension(name, sheet_xml.read(4096))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise FileProblem("Excel文件已损坏（压缩结构无效），请重新导出后再导入") from None
    except (OSError, RuntimeError):  # a truncated or encrypted member, an unknown compression
        raise FileProblem("Excel文件已损坏，无法解压，请重新导出后再导入") from None


# The main part of an .xlsm, .xltm or .xlam. (An .xlsb's type says macroEnabled whether or not it
# has macros; its VBA, if any, is a vbaProject.bin part like everyone's.)
_MACRO_ENABLED_TYPE = re.compile(rb"\.(?:sheet|template|addin)\.macroenabled\.main", re.IGNORECASE)


def _refuse_macros(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """A VBA project part (whatever the content types say), or a macro-enabled workbook type."""
    if any(Path(info.filename).name.lower() in ("vbaproject.bin", "vbadata.xml") for info in infos):
        raise FileProblem(MACROS)
    try:
        types = archive.read("[Content_Types].xml")[:1_000_000]
    except KeyError:
        return
    if _MACRO_ENABLED_TYPE.search(types):
        raise FileProblem(MACROS)


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


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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


def _refuse_absurd_size(sheet: str, height: int, width: int, counted: bool = False) -> None:
    """A declared range is refused on its columns and cells. A counted one (what the cells of a
    sheet really span, or a CSV's rows) on its rows too: a declared range may take in thousands of
    rows that only carry formatting, which are never read."""
    if counted and height > settings.MAX_SHEET_ROWS:
        raise FileProblem(
            f"工作表“{sheet}”的数据区域达{height:,}行，超过单个文件的上限{settings.MAX_SHEET_ROWS:,}行。"
            "如确有这么多行，请按月份或银行拆分成几个文件分别导入；如是多余的空行或远处的单元格，请在Excel中删除后另存再导入"
        )
    if width > settings.MAX_SHEET_COLUMNS or height * width > settings.MAX_SHEET_CELLS:
        raise FileProblem(
            f"工作表“{sheet}”的区域达{height:,}行×{width:,}列，远超台账的正常大小（上限{settings.MAX_SHEET_COLUMNS:,}列、"
            f"{settings.MAX_SHEET_CELLS:,}个单元格），可能含有远处的空白单元格或格式。请在Excel中删除多余的行和列，另存后再导入"
        )


def _refuse_overlong_text(sheet: RawSheet) -> None:
    """A cell longer than Excel allows: a crafted or broken file (a 100 MB string would otherwise be
    carried through every step and stored as an enterprise's name)."""
    for number, row in enumerate(sheet.rows, start=1):
        if any(type(value) is str and len(value) > MAX_CELL_CHARS for value in row):
            column = next(i for i, v in enumerate(row) if type(v) is str and len(v) > MAX_CELL_CHARS)
            raise FileProblem(
                f"工作表“{sheet.name}”第{number}行{column_letter(column)}列的单元格有{len(row[column]):,}个字符，"
                f"超过Excel单元格的上限{MAX_CELL_CHARS:,}个字符，文件可能已损坏或被改动过。请检查该单元格后另存再导入"
            )


_CJK = re.compile("[\u4e00-\u9fff]")


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    utf8_line = _first_chinese_utf8_line(data)
    if utf8_line is not None:
        raise FileProblem(
            f"CSV文件混用了两种编码：第{utf8_line}行等是UTF-8编码，其他行是GBK等编码，按哪一种读取都会有乱码。"
            "请用Excel打开，改正显示为乱码的行后另存为 .xlsx 再导入"
        )
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem("CSV文件的编码无法识别（支持UTF-8和GBK/GB18030），请用Excel另存为 .xlsx 再导入") from None


def _first_chinese_utf8_line(data: bytes) -> int | None:
    """In a file that is not UTF-8 as a whole, the first line that is Chinese in UTF-8: rows pasted
    together from two sources. GB18030 decodes such a file without an error (every byte pair is a
    character to it), and the UTF-8 rows become mojibake like 涓浜. GBK text is valid UTF-8 only
    by rare chance, and then not as Chinese characters."""
    for number, line in enumerate(data.splitlines(), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _CJK.search(text):
            return number
    return None


def _read_csv(data: bytes, file_name: str) -> RawSheet:
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise FileProblem("该文件是Excel工作簿而非CSV文本，请把扩展名改为 .xlsx 或 .xls 后再导入")
    text = decode_text(data)
    if "\x00" in text:
        raise FileProblem(
            "CSV文件含有空字符等二进制内容，不是普通的文本表格（可能已损坏，或是“Unicode文本”格式）。请用Excel打开后另存为 .xlsx 再导入"
        )
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    name = Path(file_name).name
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error:  # a field longer than the csv module allows: an unclosed quote, or a crafted file
        raise FileProblem(
            "CSV文件中有一个字段长得异常（常见原因是某处引号没有配对，后面的内容都被当成了同一格）。请用Excel打开检查后另存为 .xlsx 再导入"
        ) from None
    _refuse_absurd_size(name, len(rows), max(map(len, rows), default=0), counted=True)
    return RawSheet(name, rows)
