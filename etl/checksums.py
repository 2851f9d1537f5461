"""Identifier check rules: the USCC (GB 32100-2015), Chinese patent application numbers and the
resident ID number (GB 11643-1999), which turns up in the USCC column of personal loans."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

PATENT_TYPES = {
    "1": "发明专利",
    "8": "发明专利",  # PCT invention entering China
    "2": "实用新型",
    "9": "实用新型",  # PCT utility model
    "3": "外观设计",
}
_PATENT_WEIGHTS_12 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_WEIGHTS_8 = (2, 3, 4, 5, 6, 7, 8, 9)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None if the code is a valid USCC, otherwise why not (in Chinese)."""
    if len(code) != 18:
        return f"应为18位，实为{len(code)}位"
    bad = sorted({c for c in code if c not in _USCC_VALUE})
    if bad:
        return f"含有不允许的字符“{''.join(bad)}”（不使用I、O、S、V、Z）"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误（按前17位应为{expected}）"
    return None


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_SHAPE = re.compile(r"[1-8]\d{5}(\d{4})(\d{2})(\d{2})\d{3}[0-9X]")


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2, as GB 11643 uses it: 10 is written X."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_resident_id(code: str) -> bool:
    """An 18-character resident ID number: area code, a real birth date, sequence, check character.
    Area codes start with 1-8; an enterprise USCC starts with 9, so the two never meet."""
    match = _ID_SHAPE.fullmatch(code)
    if not match:
        return False
    try:
        born = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return False
    return born.year >= 1900 and code[17] == resident_id_check_char(code[:17])


def patent_check_char(digits: str) -> str:
    weights = _PATENT_WEIGHTS_12 if len(digits) == 12 else _PATENT_WEIGHTS_8
    value = sum(map(operator.mul, map(int, digits), weights)) % 11
    return "X" if value == 10 else str(value)


@functools.lru_cache(maxsize=1 << 16)  # the same patent is often pledged again, and listed in every cumulative file
def parse_patent_number(token: str) -> tuple[str, str]:
    """Normalise one patent number ("ZL202310123456.6", "202310123456.6", "2023101234566").

    Returns (number as 'digits.check', patent type). Raises ValueError with the reason in Chinese.
    """
    text = token.strip().upper().replace(" ", "")
    if text.startswith("ZL"):
        text = text[2:]
    digits, dot, check = text.partition(".")
    if not dot:
        digits, check = text[:-1], text[-1:]
    if not (
        len(digits) in (8, 12) and digits.isdigit() and digits.isascii() and len(check) == 1 and check in "0123456789X"
    ):
        raise ValueError(f"专利号“{token}”格式不对（应为12位数字加校验位，如ZL202310123456.6）")
    expected = patent_check_char(digits)
    if check != expected:
        raise ValueError(f"专利号“{token}”校验位错误（应为{expected}）")
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    patent_type = PATENT_TYPES.get(type_digit)
    if patent_type is None:
        raise ValueError(f"专利号“{token}”的类型位“{type_digit}”无效")
    return f"{digits}.{check}", patent_type
