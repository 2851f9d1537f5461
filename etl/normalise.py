"""Turn one messy cell into one clean value, or say in Chinese why it cannot be done.

Each normaliser takes a raw cell (str, float, int, bool, date, datetime or None) and returns the
clean value, or raises Invalid. Blank cells arrive as None. Where reading a cell took an assumption
the analyst should check (a month without a day, a rate kept as text), the normaliser returns a
Guess: the value plus the warning, which the Collector (etl/rows.py) turns into a 提示 on the cell.
Columns are normalised through `apply_unique`, so a value that repeats (a bank, a date) is worked
out once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Generic, TypeVar

from etl.checksums import is_resident_id, parse_patent_number, uscc_problem

T = TypeVar("T")


class Invalid(ValueError):
    """A cell that cannot be used; the message is shown to the analyst."""


@dataclass(frozen=True)
class Guess(Generic[T]):
    """A value read with an assumption: `warning` says which, so the analyst can check the cell.
    `conceal`: the warning must not repeat the cell (a person's ID number is not kept anywhere)."""

    value: T
    warning: str
    conceal: bool = False


def settled(result: T | Guess[T]) -> T:
    """The value, whether or not it was guessed."""
    return result.value if isinstance(result, Guess) else result


def plain_number(number: float | int | Decimal) -> str:
    """A number as people write it: never 9.13201e+17 or 1e-07."""
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)
    text = format(Decimal(repr(number)) if isinstance(number, float) else Decimal(number), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


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
    if isinstance(value, float):
        value = plain_number(value)
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()


def text_cells(row: list) -> list[str]:
    """The non-blank cells of a row as normalised text."""
    return [t for t in (to_text(c) for c in row) if t]


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Dashes people type between the parts of a name: all one hyphen, so that "甲科技—东湖" and
# "甲科技-东湖" are the same enterprise. (NFKC already turns the full-width "－" into "-".)
DASHES = re.compile("[\u2010-\u2015\u2212\u2500\u2501\ufe58\ufe63]")


def enterprise_name(value) -> str:
    """Trimmed, half-width (brackets included), one kind of dash."""
    name = DASHES.sub("-", to_text(value))
    if not name:
        raise Invalid("企业名称为空")
    return name


# -- enterprise identifiers ----------------------------------------------------------------
EXCEL_NUMBER_USCC = "统一社会信用代码被Excel按数字保存，末位已丢失，请从原始系统导出为文本"
RESIDENT_ID = "填的是18位居民身份证号，不是统一社会信用代码。个人借款？请填写企业的统一社会信用代码"
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def uscc(value) -> str:
    if isinstance(value, bool):
        raise Invalid("统一社会信用代码为空")
    if isinstance(value, (int, float)):  # a number cell: Excel keeps 15 significant digits of 18
        raise Invalid(EXCEL_NUMBER_USCC)
    code = DASHES.sub("", to_text(value)).upper().replace(" ", "").replace("-", "")
    if not code:
        raise Invalid("统一社会信用代码为空")
    if _SCIENTIFIC.match(code):  # "9.13201E+17": a number pasted back as text
        raise Invalid(EXCEL_NUMBER_USCC)
    if is_resident_id(code):
        raise Invalid(RESIDENT_ID)
    problem = uscc_problem(code)
    if problem:
        if len(code) == 18 and code.isdigit() and code.endswith("000"):  # 15 digits kept, the rest zeros
            raise Invalid(EXCEL_NUMBER_USCC)
        if len(code) == 15 and code.isdigit():
            raise Invalid("统一社会信用代码应为18位，这是15位的旧工商注册号，请填写统一社会信用代码")
        raise Invalid(f"统一社会信用代码{problem}")
    return code


# A 个体工商户 (sole trader) often has no USCC in a ledger. It is identified by its name and district
# instead, as "个体:<district code>:<name>": the colon and the Chinese characters can never be part of
# a real USCC, and the metrics, counting distinct USCCs, count the shop once.
SOLE_TRADER_PREFIX = "个体:"
SOLE_TRADER = "个体工商户"
# Shop signs (李记农机维修部, 张三五金店, 王氏茶行); a name with 公司 is a company whatever its end.
_SOLE_TRADER_ENDINGS = ("店", "部", "商行", "茶行", "车行", "工作室", "厂", "坊", "馆", "铺", "场", "站")
_COMPANY_WORDS = ("公司", "集团", "合作社", "研究院", "研究所", "事务所", "医院", "学校")


def looks_like_sole_trader(name: str, declared_type: str | None = None) -> bool:
    if declared_type and SOLE_TRADER in declared_type.replace(" ", ""):
        return True
    if "个体" in name:
        return True
    return name.endswith(_SOLE_TRADER_ENDINGS) and not any(word in name for word in _COMPANY_WORDS)


def sole_trader_id(district_code: str, name: str) -> str:
    return f"{SOLE_TRADER_PREFIX}{district_code}:{name}"


def enterprise_id(value, who: tuple[str | None, str | None, str | None]) -> str | Guess[str]:
    """The USCC; for a 个体工商户 without one (blank, or the owner's ID number), its synthetic id.

    `who` is the row's (normalised name, district code, declared enterprise type)."""
    name, district_code, declared_type = who
    text = to_text(value).upper().replace(" ", "")
    without_uscc = not text or is_resident_id(text)
    if not (without_uscc and name and looks_like_sole_trader(name, declared_type)):
        return uscc(value)
    if not district_code:
        raise Invalid("个体工商户未填统一社会信用代码，需按名称和区县识别，但区县无法识别")
    why = "填的是身份证号（未保存）" if text else "未填统一社会信用代码"
    return Guess(sole_trader_id(district_code, name), f"个体工商户{why}，按名称和区县识别，请核对", conceal=bool(text))


def registration_no(value) -> str | None:
    text = to_text(value).upper().replace(" ", "")
    return text or None


# -- dates ---------------------------------------------------------------------------------
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月份?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]


