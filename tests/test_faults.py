"""What the store survives: a load killed mid-way, two loads at once, and restoring a backup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from tests.fixtures import CLI_LEDGER as LEDGER
from tests.fixtures import CLI_TARGETS as TARGETS
from tests.fixtures import ROOT, district_rows, run, write, xlsx_bytes


def state(db) -> tuple:
    """What an analyst would compare: the imports and the year's figures."""
    batches = json.loads(run("batches", "--json", db=db).stdout)
    summary = json.loads(run("summary", "--year", "2025", "--as-of", "2025-12-31", "--json", db=db).stdout)
    return [(b["id"], b["status"]) for b in batches], summary["city"]


def start_load(path, db, pause: float | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if pause:
        env["PLEDGE_FAULT_PAUSE_BEFORE_COMMIT"] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(path), "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_load_killed_before_commit_leaves_the_database_as_it_was(tmp_path):
    db = tmp_path / "city.duckdb"
    assert run("load", str(write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))), db=db).returncode == 0
    before = state(db)
    ledger = write(tmp_path, "ledger.xlsx", xlsx_bytes(LEDGER))
    proc = start_load(ledger, db, pause=60)
    assert proc.stdout.readline().strip() == "PAUSED_BEFORE_COMMIT"  # its rows are in, uncommitted
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert state(db) == before
    retry = run("load", str(ledger), db=db)
    assert retry.returncode == 0 and "已导入" in retry.stdout
    assert state(db)[1]["loan_amount_yi"] == 0.15


def test_two_loads_at_once_both_land_and_the_second_is_told_to_wait(tmp_path):
    db = tmp_path / "city.duckdb"
    assert run("load", str(write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))), db=db).returncode == 0
    # long enough for the second process to start and parse its file in the sandbox child first
    first = start_load(write(tmp_path, "ledger.xlsx", xlsx_bytes(LEDGER)), db, pause=8)
    assert first.stdout.readline().strip() == "PAUSED_BEFORE_COMMIT"
    second = start_load(write(tmp_path, "targets.xlsx", xlsx_bytes(TARGETS)), db)
    out2, err2 = second.communicate(timeout=120)
    out1, _ = first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, out1 + out2 + err2
    assert "正在等待" in err2 or "排队等待" in err2
    kinds = [b["kind"] for b in json.loads(run("batches", "--json", db=db).stdout)]
    assert sorted(kinds) == ["districts", "loans", "targets"]
    summary = json.loads(run("summary", "--year", "2025", "--json", db=db).stdout)
    assert summary["city"]["loan_amount_yi"] == 0.15 and summary["city"]["targets"]["loan_amount_yi"] == 0.5


def test_every_import_is_preceded_by_a_backup_that_restore_brings_back(tmp_path):
    db = tmp_path / "city.duckdb"
    assert run("load", str(write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))), db=db).returncode == 0
    assert run("load", str(write(tmp_path, "ledger.xlsx", xlsx_bytes(LEDGER))), db=db).returncode == 0
    after_ledger = state(db)
    assert run("load", str(write(tmp_path, "targets.xlsx", xlsx_bytes(TARGETS))), db=db).returncode == 0
    assert state(db) != after_ledger
    listed = run("restore", "--list", db=db).stdout.split()
    assert any("before-targets" in name for name in listed)
    newest = next(name for name in listed if "before-targets" in name)
    asked = run("restore", newest, db=db)  # not a terminal: says what would change, restores nothing
    assert asked.returncode == 1 and "加 --yes 确认" in asked.stdout, asked.stdout
    assert "（targets.xlsx，" in asked.stdout and "将消失" in asked.stdout, asked.stdout
    assert state(db) != after_ledger
    restored = run("restore", newest, "--yes", db=db)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert state(db) == after_ledger
    assert "恢复前的数据库已另存为" in restored.stdout  # and the restore itself can be reverted


def test_a_restore_keeps_todays_accounts_and_audit_log_unless_asked(tmp_path):
    db = tmp_path / "city.duckdb"
    assert (
        run("users", "add", "old_admin", "--role", "admin", db=db, stdin="Old-Passw0rd!\nOld-Passw0rd!\n").returncode
        == 0
    )
    assert run("load", str(write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))), db=db).returncode == 0
    assert (
        run("users", "add", "new_admin", "--role", "admin", db=db, stdin="New-Passw0rd!\nNew-Passw0rd!\n").returncode
        == 0
    )
    assert run("users", "remove", "old_admin", db=db).returncode == 0
    assert run("load", str(write(tmp_path, "ledger.xlsx", xlsx_bytes(LEDGER))), db=db).returncode == 0
    # Taken before the district list was loaded: old_admin existed, new_admin did not.
    before_districts = next(n for n in run("restore", "--list", db=db).stdout.split() if "before-districts" in n)

    kept = run("restore", before_districts, "--yes", db=db)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "（d.xlsx，" in kept.stdout and "（ledger.xlsx，" in kept.stdout and "将消失" in kept.stdout
    assert "账户、密码和操作日志保持现状" in kept.stdout
    users = run("users", "list", db=db).stdout
    assert "new_admin" in users and "old_admin" not in users  # the removed account does not return

    back = run("restore", before_districts, "--yes", "--with-accounts", db=db)
    assert back.returncode == 0, back.stdout
    assert "已删除的账户“old_admin”将恢复" in back.stdout and "账户“new_admin”将被删除" in back.stdout
    users = run("users", "list", db=db).stdout
    assert "old_admin" in users and "new_admin" not in users
