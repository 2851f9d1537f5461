"""The upload workflow behind the 数据导入 page: parse once per file, preview, load on confirm,
and tell the analyst how the headline figures moved. The ETL does the work; this only keeps
state between Streamlit reruns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from etl import aliases, kinds, pipeline
from etl import load as loader
from etl.issues import ParsedFile
from pledge import auth, catalogue, metrics
from ui.database import store

HEADLINE = [m.key for m in catalogue.HEADLINE]


@dataclass
class Upload:
    parsed: ParsedFile
    counts: dict
    plans: dict = field(default_factory=dict)  # replace mode -> etl.identity.Plan (ledgers)


def plan_for(upload: Upload, mode: str):
    """What loading the ledger would do in this mode, worked out once per mode."""
    if mode not in upload.plans:
        upload.parsed.replace_mode = mode
        upload.plans[mode] = loader.plan(store(), upload.parsed)
    return upload.plans[mode]


def parse_upload(name: str, data: bytes, year: int | None) -> Upload:
    """Parsed once per (file, year) and kept for the session: reruns do not parse again."""
    cache = st.session_state.setdefault("parsed_uploads", {})
    key = (name, len(data), hash(data), year)
    if key not in cache:
        parsed = pipeline.parse_bytes(store(), data, name, year=year)
        cache[key] = Upload(parsed, loader.preview_counts(store(), parsed))
    return cache[key]


def _headline(year: int, as_of: dt.date) -> pd.Series:
    with store().read() as con:
        return metrics.city_row(metrics.district_progress(con, year, as_of))[HEADLINE]


def refusal_for(parsed: ParsedFile, user: auth.User) -> str | None:
    """Why this user may not load this kind of file, or None."""
    if parsed.kind is None:
        return None
    kind = kinds.get(parsed.kind)
    if user.can(kind.required_role):
        return None
    return f"{kind.label}属于基础数据，只能由{auth.ROLE_LABELS[kind.required_role]}导入（系统管理→区县与银行，或请管理员上传）"


def confirm(upload: Upload, user: auth.User) -> dict:
    """Load the file; return the batch result and the city figures before and after. Checked on
    the server: a role that may not load this kind is refused, whatever the page showed."""
    parsed = upload.parsed
    refusal = refusal_for(parsed, user)
    if refusal:
        raise loader.LoadRefused(refusal)
    year = kinds.get(parsed.kind).year_of(parsed)
    before = None
    if year:
        with store().read() as con:
            as_of_before = metrics.default_as_of(con, year)
        before = _headline(year, as_of_before)
    result = loader.load(store(), parsed, user=user.name)
    outcome: dict = {"result": result, "year": year}
    if year:
        with store().read() as con:
            as_of = metrics.default_as_of(con, year)
        after = _headline(year, as_of)
        outcome.update(as_of=as_of, after=after, moved=after - before)
    st.session_state.setdefault("import_results", {})[parsed.sha256] = outcome
    return outcome


def save_mappings(mappings: list[aliases.Mapping], user: auth.User) -> aliases.Saved:
    """Save the names an analyst mapped in the preview, then parse every upload again with them.
    Checked on the server: a viewer may not, whatever the page showed."""
    if not user.can("analyst"):
        raise aliases.AliasRefused("只有分析人员和管理员可以保存名称映射")
    saved = aliases.save(store(), mappings, user.name)
    st.session_state.pop("parsed_uploads", None)  # the reference changed: no preview is current any more
    return saved
