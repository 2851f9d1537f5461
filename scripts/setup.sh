#!/usr/bin/env bash
# Create .venv and install the pinned requirements into it; reinstall only when they change.
# Usage: source scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
want="${1:-runtime}"
req=requirements.txt
[ "$want" = dev ] && req=requirements-dev.txt

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv ……" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$want"
if [ ! -f "$stamp" ]; then
  echo "安装依赖（$req）……" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
