"""The metric catalogue: every figure the bureau tracks, declared once.

A metric's key, Chinese label, unit and display scale, the headers its target arrives under, where
it shows as a headline, and the SQL that computes it all live here. The progress query
(pledge/metrics/progress.py) generates its figure, target (t_), completion (c_), year-on-year
(yoy_) and status columns from this list; the pages, the bulletin, the targets template and grid,
the upload preview and the CLI read labels, units and formats from it. Adding a figure is adding
an entry here (plus its SQL source when it is a new kind of count) and its tests.

How a figure is computed, by `source`:
- "loans": an aggregate over the window's current loans (columns of v_loans), given in `sql`;
- "enterprises": distinct enterprises (`sql` is the rollup's column: first_date or first_flag_date);
- "pledged": distinct pledged numbers of one IP type (`sql` is the type, e.g. 发明专利).
The last two come from the rollup tables (pledge/rollups.py), which make distinct counts over a
window starting on 1 January plain counts.

The status rule (超序时 / 略滞后 / 滞后) is here too; the time rules are in pledge/periods.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pledge import settings

CITY = "CITY"  # the scope code of the whole city in every figures frame
AHEAD, SLIGHTLY_BEHIND, BEHIND = "超序时", "略滞后", "滞后"
YI, WAN = 100_000_000, 10_000  # yuan in one 亿元 and in one 万元


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # the unit the bureau reads it in: 亿元, 万元, 件, 家, 笔
    source: str  # loans | enterprises | pledged (see the module docstring)
    sql: str
    scale: int = 1  # stored value / scale = value in `unit` (money is stored in yuan)
    target_aliases: tuple[str, ...] = ()  # headers a targets file writes it under; () = never a target
    headline: bool = False  # a KPI card on the overview and a movement after an import

    @property
    def json_key(self) -> str:
        """The CLI's JSON key: money carries its unit in the name."""
        return {YI: f"{self.key}_yi", WAN: f"{self.key}_wan"}.get(self.scale, self.key)

    @property
    def money(self) -> bool:
        return self.scale > 1

    @property
    def has_target(self) -> bool:
        return bool(self.target_aliases)

    @property
    def heading(self) -> str:
        """'质押融资金额(亿元)': the column header of templates, grids and downloads."""
        return f"{self.label}({self.unit})"

    def in_unit(self, stored) -> float | int | None:
        """The stored value (yuan for money) in the bureau's unit; None stays None."""
        if _missing(stored):
            return None
        return float(stored) / self.scale if self.money else int(round(float(stored)))

    def format(self, stored, digits: int = 2, signed: bool = False) -> str:
        """'12.35亿元', '1,234件' (signed: '+0.35亿元', '+3件'); '—' when there is no value."""
        value = self.in_unit(stored)
        if value is None:
            return "—"
        sign = "+" if signed else ""
        return f"{value:{sign},.{digits}f}{self.unit}" if self.money else f"{value:{sign},}{self.unit}"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True  # pd.NA and NaT


METRICS: tuple[Metric, ...] = (
    Metric(
        "loan_amount",
        "质押融资金额",
        "亿元",
        "loans",
        "sum(amount_yuan)",
        scale=YI,
        headline=True,
        target_aliases=("质押融资金额", "融资金额", "质押贷款金额", "贷款金额", "知识产权质押融资金额", "质押融资"),
    ),
    Metric("loans", "质押笔数", "笔", "loans", "count(*)", target_aliases=("质押笔数", "笔数", "贷款笔数")),
    Metric(
        "invention_patents",
        "质押发明专利",
        "件",
        "pledged",
        "发明专利",
        headline=True,
        target_aliases=("质押发明专利", "质押发明专利件数", "发明专利", "发明专利件数", "质押发明专利数"),
    ),
    Metric(
        "enterprises",
        "惠及企业",
        "家",
        "enterprises",
        "first_date",
        headline=True,
        target_aliases=("惠及企业", "惠及企业数", "企业数", "惠及企业家数"),
    ),
    Metric(
        "first_time_enterprises",
        "首贷企业",
        "家",
        "enterprises",
        "first_flag_date",
        headline=True,
        target_aliases=("首贷企业", "首贷企业数", "首贷户", "首贷企业家数"),
    ),
    Metric(
        "subsidy",
        "贴息金额",
        "万元",
        "loans",
        "coalesce(sum(subsidy_yuan), 0)",
        scale=WAN,
        target_aliases=("贴息金额", "贴息"),
    ),
)
BY_KEY = {m.key: m for m in METRICS}
HEADLINE = tuple(m for m in METRICS if m.headline)
TARGETED = tuple(m for m in METRICS if m.has_target)


def metric(key: str) -> Metric:
    return BY_KEY[key]


# -- the status rule -----------------------------------------------------------------------
def status_sql(completion: str, progress: str = "$progress") -> str:
    """The status of a completion ratio against time progress, as SQL (the only place it is
    decided: every status shown comes from a query that uses this)."""
    return (
        f"CASE WHEN {completion} IS NULL THEN NULL "
        f"WHEN {completion} >= {progress} THEN '{AHEAD}' "
        f"WHEN {completion} >= {progress} - {settings.SLIGHTLY_BEHIND_POINTS} THEN '{SLIGHTLY_BEHIND}' "
        f"ELSE '{BEHIND}' END"
    )


# Colours of the statuses on pages and charts.
STATUS_COLORS = {AHEAD: "#2e7d32", SLIGHTLY_BEHIND: "#f0a202", BEHIND: "#c62828"}
STATUS_BADGES = {AHEAD: "green", SLIGHTLY_BEHIND: "orange", BEHIND: "red"}
