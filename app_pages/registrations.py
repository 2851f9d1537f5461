"""登记核对: the banks' ledgers against the CNIPA pledge registrations, per year and district; each
list downloadable; analysts map an unknown pledgor to its enterprise once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from etl.issues import LoadRefused
from etl.pledgors import map_pledgor
from pledge import formats, metrics
from pledge.catalogue import YI
from pledge.metrics import registrations as reg
from pledge.text import md
from ui import session, sidebar, widgets
from ui.data import query
from ui.database import store

user = session.require("viewer")
period = sidebar.render()
st.title("登记核对")
if period is None:
    widgets.empty("还没有任何数据。请先导入质押融资台账。")
    st.stop()
if not query(metrics.has_registrations):
    widgets.empty(
        "还没有导入质押登记数据。请在“数据导入”页下载质押登记模板，填入专利公报或质押登记系统的登记事件后导入。"
    )
    st.stop()
year, as_of, district = period.year, period.as_of, period.district
scope = period.district_name or "全市"
first, latest = query(metrics.first_event_date), query(metrics.latest_event_date)
if latest < dt.date(year, 1, 1) or first > as_of:
    st.warning(
        f"已导入的质押登记数据覆盖{formats.date_cn(first)}至{formats.date_cn(latest)}，"
        f"不含{year}年1月1日至{formats.date_cn(as_of)}，该期间无法核对。请导入该期间的质押登记。"
    )
st.caption(
    f"{md(scope)}{year}年1月1日至{formats.date_cn(as_of)}；质押登记数据覆盖{formats.date_cn(first)}"
    f"至{formats.date_cn(latest)}（此前放款的贷款不列入未见登记）。"
    "贷款与登记相匹配：质押登记号相同，或质押同一专利、出质人即借款企业且登记日在放款日前90天至后30天之内；"
    "一件登记对应同一企业的多笔贷款（授信）只计一次。"
)


def yes_no(series: pd.Series) -> pd.Series:
    return series.map({True: "是", False: "否"})


# -- registration-based beside bank-reported ---------------------------------------------------
figures = query(reg.side_by_side, year, as_of)
st.subheader("登记口径与银行报送口径")
st.caption(
    "两种口径分列，不相加：质押登记没有贷款金额，一件登记可对应多笔贷款（授信）。"
    "“已匹配”：登记找到了对应的报送贷款，或贷款找到了对应的登记。"
)
height = 36 * (len(figures) + 1) + 2  # every district and 全市, no scrolling
left, right = widgets.side_by_side(2, [5, 6])
with left:
    st.markdown("**质押登记（国家知识产权局）**")
    widgets.table(
        pd.DataFrame(
            {
                "区县": figures["name"],
                "登记(件)": figures["registrations"],
                "专利(件)": figures["reg_patents"],
                "出质人(家)": figures["pledgors"],
                "已匹配(件)": figures["reg_matched"],
            }
        ),
        height=height,
    )
with right:
    st.markdown("**银行报送（台账）**")
    widgets.table(
        pd.DataFrame(
            {
                "区县": figures["name"],
                "贷款(笔)": figures["loans"],
                "金额(亿元)": figures["amount"] / YI,
                "专利(件)": figures["loan_patents"],
                "企业(家)": figures["enterprises"],
                "已匹配(笔)": figures["loans_matched"],
            }
        ),
        {"金额(亿元)": "{:,.2f}"},
        height=height,
    )
compared = pd.DataFrame(  # in the download: the two sources side by side, never summed
    {
        "区县": figures["name"],
        "质押登记(件)": figures["registrations"],
        "登记专利(件)": figures["reg_patents"],
        "出质人(家)": figures["pledgors"],
        "报送贷款(笔)": figures["loans"],
        "报送金额(亿元)": figures["amount"] / YI,
        "报送质押专利(件)": figures["loan_patents"],
        "惠及企业(家)": figures["enterprises"],
    }
)

# -- the lists -----------------------------------------------------------------------------------
unreported = query(reg.unreported, year, as_of)
unregistered = query(reg.unregistered, year, as_of)
guarantee = query(reg.counter_guarantee, year, as_of)
early = query(reg.early_release, year, as_of)
renewed = query(reg.renewals, year, as_of)
lapsed = query(reg.lapsed, year, as_of)
first = query(reg.first_pledge, year, as_of)
lines = query(reg.credit_lines, year, as_of)

lists: dict[str, pd.DataFrame] = {
    "疑似漏报": formats.dates_cn(unreported, ["date"])
    .assign(pending=yes_no(unreported["pending"]))[
        ["date", "registration_no", "patent_no", "pledgor", "district", "pledgee", "bank", "pending"]
    ]
    .set_axis(["登记日", "登记号", "专利号", "出质人", "区县", "质权人", "请核实的银行", "登记未满90天"], axis=1),
    "未见登记": formats.dates_cn(unregistered, ["loan_date"])[
        ["loan_id", "name", "uscc", "district", "bank", "loan_date", "amount_wan", "reg_no", "patents"]
    ].set_axis(
        [
            "贷款编号",
            "企业名称",
            "统一社会信用代码",
            "区县",
            "质权人",
            "放款日期",
            "贷款金额(万元)",
            "报送的登记号",
            "质押专利号",
        ],
        axis=1,
    ),
    "反担保": formats.dates_cn(guarantee, ["date"])[
        ["date", "registration_no", "patent_no", "pledgor", "district", "pledgee", "loan_ids", "banks"]
    ].set_axis(
        ["登记日", "登记号", "专利号", "出质人", "区县", "质权人（非银行）", "对应贷款编号", "贷款银行"], axis=1
    ),
    "提前解除": formats.dates_cn(early, ["release_date", "maturity"])
    .assign(renewed=yes_no(early["renewed"]))[
        ["release_date", "registration_no", "name", "district", "bank", "loan_ids", "maturity", "days_early", "renewed"]
    ]
    .set_axis(
        ["解除日", "登记号", "出质人", "区县", "贷款银行", "贷款编号", "贷款到期日", "提前天数", "随后续贷"], axis=1
    ),
    "续贷": formats.dates_cn(renewed, ["release_date", "new_date"])[
        [
            "release_date",
            "old_registration_no",
            "new_date",
            "new_registration_no",
            "pledgor",
            "district",
            "pledgee",
            "basis",
        ]
    ].set_axis(["解除日", "原登记号", "重新登记日", "新登记号", "出质人", "区县", "质权人", "依据"], axis=1),
    "质物失效": formats.dates_cn(lapsed, ["date"])[
        ["date", "patent_no", "what", "registration_no", "pledgor", "district", "pledgee", "loan_ids"]
    ].set_axis(["失效日", "专利号", "事件", "质押登记号", "出质人", "区县", "质权人", "对应贷款编号"], axis=1),
    "首次质押": formats.dates_cn(first, ["pledge_date", "earlier_date"])
    .assign(first_time=yes_no(first["first_time"]))[["patent_no", "pledge_date", "first_time", "earlier_date"]]
    .set_axis(["发明专利号", "本年质押日", "首次质押", "此前最近一次质押"], axis=1),
    "授信（一件登记多笔贷款）": formats.dates_cn(lines, ["date"])[
        ["date", "registration_no", "pledgor", "district", "pledgee", "loans", "loan_ids"]
    ].set_axis(["登记日", "登记号", "出质人", "区县", "质权人", "贷款笔数", "贷款编号"], axis=1),
}
notes = {
    "疑似漏报": "本地出质人、质权人为银行、却没有任何报送贷款与之匹配的登记：可能是银行漏报的贷款，请向所列银行核实。"
    "登记后90天内的贷款可能尚未报送。",
    "未见登记": "报送了质押专利、但登记期限（放款后30天）已过仍未见质押登记的贷款：请核实是否确为质押贷款。",
    "反担保": "质权人不是银行（多为融资担保公司）的登记：专利为担保公司的反担保，对应的银行贷款已列出编号。",
    "提前解除": "贷款到期前解除质押的登记（授信按其中最晚的到期日）。随后30天内重新登记的属续贷。",
    "续贷": "解除质押后30天内，同一专利、或同一企业与同一质权人重新办理质押登记。",
    "质物失效": "质押期间专利因未缴年费终止或被宣告全部无效：质物失效，贷款风险上升。",
    "首次质押": "本年质押的发明专利是否为首次质押（此前从未办理质押登记、也未见于台账）。",
    "授信（一件登记多笔贷款）": "一件质押登记对应同一企业的多笔贷款（授信额度下分次放款），登记只计一次。",
}
st.subheader("核对清单")
widgets.xlsx_download(
    {**lists, "登记与报送对照": compared},
    f"{scope}{year}年登记核对_截至{as_of:%Y%m%d}.xlsx",
    "下载全部清单（Excel）",
    key="reg_all",
)
tabs = st.tabs([f"{name}（{len(frame)}）" for name, frame in lists.items()])
for n, (tab, (name, frame)) in enumerate(zip(tabs, lists.items())):
    with tab:
        st.caption(notes[name])
        if frame.empty:
            widgets.empty(f"{md(scope)}{year}年截至{formats.date_cn(as_of)}没有{name}。")
            continue
        widgets.table(frame, {"贷款金额(万元)": "{:,.2f}"})
        widgets.xlsx_download(
            {name[:31]: frame},
            f"{scope}{year}年{name}_截至{as_of:%Y%m%d}.xlsx",
            f"下载{name}（Excel）",
            key=f"reg_list_{n}",
        )

# -- pledgors to map once (analysts) ---------------------------------------------------------------
if user.can("analyst"):
    unmapped = query(reg.unmapped_pledgors)
    with st.expander(f"出质人对应企业（{len(unmapped)}个本地出质人未对应到台账企业）"):
        st.caption(
            "这些出质人看来是本地企业（信用代码或名称显示属本市区县），但台账中没有同名企业。"
            "如果它是台账中某企业的另一种写法（曾用名、简称），对应一次即可；否则它可能是未报送的贷款企业。"
        )
        if unmapped.empty:
            widgets.empty("没有需要对应的出质人。")
        else:
            widgets.table(
                formats.dates_cn(unmapped, ["last_date"])[
                    ["pledgor", "pledgor_uscc", "district", "registrations", "last_date"]
                ].set_axis(["出质人", "出质人信用代码", "区县", "登记(件)", "最近登记日"], axis=1)
            )
            pledgor = st.selectbox("出质人", unmapped["pledgor"].tolist(), key="map_pledgor")
            text = st.text_input("在台账企业中查找（名称或信用代码）", key="map_search")
            found = query(metrics.search_enterprises, text, 20) if text.strip() else pd.DataFrame()
            if text.strip() and found.empty:
                st.caption("没有找到企业，请换个写法。")
            if not found.empty:
                choice = st.selectbox(
                    "对应的企业",
                    found["uscc"].tolist(),
                    format_func=dict(zip(found["uscc"], found["name"] + "（" + found["uscc"] + "）")).get,
                    key="map_enterprise",
                )
                if st.button("保存对应", key="map_save", type="primary"):
                    acting = session.require("analyst")  # checked again on the server before writing
                    try:
                        map_pledgor(store(), pledgor, choice, acting.name)
                    except LoadRefused as refused:
                        st.error(str(refused))
                    else:
                        st.session_state["map_done"] = f"已将出质人“{md(pledgor)}”对应到该企业"
                        st.rerun()
if "map_done" in st.session_state:
    st.success(st.session_state.pop("map_done"), icon=":material/check_circle:")
