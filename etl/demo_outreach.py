"""增量扩面 for the demo city: a roster of a few thousand enterprises (every borrower of the ledger
and many that never borrowed), matchmaking events with attendee lists, financing demands with the
banks' feedback, and white-list pushes, all consistent with the demo's ledger: a demand or push
that ends in a loan precedes the enterprise's loan by less than the matching window, so the funnel
finds it in the ledger. Column-wise with numpy, reproducible from the seed, under two seconds.

`load_into(store, city, folder)` writes the three files (企业名单 twice: a patent-holder list and a
专精特新 list that merge by USCC; 对接活动 with its 对接企业名单 sheet; 融资需求), loads them through
the pipeline and records the pushes as one batch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from etl.demo_city import BANKS, CITY, INDUSTRIES, WORDS, DemoCity, _usccs

HEAD_BANKS = sorted({head for _, head in BANKS if head})
EVENT_KINDS = ["政银企对接会", "知识产权质押融资入园惠企活动", "专精特新企业融资路演", "银企对接座谈会"]
REASONS = ["经营年限不足", "专利评估价值不足", "缺少有效担保", "企业资金需求已满足", "财务数据不达标"]
OUTREACH_YEARS = 3  # events and demands in the last three years of the ledger
MAX_NEW = 5000  # never-borrowers in the roster, whatever the city's scale


@dataclass
class Outreach:
    roster: pd.DataFrame  # 全市有效发明专利企业名单
    specialised: pd.DataFrame  # 专精特新企业名单 (tags only; merges with the roster by USCC)
    events: pd.DataFrame
    attendees: pd.DataFrame
    demands: pd.DataFrame
    pushes: pd.DataFrame  # uscc, enterprise_name, district_code, bank, push_date


def _days(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype("timedelta64[D]")


def generate(city: DemoCity, seed: int = 2025) -> Outreach:
    rng = np.random.default_rng([seed, 12])
    code_of = {name: code for name, code, _ in city.districts}
    end = pd.Timestamp(city.loans["loan_date"].max())
    start = pd.Timestamp(dt.date(max(city.years[-1] - OUTREACH_YEARS + 1, city.years[0]), 1, 1))
    loans = city.loans.sort_values("loan_date", kind="stable")
    loans = loans.assign(head=loans["bank"].map(city.head_banks))
    firsts = loans.drop_duplicates("uscc")  # each borrower's first loan in the ledger
    borrowers = pd.DataFrame(
        {"uscc": firsts["uscc"], "name": firsts["enterprise_name"], "district": firsts["district"]}
    ).reset_index(drop=True)

    # Enterprises that never borrowed, in the districts in proportion to the borrowers.
    n_new = min(MAX_NEW, 8 * len(borrowers))
    share = borrowers["district"].value_counts(normalize=True)
    new_district = rng.choice(share.index.to_numpy(), size=n_new, p=share.to_numpy())
    serial = (np.arange(10**6, 10**6 + n_new, dtype=np.int64) * 2_654_435_761 + 40_353_607) % 31**7
    codes = np.array([int(code_of[d]) for d in new_district])
    words = np.array(WORDS, dtype=object)
    industries = np.array(INDUSTRIES, dtype=object)
    pick = rng.integers(0, [len(WORDS), len(WORDS) - 1, len(INDUSTRIES)], size=(n_new, 3))
    pick[:, 1] = (pick[:, 0] + 1 + pick[:, 1]) % len(WORDS)  # two different words
    names = CITY + words[pick[:, 0]] + words[pick[:, 1]] + industries[pick[:, 2]] + "发展有限公司"
    new = pd.DataFrame({"uscc": _usccs(codes, serial), "name": names, "district": new_district})
    new = new.drop_duplicates("name").reset_index(drop=True)  # a few names drawn twice: kept once

    everyone = pd.concat([borrowers, new], ignore_index=True)
    n = len(everyone)
    is_borrower = np.arange(n) < len(borrowers)
    inventions = np.where(is_borrower, rng.integers(1, 16, n), np.where(rng.random(n) < 0.72, rng.geometric(0.3, n), 0))
    tagged = rng.random((n, 4)) < np.array([0.35, 0.15, 0.45, 0.06])
    base_tags = np.where(tagged[:, 0], "高新技术企业", "") + np.where(tagged[:, 0] & tagged[:, 2], "、", "")
    base_tags = base_tags + np.where(tagged[:, 2], "科技型中小企业", "")
    roster = everyone.assign(invention_patents=inventions, patents=inventions + rng.integers(0, 20, n), tags=base_tags)
    special = tagged[:, 1] | tagged[:, 3]
    specialised = everyone[special].assign(
        tags=np.where(tagged[special, 1], "专精特新", "")
        + np.where(tagged[special, 1] & tagged[special, 3], "、", "")
        + np.where(tagged[special, 3], "示范企业", "")
    )

    # Events: one to six per district and year, up to the ledger's last day.
    years = range(start.year, end.year + 1)
    districts = list(share.index)
    per = rng.integers(1, 7, size=(len(years), len(districts)))
    rows = []
    for yi, year in enumerate(years):
        last = min(pd.Timestamp(dt.date(year, 12, 31)), end)
        span = (last - pd.Timestamp(dt.date(year, 1, 1))).days
        for di, district in enumerate(districts):
            for k in range(per[yi, di]):
                day = pd.Timestamp(dt.date(year, 1, 1)) + pd.Timedelta(days=int(rng.integers(0, span + 1)))
                kind = EVENT_KINDS[int(rng.integers(0, len(EVENT_KINDS)))]
                hosts = rng.choice(HEAD_BANKS, size=int(rng.integers(1, 4)), replace=False)
                rows.append((day, f"{district}{kind}（{year}年第{k + 1}场）", district, "、".join(hosts)))
    events = pd.DataFrame(rows, columns=["date", "name", "district", "banks"])
    events["date"] = events["date"].astype("datetime64[us]")
    events["count"] = rng.integers(20, 81, len(events))

    # Demands that ended in a loan: half the first-time borrowers of the period, 10–150 days before
    # the first loan, pushed to the bank that lent; a few repeat borrowers too.
    recent = loans[(loans["loan_date"] >= start + pd.Timedelta(days=60))]
    first = recent[recent["first_loan"] == "是"].drop_duplicates("uscc")
    won = first[rng.random(len(first)) < 0.55]
    again = recent[(recent["first_loan"] == "否") & (rng.random(len(recent)) < 0.06)].drop_duplicates("uscc")
    lent = pd.concat([won, again])
    before = _days(rng.integers(10, 151, len(lent)))
    demand_day = (lent["loan_date"] - before).clip(lower=start)
    push_day = (demand_day + _days(rng.integers(2, 16, len(lent)))).clip(upper=lent["loan_date"])
    answer_day = (push_day + _days(rng.integers(3, 21, len(lent)))).clip(upper=lent["loan_date"])
    lent_demands = pd.DataFrame(
        {
            "name": lent["enterprise_name"],
            "uscc": lent["uscc"],
            "district": lent["district"],
            "amount": (lent["amount_wan"] * rng.uniform(0.8, 1.5, len(lent)) / 10).round() * 10,
            "date": demand_day,
            "bank": lent["head"],
            "push": push_day,
            "feedback": np.where(rng.random(len(lent)) < 0.7, "放款", "授信"),
            "reason": None,
            "answered": answer_day,
            "credit": lent["amount_wan"],
        }
    )
    # Demands of enterprises that never borrowed: accepted, declined with a reason, or no answer yet.
    asking = new[rng.random(len(new)) < 0.09]
    m = len(asking)
    span_days = max((end - start).days - 10, 1)
    day = pd.Series(start + _days(rng.integers(0, span_days, m)), index=asking.index)
    pushed = rng.random(m) < 0.65
    push = (day + _days(rng.integers(2, 16, m))).where(pushed)
    outcome = rng.choice(["受理", "未通过", "授信", ""], size=m, p=[0.35, 0.35, 0.1, 0.2])
    outcome = np.where(pushed, outcome, "")
    amount = (rng.lognormal(np.log(400), 0.7, m) / 10).round() * 10
    open_demands = pd.DataFrame(
        {
            "name": asking["name"],
            "uscc": asking["uscc"],
            "district": asking["district"],
            "amount": amount.clip(50, 5000),
            "date": day,
            "bank": pd.Series(rng.choice(HEAD_BANKS, m), index=asking.index).where(pushed),
            "push": push,
            "feedback": pd.Series(outcome, index=asking.index).where(outcome != ""),
            "reason": pd.Series(rng.choice(REASONS, m), index=asking.index).where(outcome == "未通过"),
            "answered": (push + _days(rng.integers(3, 30, m))).where(outcome != "").clip(upper=end),
            "credit": np.where(outcome == "授信", (amount * 0.6 / 10).round() * 10, np.nan),
        }
    )
    demands = pd.concat([lent_demands, open_demands], ignore_index=True).sort_values("date", kind="stable")
    demands = demands.drop_duplicates(["uscc", "date"]).reset_index(drop=True)
    for column in ("date", "push", "answered"):  # one resolution for every date column
        demands[column] = pd.to_datetime(demands[column]).astype("datetime64[us]")

    # The source event: the district's latest event in the 120 days before the demand, if any.
    ev = events.sort_values("date")
    source = pd.merge_asof(
        demands.reset_index().sort_values("date"),
        ev[["date", "name", "district"]].rename(columns={"name": "event", "date": "event_date"}),
        left_on="date",
        right_on="event_date",
        by="district",
        tolerance=pd.Timedelta(days=120),
    ).set_index("index")
    demands["event"] = source["event"].reindex(demands.index).fillna("企业自主申报")

    # Attendee lists for most events: the enterprises whose demand came from it, and others of the district.
    listed_events = events[rng.random(len(events)) < 0.7]
    came = demands.merge(events[["name", "date"]], left_on="event", right_on="name", suffixes=("", "_event"))
    parts = [
        pd.DataFrame(
            {"event": came["event"], "event_date": came["date_event"], "uscc": came["uscc"], "name": came["name"]}
        )
    ]
    pool = everyone.groupby("district")
    for row in listed_events.itertuples(index=False):
        members = pool.get_group(row.district)
        take = members.sample(n=min(len(members), int(rng.integers(8, 25))), random_state=int(rng.integers(1 << 31)))
        parts.append(
            pd.DataFrame({"event": row.name, "event_date": row.date, "uscc": take["uscc"], "name": take["name"]})
        )
    attendees = pd.concat(parts, ignore_index=True).drop_duplicates(["event", "uscc"])
    listed = attendees.groupby("event").size()
    events["count"] = np.maximum(events["count"], events["name"].map(listed).fillna(0).astype(int))

    # White-list pushes: a few first-time borrowers pushed before their first loan, without a demand,
    # and some of today's white list in the last three months.
    rest = first[~first["uscc"].isin(demands["uscc"])]
    early = rest[rng.random(len(rest)) < 0.2]
    early_push = pd.DataFrame(
        {
            "uscc": early["uscc"],
            "enterprise_name": early["enterprise_name"],
            "district_code": early["district"].map(code_of),
            "bank": np.where(rng.random(len(early)) < 0.7, early["head"], rng.choice(HEAD_BANKS, len(early))),
            "push_date": (early["loan_date"] - _days(rng.integers(20, 161, len(early)))).clip(lower=start).dt.date,
        }
    )
    candidates = new[(inventions[len(borrowers) :][: len(new)] > 0) & ~new["uscc"].isin(demands["uscc"])]
    fresh = candidates[rng.random(len(candidates)) < 0.06]
    fresh_push = pd.DataFrame(
        {
            "uscc": fresh["uscc"],
            "enterprise_name": fresh["name"],
            "district_code": fresh["district"].map(code_of),
            "bank": rng.choice(HEAD_BANKS, len(fresh)),
            "push_date": pd.Series(end - _days(rng.integers(0, 90, len(fresh))), index=fresh.index).dt.date,
        }
    )
    pushes = pd.concat([early_push, fresh_push], ignore_index=True)
    return Outreach(roster, specialised, events, attendees, demands, pushes)


def _write(path: Path, sheets: dict[str, tuple[str, list[tuple[str, pd.Series]]]]) -> Path:
    """Each sheet: a title line, the headers, one row per record; dates as dates, blanks left blank."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, (title, columns) in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
        for c, (header, _) in enumerate(columns):
            sheet.write_string(1, c, header, head)
            sheet.set_column(c, c, 14 if c else 34)
        values = []
        for _, series in columns:
            if pd.api.types.is_datetime64_any_dtype(series):
                values.append([None if pd.isna(v) else v for v in series.dt.to_pydatetime()])
            else:
                values.append(series.tolist())
        for r in range(len(columns[0][1])):
            for c, column in enumerate(values):
                value = column[r]
                if value is None or (isinstance(value, float) and value != value):
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(2 + r, c, value, day_format)
                elif isinstance(value, (int, float, np.integer, np.floating)):
                    sheet.write_number(2 + r, c, float(value))
                else:
                    sheet.write_string(2 + r, c, str(value))
    book.close()
    return path


