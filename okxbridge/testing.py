# -*- test-case-name: tests.e2e.test_abuse, tests.e2e.test_admin, tests.e2e.test_daemon_errors -*-
"""Running a real okxbridge daemon in-process, for tests and the benchmark.

Like treq's own ``testing`` module, this ships with the package: code that drives the
bridge can be tested with the same tool the bridge's own suite uses. The daemon listens
on a real loopback socket and talks to OKX (or the emulator) through the same client,
pool and signer as ``twistd okxbridge``.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from typing import Iterator

import attrs
import treq

from .call_client import request_body
from .desk.desk import OrderDesk
from .fmz.app import FmzApp
from .service import Daemon, Options, build_daemon


@attrs.define
class RunningBridge:
    """A daemon :func:`start_bridge` started: its protocol URL, its parts, and calls made as FMZ's docker makes them.

    The nonces count up from a fixed start, so each :meth:`call` is a new order to the ledger
    unless ``nonce=`` repeats one on purpose (that is how the exactly-once tests retry).
    """

    #: the protocol's base URL, ``http://127.0.0.1:PORT`` (FMZ's service address is this + ``/OKX``)
    url: str
    daemon: Daemon
    #: the admin endpoints' base URL (the protocol's own unless ``--admin-port`` was given)
    admin_url: str
    nonces: Iterator[int] = attrs.Factory(lambda: itertools.count(1_700_000_000_000_000_000, 1_000))
    #: a state dir made for this bridge (none given), removed when it stops
    own_state_dir: str | None = None

    async def call(self, method: str, params: dict | None = None, *, access_key: str = "okxsim-demo-key",
                   secret_key: str = "okxsim-demo-secret,okxsim-demo-pass", nonce: int | None = None,
                   headers: dict | None = None) -> dict:
        """One protocol call as the FMZ docker makes it; returns the decoded answer."""
        nonce = nonce if nonce is not None else next(self.nonces)
        return await self.post(request_body(access_key, secret_key, method, params or {}, nonce), headers=headers)

    async def post(self, body: bytes, *, path: str = "/OKX", headers: dict | None = None) -> dict:
        """A raw body (bad JSON, odd envelopes) to ``path``; the protocol answers every call HTTP 200."""
        code, answer = await self.post_status(body, path=path, headers=headers)
        assert code == 200, (code, answer)
        return answer

    async def post_status(self, body: bytes, *, path: str = "/OKX", headers: dict | None = None) -> tuple[int, dict]:
        """The HTTP status and the decoded answer (413, 408, 503 answers are JSON too)."""
        response = await treq.post(self.url + path, data=body, headers=headers, persistent=False)
        content = await response.content()
        return response.code, json.loads(content)

    @property
    def bridge(self) -> Daemon:
        """The daemon's parts (its client, streams, accounts, order desk)."""
        return self.daemon

    @property
    def desk(self) -> OrderDesk:
        """The order desk: ledger, placements, resolution of unanswered writes."""
        return self.daemon.desk

    @property
    def app(self) -> FmzApp:
        """The Klein app that serves the protocol (its resource can be driven without a socket)."""
        return self.daemon.app

    async def stop(self) -> None:
        """Stop as twistd stops it: the port, then calls in flight, then the OKX pool."""
        await self.daemon.service.stopService()
        if self.own_state_dir is not None:
            shutil.rmtree(self.own_state_dir, ignore_errors=True)


LOOPBACK_ANY_PORT = "tcp:0:interface=127.0.0.1"


async def start_bridge(reactor, okx_url: str, *args: str, stream: bool = False, clock=None,
                       private: bool = False) -> RunningBridge:
    """Start the daemon ``twistd okxbridge`` runs, on a loopback port the kernel picks,
    pointed at ``okx_url``; ``args`` are its command-line options. Market data streaming is
    off (``--no-stream``) unless ``stream``, and so are the private account streams
    (``--no-private-stream``) unless ``private``; ``clock`` drives the streams' timers. Without
    ``--state-dir`` its order ledger lives in a fresh temporary directory, removed when it stops."""
    own = None
    if not any(a.split("=")[0] in ("--state-dir", "--shared-state") for a in args):
        own = tempfile.mkdtemp(prefix="okxbridge-state-")
        args = ("--state-dir", own, *args)
    options = Options()
    options.parseOptions(["--port", LOOPBACK_ANY_PORT, "--okx-url", okx_url, *args,
                          *(() if stream else ("--no-stream",)), *(() if private else ("--no-private-stream",))])
    daemon = build_daemon(reactor, options, clock)
    daemon.service.startService()
    url = await base_url(daemon.protocol_port)
    admin_url = url if daemon.admin_port is None else await base_url(daemon.admin_port)
    return RunningBridge(url, daemon, admin_url, own_state_dir=own)


async def base_url(listener) -> str:
    address = (await listener.bound()).getHost()
    return f"http://{address.host}:{address.port}"
