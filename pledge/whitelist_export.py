"""The white list as a spreadsheet to send to banks: one sheet per bank when enterprises are
assigned to banks, else one sheet of the whole list; written by pledge/export.py (formula-safe)."""

from __future__ import annotations

import pandas as pd

from pledge import export


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The white list's columns as the bureau reads them (Chinese headers, 件)."""
    pushes = frame["pushes"].astype("Int64").fillna(0) if len(frame) else frame["pushes"]
    return pd.DataFrame(
        {
            "排序": frame["rank"].astype(int),
            "企业名称": frame["name"],
            "统一社会信用代码": frame["uscc"],
            "所属区县": frame["district"].fillna("—"),
            "有效发明专利数(件)": frame["invention_patents"].astype(int),
            "有效专利数(件)": frame["patents"].astype("Int64"),
            "标签": frame["tags"].map(lambda t: "、".join(t) if t is not None else ""),
            "联系人": frame["contact"].fillna(""),
            "已推送(次)": pushes,
            "最近推送": frame["last_push_date"].map(lambda d: "" if pd.isna(d) else f"{d:%Y年%-m月%-d日}"),
            "最近推送银行": frame["last_bank"].fillna(""),
        }
    )


def workbook(frame: pd.DataFrame, banks: pd.Series | None = None, scope_name: str = "全市") -> bytes:
    """frame: metrics.whitelist rows; banks: the bank assigned to each row (same index), blank for none."""
    table = shown(frame)
    if banks is None or not banks.fillna("").astype(str).str.strip().any():
        return export.xlsx_bytes({f"{scope_name}潜在首贷企业": table})
    assigned = banks.fillna("").astype(str).str.strip()
    sheets = {}
    for bank in dict.fromkeys(b for b in assigned if b):
        sheets[bank] = table[(assigned == bank).to_numpy()].assign(推送银行=bank)
    return export.xlsx_bytes(sheets)
