"""Turn one messy cell into one clean value, or say in Chinese why it cannot be done.

Each normaliser takes a raw cell (str, float, int, bool, date, datetime or None) and returns the
clean value, or raises Invalid. Blank cells arrive as None. Columns are normalised through
`apply_unique`, so a value that repeats (a bank, a date) is worked out once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from etl.checksums import parse_patent_number, uscc_problem


class Invalid(ValueError):
    """A cell that cannot be used; the message is shown to the analyst."""


EXCEL_EPOCH = dt.date(1899, 12, 30)
MONEY_UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


# Control characters other than whitespace (NUL among them): invisible in Excel and never part of
# a name or a code, but a crafted or broken file carries them (XML forbids them; lax readers pass them on).
# Control characters (NUL, BEL, ESC: they crash the Word writer and colour a terminal), and the
# invisible ones that make two names that look the same differ: zero-width spaces and joiners,
# left-to-right/right-to-left marks, embeddings and isolates, the byte-order mark.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_CONTROL = INVISIBLE


def to_text(value) -> str:
    """Half-width, trimmed, inner whitespace folded, control characters dropped; '' for blank."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def text_cells(row: list) -> list[str]:
    """The non-blank cells of a row as normalised text."""
    return [t for t in (to_text(c) for c in row) if t]


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def enterprise_name(value) -> str:
    name = to_text(value)
    if not name:
        raise Invalid("企业名称为空")
    return name


def uscc(value) -> str:
    code = to_text(value).upper().replace(" ", "").replace("-", "")
    if not code:
        raise Invalid("统一社会信用代码为空")
    problem = uscc_problem(code)
    if problem:
        raise Invalid(f"统一社会信用代码{problem}")
    return code


def registration_no(value) -> str | None:
    text = to_text(value).upper().replace(" ", "")
    return text or None


# -- dates ---------------------------------------------------------------------------------
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Invalid(f"“{value}”不是日期")
    if isinstance(value, (int, float)):
        return _excel_serial(value)
    text = to_text(value)
    if not text:
        raise Invalid("日期为空")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise Invalid(f"日期“{text}”不存在") from None
    if re.fullmatch(r"\d+(\.\d+)?", text) and 20000 <= float(text) <= 80000:
        return _excel_serial(float(text))
    raise Invalid(f"“{text}”不是可识别的日期（可写作2025-03-05、2025年3月5日等）")


def _excel_serial(number: float) -> dt.date:
    if not 20000 <= number <= 80000:  # 1954 to 2119: anything else is not a loan date
        raise Invalid(f"数字“{number:g}”不是有效的日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def optional_date(value) -> dt.date | None:
    return None if is_blank(value) else date(value)


# -- numbers -------------------------------------------------------------------------------
def decimal(value) -> Decimal:
    """A number written as a number or as text with separators, full-width digits or a unit."""
    if isinstance(value, bool):
        raise Invalid(f"“{value}”不是数字")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    text = to_text(value).replace(",", "").replace(" ", "").replace("¥", "").replace("￥", "")
    if not text:
        raise Invalid("数值为空")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"“{to_text(value)}”不是数字") from None
    if not number.is_finite():
        raise Invalid(f"“{to_text(value)}”不是数字")
    return number


def money_yuan(value, unit: str) -> Decimal:
    """An amount in the column's unit, returned in yuan to the cent. A unit in the cell wins."""
    text = to_text(value) if isinstance(value, str) else None
    if text:
        for suffix in ("亿元", "万元", "元"):
            if text.endswith(suffix):
                unit, value = suffix, text[: -len(suffix)]
                break
        else:
            if text.endswith("万") or text.endswith("亿"):
                unit, value = text[-1] + "元", text[:-1]
    amount = decimal(value) * MONEY_UNITS[unit]
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def positive_money_yuan(value, unit: str) -> Decimal:
    if is_blank(value):
        raise Invalid("金额为空")
    amount = money_yuan(value, unit)
    if amount <= 0:
        raise Invalid(f"金额必须大于0（读到{to_text(value)}）")
    return amount


