"""Spellings mapped once in the browser (table reference_aliases): a district as a file writes it to
a district of the list, a bank as written to a head bank (or the bank becomes a head bank of its
own), a header of a kind of file to one of its fields. Each is saved with who and when, applies to
every later parse (pledge/reference.load_reference), and a bank mapping applies to the loans already
loaded as well (pledge/banks.rebank), in the same transaction. Admins list and remove them on the
区县与银行 page."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import duckdb
import pandas as pd

from etl import kinds
from pledge import banks
from pledge.auth import audit
from pledge.reference import BLANK_WORDS, bank_form
from pledge.sql import fetch_value
from pledge.store import Store

WHAT_LABEL = {"district": "区县", "bank": "银行", "header": "表头"}


class AliasRefused(ValueError):
    """The mapping cannot be saved; the message says why in Chinese."""


@dataclass(frozen=True)
class Mapping:
    what: str  # district | bank | header
    alias: str  # as the file writes it (a header: cleaned, etl/columns.clean_header)
    target: str  # district code | head bank | field name
    file_kind: str | None = None  # header: the kind of file it belongs to
    new_bank: bool = False  # bank: the spelling becomes a head bank of its own

    @property
    def kind(self) -> str:
        """The reference_aliases.kind of this mapping."""
        return f"header:{self.file_kind}:{self.target}" if self.what == "header" else self.what


@dataclass
class Saved:
    aliases: int
    new_banks: list[str]
    rebanked: banks.Rebanked


def _clean(text) -> str:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    return "" if text.lower() in BLANK_WORDS else text


def _checked(con: duckdb.DuckDBPyConnection, m: Mapping, new_banks: set[str]) -> Mapping:
    alias = bank_form(_clean(m.alias)) if m.what == "bank" else _clean(m.alias)
    if not alias:
        raise AliasRefused("文件中的写法为空，不能保存映射")
    if m.what == "district":
        if not fetch_value(con, "SELECT count(*) FROM v_districts WHERE code = ?", [m.target]):
            raise AliasRefused(f"“{alias}”要映射到的区县不在当前区县名单中")
    elif m.what == "bank":
        target = alias if m.new_bank else _clean(m.target)
        known = target in new_banks or fetch_value(con, "SELECT count(*) FROM banks WHERE name = ?", [target])
        if not m.new_bank and not known:
            raise AliasRefused(f"“{alias}”要映射到的总行“{target}”不在银行名称表中")
        return Mapping("bank", alias, target, new_bank=m.new_bank)
    elif m.what == "header":
        if m.file_kind not in kinds.KINDS or m.target not in {f.name for f in kinds.get(m.file_kind).spec.fields}:
            raise AliasRefused(f"表头“{alias}”要映射到的列不存在")
    else:
        raise AliasRefused(f"不能保存这类映射：{m.what}")
    return Mapping(m.what, alias, m.target, m.file_kind)


def save(store: Store, mappings: list[Mapping], user: str) -> Saved:
    """Write the mappings with the user and the time, one audit entry, and re-bank the loaded loans
    when a bank mapping is among them; one transaction. Callers check the role (ui/importing.py)."""
    if not mappings:
        raise AliasRefused("没有选择任何映射")
    now = dt.datetime.now().replace(microsecond=0)
    with store.write(backup="before-alias" if any(m.what == "bank" for m in mappings) else None) as con:
        adding = {bank_form(_clean(m.alias)) for m in mappings if m.what == "bank" and m.new_bank}
        checked = [_checked(con, m, adding) for m in mappings]
        new_banks, saved, described = [], 0, []
        for m in checked:
            if m.new_bank:
                con.execute("INSERT INTO banks VALUES (?, []) ON CONFLICT DO NOTHING", [m.alias])
                new_banks.append(m.alias)
                described.append(f"新增银行“{m.alias}”")
                continue
            if m.what == "header":  # one header names one field of a kind of file
                con.execute(
                    "DELETE FROM reference_aliases WHERE kind LIKE ? AND alias = ?",
                    [f"header:{m.file_kind}:%", m.alias],
                )
            con.execute(
                "INSERT OR REPLACE INTO reference_aliases VALUES (?, ?, ?, ?, ?)",
                [m.kind, m.alias, m.target, user, now],
            )
            saved += 1
            described.append(f"{WHAT_LABEL[m.what]}“{m.alias}”→{m.target}")
        moved = banks.rebank(con) if any(m.what == "bank" for m in checked) else banks.Rebanked(0, 0)
        if moved.loans:
            described.append(f"已导入贷款{moved.loans}笔改按新的总行统计")
        audit(con, user, "保存名称映射", "；".join(described))
    return Saved(saved, new_banks, moved)


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every saved mapping, newest first, in the admin's terms (the header's field by its label)."""
    frame = con.execute(
        """SELECT a.kind, a.alias, a.target, d.name AS district, a.created_by, a.created_at
           FROM reference_aliases a LEFT JOIN v_districts d ON a.kind = 'district' AND d.code = a.target
           ORDER BY a.created_at DESC, a.kind, a.alias"""
    ).df()

    def described(kind: str, target: str, district) -> tuple[str, str]:
        if kind == "district":
            return "区县", district if isinstance(district, str) else f"{target}（已不在区县名单中）"
        if kind == "bank":
            return "银行", target
        _, file_kind, field_name = kind.split(":", 2)
        spec = kinds.get(file_kind).spec
        return f"表头（{spec.label}）", spec.field(field_name).label

    shown = [described(k, t, d) for k, t, d in zip(frame["kind"], frame["target"], frame["district"])]
    return pd.DataFrame(
        {
            "kind": frame["kind"],
            "类型": [s[0] for s in shown],
            "文件中的写法": frame["alias"],
            "映射为": [s[1] for s in shown],
            "保存人": frame["created_by"],
            "保存时间": frame["created_at"],
        }
    )


def remove(store: Store, keys: list[tuple[str, str]], user: str) -> banks.Rebanked:
    """Remove mappings by (kind, alias); a removed bank mapping un-banks the loans it had moved."""
    if not keys:
        return banks.Rebanked(0, 0)
    with store.write(backup="before-alias" if any(k == "bank" for k, _ in keys) else None) as con:
        for kind, alias in keys:
            con.execute("DELETE FROM reference_aliases WHERE kind = ? AND alias = ?", [kind, alias])
        moved = banks.rebank(con) if any(k == "bank" for k, _ in keys) else banks.Rebanked(0, 0)
        audit(
            con,
            user,
            "删除名称映射",
            "；".join(f"{WHAT_LABEL[k.split(':')[0]]}“{a}”" for k, a in keys)
            + (f"；已导入贷款{moved.loans}笔改按新的总行统计" if moved.loans else ""),
        )
    return moved
