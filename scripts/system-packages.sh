#!/usr/bin/env bash
# The Debian packages the app uses beyond Python: chromium and the CJK fonts, with which the server
# draws the Word bulletin's charts as PNG (pledge/render.py). The browser tests drive the same chromium.
# What is missing is what the app itself sees (python -m pledge.render); what is present is skipped.
#
# Usage: bash scripts/system-packages.sh [--require | --app | --check]
#   --require  (default, scripts/test.sh) install what is missing, or fail
#   --app      (scripts/app.sh) install what is missing when root or passwordless sudo allows; otherwise,
#              or when apt-get fails, print the one command to run and exit 0: the app starts anyway
#   --check    only say what is missing (exit 1 when something is), install nothing
#   --cluster  (scripts/cluster.sh) only nginx, the reverse proxy of the multi-process set: install or fail
# --require installs nginx too: the cluster's test (tests/test_cluster.py) starts it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode="${1:---require}"
case "$mode" in --require|--app|--check|--cluster) ;; *) echo "用法：$0 [--require|--app|--check|--cluster]" >&2; exit 2 ;; esac

report=""
if [ "$mode" != --cluster ] && ! report="$(.venv/bin/python -m pledge.render)"; then
  echo "无法检查系统软件包（.venv/bin/python -m pledge.render 失败；先运行 bash scripts/setup.sh）。" >&2
  [ "$mode" = --app ] && exit 0
  exit 1
fi
names=()
[ -n "$report" ] && mapfile -t names < <(cut -f1 <<<"$report")
# The browser tests launch /usr/bin/chromium itself.
if [ "$mode" = --require ] && [ ! -x /usr/bin/chromium ] && [[ " ${names[*]} " != *" chromium "* ]]; then
  names+=(chromium)
  report+=$'\n'"chromium"$'\t'"浏览器测试使用 /usr/bin/chromium"
fi
if [ "$mode" = --require ] || [ "$mode" = --cluster ]; then
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    names+=(nginx-light)
    report+=$'\n'"nginx-light"$'\t'"多进程部署（scripts/cluster.sh）的反向代理"
  fi
fi
[ ${#names[@]} -eq 0 ] && exit 0

command="sudo apt-get install ${names[*]}"
{
  echo "还需要以下系统软件包（Debian）："
  grep . <<<"$report" | sed 's/\t/：/; s/^/  /'
} >&2
if [ "$mode" = --check ]; then
  echo "安装命令：$command" >&2
  exit 1
fi

# Without root: --require may ask for the sudo password, --app only uses a sudo that asks none.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then SUDO=(none)
  elif [ "$mode" = --require ] || [ "$mode" = --cluster ]; then SUDO=(sudo)
  elif sudo -n true 2>/dev/null; then SUDO=(sudo -n)
  else SUDO=(none)
  fi
fi

give_up() {
  echo "$1请管理员执行：" >&2
  echo "  $command" >&2
  if [ "$mode" = --app ]; then
    echo "应用照常启动；安装之前，月度通报的Word文件不含图表。" >&2
    exit 0
  fi
  exit 1
}
if [ "${SUDO[0]:-}" = none ]; then
  give_up "当前用户不是root，也没有免密码的sudo，无法自动安装。"
fi
if ! command -v apt-get >/dev/null; then
  give_up "本机没有apt-get，无法自动安装。"
fi
echo "正在安装：${names[*]} ……" >&2
if ! "${SUDO[@]}" apt-get update -qq || \
   ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${names[@]}" >/dev/null; then
  give_up "安装失败。"
fi
echo "已安装：${names[*]}" >&2
