"""The 月度通报 page's official-document panels: issue (签发) the bulletin with the year's next
文号 and archive it, the letterhead and 版记 an admin edits once, and the issued bulletins for
re-download exactly as sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from pledge import auth, bulletin, formats, issuing
from pledge.text import md
from ui import widgets
from ui.data import query
from ui.database import store


def issue_panel(
    report: bulletin.Bulletin,
    whole: Callable[[], bulletin.Bulletin],
    head: issuing.Letterhead,
    user: auth.User | None,
) -> None:
    """签发: analysts and admins; the file carries the next 文号 and is archived as made, from
    `whole()`, the bulletin with its whole annex (the page's `report` may show only its start)."""
    st.subheader("签发")
    today = dt.date.today()
    number = query(issuing.next_number, today.year)
    st.markdown(f"下一期文号：**{md(head.doc_number(today.year, number))}**（签发日期{formats.date_cn(today)}）")
    if user is None:
        st.caption("签发需分析员或管理员账户。")
        return
    if st.button("签发并存档", type="primary", icon=":material/approval:", key="bulletin_issue"):
        with st.spinner("正在生成并存档……"):
            report = whole()
            images, _, failure = bulletin.charts_for(report)
            note = bulletin.CHARTS_FAILED if failure else bulletin.NO_CHARTS

            def make(letterhead: issuing.Letterhead, doc_number: str, on: dt.date) -> bytes:
                return bulletin.to_docx(report, images, note, letterhead, doc_number, on)

            done = issuing.issue(
                store(), make, report.year, report.month, report.title, report.as_of, report.file_stem, user.name
            )
        st.session_state["bulletin_issued"] = f"已签发{done.doc_number}，存档文件：{done.file_name}"
        st.rerun()
    if "bulletin_issued" in st.session_state:
        st.success(st.session_state.pop("bulletin_issued"), icon=":material/check_circle:")


def letterhead_panel(head: issuing.Letterhead, user: auth.User | None) -> None:
    """版头与版记: an admin edits them in a form; everyone else reads them."""
    with st.expander("版头与版记设置", icon=":material/settings:"):
        if user is None or not user.can("admin"):
            for key, label in issuing.LABELS.items():
                st.markdown(f"{label}：{md(getattr(head, key))}")
            st.caption("仅管理员可修改。")
            return
        with st.form("bulletin_letterhead"):
            values = {
                key: st.text_input(label, getattr(head, key), key=f"letterhead_{key}")
                for key, label in issuing.LABELS.items()
            }
            st.caption(
                f"文号格式中用{issuing.YEAR}代表年份、{issuing.NUMBER}代表期号，例如：某市监知〔{issuing.YEAR}〕{issuing.NUMBER}号"
            )
            if st.form_submit_button("保存", type="primary"):
                try:
                    issuing.save_letterhead(store(), issuing.Letterhead(**values), user.name)
                except issuing.SettingsError as error:
                    st.error(str(error))
                else:
                    st.session_state["letterhead_saved"] = "已保存版头与版记设置"
                    st.rerun()
        if "letterhead_saved" in st.session_state:
            st.success(st.session_state.pop("letterhead_saved"))


def issued_list() -> None:
    """Issued bulletins, newest first; each downloads byte for byte as it was sent."""
    st.subheader("已签发通报")
    issued = query(issuing.issued)
    if issued.empty:
        st.caption("尚未签发任何通报。")
        return
    widgets.table(
        issued.assign(
            签发时间=issued["issued_at"].dt.strftime("%Y-%m-%d %H:%M"),
            数据截至=issued["as_of"].map(formats.date_cn),
            校验码=issued["sha256"].str[:12],
        ).rename(columns={"doc_number": "文号", "title": "标题", "user_name": "签发人"})[
            ["文号", "标题", "数据截至", "签发时间", "签发人", "校验码"]
        ]
    )
    keys = list(zip(issued["year"], issued["number"]))
    labels = dict(zip(keys, issued["doc_number"] + "　" + issued["title"]))
    chosen = st.selectbox("选择已签发通报", keys, format_func=lambda k: labels[k], key="bulletin_issued_pick")
    row = issued[(issued["year"] == chosen[0]) & (issued["number"] == chosen[1])].iloc[0]
    st.download_button(
        "下载签发原件（Word）",
        query(issuing.issued_file, int(chosen[0]), int(chosen[1])),
        row["file_name"],
        icon=":material/download:",
        key="bulletin_issued_download",
    )
