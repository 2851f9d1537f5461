"""Declarative column specs: for each kind of file, the fields, the headers they arrive under
(DOMAIN.md's aliases) and which are required. Header matching lives here too."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # how the field is called in messages and templates
    aliases: tuple[str, ...]
    required: bool = False
    money: bool = False  # header may carry a unit: (元) (万元) (亿元)
    default_unit: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]
    # Headers that identify this kind of file; used to tell the kinds apart.
    signature: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


LOANS = Kind(
    "loans",
    "质押融资台账",
    (
        Field("enterprise_name", "企业名称", ("企业名称", "出质人", "借款企业", "借款人", "出质人名称", "借款企业名称", "借款人名称", "企业"), True),
        Field("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "出质人统一社会信用代码", "企业统一社会信用代码"), True),
        Field("district", "所属区县", ("所属区县", "区县", "所属区域", "区域", "辖区", "所属辖区", "所在区县", "所属区"), True),
        Field("bank", "质权人", ("质权人", "贷款银行", "放款银行", "金融机构", "质权人名称", "贷款机构", "银行"), True),
        Field("pledge_type", "质押物类型", ("质押物类型", "质押类型", "质物类型")),
        Field("patent_numbers", "质押专利号", ("质押专利号", "专利号", "质押物编号", "质押专利", "专利号码")),
        Field("patent_count", "质押专利件数", ("质押专利件数", "专利件数", "专利数量", "质押专利数量", "件数")),
        Field("reg_no", "质押登记号", ("质押登记号", "登记号", "质押登记编号")),
        Field("reg_date", "质押登记日", ("质押登记日", "登记日期", "登记生效日", "质押登记日期")),
        Field("amount", "贷款金额", ("贷款金额", "融资金额", "质押金额", "授信金额", "质押融资金额", "放款金额", "金额"), True, money=True, default_unit="万元"),
        Field("loan_date", "放款日期", ("放款日期", "贷款发放日", "发放日期", "放款日", "贷款发放日期", "放款时间"), True),
        Field("term_months", "贷款期限", ("贷款期限", "期限")),
        Field("rate_pct", "年利率", ("年利率", "利率", "贷款利率", "贷款年利率")),
        Field("first_loan", "是否首贷", ("是否首贷", "首贷", "是否首次贷款", "首贷户")),
        Field("subsidy", "贴息金额", ("贴息金额", "贴息"), money=True, default_unit="万元"),
    ),
    signature=("uscc", "loan_date", "bank"),
)

TARGET_METRICS = ("loan_amount", "invention_patents", "enterprises", "first_time_enterprises", "loans", "subsidy")

TARGETS = Kind(
    "targets",
    "年度目标",
    (
        Field("district", "区县", ("区县", "所属区县", "区域", "地区", "辖区", "单位", "区县名称")),
        Field("year", "年度", ("年度", "年份", "目标年度")),
        Field("loan_amount", "质押融资金额", ("质押融资金额", "融资金额", "质押贷款金额", "贷款金额", "知识产权质押融资金额", "质押融资"), money=True, default_unit="亿元"),
        Field("invention_patents", "质押发明专利", ("质押发明专利", "质押发明专利件数", "发明专利", "发明专利件数", "质押发明专利数")),
        Field("enterprises", "惠及企业", ("惠及企业", "惠及企业数", "企业数", "惠及企业家数")),
        Field("first_time_enterprises", "首贷企业", ("首贷企业", "首贷企业数", "首贷户", "首贷企业家数")),
        Field("loans", "质押笔数", ("质押笔数", "笔数", "贷款笔数")),
        Field("subsidy", "贴息金额", ("贴息金额", "贴息"), money=True, default_unit="万元"),
    ),
    signature=("district", "loan_amount"),
)

DISTRICTS = Kind(
    "districts",
    "区县名单",
    (
        Field("name", "区县名称", ("区县名称", "名称", "区县", "行政区名称", "行政区划名称"), True),
        Field("code", "行政区划代码", ("行政区划代码", "区划代码", "代码", "区县代码", "行政区代码"), True),
        Field("aliases", "别名", ("别名", "简称", "其他名称", "别称")),
    ),
    signature=("name", "code"),
)

KINDS = {k.name: k for k in (LOANS, TARGETS, DISTRICTS)}

# -- header matching -----------------------------------------------------------------------
_UNIT_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_NOISE_RE = re.compile(r"[\s*※:：]")
_MONEY_UNIT_WORDS = {"元": "元", "万元": "万元", "亿元": "亿元", "万": "万元", "亿": "亿元"}


def clean_header(value) -> tuple[str, str | None]:
    """('贷款金额', '万元') from '贷款金额\n（万元）', ' 贷款金额(单位:万元) ' and the like."""
    if value is None:
        return "", None
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("【", "[").replace("】", "]")
    unit = None
    for inner in _UNIT_RE.findall(text):
        inner = _NOISE_RE.sub("", inner).replace("单位", "")
        if inner in _MONEY_UNIT_WORDS:
            unit = _MONEY_UNIT_WORDS[inner]
    base = _NOISE_RE.sub("", _UNIT_RE.sub("", text))
    if unit is None:  # "金额万元" written without brackets
        for word in ("亿元", "万元"):
            if base.endswith(word) and len(base) > len(word):
                base, unit = base[: -len(word)], word
                break
    return base, unit


def _alias_index(kind: Kind) -> dict[str, str]:
    return {clean_header(a)[0]: f.name for f in kind.fields for a in (f.label, *f.aliases)}


_ALIAS_INDEX = {name: _alias_index(kind) for name, kind in KINDS.items()}


def match_field(kind: str, header_text: str) -> str | None:
    return _ALIAS_INDEX[kind].get(header_text)


def unit_line(cells: list) -> str | None:
    """'单位：万元' in a line above the header gives the money unit of the table."""
    for cell in cells:
        text = unicodedata.normalize("NFKC", str(cell or "")).replace(" ", "")
        match = re.search(r"单位[:：]?(亿元|万元|元)", text)
        if match:
            return match.group(1)
    return None
