"""The database schema, as numbered migrations applied in order to upgrade a file in place.

Versioned rows instead of updates in place: every import is a batch, and loans, targets and
the district list keep the batch that brought them. A loan key has one *current* row, the one
from the newest active batch; undoing a batch recomputes that, so the rows it replaced come back.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pledge.sql import fetch_one, fetch_value

# Head banks and the short names analysts and banks write for them. Branch names that contain
# one of these ("中国工商银行示例市高新支行", "工行高新支行") are mapped to the head bank.
DEFAULT_BANKS: dict[str, list[str]] = {
    "中国工商银行": ["工商银行", "工行", "ICBC"],
    "中国农业银行": ["农业银行", "农行", "ABC"],
    "中国银行": ["中行", "BOC"],
    "中国建设银行": ["建设银行", "建行", "CCB"],
    "交通银行": ["交行", "BOCOM"],
    "中国邮政储蓄银行": ["邮储银行", "邮政储蓄银行", "邮储"],
    "招商银行": ["招行"],
    "浦发银行": ["上海浦东发展银行", "浦东发展银行"],
    "中信银行": [],
    "中国光大银行": ["光大银行"],
    "华夏银行": [],
    "中国民生银行": ["民生银行"],
    "兴业银行": [],
    "平安银行": [],
    "广发银行": [],
    "浙商银行": [],
    "北京银行": [],
    "江苏银行": [],
    "南京银行": [],
    "宁波银行": [],
    "杭州银行": [],
}

_V1 = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE SEQUENCE batch_id_seq START 1;
CREATE TABLE batches (
    id              INTEGER PRIMARY KEY,
    kind            VARCHAR NOT NULL,          -- districts | targets | loans
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    archive_path    VARCHAR,                   -- copy of the original, relative to the db folder
    sheets          VARCHAR,                   -- the sheets that were read
    user_name       VARCHAR NOT NULL,
    loaded_at       TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,          -- active | undone
    undone_at       TIMESTAMP,
    undone_by       VARCHAR,
    rows_read       INTEGER NOT NULL,          -- data rows found in the file
    rows_new        INTEGER NOT NULL,          -- keys not loaded before
    rows_updated    INTEGER NOT NULL,          -- keys loaded before with other values: replaced
    rows_duplicate  INTEGER NOT NULL,          -- unchanged, or repeated inside the file
    rows_rejected   INTEGER NOT NULL,          -- rows with blocking errors (a file with any loads nothing)
    rows_skipped    INTEGER NOT NULL,          -- 合计 / 小计 / 注 / blank rows
    warnings        JSON,                      -- non-blocking findings, as a list of objects
    note            VARCHAR
);

CREATE TABLE districts (
    batch_id    INTEGER NOT NULL,
    code        VARCHAR NOT NULL,              -- 6-digit administrative division code
    name        VARCHAR NOT NULL,
    aliases     VARCHAR[] NOT NULL,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE banks (
    name     VARCHAR PRIMARY KEY,              -- the head bank
    aliases  VARCHAR[] NOT NULL
);

CREATE TABLE enterprises (                     -- rebuilt from the current loans after each write
    uscc           VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    district_code  VARCHAR,
    first_loan_date DATE,
    last_loan_date  DATE
);

CREATE TABLE loans (
    loan_id          BIGINT NOT NULL,
    batch_id         INTEGER NOT NULL,
    loan_key         VARCHAR NOT NULL,         -- 'R:' registration no., else 'K:' uscc|bank|date|amount
    row_hash         VARCHAR NOT NULL,         -- of the normalised values: tells updated from unchanged
    is_current       BOOLEAN NOT NULL,
    reg_no           VARCHAR,
    reg_date         DATE,
    uscc             VARCHAR NOT NULL,
    enterprise_name  VARCHAR NOT NULL,
    district_code    VARCHAR NOT NULL,
    bank             VARCHAR NOT NULL,         -- head bank where known
    bank_raw         VARCHAR NOT NULL,         -- as written in the file
    pledge_type      VARCHAR,
    patent_count     INTEGER,                  -- as declared in the file
    amount_yuan      DECIMAL(18, 2) NOT NULL,
    loan_date        DATE NOT NULL,
    term_months      INTEGER,
    rate_pct         DECIMAL(9, 4),
    first_loan       BOOLEAN NOT NULL,
    subsidy_yuan     DECIMAL(18, 2),
    source_sheet     VARCHAR NOT NULL,
    source_row       INTEGER NOT NULL          -- the row number the analyst sees in Excel
);

CREATE TABLE loan_patents (
    loan_id      BIGINT NOT NULL,
    patent_no    VARCHAR NOT NULL,             -- normalised, without ZL: 202310123456.6
    patent_type  VARCHAR NOT NULL              -- 发明专利 | 实用新型 | 外观设计 | 商标
);

CREATE TABLE targets (
    batch_id    INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    scope       VARCHAR NOT NULL,              -- a district code, or 'CITY'
    metric      VARCHAR NOT NULL,              -- loan_amount | loans | invention_patents | ...
    value       DECIMAL(20, 4) NOT NULL,       -- yuan for money, counts otherwise
    is_current  BOOLEAN NOT NULL,
    source_sheet VARCHAR,
    source_row   INTEGER
);

-- Clean base views that every metric builds on.
CREATE VIEW v_districts AS
    SELECT code, name, aliases, sort_order FROM districts
    WHERE batch_id = (SELECT max(id) FROM batches WHERE kind = 'districts' AND status = 'active');

CREATE VIEW v_loans AS
    SELECT * FROM loans WHERE is_current;

CREATE VIEW v_loan_patents AS
    SELECT p.*, l.loan_date, l.district_code, l.uscc
    FROM loan_patents p JOIN loans l USING (loan_id)
    WHERE l.is_current;

CREATE VIEW v_targets AS
    SELECT year, scope, metric, value FROM targets WHERE is_current;
"""


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V1)
    con.executemany("INSERT INTO banks VALUES (?, ?)", [[name, aliases] for name, aliases in DEFAULT_BANKS.items()])


