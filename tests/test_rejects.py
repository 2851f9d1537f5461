"""Broken files of every kind: each is rejected with a clear Chinese message, never a
traceback, and nothing of it is loaded."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter

from etl import pipeline
from pledge import settings
from tests.fixtures import PATENT_INVENTION, USCC_A, USCC_B, write, xlsx_bytes

HEADER = ["企业名称", "统一社会信用代码", "所属区县", "质权人", "质押专利号", "贷款金额(万元)", "放款日期"]
GOOD = ["甲科技有限公司", USCC_A, "东湖区", "工行", PATENT_INVENTION, 500, "2025-01-10"]


def ledger(*changes: tuple[int, object]) -> bytes:
    row = list(GOOD)
    for index, value in changes:
        row[index] = value
    return xlsx_bytes([["2025年1月台账"], HEADER, GOOD, row])


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(settings.MAX_UNZIPPED_BYTES // len(chunk) + 2):
                member.write(chunk)
    return buffer.getvalue()


def encrypted() -> bytes:
    """What Excel writes for a workbook with an open password: an OLE2 container holding an
    EncryptionInfo stream instead of a zip."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 2048 + "EncryptedPackage".encode("utf-16-le")


CASES = {
    "empty file": ("a.xlsx", b"", "文件是空的"),
    "whitespace csv": ("a.csv", b"  \n \n", "文件是空的"),
    "unsupported type": ("a.pdf", b"%PDF-1.4", "不支持的文件类型"),
    "text renamed xlsx": ("a.xlsx", "企业名称,统一社会信用代码\n".encode(), "不是有效的Excel工作簿"),
    "html saved as xls": ("a.xls", b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
    "truncated xlsx": ("a.xlsx", xlsx_bytes([HEADER, GOOD])[:3000], "损坏"),
    "password protected": ("a.xlsx", encrypted(), "密码"),
    "csv that is a workbook": ("a.csv", xlsx_bytes([HEADER, GOOD]), "是Excel工作簿而非CSV"),
    "binary csv": ("a.csv", b"\x00\x01\x02abc\x00", "二进制"),
    "no header": ("a.xlsx", xlsx_bytes([["随便写的一段话"], ["另一行", 1, 2]]), "找不到表头"),
    "required column missing": (
        "a.xlsx",
        xlsx_bytes([[h for h in HEADER if h != "统一社会信用代码"], [v for v in GOOD if v != USCC_A]]),
        "缺少必填列“统一社会信用代码”",
    ),
    "header only": ("a.xlsx", xlsx_bytes([HEADER]), "没有数据行"),
    "uscc checksum": ("a.xlsx", ledger((1, USCC_B[:-1] + "0")), "校验位错误"),
    "uscc length": ("a.xlsx", ledger((1, USCC_A[:-2])), "应为18位"),
    "uscc letters": ("a.xlsx", ledger((1, "9111000O710925462X")), "不允许的字符"),
    "patent check digit": ("a.xlsx", ledger((4, "ZL201310699744.3")), "校验位错误（应为2）"),
    "date does not exist": ("a.xlsx", ledger((6, "2025-02-30")), "不存在"),
    "month 13": ("a.xlsx", ledger((6, "2025年13月1日")), "不存在"),
    "negative amount": ("a.xlsx", ledger((5, -500)), "金额必须大于0"),
    "zero amount": ("a.xlsx", ledger((5, 0)), "金额必须大于0"),
    "amount in words": ("a.xlsx", ledger((5, "约五百万")), "不是数字"),
    "unknown district": ("a.xlsx", ledger((2, "火星区")), "不在本市区县名单中"),
    "blank enterprise": ("a.xlsx", ledger((0, None)), "企业名称为空"),
    "targets negative and unknown": (
        "2025年目标.xlsx",
        xlsx_bytes([["2025年度目标"], ["区县", "质押融资金额(亿元)"], ["东湖区", -1], ["火星区", 1]]),
        "负数",
    ),
    "targets without a year": (
        "目标.xlsx",
        xlsx_bytes([["区县", "质押融资金额(亿元)"], ["东湖区", 1]]),
        "无法确定目标所属年度",
    ),
    "district list bad code": (
        "名单.xlsx",
        xlsx_bytes([["区县名称", "行政区划代码"], ["东湖区", "99010"], ["东湖区", "990102"]]),
        "6位数字",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_file_is_rejected_and_loads_nothing(store, tmp_path, case):
    name, data, reason = CASES[case]
    with store.read() as con:
        before = con.execute("SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM loans)").fetchall()
    parsed, result = pipeline.import_path(store, write(tmp_path, name, data), user="test")
    assert result is None and not parsed.ok
    messages = " ".join(str(i) for i in parsed.errors)
    assert reason in messages, messages
    with store.read() as con:
        after = con.execute("SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM loans)").fetchall()
    assert after == before


def test_the_targets_file_names_both_problems(store, tmp_path):
    _, data, _ = CASES["targets negative and unknown"]
    parsed = pipeline.parse_bytes(store, data, "2025年目标.xlsx")
    assert {e.row for e in parsed.errors} == {3, 4}
    assert any("火星区" in e.message for e in parsed.errors)


def test_the_duplicate_district_is_named(store, tmp_path):
    _, data, _ = CASES["district list bad code"]
    parsed = pipeline.parse_bytes(store, data, "名单.xlsx")
    assert any(e.row == 3 and "与第2行重复" in e.message for e in parsed.errors)


def test_loans_before_any_district_list(empty_store, tmp_path):
    parsed, result = pipeline.import_path(empty_store, write(tmp_path, "a.xlsx", ledger()), user="test")
    assert result is None and "请先导入区县名单" in str(parsed.errors[0])


def test_zip_bomb_is_refused_before_it_is_inflated(store, tmp_path, monkeypatch):
    bomb = zip_bomb()
    assert len(bomb) < settings.MAX_UPLOAD_BYTES // 10  # small on disk, huge inflated
    parsed = pipeline.parse_bytes(store, bomb, "bomb.xlsx")
    assert "解压后达" in str(parsed.errors[0])


def test_oversized_file_is_refused(store, monkeypatch):
    monkeypatch.setattr(settings, "MAX_UPLOAD_BYTES", 1000)
    parsed = pipeline.parse_bytes(store, ledger(), "big.xlsx")
    assert "超过上限" in str(parsed.errors[0])


def test_a_good_file_next_to_the_bad_ones_still_loads(store, tmp_path):
    parsed, result = pipeline.import_path(store, write(tmp_path, "good.xlsx", ledger()), user="test")
    assert result is not None and result.counts["new"] == 1 and result.counts["duplicate"] == 1


def test_sql_in_a_name_is_stored_as_a_name(store, tmp_path):
    name = "'; DROP TABLE loans; --"
    parsed, result = pipeline.import_path(store, write(tmp_path, "x.xlsx", ledger((0, name))), user="test")
    assert result is not None
    with store.read() as con:
        assert (name,) in con.execute("SELECT enterprise_name FROM v_loans").fetchall()


@pytest.mark.slow
def test_a_large_ledger_with_errors_is_rejected_with_every_bad_row_named(store, tmp_path):
    """20,000 rows, one bad in a thousand: every one named (bench/ measures 100,000-row ingest)."""
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, ["2025年全市台账"])
    sheet.write_row(1, 0, HEADER)
    bad_rows = []
    for i in range(20_000):
        row = list(GOOD)
        row[5] = 100 + i % 900
        row[6] = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
        if i % 1000 == 999:
            row[1] = USCC_A[:-1] + "0"
            bad_rows.append(i + 3)
        sheet.write_row(i + 2, 0, row)
    book.close()
    parsed, result = pipeline.import_path(store, path, user="test")
    assert result is None
    assert sorted(e.row for e in parsed.errors) == bad_rows and len(bad_rows) == 20
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM loans").fetchall() == [(0,)]
