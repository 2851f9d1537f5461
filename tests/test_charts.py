"""The figure functions (pledge/charts.py): every chart stands alone in a report (issue #19).

Its title names the scope, the year and the as-of date, and its PNG file name follows the title;
ranked bars leave out zero rows; a list of thousands shows its first and last 15, says so, and
builds fast; long names wrap but are never cut; the bulletin's charts come from these functions."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import time

import pandas as pd
import plotly.graph_objects as go
import pytest

from pledge import bulletin, charts, metrics
from pledge.catalogue import CITY

AS_OF = dt.date(2026, 10, 31)
YEAR = 2026
SCOPES = ["全市", "邗江区"]
MANY = 3_000


def fake_districts(n: int) -> list[str]:
    return [f"第{i:04d}测试区" for i in range(n)]


def progress_frame(n: int) -> pd.DataFrame:
    names = fake_districts(n)
    completion = [1.5 - i / n for i in range(n)]
    return pd.DataFrame(
        {
            "scope": [CITY, *[f"99{i:04d}" for i in range(n)]],
            "name": ["全市", *names],
            "rank": [None, *range(1, n + 1)],
            "c_loan_amount": [1.0, *completion],
            "status": ["超序时", *["超序时" if c > 0.8 else "滞后" for c in completion]],
        }
    )


def matrix_frame(n: int) -> pd.DataFrame:
    rows = [
        {"sort_order": i, "district": name, "month": m, "amount": float((i + 1) * 10_000 * m)}
        for i, name in enumerate(fake_districts(n))
        for m in (1, 2, 3)
    ]
    return pd.DataFrame(rows)


def bank_district_frame(n: int, banks: int = 12) -> pd.DataFrame:
    rows = [
        {"bank": f"银行{b:02d}", "district": name, "sort_order": i, "amount": float((i + 1) * (b + 1) * 1e5)}
        for i, name in enumerate(fake_districts(n))
        for b in range(banks)
        if (i + b) % 3 == 0
    ]
    return pd.DataFrame(rows)


def series_frame() -> pd.DataFrame:
    months = list(range(1, 13))
    amounts = [1e7 * m if m <= 10 else None for m in months]
    cumulative = pd.Series(amounts).cumsum().where(pd.Series(amounts).notna())
    return pd.DataFrame(
        {"month": months, "amount": amounts, "cumulative": cumulative, "prev_cumulative": [8e6 * m for m in months]}
    )


def every_figure(scope: str, n: int = 4) -> dict[str, go.Figure]:
    return {
        "cumulative": charts.cumulative_vs_target(series_frame(), 2e9, None, YEAR, AS_OF, scope),
        "monthly": charts.monthly_bars(series_frame(), YEAR, AS_OF, scope),
        "ranking": charts.completion_ranking(progress_frame(n), 0.83, YEAR, AS_OF, scope),
        "heatmap": charts.district_month_heatmap(matrix_frame(n), YEAR, AS_OF, scope),
        "stacked": charts.stacked_bank_district(bank_district_frame(n), YEAR, AS_OF, scope),
        "bars": charts.horizontal_bars(
            ["工行", "建行"], [2.0, 1.0], f"{YEAR}年各银行质押融资额", "亿元", AS_OF, scope=scope
        ),
    }


def plain_title(fig: go.Figure) -> str:
    return re.sub(r"<[^>]+>", "", fig.layout.title.text)


def category_ticks(fig: go.Figure) -> list[str]:
    """The y-axis tick labels as the reader sees them: wrapped lines joined."""
    return [str(t).replace("<br>", "") for t in fig.layout.yaxis.ticktext or ()]


@pytest.mark.parametrize("scope", SCOPES)
def test_every_title_names_scope_year_and_as_of_date_and_the_png_follows_it(scope):
    for name, fig in every_figure(scope).items():
        text = plain_title(fig)
        assert text.startswith(scope), (name, text)
        assert f"{YEAR}年" in text and "截至2026年10月31日" in text, (name, text)
        file_name = charts.figure_file_name(fig)
        assert file_name is not None and file_name.startswith(scope) and file_name.endswith("_截至20261031"), name
        assert not re.search(r'[\\/:*?"<>|\s]', file_name), file_name


def test_a_district_heatmap_and_stacked_chart_do_not_read_as_every_district():
    figures = every_figure("邗江区", n=1)
    assert "各区县" not in plain_title(figures["heatmap"])
    assert "各区县" not in plain_title(figures["stacked"])
    assert "全市" not in plain_title(figures["heatmap"])


def test_file_names_are_safe_for_names_with_slashes_and_tags():
    assert charts.file_name("甲/乙:<b>丙</b> 银行?", AS_OF) == "甲_乙_b_丙_b_银行_截至20261031"


def test_ranked_bars_leave_out_zero_rows_and_never_label_a_small_value_zero():
    fig = charts.horizontal_bars(
        ["工行", "建行", "农行", "中行"], [1.5, 0.0, 0.004, float("nan")], "2026年各银行", "亿元", AS_OF, scope="邗江区"
    )
    assert list(fig.data[0].y) == ["农行", "工行"]  # largest on top: Plotly draws the last row at the top
    assert "0.00" not in fig.data[0].text and "0.004" in fig.data[0].text


def test_a_district_bank_chart_from_the_data_lists_only_banks_that_lent_there(city):
    with city.read() as con:
        banks = metrics.bank_breakdown(con, 2025, dt.date(2025, 7, 5), district="990102")  # 西山区
    assert (banks["amount"] == 0).any()  # 建行 lent there last year only
    fig = charts.horizontal_bars(
        banks["bank"].tolist(),
        (banks["amount"] / 1e8).tolist(),
        "2025年各银行质押融资额",
        "亿元",
        AS_OF,
        scope="西山区",
    )
    shown = set(fig.data[0].y)
    assert shown == set(banks.loc[banks["amount"] > 0, "bank"])


def test_an_empty_ranking_says_so_instead_of_drawing_nothing():
    fig = charts.horizontal_bars(["工行"], [0.0], "2026年各银行质押融资额", "亿元", AS_OF, scope="邗江区")
    assert any("没有数据" in a.text for a in fig.layout.annotations)


def test_long_names_wrap_and_every_one_is_shown_whole():
    long_name = "某某市某某区高新技术产业开发区知识产权运营服务有限责任公司"
    fig = charts.horizontal_bars([long_name, "短名"], [3.0, 1.0], "2026年企业", "万元", AS_OF, scope="全市")
    assert long_name in category_ticks(fig)
    assert max(len(line) for t in fig.layout.yaxis.ticktext for line in t.split("<br>")) <= charts.WRAP
    assert fig.data[0].cliponaxis is False and fig.layout.yaxis.automargin


@pytest.mark.parametrize("name", ["ranking", "heatmap", "stacked", "bars"])
def test_thousands_of_districts_show_top_and_bottom_15_fast_and_say_so(name):
    districts = fake_districts(MANY)
    started = time.perf_counter()
    if name == "bars":
        fig = charts.horizontal_bars(
            districts, [float(MANY - i) for i in range(MANY)], "2026年各区县质押融资额", "亿元", AS_OF, scope="全国"
        )
    else:
        fig = every_figure("全国", n=MANY)[name]
    fig.to_json()
    elapsed = time.perf_counter() - started
    assert elapsed < 3, f"{name}: {elapsed:.1f}s"
    assert "前15名和后15名" in plain_title(fig) and "3,000" in plain_title(fig), plain_title(fig)
    ticks = category_ticks(fig)
    assert len(ticks) == 2 * charts.EDGE + 1  # the first 15, a gap row, the last 15
    assert sum("其余2,970个从略" in t for t in ticks) == 1
    data_names = set(districts)
    assert all(t in data_names for t in ticks if "从略" not in t)


def test_the_ranking_keeps_rank_order_first_on_top():
    fig = charts.completion_ranking(progress_frame(MANY), 0.83, YEAR, AS_OF, "全国")
    ticks = category_ticks(fig)[::-1]  # top to bottom
    assert ticks[0] == "第0000测试区" and ticks[-1] == f"第{MANY - 1:04d}测试区"


def test_the_bulletin_draws_with_the_figure_functions_of_the_pages(city):
    source = inspect.getsource(bulletin)
    assert "go.Figure(" not in source and "add_bar(" not in source and "add_scatter(" not in source
    with city.read() as con:
        report = bulletin.build(con, 2025, 6)
    for name, fig in report.charts.items():
        assert plain_title(fig).startswith("全市"), name
        assert charts.figure_file_name(fig), name  # set only by pledge/charts.py


def test_the_word_bulletin_png_of_a_long_ranking_grows_taller_instead_of_squeezing_its_rows():
    from pledge import render

    if render.missing():
        pytest.skip("chromium or the CJK font is not installed")
    fig = charts.completion_ranking(progress_frame(MANY), 0.83, YEAR, AS_OF, "全国")
    png = render.png(fig)
    height = int.from_bytes(png[20:24], "big")  # PNG IHDR
    assert height == fig.layout.height * render.SCALE > render.HEIGHT * render.SCALE
