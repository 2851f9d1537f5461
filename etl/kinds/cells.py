"""Cells several kinds of file read the same way: the district a cell names and the bank (质权人)."""

from __future__ import annotations

from etl.normalise import Invalid, to_text
from pledge.reference import Reference


def district_code(reference: Reference, value) -> str:
    """The code of the district a cell names; a blank, unknown or ambiguous spelling is Invalid."""
    text = to_text(value) if value is not None else ""
    if not text:
        raise Invalid("区县为空")
    found = reference.district_candidates(text)
    if len(found) > 1:
        names = "、".join(reference.district_names[c] for c in found)
        raise Invalid(f"区县“{text}”可能是{names}，无法确定，请写明是哪一个")
    if not found:
        known = "、".join(d.name for d in reference.districts)
        raise Invalid(f"区县“{text}”不在本市区县名单中（应为：{known}）")
    return found[0]


def bank_name(value) -> str:
    """The 质权人 as written (head banks are matched later, against the reference's aliases)."""
    text = to_text(value)
    if not text:
        raise Invalid("质权人（贷款银行）为空")
    return text
