"""A viewer limited to one district is answered from the query layer: every figure function takes
the district and gets the viewer's, whatever a page passes; a function without one is refused."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from pledge import bulletin, metrics
from ui.data import OutOfScope, scoped_kwargs

EAST = "990101"
# Not queries of a page: frame helpers, and the CLI's JSON (the CLI has no viewers).
NOT_PAGE_QUERIES = {metrics.city_row, metrics.district_rows, metrics.summary}


def test_every_figure_function_takes_the_district():
    functions = [getattr(metrics, name) for name in metrics.__all__ if callable(getattr(metrics, name))]
    unscoped = [
        f.__name__
        for f in functions
        if f not in metrics.CITY_WIDE_OK
        and f not in NOT_PAGE_QUERIES
        and "district" not in inspect.signature(f).parameters
    ]
    assert unscoped == []


def test_the_viewers_district_wins_over_what_the_page_passes():
    kwargs = scoped_kwargs(metrics.bank_breakdown, {"district": "990102"}, EAST)
    assert kwargs == {"district": EAST}
    assert scoped_kwargs(metrics.bank_breakdown, {}, None) == {}  # a city-wide account: as passed


def test_a_city_wide_figure_is_refused_to_a_district_viewer():
    with pytest.raises(OutOfScope, match="本账户仅限查看本区县"):
        scoped_kwargs(bulletin.build, {}, EAST)
    assert scoped_kwargs(metrics.years_with_data, {}, EAST) == {}  # dates carry no figure


def test_a_scoped_query_returns_only_that_district(city):
    with city.read() as con:
        frame = metrics.district_progress(
            con, 2025, dt.date(2025, 6, 30), **scoped_kwargs(metrics.district_progress, {}, EAST)
        )
        banks = metrics.bank_by_district(
            con, 2025, dt.date(2025, 6, 30), **scoped_kwargs(metrics.bank_by_district, {}, EAST)
        )
    assert frame["scope"].tolist() == [EAST]
    assert set(banks["district"]) == {"东湖区"}
