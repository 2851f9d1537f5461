#!/usr/bin/env bash
# Start the app; on a fresh machine it installs what it needs and builds the demo city first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
# chromium and CJK fonts for the Word bulletin's charts; never stops the app from starting
bash scripts/system-packages.sh --app || echo "系统软件包检查未完成，应用照常启动（月度通报的Word文件可能不含图表）。" >&2
# The demo city only on the default database: a deployment that sets PLEDGE_DB starts empty.
if [ -z "${PLEDGE_DB:-}" ] && [ ! -f data/pledge.duckdb ]; then
  .venv/bin/python -m etl demo
fi
# Listen on this machine only, unless the deployment opens it (PLEDGE_ADDRESS=0.0.0.0, or one address).
# No source-file watcher: it doubled the server's time per new viewer (bench/RESULTS-concurrency.md);
# a developer who edits pages passes --server.fileWatcherType auto.
exec .venv/bin/python -m streamlit run app.py --server.address "${PLEDGE_ADDRESS:-127.0.0.1}" --server.port "${PORT:-8501}" \
  --server.fileWatcherType none "$@"
