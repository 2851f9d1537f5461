"""The demo city scaled to a province or a nation, loaded straight into a store.

The query benchmarks need 10k to 1M loans; writing and parsing a million-row spreadsheet would
measure the loader, not the queries, so here the generator's loans are normalised in bulk
(vectorised, the same rules as the pipeline: head banks, district codes, yuan, loan keys) and
handed to the same `load.load` the pipeline uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import numpy as np
import pandas as pd
import xlsxwriter

from etl import demo, load, normalise, pipeline
from etl.kinds.loans import loan_key
from etl.parse import ParsedFile
from pledge.store import Store

# Loans -> (districts, scale): about 3,000 districts at the national size.
SIZES = {10_000: 30, 100_000: 300, 1_000_000: 3000}


def scaled_city(loans: int, today: dt.date, seed: int = 7) -> demo.DemoCity:
    n_districts = SIZES.get(loans, max(10, loans // 330))
    # At scale 1, ten years of history hold about 6,250 loans.
    scale = loans / 6_250
    return demo.generate(seed=seed, today=today, scale=scale, n_districts=n_districts, first_year=today.year - 9)


def _districts_file(city: demo.DemoCity) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["区县名称", "行政区划代码", "别名"])
    for r, (name, code, aliases) in enumerate(city.districts, start=1):
        sheet.write_row(r, 0, [name, code, "、".join(aliases)])
    book.close()
    return buffer.getvalue()


def normalised(city: demo.DemoCity, store: Store) -> ParsedFile:
    """The loans as parse.py would have normalised them, built column-wise."""
    reference = pipeline.reference(store)
    loans = city.loans
    codes = {name: code for name, code, _ in city.districts}
    banks = {b: reference.head_bank(b) for b in loans["bank"].unique()}
    head = loans["bank"].map(banks)
    cents = (loans["amount_wan"] * 1_000_000).round().astype("int64")
    amounts = [Decimal(c) / 100 for c in cents]
    reg_nos = loans["reg_no"].astype(object).where(loans["reg_no"].notna(), None)
    keys = [loan_key(*row) for row in zip(reg_nos, loans["uscc"], head, loans["loan_date"].dt.date, amounts)]
    frame = pd.DataFrame(
        {
            "source_sheet": "台账",
            "source_row": np.arange(4, 4 + len(loans)),
            "loan_key": keys,
            "reg_no": loans["reg_no"],
            "reg_date": loans["reg_date"],
            "uscc": loans["uscc"],
            "enterprise_name": loans["enterprise_name"],
            "district_code": loans["district"].map(codes),
            "bank": head,
            "bank_raw": loans["bank"],
            "pledge_type": loans["pledge_type"],
            "patent_count": pd.array(loans["patent_count"], dtype="Int64"),
            "amount_cents": pd.array(cents, dtype="Int64"),
            "loan_date": loans["loan_date"],
            "term_months": pd.array(loans["term_months"], dtype="Int64"),
            "rate_pct": pd.array(loans["rate_pct"], dtype="Float64"),
            "first_loan": pd.array(loans["first_loan"] == "是", dtype="boolean"),
            "subsidy_cents": pd.array((loans["subsidy_wan"] * 1_000_000).round(), dtype="Int64"),
        }
    )
    frame["row_hash"] = pd.util.hash_pandas_object(
        frame.drop(columns=["source_sheet", "source_row"]), index=False
    ).astype(str)
    tokens = loans["patent_numbers"].str.split("、").explode()
    tokens = tokens[tokens.notna() & (tokens != "")]
    declared = loans["pledge_type"].reindex(tokens.index)
    parsed_tokens = {  # the pipeline's own reading of a number (and of a trademark), once per distinct value
        (token, kind): normalise.patent_numbers(token, kind)[0] for token, kind in set(zip(tokens, declared))
    }
    numbers = [parsed_tokens[(token, kind)] for token, kind in zip(tokens, declared)]
    patents = pd.DataFrame(
        {
            "row": tokens.index.to_numpy(),
            "patent_no": [number for number, _ in numbers],
            "patent_type": [patent_type for _, patent_type in numbers],
        }
    ).drop_duplicates(["row", "patent_no"])
    digest = hashlib.sha256(f"bench-{len(loans)}-{city.today}".encode()).hexdigest()
    return ParsedFile(
        f"bench_{len(loans)}.xlsx",
        digest,
        b"",
        kind="loans",
        sheets=["台账"],
        frame=frame,
        patents=patents,
        rows_read=len(frame),
    )


def build_store(path, loans: int, today: dt.date) -> tuple[Store, demo.DemoCity]:
    """A fresh store with a scaled city: districts, targets for every year, and the loans."""
    store = Store(path, timeout=600)
    for p in (store.path, store.path.with_name(store.path.name + ".wal")):
        p.unlink(missing_ok=True)
    store.ensure_schema()
    city = scaled_city(loans, today)
    parsed = pipeline.parse_bytes(store, _districts_file(city), "区县名单.xlsx")
    load.load(store, parsed, user="bench")
    for year in city.years:
        rows = city.targets[city.targets["year"] == year]
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet()
        sheet.write(0, 0, f"{year}年度目标")
        sheet.write_row(1, 0, ["区县", "质押融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"])
        for r, row in enumerate(rows.itertuples(index=False), start=2):
            sheet.write_row(
                r,
                0,
                [
                    row.district,
                    row.loan_amount_yi,
                    int(row.invention_patents),
                    int(row.enterprises),
                    int(row.first_time_enterprises),
                ],
            )
        book.close()
        parsed = pipeline.parse_bytes(store, buffer.getvalue(), f"{year}年度目标.xlsx", kind="targets", year=year)
        assert parsed.ok, parsed.errors[:3]
        load.load(store, parsed, user="bench")
    load.load(store, normalised(city, store), user="bench")
    return store, city
