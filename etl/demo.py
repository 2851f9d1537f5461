"""The demo city 示例市 as an analyst receives it: the city of etl/demo_city.py written as
spreadsheets (title rows, a unit line, 合计 rows, cumulative monthly files that re-send earlier
loans and correct a slip) and loaded through the real pipeline, so the demo exercises what
production does; then the policy tools' demo data (质押登记, 增量扩面, 贴息) derived from it.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

from etl import demo_registrations
from etl.demo_city import CITY, DISTRICTS, DemoCity, generate

__all__ = ["CITY", "DISTRICTS", "DemoCity", "build_demo", "generate", "write_files"]

LEDGER_COLUMNS = [  # header, field, width
    ("企业名称", "enterprise_name", 30),
    ("统一社会信用代码", "uscc", 22),
    ("所属区县", "district", 16),
    ("质权人", "bank", 26),
    ("质押物类型", "pledge_type", 11),
    ("质押专利号", "patent_numbers", 40),
    ("质押专利件数", "patent_count", 12),
    ("质押登记号", "reg_no", 20),
    ("质押登记日", "reg_date", 12),
    ("贷款金额(万元)", "amount_wan", 14),
    ("放款日期", "loan_date", 12),
    ("贷款期限(月)", "term_months", 12),
    ("年利率(%)", "rate_pct", 10),
    ("是否首贷", "first_loan", 9),
    ("贴息金额(万元)", "subsidy_wan", 14),
    *demo_registrations.LEDGER_COLUMNS,
]
TARGET_HEADERS = ["区县", "质押融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"]
_MARKER = "说明.txt"


def _write_ledger(path: Path, title: str, loans: pd.DataFrame, aliases: dict[str, str] | None = None) -> Path:
    """One ledger as a bureau sends it: title, unit line, headers, one row per loan, 合计.
    With `aliases`, every sixth row names its district by the short form (高新区)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("台账")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True, "align": "center"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    width = len(LEDGER_COLUMNS) + 1
    sheet.merge_range(0, 0, 0, width - 1, title, book.add_format({"bold": True, "font_size": 14, "align": "center"}))
    sheet.write_string(1, 0, "单位：万元")
    sheet.write_string(2, 0, "序号", head)
    sheet.set_column(0, 0, 6)
    for col, (header, _, w) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.write_string(2, col, header, head)
        sheet.set_column(col, col, w)

    columns = []
    for _, field, _ in LEDGER_COLUMNS:
        series = loans[field]
        if field in ("loan_date", "reg_date"):
            values = [None if pd.isna(v) else v for v in series.dt.to_pydatetime()]
        elif field == "district" and aliases:
            values = [aliases.get(v, v) if i % 6 == 5 else v for i, v in enumerate(series.tolist())]
        else:
            values = series.tolist()
        columns.append(values)
    kinds = []
    for _, field, _ in LEDGER_COLUMNS:
        if field in ("loan_date", "reg_date"):
            kinds.append("date")
        elif field in ("amount_wan", "subsidy_wan", "patent_count", "term_months", "rate_pct", "balance_wan"):
            kinds.append("number")
        else:
            kinds.append("text")
    write_number, write_string, write_datetime = sheet.write_number, sheet.write_string, sheet.write_datetime
    for r in range(len(loans)):
        row = 3 + r
        write_number(row, 0, r + 1)
        for c, (values, kind) in enumerate(zip(columns, kinds), start=1):
            value = values[r]
            if value is None or value != value:  # blank, NaN or NA
                continue
            if kind == "number":
                write_number(row, c, value, money if c in (10, 15) else None)
            elif kind == "date":
                write_datetime(row, c, value, day)
            else:
                write_string(row, c, value)
    total = 3 + len(loans)
    sheet.write_string(total, 0, "合计")
    sheet.write_number(total, 10, float(loans["amount_wan"].sum()), money)
    sheet.write_number(total, 15, float(loans["subsidy_wan"].sum()), money)
    book.close()
    return path


def _write_targets(path: Path, year: int, targets: pd.DataFrame) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("目标分解")
    sheet.merge_range(
        0,
        0,
        0,
        len(TARGET_HEADERS) - 1,
        f"{year}年度知识产权质押融资目标任务分解表",
        book.add_format({"bold": True, "font_size": 14, "align": "center"}),
    )
    sheet.write_row(1, 0, TARGET_HEADERS, book.add_format({"bold": True, "border": 1, "text_wrap": True}))
    for r, row in enumerate(targets.itertuples(index=False), start=2):
        sheet.write_row(
            r,
            0,
            [
                row.district,
                float(row.loan_amount_yi),
                int(row.invention_patents),
                int(row.enterprises),
                int(row.first_time_enterprises),
            ],
        )
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, len(TARGET_HEADERS) - 1, 14)
    book.close()
    return path


def _write_districts(path: Path, districts) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("区县")
    sheet.write_row(0, 0, ["区县名称", "行政区划代码", "别名"], book.add_format({"bold": True}))
    for r, (name, code, aliases) in enumerate(districts, start=1):
        sheet.write_string(r, 0, name)
        sheet.write_string(r, 1, code)
        sheet.write_string(r, 2, "、".join(aliases))
    sheet.set_column(0, 2, 20)
    book.close()
    return path


