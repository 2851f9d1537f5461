"""A minimal Streamlit client for load tests: what a browser does to open a page, without drawing.

It fetches the page (as a browser's first request: through nginx this sets the routing cookie),
opens the websocket /_stcore/stream with that cookie, sends the BackMsg that asks for a run of the
page (rerun_script) and reads ForwardMsgs until the run has finished. Streamlit's protocol is
protobuf over a websocket (streamlit.proto); the `websockets` package does the transport.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol


class RunFailed(RuntimeError):
    """The page's run ended with an error, or an exception was drawn on the page."""


def _first_request(url: str, timeout: float) -> dict[str, str]:
    with urllib.request.urlopen(url + "/", timeout=timeout) as response:
        response.read()
        cookies: dict[str, str] = {}
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        return cookies


async def open_page(url: str, timeout: float = 60, page: str = "") -> float:
    """Seconds from the first request until the server finished running the page (`page`: its url
    path, '' for the default page). Raises RunFailed, TimeoutError or a connection error."""
    started = time.perf_counter()
    cookies = await asyncio.to_thread(_first_request, url, timeout)
    parsed = urlparse(url)
    stream = f"ws://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
    headers = {"Origin": f"{parsed.scheme}://{parsed.netloc}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with connect(
        stream, subprotocols=[Subprotocol("streamlit")], additional_headers=headers, max_size=None, open_timeout=timeout
    ) as ws:
        request = BackMsg()
        run = request.rerun_script
        run.query_string = ""
        run.page_name = page
        run.context_info.timezone = "Asia/Shanghai"
        run.context_info.locale = "zh-CN"
        run.context_info.url = url
        await ws.send(request.SerializeToString())
        deadline = started + timeout
        while True:
            data = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.perf_counter()))
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            element = message.delta.new_element if kind == "delta" else None
            if element is not None and element.WhichOneof("type") == "exception":
                raise RunFailed(element.exception.message)
            if kind == "script_finished":
                status = message.script_finished
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - started
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    raise RunFailed(ForwardMsg.ScriptFinishedStatus.Name(status))