_V2 = """
-- Accounts: passwords are argon2 hashes; a viewer may be limited to one district.
CREATE TABLE users (
    name            VARCHAR NOT NULL,          -- unique, enforced under the write lock
    password_hash   VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,          -- viewer | analyst | admin
    district_code   VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    last_login_at   TIMESTAMP
);

-- Writes that are not import batches (accounts, bank aliases) and who made them.
CREATE TABLE audit_log (
    logged_at  TIMESTAMP NOT NULL,
    user_name  VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    detail     VARCHAR
);
"""


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V2)


_V3 = """
-- Derived from the current loans (pledge/rollups.py), rebuilt with every load and undo.
DROP TABLE enterprises;
CREATE TABLE enterprises (
    uscc            VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    district_code   VARCHAR,
    first_loan_date DATE,
    last_loan_date  DATE,
    loans           INTEGER NOT NULL,
    amount_yuan     DECIMAL(38, 2) NOT NULL
);
CREATE TABLE enterprise_firsts (
    year            INTEGER NOT NULL,
    district_code   VARCHAR,                   -- NULL: the city level
    uscc            VARCHAR NOT NULL,
    first_date      DATE NOT NULL,             -- the enterprise's first loan of the year (in the district)
    first_flag_date DATE                       -- its first loan flagged 首贷 that year, if any
);
CREATE TABLE patent_firsts (
    year            INTEGER NOT NULL,
    district_code   VARCHAR,                   -- NULL: the city level
    patent_no       VARCHAR NOT NULL,          -- invention patents only
    first_date      DATE NOT NULL
);
"""


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V3)  # filled by _v4's refresh, which knows the tables as they are now


_V4 = """
-- The pledged numbers are patents and trademarks: name the table for what it holds, and keep
-- the first pledge of every number of every type (not only invention patents) in the rollup.
DROP VIEW v_loan_patents;
ALTER TABLE loan_patents RENAME TO pledged_ip;
ALTER TABLE pledged_ip RENAME COLUMN patent_no TO ip_no;      -- patent without ZL, or trademark number
ALTER TABLE pledged_ip RENAME COLUMN patent_type TO ip_type;  -- 发明专利 | 实用新型 | 外观设计 | 商标
CREATE VIEW v_pledged_ip AS
    SELECT p.*, l.loan_date, l.district_code, l.uscc
    FROM pledged_ip p JOIN loans l USING (loan_id)
    WHERE l.is_current;
DROP TABLE patent_firsts;
CREATE TABLE pledged_firsts (
    year            INTEGER NOT NULL,
    district_code   VARCHAR,                   -- NULL: the city level
    ip_type         VARCHAR NOT NULL,
    ip_no           VARCHAR NOT NULL,
    first_date      DATE NOT NULL              -- its first pledge of the year (in the district)
);
"""


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    from pledge import rollups

    con.execute(_V4)
    rollups.refresh(con)


