"""What the upload page shows before anything is written: the column mapping, the first
normalised rows in the analyst's terms, and the findings."""

from __future__ import annotations

import pandas as pd

from etl.parse import ParsedFile
from etl.reference import Reference

MAPPING_COLUMNS = {"sheet": "工作表", "column": "列", "header": "文件中的表头", "field": "识别为", "unit": "单位"}
TARGET_LABELS = {
    "loan_amount": "质押融资金额(亿元)", "invention_patents": "质押发明专利(件)", "enterprises": "惠及企业(家)",
    "first_time_enterprises": "首贷企业(家)", "loans": "质押笔数", "subsidy": "贴息金额(万元)",
}
_TARGET_SCALE = {"loan_amount": 100_000_000, "subsidy": 10_000}


def mapping_frame(parsed: ParsedFile) -> pd.DataFrame:
    return pd.DataFrame(parsed.mapping, columns=list(MAPPING_COLUMNS)).rename(columns=MAPPING_COLUMNS)


def rows_frame(parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
    """The first normalised rows as they will be stored, with Chinese headers and bureau units."""
    if parsed.frame is None or parsed.frame.empty:
        return pd.DataFrame()
    frame = parsed.frame.head(limit)
    names = reference.district_names
    if parsed.kind == "loans":
        patents = parsed.patents[parsed.patents["row"] < limit] if parsed.patents is not None else None
        listed = (
            patents.groupby("row")["patent_no"].agg("、".join) if patents is not None and len(patents) else pd.Series(dtype=str)
        )
        return pd.DataFrame({
            "工作表": frame["source_sheet"], "行号": frame["source_row"], "企业名称": frame["enterprise_name"],
            "统一社会信用代码": frame["uscc"], "区县": frame["district_code"].map(names),
            "质权人": frame["bank"], "文件中的银行": frame["bank_raw"],
            "贷款金额(万元)": frame["amount_cents"].astype("Float64") / 1_000_000,
            "放款日期": frame["loan_date"].dt.date, "首贷": frame["first_loan"].map({True: "是", False: "否"}),
            "质押物类型": frame["pledge_type"], "质押专利号": [listed.get(i) for i in range(len(frame))],
            "质押登记号": frame["reg_no"],
        })
    if parsed.kind == "targets":
        wide = frame.assign(value=[float(v) / _TARGET_SCALE.get(m, 1) for v, m in zip(frame["value"], frame["metric"])])
        table = wide.pivot_table(index="scope", columns="metric", values="value", aggfunc="first")
        table = table.rename(columns=TARGET_LABELS).reset_index()
        table.insert(0, "区县", table.pop("scope").map(lambda s: "全市" if s == "CITY" else names.get(s, s)))
        table.insert(0, "年度", parsed.year)
        return table
    return pd.DataFrame({
        "区县名称": frame["name"], "行政区划代码": frame["code"], "别名": frame["aliases"].map("、".join),
    })
