"""How pages reach the metrics layer: `query(fn, *args)` runs fn(con, *args) on the app's store,
cached until the data changes, and scoped to the viewer.

A viewer limited to one district is answered from the query layer, not by page code filtering
results: every function that takes `district` gets that viewer's district, whatever the page
passed, and a function without one is refused unless it shows no figure (metrics.CITY_WIDE_OK).
A new page cannot leak city-wide figures by forgetting a filter."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import streamlit as st

from pledge import metrics
from pledge.store import Store
from ui import session
from ui.database import store


class OutOfScope(PermissionError):
    """A district-limited viewer asked for a figure that has no district to limit it to."""


@st.cache_data(show_spinner=False, max_entries=512)
def _run(db_path: str, data_version: tuple, name: str, args: tuple, kwargs: tuple, _fn: Callable) -> Any:
    with Store(db_path).read() as con:
        return _fn(con, *args, **dict(kwargs))


def scoped_kwargs(fn: Callable, kwargs: dict, district: str | None) -> dict:
    """kwargs with the viewer's district forced in, or OutOfScope."""
    if district is None:
        return kwargs
    if "district" in inspect.signature(fn).parameters:
        return {**kwargs, "district": district}
    if fn in metrics.CITY_WIDE_OK:
        return kwargs
    raise OutOfScope(f"“{fn.__name__}”是全市范围的数据，本账户仅限查看本区县")


def query(fn: Callable, *args, **kwargs) -> Any:
    """fn(con, *args, **kwargs), cached per data version: an import or an undo invalidates it."""
    kwargs = scoped_kwargs(fn, kwargs, session.scope())
    s = store()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _run(str(s.path), s.data_version(), name, args, tuple(sorted(kwargs.items())), fn)


def later(fn: Callable, *args, **kwargs) -> Callable[[], Any]:
    """query(fn, ...) to be run when called: a download built when clicked (a national list the
    page shows one page of). The viewer's scope is applied now, since Streamlit runs the click on
    another thread."""
    kwargs = scoped_kwargs(fn, kwargs, session.scope())
    s = store()
    name, version = f"{fn.__module__}.{fn.__qualname__}", s.data_version()
    return lambda: _run(str(s.path), version, name, args, tuple(sorted(kwargs.items())), fn)
