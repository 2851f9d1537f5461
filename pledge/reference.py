"""The city's reference data as the loaders need it: district and bank name matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import duckdb
import pandas as pd

# Abbreviations used for development zones all over China (the long forms first).
ZONE_SHORT_FORMS = (
    ("高新技术产业开发区", "高新区"),
    ("高新技术开发区", "高新区"),
    ("高新产业开发区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经开区"),
)
_ZONE_LONG_FORMS = (("高新区", "高新技术产业开发区"), ("经开区", "经济技术开发区"))
_NOISE = re.compile(r"[\s\-\u2010-\u2015\u2212\u2500\u00b7\u30fb•_]")  # spaces, dashes, middle dots
_PROVINCE_PREFIX = re.compile(r"^.{1,6}?(?:省|自治区)(?=.)")
_CITY_PREFIX = re.compile(r"^.{1,8}?市(?=.)")
_SUFFIXES = "区县市"


def canonical_name(name: str) -> str:
    """The form district spellings are compared in: half-width, no spaces or dashes, zones abbreviated."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", name))
    for long, short in ZONE_SHORT_FORMS:
        text = text.replace(long, short)
    return text


def _stem(form: str) -> str:
    """临渭区 -> 临渭, 韩城市 -> 韩城; two-character names (城区) stay whole."""
    return form[:-1] if len(form) > 2 and form[-1] in _SUFFIXES else form


def _without_prefixes(form: str) -> list[str]:
    """The spelling, then without its province, then without its city (渭南市临渭区 -> 临渭区)."""
    forms = [form]
    for prefix in (_PROVINCE_PREFIX, _CITY_PREFIX):
        shorter = prefix.sub("", forms[-1])
        if shorter != forms[-1]:
            forms.append(shorter)
    return forms


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
    # Spellings an analyst mapped once in the browser (table reference_aliases, etl/aliases.py).
    district_aliases: dict[str, str] = field(default_factory=dict)  # spelling -> district code
    bank_aliases: dict[str, str] = field(default_factory=dict)  # spelling -> head bank
    header_aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # file kind -> {header: field}

    def __post_init__(self) -> None:
        self._exact: dict[str, list[str]] = {}  # canonical name, alias or code -> codes
        self._stems: dict[str, list[str]] = {}  # the same without 区/县/市 -> codes
        self._contained: list[tuple[str, str]] = []  # (form, code): short and long forms, for containment
        for d in self.districts:
            for name in (d.name, *d.aliases, d.code):
                form = canonical_name(name)
                if not form:
                    continue
                _add(self._exact, form, d.code)
                _add(self._stems, _stem(form), d.code)
                if name == d.code:
                    continue
                self._contained.append((form, d.code))
                for short, long in _ZONE_LONG_FORMS:
                    if short in form:
                        self._contained.append((form.replace(short, long), d.code))
        self.district_names = {d.code: d.name for d in self.districts}
        for spelling, code in self.district_aliases.items():
            if code in self.district_names:  # an alias of a district no longer listed maps nowhere
                self._exact.setdefault(canonical_name(spelling), [code])
        # Longest alias first, so that 中国农业银行 wins over 中国银行 inside a branch name.
        pairs = [(alias, head) for head, aliases in self.banks.items() for alias in (head, *aliases)]
        pairs += [(bank_form(alias), head) for alias, head in self.bank_aliases.items()]
        self._bank_aliases = sorted(pairs, key=lambda p: -len(p[0]))

    def district_candidates(self, text: str) -> list[str]:
        """The codes of the districts a spelling may name, best evidence first: one code is a match,
        several are ambiguous, none is unknown. In order: the name, an alias or the code as written;
        the same with the province or city prefixed, or with the suffix 区/县/市 added or dropped
        (临渭 = 临渭县 = 渭南市临渭区); then containment either way (卤阳湖 in 卤阳湖现代产业综合开发区,
        高新 in 渭南高新区)."""
        form = canonical_name(text)
        if not form:
            return []
        if form in self._exact:
            return self._exact[form]
        variants = _without_prefixes(form)
        found = self._in_order(c for v in variants for c in (*self._exact.get(v, ()), *self._stems.get(_stem(v), ())))
        if found or form.endswith("市"):  # a city name (渭南市) names no district by containment
            return found
        stems = [s for s in (_stem(v) for v in variants) if len(s) >= 2]
        return self._in_order(
            code
            for known, code in self._contained
            if any(s in known for s in stems) or (len(_stem(known)) >= 2 and any(_stem(known) in v for v in variants))
        )

    def district_code(self, text: str) -> str | None:
        """The district a spelling names when it names exactly one (see district_candidates)."""
        found = self.district_candidates(text)
        return found[0] if len(found) == 1 else None

    def _in_order(self, codes) -> list[str]:
        wanted = set(codes)
        return [d.code for d in self.districts if d.code in wanted]

    def head_bank(self, text: str) -> str:
        """'中国工商银行示例市高新支行' -> '中国工商银行'; an unknown bank is kept as written."""
        name = bank_form(text)
        upper = name.upper()
        for alias, head in self._bank_aliases:
            if alias.upper() in upper:
                return head
        return name


def _add(index: dict[str, list[str]], key: str, code: str) -> None:
    codes = index.setdefault(key, [])
    if code not in codes:
        codes.append(code)


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
