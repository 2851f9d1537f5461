"""Issuing the bulletin as an official document: the letterhead and 版记 an admin sets once
(发文机关, 文号 pattern, 主送, 抄送, 印发机关), the running 期号 per year, and the archive of
every issued .docx, kept byte for byte as sent."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

import duckdb
import pandas as pd

from pledge import auth
from pledge.sql import fetch_one, fetch_value
from pledge.store import Store

YEAR, NUMBER = "{年}", "{号}"


class SettingsError(ValueError):
    """Settings that cannot make a 文号."""


@dataclass(frozen=True)
class Letterhead:
    office: str = "示例市市场监督管理局"  # 发文机关
    number_pattern: str = f"示市监知〔{YEAR}〕{NUMBER}号"  # 文号, with the year and the 期号
    main_to: str = "各区县市场监督管理局，各有关金融机构"  # 主送
    copy_to: str = "市金融工作局，人民银行示例市分行，国家金融监督管理总局示例监管分局"  # 抄送
    printer: str = "示例市市场监督管理局办公室"  # 印发机关

    def doc_number(self, year: int, number: int | None) -> str:
        """The 文号; a draft (no number yet) shows the place of the 期号 empty."""
        shown = str(number) if number is not None else "　"
        return self.number_pattern.replace(YEAR, str(year)).replace(NUMBER, shown)


LABELS = {
    "office": "发文机关",
    "number_pattern": "文号格式",
    "main_to": "主送机关",
    "copy_to": "抄送机关",
    "printer": "印发机关",
}


def check(letterhead: Letterhead) -> None:
    if not letterhead.office.strip() or not letterhead.printer.strip():
        raise SettingsError("发文机关和印发机关不能为空")
    if YEAR not in letterhead.number_pattern or NUMBER not in letterhead.number_pattern:
        raise SettingsError(f"文号格式须含{YEAR}和{NUMBER}，例如：某市监知〔{YEAR}〕{NUMBER}号")
    if not letterhead.main_to.strip():
        raise SettingsError("主送机关不能为空")


def letterhead(con: duckdb.DuckDBPyConnection) -> Letterhead:
    """The saved settings; what was never saved keeps its default."""
    if not fetch_value(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'document_settings'"):
        return Letterhead()  # a file not yet upgraded, opened read-only
    saved = dict(con.execute("SELECT key, value FROM document_settings").fetchall())
    return Letterhead(**{f.name: saved[f.name] for f in fields(Letterhead) if f.name in saved})


def save_letterhead(store: Store, value: Letterhead, user: str) -> None:
    check(value)
    now = dt.datetime.now()
    with store.write() as con:
        for key, text in asdict(value).items():
            con.execute("INSERT OR REPLACE INTO document_settings VALUES (?, ?, ?, ?)", [key, text.strip(), now, user])
        auth.audit(con, user, "修改通报版头版记", value.number_pattern)


def next_number(con: duckdb.DuckDBPyConnection, year: int) -> int:
    return int(fetch_value(con, "SELECT coalesce(max(number), 0) + 1 FROM issued_bulletins WHERE year = ?", [year]))


@dataclass(frozen=True)
class Issued:
    year: int
    number: int
    doc_number: str
    file_name: str
    sha256: str


def issue(
    store: Store,
    make_docx: Callable[[Letterhead, str, dt.date], bytes],
    report_year: int,
    month: int,
    title: str,
    as_of: dt.date,
    file_stem: str,
    user: str,
    today: dt.date | None = None,
) -> Issued:
    """Give the bulletin the year's next 期号 and archive it. `make_docx(letterhead, doc_number,
    issued_on)` writes the file; it runs inside the one write transaction, so two people issuing
    at once get two numbers and each archived file carries its own."""
    issued_at = dt.datetime.now()
    on = today or issued_at.date()
    with store.write() as con:
        head = letterhead(con)
        number = next_number(con, on.year)
        doc_number = head.doc_number(on.year, number)
        data = make_docx(head, doc_number, on)
        sha = hashlib.sha256(data).hexdigest()
        file_name = f"{file_stem}（{doc_number}）.docx"
        con.execute(
            "INSERT INTO issued_bulletins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [on.year, number, doc_number, report_year, month, title, as_of, issued_at, user, file_name, sha, data],
        )
        auth.audit(con, user, "签发通报", f"{doc_number} {title}")
    return Issued(on.year, number, doc_number, file_name, sha)


def issued(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every issued bulletin, newest first, without its bytes."""
    return con.execute(
        """SELECT year, number, doc_number, report_year, month, title, as_of, issued_at, user_name, file_name, sha256
           FROM issued_bulletins ORDER BY year DESC, number DESC"""
    ).df()


def issued_file(con: duckdb.DuckDBPyConnection, year: int, number: int) -> bytes:
    """The archived .docx as sent; refused if its bytes no longer match the recorded sha256."""
    row = fetch_one(con, "SELECT docx, sha256 FROM issued_bulletins WHERE year = ? AND number = ?", [year, number])
    if row is None:
        raise KeyError((year, number))
    data = bytes(row[0])
    if hashlib.sha256(data).hexdigest() != row[1]:
        raise RuntimeError(f"存档的通报（{year}年第{number}号）校验不符")
    return data
