"""Sentences generated from the metrics layer, in the register of the bureau's bulletins.
No number here is computed: each is read from a metrics result and formatted."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pledge import formats, metrics


def _position(completion: float, progress: float) -> str:
    gap = completion - progress
    if abs(gap) < 0.0005:
        return "与序时进度持平"
    word = "高于" if gap > 0 else "低于"
    return f"{word}序时进度{abs(gap) * 100:.1f}个百分点"


def overview_sentence(progress: pd.DataFrame, year: int, as_of: dt.date) -> str:
    """截至10月31日，全市完成质押融资xx亿元，占年度目标xx%，高于序时进度x个百分点；x个区县滞后：……"""
    tp = metrics.time_progress(year, as_of)
    city = progress[progress["scope"] == metrics.CITY].iloc[0]
    amount = city["loan_amount"] / metrics.SCALE["loan_amount"]
    head = f"截至{as_of.month}月{as_of.day}日，全市完成知识产权质押融资{amount:.2f}亿元"
    if pd.isna(city["c_loan_amount"]):
        head += f"（{year}年尚未设定全市目标）"
    else:
        head += f"，占年度目标{formats.pct(city['c_loan_amount'])}，{_position(city['c_loan_amount'], tp)}"
    change = city["yoy_loan_amount"]
    if not pd.isna(change):
        head += f"，同比{'增长' if change >= 0 else '下降'}{abs(change) * 100:.1f}%"
    districts = progress[progress["scope"] != metrics.CITY]
    behind = districts[districts["status"] == metrics.BEHIND]
    slightly = districts[districts["status"] == metrics.SLIGHTLY_BEHIND]
    parts = [head]
    if len(behind):
        names = "、".join(f"{r['name']}（{formats.pct(r['c_loan_amount'])}）" for _, r in behind.iterrows())
        parts.append(f"{len(behind)}个区县滞后：{names}")
    if len(slightly):
        parts.append(f"{len(slightly)}个区县略滞后：" + "、".join(slightly["name"]))
    if not len(behind) and not len(slightly) and districts["status"].notna().any():
        parts.append("各区县均达到序时进度")
    return "；".join(parts) + "。"


def district_sentence(row: pd.Series, year: int, as_of: dt.date) -> str:
    """One district's position, for a viewer limited to that district."""
    tp = metrics.time_progress(year, as_of)
    amount = row["loan_amount"] / metrics.SCALE["loan_amount"]
    text = f"截至{as_of.month}月{as_of.day}日，{row['name']}完成知识产权质押融资{amount:.2f}亿元"
    if pd.isna(row["c_loan_amount"]):
        text += f"（{year}年尚未设定目标）"
    else:
        text += f"，占年度目标{formats.pct(row['c_loan_amount'])}，{_position(row['c_loan_amount'], tp)}"
        if not pd.isna(row["rank"]):
            text += f"，在各区县中排名第{int(row['rank'])}"
    return text + "。"
