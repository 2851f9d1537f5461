"""What a sheet's name or title says about its rows: a bank's sheet ("扬州农商行", "江苏银行扬州分行
2026年1-10月知识产权质押贷款明细") speaks for that bank when it has no 质权人 column, a district's
("江都区2026年1-9月知识产权质押融资统计表") for that district when it has no 区县 column."""

from __future__ import annotations

import re
import unicodedata

from pledge.reference import Reference

BANK_WORDS = ("银行", "农商行", "农商", "信用社", "村镇银行", "信托", "小贷", "小额贷款", "担保")
# The period and what the table is about, which follow the bank in a title.
_MONTHS = r"\d{1,2}([-—~至到]\d{1,2})?月份?(末|累计)*"
_PERIOD = re.compile(rf"20\d{{2}}年度?({_MONTHS})?(末|累计)*|{_MONTHS}")
_SUBJECT = re.compile(r"(关于|知识产权|专利|商标|质押|融资|贷款明细|贷款台账|贷款情况|台账|明细|统计|情况)")
# "填报单位：江苏银行扬州分行" above the table: the bank after the label.
_LABEL = re.compile(r"^(填报单位|报送单位|填报机构|报送机构|机构名称|单位名称|贷款银行|金融机构|银行)[:：]")
_PUNCTUATION = re.compile(r"^[\s:：,，、()（）\[\]【】“”\"'-]+|[\s:：,，、()（）\[\]【】“”\"'-]+$")


def _clean(text: str) -> str:
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).replace(" ", ""))


def bank_name(text: str, reference: Reference) -> str | None:
    """The text itself when it names a bank: a bank word, or a known bank's alias."""
    name = _clean(text)
    if not name or len(name) > 40:
        return None
    if any(word in name for word in BANK_WORDS):
        return name
    known = reference.head_bank(name)
    return name if known != name or name in reference.banks else None


def _title_head(text: str) -> str:
    """What a title starts with, before the period and the subject."""
    without_period = _PERIOD.sub("", _LABEL.sub("", unicodedata.normalize("NFKC", text).replace(" ", "")))
    subject = _SUBJECT.search(without_period)
    return without_period[: subject.start()] if subject else without_period


def bank_in_title(text: str, reference: Reference) -> str | None:
    """The bank a title starts with."""
    head = _title_head(text)
    return bank_name(head, reference) if head else None


def district_name(text: str, reference: Reference) -> str | None:
    """The district the text names (exactly one), unless it is a bank's branch ("江苏银行邗江支行")."""
    name = _clean(text)
    if not name or len(name) > 30 or any(word in name for word in BANK_WORDS):
        return None
    code = reference.district_code(name)
    return reference.district_names.get(code) if code else None


def district_in_title(text: str, reference: Reference) -> str | None:
    """The district a title or file name starts with."""
    head = _title_head(text)
    return district_name(head, reference) if head else None


def named_by_sheet(field: str, sheet: str, above: list[str], file_name: str, reference: Reference):
    """(value, where it was read) for a bank or district that a sheet names instead of a column."""
    whole, in_title = (bank_name, bank_in_title) if field == "bank" else (district_name, district_in_title)
    value = whole(sheet, reference)
    if value:
        return value, "工作表名称"
    for line in above:
        value = in_title(line, reference)
        if value:
            return value, f"表格上方的“{line}”"
    if field != "bank":  # a bank's workbook is named for the bank's month; a district's for the district
        stem = file_name.rsplit(".", 1)[0]
        value = in_title(stem, reference)
        if value:
            return value, f"文件名“{file_name}”"
    return None, ""
