"""Charts as PNG rendered on the server: Plotly through kaleido, driving Debian's chromium, with
a CJK font installed, so that a chart looks the same on every machine. One browser is kept
running for a whole bulletin instead of one per chart; MathJax is never fetched.

`python -m pledge.render` prints the Debian packages that are missing, one a line as
"package<TAB>what it is for" (nothing when all are there): scripts/system-packages.sh uses it,
so that the set-up script and the app agree on what is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

WIDTH, HEIGHT, SCALE = 960, 540, 2  # 16:9, drawn at 2x: 1920 x 1080 pixels
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# What each Debian package does for the app, in the words the set-up script and the page use.
PURPOSE = {
    "chromium": "在服务器上把月度通报的图表绘制成PNG图片，放入Word通报",
    "fontconfig": "让Chromium找到已安装的中文字体",
    "fonts-noto-cjk": "图表中的中文字形，缺少时中文显示为方框",
}


class RenderUnavailable(RuntimeError):
    """What is missing, and how to install it."""


def browser() -> str | None:
    """The browser kaleido will drive: $BROWSER_PATH, else the first of BROWSERS on PATH."""
    named = os.environ.get("BROWSER_PATH")
    if named:
        return named if os.access(named, os.X_OK) else None
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def missing() -> list[str]:
    """Debian packages needed for server-side charts that are not installed (as PATH and
    fontconfig, FONTCONFIG_FILE included, show them to this process)."""
    needs = [] if browser() else ["chromium"]
    if not shutil.which("fc-list"):
        return [*needs, "fontconfig", "fonts-noto-cjk"]
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        fonts = ""
    if not fonts.strip():
        needs.append("fonts-noto-cjk")
    return needs


def install_command(needs: list[str]) -> str:
    return f"sudo apt-get install {' '.join(needs)}"


def advice(needs: list[str]) -> str:
    """What is missing, what each package is for, and the one command that installs them."""
    packages = "、".join(f"{name}（{PURPOSE[name]}）" for name in needs)
    return (
        f"本服务器未安装图表导出所需的软件包：{packages}。Word通报照常提供，但不含图表。"
        f"请管理员执行 `{install_command(needs)}`（或重新运行 `bash scripts/app.sh`），之后即可生成含图表的通报。"
    )


def _check() -> None:
    needs = missing()
    if needs:
        raise RenderUnavailable(f"服务器未安装图表导出所需的软件包：{'、'.join(needs)}（{install_command(needs)}）")


@contextmanager
def renderer() -> Iterator:
    """A function fig -> PNG bytes, backed by one browser for the duration of the block."""
    _check()
    import kaleido
    import plotly.io as pio

    pio.defaults.mathjax = None
    kaleido.start_sync_server(silence_warnings=True, path=browser())  # the browser missing() found
    try:

        def to_png(fig, width: int = WIDTH, height: int = HEIGHT) -> bytes:
            height = max(height, fig.layout.height or 0)  # a long ranking grows taller, never squeezed
            return kaleido.calc_fig_sync(fig, opts={"format": "png", "width": width, "height": height, "scale": SCALE})

        yield to_png
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def png(fig, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    with renderer() as to_png:
        return to_png(fig, width, height)


if __name__ == "__main__":
    for package in missing():
        print(f"{package}\t{PURPOSE[package]}")
