"""Sentences generated from the metrics layer, in the register of the bureau's bulletins.
No number here is computed: each is read from a metrics result and formatted."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pledge import formats
from pledge.catalogue import BEHIND, CITY, SLIGHTLY_BEHIND, YI


def position(completion: float, progress: float) -> str:
    """高于序时进度3.2个百分点 / 低于… / 与序时进度持平."""
    gap = completion - progress
    if abs(gap) < 0.0005:
        return "与序时进度持平"
    word = "高于" if gap > 0 else "低于"
    return f"{word}序时进度{abs(gap) * 100:.1f}个百分点"


def yoy_phrase(change) -> str:
    """'，同比增长12.3%' (or 下降), empty when there is nothing to compare with."""
    if change is None or pd.isna(change):
        return ""
    return f"，同比{'增长' if change >= 0 else '下降'}{abs(change) * 100:.1f}%"


def _head(row: pd.Series, who: str, year: int, as_of: dt.date, no_target: str) -> str:
    """截至M月D日，<who>完成知识产权质押融资X亿元，占年度目标Y%，高于序时进度Z个百分点"""
    amount = row["loan_amount"] / YI
    text = f"截至{as_of.month}月{as_of.day}日，{who}完成知识产权质押融资{amount:.2f}亿元"
    if pd.isna(row["c_loan_amount"]):
        return text + f"（{year}年{no_target}）"
    return (
        text
        + f"，占年度目标{formats.pct(row['c_loan_amount'])}，{position(row['c_loan_amount'], row['time_progress'])}"
    )


def overview_sentence(progress: pd.DataFrame, year: int, as_of: dt.date) -> str:
    """截至10月31日，全市完成质押融资xx亿元，占年度目标xx%，高于序时进度x个百分点；x个区县滞后：……"""
    city = progress[progress["scope"] == CITY].iloc[0]
    head = _head(city, "全市", year, as_of, "尚未设定全市目标") + yoy_phrase(city["yoy_loan_amount"])
    districts = progress[progress["scope"] != CITY]
    behind = districts[districts["status"] == BEHIND]
    slightly = districts[districts["status"] == SLIGHTLY_BEHIND]
    parts = [head]
    if len(behind):
        names = "、".join(
            f"{r['name']}（{formats.pct(r['c_loan_amount'])}）"
            for r in behind[["name", "c_loan_amount"]].to_dict("records")
        )
        parts.append(f"{len(behind)}个区县滞后：{names}")
    if len(slightly):
        parts.append(f"{len(slightly)}个区县略滞后：" + "、".join(slightly["name"]))
    if not len(behind) and not len(slightly) and districts["status"].notna().any():
        parts.append("各区县均达到序时进度")
    return "；".join(parts) + "。"


def district_sentence(row: pd.Series, year: int, as_of: dt.date) -> str:
    """One district's position, for a viewer limited to that district."""
    text = _head(row, row["name"], year, as_of, "尚未设定目标")
    if not pd.isna(row["c_loan_amount"]) and not pd.isna(row["rank"]):
        text += f"，在各区县中排名第{int(row['rank'])}"
    return text + "。"
