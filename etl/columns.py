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


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]
    # Headers that identify this kind of file; used to tell the kinds apart.
    signature: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def match(self, header_text: str) -> str | None:
        """The field a cleaned header names, if any (see clean_header)."""
        return self._aliases.get(header_text)

    @functools.cached_property
    def _aliases(self) -> dict[str, str]:
        return {clean_header(a)[0]: f.name for f in self.fields for a in (f.label, *f.aliases)}


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


def unit_line(cells: list) -> str | None:
    """'单位：万元' in a line above the header gives the money unit of the table."""
    for cell in cells:
        text = unicodedata.normalize("NFKC", str(cell or "")).replace(" ", "")
        match = re.search(r"单位[:：]?(亿元|万元|元)", text)
        if match:
            return match.group(1)
    return None
