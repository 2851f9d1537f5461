"""年度目标 tables as cities really send them: last year's 完成情况 beside this year's 目标 under
two-row merged headers, targets named in one header row, 合计 rows. Never silently wrong."""

from __future__ import annotations

from etl import pipeline, preview
from tests.fixtures import xlsx_bytes

METRICS = ["融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"]
# 区县, then 2025 results (亿元, 件, 家, 家), then 2026 targets in the same order.
BLOCKS = [
    ["东湖区", 4.1, 50, 30, 10, 5, 57, 35, 12],
    ["西山区", 2.0, 20, 12, 5, 2.5, 25, 15, 6],
    ["高新区", 3.3, 40, 22, 8, 4.25, 45, 25, 9],
    ["临江县", 1, 5, 6, 2, 1.2, 6, 8, 3],
]
MERGES = ["A3:A4", "B3:E3", "F3:I3"]


def two_blocks(
    title="2026年知识产权质押融资目标任务分解表", first="2025年完成情况", second="2026年目标任务", total=None
):
    rows = [
        [title],
        ["单位：亿元、件、家"],
        ["区县", first, None, None, None, second, None, None, None],
        [None, *METRICS, *METRICS],
        *BLOCKS,
    ]
    return xlsx_bytes(rows + ([total] if total else []), merges=MERGES)


def targets(store, year):
    with store.read() as con:
        rows = con.execute("SELECT scope, metric, value FROM v_targets WHERE year = ?", [year]).fetchall()
    return {(scope, metric): float(value) for scope, metric, value in rows}


def loaded(store, data, name="目标.xlsx", **kwargs):
    parsed, result = pipeline.import_path(store, _write(store, name, data), user="test", **kwargs)
    assert result is not None, [str(i) for i in parsed.errors]
    return parsed


def _write(store, name, data):
    path = store.path.parent / name
    path.write_bytes(data)
    return path


def test_this_years_block_is_loaded_and_last_years_results_are_listed_as_ignored(store):
    total = ["合计", 10.4, 115, 70, 25, 12.95, 133, 83, 30]
    parsed = loaded(store, two_blocks(total=total))
    assert parsed.year == 2026 and not parsed.warnings
    got = targets(store, 2026)
    assert got == {
        **{("990101", k): v for k, v in zip(KEYS, [500_000_000, 57, 35, 12])},
        **{("990102", k): v for k, v in zip(KEYS, [250_000_000, 25, 15, 6])},
        **{("990103", k): v for k, v in zip(KEYS, [425_000_000, 45, 25, 9])},
        **{("990104", k): v for k, v in zip(KEYS, [120_000_000, 6, 8, 3])},
        **{("CITY", k): v for k, v in zip(KEYS, [1_295_000_000, 133, 83, 30])},  # the 合计 row
    }
    assert targets(store, 2025) == {}
    fields = {m["column"]: (m["header"], m["field"]) for m in parsed.mapping}
    assert fields["F"] == ("2026年目标任务/融资金额(亿元)", "质押融资金额")
    assert fields["I"] == ("2026年目标任务/首贷企业(家)", "首贷企业")
    assert fields["B"][0] == "2025年完成情况/融资金额(亿元)" and "完成情况，不是目标" in fields["B"][1]
    assert all(fields[c][1].startswith("不导入") for c in "BCDE")


def test_without_a_title_the_year_comes_from_the_target_header_not_the_first_year_written(store):
    parsed = loaded(store, two_blocks(title=None))
    assert parsed.year == 2026
    assert targets(store, 2026)[("990101", "loan_amount")] == 500_000_000


def test_two_target_columns_for_one_metric_are_refused_naming_both(store):
    data = two_blocks(first="2026年目标任务", second="2026年目标任务（调整后）")
    parsed = pipeline.parse_bytes(store, data, "目标.xlsx")
    messages = [e.message for e in parsed.errors]
    assert len(messages) == 4  # one for each metric, none taken silently
    amount = next(m for m in messages if m.startswith("“质押融资金额”"))
    assert "工作表“Sheet1”的B列“2026年目标任务/融资金额(亿元)”" in amount
    assert "F列“2026年目标任务（调整后）/融资金额(亿元)”" in amount
    assert targets(store, 2026) == {}


def test_blocks_told_apart_by_year_alone_need_the_year(store):
    data = two_blocks(title=None, first="2025年", second="2026年")
    refused = pipeline.parse_bytes(store, data, "目标.xlsx")
    amount = next(e.message for e in refused.errors if e.message.startswith("“质押融资金额”"))
    assert "B列“2025年/融资金额(亿元)”、F列“2026年/融资金额(亿元)”" in amount and "导入时指定年度" in amount
    parsed = loaded(store, data, year=2025)
    assert targets(store, 2025)[("990102", "loan_amount")] == 200_000_000  # the 2025 block, as asked
    assert targets(store, 2025)[("990102", "first_time_enterprises")] == 5
    assert any("2026年，不是2025年的目标" in m["field"] for m in parsed.mapping)


