"""贴息政策: a year's interest-subsidy policy (form, parameter sheet download and upload, each save an
undoable import) and the 1-year LPR table. City-wide analysts and admins only."""

from __future__ import annotations

import datetime as dt
import zlib

import streamlit as st

from etl.report import issues_frame
from etl.subsidy_save import import_policy, save_policy
from etl.subsidy_templates import policy_template
from pledge import formats
from pledge.subsidy import lpr
from pledge.subsidy.figures import lpr_rates, policy_table, policy_years
from pledge.subsidy.policy import PARAMS
from ui import session, widgets
from ui.data import query
from ui.database import store

user = session.require("analyst")
st.title("贴息政策")
if user.district_code:  # navigation does not offer it; opened by its URL all the same
    st.error("贴息政策由市级分析员维护，区县账户不能修改。")
    st.stop()

this_year = dt.date.today().year
known = query(policy_years)
years = sorted({*range(this_year + 1, this_year - 5, -1), *known}, reverse=True)
default = known[0] if known else this_year
year = st.selectbox("年度", years, index=years.index(default), format_func=lambda y: f"{y}年", key="policy_year")

current = query(policy_table, year)
values = {p.key: v or None for p, v in zip(PARAMS, current["取值"])}
if not any(v for k, v in values.items() if k != "year"):
    earlier = [y for y in known if y < year]
    st.info(f"{year}年还没有贴息政策。填写下表后保存，或下载参数表填好后上传。")
    if earlier and st.button(f"以{earlier[0]}年政策为起点", key="policy_copy"):
        st.session_state[f"policy_start_{year}"] = {
            p.key: v or None for p, v in zip(PARAMS, query(policy_table, earlier[0])["取值"])
        }
start = st.session_state.get(f"policy_start_{year}", values)


def saved(message: str) -> None:
    st.session_state.pop(f"policy_start_{year}", None)
    st.session_state["policy_saved"] = message
    st.rerun()


# The form's widgets are named after the values they start from: a saved or uploaded policy (or a
# copied one) gives fresh widgets showing it, where the browser would otherwise keep what was typed.
form_id = zlib.crc32(repr(sorted(start.items())).encode())


st.caption("金额单位为万元，比例为%。留空表示不设该项限制。保存后形成一批导入记录，可在“导入记录”中撤销。")
with st.form(f"policy_form_{year}"):
    typed: dict[str, str | None] = {}
    left, right = st.columns(2)
    for n, param in enumerate(p for p in PARAMS if p.key != "year"):
        column = left if n % 2 == 0 else right
        label = param.label + ("" if param.required else "（可空）")
        given = start.get(param.key)
        if param.choices:
            options = list(param.choices) if param.required else ["", *param.choices]
            chosen = column.selectbox(
                label, options, index=options.index(given) if given in options else 0, help=param.note,
                key=f"policy_{year}_{form_id}_{param.key}", format_func=lambda o: o or "（不设）",
            )  # fmt: skip
            typed[param.key] = chosen or None
        else:
            typed[param.key] = column.text_input(
                label, given or "", help=param.note, key=f"policy_{year}_{form_id}_{param.key}"
            )
    submitted = st.form_submit_button("保存政策", type="primary", icon=":material/save:")
if submitted:
    parsed, result = save_policy(store(), year, typed, user.name)
    if result is None:
        st.error("政策参数有误，未保存：")
        widgets.table(issues_frame(parsed))
    else:
        saved(f"已保存{year}年贴息政策（第{result.batch_id}批）")
if "policy_saved" in st.session_state:
    st.success(st.session_state.pop("policy_saved"))

st.subheader("参数表")
left, right = st.columns(2)
left.download_button(
    "下载参数表（含当前取值）",
    data=lambda: policy_template(year, {k: v for k, v in values.items() if v} or None),
    file_name=f"{year}年贴息政策参数.xlsx",
    icon=":material/download:",
    on_click="ignore",  # nothing on the page changes: no rerun
    key="policy_download",
)
upload = right.file_uploader("上传填好的参数表", type=["xlsx", "xls", "csv"], key=f"policy_upload_{year}")
if upload is not None and right.button("导入参数表", key="policy_import"):
    parsed, result = import_policy(store(), upload.getvalue(), upload.name, year, user.name)
    if result is None:
        st.error("参数表有误，未导入：")
        widgets.table(issues_frame(parsed))
    else:
        saved(f"已导入{year}年贴息政策参数表（第{result.batch_id}批）")

st.subheader("1年期贷款市场报价利率（LPR）")
rates = query(lpr_rates)
widgets.table(
    rates.assign(
        起始日期=rates["effective_date"].map(lambda d: formats.date_cn(d.date())),
        利率=rates["rate_pct"].map(lambda r: f"{r:.2f}%"),
        录入人=rates["added_by"],
    )[["起始日期", "利率", "录入人"]]
)
with st.form("lpr_form", clear_on_submit=True):
    day_col, rate_col = st.columns(2)
    day = day_col.date_input("起始日期（公布后生效日）", value=None, format="YYYY-MM-DD", key="lpr_day")
    rate = rate_col.number_input("1年期LPR(%)", min_value=0.0, max_value=20.0, step=0.05, value=None, key="lpr_rate")
    if st.form_submit_button("添加LPR", icon=":material/add:"):
        if day is None or rate is None:
            st.error("请填写起始日期和利率。")
        else:
            with store().write() as con:
                lpr.add(con, day, float(rate), user.name)
            st.session_state["lpr_added"] = f"已记录{formats.date_cn(day)}起1年期LPR {rate:.2f}%"
            st.rerun()
if "lpr_added" in st.session_state:
    st.success(st.session_state.pop("lpr_added"))
