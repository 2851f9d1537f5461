"""The claim workflow, enforced here (the server) whatever the page shows: 已受理 → 区县初审 →
市级复核 → 公示 → 已核定 → 已拨付, or 退回 with a reason (a returned claim may be received again).

Who: analysts and admins only. The district review (→ 区县初审, or 退回 of a claim not yet reviewed)
by an analyst of the claim's district or a city-wide analyst; every later step by city-wide
analysts and admins. Each move is a row of subsidy_claim_states and a line of the audit log; at
已核定 the award computed at that moment is fixed with the claim."""

from __future__ import annotations

import datetime as dt

from pledge.auth import User
from pledge.store import Store
from pledge.subsidy import figures
from pledge.subsidy.figures import RETURNED, STATES

NEXT = dict(zip(STATES[:-1], STATES[1:]))
RETURNABLE = STATES[:4]  # before 已核定


class MoveRefused(PermissionError):
    """A move the user may not make, or the claim is not in a state to make it; said in Chinese."""


def targets(state: str) -> list[str]:
    """The states a claim in `state` can move to."""
    found = [NEXT[state]] if state in NEXT else []
    if state in RETURNABLE:
        found.append(RETURNED)
    if state == RETURNED:
        found.append(STATES[0])
    return found


def refusal(user: User, state: str, to: str, district_code: str) -> str | None:
    """Why `user` may not move a claim of `district_code` from `state` to `to` (None: allowed)."""
    if not user.can("analyst"):
        return "只有分析员或管理员可以审核贴息申报"
    if to not in targets(state):
        return f"申报处于“{state}”，不能改为“{to}”"
    district_step = to == "区县初审" or (to == RETURNED and state == "已受理") or (to == STATES[0])
    if user.district_code is not None:
        if not district_step:
            return f"“{to}”由市级审核人员办理，区县账户只能办理本区县的初审和退回"
        if user.district_code != district_code:
            return "只能审核本区县的申报"
    return None


def move(store: Store, user: User, year: int, keys: list[str], to: str, reason: str = "") -> int:
    """Move the claims to `to`; all or none. Returns how many moved. MoveRefused says why not."""
    reason = reason.strip()
    if to == RETURNED and not reason:
        raise MoveRefused("退回须写明原因")
    if not keys:
        raise MoveRefused("没有选择申报")
    now = dt.datetime.now().replace(microsecond=0)
    with store.write() as con:
        frame = con.execute(
            """SELECT c.claim_key, c.enterprise_name, c.uscc, c.bank, c.district_code,
                      c.amount_yuan::DOUBLE / 1e4 AS amount_wan, coalesce(s.state, '已受理') AS state,
                      s.award_yuan::DOUBLE / 1e4 AS fixed_wan
               FROM v_subsidy_claims c LEFT JOIN v_subsidy_claim_state s USING (year, claim_key)
               WHERE c.year = ? AND c.claim_key IN (SELECT unnest(?::VARCHAR[]))""",
            [year, sorted(set(keys))],
        ).df()
        if len(frame) != len(set(keys)):
            raise MoveRefused("所选申报已不存在（可能已被撤销导入），请刷新页面")
        for row in frame.itertuples(index=False):
            why = refusal(user, row.state, to, row.district_code)
            if why:
                raise MoveRefused(f"{row.enterprise_name}：{why}")
        awards: dict[str, float] = {}
        if to == "已核定":  # the award computed now is the one approved, and stays
            computed = figures.claim_awards(con, year)
            awards = dict(zip(computed["claim_key"], computed["computed_wan"].fillna(0.0)))
        elif to == "已拨付":
            awards = dict(zip(frame["claim_key"], frame["fixed_wan"].fillna(0.0)))
        states, lines = [], []
        for row in frame.itertuples(index=False):
            award = round(awards[row.claim_key] * 10_000, 2) if row.claim_key in awards else None
            states.append([year, row.claim_key, to, reason or None, user.name, now, award])
            amount = f"，金额{award / 10_000:,.2f}万元" if award is not None else ""
            detail = f"{year}年 {row.enterprise_name}（{row.uscc}）{row.bank} 贷款{row.amount_wan:,.2f}万元{amount}"
            lines.append([now, user.name, f"贴息申报{to}", detail + (f"；原因：{reason}" if reason else "")])
        con.executemany(
            """INSERT INTO subsidy_claim_states (year, claim_key, state, reason, user_name, changed_at, award_yuan)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            states,
        )
        con.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?)", lines)  # as pledge.auth.audit writes it
    return len(frame)
