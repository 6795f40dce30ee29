# -*- test-case-name: tests.e2e.test_abuse, tests.e2e.test_ledger, tests.e2e.test_okx_changes -*-
"""Helpers for tests that talk to the emulator over a real socket.

    running = await start_emulator(reactor, seed=1)
    ... point a client at running.url ...
    await running.stop()
"""

import attrs
from twisted.internet import endpoints
from twisted.web.server import Site

from okxbridge.sim.emulator import Emulator


@attrs.define(eq=False)
class RunningEmulator:
    """An Emulator listening on a local port."""

    emulator: Emulator
    port: object
    scheme: str = "http"

    @property
    def url(self):
        """The REST base URL, ``http(s)://127.0.0.1:PORT``: the bridge's ``--okx-url``, python-okx's ``domain``."""
        return f"{self.scheme}://127.0.0.1:{self.port.getHost().port}"

    @property
    def ws_url(self):
        """The WebSocket base: append ``/public`` or ``/business`` (ccxt.pro's ``urls['api']['ws']``)."""
        return f"{'wss' if self.scheme == 'https' else 'ws'}://127.0.0.1:{self.port.getHost().port}/ws/v5"

    async def stop(self):
        """Close the emulator's WebSocket connections, then stop listening."""
        self.emulator.ws.stop()
        self.emulator.stop_algos()
        await self.port.stopListening()


async def start_emulator(reactor, tls_cert=None, tls_key=None, **kwargs):
    """Start an Emulator (same kwargs) on 127.0.0.1, a free port; HTTPS when given a cert and key.

    The reactor is also the emulator's clock unless ``clock=`` is passed.
    """
    kwargs.setdefault("clock", reactor)
    emulator = Emulator(**kwargs)
    site = Site(emulator.resource())
    site.noisy = False
    if tls_cert:
        description = f"ssl:0:interface=127.0.0.1:privateKey={tls_key or tls_cert}:certKey={tls_cert}"
        scheme = "https"
    else:
        description = "tcp:0:interface=127.0.0.1"
        scheme = "http"
    port = await endpoints.serverFromString(reactor, description).listen(site)
    return RunningEmulator(emulator=emulator, port=port, scheme=scheme)