_V5 = """
-- Which metric columns each targets batch carried: a blank cell in a carried column means "no
-- target" (the newest active batch carrying a column decides that column for the year).
CREATE TABLE target_columns (
    batch_id    INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    metric      VARCHAR NOT NULL
);
INSERT INTO target_columns SELECT DISTINCT batch_id, year, metric FROM targets;
"""


def _v5(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V5)


_V6 = """
-- The bulletin's letterhead and 版记, edited once by an admin (pledge/issuing.py names the keys).
CREATE TABLE document_settings (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  VARCHAR NOT NULL
);
-- Every bulletin issued (签发), kept exactly as sent: its 文号 runs per year of issue.
CREATE TABLE issued_bulletins (
    year        INTEGER NOT NULL,              -- the year of the 文号 (of issue)
    number      INTEGER NOT NULL,              -- the running 期号 within that year
    doc_number  VARCHAR NOT NULL,              -- the 文号 as printed
    report_year INTEGER NOT NULL,
    month       INTEGER NOT NULL,
    title       VARCHAR NOT NULL,
    as_of       DATE NOT NULL,                 -- the data's date
    issued_at   TIMESTAMP NOT NULL,
    user_name   VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    docx        BLOB NOT NULL,
    PRIMARY KEY (year, number)
);
"""


def _v6(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V6)


_V7 = """
-- Real ledgers (issue 9). Each sheet of a ledger speaks for a source (a bank, or a district) over
-- a period; a later report of the same source that replaces it withdraws the loans it no longer lists.
ALTER TABLE loans ADD COLUMN source VARCHAR;       -- 'bank:江苏银行' | 'district:321002' | NULL
ALTER TABLE loans ADD COLUMN rate_text VARCHAR;    -- the rate as written when it is not a number: LPR+30BP
CREATE TABLE batch_reports (
    batch_id      INTEGER NOT NULL,
    source        VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    replaces      BOOLEAN NOT NULL             -- withdraws the source's earlier loans in the period
);
-- A loan withdrawn by hand (or merged into another) by a small batch, with the reason.
CREATE TABLE loan_withdrawals (
    batch_id   INTEGER NOT NULL,
    loan_key   VARCHAR NOT NULL,
    reason     VARCHAR NOT NULL
);
-- Spellings an analyst mapped once in the browser: a header, a district, a bank.
CREATE TABLE reference_aliases (
    kind        VARCHAR NOT NULL,              -- 'district' | 'bank' | 'header:<file kind>:<field>'
    alias       VARCHAR NOT NULL,
    target      VARCHAR NOT NULL,              -- district code, head bank, or field name
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, alias)
);
"""


def _v7(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V7)


_V8 = """
-- Loans a replacing report withdrew (it no longer lists them), per batch.
ALTER TABLE batches ADD COLUMN rows_withdrawn INTEGER NOT NULL DEFAULT 0;
-- Near matches (疑似重复) an analyst looked at and kept as two loans.
CREATE TABLE distinct_loans (
    loan_key_a  VARCHAR NOT NULL,              -- the smaller of the two keys
    loan_key_b  VARCHAR NOT NULL,
    user_name   VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL
);
"""


def _v8(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V8)


