"""The app command on a machine without chromium and CJK fonts: scripts/app.sh says in Chinese what
it installs and why, installs it when it may, otherwise prints the one command to run, and starts the
app either way; scripts/test.sh stays strict. The app sees the same machine (pledge.render.missing).

The machine is simulated: PATH holds every command of this one but chromium (and apt-get, sudo,
id, which are stand-ins that record their calls), fontconfig reads an empty configuration, and
.venv/bin/python records pip and streamlit instead of running them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pledge import render
from tests.fixtures import EMPTY_FONTCONFIG, without_chart_packages

ROOT = Path(__file__).resolve().parent.parent


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)


def fake_machine(folder: Path, *, uid: int = 1000, sudo: str | None = None, apt_status: int = 0) -> dict[str, str]:
    """A copy of the scripts in `folder` and the environment to run them in. sudo: None (absent),
    'password' (asks for one) or 'nopassword'. Every call of the stand-ins goes to folder/calls."""
    (folder / "scripts").mkdir()
    for script in (ROOT / "scripts").glob("*.sh"):
        shutil.copy(script, folder / "scripts" / script.name)
    for name in ("requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, folder / name)
    (folder / ".venv" / "bin").mkdir(parents=True)
    _script(
        folder / ".venv" / "bin" / "python",
        f"""echo "python $*" >> "$CALLS"
[ "$1 $2" = "-m pledge.render" ] && exec {sys.executable} "$@"
exit 0
""",
    )
    env = {**os.environ, **without_chart_packages(folder), "CALLS": str(folder / "calls"), "PYTHONPATH": str(ROOT)}
    for name in ("PLEDGE_DB", "BROWSER_PATH"):
        env.pop(name, None)
    bin_dir = Path(env["PATH"])
    _script(bin_dir / "id", f"echo {uid}\n")
    _script(bin_dir / "apt-get", f'echo "apt-get $*" >> "$CALLS"\nexit {apt_status}\n')
    if sudo == "password":
        _script(bin_dir / "sudo", 'echo "sudo $*" >> "$CALLS"\necho "sudo: a password is required" >&2\nexit 1\n')
    elif sudo == "nopassword":
        _script(bin_dir / "sudo", 'echo "sudo $*" >> "$CALLS"\n[ "$1" = -n ] && shift\n"$@"\n')
    (folder / "calls").touch()
    return env


def run(folder: Path, env: dict, *command: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    result = subprocess.run(["bash", *command], cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    return result, (folder / "calls").read_text().splitlines()


def test_the_app_sees_chromium_and_fonts_hidden(tmp_path, monkeypatch):
    env = without_chart_packages(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    assert render.browser() is None
    monkeypatch.setenv("FONTCONFIG_FILE", env["FONTCONFIG_FILE"])
    assert render.missing() == ["chromium", "fonts-noto-cjk"]
    _script(Path(env["PATH"]) / "chromium", "exit 0\n")  # a chromium on PATH is the one kaleido gets
    assert render.browser() == str(Path(env["PATH"]) / "chromium")
    assert render.missing() == ["fonts-noto-cjk"]


@pytest.mark.parametrize("sudo", [None, "password"])
def test_app_start_without_root_prints_the_command_and_starts_the_app(tmp_path, sudo):
    env = fake_machine(tmp_path, sudo=sudo)
    result, calls = run(tmp_path, env, "scripts/app.sh")
    assert result.returncode == 0, result.stderr
    said = result.stderr
    # what it needs and why, in Chinese
    assert "chromium：在服务器上把月度通报的图表绘制成PNG图片" in said
    assert "fonts-noto-cjk：图表中的中文字形" in said
    assert "请管理员执行：\n  sudo apt-get install chromium fonts-noto-cjk\n" in said
    assert "应用照常启动" in said
    assert not [c for c in calls if c.startswith("apt-get")]  # never tried without the right to
    assert [c for c in calls if c.startswith("sudo")] == ([] if sudo is None else ["sudo -n true"])  # never prompted
    assert calls[-1].startswith("python -m streamlit run app.py")


def test_app_start_with_passwordless_sudo_installs_the_packages(tmp_path):
    env = fake_machine(tmp_path, sudo="nopassword")
    result, calls = run(tmp_path, env, "scripts/app.sh")
    assert result.returncode == 0, result.stderr
    assert "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk" in calls
    assert "已安装：chromium fonts-noto-cjk" in result.stderr
    assert calls[-1].startswith("python -m streamlit run app.py")


def test_app_start_goes_on_when_apt_fails(tmp_path):
    env = fake_machine(tmp_path, uid=0, apt_status=100)
    result, calls = run(tmp_path, env, "scripts/app.sh")
    assert result.returncode == 0, result.stderr
    assert "安装失败。请管理员执行：\n  sudo apt-get install chromium fonts-noto-cjk" in result.stderr
    assert "apt-get update -qq" in calls
    assert calls[-1].startswith("python -m streamlit run app.py")


def test_nothing_to_do_when_everything_is_there(tmp_path):
    env = fake_machine(tmp_path, uid=0)
    _script(Path(env["PATH"]) / "chromium", "exit 0\n")
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    cjk = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout.split(":")[0].strip()
    if not cjk:
        pytest.skip("no CJK font on this machine")
    shutil.copy(cjk, fonts)
    Path(env["FONTCONFIG_FILE"]).write_text(EMPTY_FONTCONFIG.replace("<fontconfig>", f"<fontconfig><dir>{fonts}</dir>"))
    result, calls = run(tmp_path, env, "scripts/system-packages.sh", "--app")
    assert result.returncode == 0 and result.stderr == ""
    assert calls == ["python -m pledge.render"]


def test_check_only_reports(tmp_path):
    env = fake_machine(tmp_path, uid=0)
    result, calls = run(tmp_path, env, "scripts/system-packages.sh", "--check")
    assert result.returncode == 1
    assert "chromium：" in result.stderr and "安装命令：sudo apt-get install chromium fonts-noto-cjk" in result.stderr
    assert calls == ["python -m pledge.render"]


def test_the_test_command_stays_strict(tmp_path):
    env = fake_machine(tmp_path)  # no root, no sudo
    result, calls = run(tmp_path, env, "scripts/system-packages.sh")  # as scripts/test.sh runs it
    assert result.returncode != 0
    assert "sudo apt-get install chromium fonts-noto-cjk" in result.stderr
