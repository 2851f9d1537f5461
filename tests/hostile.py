"""Hostile files, written by hand: each builder returns the bytes of one crafted upload and says
in its docstring what it attacks. Nothing here parses anything; tests/test_hostile.py sends each
file through the sandboxed pipeline.

An .xlsx is built from raw XML parts (zipfile, no spreadsheet library) so that a part can lie:
about its sheet's range, about its sizes in the zip directory, about its content type. Large
parts are streamed into the zip in chunks, so building the corpus costs the test process little
memory.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable
from xml.sax.saxutils import escape

import xlwt

from etl.read import column_letter
from tests.fixtures import PATENT_INVENTION, USCC_A, USCC_B

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_NAME = "台账"

# A ledger an analyst would load: tests check that a hostile file which is read still yields it.
LEDGER_HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "贷款金额(万元)", "放款日期"]
LEDGER_ROW = ["甲科技有限公司", USCC_A, "东湖区", "工行", PATENT_INVENTION, 500, "2025-01-10"]

MB = 1024 * 1024


# --- xlsx by hand -----------------------------------------------------------------------------


def column_letters(number: int) -> str:
    """1 -> A, 16384 -> XFD."""
    return column_letter(number - 1)


def cell(ref: str, value) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row(number: int, values: list, first_column: int = 1) -> str:
    cells = "".join(cell(f"{column_letters(first_column + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def ledger_rows() -> str:
    """The header and one good loan in rows 1-2."""
    return row(1, LEDGER_HEADER) + row(2, LEDGER_ROW)


SHEET_END = b"</sheetData></worksheet>"


def sheet_xml(sheet_data: str | bytes, dimension: str | None = "A1:G2", doctype: str = "") -> bytes:
    """A worksheet part around the given <sheetData> content."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}<sheetData>'
    data = sheet_data.encode() if isinstance(sheet_data, str) else sheet_data
    return head.encode() + data + SHEET_END


def open_sheet(sheet_data: str, dimension: str) -> bytes:
    """sheet_xml without its closing tags (SHEET_END), for a sheet streamed in chunks."""
    return sheet_xml(sheet_data, dimension)[: -len(SHEET_END)]


Part = bytes | Iterable[bytes]  # an iterable part is streamed into the zip chunk by chunk


def xlsx(
    sheet: Part | None,
    shared_strings: Part | None = None,
    workbook_type: str = WORKBOOK_TYPE,
    extra_parts: dict[str, Part] | None = None,
    extra_types: str = "",
    extra_workbook_rels: str = "",
) -> bytes:
    """A one-sheet workbook (sheet “台账”) from raw parts. A styles part is always present
    (style 1 is a fill, for the styled-empty-rows file). With no sheet, the sheet's part is left
    for the caller to append."""
    workbook_rels = (
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
    )
    types = (
        f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    )
    if shared_strings is not None:
        workbook_rels += f'<Relationship Id="rId3" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        types += '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    parts: dict[str, Part] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{extra_types}{types}</Types>'
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<sheets><sheet name="{SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
            f"{workbook_rels}{extra_workbook_rels}</Relationships>"
        ).encode(),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf/><xf fillId="2" applyFill="1"/></cellXfs></styleSheet>'
        ).encode(),
    }
    if sheet is not None:
        parts["xl/worksheets/sheet1.xml"] = sheet
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    parts.update(extra_parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=False) as member:
                for chunk in content:
                    member.write(chunk)
    return buffer.getvalue()


def shared_strings_xml(items: Iterable[str], count: int) -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" count="{count}" uniqueCount="{count}">'.encode()
    batch = []
    for item in items:
        batch.append(f"<si><t>{escape(item)}</t></si>")
        if len(batch) == 10_000:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode() + b"</sst>"


# --- far-away cells and huge ranges -----------------------------------------------------------


def far_cell_honest() -> bytes:
    """A real ledger plus one cell at XFD1048576, the last cell Excel has; the sheet's
    <dimension> says so (A1:XFD1048576). Read densely, the range is 17 billion cells."""
    return xlsx(sheet_xml(ledger_rows() + row(1048576, ["x"], first_column=16384), "A1:XFD1048576"))


def far_cell_lying() -> bytes:
    """The same far cell, but the <dimension> lies (A1:B2), so a check of the declared range
    passes and only the cells themselves tell how big the sheet is."""
    return xlsx(sheet_xml(ledger_rows() + row(1048576, ["x"], first_column=16384), "A1:B2"))


def far_cell_no_dimension() -> bytes:
    """The far cell with no <dimension> element at all (it is optional)."""
    return xlsx(sheet_xml(ledger_rows() + row(1048576, ["x"], first_column=16384), None))


