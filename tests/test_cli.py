"""`python -m etl` as an analyst or a scheduled job uses it: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures import CLI_LEDGER as LEDGER
from tests.fixtures import CLI_TARGETS as TARGETS
from tests.fixtures import ROOT, USCC_B, district_rows, run, write, xlsx_bytes


def test_load_summary_batches_undo(tmp_path):
    db = tmp_path / "city.duckdb"
    files = [
        write(tmp_path, "区县名单.xlsx", xlsx_bytes(district_rows())),
        write(tmp_path, "目标.xlsx", xlsx_bytes(TARGETS)),
        write(tmp_path, "台账.xlsx", xlsx_bytes(LEDGER)),
    ]
    loaded = run("load", *map(str, files), "--user", "张三", db=db)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert loaded.stdout.count("✔ 已导入") == 3
    assert "正在读取" in loaded.stderr and "正在读取" not in loaded.stdout

    summary = run("summary", "--year", "2025", "--as-of", "2025-06-30", "--json", db=db)
    assert summary.returncode == 0, summary.stderr
    result = json.loads(summary.stdout)  # stdout holds one JSON object and nothing else
    assert result["year"] == 2025 and result["as_of"] == "2025-06-30"
    assert result["city"]["loan_amount_yi"] == 0.15
    assert result["city"]["targets"]["loan_amount_yi"] == 0.5
    east = next(d for d in result["districts"] if d["district"] == "东湖区")
    assert east["completion"]["loan_amount_yi"] == 0.6 and east["rank"] == 1 and east["status"] == "超序时"
    assert set(east) >= {
        "district",
        "rank",
        "status",
        "loan_amount_yi",
        "loans",
        "invention_patents",
        "enterprises",
        "first_time_enterprises",
        "subsidy_wan",
        "targets",
        "completion",
    }

    table = run("summary", "--year", "2025", "--as-of", "2025-06-30", db=db)
    assert "全市" in table.stdout and "0.15亿元" in table.stdout and "序时进度" in table.stdout

    batches = json.loads(run("batches", "--json", db=db).stdout)
    assert [b["kind"] for b in batches] == ["loans", "targets", "districts"]  # newest first
    ledger = batches[0]
    assert ledger["user"] == "张三" and ledger["status"] == "active" and len(ledger["sha256"]) == 64
    assert (ledger["rows_read"], ledger["rows_new"], ledger["rows_skipped"]) == (2, 2, 1)

    again = run("load", str(files[2]), db=db)
    assert again.returncode == 0 and "未重复导入" in again.stdout

    undone = run("undo", str(ledger["id"]), db=db)
    assert undone.returncode == 0, undone.stdout
    after = json.loads(run("summary", "--year", "2025", "--as-of", "2025-06-30", "--json", db=db).stdout)
    assert after["city"]["loan_amount_yi"] == 0
    assert json.loads(run("batches", "--json", db=db).stdout)[0]["status"] == "undone"
    assert run("undo", str(ledger["id"]), db=db).returncode == 1  # twice is refused, in Chinese
    assert run("undo", "999", db=db).returncode == 1


def test_rejected_file_exits_1_and_loads_nothing(tmp_path):
    db = tmp_path / "city.duckdb"
    assert run("load", str(write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))), db=db).returncode == 0
    bad_rows = [row[:] for row in LEDGER]
    bad_rows[4][1] = USCC_B[:-1] + "0"  # wrong check character on Excel row 5
    good = write(tmp_path, "good.xlsx", xlsx_bytes(LEDGER[:4]))
    bad = write(tmp_path, "bad.xlsx", xlsx_bytes(bad_rows))
    report = tmp_path / "errors.xlsx"
    result = run("load", str(good), str(bad), "--errors-xlsx", str(report), db=db)
    assert result.returncode == 1
    assert "✔ 已导入 good.xlsx" in result.stdout
    assert "✘ 未导入 bad.xlsx" in result.stdout
    assert "第5行" in result.stdout and "校验位错误" in result.stdout
    assert (tmp_path / "errors_bad.xlsx").exists()
    batches = json.loads(run("batches", "--json", db=db).stdout)
    assert [b["file"] for b in batches] == ["good.xlsx", "d.xlsx"]


def test_missing_file_and_empty_database(tmp_path):
    db = tmp_path / "none.duckdb"
    assert run("load", str(tmp_path / "nope.xlsx"), db=db).returncode == 1
    empty = run("summary", "--year", "2025", db=db)
    assert empty.returncode == 1 and "demo" in empty.stderr


def test_db_from_environment_variable(tmp_path):
    db = tmp_path / "env.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLEDGE_DB": str(db)}
    path = write(tmp_path, "d.xlsx", xlsx_bytes(district_rows()))
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert db.exists()
