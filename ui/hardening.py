"""What a production deployment turns off that config.toml cannot: Streamlit accepts a "clear cache"
message from any connected client and clears every user's caches (st.cache_data and
st.cache_resource are global), so an anonymous flood of them makes every page recompute. The app
clears its caches itself when the data changes (ui/data.py keys them on the file's version)."""

from __future__ import annotations

import logging

from streamlit.runtime.app_session import AppSession

log = logging.getLogger(__name__)


def _ignore_clear_cache(self: AppSession) -> None:
    log.warning("ignored a client's request to clear the server's caches")


def refuse_remote_cache_clearing() -> None:
    """Make the client's clear-cache message do nothing (idempotent)."""
    AppSession._handle_clear_cache_request = _ignore_clear_cache  # type: ignore[method-assign]
