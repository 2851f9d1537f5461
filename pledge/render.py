"""Charts as PNG rendered on the server: Plotly through kaleido, driving Debian's chromium, with
a CJK font installed, so that a chart looks the same on every machine. One browser is kept
running for a whole bulletin instead of one per chart; MathJax is never fetched."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import plotly.graph_objects as go
import plotly.io as pio

pio.defaults.mathjax = None
WIDTH, HEIGHT, SCALE = 960, 540, 2  # 16:9, drawn at 2x: 1920 x 1080 pixels


class RenderUnavailable(RuntimeError):
    """What is missing, and how to install it."""


def missing() -> list[str]:
    """Debian packages needed for server-side charts that are not installed."""
    needs = []
    if not (shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")):
        needs.append("chromium")
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        fonts = ""
    if not fonts.strip():
        needs.append("fonts-noto-cjk")
    return needs


def _check() -> None:
    needs = missing()
    if needs:
        raise RenderUnavailable(f"服务器未安装图表导出所需的软件包：{'、'.join(needs)}（sudo apt-get install {' '.join(needs)}）")


@contextmanager
def renderer() -> Iterator:
    """A function fig -> PNG bytes, backed by one browser for the duration of the block."""
    _check()
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        def to_png(fig: go.Figure, width: int = WIDTH, height: int = HEIGHT) -> bytes:
            return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height, "scale": SCALE})

        yield to_png
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def png(fig: go.Figure, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    with renderer() as to_png:
        return to_png(fig, width, height)