def optional_money_yuan(value, unit: str) -> Decimal | None:
    if is_blank(value):
        return None
    amount = money_yuan(value, unit)
    if amount < 0:
        raise Invalid(f"金额不能为负数（读到{to_text(value)}）")
    return amount


def optional_count(value) -> int | None:
    if is_blank(value):
        return None
    number = decimal(re.sub(r"[件个项笔月]$", "", to_text(value)))
    if number < 0 or number != number.to_integral_value():
        raise Invalid(f"“{to_text(value)}”应为非负整数")
    return int(number)


def optional_rate(value) -> Decimal | None:
    if is_blank(value):
        return None
    text = to_text(value).rstrip("%")
    rate = decimal(text)
    if rate < 0 or rate >= 100:
        raise Invalid(f"利率“{to_text(value)}”不在0到100之间（单位为%）")
    if 0 < rate < Decimal("0.3") and not str(value).strip().endswith("%"):
        rate *= 100  # 0.0365 written as a fraction: 3.65%
    return rate


_YES = {"是", "Y", "YES", "√", "✓", "✔", "1", "TRUE", "首贷", "首次", "首贷户"}
_NO = {"否", "N", "NO", "×", "✗", "X", "0", "FALSE", "非首贷", "", "-", "/", "续贷户", "存量户"}


def yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = to_text(value).upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise Invalid(f"“{to_text(value)}”应填是或否")


# -- patents -------------------------------------------------------------------------------
PLEDGE_TYPES = ("发明专利", "实用新型", "外观设计", "商标", "混合")
_PLEDGE_TYPE_ALIASES = {
    "发明": "发明专利",
    "实用新型专利": "实用新型",
    "新型": "实用新型",
    "外观": "外观设计",
    "外观设计专利": "外观设计",
    "商标权": "商标",
    "注册商标": "商标",
    "专利": "混合",
    "专利权": "混合",
    "专利+商标": "混合",
    "专利和商标": "混合",
    "组合": "混合",
}


def pledge_type(value) -> str | None:
    text = to_text(value).replace(" ", "")
    if not text:
        return None
    if text in PLEDGE_TYPES:
        return text
    if text in _PLEDGE_TYPE_ALIASES:
        return _PLEDGE_TYPE_ALIASES[text]
    raise Invalid(f"质押物类型“{text}”应为{'、'.join(PLEDGE_TYPES)}之一")


_SPLIT = re.compile(r"[、;；,，\s/]+")
_TRADEMARK_LIKE = re.compile(r"^\d{5,9}$")


def patent_numbers(value, declared_type: str | None = None) -> list[tuple[str, str]]:
    """Every number in the cell as (number, type); trademark registration numbers are kept as 商标."""
    text = to_text(value)
    if not text:
        return []
    result: list[tuple[str, str]] = []
    for token in _SPLIT.split(text.upper()):
        if not token:
            continue
        if declared_type == "商标" or (declared_type == "混合" and _TRADEMARK_LIKE.match(token)):
            result.append((token, "商标"))
            continue
        try:
            result.append(parse_patent_number(token))
        except ValueError as error:
            raise Invalid(str(error)) from None
    return list(dict.fromkeys(result))  # drop repeats, keep order


def apply_unique(values: Iterable, fn: Callable) -> tuple[list, dict[int, str]]:
    """Apply fn to each value, computing each distinct value once.

    Returns the results (None where fn failed) and {position: message} for the failures.
    """
    cache: dict = {}
    results: list = []
    errors: dict[int, str] = {}
    for i, value in enumerate(values):
        key = value if type(value) is str else (type(value), value)  # 1, 1.0 and True stay apart
        try:
            outcome = cache[key]
        except KeyError:
            try:
                outcome = (True, fn(value))
            except Invalid as error:
                outcome = (False, str(error))
            except (ValueError, ArithmeticError, TypeError):  # a cell no rule foresaw
                outcome = (False, f"无法识别的值“{to_text(value)}”")
            cache[key] = outcome
        if outcome[0]:
            results.append(outcome[1])
        else:
            results.append(None)
            errors[i] = outcome[1]
    return results, errors
