# -*- test-case-name: tests.test_health -*-
"""``GET /health``: is the daemon up, and can it reach OKX right now?

"Reachable" means OKX sent *some* HTTP answer recently — an OKX error code still proves
the network path, TLS and OKX's front end work. When no call has gone out recently the
check asks ``GET /api/v5/public/time`` (public, unsigned, cheap, and shared with any other
identical read in flight), with a short timeout so a supervisor's probe never hangs.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from . import __version__
from .okx import paths

PROBE_PATH = paths.TIME


@attrs.define
class Health:
    client: Any  # okxbridge.okx.client.OkxClient, which notes when OKX last answered
    clock: IReactorTime
    started_at: float
    #: the order ledger (okxbridge.desk): where claims are kept and whether it works
    ledger: Any = None
    #: the Redis connection's health() when --shared-state is given
    shared: Any = None
    fresh: float = 30.0         # seconds an OKX answer counts as proof of reachability
    probe_timeout: float = 3.0  # well under a supervisor's own check timeout
    #: okxbridge.okx.market_streams.MarketStreams, or None when streaming is off
    streams: Any = None
    #: the WebSocket bases in use (``okx_ws_url``, ``okx_demo_ws_url``) and ``okx_region``:
    #: which hosts the keys are sent to is the first thing to check when nothing connects
    hosts: dict[str, str] = attrs.Factory(dict)

    status_section: ClassVar[str] = "daemon"
    _probing: Deferred | None = attrs.field(default=None, init=False)

    async def report(self) -> dict[str, Any]:
        if not self.recently_answered():
            await self.probe()
        return self.snapshot()

    def status(self) -> dict[str, Any]:
        """``/status.json``'s ``daemon`` section: :meth:`report` without waiting. A page polls
        it every second, so a stale answer starts one probe in the background (never two at
        once) and the page sees its outcome on a later poll."""
        if not self.recently_answered() and self._probing is None:
            self._probing = Deferred.fromCoroutine(self.probe())
            self._probing.addBoth(self._probed)
        return self.basics()

    def _probed(self, _) -> None:
        self._probing = None

    def basics(self) -> dict[str, Any]:
        """The daemon itself, now, without asking OKX (``/status.json``'s ``daemon`` section;
        the ledger, Redis and the streams are sections of their own there)."""
        since = self.client.seconds_since_answer()
        return {
            "status": "up",
            "okx_reachable": self.recently_answered(),
            "okx_url": self.client.base_url,
            **self.hosts,
            "okx_last_answer_seconds_ago": None if since is None else round(since, 3),
            # server − local, as the signer applies it to OK-ACCESS-TIMESTAMP (kept by time sync)
            "clock_offset_seconds": float(getattr(self.client.signer, "offset", 0.0)),
            "uptime_seconds": round(self.clock.seconds() - self.started_at, 3),
            "version": __version__,
        }

    def snapshot(self) -> dict[str, Any]:
        """:meth:`basics` with the ledger's, Redis's and the streams' reports (``/health``)."""
        report = self.basics()
        if self.ledger is not None:
            report["ledger"] = self.ledger.health()
        if self.shared is not None:
            shared = self.shared()
            if not shared["connected"]:
                shared["effect"] = ("trading calls fail without sending anything; reads use this instance's "
                                    "own rate limits")
            report["shared_state"] = shared
        report["stream"] = {"enabled": False} if self.streams is None else self.streams.report()
        return report

    def recently_answered(self) -> bool:
        since = self.client.seconds_since_answer()
        return since is not None and since <= self.fresh

    async def probe(self) -> None:
        d = self.client.get(PROBE_PATH, sign=False)
        d.addTimeout(self.probe_timeout, self.clock)
        try:
            await d
        except Exception:
            pass  # the client noted whether any answer came; the report says so
