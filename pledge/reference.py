"""The city's reference data as the loaders need it: district and bank name matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import duckdb
import pandas as pd

# Abbreviations used for development zones all over China.
_ZONE_SHORT_FORMS = (
    ("高新技术产业开发区", "高新区"),
    ("高新技术开发区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经开区"),
)
_CITY_PREFIX = re.compile(r"^.{1,8}?市(?=.)")


def _canonical(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).replace(" ", "").strip()
    for long, short in _ZONE_SHORT_FORMS:
        text = text.replace(long, short)
    return text


# What pandas and the grids write for an empty cell once it has been turned into text.
BLANK_WORDS = {"nan", "none", "null", "<na>", "nat"}


def split_aliases(value) -> list[str]:
    """'工行、工商银行' -> ['工行', '工商银行']; an empty cell (None, NaN, pd.NA, '') gives [], never 'nan'."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return []
    parts = re.split(r"[、,，;；/\s]+", str(value))
    return list(dict.fromkeys(p for p in parts if p and p.lower() not in BLANK_WORDS))


def bank_form(text: str) -> str:
    """A bank name as compared and stored: half-width, without spaces."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").strip()


@dataclass
class District:
    code: str
    name: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Reference:
    districts: list[District]
    banks: dict[str, list[str]]  # head bank -> aliases
    # Spellings an analyst mapped once in the browser (table reference_aliases, pledge/aliases.py).
    district_aliases: dict[str, str] = field(default_factory=dict)  # spelling -> district code
    bank_aliases: dict[str, str] = field(default_factory=dict)  # spelling -> head bank
    header_aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # file kind -> {header: field}

    def __post_init__(self) -> None:
        self._district_index: dict[str, str] = {}
        for d in self.districts:
            for name in (d.name, *d.aliases):
                form = _canonical(name)
                self._district_index[form] = d.code
                if len(form) > 2 and form[-1] in "区县市":
                    self._district_index.setdefault(form[:-1], d.code)
            self._district_index[d.code] = d.code
        self.district_names = {d.code: d.name for d in self.districts}
        for spelling, code in self.district_aliases.items():
            if code in self.district_names:  # an alias of a district no longer listed maps nowhere
                self._district_index.setdefault(_canonical(spelling), code)
        # Longest alias first, so that 中国农业银行 wins over 中国银行 inside a branch name.
        pairs = [(alias, head) for head, aliases in self.banks.items() for alias in (head, *aliases)]
        pairs += [(bank_form(alias), head) for alias, head in self.bank_aliases.items()]
        self._bank_aliases = sorted(pairs, key=lambda p: -len(p[0]))

    def district_code(self, text: str) -> str | None:
        form = _canonical(text)
        if not form:
            return None
        code = self._district_index.get(form)
        if code is None:
            without_city = _CITY_PREFIX.sub("", form)
            code = self._district_index.get(without_city)
        return code

    def head_bank(self, text: str) -> str:
        """'中国工商银行示例市高新支行' -> '中国工商银行'; an unknown bank is kept as written."""
        name = bank_form(text)
        upper = name.upper()
        for alias, head in self._bank_aliases:
            if alias.upper() in upper:
                return head
        return name


def load_reference(con: duckdb.DuckDBPyConnection) -> Reference:
    districts = [
        District(code, name, list(aliases or []))
        for code, name, aliases in con.execute(
            "SELECT code, name, aliases FROM v_districts ORDER BY sort_order"
        ).fetchall()
    ]
    banks = dict(con.execute("SELECT name, aliases FROM banks").fetchall())
    mapped: dict[str, dict[str, str]] = {"district": {}, "bank": {}}
    headers: dict[str, dict[str, str]] = {}
    rows = con.execute("SELECT kind, alias, target FROM reference_aliases ORDER BY created_at").fetchall()
    for kind, alias, target in rows:
        if kind.startswith("header:"):  # 'header:<file kind>:<field>'
            _, file_kind, _ = kind.split(":", 2)
            headers.setdefault(file_kind, {})[alias] = target
        elif kind in mapped:
            mapped[kind][alias] = target
    return Reference(districts, banks, mapped["district"], mapped["bank"], headers)