def far_cell_within_budget() -> bytes:
    """The ledger and one cell at ALL20000, honestly declared (A1:ALL20000): 1,000 columns by
    20,000 rows is exactly the cell budget, so the sheet is read in full, 20 million mostly empty
    cells."""
    return xlsx(sheet_xml(ledger_rows() + row(20_000, ["x"], first_column=1_000), "A1:ALL20000"))


def huge_dimension_no_cells() -> bytes:
    """A sheet that declares A1:XFD1048576 and holds no cell at all."""
    return xlsx(sheet_xml("", "A1:XFD1048576"))


def million_styled_empty_rows() -> bytes:
    """A ledger followed by a million empty rows that carry only a style (what a fill applied to
    whole rows leaves behind): <row r="N" s="1" customFormat="1"/>. Honest dimension A1:G1000002."""

    def rows() -> Iterable[bytes]:
        yield open_sheet(ledger_rows(), "A1:G1000002")
        for start in range(3, 1_000_003, 50_000):
            yield "".join(
                f'<row r="{n}" s="1" customFormat="1"/>' for n in range(start, min(start + 50_000, 1_000_003))
            ).encode()
        yield SHEET_END

    return xlsx(rows())


# --- XML attacks ------------------------------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


def deeply_nested_sheet() -> bytes:
    """100,000 nested elements inside <sheetData>, after the ledger rows: a recursive XML reader
    runs out of stack."""
    depth = 100_000
    return xlsx(sheet_xml(ledger_rows() + "<x>" * depth + "</x>" * depth))


def deeply_nested_shared_string() -> bytes:
    """100,000 nested rich-text runs around the one shared string, the enterprise name in A2."""
    depth = 100_000
    strings = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si>'
        + "<r>" * depth
        + f"<t>{LEDGER_ROW[0]}</t>"
        + "</r>" * depth
        + "</si></sst>"
    )
    return xlsx(sheet_xml(row(1, LEDGER_HEADER) + _row_with_shared_name(0)), strings.encode())


def _row_with_shared_name(index: int) -> str:
    """Ledger row 2 with its enterprise name taken from shared string `index`."""
    rest = "".join(cell(f"{column_letters(c)}2", v) for c, v in enumerate(LEDGER_ROW[1:], start=2))
    return f'<row r="2"><c r="A2" t="s"><v>{index}</v></c>{rest}</row>'


def billion_laughs_sheet() -> bytes:
    """A DTD whose nested entities expand to 10^9 'lol's, used in an inline string of the sheet."""
    sheet = sheet_xml(
        ledger_rows() + '<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row>', "A1:G3", LAUGHS
    )
    return xlsx(sheet)


def billion_laughs_shared_strings() -> bytes:
    """The billion laughs in sharedStrings.xml, the string used by cell A3."""
    strings = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{LAUGHS}'
        f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    return xlsx(sheet_xml(ledger_rows() + '<row r="3"><c r="A3" t="s"><v>0</v></c></row>', "A1:G3"), strings.encode())


# --- zip bombs --------------------------------------------------------------------------------

_ZEROS = b"0" * MB


def _repeated_deflate(prefix: bytes, repeats: int, suffix: bytes) -> tuple[bytes, int, int]:
    """A raw deflate stream of prefix + `repeats` MiB of b"0" + suffix, built without compressing
    it all: a full flush ends each piece on a byte boundary with the dictionary reset, so the
    compressed MiB can be repeated as bytes. Returns (stream, inflated size, CRC-32)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(_ZEROS, crc)
    crc = zlib.crc32(suffix, crc)
    return head + piece * repeats + tail, len(prefix) + repeats * MB + len(suffix), crc


def zip_bomb_honest() -> bytes:
    """A sheet whose cell A3 is 2 GiB of '0's, deflated to about 2 MB; the zip directory states
    the true inflated size."""
    return _inline_string_bomb(declared_size=None)


def zip_bomb_lying(declared: int = 65_536) -> bytes:
    """The same 2 GiB sheet, but both the local header and the central directory claim it inflates
    to 64 KB (the CRC is the true one), so a check of declared sizes passes, and so does reading
    the sheet's first 4 KB to check its <dimension>."""
    return _inline_string_bomb(declared_size=declared)


def zip_bomb_lying_4k() -> bytes:
    """The lying bomb claiming 4 KB: a reader of its first 4 KB reaches the claimed end."""
    return zip_bomb_lying(4096)


