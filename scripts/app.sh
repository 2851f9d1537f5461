#!/usr/bin/env bash
# Start the app; on a fresh machine it installs what it needs and builds the demo city first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
# The demo city only on the default database: a deployment that sets PLEDGE_DB starts empty.
if [ -z "${PLEDGE_DB:-}" ] && [ ! -f data/pledge.duckdb ]; then
  .venv/bin/python -m etl demo
fi
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" "$@"
