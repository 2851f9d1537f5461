"""The upload preview's offer to map what the system does not know, once: a district spelling, a bank
that maps to no head bank, a header of a recognised sheet (etl/unmatched.py finds them). One compact
form per file; saving writes the aliases (etl/aliases.py) and parses the upload again at once."""

from __future__ import annotations

import streamlit as st

from etl import aliases, kinds
from etl.issues import ParsedFile
from pledge import auth
from pledge.reference import Reference
from pledge.text import md
from ui import importing

NEW_BANK = "新增银行"


def _headers_grouped(items: list[dict]) -> list[dict]:
    """One line per (kind of file, header): a bank workbook repeats its headers on every sheet."""
    grouped: dict[tuple[str, str], dict] = {}
    for item in items:
        key = (item["file_kind"], item["text"])
        if key in grouped:
            seen = grouped[key]
            seen["where"] += f"、{item['sheet']}（{item['column']}列）"
            seen["free"] |= {f.name for f in kinds.get(item["file_kind"]).spec.fields} - set(item["taken"])
            continue
        spec = kinds.get(item["file_kind"]).spec
        grouped[key] = {
            **item,
            "where": f"工作表“{item['sheet']}”（{item['column']}列）",
            "free": {f.name for f in spec.fields} - set(item["taken"]),
        }
    return list(grouped.values())


def _line(label: str, text: str, where: str, options: list, format_func, key: str):
    left, right = st.columns([3, 2], vertical_alignment="center")
    left.markdown(f"{label} **{md(text)}** · {md(where)}")
    return right.selectbox(
        f"{label}“{md(text)}”映射为", options, format_func=format_func, key=key, label_visibility="collapsed"
    )


def offer(parsed: ParsedFile, reference: Reference, user: auth.User, number: int) -> None:
    """The form for one parsed upload, when it names something unknown and the user may map it."""
    if parsed.kind is None or not parsed.unmatched or not user.can("analyst"):
        return
    districts = [i for i in parsed.unmatched if i["what"] == "district"]
    banks = [i for i in parsed.unmatched if i["what"] == "bank"]
    headers = _headers_grouped([i for i in parsed.unmatched if i["what"] == "header"])
    names = reference.district_names
    chosen: list[tuple[dict, object]] = []
    named = bool(districts or banks)
    submitted = False
    # Columns a file carries beyond the ledger's (序号, 备注) are common: alone, they get a folded
    # expander rather than a box; unfolded when the file lacks a column it needs.
    with st.form(f"mapping_{number}", border=named):
        if named:
            st.markdown("**映射系统不认识的名称**")
            st.caption(
                "选择文件中的写法对应的区县、总行或列，保存后本文件立即重新检查，以后的文件也按此识别。"
                "银行映射同时作用于已导入的贷款。不选择的保持不变。"
            )
        for item in districts:
            pick = _line(
                "区县",
                item["text"],
                f"{item['rows']}行，{item['where']}",
                [None, *names],
                lambda code: "（暂不映射）" if code is None else names[code],
                f"map_{number}_district_{item['text']}",
            )
            chosen.append((item, pick))
        for item in banks:
            pick = _line(
                "银行",
                item["text"],
                f"{item['rows']}行，{item['where']}",
                [None, NEW_BANK, *sorted(reference.banks)],
                lambda bank: (
                    "（暂不映射，按文件中的写法统计）"
                    if bank is None
                    else ("新增银行（作为一家总行）" if bank == NEW_BANK else bank)
                ),
                f"map_{number}_bank_{item['text']}",
            )
            chosen.append((item, pick))
        if headers:
            folded = f"未识别的列（{len(headers)}列，不映射则不导入）"
            with st.expander(folded, expanded=parsed.frame is None, icon=":material/view_column:"):
                for item in headers:
                    fields = {
                        f.name: f.label for f in kinds.get(item["file_kind"]).spec.fields if f.name in item["free"]
                    }
                    pick = _line(
                        "表头",
                        item["header"],
                        item["where"],
                        [None, *fields],
                        lambda name, fields=fields: "（不导入此列）" if name is None else fields[name],
                        f"map_{number}_header_{item['file_kind']}_{item['text']}",
                    )
                    chosen.append((item, pick))
                if not named:
                    submitted = st.form_submit_button("保存映射并重新检查", type="primary", icon=":material/sync:")
        if named:
            submitted = st.form_submit_button("保存映射并重新检查", type="primary", icon=":material/sync:")
    if not submitted:
        return
    mappings = [
        aliases.Mapping(
            item["what"],
            item["text"],
            str(pick),
            file_kind=item.get("file_kind"),
            new_bank=pick == NEW_BANK,
        )
        for item, pick in chosen
        if pick is not None
    ]
    if not mappings:
        st.warning("没有选择任何映射：请在下拉框中选择对应的区县、总行或列。")
        return
    try:
        saved = importing.save_mappings(mappings, user)
    except aliases.AliasRefused as refused:
        st.error(md(str(refused)))
        return
    note = f"已保存{len(mappings)}项映射，已按新的映射重新检查。"
    if saved.rebanked.loans:
        note += f"已导入的贷款中有{saved.rebanked.loans}笔改按新的总行统计"
        note += f"（其中{saved.rebanked.merged}笔与已有贷款是同一笔，已合并）。" if saved.rebanked.merged else "。"
    st.session_state.setdefault("mapping_notes", {})[parsed.sha256] = note
    st.rerun()


def saved_note(parsed: ParsedFile) -> None:
    """What the last save of mappings did, shown once after the file was parsed again."""
    note = st.session_state.get("mapping_notes", {}).pop(parsed.sha256, None)
    if note:
        st.success(note, icon=":material/check_circle:")