def _inline_string_bomb(declared_size: int | None) -> bytes:
    prefix = open_sheet(ledger_rows() + '<row r="3"><c r="A3" t="inlineStr"><is><t>', "A1:G3")
    stream, size, crc = _repeated_deflate(prefix, 2048, b"</t></is></c></row>" + SHEET_END)
    return _append_raw_member(xlsx(None), "xl/worksheets/sheet1.xml", stream, crc, size, declared_size or size)


def _append_raw_member(archive_bytes: bytes, name: str, stream: bytes, crc: int, size: int, declared: int) -> bytes:
    """Add a deflated member whose compressed bytes are given, with `declared` written as its
    uncompressed size in both headers (sizes up to 4 GiB - 1: no zip64)."""
    assert size < 1 << 32
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    end_of_entries = source.start_dir
    central = archive_bytes[end_of_entries : len(archive_bytes) - 22]  # no archive comment
    count = len(source.infolist())
    encoded = name.encode()
    local = (
        struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream), declared, len(encoded), 0)
        + encoded
    )
    entry = (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(stream),
            declared,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            end_of_entries,
        )
        + encoded
    )
    body = archive_bytes[:end_of_entries] + local + stream
    directory = central + entry
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count + 1, count + 1, len(directory), len(body), 0)
    return body + directory + end


