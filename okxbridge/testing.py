"""Running a real okxbridge daemon in-process, for tests and the benchmark.

Like treq's own ``testing`` module, this ships with the package: code that drives the
bridge can be tested with the same tool the bridge's own suite uses. The daemon listens
on a real loopback socket and talks to OKX (or the emulator) through the same client,
pool and signer as ``twistd okxbridge``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterator

import attrs
import treq

from .cli import request_body
from .fmz.app import FmzApp
from .fmz.site import bounded_site
from .mapping.context import Bridge
from .service import Options, make_bridge


@attrs.define
class RunningBridge:
    url: str
    bridge: Bridge
    app: FmzApp
    port: Any
    pool: Any
    nonces: Iterator[int] = attrs.Factory(lambda: itertools.count(1_700_000_000_000_000_000, 1_000))

    async def call(self, method: str, params: dict | None = None, *, access_key: str = "okxsim-demo-key",
                   secret_key: str = "okxsim-demo-secret,okxsim-demo-pass", nonce: int | None = None,
                   headers: dict | None = None) -> dict:
        """One protocol call as the FMZ docker makes it; returns the decoded answer."""
        nonce = nonce if nonce is not None else next(self.nonces)
        return await self.post(request_body(access_key, secret_key, method, params or {}, nonce), headers=headers)

    async def post(self, body: bytes, *, path: str = "/OKX", headers: dict | None = None) -> dict:
        response = await treq.post(self.url + path, data=body, headers=headers, persistent=False)
        content = await response.content()
        assert response.code == 200, (response.code, content)
        return json.loads(content)

    async def stop(self) -> None:
        await self.port.stopListening()
        await self.pool.closeCachedConnections()


async def start_bridge(reactor, okx_url: str, *args: str) -> RunningBridge:
    """Start the daemon's resource on 127.0.0.1, an ephemeral port, pointed at ``okx_url``."""
    options = Options()
    options.parseOptions(["--okx-url", okx_url, *args])
    bridge, app, pool = make_bridge(reactor, options)
    port = reactor.listenTCP(0, bounded_site(app.resource(), options["max-body"]), interface="127.0.0.1")
    return RunningBridge(f"http://127.0.0.1:{port.getHost().port}", bridge, app, port, pool)
