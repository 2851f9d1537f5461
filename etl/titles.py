"""What a sheet's name or title says about its rows: a bank's sheet ("扬州农商行", "江苏银行扬州分行
2026年1-10月知识产权质押贷款明细") speaks for that bank when it has no 质权人 column."""

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


def bank_in_title(text: str, reference: Reference) -> str | None:
    """The bank a title starts with: what precedes the period and the subject."""
    without_period = _PERIOD.sub("", _LABEL.sub("", unicodedata.normalize("NFKC", text).replace(" ", "")))
    subject = _SUBJECT.search(without_period)
    head = without_period[: subject.start()] if subject else without_period
    return bank_name(head, reference) if head else None