def date(value) -> dt.date | Guess[dt.date]:
    """A day; a month without a day ("2026年3月", "2026.3") is its 1st, as a Guess."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Invalid(f"“{value}”不是日期")
    if isinstance(value, (int, float)):
        return _date_number(value)
    text = DASHES.sub("-", to_text(value))
    if not text:
        raise Invalid("日期为空")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _day(text, *(int(g) for g in match.groups()))
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return _first_of_month(int(match.group(1)), int(match.group(2)))
    if re.fullmatch(r"\d+(\.\d+)?", text) and 20000 <= float(text) <= 80000:
        return _excel_serial(float(text))
    raise Invalid(f"“{text}”不是可识别的日期（可写作2025-03-05、2025年3月5日等）")


def _day(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Invalid(f"日期“{text}”不存在") from None


def _first_of_month(year: int, month: int) -> Guess[dt.date]:
    first = dt.date(year, month, 1)
    return Guess(first, f"只填了年月，没有日，按{year}年{month}月1日计算，请核对")


def _date_number(number: float) -> dt.date | Guess[dt.date]:
    """A number cell: an Excel serial, 20260101 typed as a number, or 2026.3 meaning March 2026."""
    if float(number).is_integer():
        whole = int(number)
        if 19000101 <= whole <= 21001231:
            return _day(str(whole), whole // 10000, whole // 100 % 100, whole % 100)
        if 190001 <= whole <= 210012 and 1 <= whole % 100 <= 12:
            return _first_of_month(whole // 100, whole % 100)
        return _excel_serial(whole)
    year, _, fraction = repr(float(number)).partition(".")
    if 1900 <= int(year) <= 2100 and len(fraction) <= 2 and 1 <= int(fraction) <= 12:
        if fraction == "1":  # Excel keeps 2026.10 as 2026.1
            raise Invalid(
                f"数字“{plain_number(number)}”可能是{year}年1月，也可能是10月，请写成文本日期（如{year}-10-15）"
            )
        return _first_of_month(int(year), int(fraction))
    return _excel_serial(number)


def _excel_serial(number: float) -> dt.date:
    if not 20000 <= number <= 80000:  # 1954 to 2119: anything else is not a loan date
        raise Invalid(f"数字“{plain_number(number)}”不是有效的日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def optional_date(value) -> dt.date | Guess[dt.date] | None:
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


_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _quantity(text: str) -> Decimal:
    """3, 1.5, 三, 十二, 二十四 or 半."""
    if text == "半":
        return Decimal("0.5")
    if text and all(c in _CHINESE_DIGITS or c == "十" for c in text):
        tens, _, ones = text.rpartition("十")
        if "十" not in text:
            tens, ones = "", text
        if len(ones) > 1 or len(tens) > 1:
            raise Invalid(f"“{text}”不是数字")
        value = _CHINESE_DIGITS.get(ones, 0) + (10 * (_CHINESE_DIGITS[tens] if tens else 1) if "十" in text else 0)
        return Decimal(value)
    return decimal(text)


def optional_count(value) -> int | None:
    if is_blank(value):
        return None
    number = _quantity(re.sub(r"[件个项笔月]$", "", to_text(value).replace(" ", "")))
    if number < 0 or number != number.to_integral_value():
        raise Invalid(f"“{to_text(value)}”应为非负整数")
    return int(number)


_NUM = r"(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+|半)"
_TERM_FORMS = [  # (pattern, months per unit of the first number, of the second)
    (re.compile(rf"^{_NUM}(?:个)?月$"), 1, 0),
    (re.compile(rf"^{_NUM}年$"), 12, 0),
    (re.compile(rf"^{_NUM}年半$"), 12, 0),
    (re.compile(rf"^{_NUM}年(?:零)?{_NUM}(?:个)?月$"), 12, 1),
    (re.compile(r"^(\d+(?:\.\d+)?)$"), 1, 0),  # a bare number: months, as the template's 贷款期限(月)
]


def term_months(value) -> int | Guess[int] | None:
    """贷款期限 in months: 12, "12个月", "1年", "一年", "1年6个月", "半年"; days are converted, with a warning."""
    if is_blank(value):
        return None
    text = to_text(value).replace(" ", "").removesuffix("期")
    days = re.fullmatch(r"(\d+)[天日]", text)
    if days:
        converted = round(int(days.group(1)) * 12 / 365)
        return Guess(converted, f"贷款期限按天填写，已折算为{converted}个月")
    months = decimal(value) if isinstance(value, (int, float)) else _months(text)
    if months <= 0 or months != months.to_integral_value():
        raise Invalid(f"贷款期限“{to_text(value)}”应为大于0的整月数")
    return int(months)


def _months(text: str) -> Decimal:
    for pattern, first, second in _TERM_FORMS:
        match = pattern.match(text)
        if match:
            months = _quantity(match.group(1)) * first
            if second:
                months += _quantity(match.group(2)) * second
            return months + 6 if text.endswith("年半") else months
    raise Invalid(f"贷款期限“{text}”无法识别（可写作12、12个月、1年）")


@dataclass(frozen=True)
class Rate:
    """年利率: a number in percent, or the text as written when it is a formula (LPR+30BP)."""

    pct: Decimal | None
    text: str | None = None


def interest_rate(value) -> Rate | Guess[Rate] | None:
    """4.35, "4.35%", 0.0435 (a fraction) are 4.35 percent; "LPR+30BP" is kept as text, with a warning."""
    if is_blank(value):
        return None
    written = to_text(value)
    text = re.sub(r"^(年化|年利率|利率)[:：]?|(/年|每年)$", "", written.replace(" ", ""))
    percent = text.endswith("%")
    try:
        rate = decimal(value if isinstance(value, (int, float)) else text.rstrip("%"))
    except Invalid:
        return Guess(Rate(None, written), f"利率“{written}”不是数字，已按原文保存（不参与利率统计）")
    if 0 < rate < Decimal("0.3") and not percent:
        rate *= 100  # 0.0365 written as a fraction: 3.65%
    if rate < 0 or rate >= 100:
        return Guess(Rate(None, written), f"利率“{written}”不在0到100之间（单位为%），已按原文保存")
    return Rate(rate)


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


# -- pledged IP ----------------------------------------------------------------------------
PLEDGE_TYPES = ("发明专利", "实用新型", "外观设计", "商标", "混合")
# "专利权" names no patent type: the loan's numbers decide it (pledge_type_of).
PATENT_UNSPECIFIED = "专利"
_PLEDGE_PARTS = {
    "发明专利": "发明专利",
    "发明": "发明专利",
    "实用新型": "实用新型",
    "实用新型专利": "实用新型",
    "新型": "实用新型",
    "新型专利": "实用新型",
    "外观设计": "外观设计",
    "外观设计专利": "外观设计",
    "外观": "外观设计",
    "外观专利": "外观设计",
    "商标": "商标",
    "专利": PATENT_UNSPECIFIED,
    "混合": "混合",
    "组合": "混合",
}
_PLEDGE_SPLIT = re.compile(r"[、,，;；/+&和及与\s]|以及")


def pledge_type(value) -> str | None:
    """One of PLEDGE_TYPES, or PATENT_UNSPECIFIED; several types in one cell are 混合."""
    text = to_text(value)
    if not text:
        return None
    whole = _pledge_part(text.replace(" ", ""))  # "发明 专利" is one type, "发明专利 商标" two
    if whole:
        return whole
    found = set()
    for part in filter(None, _PLEDGE_SPLIT.split(text)):
        kind = _pledge_part(part)
        if kind is None:
            raise Invalid(f"质押物类型“{text}”应为{'、'.join(PLEDGE_TYPES)}之一（或其组合）")
        found.add(kind)
    return found.pop() if len(found) == 1 else "混合"


def _pledge_part(part: str) -> str | None:
    base = re.sub(r"(专用权|权)$", "", part).removeprefix("注册")  # 商标专用权, 注册商标, 专利权
    return _PLEDGE_PARTS.get(base)


def pledge_type_of(declared: str | None, numbers: list[tuple[str, str]]) -> str | None:
    """The declared type; for a bare 专利(权), the type its numbers show (混合 when they differ)."""
    if declared != PATENT_UNSPECIFIED:
        return declared
    types = {t for _, t in numbers}
    if not types:
        return None
    return types.pop() if len(types) == 1 else "混合"


# Within a cell, numbers are separated by 、 ; ， , / or spaces and line breaks. Certificates write a
# patent number in groups ("ZL 2022 1 0648861.5"): those spaces join, they do not separate.
_SPLIT = re.compile(r"[、;；,，/]+")
_GROUPED_PATENT = re.compile(r"(?:ZL|CN)? ?(?:\d{4} ?\d ?\d{7}|\d{8}) ?[.·]? ?[0-9X](?![0-9X])")
_TRADEMARK = re.compile(r"^第?(\d{4,9})号?(?:\(第?\d{1,2}类\))?$")
_PATENT_TYPES = ("发明专利", "实用新型", "外观设计", PATENT_UNSPECIFIED)


def _tokens(text: str) -> Iterable[str]:
    for piece in _SPLIT.split(text):
        pos = 0
        while pos < len(piece):
            if piece[pos] == " ":
                pos += 1
                continue
            grouped = _GROUPED_PATENT.match(piece, pos)
            if grouped and " " in grouped.group(0):
                yield grouped.group(0).replace(" ", "")
                pos = grouped.end()
                continue
            end = piece.find(" ", pos)
            end = len(piece) if end < 0 else end
            yield piece[pos:end]
            pos = end


def patent_numbers(value, declared_type: str | None = None) -> list[tuple[str, str]]:
    """Every number in the cell as (number, type); trademark registration numbers are kept as 商标.

    A trademark is written "第41527213号" or, where the declared type allows a trademark, as bare digits."""
    text = to_text(value)
    if not text:
        return []
    result: list[tuple[str, str]] = []
    for token in _tokens(text.upper().replace("·", ".")):
        trademark = _TRADEMARK.match(token)
        written_as_trademark = trademark is not None and (token.startswith("第") or token.endswith(("号", "类)")))
        if trademark and (written_as_trademark or declared_type in ("商标", "混合")):
            if declared_type in _PATENT_TYPES:
                raise Invalid(f"“{token}”像是商标注册号或证书号，不是专利号（专利号如ZL202310123456.6）")
            result.append((trademark.group(1), "商标"))
            continue
        try:
            result.append(parse_patent_number(token))
        except ValueError as error:
            if declared_type == "商标":
                raise Invalid(f"商标注册号“{token}”格式不对（应为数字，如第41527213号）") from None
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