_V9 = """
-- 登记核对 and 贷后 (issue 11): CNIPA pledge registrations and the optional after-loan ledger columns.
-- Optional ledger columns (贷后): an explicit maturity, the outstanding balance, the five-tier class.
ALTER TABLE loans ADD COLUMN maturity_date DATE;
ALTER TABLE loans ADD COLUMN balance_yuan DECIMAL(18, 2);
ALTER TABLE loans ADD COLUMN risk_class VARCHAR;   -- 正常 | 关注 | 次级 | 可疑 | 损失

-- Gazette events as extracted (质押登记 files), one row per event and patent. Cumulative extracts
-- repeat events: an event is its key (登记号, 事件, 日期, 专利号), and of the rows of a key in
-- active batches the newest counts (v_registration_events), so a repeat counts nothing twice and
-- undoing a batch brings back what it replaced.
CREATE TABLE registration_events (
    batch_id      INTEGER NOT NULL,
    event_key     VARCHAR NOT NULL,          -- reg_no|event|date|patent_no
    row_hash      VARCHAR NOT NULL,          -- of the stored values: tells updated from unchanged
    event         VARCHAR NOT NULL,          -- PE01 生效 | PM01 变更 | PC01 注销 | CF01 未缴年费终止 | IW01 全部无效
    reg_no        VARCHAR,                   -- NULL for lapse events (CF01, IW01)
    patent_no     VARCHAR NOT NULL,          -- without ZL: 202310123456.6
    event_date    DATE NOT NULL,
    pledgor       VARCHAR,                   -- 出质人 as written (brackets half-width)
    pledgor_key   VARCHAR,                   -- the name as names are matched (pledge/metrics/registrations.py)
    pledgor_uscc  VARCHAR,
    pledgee       VARCHAR,                   -- 质权人 as written
    pledgee_head  VARCHAR,                   -- the head bank when the pledgee is a bank, else NULL
    ipc           VARCHAR,                   -- 主分类号
    title         VARCHAR,                   -- 发明名称
    source_sheet  VARCHAR NOT NULL,
    source_row    INTEGER NOT NULL
);
CREATE VIEW v_registration_events AS
    SELECT e.* FROM registration_events e JOIN batches b ON b.id = e.batch_id AND b.status = 'active'
    QUALIFY row_number() OVER (PARTITION BY e.event_key ORDER BY e.batch_id DESC) = 1;

-- Pledgors an analyst mapped once to an enterprise of the ledgers (by its USCC).
CREATE TABLE enterprise_aliases (
    pledgor_key  VARCHAR PRIMARY KEY,
    uscc         VARCHAR NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
"""


def _v9(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V9)


# ---------------------------------------------------------------------------------------------


_V10 = """
-- 贴息 (issue 10): subsidy policies, the LPR table, claims and their workflow.
-- A year's policy as parameter rows (pledge/subsidy/policy.py names them); each save or upload is a
-- batch, and the year's policy is the newest active batch carrying it (undo brings back the one before).
CREATE TABLE subsidy_policies (
    batch_id    INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    param       VARCHAR NOT NULL,              -- the parameter's key, e.g. share_pct
    value       VARCHAR                        -- as text in the parameter's unit; NULL: not set
);
CREATE VIEW v_subsidy_policies AS
    SELECT p.year, p.param, p.value, p.batch_id FROM subsidy_policies p
    WHERE p.batch_id = (SELECT max(b.id) FROM batches b JOIN subsidy_policies q ON q.batch_id = b.id
                        WHERE b.status = 'active' AND q.year = p.year);

-- The 1-year LPR as published (全国银行间同业拆借中心), extended by the bureau.
CREATE TABLE lpr_rates (
    effective_date  DATE PRIMARY KEY,
    rate_pct        DECIMAL(6, 3) NOT NULL,
    added_by        VARCHAR NOT NULL,
    added_at        TIMESTAMP NOT NULL
);
INSERT INTO lpr_rates VALUES
    ('2023-08-21', 3.45, '系统预置', TIMESTAMP '2026-01-01 00:00:00'),
    ('2024-07-22', 3.35, '系统预置', TIMESTAMP '2026-01-01 00:00:00'),
    ('2024-10-21', 3.10, '系统预置', TIMESTAMP '2026-01-01 00:00:00'),
    ('2025-05-20', 3.00, '系统预置', TIMESTAMP '2026-01-01 00:00:00');

-- 贴息申报表 rows, versioned like targets: per (year, claim_key) the newest active batch counts.
CREATE TABLE subsidy_claims (
    batch_id            INTEGER NOT NULL,
    year                INTEGER NOT NULL,      -- the policy year claimed under
    claim_key           VARCHAR NOT NULL,      -- the loan's key as the ledger forms it (etl/kinds/loans.loan_key)
    is_current          BOOLEAN NOT NULL,
    enterprise_name     VARCHAR NOT NULL,
    uscc                VARCHAR NOT NULL,
    district_code       VARCHAR NOT NULL,
    bank                VARCHAR NOT NULL,      -- head bank where known
    bank_raw            VARCHAR NOT NULL,
    amount_yuan         DECIMAL(18, 2) NOT NULL,
    contract_date       DATE,
    loan_date           DATE NOT NULL,
    settle_date         DATE,                  -- NULL: not settled
    rate_pct            DECIMAL(9, 4),
    interest_paid_yuan  DECIMAL(18, 2),
    ip_share_pct        DECIMAL(7, 3) NOT NULL,
    reg_no              VARCHAR,
    reg_date            DATE,
    ip_nos              VARCHAR[] NOT NULL,    -- pledged numbers, normalised as in pledged_ip
    invention_nos       VARCHAR[] NOT NULL,    -- the invention patents among them
    appraisal_fee_yuan  DECIMAL(18, 2),
    guarantee_fee_yuan  DECIMAL(18, 2),
    insurance_fee_yuan  DECIMAL(18, 2),
    source_sheet        VARCHAR NOT NULL,
    source_row          INTEGER NOT NULL
);
CREATE VIEW v_subsidy_claims AS SELECT * FROM subsidy_claims WHERE is_current;

-- The workflow of each claim: one row per move (已受理 → 区县初审 → 市级复核 → 公示 → 已核定 → 已拨付,
-- or 退回); no row means 已受理. award_yuan is the award fixed at 已核定. batch_id: a move made by a load
-- (a returned claim submitted again), removed when that batch is undone.
CREATE SEQUENCE subsidy_state_seq START 1;
CREATE TABLE subsidy_claim_states (
    seq         BIGINT NOT NULL DEFAULT nextval('subsidy_state_seq'),
    year        INTEGER NOT NULL,
    claim_key   VARCHAR NOT NULL,
    state       VARCHAR NOT NULL,
    reason      VARCHAR,
    user_name   VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    award_yuan  DECIMAL(18, 2),
    batch_id    INTEGER
);
CREATE VIEW v_subsidy_claim_state AS
    SELECT year, claim_key, state, reason, user_name, changed_at, award_yuan
    FROM subsidy_claim_states
    QUALIFY row_number() OVER (PARTITION BY year, claim_key ORDER BY seq DESC) = 1;
"""


