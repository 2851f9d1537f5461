"""The demo city 示例市 as data: a reproducible, fictional city with districts, banks, enterprises,
several years of pledge loans up to the end of last month, and targets (`generate`). etl/demo.py
writes it as the spreadsheets an analyst would receive and loads them; the policy tools' demo data
(etl/demo_registrations.py, demo_outreach.py, demo_subsidy.py) is derived from it.

`generate(scale=..., n_districts=...)` also feeds the benchmarks: everything per loan is built
column-wise with numpy, so a city of 50,000 loans a year takes seconds, not minutes.

Codes start with 99, which is no real province: nothing here can be mistaken for a real
enterprise, district or patent holder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.checksums import USCC_CHARSET

CITY = "示例市"
# name, 6-digit code, aliases. 7x are development zones, 2x counties, as in real code lists.
DISTRICTS: list[tuple[str, str, list[str]]] = [
    ("东湖区", "990102", ["东湖"]),
    ("西山区", "990103", ["西山"]),
    ("南岸区", "990104", ["南岸"]),
    ("北城区", "990105", ["北城"]),
    ("云溪区", "990106", ["云溪"]),
    ("江北新区", "990107", ["江北"]),
    ("高新技术产业开发区", "990171", ["高新区"]),
    ("经济技术开发区", "990172", ["经开区"]),
    ("临江县", "990121", ["临江"]),
    ("青石县", "990122", ["青石"]),
]
# How much each district borrows, how that changes a year, and how ambitious its target for the
# current year is (1 = what it will lend over the whole year). Ambition puts some districts ahead
# of the time progress and some behind, in most months of the year.
STRENGTH = [1.5, 1.0, 0.8, 0.9, 0.6, 0.9, 1.7, 1.3, 0.45, 0.35]
TREND = [0.02, 0.00, 0.03, -0.02, 0.05, 0.08, 0.06, 0.03, 0.01, -0.03]
AMBITION = [0.78, 0.97, 1.25, 0.95, 0.72, 1.30, 0.82, 1.00, 1.40, 0.85]
CITY_MARGIN = 1.05  # the city's own target is a bit above the sum of its districts'

# Branch names as banks write them; the head bank is what the loader should map them to
# (None: a local bank with no head-bank mapping, kept as written).
BANKS: list[tuple[str, str | None]] = [
    ("中国工商银行示例市东湖支行", "中国工商银行"),
    ("工行高新支行", "中国工商银行"),
    ("中国建设银行示例市分行", "中国建设银行"),
    ("建行临江支行", "中国建设银行"),
    ("中国银行示例市分行", "中国银行"),
    ("农行西山支行", "中国农业银行"),
    ("中国农业银行示例市经开区支行", "中国农业银行"),
    ("招商银行示例市分行", "招商银行"),
    ("交通银行示例市分行", "交通银行"),
    ("兴业银行示例市分行", "兴业银行"),
    ("示例农商银行", None),
]
BANK_WEIGHTS = [10, 6, 9, 3, 7, 4, 4, 6, 4, 3, 6]
# Loans per month: slow after the Spring Festival, a half-year push in June, a year-end rush.
SEASON = [0.6, 0.55, 0.9, 0.85, 0.95, 1.35, 0.8, 0.8, 1.0, 0.9, 1.1, 1.5]
PLEDGE_TYPES = ["发明专利", "实用新型", "混合", "商标", "外观设计"]
PLEDGE_TYPE_WEIGHTS = [72, 12, 7, 6, 3]
PATENTS_PER_LOAN = [0.35, 0.27, 0.18, 0.12, 0.08]  # 1 to 5 numbers in a cell
POOL = 8  # patents (per kind) and trademarks an enterprise holds and pledges again over the years

WORDS = [
    "华创",
    "瑞丰",
    "博远",
    "恒信",
    "天成",
    "睿智",
    "卓越",
    "鼎盛",
    "联创",
    "新航",
    "星辰",
    "海纳",
    "智远",
    "宏图",
    "凯盛",
    "中科",
    "汇通",
    "泰和",
    "云帆",
    "启明",
    "金石",
    "永泰",
    "嘉禾",
    "锐思",
    "光华",
    "润泽",
    "同创",
    "远景",
    "德信",
    "安泰",
    "九州",
    "晟达",
    "旭日",
    "翔宇",
    "青松",
    "明德",
    "长青",
    "宇航",
    "华辰",
    "博雅",
]
INDUSTRIES = [
    "科技",
    "生物医药",
    "新材料",
    "智能装备",
    "电子",
    "软件",
    "新能源",
    "精密机械",
    "环保科技",
    "光电",
    "半导体",
    "医疗器械",
]
# Two-character stems for generated districts (province- and nation-scale benchmarks).
_STEM_FIRST = "安宝滨博昌朝川丹德鼎丰凤福阜广桂汉和河鹤恒红华怀淮徽吉嘉建金锦晋靖康兰澜乐黎丽莲良林灵岭柳龙隆禄鹿洛茂梅蒙明牧宁磐平浦普齐祁启千钦庆秋泉仁荣瑞润沙善韶绍盛寿舒双顺思松嵩泰太滕通同潼万旺威渭文汶武溪霞仙湘祥孝兴星秀宣扬耀宜义益银永余榆玉裕元源岳泽漳昭肇贞正周竹紫遵"
_STEM_SECOND = "安坝滨城川丹岛峰丰冈港沟谷关海和河湖华化江郊京口岚乐里陵岭龙隆陇门明南宁平坪浦桥清泉山陕水顺台潭塘亭通湾阳宜阴源岳云泽州洲庄"

TARGET_COLUMNS = ["year", "district", "loan_amount_yi", "invention_patents", "enterprises", "first_time_enterprises"]


@dataclass
class DemoCity:
    today: dt.date
    districts: list[tuple[str, str, list[str]]]  # (name, code, aliases)
    loans: pd.DataFrame  # one row per distinct loan, final (corrected) values; columns: LEDGER_COLUMNS' fields
    targets: pd.DataFrame  # TARGET_COLUMNS; district is a district name or 全市
    corrections: pd.DataFrame  # reg_no, amount_wan: a wrong amount sent in the earlier cumulative files

    @property
    def years(self) -> list[int]:
        return sorted(self.loans["loan_date"].dt.year.unique().tolist())

    @property
    def head_banks(self) -> dict[str, str]:
        """Branch name → head bank as the loader should map it (a local bank maps to itself)."""
        return {branch: head or branch for branch, head in BANKS}


# -- districts -----------------------------------------------------------------------------
def _districts(n: int, rng: np.random.Generator) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """The districts with their strength, trend and ambition. Beyond the ten named ones, names come
    from two-character stems (unique, so no name or alias can match two districts) and codes stay
    in 99xxxx, 6 digits, unique."""
    if n < 1:
        raise ValueError("n_districts 至少为1")
    if n <= len(DISTRICTS):
        return (DISTRICTS[:n], np.array(STRENGTH[:n]), np.array(TREND[:n]), np.array(AMBITION[:n]))
    extra = n - len(DISTRICTS)
    taken = {code for _, code, _ in DISTRICTS}
    codes = [c for c in (f"99{a:02d}{b:02d}" for a in range(1, 100) for b in range(1, 100)) if c not in taken]
    reserved = {name[:2] for name, _, _ in DISTRICTS} | {a[:2] for _, _, aliases in DISTRICTS for a in aliases}
    stems = [a + b for a in _STEM_FIRST for b in _STEM_SECOND if a != b and a + b not in reserved]
    if extra > min(len(codes), len(stems)):
        raise ValueError(f"n_districts 最多为{len(DISTRICTS) + min(len(codes), len(stems))}")
    order = np.random.default_rng(len(stems)).permutation(len(stems))[:extra]  # same names for any seed
    generated: list[tuple[str, str, list[str]]] = [
        (stems[i] + ("县" if i % 5 < 2 else "区"), codes[k], []) for k, i in enumerate(order)
    ]
    return (
        DISTRICTS + generated,
        np.concatenate([STRENGTH, rng.lognormal(-0.3, 0.6, extra)]),
        np.concatenate([TREND, rng.uniform(-0.03, 0.08, extra)]),
        np.concatenate([AMBITION, rng.uniform(0.75, 1.35, extra)]),
    )


# -- identifiers, vectorised -----------------------------------------------------------------
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_PATENT_WEIGHTS = np.array([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])


def _usccs(codes: np.ndarray, serials: np.ndarray) -> np.ndarray:
    """'91' (enterprise) + district code + 'MA' + 7 base-31 characters + the GB 32100 check."""
    values = np.zeros((len(codes), 17), dtype=np.int64)
    values[:, 0], values[:, 1] = 9, 1
    for j in range(6):
        values[:, 2 + j] = (codes // 10 ** (5 - j)) % 10
    values[:, 8], values[:, 9] = USCC_CHARSET.index("M"), USCC_CHARSET.index("A")
    for j in range(7):
        values[:, 10 + j] = (serials // 31 ** (6 - j)) % 31
    check = (31 - (values @ _USCC_WEIGHTS) % 31) % 31
    alphabet = np.array(list(USCC_CHARSET))
    chars = alphabet[np.concatenate([values, check[:, None]], axis=1)]
    return chars.view("<U18").ravel()


def _patent_digits(year: np.ndarray, type_digit: np.ndarray, serial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Application numbers (12 digits: year, type, serial) and their CNIPA check values (10 = X)."""
    number = year.astype(np.int64) * 10**8 + type_digit.astype(np.int64) * 10**7 + serial
    digits = (number[:, None] // 10 ** np.arange(11, -1, -1)) % 10
    return number, (digits @ _PATENT_WEIGHTS) % 11


def _ascii(number: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as rows of ASCII digit bytes, zero-padded to width."""
    return ((number[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10 + ord("0")).astype(np.uint8)


# -- the city ------------------------------------------------------------------------------
def generate(
    seed: int = 2025,
    today: dt.date | None = None,
    scale: float = 1.0,
    n_districts: int = 10,
    first_year: int | None = None,
) -> DemoCity:
    """The city's districts, its loans from `first_year` (default: five years before today's)
    to the end of last month, and each year's targets. Same seed and today: same city.

    Each year draws from its own random stream and the current year is drawn whole and cut at
    last month, so when `today` moves on the history stays as it was and this year only grows."""
    today = today or dt.date.today()
    end = today.replace(day=1) - dt.timedelta(days=1)  # the last day of last month
    first_year = min(today.year - 5 if first_year is None else first_year, end.year)
    if scale <= 0:
        raise ValueError("scale 必须大于0")
    rng = np.random.default_rng([seed, 0])
    districts, strength, trend, ambition = _districts(n_districts, np.random.default_rng([seed, 1]))
    n_d = len(districts)
    years = list(range(first_year, end.year + 1))

    # Enterprises: district, the year they start borrowing, how often they borrow, their main bank.
    n_e = max(3 * n_d, int(round(420 * scale)))
    ent_district = rng.choice(n_d, size=n_e, p=strength / strength.sum())
    entry = np.where(rng.random(n_e) < 0.4, first_year, rng.integers(first_year, end.year + 1, size=n_e))
    borrowed_before = (entry == first_year) & (rng.random(n_e) < 0.5)  # before the data starts: no 首贷
    activity = rng.lognormal(0, 0.7, n_e)
    bank_p = np.array(BANK_WEIGHTS) / sum(BANK_WEIGHTS)
    main_bank = rng.choice(len(BANKS), size=n_e, p=bank_p)
    codes = np.array([int(code) for _, code, _ in districts])
    ent_uscc = _usccs(codes[ent_district], (np.arange(n_e, dtype=np.int64) * 2_654_435_761 + 40_353_607) % 31**7)
    ent_name = _enterprise_names(n_e, rng)

    # Every loan of every whole year: more each year, months by season, on working days.
    draws: dict[str, list] = {}
    for year in years:
        r = np.random.default_rng([seed, year])
        n = int((330 + 70 * (year - first_year)) * scale)
        month = np.datetime64(f"{year}-01", "M") + r.choice(12, size=n, p=np.array(SEASON) / sum(SEASON))
        first_day = month.astype("datetime64[D]")
        length = ((month + 1).astype("datetime64[D]") - first_day).astype(int)
        day = first_day + (r.random(n) * length).astype(int)
        holidays = [
            f"{year}-01-01",
            *(f"{year}-05-0{i}" for i in range(1, 4)),
            *(f"{year}-10-0{i}" for i in range(1, 8)),
        ]
        forward = np.busday_offset(day, 0, roll="forward", holidays=holidays)  # banks lend on working days
        day = np.sort(
            np.where(
                forward.astype("datetime64[M]") == month,
                forward,
                np.busday_offset(day, 0, roll="backward", holidays=holidays),
            )
        )
        eligible = np.flatnonzero(entry <= year)
        weight = (strength * (1 + trend * (year - first_year)).clip(0.2))[ent_district[eligible]]
        weight = weight * activity[eligible] * np.where(entry[eligible] == year, 2.5, 1.0)
        for name, values in {
            "day": day,
            "ent": r.choice(eligible, size=n, p=weight / weight.sum()),
            "u_first": r.random(n),
            "u_bank": r.random(n),
            "other_bank": r.choice(len(BANKS), size=n, p=bank_p),
            "typical": r.normal(0, 0.75, n),
            "u_big": r.random(n),
            "large": r.normal(0, 0.7, n),
            "ptype": r.choice(len(PLEDGE_TYPES), size=n, p=np.array(PLEDGE_TYPE_WEIGHTS) / 100),
            "count": r.choice(5, size=n, p=PATENTS_PER_LOAN) + 1,
            "slot": r.integers(0, POOL, size=n),
            "step": r.choice([1, 3, 5, 7], size=n),
            "u_reg": r.random(n),
            "reg_lag": r.integers(0, 21, size=n),
            "term": r.choice([6, 12, 12, 12, 18, 24, 36], size=n),
            "rate": r.normal(0, 0.35, n),
            "u_subsidy": r.random(n),
        }.items():
            draws.setdefault(name, []).append(values)
    x = {name: np.concatenate(parts) for name, parts in draws.items()}
    day, ent = x["day"], x["ent"]
    n = len(ent)
    loan_year = day.astype("datetime64[Y]").astype(int) + 1970
    d = ent_district[ent]

    # 首贷: mostly an enterprise's first loan; now and then a bank flags a later one.
    first_seen = np.zeros(n, dtype=bool)
    first_seen[np.unique(ent, return_index=True)[1]] = True
    first_loan = (first_seen & ~borrowed_before[ent] & (x["u_first"] < 0.9)) | (~first_seen & (x["u_first"] < 0.015))
    bank = np.where(x["u_bank"] < 0.7, main_bank[ent], x["other_bank"])

    # Amounts in 万元: mostly 100-3000, larger in strong districts, a few big ones.
    typical = np.exp(np.log(480) + 0.25 * np.log(strength[d] / strength.mean()) + x["typical"])
    amount = np.where(typical >= 100, np.round(typical / 10) * 10, np.round(typical / 5) * 5)
    large = np.round(3000 * np.exp(np.abs(x["large"])) / 100) * 100
    amount = np.where(x["u_big"] < 0.03, large, amount).clip(30, 30000)

    pledge_type = x["ptype"]
    count = np.where(pledge_type == PLEDGE_TYPES.index("混合"), np.maximum(x["count"], 2), x["count"])
    count = np.where(pledge_type == PLEDGE_TYPES.index("商标"), np.minimum(count, 3), count)
    numbers, patents = _pledged(ent, entry, pledge_type, count, x["slot"], x["step"], loan_year)

    has_reg = x["u_reg"] < 0.92
    reg_date = pd.Series(pd.to_datetime(day - x["reg_lag"].astype("timedelta64[D]"))).where(has_reg)
    reg_no = _registration_numbers(reg_date, codes[d], has_reg)

    term = x["term"]
    rate = np.round(np.clip(np.maximum(2.6, 4.35 - 0.22 * (loan_year - 2020)) + x["rate"], 2.2, 6.5), 2)
    subsidised = (amount <= 2000) & (x["u_subsidy"] < 0.45)
    subsidy = np.where(subsidised, np.round(amount * rate / 100 * 0.5 * np.minimum(term, 12) / 12, 2), np.nan)

    names = np.array([name for name, _, _ in districts], dtype=object)
    branch = np.array([b for b, _ in BANKS], dtype=object)
    loans = pd.DataFrame(
        {
            "enterprise_name": ent_name[ent],
            "uscc": ent_uscc[ent],
            "district": names[d],
            "bank": branch[bank],
            "pledge_type": np.array(PLEDGE_TYPES, dtype=object)[pledge_type],
            "patent_numbers": numbers,
            "patent_count": count,
            "reg_no": reg_no,
            "reg_date": reg_date,
            "amount_wan": amount.astype(float),
            "loan_date": pd.to_datetime(day),
            "term_months": term,
            "rate_pct": rate,
            "first_loan": np.where(first_loan, "是", "否"),
            "subsidy_wan": subsidy,
        }
    )
    _separate_unregistered(loans)
    targets = _targets(loans, patents, districts, trend, ambition, seed)  # from whole years, this one included
    loans = loans[day <= np.datetime64(end)].reset_index(drop=True)

    # A unit slip (ten times the amount) in the earlier cumulative files, corrected in the latest.
    current = loans[
        (loans["loan_date"].dt.year == end.year)
        & loans["reg_no"].notna()
        & (loans["loan_date"].dt.month < end.month - 1)
    ]
    pick = np.random.default_rng([seed, end.year, end.month]).choice(
        len(current), size=min(3, len(current)), replace=False
    )
    wrong = current.iloc[np.sort(pick)]
    corrections = pd.DataFrame({"reg_no": wrong["reg_no"], "amount_wan": wrong["amount_wan"] * 10}).reset_index(
        drop=True
    )
    return DemoCity(today, districts, loans, targets, corrections)


def _enterprise_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """'示例市华创科技有限公司', then two-word names; unique up to 19,200 enterprises, then numbered."""
    w, k = len(WORDS), len(INDUSTRIES)
    single, double = w * k, w * w * k
    order = rng.permutation(single + double)[:n] if n <= single + double else np.arange(n)
    names = []
    for code in order.tolist():
        if code < single:
            word = WORDS[code % w]
            industry = INDUSTRIES[code // w]
        else:
            rest = code - single
            word = WORDS[rest % w] + WORDS[(rest // w) % w]
            industry = INDUSTRIES[(rest // (w * w)) % k]
            if rest >= double:
                word += f"{rest // double + 1}号"
        names.append(f"{CITY}{word}{industry}{'股份有限公司' if code % 7 == 0 else '有限公司'}")
    return np.array(names, dtype=object)


def _pledged(ent, entry, pledge_type, count, start, step, loan_year) -> tuple[np.ndarray, pd.DataFrame]:
    """Each loan's cell of patent (and trademark) numbers, and the pledged numbers one per row.

    An enterprise holds POOL patents of each kind and pledges them again in later loans, so
    patent numbers repeat across years as they do in practice. Filing years are before the
    enterprise's first borrowing year, hence never after the loan year."""
    n = len(ent)
    loan = np.repeat(np.arange(n), count)
    k = np.arange(len(loan)) - np.repeat(np.cumsum(count) - count, count)
    # From a random slot of the enterprise's pool with an odd step: distinct slots within a loan.
    slot = (start[loan] + k * step[loan]) % POOL
    ptype = pledge_type[loan]
    kind = np.select(  # 0 invention, 1 utility model, 2 design, 3 trademark
        [
            ptype == PLEDGE_TYPES.index("实用新型"),
            ptype == PLEDGE_TYPES.index("外观设计"),
            ptype == PLEDGE_TYPES.index("商标"),
            (ptype == PLEDGE_TYPES.index("混合")) & (k == count[loan] - 1),
        ],
        [1, 2, 3, 3],
        0,
    )
    owner = ent[loan].astype(np.int64)
    pid = (owner * POOL + slot) * 3 + np.minimum(kind, 2)
    serial = (pid * 7919 + 104_729) % 10**7  # a bijection: distinct patents, distinct serials
    filed = np.maximum(2004, entry[owner] - np.where(kind == 0, 1 + pid % 5, pid % 4))
    type_digit = np.select([kind == 1, kind == 2, pid % 31 == 0], [2, 3, 8], 1)  # 8: a PCT invention
    number, check = _patent_digits(filed, type_digit, serial)
    trademark = kind == 3
    mark = 10_000_000 + ((owner * POOL + slot) * 7919 + 3571) % 60_000_000  # 8-digit registration numbers
    assert (filed <= loan_year[loan]).all()

    # The cells as UTF-8 bytes, one row per loan: "ZL" + 12 digits + "." + check, or a trademark
    # number, joined by 、. Built column-wise and decoded once: no Python loop over the tokens.
    token = np.zeros((len(loan), 16), dtype=np.uint8)
    token[:, 0], token[:, 1], token[:, 14] = ord("Z"), ord("L"), ord(".")
    token[:, 2:14] = _ascii(number, 12)
    token[:, 15] = np.where(check == 10, ord("X"), check + ord("0"))
    token[trademark, :8] = _ascii(mark[trademark], 8)
    size = np.where(trademark, 8, 16)
    separator = np.frombuffer("、".encode(), dtype=np.uint8)
    step_size = size + len(separator)
    offset = np.cumsum(step_size) - step_size
    offset -= np.repeat(offset[k == 0], count)  # from the start of the loan's cell
    width = int((offset + size).max())
    cells = np.zeros((n, width), dtype=np.uint8)
    for j in range(16):
        use = j < size
        cells[loan[use], offset[use] + j] = token[use, j]
    later = k > 0
    for j, byte in enumerate(separator):
        cells[loan[later], offset[later] - len(separator) + j] = byte
    text = np.char.decode(cells.view(f"S{width}").ravel(), "utf-8").astype(object)
    invention = kind == 0
    patents = pd.DataFrame({"loan": loan[invention], "patent_no": number[invention]})
    return text, patents


def _registration_numbers(reg_date: pd.Series, codes: np.ndarray, has_reg: np.ndarray) -> np.ndarray:
    """'Y' + registration year + district code + a serial per year and district, e.g. Y2025990102000123."""
    frame = pd.DataFrame({"year": reg_date.dt.year, "code": codes, "date": reg_date})[has_reg]
    frame = frame.sort_values(["year", "code", "date"], kind="stable")
    serial = frame.groupby(["year", "code"]).cumcount() + 1
    text = "Y" + frame["year"].astype(int).astype(str) + frame["code"].astype(str) + serial.astype(str).str.zfill(6)
    out = np.full(len(reg_date), None, dtype=object)
    out[text.index.to_numpy()] = text.to_numpy()
    return out


def _separate_unregistered(loans: pd.DataFrame) -> None:
    """Without a registration number a loan is known by enterprise, head bank, date and amount
    (DOMAIN.md): two generated loans must not share that, or the loader rightly merges them."""
    head = loans["bank"].map({b: h or b for b, h in BANKS})
    for _ in range(100):
        key = pd.DataFrame({"u": loans["uscc"], "b": head, "d": loans["loan_date"], "a": loans["amount_wan"]})
        clash = key.duplicated() & loans["reg_no"].isna()
        if not clash.any():
            return
        loans.loc[clash, "amount_wan"] += 10
    raise AssertionError("无法区分未登记的贷款")


def _targets(
    loans: pd.DataFrame, patents: pd.DataFrame, districts, trend: np.ndarray, ambition: np.ndarray, seed: int
) -> pd.DataFrame:
    """Each year's targets, from whole years of loans (this year's included, before it is cut at
        last month). A past year's target was set near what the district could be expected to lend
    (a year's lending is at the mercy of a few big loans, a target is not); this year's
        is its volume for the whole year pushed by the district's ambition, so that the ambitious
        districts lag the time progress and the modest ones run ahead of it."""
    names = [name for name, _, _ in districts]
    year = loans["loan_date"].dt.year
    frame = loans.assign(year=year, flagged=loans["first_loan"] == "是")
    amount = frame.groupby(["year", "district"])["amount_wan"].sum()
    enterprises = frame.drop_duplicates(["year", "district", "uscc"]).groupby(["year", "district"]).size()
    first = frame[frame["flagged"]].drop_duplicates(["year", "district", "uscc"]).groupby(["year", "district"]).size()
    inventions = (
        patents.assign(year=year.to_numpy()[patents["loan"]], district=loans["district"].to_numpy()[patents["loan"]])
        .drop_duplicates(["year", "district", "patent_no"])
        .groupby(["year", "district"])
        .size()
    )
    actual = pd.DataFrame(
        {"amount": amount, "inventions": inventions, "enterprises": enterprises, "first": first}
    ).fillna(0)

    years = sorted(year.unique().tolist())
    # What a district could be expected to lend in a year, without the luck of a few big loans:
    # its share of all years' lending, moved by its trend, of the year's loan count at the mean amount.
    share = (amount.groupby(level="district").sum().reindex(names).fillna(0) / amount.sum()).to_numpy()
    per_year = frame.groupby("year").size()
    mean_amount = loans["amount_wan"].mean()
    rows = []
    for y in years:
        r = np.random.default_rng([seed, y, 1])
        got = actual.xs(y, level="year").reindex(names).fillna(0).to_numpy()
        if y < years[-1]:
            weight = share * np.maximum(0.2, 1 + trend * (y - np.mean(years)))
            got[:, 0] = per_year[y] * mean_amount * weight / weight.sum()
            got = got * r.uniform(0.85, 1.05, (len(names), 1))  # most years ended a little above target
        else:
            got = got * ambition[:, None] * r.uniform(0.97, 1.03, (len(names), 4))
        rows.append(
            pd.DataFrame(
                {
                    "year": y,
                    "district": names,
                    "loan_amount_yi": np.maximum(0.05, got[:, 0] / 10_000).round(2),
                    "invention_patents": np.maximum(1, np.round(got[:, 1])).astype(int),
                    "enterprises": np.maximum(1, np.round(got[:, 2])).astype(int),
                    "first_time_enterprises": np.maximum(1, np.round(got[:, 3])).astype(int),
                }
            )
        )
    districts_frame = pd.concat(rows, ignore_index=True)
    city = districts_frame.groupby("year", as_index=False)[TARGET_COLUMNS[2:]].sum()
    city["loan_amount_yi"] = (city["loan_amount_yi"] * CITY_MARGIN).round(2)
    for column in TARGET_COLUMNS[3:]:
        city[column] = np.ceil(city[column] * CITY_MARGIN).astype(int)
    city["district"] = "全市"
    both = pd.concat([city[TARGET_COLUMNS], districts_frame[TARGET_COLUMNS]], ignore_index=True)
    return both.sort_values("year", kind="stable").reset_index(drop=True)


# -- spreadsheets --------------------------------------------------------------------------
