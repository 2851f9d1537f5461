"""Cells the 增量扩面 files share (企业名单, 对接活动, 融资需求): tags, bank feedback, a district
that may be blank, several banks in one cell. Each raises Invalid with a Chinese message."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from etl.kinds import cells
from etl.normalise import Invalid, to_text
from pledge.reference import Reference

TAGS = ("高新技术企业", "专精特新", "科技型中小企业", "示范企业")
# How rosters write the four tags; anything else is kept as written, with a warning.
_TAG_FORMS = {
    "高新技术企业": "高新技术企业",
    "国家高新技术企业": "高新技术企业",
    "高企": "高新技术企业",
    "高新企业": "高新技术企业",
    "专精特新": "专精特新",
    "专精特新企业": "专精特新",
    "专精特新中小企业": "专精特新",
    "专精特新小巨人": "专精特新",
    "小巨人": "专精特新",
    "科技型中小企业": "科技型中小企业",
    "科小": "科技型中小企业",
    "示范企业": "示范企业",
    "知识产权示范企业": "示范企业",
    "知识产权优势企业": "示范企业",
    "示范": "示范企业",
}
_SPLIT = re.compile(r"[、,，;；/|\s]+")

FEEDBACK = ("受理", "授信", "放款", "未通过")
_FEEDBACK_FORMS = {
    "受理": "受理",
    "已受理": "受理",
    "对接中": "受理",
    "跟进中": "受理",
    "审批中": "受理",
    "授信": "授信",
    "已授信": "授信",
    "批复": "授信",
    "已批复": "授信",
    "放款": "放款",
    "已放款": "放款",
    "已发放": "放款",
    "未通过": "未通过",
    "不通过": "未通过",
    "拒绝": "未通过",
    "已拒绝": "未通过",
    "否决": "未通过",
    "未获批": "未通过",
}
_REASON = re.compile(r"^([^:：(（]+)[:：(（]?(.*?)[)）]?$")


def tags(value) -> tuple[list[str], list[str]]:
    """(the recognised tags, the words kept as written) of a 标签 cell."""
    known: list[str] = []
    other: list[str] = []
    for word in _SPLIT.split(to_text(value).replace('"', "").replace("“", "").replace("”", "")):
        if not word:
            continue
        tag = _TAG_FORMS.get(word)
        if tag is None:
            other.append(word)
        elif tag not in known:
            known.append(tag)
    return known, other


def feedback(value) -> tuple[str, str | None] | None:
    """银行反馈 as (status, reason): 未通过：抵押物不足 → ('未通过', '抵押物不足')."""
    text = to_text(value).replace(" ", "")
    if not text:
        return None
    match = _REASON.match(text)
    word, reason = (match.group(1), match.group(2)) if match else (text, "")
    status = _FEEDBACK_FORMS.get(word)
    if status is None:
        raise Invalid(f"银行反馈应为{'、'.join(FEEDBACK)}之一（未通过可写原因，如“未通过：经营年限不足”）")
    return status, reason or None


def district_of(reference: Reference, value) -> str | None:
    """The district a cell names; blank is None; an unknown or ambiguous spelling is Invalid."""
    return cells.district_code(reference, value) if to_text(value) else None


def district_from_uscc(reference: Reference, code: str | None) -> str | None:
    """Positions 3-8 of a USCC are the registering authority's division code: a district's, often."""
    if not code or len(code) != 18:
        return None
    division = code[2:8]
    return division if division in reference.district_names else None


def banks(reference: Reference, value) -> list[str]:
    """主办银行 (可多家): head banks, in the order written."""
    found: list[str] = []
    for word in _SPLIT.split(to_text(value)):
        if word:
            head = reference.head_bank(word)
            if head not in found:
                found.append(head)
    return found


def optional_text(value) -> str | None:
    return to_text(value) or None


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a frame's columns to the table of the same column names, in one statement."""
    con.register("_outreach_rows", frame)
    try:
        names = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _outreach_rows")
    finally:
        con.unregister("_outreach_rows")
