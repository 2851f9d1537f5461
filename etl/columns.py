"""Declarative column specs: a kind of file declares its fields, the headers they arrive under
(DOMAIN.md's aliases) and which are required (etl/kinds/). Header cleaning and matching live here."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # how the field is called in messages and templates
    aliases: tuple[str, ...]
    required: bool = False
    money: bool = False  # header may carry a unit: (元) (万元) (亿元)
    default_unit: str | None = None
    # Headers taken only when no column names the field otherwise, with this warning (授信金额 is
    # a credit line, not a loan).
    fallback: tuple[str, ...] = ()
    fallback_warning: str | None = None
    # A sheet without this column may name it in its sheet name or title (one bank's sheet).
    sheet_named: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]
    # Headers that identify this kind of file; used to tell the kinds apart.
    signature: tuple[str, ...] = field(default=())
    # Columns only a record of this kind has (a loan's enterprise, its date): a sheet with several
    # of the kind's columns and one of these is of the kind even when a required column is missing.
    record_fields: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def match(self, header_text: str) -> str | None:
        """The field a cleaned header names, if any (see clean_header)."""
        found = self._aliases.get(header_text)
        return found[0] if found else None

    def ranked(self, header_text: str) -> tuple[str, int] | None:
        """The field a cleaned header names and its preference: the alias's place in the field's
        list (lower is preferred), fallback headers after every alias."""
        return self._aliases.get(header_text)

    @functools.cached_property
    def _aliases(self) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        for f in self.fields:
            names = [*f.aliases, *f.fallback]
            ranked = [(a, i) for i, a in enumerate(names)]
            if f.label not in names:
                ranked.insert(0, (f.label, -1))
            for alias, rank in ranked:
                found.setdefault(clean_header(alias)[0], (f.name, rank))
        return found


# -- header matching -----------------------------------------------------------------------
_UNIT_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_NOISE_RE = re.compile(r"[\s*※:：]")
_MONEY_UNIT_WORDS = {"元": "元", "万元": "万元", "亿元": "亿元", "万": "万元", "亿": "亿元"}


def clean_header(value) -> tuple[str, str | None]:
    """('贷款金额', '万元') from '贷款金额\n（万元）', ' 贷款金额(单位:万元) ' and the like."""
    if value is None:
        return "", None
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("【", "[").replace("】", "]")
    unit = None
    for inner in _UNIT_RE.findall(text):
        inner = _NOISE_RE.sub("", inner).replace("单位", "")
        if inner in _MONEY_UNIT_WORDS:
            unit = _MONEY_UNIT_WORDS[inner]
    base = _NOISE_RE.sub("", _UNIT_RE.sub("", text))
    if unit is None:  # "金额万元" written without brackets
        for word in ("亿元", "万元"):
            if base.endswith(word) and len(base) > len(word):
                base, unit = base[: -len(word)], word
                break
    return base, unit


_UNIT_MENTION = re.compile(r"单位[:：]?(亿元|万元|元)")
# A cell that is a unit line of its own, never a header: "单位：元", "（金额单位：万元）".
_UNIT_CELL = re.compile(r"^[(\[]?(?:金额|货币|计量)?单位[:：]?(亿元|万元|元)")


def unit_line(cells: list) -> str | None:
    """'单位：万元' in a line above the header (or in the title) gives the money unit of the table."""
    for cell in cells:
        text = unicodedata.normalize("NFKC", str(cell or "")).replace(" ", "")
        match = _UNIT_MENTION.search(text)
        if match:
            return match.group(1)
    return None


def is_unit_cell(cell) -> bool:
    """A cell that says the unit and nothing a header would: the row holding it is no header."""
    text = unicodedata.normalize("NFKC", str(cell or "")).replace(" ", "")
    return bool(_UNIT_CELL.match(text))
