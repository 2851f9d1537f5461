"""Acceptance of issue #9: a real city's month (tests/realmonth.py) loads unedited and gives the
exact figures.

The analyst loads the eleven files in order through the real pipeline, edits none of them, and
reads the figures of the metrics layer. Expectations are worked out here from the TRUTH list with
plain Python, never from the app's SQL. Each failure says which capability of the issue is missing.

The one-file tests load each ledger alone into a city whose zones carry unofficial codes, so that a
file's own shapes are checked apart from the functional zones of the district list.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from etl import load, pipeline
from pledge import metrics
from pledge.store import Store
from tests import realmonth as rm

YI = Decimal(100_000_000)

# What each file needs of the loader: named in every failure.
NEEDS = {
    "districts": "a district list whose functional zones (高新区, 经开区, 风景名胜区) have no division code",
    "targets": "targets chosen by header path and year (2025年完成情况 block before the 2026年目标 block), 全市 row",
    "banks": "one sheet per bank with its own headers (借款人名称 / 客户名称, 经办行), the bank taken from the sheet "
    "name, 单位：元 directly above the header, a loan over three rows with merged cells, 合计 and a "
    "填报人 / 联系电话 / 审核人 footer, 蜀冈-瘦西湖 for 蜀冈—瘦西湖 (dashes alike)",
    "hanjiang": "dates stored as numbers (20260210), 发明专利、实用新型 (混合), 邗江 / 示例市邗江区",
    "hightech": "放款机构, dates 2026年3月5日 / 2026.6.18 / month-only 2026年3月, a patent number written like a "
    "certificate (ZL 2022 1 0648861.5), a 填报单位 / 填报人 footer",
    "jiangdu": "a WPS .xls with 商标专用权 第41527213号 and a 个体工商户 without USCC",
    "boc": "a GBK CSV with 贷款期限 12个月 / 1年 and 利率 LPR+30BP kept as text",
    "jsb_9": "the bank named only in the title, 授信金额 next to 放款金额 (take 放款金额), 客户类型 首贷户 / 续贷户, "
    "12个月, LPR+30BP",
    "ccb_10": "October increments",
    "jsb_10": "a cumulative 1-10月 file replacing the bank's 1-9月 report: an amount corrected, a district "
    "corrected, a loan withdrawn",
    "supplement": "a late supplement (补报) of a July loan",
    "plain": "nothing of issue #9: standard headers and formats",
}


# -- expectations, from the truth with plain Python ------------------------------------------
def expected_figures(loans: list[rm.Loan], as_of: dt.date = rm.AS_OF) -> dict[str, dict]:
    """{district name or 全市: {figure: value}} for the loans dated from 1 January to as_of."""
    groups: dict[str, list[rm.Loan]] = defaultdict(list)
    for x in loans:
        if dt.date(rm.YEAR, 1, 1) <= x.date <= as_of:
            groups[x.district].append(x)
            groups["全市"].append(x)
    out = {}
    for name in ["全市", *(n for n, _, _ in rm.DISTRICTS)]:
        group = groups.get(name, [])
        out[name] = {
            "loan_amount": sum((x.amount_yuan for x in group), Decimal(0)),
            "loans": len(group),
            "invention_patents": len({ip.number for x in group for ip in x.ips if ip.kind == rm.INVENTION}),
            "enterprises": len({x.identity for x in group}),
            "first_time_enterprises": len({x.identity for x in group if x.first}),
        }
    return out


def expected_completion(figures: dict[str, dict]) -> dict[str, dict]:
    targets = {**rm.TARGETS_2026, "全市": rm.CITY_TARGET_2026}
    out = {}
    for name, (amount_yi, patents, firms, first) in targets.items():
        f = figures[name]
        out[name] = {
            "c_loan_amount": f["loan_amount"] / (Decimal(amount_yi) * YI),
            "c_invention_patents": Decimal(f["invention_patents"]) / patents,
            "c_enterprises": Decimal(f["enterprises"]) / firms,
            "c_first_time_enterprises": Decimal(f["first_time_enterprises"]) / first,
        }
    return out


TRUTH_FIGURES = expected_figures(rm.TRUTH)


def test_the_truth_adds_up_to_the_totals_worked_out_by_hand():
    """The expectation code against sums done on paper (tests/realmonth.py's docstring):
    city 19260万 over 29 loans; 邗江区 G1 800 + G2 1200 + H1 700 + H2 250 + S1 900 + S2 400 = 4250万 (6 loans);
    高新区 J1 2000 + K1 1500 + K2 900 + K3 400 + S6 800 = 5600万 with J1's three inventions + K1 + K2 + S6 = 6;
    江都区 N2 150 + D1 1000 + D2 50 + D3 680 + B1 700 = 2580万, 5 enterprises (the 个体工商户 among them)."""
    city, hanjiang, zone, jiangdu = (TRUTH_FIGURES[n] for n in ("全市", "邗江区", rm.HIGH, "江都区"))
    assert (city["loan_amount"], city["loans"]) == (Decimal(192_600_000), 29)
    assert (hanjiang["loan_amount"], hanjiang["loans"]) == (Decimal(42_500_000), 6)
    assert (zone["loan_amount"], zone["invention_patents"]) == (Decimal(56_000_000), 6)
    assert (jiangdu["loan_amount"], jiangdu["enterprises"], jiangdu["first_time_enterprises"]) == (
        Decimal(25_800_000),
        5,
        3,
    )
    assert f"{city['loan_amount'] / YI:.2f}" == "1.93"


# -- loading ------------------------------------------------------------------------------
# S1 and S5 unchanged, S3's amount and S2's district corrected, S6 new in October, S4 withdrawn.
EXPECTED_PLAN = "替换 江苏银行 2026年1-9月（第"


def load_unedited(store: Store, key: str, path: Path, expect_plan: str | None = None):
    """Parse and load one file as sent; a refused file fails the test naming what it needs. With
    `expect_plan`, the preview's account of what the file replaces is checked first, as the
    analyst reads it before confirming."""
    parsed = pipeline.parse_path(store, path)
    if parsed.ok and expect_plan is not None:
        plan = load.plan(store, parsed)
        said = [source.summary() for source in plan.sources]
        assert any(line.startswith(expect_plan) for line in said), said
    result = load.load(store, parsed, user="analyst") if parsed.ok else None
    if result is None or result.status != "loaded":
        listed = "\n  ".join(str(i) for i in parsed.errors[:12]) or (result.note if result else "")
        pytest.fail(
            f"MISSING: {NEEDS[key]}\n{path.name} was not loaded unedited "
            f"({len(parsed.errors)} errors, kind {parsed.kind_label}):\n  {listed}",
            pytrace=False,
        )
    return parsed


def city_store(folder: Path) -> Store:
    """A fresh store with nothing loaded."""
    store = Store(folder / "city.duckdb", timeout=5)
    store.ensure_schema()
    return store


@pytest.fixture(scope="module")
def coded_city(tmp_path_factory) -> Path:
    """A database with the district list whose zones carry unofficial codes, built once per module
    (parsing is the slow part): the one-file tests start from a copy of it."""
    folder = tmp_path_factory.mktemp("coded")
    store = city_store(folder)
    path = folder / "区县名单（含功能区代码）.xlsx"
    path.write_bytes(rm.districts_file(coded=True))
    parsed, result = pipeline.import_path(store, path, user="admin")
    assert result is not None, [str(i) for i in parsed.errors]
    return store.path


@pytest.fixture
def city(coded_city, tmp_path) -> Store:
    """A copy of the coded city for one test."""
    return copy_of(coded_city, tmp_path)


def copy_of(database: Path, folder: Path) -> Store:
    for part in database.parent.glob(database.name + "*"):
        shutil.copy(part, folder / part.name)
    return Store(folder / database.name, timeout=5)


def current_loans(store: Store) -> list[tuple]:
    """The current loans as comparable tuples (see loan_tuple)."""
    with store.read() as con:
        rows = con.execute(
            """SELECT l.loan_id, l.uscc, l.enterprise_name, d.name, l.bank, l.amount_yuan, l.loan_date, l.first_loan,
                      list(p.ip_no || ':' || p.ip_type ORDER BY p.ip_no) FILTER (WHERE p.ip_no IS NOT NULL)
               FROM v_loans l LEFT JOIN v_districts d ON d.code = l.district_code
               LEFT JOIN pledged_ip p USING (loan_id)
               GROUP BY ALL"""
        ).fetchall()
    known = {x.uscc for x in rm.TRUTH} | {rm.S4_WITHDRAWN.uscc}
    month_only = {x.identity for x in rm.TRUTH if x.month_only}
    out = []
    for _, code, name, district, bank, amount, day, first, ips in rows:
        identity = code if code in known else f"{name}|{district}"
        shown = f"{day:%Y-%m}" if identity in month_only else day.isoformat()
        out.append((identity, district, bank, Decimal(amount), shown, bool(first), tuple(ips or [])))
    return sorted(out)


def loan_tuple(x: rm.Loan) -> tuple:
    shown = f"{x.date:%Y-%m}" if x.month_only else x.date.isoformat()
    ips = tuple(sorted(f"{ip.number}:{ip.kind}" for ip in x.ips))
    return (x.identity, x.district, x.bank, x.amount_yuan.quantize(Decimal("0.01")), shown, x.first, ips)


def ledger_differences(actual: list[tuple], expected: list[rm.Loan]) -> list[str]:
    """Loans missing and loans too many, each named by the truth's loan id where one matches."""
    wanted = {loan_tuple(x): x.id for x in expected}
    every = [*rm.TRUTH, rm.S4_WITHDRAWN]
    by_identity = {x.identity: x.id for x in every}
    by_identity_and_day = {(x.identity, loan_tuple(x)[4]): x.id for x in every}
    lines = []
    remaining = list(actual)
    for t, loan_id in wanted.items():
        if t in remaining:
            remaining.remove(t)
        else:
            lines.append(f"missing or different: {loan_id} {t}")
    for t in remaining:
        loan_id = by_identity_and_day.get((t[0], t[4])) or by_identity.get(t[0], "?")
        lines.append(f"not expected: {loan_id} {t}")
    return lines


def progress(store: Store) -> dict[str, dict]:
    with store.read() as con:
        frame = metrics.district_progress(con, rm.YEAR, rm.AS_OF)
    return {row["name"]: row for _, row in frame.iterrows()}


FIGURES = ["loan_amount", "loans", "invention_patents", "enterprises", "first_time_enterprises"]


def figure_differences(store: Store, expected: dict[str, dict], names=None) -> list[str]:
    rows = progress(store)
    lines = []
    for name in names or expected:
        if name not in rows:
            lines.append(f"{name}: not among the districts")
            continue
        for figure in FIGURES:
            got, want = rows[name][figure], expected[name][figure]
            if figure == "loan_amount":
                ok = abs(Decimal(str(got)) - want) < Decimal("0.005")
                got, want = f"{Decimal(str(got)) / YI:.6f}亿元", f"{want / YI:.6f}亿元"
            else:
                ok = int(got) == want
            if not ok:
                lines.append(f"{name} {figure}: got {got}, expected {want}")
    return lines


def has_warning(parsed, *, sheet=None, row=None, column=None, words=(), never=("未导入",)) -> bool:
    return any(
        (sheet is None or w.sheet == sheet)
        and (row is None or w.row == row)
        and (column is None or column in (w.column or ""))
        and all(word in str(w) for word in words)
        and not any(word in str(w) for word in never)
        for w in parsed.warnings
    )


# -- the month, as the analyst loads it -----------------------------------------------------
def test_a_real_month_loads_unedited_and_gives_the_exact_figures(tmp_path):
    paths = rm.write_month(tmp_path / "files")
    store = city_store(tmp_path)
    parsed = {}
    for key in rm.LOAD_ORDER:
        # The analyst reads what 江苏银行's 1-10月 replaces before confirming.
        expected = EXPECTED_PLAN if key == "jsb_10" else None
        parsed[key] = load_unedited(store, key, paths[key], expect_plan=expected)

    # The loans themselves: one loan for two reporters, the correction applied, the withdrawn one gone.
    differences = ledger_differences(current_loans(store), rm.TRUTH)
    assert not differences, "the current loans differ from the truth:\n" + "\n".join(differences)

    # The figures of every district and of the city, to the yuan.
    differences = figure_differences(store, TRUTH_FIGURES)
    assert not differences, "figures differ:\n" + "\n".join(differences)

    # The targets: this year's block, not last year's 完成情况; the 全市 row, not the sum.
    rows = progress(store)
    wrong = []
    for name, want in expected_completion(TRUTH_FIGURES).items():
        for key, value in want.items():
            got = rows[name][key]
            if got is None or got != got or abs(Decimal(str(got)) - value) > Decimal("1e-9"):
                wrong.append(f"{name} {key}: got {got}, expected {float(value):.6f}")
    assert not wrong, "completion rates differ (targets read from the wrong block?):\n" + "\n".join(wrong)
    assert rows["全市"]["t_loan_amount"] == pytest.approx(2.20 * 1e8)

    # No hand edits, but the guesses made on the way are said.
    assert has_warning(parsed["banks"], sheet="示例农商银行", words=("示例农商银行", "质权人")), (
        "MISSING: a warning that the bank of sheet 示例农商银行 was taken from the sheet name"
    )
    assert has_warning(parsed["jsb_9"], words=("江苏银行", "表格上方")), (
        "MISSING: a warning that the bank came from the title"
    )
    credit_line = [m for m in parsed["jsb_9"].mapping if m["header"].startswith("授信金额")]
    assert [m["field"] for m in credit_line] == ["（未导入）"], "MISSING: the preview lists 授信金额 as not imported"
    assert not has_warning(parsed["jsb_9"], words=("授信金额",)), "授信金额 is not used, so nothing to warn about"
    assert has_warning(parsed["hightech"], row=rm.MONTH_ONLY_ROW, column="放款日期"), (
        "MISSING: a warning that the day of the month-only date 2026年3月 was assumed"
    )
    assert has_warning(parsed["jiangdu"], row=rm.SOLE_TRADER_ROW, column="统一社会信用代码"), (
        "MISSING: a warning that the 个体工商户 has no USCC and is identified by name and district"
    )


# -- each ledger on its own -------------------------------------------------------------------
@pytest.mark.parametrize("key", rm.LEDGERS)
def test_each_ledger_alone_gives_exactly_its_loans(key, city, tmp_path):
    store = city
    path = tmp_path / rm.FILES[key]
    path.write_bytes(rm.WRITERS[key]())
    parsed = load_unedited(store, key, path)
    if key == "banks":
        assert sorted(parsed.sheets) == sorted(rm.BANK_SHEETS), (
            f"MISSING: every bank's sheet is read (sheets never vanish with a hint); read only {parsed.sheets}"
        )
    differences = ledger_differences(current_loans(store), rm.REPORTS[key])
    assert not differences, f"MISSING: {NEEDS[key]}\n{path.name} gave other loans:\n" + "\n".join(differences)


def test_the_expectations_agree_with_the_metrics_layer_on_plain_files(city, tmp_path):
    """The expectation code above, checked against the metrics layer on shapes every loader reads:
    the truth's loans (those with a USCC) under standard headers and a one-row targets table."""
    loans = [x for x in rm.TRUTH if x.uscc]
    targets = [["2026年度目标"], ["区县", "质押融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"]]
    for name, (amount, *counts) in {**rm.TARGETS_2026, "全市": rm.CITY_TARGET_2026}.items():
        targets.append([name, float(amount), *counts])
    for name, data in (
        ("2026年1-10月台账.xlsx", rm.plain_ledger(loans, "示例市2026年1-10月知识产权质押融资台账", registered=True)),
        ("2026年度目标.xlsx", rm.xlsx(rm.Sheet("目标", targets))),
    ):
        (tmp_path / name).write_bytes(data)
        load_unedited(city, "plain", tmp_path / name)
    want = expected_figures(loans)
    assert want["全市"]["loan_amount"] == Decimal(192_100_000)  # 19260万 without the 个体工商户's 50万
    assert figure_differences(city, want) == []
    rows = progress(city)
    for name, completion in expected_completion(want).items():
        for key, value in completion.items():
            assert float(rows[name][key]) == pytest.approx(float(value), abs=1e-12), (name, key)


def test_the_district_list_with_functional_zones_without_codes_loads(tmp_path):
    store = city_store(tmp_path)
    path = tmp_path / rm.FILES["districts"]
    path.write_bytes(rm.districts_file())
    load_unedited(store, "districts", path)
    with store.read() as con:
        names = [r[0] for r in con.execute("SELECT name FROM v_districts ORDER BY sort_order").fetchall()]
    assert names == [n for n, _, _ in rm.DISTRICTS]


def test_the_targets_table_takes_this_years_block_and_the_city_row(city, tmp_path):
    store = city
    path = tmp_path / rm.FILES["targets"]
    path.write_bytes(rm.targets_file())
    load_unedited(store, "targets", path)
    with store.read() as con:
        got = {
            (name or "全市", metric): float(value)
            for name, metric, value in con.execute(
                """SELECT d.name, t.metric, t.value FROM v_targets t LEFT JOIN v_districts d ON d.code = t.scope
                   WHERE t.year = 2026"""
            ).fetchall()
        }
    want = {}
    for name, (amount, patents, firms, first) in {**rm.TARGETS_2026, "全市": rm.CITY_TARGET_2026}.items():
        want[(name, "loan_amount")] = float(Decimal(amount) * YI)
        want[(name, "invention_patents")] = patents
        want[(name, "enterprises")] = firms
        want[(name, "first_time_enterprises")] = first
    assert got == want, f"MISSING: {NEEDS['targets']}"


# -- identity and corrections, in the plainest shapes -------------------------------------------
@pytest.mark.parametrize("district_first", [False, True], ids=["bank first", "district first"])
def test_one_loan_from_a_district_with_its_registration_number_and_a_bank_without_counts_once(
    district_first, city, tmp_path
):
    bank = [rm.BY_ID[i] for i in rm.BANK_SHEETS["工商银行"]]
    files = [
        ("中国工商银行示例市分行2026年1-9月.xlsx", bank, False),
        ("邗江区2026年1-9月台账.xlsx", rm.REPORTS["hanjiang"], True),
    ]
    for name, loans, registered in reversed(files) if district_first else files:
        path = tmp_path / name
        path.write_bytes(rm.plain_ledger(loans, name.removesuffix(".xlsx"), registered))
        load_unedited(city, "plain", path)
    differences = ledger_differences(current_loans(city), [*bank, rm.BY_ID["H1"], rm.BY_ID["H2"]])
    assert not differences, (
        "MISSING: the same loan (USCC, head bank, loan date, amount) from a district with 质押登记号 and from a "
        "bank without is one loan:\n" + "\n".join(differences)
    )
    with city.read() as con:
        registered = con.execute("SELECT reg_no FROM v_loans WHERE uscc = ?", [rm.BY_ID["G1"].uscc]).fetchall()
    assert registered == [(rm.BY_ID["G1"].reg_no,)], "MISSING: the registration number attached to the bank's loan"


def test_a_cumulative_file_replaces_the_banks_earlier_report_and_undo_brings_it_back(city, tmp_path):
    batches = {}
    for key, months in (("jsb_9", "1-9月"), ("jsb_10", "1-10月")):
        path = tmp_path / f"江苏银行示例市分行2026年{months}知识产权质押贷款明细.xlsx"
        path.write_bytes(rm.plain_ledger(rm.REPORTS[key], path.stem))
        load_unedited(city, "plain", path, expect_plan=EXPECTED_PLAN if key == "jsb_10" else None)
        with city.read() as con:
            batches[key] = con.execute("SELECT max(id) FROM batches").fetchone()[0]
    differences = ledger_differences(current_loans(city), rm.REPORTS["jsb_10"])
    assert not differences, (
        "MISSING: 1-10月 replaces 江苏银行's 1-9月 report (S3 amount 750→570万 updated, not a second loan; "
        "S2 district 广陵区→邗江区; S4 no longer listed: withdrawn):\n" + "\n".join(differences)
    )
    load.undo(city, batches["jsb_10"], user="analyst")
    differences = ledger_differences(current_loans(city), rm.REPORTS["jsb_9"])
    assert not differences, "undoing the correction must bring back the 1-9月 report:\n" + "\n".join(differences)


# -- merged cells, and the same workbook filled down ------------------------------------------
def test_merged_cells_and_the_same_workbook_filled_down_give_the_same_figures(coded_city, tmp_path):
    want = expected_figures(rm.REPORTS["banks"])
    results = {}
    for variant, fill_down in (("merged", False), ("filled", True)):
        folder = tmp_path / variant
        folder.mkdir()
        store = copy_of(coded_city, folder)
        path = folder / rm.FILES["banks"]
        path.write_bytes(rm.banks_file(fill_down=fill_down))
        parsed, result = pipeline.import_path(store, path, user="analyst")
        if result is None:
            results[variant] = [f"refused: {e}" for e in parsed.errors[:6]]
        else:
            results[variant] = figure_differences(store, want)
    assert results == {"merged": [], "filled": []}, (
        "MISSING: a loan over three rows (merged cells, or filled down) is one loan with all its patents:\n"
        + "\n".join(f"{v}: {line}" for v, lines in results.items() for line in lines)
    )


# -- true errors are refused, all in one round ------------------------------------------------
def test_a_file_with_true_errors_is_refused_naming_sheet_row_and_column(city, tmp_path):
    store = city
    future = max(dt.date.today(), rm.AS_OF) + dt.timedelta(days=30)
    data, where = rm.erroneous_file(future)
    path = tmp_path / "某银行2026年1-10月知识产权质押贷款明细.xlsx"
    path.write_bytes(data)
    parsed, result = pipeline.import_path(store, path, user="analyst")
    assert result is None, "a file with errors must load nothing"
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM v_loans").fetchone()[0] == 0

    def error_at(position):
        row, letter = position
        return [e for e in parsed.errors if e.sheet == "明细" and e.row == row and f"{letter}列" in (e.column or "")]

    missing = []
    uscc = error_at(where["uscc"])
    if not (uscc and "被Excel按数字保存" in uscc[0].message and "校验位" not in uscc[0].message):
        missing.append(
            "a USCC stored as a number gets its own message (被Excel按数字保存，末位已丢失，请从原始系统导出为文本)"
        )
    if any("e+" in str(e).lower() for e in parsed.issues):
        missing.append("numbers in messages without scientific notation")
    late = error_at(where["future"])
    if not (late and "晚于" in late[0].message):
        missing.append("a loan dated after the file's period (1-10月) and after today is an error")
    if len(parsed.errors) != 2:
        missing.append("exactly these two errors, in one round")
    assert not missing, "MISSING: " + "; ".join(missing) + "\ngot:\n" + "\n".join(str(i) for i in parsed.issues)
