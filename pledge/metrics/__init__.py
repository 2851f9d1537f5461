"""The metrics layer: every figure of DOMAIN.md, as SQL on the clean base views. Pages, the CLI
and the bulletin call these functions and format what they return; nothing else computes a figure.
Each function takes an open connection (from Store.read()) so that a page is answered from one.

- progress:   a year's window with targets, completion, 同比, status and rank (district_progress,
              summary) and the as-of date (default_as_of)
- series:     the cumulative curve, district × month, the year-end projection
- breakdowns: banks, enterprises, pledged IP types, first-time borrowers
- outreach:   增量扩面: the white list, the 政银企对接 funnel, which banks answer
- lists:      plain reads (search, an enterprise's loans, imports, reference lists, freshness)
- registrations, aftercare: 登记核对 (ledgers against CNIPA registrations) and 贷后 (maturities, NPL)

What each figure is (label, unit, SQL) is declared in pledge/catalogue.py; the time rules are in
pledge/periods.py.

Scope: every figure function that a district-limited viewer may see takes `district`, and the
page query helper (ui/data.py) passes it for such a viewer; functions that answer city-wide
without a district are marked CITY_WIDE_OK only when they show no figure (dates, lists).
"""

from pledge.metrics.breakdowns import (
    bank_breakdown,
    bank_by_district,
    first_time_banks,
    first_time_borrowers,
    first_time_page,
    patents_by_type,
    top_enterprises,
)
from pledge.metrics.lists import (
    bank_aliases,
    current_loan,
    district_list,
    districts,
    enterprise_history,
    enterprise_loans,
    freshness,
    import_batches,
    search_enterprises,
    targets_grid,
)
from pledge.metrics.outreach import (
    bank_response,
    demand_list,
    funnel,
    funnel_share,
    funnel_table,
    outreach_years,
    whitelist,
    whitelist_by_district,
)
from pledge.metrics.progress import (
    city_row,
    default_as_of,
    district_progress,
    district_rows,
    latest_loan_date,
    summary,
    years_with_data,
)
from pledge.metrics.registrations import first_event_date, has_registrations, latest_event_date
from pledge.metrics.series import (
    district_month_matrix,
    monthly_cumulative,
    new_in_months,
    year_end_projection,
)
from pledge.subsidy.figures import lpr_rates, policy_table, policy_years, subsidy_figure

# Reads that carry no figure of any district: the same for every viewer.
CITY_WIDE_OK = frozenset(
    {
        years_with_data,
        latest_loan_date,
        default_as_of,
        freshness,
        districts,
        import_batches,
        targets_grid,
        district_list,
        bank_aliases,
        outreach_years,
        has_registrations,  # 登记核对: whether any extract is loaded, and the days it covers
        first_event_date,
        latest_event_date,
        policy_years,  # 贴息: the policy and the LPR are published rules, not figures
        policy_table,
        lpr_rates,
    }
)

__all__ = [
    "subsidy_figure",
    "whitelist_by_district",
    "whitelist",
    "outreach_years",
    "funnel_table",
    "funnel_share",
    "funnel",
    "demand_list",
    "bank_response",
    "CITY_WIDE_OK",
    "bank_aliases",
    "bank_breakdown",
    "bank_by_district",
    "city_row",
    "default_as_of",
    "district_list",
    "district_month_matrix",
    "district_progress",
    "district_rows",
    "districts",
    "enterprise_history",
    "current_loan",
    "enterprise_loans",
    "first_time_banks",
    "first_time_borrowers",
    "first_time_page",
    "freshness",
    "import_batches",
    "latest_loan_date",
    "monthly_cumulative",
    "new_in_months",
    "patents_by_type",
    "search_enterprises",
    "summary",
    "targets_grid",
    "top_enterprises",
    "year_end_projection",
    "years_with_data",
]