def write_files(city: DemoCity, folder: Path) -> list[Path]:
    """The spreadsheets in the order an analyst would load them: the district list, each year's
    targets, a ledger per past year, and this year's cumulative monthly ledgers (1-8月, 1-9月,
    1-10月: each re-sends the earlier loans; the earlier ones carry a slip the last corrects)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    city = demo_registrations.after_loan(city)  # 贷款余额, 五级分类, credit lines
    if (folder / _MARKER).exists():  # a previous demo build: replace its files, touch nothing else
        for old in folder.glob("*.xlsx"):
            old.unlink()
    (folder / _MARKER).write_text(
        f"{CITY}演示数据：虚构的城市、企业、专利和贷款，由 etl/demo.py 生成（截至{city.today:%Y年%m月%d日}）。\n"
        "文件按导入顺序编号；本文件夹会在重新生成演示数据时被覆盖。\n",
        encoding="utf-8",
    )
    aliases = {name: names[0] for name, _, names in city.districts if names}
    files = [_write_districts(folder / "01_区县名单.xlsx", city.districts)]
    years = city.years
    for year in years:
        files.append(
            _write_targets(
                folder / f"{len(files) + 1:02d}_{year}年度知识产权质押融资目标任务分解表.xlsx",
                year,
                city.targets[city.targets["year"] == year],
            )
        )
    if not years:
        return files
    loan_year = city.loans["loan_date"].dt.year
    for year in years[:-1]:
        files.append(
            _write_ledger(
                folder / f"{len(files) + 1:02d}_{year}年全市知识产权质押融资台账.xlsx",
                f"{year}年全市知识产权质押融资情况统计表",
                city.loans[loan_year == year],
                aliases,
            )
        )
    last = years[-1]
    this_year = city.loans[loan_year == last]
    month = this_year["loan_date"].dt.month
    end_month = int(month.max())
    wrong = city.corrections.set_index("reg_no")["amount_wan"]
    for m in range(max(1, end_month - 2), end_month + 1):
        part = this_year[month <= m]
        if m < end_month and len(wrong):
            slipped = part["reg_no"].isin(wrong.index)
            part = part.assign(amount_wan=part["amount_wan"].where(~slipped, part["reg_no"].map(wrong)))
        files.append(
            _write_ledger(
                folder / f"{len(files) + 1:02d}_{last}年1-{m}月知识产权质押融资台账（累计）.xlsx",
                f"{last}年1-{m}月全市知识产权质押融资情况统计表",
                part,
                aliases,
            )
        )
    return files


# -- into a store --------------------------------------------------------------------------
def build_demo(
    store, today: dt.date | None = None, seed: int = 2025, scale: float = 1.0, folder: Path | None = None
) -> dict:
    """Generate the demo city, write its spreadsheets and load them through the pipeline, then
    label the database as demo data. Refuses a database that already holds real loans."""
    from etl import pipeline
    from pledge.sql import fetch_value
    from pledge.store import set_meta

    started = time.perf_counter()
    store.ensure_schema()
    with store.read() as con:
        real = fetch_value(con, "SELECT count(*) FROM v_loans") and not fetch_value(
            con, "SELECT count(*) FROM meta WHERE key = 'demo'"
        )
    if real:
        raise RuntimeError(f"数据库 {store.path} 中已有正式数据，不能混入演示数据（请另指定一个数据库文件）")
    checked = time.perf_counter()
    city = generate(seed=seed, today=today, scale=scale)
    generated = time.perf_counter()
    folder = Path(folder) if folder else store.path.parent / "demo"
    files = write_files(city, folder)
    files.append(demo_registrations.write_extract(city, folder, len(files) + 1))  # 质押登记
    written = time.perf_counter()
    for path in files:
        parsed, result = pipeline.import_path(store, path, user="demo")
        if result is None:
            problems = "\n".join(str(issue) for issue in parsed.errors[:20])
            more = f"\n……共{len(parsed.errors)}处错误" if len(parsed.errors) > 20 else ""
            raise RuntimeError(f"演示数据文件 {path.name} 未通过校验，未导入：\n{problems}{more}")
    from etl import (
        demo_outreach,  # 增量扩面: roster, events, demands and pushes matching this ledger
        demo_subsidy,  # 贴息: last year's policy and claims, walked through the workflow
    )

    outreach = demo_outreach.load_into(store, city, folder, len(files), seed)
    subsidy = demo_subsidy.build(store, folder, city.today, seed)
    with store.write() as con:
        set_meta(con, "demo", CITY)
    with store.read() as con:
        loaded = fetch_value(con, "SELECT count(*) FROM v_loans")
    done = time.perf_counter()
    return {
        "city": CITY,
        "folder": str(folder),
        "files": [p.name for p in files] + outreach + subsidy["files"],
        "loans": loaded,
        "generated_loans": len(city.loans),
        "subsidy_claims": subsidy["claims"],
        "years": city.years,
        "seconds": {
            "generate": round(generated - checked, 3),
            "write": round(written - generated, 3),
            "load": round(done - written, 3),
            "total": round(done - started, 3),
        },
    }
