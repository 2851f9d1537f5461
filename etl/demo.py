"""The demo city 示例市: a reproducible, fictional city with districts, banks, enterprises,
several years of pledge loans up to last month, and targets. It is written as the spreadsheets
an analyst would receive (title rows, unit lines, 合计 rows, cumulative monthly files with a
correction) and loaded through the real pipeline, so the demo exercises what production does.

`generate(scale=...)` also feeds the benchmarks (more loans, more districts)."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from etl.checksums import USCC_CHARSET, patent_check_char, uscc_check_char

CITY = "示例市"
DISTRICTS = [
    ("东湖区", "990102", ["东湖"]), ("西山区", "990103", ["西山"]), ("南岸区", "990104", ["南岸"]),
    ("北城区", "990105", ["北城"]), ("云溪区", "990106", ["云溪"]), ("江北新区", "990107", ["江北"]),
    ("高新技术产业开发区", "990171", ["高新区"]), ("经济技术开发区", "990172", ["经开区"]),
    ("临江县", "990121", ["临江"]), ("青石县", "990122", ["青石"]),
]
# How much each district borrows, and how ambitious its targets are: some run ahead, some lag.
STRENGTH = [1.5, 1.0, 0.8, 0.9, 0.6, 0.9, 1.7, 1.3, 0.45, 0.35]
AMBITION = [0.95, 1.05, 1.30, 1.10, 0.90, 1.45, 1.00, 1.15, 1.25, 0.85]
BANKS = [
    "中国工商银行示例市东湖支行", "工行高新支行", "中国建设银行示例市分行", "建行临江支行", "中国银行示例市分行",
    "农行西山支行", "中国农业银行示例市经开区支行", "招商银行示例市分行", "交通银行示例市分行", "兴业银行示例市分行",
    "浦发银行示例市分行", "示例农村商业银行",
]
BANK_WEIGHTS = [10, 6, 9, 3, 7, 4, 4, 6, 4, 3, 2, 5]
SEASON = [0.6, 0.55, 0.9, 0.85, 0.95, 1.35, 0.8, 0.8, 1.0, 0.9, 1.1, 1.5]
WORDS = ("华创 瑞丰 博远 恒信 天成 睿智 卓越 鼎盛 联创 新航 星辰 海纳 智远 宏图 凯盛 中科 汇通 泰和 云帆 启明 "
         "金石 永泰 嘉禾 锐思 光华 润泽 同创 远景 德信 安泰 九州 晟达 旭日 翔宇 青松 明德 长青 宇航 华辰 博雅").split()
INDUSTRIES = ["科技", "生物医药", "新材料", "智能装备", "电子", "软件", "新能源", "精密机械", "环保科技", "光电", "半导体", "医疗器械"]
PLEDGE_TYPE_WEIGHTS = {"发明专利": 70, "实用新型": 12, "混合": 8, "商标": 6, "外观设计": 4}
TYPE_DIGIT = {"发明专利": "1", "实用新型": "2", "外观设计": "3"}


@dataclass
class DemoCity:
    today: dt.date
    districts: list[tuple[str, str, list[str]]]
    loans: pd.DataFrame  # one row per loan, final (corrected) values
    targets: pd.DataFrame  # year, district (or 全市), loan_amount_yi, invention_patents, enterprises, first_time_enterprises
    corrections: pd.DataFrame  # reg_no, wrong amount_wan sent in an earlier cumulative file

    @property
    def years(self) -> list[int]:
        return sorted(self.loans["loan_date"].dt.year.unique().tolist())


def _districts(n: int) -> tuple[list, list[float], list[float]]:
    if n <= len(DISTRICTS):
        return DISTRICTS[:n], STRENGTH[:n], AMBITION[:n]
    extra = []
    for i in range(len(DISTRICTS), n):  # province- and nation-scale benchmarks
        prefix = 10 + i // 90
        extra.append((f"示例{i + 1}区", f"{prefix:02d}{(i % 90) + 10:02d}{(i // 9) % 90 + 10:02d}"[:6], []))
    codes = {c for _, c, _ in DISTRICTS}
    unique = []
    for name, code, aliases in extra:
        while code in codes:
            code = f"{(int(code) + 7) % 900000 + 100000:06d}"
        codes.add(code)
        unique.append((name, code, aliases))
    rng = random.Random(n)
    return (DISTRICTS + unique, STRENGTH + [rng.uniform(0.3, 1.5) for _ in unique],
            AMBITION + [rng.uniform(0.85, 1.4) for _ in unique])


def _uscc(code: str, serial: int) -> str:
    body = "91" + code + "MA" + "".join(USCC_CHARSET[(serial // 31 ** k) % 31] for k in range(6, -1, -1))
    return body + uscc_check_char(body)


def _patent(year: int, kind: str, serial: int) -> str:
    digits = f"{year}{TYPE_DIGIT[kind]}{serial % 10_000_000:07d}"
    return f"ZL{digits}.{patent_check_char(digits)}"


def generate(seed: int = 2025, today: dt.date | None = None, scale: float = 1.0, n_districts: int = 10,
             first_year: int | None = None) -> DemoCity:
    today = today or dt.date.today()
    end = today.replace(day=1) - dt.timedelta(days=1)  # the last day of last month
    first_year = first_year or end.year - 5
    rng = np.random.default_rng(seed)
    districts, strength, ambition = _districts(n_districts)
    weights = np.array(strength) / sum(strength)

    n_enterprises = max(len(districts) * 3, int(420 * scale))
    ent_district = rng.choice(len(districts), size=n_enterprises, p=weights)
    ent_name = [f"{CITY}{WORDS[i % len(WORDS)]}{INDUSTRIES[(i // len(WORDS)) % len(INDUSTRIES)]}"
                + ("" if i < len(WORDS) * len(INDUSTRIES) else f"{i // (len(WORDS) * len(INDUSTRIES)) + 1}号")
                + ("股份有限公司" if i % 7 == 0 else "有限公司") for i in range(n_enterprises)]
    ent_uscc = [_uscc(districts[d][1], i + 1) for i, d in enumerate(ent_district)]

    frames = []
    for year in range(first_year, end.year + 1):
        last_month = 12 if year < end.year else end.month
        per_year = int((330 + 70 * (year - first_year)) * scale)
        season = np.array(SEASON[:last_month])
        n = int(per_year * season.sum() / sum(SEASON))
        months = rng.choice(np.arange(1, last_month + 1), size=n, p=season / season.sum())
        days = np.minimum(rng.integers(1, 29, size=n) + rng.integers(0, 3, size=n), 28)
        frames.append(pd.DataFrame({"year": year, "month": months, "day": days}))
    loans = pd.concat(frames, ignore_index=True)
    n = len(loans)
    loans["loan_date"] = pd.to_datetime(dict(year=loans["year"], month=loans["month"], day=loans["day"]))
    loans = loans.sort_values("loan_date", kind="stable").reset_index(drop=True)
    # Enterprises borrow by district strength, and only from the year they enter the market, so
    # that every year brings first-time borrowers.
    span = end.year - first_year + 1
    entry = first_year + np.where(rng.random(n_enterprises) < 0.35, 0, rng.integers(0, span, size=n_enterprises))
    ent = np.empty(n, dtype=int)
    for year in range(first_year, end.year + 1):
        rows = np.flatnonzero(loans["loan_date"].dt.year.to_numpy() == year)
        eligible = np.flatnonzero(entry <= year)
        p = weights[ent_district[eligible]] * np.where(entry[eligible] == year, 2.5, 1.0)
        ent[rows] = rng.choice(eligible, size=len(rows), p=p / p.sum())
    loans["ent"] = ent
    loans["district"] = [districts[ent_district[e]][0] for e in ent]
    loans["enterprise_name"] = [ent_name[e] for e in ent]
    loans["uscc"] = [ent_uscc[e] for e in ent]
    loans["bank"] = rng.choice(BANKS, size=n, p=np.array(BANK_WEIGHTS) / sum(BANK_WEIGHTS))
    amount = np.exp(rng.normal(np.log(450), 0.85, size=n))
    loans["amount_wan"] = np.clip(np.round(amount / 10) * 10, 50, 30000).astype(float)
    first_seen = ~pd.Series(ent).duplicated().to_numpy()
    loans["first_loan"] = np.where(first_seen & (rng.random(n) < 0.85), "是", "否")
    kinds = list(PLEDGE_TYPE_WEIGHTS)
    loans["pledge_type"] = rng.choice(kinds, size=n, p=np.array(list(PLEDGE_TYPE_WEIGHTS.values())) / 100)
    counts = rng.integers(1, 5, size=n)
    numbers, declared = [], []
    serial = 1
    for i in range(n):
        kind, year = loans.at[i, "pledge_type"], int(loans.at[i, "year"])
        # An enterprise re-pledges its own patents: the serial is drawn from its small pool.
        pool = int(loans.at[i, "ent"]) * 11
        picks = sorted({pool + int(k) for k in rng.integers(0, 8, size=counts[i])})
        if kind == "商标":
            listed = [f"{30_000_000 + p:08d}" for p in picks]
        elif kind == "混合":
            listed = [_patent(year - 1 - p % 6, "发明专利", p) for p in picks[:-1]] + [f"{30_000_000 + picks[-1]:08d}"]
        else:
            listed = [_patent(year - 1 - p % 6, kind, p + (0 if kind == "发明专利" else 5_000_000)) for p in picks]
        serial += 1
        numbers.append("、".join(listed))
        declared.append(len(listed))
    loans["patent_numbers"] = numbers
    loans["patent_count"] = declared
    has_reg = rng.random(n) < 0.92
    codes = {name: code for name, code, _ in districts}
    loans["reg_no"] = [f"Y{d.year}{codes[dist]}{i + 1:06d}" if r else None
                       for i, (d, dist, r) in enumerate(zip(loans["loan_date"], loans["district"], has_reg))]
    loans["reg_date"] = loans["loan_date"] - pd.to_timedelta(rng.integers(0, 12, size=n), unit="D")
    loans["term_months"] = rng.choice([6, 12, 12, 12, 24, 36], size=n)
    loans["rate_pct"] = np.round(rng.uniform(2.8, 4.8, size=n), 2)
    subsidised = (loans["amount_wan"] <= 2000) & (rng.random(n) < 0.45)
    loans["subsidy_wan"] = np.where(subsidised, np.round(loans["amount_wan"] * loans["rate_pct"] / 100 * 0.5
                                                         * loans["term_months"] / 12, 2), np.nan)
    loans = loans.drop(columns=["year", "month", "day", "ent"])

    targets = _targets(loans, districts, ambition, first_year, end.year, rng)
    current = loans[(loans["loan_date"].dt.year == end.year) & loans["reg_no"].notna()]
    wrong = current.sample(n=min(3, len(current)), random_state=seed)
    corrections = pd.DataFrame({"reg_no": wrong["reg_no"], "amount_wan": wrong["amount_wan"] * 10})  # a unit slip
    return DemoCity(today, districts, loans, targets, corrections)


def _targets(loans: pd.DataFrame, districts, ambition, first_year: int, last_year: int, rng) -> pd.DataFrame:
    """Each year's targets: the district's last full year pushed by its ambition (grouped, not looped,
    so that a nation-sized benchmark city stays quick)."""
    year = loans["loan_date"].dt.year
    grouped = loans.assign(year=year, first=loans["first_loan"] == "是").groupby(["year", "district"]).agg(
        amount=("amount_wan", "sum"), loans=("uscc", "size"), enterprises=("uscc", "nunique"), first=("first", "sum"))
    names = [name for name, _, _ in districts]
    push = pd.Series(ambition, index=names)
    rows = []
    for target_year in range(first_year, last_year + 1):
        base_year = min(target_year, max(first_year, last_year - 1))
        base = grouped.xs(base_year, level="year") if base_year in grouped.index.get_level_values(0) else grouped.iloc[:0]
        base = base.reindex(names).fillna(0)
        boost = 1.12 if target_year == last_year else 1.0
        rows.append(pd.DataFrame({
            "year": target_year, "district": names,
            "loan_amount_yi": np.maximum(0.1, base["amount"] / 10_000 * push * boost).round(2).to_numpy(),
            "invention_patents": np.maximum(2, (base["loans"] * 1.6 * push).astype(int)).to_numpy(),
            "enterprises": np.maximum(2, (base["enterprises"] * push).astype(int)).to_numpy(),
            "first_time_enterprises": np.maximum(1, (base["first"] * push).astype(int)).to_numpy(),
        }))
    frame = pd.concat(rows, ignore_index=True)
    city = frame.groupby("year", as_index=False).sum(numeric_only=True)
    city["district"] = "全市"
    city["loan_amount_yi"] = (city["loan_amount_yi"] * 1.05).round(2)
    return pd.concat([city, frame], ignore_index=True)[frame.columns]


# -- spreadsheets --------------------------------------------------------------------------
LEDGER_COLUMNS = [
    ("企业名称", "enterprise_name", 30), ("统一社会信用代码", "uscc", 22), ("所属区县", "district", 16),
    ("质权人", "bank", 26), ("质押物类型", "pledge_type", 11), ("质押专利号", "patent_numbers", 40),
    ("质押专利件数", "patent_count", 12), ("质押登记号", "reg_no", 20), ("质押登记日", "reg_date", 12),
    ("贷款金额(万元)", "amount_wan", 14), ("放款日期", "loan_date", 12), ("贷款期限(月)", "term_months", 12),
    ("年利率(%)", "rate_pct", 10), ("是否首贷", "first_loan", 9), ("贴息金额(万元)", "subsidy_wan", 14),
]


def _write_ledger(path: Path, title: str, loans: pd.DataFrame) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("台账")
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write(1, 0, "单位：万元")
    for col, (header, _, width) in enumerate(LEDGER_COLUMNS):
        sheet.write(2, col, header, bold)
        sheet.set_column(col, col, width)
    columns = [loans[field].tolist() for _, field, _ in LEDGER_COLUMNS]
    for r in range(len(loans)):
        for c, values in enumerate(columns):
            value = values[r]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if isinstance(value, pd.Timestamp):
                sheet.write_datetime(3 + r, c, value.to_pydatetime(), day)
            elif isinstance(value, (np.integer, np.floating)):
                sheet.write_number(3 + r, c, value.item())
            else:
                sheet.write(3 + r, c, value)
    total_row = 3 + len(loans)
    sheet.write(total_row, 0, "合计")
    sheet.write_number(total_row, 9, float(loans["amount_wan"].sum()))
    book.close()
    return path


def _write_targets(path: Path, year: int, targets: pd.DataFrame) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("目标")
    sheet.write(0, 0, f"{year}年度知识产权质押融资目标任务分解表")
    headers = ["区县", "质押融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"]
    sheet.write_row(1, 0, headers)
    for r, row in enumerate(targets.itertuples(index=False), start=2):
        sheet.write_row(r, 0, [row.district, row.loan_amount_yi, int(row.invention_patents), int(row.enterprises),
                               int(row.first_time_enterprises)])
    sheet.set_column(0, 4, 18)
    book.close()
    return path


def write_files(city: DemoCity, folder: Path) -> list[Path]:
    """The spreadsheets in the order an analyst would load them."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    book = xlsxwriter.Workbook(str(folder / "区县名单.xlsx"))
    sheet = book.add_worksheet("区县")
    sheet.write_row(0, 0, ["区县名称", "行政区划代码", "别名"])
    for r, (name, code, aliases) in enumerate(city.districts, start=1):
        sheet.write_row(r, 0, [name, code, "、".join(aliases)])
    book.close()
    files.append(folder / "区县名单.xlsx")
    years = city.years
    for year in years:
        files.append(_write_targets(folder / f"{year}年度质押融资目标.xlsx", year, city.targets[city.targets["year"] == year]))
    last = years[-1]
    for year in years[:-1]:
        part = city.loans[city.loans["loan_date"].dt.year == year]
        files.append(_write_ledger(folder / f"{year}年知识产权质押融资台账.xlsx", f"{year}年全市知识产权质押融资情况统计表", part))
    this_year = city.loans[city.loans["loan_date"].dt.year == last]
    end_month = int(this_year["loan_date"].dt.month.max()) if len(this_year) else 1
    for month in range(max(1, end_month - 2), end_month + 1):  # cumulative files: 1-8月, 1-9月, 1-10月
        part = this_year[this_year["loan_date"].dt.month <= month].copy()
        if month < end_month:  # an earlier file carried a unit slip, corrected in the latest one
            wrong = part["reg_no"].isin(city.corrections["reg_no"])
            part.loc[wrong, "amount_wan"] = part.loc[wrong, "reg_no"].map(
                city.corrections.set_index("reg_no")["amount_wan"])
        files.append(_write_ledger(folder / f"{last}年1-{month}月知识产权质押融资台账.xlsx",
                                   f"{last}年1-{month}月全市知识产权质押融资情况统计表", part))
    return files


def build_demo(store, today: dt.date | None = None, seed: int = 2025, scale: float = 1.0,
               folder: Path | None = None) -> dict:
    """Generate the demo city, write its spreadsheets and load them through the pipeline."""
    from etl import pipeline
    from pledge.store import set_meta

    city = generate(seed=seed, today=today, scale=scale)
    folder = folder or store.path.parent / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    files = write_files(city, folder)
    for path in files:
        parsed, result = pipeline.import_path(store, path, user="demo")
        if result is None:
            problems = "\n".join(str(issue) for issue in parsed.errors[:10])
            raise RuntimeError(f"演示数据文件 {path.name} 未通过校验：\n{problems}")
    with store.write() as con:
        set_meta(con, "demo", CITY)
    return {"files": len(files), "loans": len(city.loans), "years": city.years}
