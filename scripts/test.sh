#!/usr/bin/env bash
# Install everything the tests need, check lint, format and types, then run every test.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/system-packages.sh --require
echo "代码检查：ruff（风格与格式）、mypy（类型）……" >&2
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/mypy --no-error-summary
set +e
.venv/bin/python -m pytest -n 2 -q "$@"
status=$?
set -e
if [ $status -eq 5 ]; then
  echo "没有运行任何测试" >&2
  exit 1
fi
exit $status