def _v10(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V10)


# ---------------------------------------------------------------------------------------------


_V11 = """
-- 增量扩面 (issue 12): the enterprise roster, matchmaking events, financing demands, pushes.
-- Every row keeps its batch; a row counts while its batch is active, so undo needs no rewrite.

-- 企业名单: several rosters (高企, 专精特新, 有效发明专利 holders) merge by USCC in v_roster.
CREATE TABLE roster (
    batch_id           INTEGER NOT NULL,
    uscc               VARCHAR NOT NULL,
    name               VARCHAR NOT NULL,
    district_code      VARCHAR,
    invention_patents  INTEGER,                -- 有效发明专利数 (NULL: the roster did not say)
    patents            INTEGER,                -- 有效专利数
    tags               VARCHAR[] NOT NULL,     -- 高新技术企业 | 专精特新 | 科技型中小企业 | 示范企业
    contact            VARCHAR,
    source_sheet       VARCHAR NOT NULL,
    source_row         INTEGER NOT NULL
);
-- One row per enterprise: the newest roster's stated values, the tags of every roster.
CREATE VIEW v_roster AS
    SELECT r.uscc,
           arg_max(r.name, r.batch_id) AS name,
           arg_max(r.district_code, r.batch_id) AS district_code,
           arg_max(r.invention_patents, r.batch_id) AS invention_patents,
           arg_max(r.patents, r.batch_id) AS patents,
           list_sort(list_distinct(flatten(list(r.tags)))) AS tags,
           arg_max(r.contact, r.batch_id) AS contact,
           max(r.batch_id) AS batch_id
    FROM roster r JOIN batches b ON b.id = r.batch_id AND b.status = 'active'
    GROUP BY r.uscc;

-- 对接活动: an event is its date and name; the newest active batch that lists it counts.
CREATE TABLE outreach_events (
    batch_id        INTEGER NOT NULL,
    event_key       VARCHAR NOT NULL,          -- date|name
    event_date      DATE NOT NULL,
    name            VARCHAR NOT NULL,
    place           VARCHAR,                   -- 区县或园区 as written
    district_code   VARCHAR,                   -- NULL: a park or place that names no one district
    banks           VARCHAR[] NOT NULL,        -- 主办银行, head banks
    attendee_count  INTEGER,                   -- 参会企业数 as declared
    source_sheet    VARCHAR NOT NULL,
    source_row      INTEGER NOT NULL
);
-- 对接企业名单: the enterprises that attended, from an events file's second sheet.
CREATE TABLE outreach_attendees (
    batch_id    INTEGER NOT NULL,
    event_key   VARCHAR NOT NULL,
    uscc        VARCHAR NOT NULL,
    name        VARCHAR
);
CREATE VIEW v_outreach_events AS
    SELECT e.* FROM outreach_events e JOIN batches b ON b.id = e.batch_id AND b.status = 'active'
    QUALIFY row_number() OVER (PARTITION BY e.event_key ORDER BY e.batch_id DESC) = 1;
-- The list of the newest active batch that gave one for the event.
CREATE VIEW v_outreach_attendees AS
    SELECT DISTINCT a.event_key, a.uscc, a.name FROM outreach_attendees a
    WHERE a.batch_id = (SELECT max(x.batch_id) FROM outreach_attendees x JOIN batches b
                        ON b.id = x.batch_id AND b.status = 'active' WHERE x.event_key = a.event_key)
      AND a.event_key IN (SELECT event_key FROM v_outreach_events);

-- 融资需求: one demand is an enterprise and its registration date; a later file (with the bank's
-- feedback) replaces it.
CREATE TABLE outreach_demands (
    batch_id         INTEGER NOT NULL,
    demand_key       VARCHAR NOT NULL,         -- uscc|demand date
    uscc             VARCHAR NOT NULL,
    enterprise_name  VARCHAR NOT NULL,
    district_code    VARCHAR,                  -- as written; else the roster's, the ledger's, the USCC's
    amount_yuan      DECIMAL(18, 2),           -- 需求金额
    term_months      INTEGER,                  -- 期望期限
    demand_date      DATE NOT NULL,            -- 登记日期
    event_name       VARCHAR,                  -- 来源活动
    bank             VARCHAR,                  -- 推送银行, head bank
    push_date        DATE,
    feedback         VARCHAR,                  -- 受理 | 授信 | 放款 | 未通过
    feedback_reason  VARCHAR,
    feedback_date    DATE,
    credit_yuan      DECIMAL(18, 2),           -- 授信金额
    source_sheet     VARCHAR NOT NULL,
    source_row       INTEGER NOT NULL
);
CREATE VIEW v_outreach_demands AS
    SELECT d.* REPLACE (coalesce(d.district_code, r.district_code, e.district_code,
                                 (SELECT code FROM v_districts WHERE code = substr(d.uscc, 3, 6))) AS district_code)
    FROM outreach_demands d JOIN batches b ON b.id = d.batch_id AND b.status = 'active'
    LEFT JOIN v_roster r ON r.uscc = d.uscc
    LEFT JOIN enterprises e ON e.uscc = d.uscc
    QUALIFY row_number() OVER (PARTITION BY d.demand_key ORDER BY d.batch_id DESC) = 1;

-- 白名单推送: which enterprises of the white list went to which bank, when; by whom is the batch's user.
CREATE TABLE outreach_pushes (
    batch_id         INTEGER NOT NULL,
    uscc             VARCHAR NOT NULL,
    enterprise_name  VARCHAR NOT NULL,
    district_code    VARCHAR,
    bank             VARCHAR NOT NULL,
    push_date        DATE NOT NULL
);
CREATE VIEW v_outreach_pushes AS
    SELECT p.*, b.user_name FROM outreach_pushes p JOIN batches b ON b.id = p.batch_id AND b.status = 'active';
"""


def _v11(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V11)


# Append new migrations; never edit one that has shipped.
MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
    _v11,
]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    has_meta = fetch_value(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")
    if not has_meta:
        return 0
    row = fetch_one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    return int(row[0]) if row else 0


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations a file lacks, each in its own transaction. Returns the new version."""
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"数据库文件的版本（{version}）比本程序（{SCHEMA_VERSION}）新，请升级程序。")
    for number in range(version + 1, SCHEMA_VERSION + 1):
        con.execute("BEGIN")
        try:
            MIGRATIONS[number - 1](con)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(number)])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    return SCHEMA_VERSION