def test_targets_named_in_one_header_row(store):
    rows = [
        ["区县", "2025年融资金额完成(亿元)", "2026年融资金额目标(亿元)", "2026年首贷企业目标(家)"],
        ["东湖区", 4.1, 5, 12],
        ["西山区", 2, 2.5, 6],
        ["全市", 6.1, 8, None],
    ]
    loaded(store, xlsx_bytes(rows))
    assert targets(store, 2026) == {
        ("990101", "loan_amount"): 500_000_000,
        ("990101", "first_time_enterprises"): 12,
        ("990102", "loan_amount"): 250_000_000,
        ("990102", "first_time_enterprises"): 6,
        ("CITY", "loan_amount"): 800_000_000,
    }


def test_a_total_row_that_is_not_the_districts_sum_is_the_city_target_with_a_warning(store):
    total = ["合计", 10.4, 115, 70, 25, 13.5, 133, 83, 30]  # 5 + 2.5 + 4.25 + 1.2 = 12.95, not 13.5
    parsed = loaded(store, two_blocks(total=total))
    assert targets(store, 2026)[("CITY", "loan_amount")] == 1_350_000_000
    (warning,) = parsed.warnings
    assert warning.row == 9 and "13.50亿元不等于各区县目标之和12.95亿元" in warning.message


def test_a_city_row_and_an_agreeing_total_row_are_one_city_target(store):
    rows = [["2026年目标"], ["区县", "质押融资金额(亿元)"], ["全市", 3], ["东湖区", 1], ["西山区", 2], ["合计", 3]]
    loaded(store, xlsx_bytes(rows))
    assert targets(store, 2026)[("CITY", "loan_amount")] == 300_000_000


def test_the_preview_shows_every_metric_of_every_district_in_its_unit(store):
    parsed = pipeline.parse_bytes(store, two_blocks(), "目标.xlsx")
    shown = preview.rows_frame(parsed, pipeline.reference(store))
    assert list(shown.columns) == ["区县", "质押融资金额(亿元)", "质押发明专利(件)", "惠及企业(家)", "首贷企业(家)"]
    assert shown.values.tolist() == [
        ["东湖区", "5.00", "57", "35", "12"],
        ["西山区", "2.50", "25", "15", "6"],
        ["高新技术产业开发区", "4.25", "45", "25", "9"],
        ["临江县", "1.20", "6", "8", "3"],
        ["全市", "12.95（各区县之和）", "133（各区县之和）", "83（各区县之和）", "30（各区县之和）"],
    ]


def test_the_preview_shows_a_district_the_file_leaves_out_as_without_target(store):
    rows = [["2026年目标"], ["区县", "质押融资金额(亿元)"], ["东湖区", 1.125], ["全市", 3]]
    shown = preview.rows_frame(pipeline.parse_bytes(store, xlsx_bytes(rows), "目标.xlsx"), pipeline.reference(store))
    assert shown.values.tolist() == [
        ["东湖区", "1.125"],
        ["西山区", "—"],
        ["高新技术产业开发区", "—"],
        ["临江县", "—"],
        ["全市", "3.00"],
    ]


KEYS = ["loan_amount", "invention_patents", "enterprises", "first_time_enterprises"]


def test_metric_parents_over_target_and_result_children(store):
    rows = [
        ["2026年目标任务及完成情况"],
        ["区县", "融资金额(亿元)", None, "首贷企业(家)", None],
        [None, "目标", "完成", "目标", "完成"],
        ["东湖区", 5, 4.1, 12, 10],
        ["西山区", 2.5, 2, 6, 5],
    ]
    parsed = loaded(store, xlsx_bytes(rows, merges=["A2:A3", "B2:C2", "D2:E2"]))
    assert targets(store, 2026) == {
        ("990101", "loan_amount"): 500_000_000,
        ("990101", "first_time_enterprises"): 12,
        ("990102", "loan_amount"): 250_000_000,
        ("990102", "first_time_enterprises"): 6,
    }
    assert {m["column"] for m in parsed.mapping if m["field"].startswith("不导入")} == {"C", "E"}


def test_a_table_of_results_only_is_refused(store):
    rows = [["区县", "2025年融资金额完成(亿元)", "2025年首贷企业完成(家)"], ["东湖区", 4.1, 10]]
    parsed = pipeline.parse_bytes(store, xlsx_bytes(rows), "2026年目标.xlsx")
    assert [e.message for e in parsed.errors] == [
        "目标表中没有找到任何目标列（质押融资金额、质押发明专利、惠及企业、首贷企业等）；完成情况和其他年度的列不作为目标（见“列映射”）"
    ]
