"""The demo city's after-loan columns and its CNIPA pledge registration extract (登记核对, 贷后).

Derived from the demo ledger (etl/demo.py), reproducibly:
- `after_loan(city)`: 贷款余额 (0 once matured, a few overdue) and 五级分类 for every loan, as the
  ledgers report them at the data's end; and three credit lines: a second loan of an enterprise
  that the bank reports without a 登记号, pledging the patents its first loan registered.
- `write_extract(city, folder, number)`: the gazette events of the last two years' loans: PE01 for
  every registered loan (a loan reported without a 登记号 is registered under one the ledger does
  not know, and is matched by its patents), PC01 when a loan matured, and planted anomalies: loans
  never registered (未见登记), registrations with no loan (疑似漏报, two by pledgors no ledger
  knows), pledgees that are guarantee companies (反担保), releases before maturity (提前解除), two of
  them pledged again within days (续贷), and pledged patents lapsing while pledged (质物失效).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xlsxwriter

from etl.checksums import patent_check_char, uscc_check_char

if TYPE_CHECKING:
    from etl.demo_city import DemoCity

LEDGER_COLUMNS = [("贷款余额(万元)", "balance_wan", 14), ("五级分类", "risk_class", 10)]
RISK = ["正常", "关注", "次级", "可疑", "损失"]
RISK_P = [0.93, 0.045, 0.014, 0.008, 0.003]
GUARANTORS = ["示例市科技融资担保有限公司", "示例市中小企业融资担保有限公司"]
PLANTED = {"unregistered": 5, "unreported": 6, "unknown": 2, "guarantee": 4, "early": 5, "renewed": 2, "lapsed": 3}
SEED = 11


def _end(city: DemoCity) -> pd.Timestamp:
    return pd.Timestamp(city.today.replace(day=1) - dt.timedelta(days=1))


def _maturity(loans: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [d + pd.DateOffset(months=int(t)) for d, t in zip(loans["loan_date"], loans["term_months"])],
        index=loans.index,
    )


def _patents(cell: str) -> list[str]:
    return [t for t in str(cell).split("、") if t.startswith("ZL")]


def after_loan(city: DemoCity) -> DemoCity:
    """The city with 贷款余额, 五级分类 and three credit lines (see the module's note)."""
    loans = city.loans.copy()
    end = _end(city)
    rng = np.random.default_rng([SEED, end.year])
    maturity = _maturity(loans)
    matured = (maturity <= end).to_numpy()
    share = np.round(rng.uniform(0.5, 1.0, len(loans)), 2)
    balance = np.where(matured, 0.0, np.round(loans["amount_wan"].to_numpy() * share, -1))
    risk = rng.choice(RISK, size=len(loans), p=RISK_P).astype(object)
    risk[matured] = None  # repaid: no longer classified
    # A few loans matured in the last half year are not repaid: overdue, classed 次级 or 可疑.
    recent = np.flatnonzero(matured & (maturity > end - pd.Timedelta(days=180)).to_numpy())
    late = rng.choice(recent, size=min(4, len(recent)), replace=False) if len(recent) else np.array([], int)
    balance[late] = np.round(loans["amount_wan"].to_numpy()[late] * 0.8, -1)
    risk[late] = rng.choice(["次级", "可疑"], size=len(late))
    loans["balance_wan"], loans["risk_class"] = balance, risk

    # Credit lines: a second loan of the enterprise within 20-80 days of a registered first one.
    corrected = set(city.corrections["reg_no"])
    candidates = loans[
        (loans["loan_date"].dt.year == end.year)
        & loans["reg_no"].notna()
        & ~loans["reg_no"].isin(corrected)
        & loans["patent_numbers"].str.startswith("ZL")
        & (loans["pledge_type"] != "混合")
    ].sort_values(["uscc", "loan_date"])
    pairs = candidates.assign(next_index=candidates.index.to_series().groupby(candidates["uscc"]).shift(-1))
    pairs = pairs[pairs["next_index"].notna()]
    gap = (loans.loc[pairs["next_index"].astype(int), "loan_date"].to_numpy() - pairs["loan_date"].to_numpy()).astype(
        "timedelta64[D]"
    )
    same_bank = loans.loc[pairs["next_index"].astype(int), "bank"].to_numpy() == pairs["bank"].to_numpy()
    near = (gap >= np.timedelta64(20, "D")) & (gap <= np.timedelta64(80, "D"))
    chosen = pairs[near & same_bank].drop_duplicates("uscc").head(3)
    for first, second in zip(chosen.index, chosen["next_index"].astype(int)):
        for column in ("patent_numbers", "pledge_type", "patent_count"):
            loans.at[second, column] = loans.at[first, column]
        loans.at[second, "reg_no"], loans.at[second, "reg_date"] = None, pd.NaT
    return dataclasses.replace(city, loans=loans)


def _invention(serial: int, year: int = 2021) -> str:
    digits = f"{year}1{serial:07d}"
    return f"ZL{digits}.{patent_check_char(digits)}"


def _uscc(code: str, serial: int) -> str:
    first = f"91{code}MA{serial:07d}"
    return first + uscc_check_char(first)


def _events(city: DemoCity) -> pd.DataFrame:
    loans = after_loan(city).loans
    end = _end(city)
    rng = np.random.default_rng([SEED, end.year, 1])
    recent = loans[(loans["loan_date"].dt.year >= end.year - 1)].copy()
    recent["patents"] = recent["patent_numbers"].map(_patents)
    recent = recent[recent["patents"].map(len) > 0]
    recent["maturity"] = _maturity(recent)
    codes = {name: code for name, code, _ in city.districts}

    # Loans reported without a 登记号: registered under a number the ledger does not know, except
    # credit lines (their first loan's registration covers them) and the planted 未见登记.
    bare = recent[recent["reg_no"].isna()]
    covered = bare["patent_numbers"].isin(recent.loc[recent["reg_no"].notna(), "patent_numbers"]) & bare["uscc"].isin(
        recent.loc[recent["reg_no"].notna(), "uscc"]
    )
    unregistered = bare[
        ~covered & (bare["loan_date"].dt.year == end.year) & (bare["loan_date"] <= end - pd.Timedelta(days=45))
    ].head(PLANTED["unregistered"])
    own = bare[~covered & ~bare.index.isin(unregistered.index)]
    lag = pd.to_timedelta(rng.integers(0, 21, len(own)), unit="D")
    registered = pd.concat(
        [
            recent[recent["reg_no"].notna()],
            own.assign(
                reg_no=[
                    f"Y{d.year}{codes[n]}8{i:05d}" for i, (d, n) in enumerate(zip(own["loan_date"], own["district"]))
                ],
                reg_date=own["loan_date"] - lag,
            ),
        ]
    )
    registered["pledgee"] = registered["bank"]
    guarantee = registered[registered["reg_date"].dt.year == end.year].sample(PLANTED["guarantee"], random_state=SEED)
    registered.loc[guarantee.index, "pledgee"] = [GUARANTORS[i % 2] for i in range(len(guarantee))]
    # The gazette writes some names otherwise: 有限责任公司, and gives the USCC for about half.
    pledgor = registered["enterprise_name"].where(
        rng.random(len(registered)) < 0.9, registered["enterprise_name"].str.replace("有限公司", "有限责任公司")
    )
    registered["pledgor"] = pledgor
    registered["pledgor_uscc"] = registered["uscc"].where(rng.random(len(registered)) < 0.5)

    rows: list[dict] = []

    def pe01(reg_no, day, patents, pledgor_name, pledgee, uscc=None) -> None:
        for patent in patents:
            rows.append(
                {
                    "事件": "PE01",
                    "专利号": patent,
                    "登记号": reg_no,
                    "日期": day,
                    "出质人": pledgor_name,
                    "质权人": pledgee,
                }
                | {"出质人统一社会信用代码": uscc}
            )

    for r in registered.itertuples():
        pe01(r.reg_no, r.reg_date, r.patents, r.pledgor, r.pledgee, r.pledgor_uscc)

    # Releases: at maturity (within 10 days), or planted before it; two of those pledged again.
    open_ = registered[registered["maturity"] > end]
    early = open_[
        (open_["reg_date"].dt.year == end.year)
        & (open_["reg_date"] < end - pd.Timedelta(days=120))
        & (open_["maturity"] > end + pd.Timedelta(days=60))
        & ~open_.index.isin(guarantee.index)
    ].head(PLANTED["early"])
    released = registered[registered["maturity"] <= end]
    release_day = released["maturity"] + pd.to_timedelta(rng.integers(0, 11, len(released)), unit="D")
    released = released.assign(release=release_day.where(release_day <= end, end))
    early = early.assign(release=early["reg_date"] + pd.Timedelta(days=90))
    for r in pd.concat([released, early]).itertuples():
        for patent in r.patents:
            rows.append(
                {"事件": "PC01", "专利号": patent, "登记号": r.reg_no, "日期": r.release}
                | {"出质人": r.pledgor, "质权人": r.pledgee}
            )
    for i, r in enumerate(early.head(PLANTED["renewed"]).itertuples()):
        pe01(
            f"Y{end.year}{codes[r.district]}7{i:05d}",
            r.release + pd.Timedelta(days=12),
            r.patents,
            r.pledgor,
            r.pledgee,
        )

    # Registrations no ledger reports: enterprises of the ledger with new patents and a bank, and
    # two local pledgors the ledgers do not know (their USCC names the district).
    months = pd.date_range(end - pd.Timedelta(days=300), end - pd.Timedelta(days=100), periods=PLANTED["unreported"])
    known = loans.drop_duplicates("uscc").sample(PLANTED["unreported"], random_state=SEED)
    for i, (day, r) in enumerate(zip(months, known.itertuples())):
        pe01(
            f"Y{end.year}{codes[r.district]}6{i:05d}",
            day.normalize(),
            [_invention(9_000_000 + i)],
            r.enterprise_name,
            r.bank,
        )
    districts = list(codes.items())
    for i in range(PLANTED["unknown"]):
        name, code = districts[i % len(districts)]
        pledgor_name = f"{name.removesuffix('区').removesuffix('县')}精密制造有限公司"
        pe01(
            f"Y{end.year}{code}5{i:05d}",
            months[i].normalize() + pd.Timedelta(days=3),
            [_invention(9_100_000 + i)],
            pledgor_name,
            "中国工商银行示例市东湖支行",
            _uscc(code, 9_000 + i),
        )

    # Pledged patents lapsing while pledged (open at the end, registered this year).
    still_open = registered[
        (registered["maturity"] > end)
        & (registered["reg_date"].dt.year == end.year)
        & ~registered.index.isin(early.index)
        & (registered["reg_date"] < end - pd.Timedelta(days=60))
    ].head(PLANTED["lapsed"])
    for i, r in enumerate(still_open.itertuples()):
        event = "IW01" if i == 0 else "CF01"
        rows.append({"事件": event, "专利号": r.patents[0], "日期": r.reg_date + pd.Timedelta(days=45)})
    events = pd.DataFrame(
        rows, columns=["事件", "专利号", "登记号", "日期", "出质人", "质权人", "出质人统一社会信用代码"]
    )
    return events.sort_values(["日期", "登记号", "专利号"], kind="stable").reset_index(drop=True)


def write_extract(city: DemoCity, folder: Path, number: int) -> Path:
    """The extract as a bureau would keep it: a title, the headers, one event and patent a row."""
    events = _events(city)
    end = _end(city)
    path = Path(folder) / f"{number:02d}_{end.year - 1}-{end.year}年专利权质押登记（公报摘录）.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("质押登记")
    sheet.write_string(0, 0, f"{end.year - 1}年1月—{end.year}年{end.month}月本市专利权质押登记事件（专利公报摘录）")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for col, (name, width) in enumerate(zip(events.columns, (8, 20, 22, 12, 30, 30, 22))):
        sheet.write_string(1, col, name, head)
        sheet.set_column(col, col, width)
    for r, values in enumerate(events.itertuples(index=False), start=2):
        for c, value in enumerate(values):
            if value is None or value != value:
                continue
            if isinstance(value, pd.Timestamp):
                sheet.write_datetime(r, c, value.to_pydatetime(), day)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return path
