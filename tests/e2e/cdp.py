"""Headless Chromium driven over the DevTools protocol, for what ``--dump-dom`` cannot do:
run a script in the live page (to measure its layout) and take a screenshot of that same
page. Runs on an asyncio loop (the ``websockets`` client), so tests call :func:`measure_page`
in a thread while the reactor serves the daemon; the whole exchange is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-port=0"]


class Session:
    """One page target, commands answered by id (events in between are skipped)."""

    def __init__(self, ws, session_id: str | None = None):
        self.ws, self.session_id, self.last = ws, session_id, 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.last += 1
        message: dict[str, Any] = {"id": self.last, "method": method, "params": params}
        if self.session_id:
            message["sessionId"] = self.session_id
        await self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(await self.ws.recv())
            if answer.get("id") == self.last:
                assert "error" not in answer, (method, answer["error"])
                return answer["result"]


async def devtools_url(process) -> str:
    while True:
        line = (await process.stderr.readline()).decode()
        assert line, "chromium exited before DevTools listened"
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)


async def measure_page(browser: str, url: str, expression: str, width: int, height: int,
                       screenshot: Path | None = None, bound: float = 60.0) -> Any:
    """Open ``url`` at ``width`` × ``height``, evaluate ``expression`` (a Promise; its value is
    returned), then optionally write a PNG of the viewport to ``screenshot``."""
    profile = tempfile.mkdtemp(prefix="okxbridge-chromium-")
    process = await asyncio.create_subprocess_exec(
        browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        return await asyncio.wait_for(drive(process, url, expression, width, height, screenshot), bound)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def drive(process, url, expression, width, height, screenshot):
    import websockets

    async with websockets.connect(await devtools_url(process), max_size=None) as ws:
        browser = Session(ws)
        target = (await browser.send("Target.createTarget", url="about:blank"))["targetId"]
        page = Session(ws, (await browser.send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"])
        await page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        await page.send("Page.navigate", url=url)
        result = await page.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        if screenshot is not None:  # the whole page, as tall as it is, at the same width
            tall = await page.send("Runtime.evaluate", expression="document.documentElement.scrollHeight",
                                   returnByValue=True)
            await page.send("Emulation.setDeviceMetricsOverride", width=width, deviceScaleFactor=1, mobile=False,
                            height=max(height, int(tall["result"]["value"])))
            shot = await page.send("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        return result["result"]["value"]
