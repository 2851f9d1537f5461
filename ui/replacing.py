"""The part of the upload preview that says what a ledger replaces: the earlier reports of the same
bank or district it supersedes, the loans it withdraws, and the analyst's choice to replace or only
add; and amounts far above the city's usual month, which need the analyst's confirmation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.identity import Plan
from pledge.reference import Reference
from pledge.text import md
from ui import importing, widgets

MODES = {"auto": "按文件所报期间替换此前报送（撤回新文件中不再列出的贷款）", "add": "只新增和更新，不撤回任何贷款"}


def render(upload: importing.Upload, number: int, reference: Reference) -> Plan | None:
    """Draw the plan of a ledger upload and record the analyst's choices on it; None for other files."""
    parsed = upload.parsed
    if not parsed.ok or parsed.kind != "loans":
        return None
    could_replace = any(r.replaces for r in parsed.reports)
    mode = "auto"
    if could_replace:
        mode = st.radio(
            "与此前报送的关系",
            list(MODES),
            format_func=MODES.get,
            key=f"replace_mode_{number}",
            horizontal=True,
            help="银行或区县重报累计数时，新文件替换它此前在同一期间的报送：金额、日期的更正按同一笔贷款更新，不再列出的贷款撤回。补报文件请选“只新增和更新”。",
        )
    parsed.replace_mode = mode
    plan = importing.plan_for(upload, mode)
    for source in plan.sources:
        st.info(md(source.summary()), icon=":material/sync_alt:")
    if len(plan.withdrawn):
        with st.expander(f"将撤回的贷款（{len(plan.withdrawn)}笔）", expanded=True, icon=":material/remove_circle:"):
            widgets.table(
                pd.DataFrame(
                    {
                        "企业名称": plan.withdrawn["enterprise_name"],
                        "统一社会信用代码": plan.withdrawn["uscc"],
                        "区县": plan.withdrawn["district_code"].map(reference.district_names),
                        "质权人": plan.withdrawn["bank"],
                        "贷款金额(万元)": plan.withdrawn["amount_cents"] / 1_000_000,
                        "放款日期": plan.withdrawn["loan_date"].dt.date,
                        "原导入批次": plan.withdrawn["batch_id"],
                    }
                ),
                {"贷款金额(万元)": "{:,.2f}"},
            )
    parsed.accept_large = False
    for message in plan.implausible:
        st.error(md(message), icon=":material/warning:")
    if plan.implausible:
        parsed.accept_large = st.checkbox("金额已核对，仍然导入", key=f"accept_large_{number}")
    return plan