def write_files(found: Outreach, folder: Path, number: int) -> list[Path]:
    """The files in the order an analyst would load them, numbered after the demo's own."""
    r, s, e, a, d = found.roster, found.specialised, found.events, found.attendees, found.demands
    return [
        _write(
            folder / f"{number + 1:02d}_全市有效发明专利企业名单.xlsx",
            {
                "企业名单": (
                    f"{CITY}有效发明专利企业名单",
                    [
                        ("企业名称", r["name"]),
                        ("统一社会信用代码", r["uscc"]),
                        ("所属区县", r["district"]),
                        ("有效发明专利数", r["invention_patents"]),
                        ("有效专利数", r["patents"]),
                        ("标签", r["tags"]),
                    ],
                )
            },
        ),
        _write(
            folder / f"{number + 2:02d}_专精特新及示范企业名单.xlsx",
            {
                "名单": (
                    f"{CITY}专精特新及知识产权示范企业名单",
                    [
                        ("企业名称", s["name"]),
                        ("统一社会信用代码", s["uscc"]),
                        ("所属区县", s["district"]),
                        ("标签", s["tags"]),
                    ],
                )
            },
        ),
        _write(
            folder / f"{number + 3:02d}_政银企对接活动.xlsx",
            {
                "对接活动": (
                    f"{CITY}政银企对接活动",
                    [
                        ("日期", e["date"]),
                        ("活动名称", e["name"]),
                        ("区县或园区", e["district"]),
                        ("主办银行", e["banks"]),
                        ("参会企业数", e["count"]),
                    ],
                ),
                "对接企业名单": (
                    "对接企业名单",
                    [
                        ("活动名称", a["event"]),
                        ("活动日期", a["event_date"]),
                        ("企业名称", a["name"]),
                        ("统一社会信用代码", a["uscc"]),
                    ],
                ),
            },
        ),
        _write(
            folder / f"{number + 4:02d}_融资需求及银行反馈.xlsx",
            {
                "融资需求": (
                    f"{CITY}企业融资需求及银行反馈（单位：万元）",
                    [
                        ("企业名称", d["name"]),
                        ("统一社会信用代码", d["uscc"]),
                        ("所属区县", d["district"]),
                        ("需求金额(万元)", d["amount"]),
                        ("登记日期", d["date"]),
                        ("来源活动", d["event"]),
                        ("推送银行", d["bank"]),
                        ("推送日期", d["push"]),
                        ("银行反馈", d["feedback"]),
                        ("未通过原因", d["reason"]),
                        ("反馈日期", d["answered"]),
                        ("授信金额(万元)", d["credit"]),
                    ],
                )
            },
        ),
    ]


def load_into(store, city: DemoCity, folder: Path, number: int, seed: int = 2025) -> list[str]:
    """Write and load the outreach files, then record the pushes; the names of what was loaded."""
    from etl import pipeline, pushes

    found = generate(city, seed)
    loaded = []
    for path in write_files(found, folder, number):
        parsed, result = pipeline.import_path(store, path, user="demo")
        if result is None:
            problems = "\n".join(str(issue) for issue in parsed.errors[:20])
            raise RuntimeError(f"演示数据文件 {path.name} 未通过校验，未导入：\n{problems}")
        loaded.append(path.name)
    title = f"白名单推送{len(found.pushes)}家企业（演示）"
    with store.write() as con:
        pushes.write_batch(con, found.pushes, "demo", title)
    return [*loaded, title]
