"""Start the whole set on one machine: one writer app process, N reader app processes on loopback
ports, and nginx in front of them (deploy/nginx-cluster.conf.template). `bash scripts/cluster.sh`
installs nginx first and calls this; see the README (Deploying) for several machines.

    python scripts/cluster.py --readers 4 --port 8080

The writer is the usual app on $PLEDGE_DB (or data/pledge.duckdb, the demo city when missing),
served under /admin/, publishing a snapshot to $PLEDGE_SNAPSHOTS (default: a `snapshots` folder
beside the database) after every write. Readers (PLEDGE_READER=1) serve the dashboards from the
newest snapshot. Runs in the foreground until Ctrl-C or SIGTERM, then stops what it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pledge import settings  # noqa: E402

TEMPLATE = ROOT / "deploy" / "nginx-cluster.conf.template"
# ui/database.py imports Streamlit; the list is read from its source to keep the launcher light.
WRITING_PAGES_FROM = ROOT / "ui" / "database.py"


def writing_pages() -> list[str]:
    import ast

    tree = ast.parse(WRITING_PAGES_FROM.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "WRITING_PAGES" for t in node.targets):
            return sorted(ast.literal_eval(node.value.args[0]))  # frozenset({...})
    raise RuntimeError("WRITING_PAGES not found in ui/database.py")


def streamlit_static() -> Path:
    """The folder of Streamlit's hashed scripts (static/static in the package), found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("streamlit")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "static"


def nginx_config(run_dir: Path, listen: str, writer_port: int, reader_ports: list[int]) -> str:
    readers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in reader_ports)
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("@RUN_DIR@", str(run_dir))
        .replace("@LISTEN@", listen)
        .replace("@WRITER@", f"127.0.0.1:{writer_port}")
        .replace("@READERS@", readers)
        .replace("@WRITING_PAGES@", "|".join(writing_pages()))
        .replace("@STREAMLIT_STATIC@", str(streamlit_static()))
        .replace("@NGINX_MIME_TYPES@", "/etc/nginx/mime.types")
    )


def _streamlit(port: int, env: dict, log: Path, base: str | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    # No watching of source files for changes: Streamlit would register every module of the app with
    # each new session, which doubled the server's time per viewer (bench/RESULTS-concurrency.md).
    command += ["--server.fileWatcherType", "none"]
    if base:
        command += ["--server.baseUrlPath", base]
    out = open(log, "w")  # noqa: SIM115  (the child keeps it; closed when we exit)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"未能启动（{url}）：\n{tail}")
        time.sleep(0.2)


class Cluster:
    """The processes of one set; `stop()` ends them in reverse order."""

    def __init__(self, port: int, writer_port: int, reader_ports: list[int], run_dir: Path, address: str = "127.0.0.1"):
        self.port, self.writer_port, self.reader_ports = port, writer_port, reader_ports
        self.address = address  # where nginx listens; the app processes stay on loopback
        self.run_dir = run_dir
        self.procs: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        db = settings.db_path()
        snapshots_dir = settings.snapshot_dir() or db.parent / "snapshots"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PLEDGE_SNAPSHOTS": str(snapshots_dir)}
        env.setdefault("PLEDGE_TRUSTED_PROXY", "127.0.0.1")  # nginx on this machine: throttle per client
        env.pop("PLEDGE_READER", None)
        return env

    def start(self) -> None:
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if nginx is None:
            raise RuntimeError("未安装nginx：请先运行 bash scripts/cluster.sh（会用apt-get安装nginx-light）。")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        env = self.env()
        db = settings.db_path()
        if not db.exists() and not os.environ.get("PLEDGE_DB"):  # as scripts/app.sh: the demo city
            subprocess.run([sys.executable, "-m", "etl", "demo"], cwd=ROOT, env=env, check=True)
        if db.exists():  # readers start on the file as it is now
            subprocess.run([sys.executable, "-m", "etl", "publish"], cwd=ROOT, env=env, check=True)
        try:
            writer_log = self.run_dir / "writer.log"
            writer = _streamlit(self.writer_port, env, writer_log, base="admin")
            self.procs.append(writer)
            reader_ports = self.reader_ports
            started = []
            for port in reader_ports:
                log = self.run_dir / f"reader-{port}.log"
                started.append((port, _streamlit(port, {**env, "PLEDGE_READER": "1"}, log), log))
                self.procs.append(started[-1][1])
            _wait_healthy(f"http://127.0.0.1:{self.writer_port}/admin/_stcore/health", writer, writer_log)
            for port, proc, log in started:
                _wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
            conf = self.run_dir / "nginx.conf"
            conf.write_text(nginx_config(self.run_dir, f"{self.address}:{self.port}", self.writer_port, reader_ports))
            nginx_log = self.run_dir / "nginx.log"
            out = open(nginx_log, "w")  # noqa: SIM115
            proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(self.run_dir)], stdout=out, stderr=out)
            self.procs.append(proxy)
            _wait_healthy(f"{self.url}/_stcore/health", proxy, self.run_dir / "nginx-error.log", seconds=15)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="一个写入进程 + N个只读进程 + nginx（本机）")
    parser.add_argument("--readers", type=int, default=int(os.environ.get("PLEDGE_READERS", "2")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")), help="nginx 端口")
    parser.add_argument("--writer-port", type=int, default=8600)
    parser.add_argument("--reader-port", type=int, default=8611, help="第一个只读进程的端口，其余依次加一")
    parser.add_argument("--reader-ports", help="或逐个指定只读进程的端口，以逗号分隔（覆盖 --readers）")
    parser.add_argument(
        "--address",
        default=os.environ.get("PLEDGE_ADDRESS", "127.0.0.1"),
        help="nginx 监听的地址（默认仅本机；如 0.0.0.0 或本机的某个地址），各应用进程始终只监听本机",
    )
    parser.add_argument("--run-dir", type=Path, default=ROOT / "data" / "cluster", help="nginx 配置与日志")
    args = parser.parse_args(argv)
    if args.reader_ports:
        reader_ports = [int(p) for p in args.reader_ports.split(",")]
    else:
        reader_ports = [args.reader_port + i for i in range(args.readers)]
    cluster = Cluster(args.port, args.writer_port, reader_ports, args.run_dir.resolve(), args.address)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cluster.start()
    print(
        f"已启动：{cluster.url}/（{len(reader_ports)}个只读进程）；写入节点 {cluster.url}/admin/；日志在 {args.run_dir}",
        file=sys.stderr,
        flush=True,
    )
    try:
        while all(proc.poll() is None for proc in cluster.procs):
            time.sleep(1)
        print("有进程意外退出，全部停止。日志见 " + str(args.run_dir), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
