"""数据导入: drop the month's spreadsheets, check what the system read, then confirm."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from etl import kinds, pipeline, preview
from etl import load as loader
from etl.report import error_report_xlsx, issues_frame
from pledge import formats, settings
from pledge.catalogue import HEADLINE
from pledge.text import md
from ui import importing, mapping, replacing, session, widgets
from ui.database import store

user = session.require("analyst")
st.title("数据导入")
st.caption(
    "支持 .xlsx、.xls、.csv（UTF-8 或 GBK），单个文件不超过"
    f"{settings.MAX_UPLOAD_MB}MB。系统自动识别区县名单、年度目标、质押融资台账，以及企业名单、对接活动和融资需求；"
    "预览无误后点击“确认导入”才会写入。有错误的文件不能导入，请按问题清单修改后重新上传。"
)

with st.expander("下载填报模板（含下拉选项）", icon=":material/description:"):
    districts = [d.name for d in pipeline.reference(store()).districts]
    year = dt.date.today().year
    offered = [k for k in kinds.KINDS.values() if k.template_name]
    columns = [c for _ in range(0, len(offered), 3) for c in st.columns(3)]  # three a row: names never squeezed
    for column, kind in zip(columns, offered):
        column.download_button(
            kind.template_name,
            kind.template(districts, year),
            f"{year}年{kind.template_name}.xlsx",
            icon=":material/download:",
            key=f"template_{kind.name}",
        )

target_year = st.selectbox(
    "目标表所属年度",
    [None, *range(dt.date.today().year + 1, 2019, -1)],
    key="upload_year",
    format_func=lambda y: "自动识别（标题、年度列或文件名）" if y is None else f"{y}年",
    help="仅用于没有写明年度的目标表",
)
files = st.file_uploader("选择或拖入文件", type=["xlsx", "xls", "csv"], accept_multiple_files=True, key="uploads")
if not files:
    widgets.empty("尚未选择文件。")
    st.stop()

reference = pipeline.reference(store())
done = st.session_state.get("import_results", {})
for number, file in enumerate(files):
    upload = importing.parse_upload(file.name, file.getvalue(), target_year)
    parsed, counts = upload.parsed, upload.counts
    with st.container(border=True):
        st.subheader(md(file.name))
        st.caption(
            f"识别为：**{parsed.kind_label}**"
            + (f" ｜ {parsed.year}年" if parsed.year else "")
            + (f" ｜ 所报期间：{md(parsed.period_label)}（见{parsed.period_origin}）" if parsed.period_label else "")
            + (f" ｜ 工作表：{md('、'.join(parsed.sheets))}" if parsed.sheets else "")
        )
        metrics_row = st.container()
        plan = replacing.render(upload, number, reference)
        counts = plan.counts if plan is not None else counts
        cols = metrics_row.columns(7)
        cols[0].metric("读取行数", parsed.rows_read)
        cols[1].metric("新增", counts["new"])
        cols[2].metric("更新", counts["updated"])
        cols[3].metric("重复（不变）", counts["duplicate"])
        cols[4].metric("撤回", counts.get("withdrawn", 0))
        cols[5].metric("有错误的行", parsed.rows_rejected)
        cols[6].metric("提示", len(parsed.warnings))
        refusal = importing.refusal_for(parsed, user)
        if refusal:
            st.error(refusal, icon=":material/block:")
        mapping.saved_note(parsed)
        if parsed.errors:
            mappable = "；区县写法或表头与系统不同的，也可以在下方映射后重新检查" if parsed.unmatched else ""
            st.error(
                f"发现{len(parsed.errors)}处错误，此文件不能导入，未写入任何数据。请按下表修改后重新上传{mappable}。",
                icon=":material/error:",
            )
        if not refusal:
            mapping.offer(parsed, reference, user, number)
        tabs = st.tabs(["问题清单", "列映射", "数据预览"])
        with tabs[0]:
            if parsed.issues:
                widgets.table(issues_frame(parsed), height=min(400, 40 + 35 * len(parsed.issues)))
                st.download_button(
                    "下载问题清单（Excel）",
                    error_report_xlsx(parsed),
                    f"问题清单_{file.name}.xlsx",
                    icon=":material/download:",
                    key=f"report_{number}",
                )
            else:
                st.success("没有发现问题。")
        with tabs[1]:
            widgets.table(preview.mapping_frame(parsed))
        with tabs[2]:
            if parsed.kind == "targets" and parsed.ok:
                st.caption("每个区县一行、每项目标一列；“—”表示没有目标，全市未填的项按各区县之和")
            widgets.table(preview.rows_frame(parsed, reference), {"贷款金额(万元)": "{:,.2f}"})
        outcome = done.get(parsed.sha256)
        if outcome is not None:
            result = outcome["result"]
            if result.status == "unchanged":
                st.info(md(result.note))
            else:
                c = result.counts
                st.success(
                    f"已导入，第{result.batch_id}批：新增{c['new']}、更新{c['updated']}、重复{c['duplicate']}"
                    + (f"、撤回{c['withdrawn']}" if c.get("withdrawn") else "")
                    + "。可在“导入记录”中撤销。"
                )
                if outcome.get("year"):
                    st.markdown(f"**{outcome['year']}年全市指标变化**（截至{formats.date_cn(outcome['as_of'])}）")
                    moved = st.columns(4)
                    for col, shown in zip(moved, HEADLINE):
                        col.metric(
                            f"全市{shown.label}",
                            shown.format(outcome["after"][shown.key]),
                            delta=shown.format(outcome["moved"][shown.key], signed=True),
                        )
        elif (
            parsed.ok
            and not refusal
            and st.button(f"确认导入 {md(file.name)}", type="primary", key=f"confirm_{number}", icon=":material/check:")
        ):
            try:
                importing.confirm(upload, user)
            except loader.LoadRefused as refused:
                st.error(md(str(refused)))
            else:
                st.rerun()
