"""Untrusted spreadsheets are parsed in a child process with a memory limit and a wall-clock
timeout, so that a crafted file costs at most one child: a workbook whose sheet claims a huge
range, an XML or zip bomb, or a reader that aborts (a panic in the Excel library ends the process
it runs in) cannot take the Streamlit server or the CLI down with it.

The child is a fresh interpreter (`python -m etl.sandbox`), not a fork: the Streamlit server has
many threads, and a fork of it could inherit a held lock. Importing pandas takes about half a
second, so one spare child is kept started and waiting: a parse takes the spare and starts the next.
The request and the answer travel as pickles over the child's stdin and stdout.
"""

from __future__ import annotations

import atexit
import datetime as dt
import pickle
import resource
import signal
import subprocess
import sys
import threading

from etl.parse import ParsedFile, parse_file, refused
from etl.read import FileProblem, check_outside
from pledge import settings
from pledge.reference import Reference

REFUSED = "文件过于复杂或已损坏，解析%s，已拒绝。请用Excel打开后删除多余的行列，另存为 .xlsx 再导入"

_lock = threading.Lock()
_spare: subprocess.Popen | None = None
_running: set[subprocess.Popen] = set()


def _start() -> subprocess.Popen:
    # No preexec_fn: it is unsafe in a threaded server. The child limits itself (_limit_self).
    return subprocess.Popen(
        [sys.executable, "-m", "etl.sandbox"],
        cwd=settings.ROOT,
        process_group=0,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _take_child() -> subprocess.Popen:
    """The waiting spare (or a new child), and a new spare started for the next file."""
    global _spare
    with _lock:
        child = _spare if _spare is not None and _spare.poll() is None else _start()
        _spare = _start()
        _running.add(child)
    return child


def parse_isolated(
    data: bytes,
    file_name: str,
    reference: Reference,
    kind: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
) -> ParsedFile:
    """parse_file in a child process bounded by settings.PARSE_MEMORY_BYTES and
    settings.PARSE_TIMEOUT_SECONDS. Never raises on a bad file, whatever it does to the child."""
    try:
        check_outside(data, file_name)  # no child for what the name and size already refuse
    except FileProblem as problem:
        return refused(data, file_name, str(problem))
    request = pickle.dumps((data, file_name, reference, kind, year, today or dt.date.today()), protocol=5)
    child = _take_child()
    try:
        answer, _ = child.communicate(request, timeout=settings.PARSE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return refused(data, file_name, REFUSED % f"超时（超过{settings.PARSE_TIMEOUT_SECONDS:.0f}秒）")
    finally:
        _running.discard(child)
    if child.returncode == 0 and answer:
        status, parsed = pickle.loads(answer)
        if status == "parsed":
            parsed.data = data
            return parsed
        return refused(data, file_name, REFUSED % "超出内存限制")
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return refused(data, file_name, REFUSED % "超时或被终止")
    return refused(data, file_name, REFUSED % "时读取程序异常终止（可能超出内存限制）")


def running_children() -> list[int]:
    """Process ids of the children parsing a file right now (a test kills one mid-way)."""
    return [child.pid for child in list(_running) if child.poll() is None]


@atexit.register
def _stop_spare() -> None:
    if _spare is not None and _spare.poll() is None:
        _spare.kill()


def _limit_self() -> None:
    """Cap the child's data segment (heap and anonymous mappings: what a bomb inflates into; an
    address-space cap would also count the thread stacks numpy reserves and never touches) and its
    CPU time. Set after the imports, which count against it and stay far below it."""
    memory = settings.PARSE_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    cpu = int(settings.PARSE_TIMEOUT_SECONDS) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


def _serve_one() -> None:
    """The child: read one request from stdin, answer on stdout, exit."""
    data, file_name, reference, kind, year, today = pickle.load(sys.stdin.buffer)
    answer: tuple[str, ParsedFile | None]
    try:
        parsed = parse_file(data, file_name, reference, kind=kind, year=year, today=today)
        parsed.data = b""  # the parent holds the bytes already
        answer = ("parsed", parsed)
    except MemoryError:
        answer = ("memory", None)
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=5))
    sys.stdout.flush()


if __name__ == "__main__":
    _limit_self()
    _serve_one()