def shared_string_bomb(cells: int = 30) -> bytes:
    """One shared string of 100 MB of repeated '0's (a cell holds at most 32,767 characters in
    Excel), used by `cells` cells of row 2 from A2 on: a reader that copies the string for each
    cell needs 3 GB."""

    def strings() -> Iterable[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" count="{cells}" uniqueCount="1"><si><t>'.encode()
        for _ in range(100):
            yield _ZEROS
        yield b"</t></si></sst>"

    bombed = "".join(f'<c r="{column_letters(c)}2" t="s"><v>0</v></c>' for c in range(1, cells + 1))
    rest = "".join(cell(f"{column_letters(c)}2", v) for c, v in enumerate(LEDGER_ROW, start=1) if c > cells)
    return xlsx(
        sheet_xml(row(1, LEDGER_HEADER) + f'<row r="2">{bombed}{rest}</row>', f"A1:{column_letters(max(cells, 7))}2"),
        strings(),
    )


def shared_string_100mb_name() -> bytes:
    """The 100 MB shared string used once, as the enterprise name of the ledger's loan."""
    return shared_string_bomb(cells=1)


def million_shared_strings() -> bytes:
    """A string table of a million distinct entries; the ledger's enterprise name (A2) is the
    last of them, so a reader has to hold them all."""
    count = 1_000_000
    names = (f"串{i}" if i < count - 1 else LEDGER_ROW[0] for i in range(count))
    return xlsx(sheet_xml(row(1, LEDGER_HEADER) + _row_with_shared_name(count - 1)), shared_strings_xml(names, count))


def million_rows() -> bytes:
    """A million filled rows below the ledger's header, each cell a distinct shared string (a
    million strings used by a million cells). Honest dimension A1:G1000001."""
    count = 1_000_000

    def sheet() -> Iterable[bytes]:
        yield open_sheet(row(1, LEDGER_HEADER), f"A1:G{count + 1}")
        for start in range(0, count, 50_000):
            yield "".join(
                f'<row r="{i + 2}"><c r="A{i + 2}" t="s"><v>{i}</v></c></row>' for i in range(start, start + 50_000)
            ).encode()
        yield SHEET_END

    return xlsx(sheet(), shared_strings_xml((f"串{i}" for i in range(count)), count))


# --- content that is not what it says ---------------------------------------------------------


def nul_in_cell_text() -> bytes:
    """NUL bytes inside the enterprise name of an otherwise good ledger (XML 1.0 forbids the
    character; a lax reader passes it on, and the name would be stored with invisible bytes)."""
    bad = list(LEDGER_ROW)
    bad[0] = "乙\x00科技\x00有限公司"
    return xlsx(sheet_xml(row(1, LEDGER_HEADER) + row(2, bad)))


def nul_in_csv() -> bytes:
    """A CSV ledger with NUL bytes inside a name (what a UTF-16 export or a damaged file looks like)."""
    lines = [",".join(LEDGER_HEADER), ",".join(str(v) for v in LEDGER_ROW).replace("甲", "甲\x00")]
    return "\n".join(lines).encode("utf-8")


def mixed_encoding_csv() -> bytes:
    """A GBK CSV ledger with one row appended by a UTF-8 tool. The whole file still decodes as
    GB18030, and the UTF-8 row comes out as mojibake (丙丁智能科技有限公司 → 涓欎竵鏅鸿兘绉戞妧鏈夐檺鍏徃)
    that would be loaded as an enterprise's name. (Its district is given by code, which survives.)"""
    header = ",".join(LEDGER_HEADER).encode("gbk")
    gbk_row = ",".join(str(v) for v in LEDGER_ROW).encode("gbk")
    utf8_row = ",".join(
        ["丙丁智能科技有限公司", USCC_B, "990101", "工行", PATENT_INVENTION, "300", "2025-02-10"]
    ).encode()
    data = b"\r\n".join([header, gbk_row, utf8_row]) + b"\r\n"
    data.decode("gb18030")  # the trap: no decoding error tells the files apart
    return data


def csv_unclosed_quote() -> bytes:
    """A CSV ledger whose second row opens a quote that never closes, followed by 300 KB of rows:
    everything after the quote is one field, longer than the csv module allows."""
    lines = [",".join(LEDGER_HEADER), '"甲科技有限公司,' + ",".join(str(v) for v in LEDGER_ROW[1:])]
    lines += [",".join(str(v) for v in LEDGER_ROW)] * 5_000
    return "\n".join(lines).encode("utf-8")


def csv_of_commas() -> bytes:
    """A CSV ledger whose second line is two million commas: one row of two million empty cells."""
    return "\n".join([",".join(LEDGER_HEADER), "," * 2_000_000, ",".join(str(v) for v in LEDGER_ROW)]).encode("utf-8")


def macro_workbook_renamed() -> bytes:
    """An .xlsm (macro-enabled content type, xl/vbaProject.bin holding VBA) renamed to .xlsx."""
    return xlsx(
        sheet_xml(ledger_rows()),
        workbook_type=MACRO_WORKBOOK_TYPE,
        extra_parts={
            "xl/vbaProject.bin": _ole({"PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n'})
        },
        extra_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
        extra_workbook_rels='<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>',
    )


def macro_enabled_type() -> bytes:
    """A workbook whose content types declare a macro-enabled (.xlsm) main part, without a VBA
    part: what Excel writes for an .xlsm, renamed .xlsx."""
    return xlsx(sheet_xml(ledger_rows()), workbook_type=MACRO_WORKBOOK_TYPE)


def macro_part_plain_type() -> bytes:
    """A vbaProject.bin part in a workbook whose content type claims a plain .xlsx."""
    return xlsx(sheet_xml(ledger_rows()), extra_parts={"xl/vbaProject.bin": _ole({"PROJECT": b"Module=Module1\r\n"})})


def external_link(url: str) -> bytes:
    """A ledger whose amount cell is a formula into another workbook at `url`
    (xl/externalLinks/externalLink1.xml, its target an external relationship). The cached value
    500 is what Excel showed; a reader must never fetch the target."""
    sheet_data = row(1, LEDGER_HEADER) + (
        '<row r="2">'
        + "".join(cell(f"{column_letters(i + 1)}2", v) for i, v in enumerate(LEDGER_ROW[:5]))
        + '<c r="F2"><f>[1]Sheet1!$A$1</f><v>500</v></c>'
        + cell("G2", LEDGER_ROW[6])
        + "</row>"
    )
    link = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>500</v></cell></row></sheetData></sheetDataSet>'
        "</externalBook></externalLink>"
    )
    link_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{escape(url)}" TargetMode="External"/></Relationships>'
    )
    return xlsx(
        sheet_xml(sheet_data),
        extra_parts={
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
        },
        extra_types='<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>',
        extra_workbook_rels=f'<Relationship Id="rId8" Type="{REL_NS}/externalLink" Target="externalLinks/externalLink1.xml"/>',
    )


# --- OLE2 (compound file) by hand: encrypted workbooks, .xls --------------------------------

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _ole(streams: dict[str, bytes], storages: tuple[str, ...] = ()) -> bytes:
    """A minimal compound file (version 3, 512-byte sectors) with the given root-level streams and
    empty storages. Streams are padded to 4096 bytes so that none lives in the mini stream."""
    streams = {name: data.ljust(4096, b"\x00") for name, data in streams.items()}
    entries = [(name, 2, data) for name, data in streams.items()] + [(name, 1, b"") for name in storages]
    assert len(entries) <= 3  # with the root entry, one 512-byte directory sector
    sectors: list[bytes] = []
    fat: list[int] = [_FAT, _END]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for _, kind, data in entries:
        if kind != 2:
            starts.append(_END)
            continue
        first = 2 + len(sectors)
        count = len(data) // 512
        starts.append(first)
        fat.extend(list(range(first + 1, first + count)) + [_END])
        sectors.extend(data[i : i + 512] for i in range(0, len(data), 512))
    assert len(fat) <= 128
    fat_sector = struct.pack("<128L", *(fat + [_FREE] * (128 - len(fat))))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB3L", len(encoded), kind, 1, left, right, child)
            + b"\x00" * 16
            + b"\x00" * 4
            + b"\x00" * 16
            + struct.pack("<LQ", start, size)
        )

    # Siblings as a chain to the right, in the order CFB compares names (length, then upper case).
    order = sorted(range(len(entries)), key=lambda i: (len(entries[i][0]), entries[i][0].upper()))
    right = {order[k]: order[k + 1] + 1 for k in range(len(order) - 1)}
    directory = entry("Root Entry", 5, _FREE, _FREE, order[0] + 1 if order else _FREE, _END, 0)
    for i, (name, kind, data) in enumerate(entries):
        directory += entry(name, kind, _FREE, right.get(i, _FREE), _FREE, starts[i], len(data))
    directory = directory.ljust(512, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<5H6s6L", 0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6, 0, 1, 1, 0, 4096, _END)
        + struct.pack("<3L", 0, _END, 0)
        + struct.pack("<109L", 0, *([_FREE] * 108))
    )
    assert len(header) == 512
    return header + fat_sector + directory + b"".join(sectors)


