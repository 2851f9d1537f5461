#!/usr/bin/env bash
# Start one writer, N readers and nginx on this machine (scripts/cluster.py; README, Deploying).
# Installs what it needs first, nginx included (Debian package nginx-light), only when asked for.
# Usage: bash scripts/cluster.sh [--readers N] [--port 8080] [--writer-port 8600] [--reader-port 8611]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
bash scripts/system-packages.sh --app || echo "系统软件包检查未完成，应用照常启动（月度通报的Word文件可能不含图表）。" >&2
bash scripts/system-packages.sh --cluster
exec .venv/bin/python scripts/cluster.py "$@"
