"""A year's subsidy policy as data: its parameters, their types, units and explanations, and the
Policy they make. Stored as (param, value-text) rows (table subsidy_policies); the parameter
spreadsheet (参数 | 取值 | 说明) and the page's form both speak the labels below."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

RATE_BASIS = ("实际利率", "LPR")
LPR_REFERENCE = ("合同签订日上月", "放款日当月", "还款年度12月")
DAY_BASIS = ("360", "365")
PERIOD = ("贷款全周期", "政策年度内")
REGISTRATION = ("放款前", "结清前", "不要求")
OVER_BUDGET = ("按比例核减", "按受理顺序")
YES_NO = ("是", "否")


@dataclass(frozen=True)
class Param:
    key: str
    label: str  # 参数, as in the spreadsheet and the form
    kind: str  # text | int | number | choice
    note: str  # 说明
    choices: tuple[str, ...] = ()
    required: bool = False


PARAMS: tuple[Param, ...] = (
    Param("name", "政策名称", "text", "政策文件的名称", required=True),
    Param("year", "年度", "int", "本政策适用的申报年度", required=True),
    Param(
        "rate_basis", "计息依据", "choice", "按贷款实际执行利率，或按LPR（实际利率更低时取实际利率）", RATE_BASIS, True
    ),
    Param(
        "lpr_reference",
        "LPR参考",
        "choice",
        "取哪一期1年期LPR：合同签订日上一个月公布的、放款日适用的、还款（结清）年度12月的",
        LPR_REFERENCE,
        True,
    ),
    Param("share_pct", "贴息比例(%)", "number", "贴息利率 = 所用利率 × 本比例", required=True),
    Param(
        "rate_cap_multiple", "利率上限(LPR的倍数)", "number", "实际利率高于LPR×该倍数时按LPR×该倍数计；留空为不设上限"
    ),
    Param("day_basis", "计息天数基准", "choice", "年计息天数：360或365", DAY_BASIS, True),
    Param("period", "计息区间", "choice", "按贷款全周期（放款至结清）计息，或只计政策年度内的天数", PERIOD, True),
    Param("term_cap_days", "单笔贴息期限上限(天)", "int", "每笔贷款最多贴息的天数；留空为不设上限"),
    Param("loan_cap_wan", "单笔上限(万元)", "number", "每笔贷款贴息的上限；留空为不设上限"),
    Param("enterprise_year_cap_wan", "单户年度上限(万元)", "number", "每户企业本年度获贴息合计的上限"),
    Param(
        "enterprise_total_cap_wan", "单户累计上限(万元)", "number", "每户企业历年（含以前年度已核定）获贴息合计的上限"
    ),
    Param("loans_per_year", "每户每年笔数上限", "int", "每户企业每年最多获贴息的贷款笔数（按受理顺序）"),
    Param(
        "caps_include_fees",
        "单户上限含费用补贴",
        "choice",
        "单户年度、累计上限是否把评估费、担保费、保险费补贴算在内",
        YES_NO,
    ),
    Param(
        "registration_rule",
        "登记要求",
        "choice",
        "质押登记生效日须早于（或等于）放款日、结清日，或不要求",
        REGISTRATION,
        True,
    ),
    Param("first_invention", "须含首次质押的发明专利", "choice", "质押物中至少有一件此前从未质押过的发明专利", YES_NO),
    Param("settled_only", "仅限结清贷款", "choice", "只对已结清（还款）的贷款贴息", YES_NO),
    Param("appraisal_pct", "评估费补贴比例(%)", "number", "评估费补贴 = 评估费 × 比例，留空为不补贴"),
    Param("appraisal_cap_wan", "评估费补贴上限(万元)", "number", "每笔的评估费补贴上限"),
    Param("guarantee_pct", "担保费补贴比例(%)", "number", "担保费补贴 = 担保费 × 比例，留空为不补贴"),
    Param("guarantee_cap_wan", "担保费补贴上限(万元)", "number", "每笔的担保费补贴上限"),
    Param("insurance_pct", "保险费补贴比例(%)", "number", "保险费补贴 = 保险费 × 比例，留空为不补贴"),
    Param("insurance_cap_wan", "保险费补贴上限(万元)", "number", "每笔的保险费补贴上限"),
    Param(
        "guarantee_insurance_exclusive", "担保费与保险费不可兼得", "choice", "两者都申报时只补贴金额较高的一项", YES_NO
    ),
    Param("budget_wan", "年度预算(万元)", "number", "本年度贴息与费用补贴的预算；留空为不设预算"),
    Param(
        "over_budget",
        "超预算规则",
        "choice",
        "核定总额超过预算时：每笔按 预算/核定总额 同比例核减，或按受理顺序拨完为止",
        OVER_BUDGET,
        True,
    ),
)
BY_KEY = {p.key: p for p in PARAMS}
BY_LABEL = {p.label: p for p in PARAMS}


@dataclass(frozen=True)
class Policy:
    name: str
    year: int
    rate_basis: str = "实际利率"
    lpr_reference: str = "放款日当月"
    share_pct: float = 50.0
    rate_cap_multiple: float | None = None
    day_basis: int = 360
    period: str = "贷款全周期"
    term_cap_days: int | None = None
    loan_cap_wan: float | None = None
    enterprise_year_cap_wan: float | None = None
    enterprise_total_cap_wan: float | None = None
    loans_per_year: int | None = None
    caps_include_fees: bool = False
    registration_rule: str = "不要求"
    first_invention: bool = False
    settled_only: bool = False
    appraisal_pct: float | None = None
    appraisal_cap_wan: float | None = None
    guarantee_pct: float | None = None
    guarantee_cap_wan: float | None = None
    insurance_pct: float | None = None
    insurance_cap_wan: float | None = None
    guarantee_insurance_exclusive: bool = False
    budget_wan: float | None = None
    over_budget: str = "按比例核减"

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)


class PolicyError(ValueError):
    """A parameter value that cannot be read; the message says which and why, in Chinese."""


def _number(text: str, label: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("%", "").replace("％", ""))
    except InvalidOperation:
        raise PolicyError(f"“{label}”应为数字，读到“{text}”") from None
    if not value.is_finite():
        raise PolicyError(f"“{label}”应为数字，读到“{text}”")
    if value < 0:
        raise PolicyError(f"“{label}”不能为负数，读到“{text}”")
    return value


def parse_value(param: Param, text: str | None):
    """The typed value of a parameter written as text (None when blank)."""
    text = (text or "").strip()
    if not text:
        if param.required:
            raise PolicyError(f"“{param.label}”必须填写（{param.note}）")
        return None
    if param.kind == "text":
        return text
    if param.kind == "choice":
        if param.choices == YES_NO:
            text = {"Y": "是", "N": "否", "YES": "是", "NO": "否", "√": "是", "×": "否"}.get(text.upper(), text)
        if text.endswith(".0") and text[:-2] in param.choices:
            text = text[:-2]
        if text not in param.choices:
            raise PolicyError(f"“{param.label}”应为{'、'.join(param.choices)}之一，读到“{text}”")
        return text
    number = _number(text, param.label)
    if param.kind == "int":
        if number != number.to_integral_value():
            raise PolicyError(f"“{param.label}”应为整数，读到“{text}”")
        return int(number)
    return float(number)


def as_text(param: Param, value) -> str | None:
    """How a typed value is stored and written into the spreadsheet."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def from_values(values: dict[str, str | None]) -> Policy:
    """A Policy from {key: text}; PolicyError names the first parameter that is wrong."""
    typed = {}
    for param in PARAMS:
        value = parse_value(param, values.get(param.key))
        if value is None:
            continue
        if param.choices == YES_NO:
            value = value == "是"
        elif param.key == "day_basis":
            value = int(value)
        typed[param.key] = value
    if typed.get("share_pct", 0) > 100:
        raise PolicyError(f"“贴息比例(%)”应在0到100之间，读到{typed['share_pct']}")
    return Policy(**typed)


def to_values(policy: Policy) -> dict[str, str | None]:
    return {f.name: as_text(BY_KEY[f.name], getattr(policy, f.name)) for f in fields(policy)}