def encrypted_workbook() -> bytes:
    """What Excel writes for a workbook with an open password: a compound file holding an
    EncryptionInfo stream (agile encryption, XML descriptor) and an EncryptedPackage."""
    info = struct.pack("<HHL", 4, 4, 0x40) + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption/>'
    package = struct.pack("<Q", 9000) + os.urandom(9000)
    return _ole({"EncryptionInfo": info, "EncryptedPackage": package})


def _xls_book() -> xlwt.Workbook:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(SHEET_NAME)
    for r, values in enumerate([LEDGER_HEADER, LEDGER_ROW]):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    return book


def xls_ledger() -> bytes:
    """A genuine BIFF8 .xls of the ledger (written by xlwt), the base of the damaged .xls files."""
    buffer = io.BytesIO()
    _xls_book().save(buffer)
    return buffer.getvalue()


def xls_with_macros() -> bytes:
    """The ledger's BIFF8 stream in a compound file next to a _VBA_PROJECT_CUR storage: an .xls
    with macros."""
    return _ole({"Workbook": _xls_book().get_biff_data()}, storages=("_VBA_PROJECT_CUR",))


def _patch_biff(data: bytes, record_type: int, offset: int, value: bytes) -> bytes:
    """Overwrite bytes at `offset` in the body of the first BIFF record of `record_type`. xlwt
    writes a small workbook's stream in one run right after the 512-byte compound-file header."""
    position = 512
    while position + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, position)
        if kind == record_type:
            start = position + 4 + offset
            return data[:start] + value + data[start + len(value) :]
        position += 4 + length
    raise ValueError(f"no BIFF record {record_type:#06x}")


def xls_reversed_dimensions() -> bytes:
    """The ledger .xls whose sheet DIMENSIONS record says the used rows start at row 28,929 and end
    at row 2: a reader that subtracts without checking asks for terabytes and aborts the process
    (the signal 6 of issue #15)."""
    return _patch_biff(xls_ledger(), 0x0200, 0, struct.pack("<L", 28_928))


def xls_sheet_offset_out_of_range() -> bytes:
    """The ledger .xls whose BOUNDSHEET record points the sheet at byte 4,194,305,118 of a 5 KB
    stream: the Excel reader indexes past its buffer (a panic inside the reader)."""
    return _patch_biff(xls_ledger(), 0x0085, 0, struct.pack("<L", 4_194_305_118))


def truncated_xlsx() -> bytes:
    """A good ledger .xlsx cut in half (an interrupted download)."""
    data = xlsx(sheet_xml(ledger_rows()))
    return data[: len(data) // 2]


def truncated_xls() -> bytes:
    """A good .xls cut in half."""
    data = xls_ledger()
    return data[: len(data) // 2]


def random_xls() -> bytes:
    """64 KB of random bytes named .xls."""
    return random.Random(15).randbytes(64 * 1024)


def random_after_ole_magic() -> bytes:
    """The compound-file signature followed by 64 KB of random bytes: it passes a magic-number
    check and reaches the .xls reader."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(16).randbytes(64 * 1024)


def html_table_xls() -> bytes:
    """An HTML table saved with an .xls name (what many bank systems export)."""
    cells = "".join(f"<td>{escape(str(v))}</td>" for v in LEDGER_ROW)
    heads = "".join(f"<th>{escape(h)}</th>" for h in LEDGER_HEADER)
    return f'<html><head><meta charset="utf-8"></head><body><table><tr>{heads}</tr><tr>{cells}</tr></table></body></html>'.encode()
