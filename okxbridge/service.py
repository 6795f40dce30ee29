"""``twistd okxbridge``: the one place the daemon is put together.

:func:`build_daemon` is the composition root: every part is constructed already
configured (the client with its metrics hook, the app with its call hook and key
allow-list, the admin paths) and nothing is patched on afterwards. ``makeService`` and
:mod:`okxbridge.testing` both call it, so the tests run the tree ``twistd`` runs.
"""

from __future__ import annotations

import gc
import uuid
from urllib.parse import urlsplit

import attrs
from twisted.application import service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.client import HTTPConnectionPool

from .admin import AdminApp, PathSwitch, admin_site
from .fmz.app import FmzApp
from .fmz.key_allowlist import restrict_keys
from .fmz.site import bounded_site
from .health import Health
from .listening import Listener, is_local_address, listens_only_locally
from .desk.claims import LedgerError
from .desk.memory import MemoryLedger
from .desk.redis import RedisLedger
from .desk.sqlite import SqliteLedger
from .handlers.context import Bridge, TradingDefaults
from .okx.instruments import InstrumentCache
from .convert.io_policy import IoPolicy
from .handlers.methods import HANDLERS, method_table
from .okx.account_streams import PrivateStreams
from .okx.market_streams import MarketStreams
from .metrics import BridgeMetrics
from .stream_metrics import PrivateStreamCollector, StreamCollector
from .okx.client import OkxClient
from .okx.coalesce import Coalescer
from .okx.errors import OkxError
from .okx.http import load_bundle, make_http_client, make_pool
from .okx.inflight import InFlight
from .okx.limits import RateLimiter
from .okx.retry import Backoff
from .okx.signer import Signer
from .okx.timesync import TimeSync
from .options import Options
from .recent import RecentCalls, RecentOkxRequests
from .shared.connection import RedisConnection, host_name
from .shared.gcra import SharedLimiter
from .status import NotEnabled, ReadSection, StatusBoard
from .shutdown import CloseDoors, CountingResource, DrainService, StopInOrder

__all__ = ["Daemon", "Options", "build_daemon", "makeService"]

log = Logger()


class PoolService(service.Service):
    """Closes the OKX connection pool on shutdown so no connection is left half-open."""

    def __init__(self, pool: HTTPConnectionPool):
        self.pool = pool

    def stopService(self):
        super().stopService()
        return self.pool.closeCachedConnections()


@attrs.frozen
class Daemon:
    """The built daemon: ``service`` is what twistd runs; the rest are handles for tests."""

    service: StopInOrder
    bridge: Bridge
    app: FmzApp
    admin: AdminApp
    #: the protocol's port (with /metrics and /health unless ``--admin-port`` is given)
    protocol_port: Listener
    admin_port: Listener | None

    @property
    def client(self) -> OkxClient:
        return self.bridge.client


class StreamsService(service.Service):
    """OKX WebSocket connections, market data (:class:`MarketStreams`: connected when a
    symbol is first asked for) or private (:class:`PrivateStreams`: one per working key):
    their timers run while the daemon runs, and they are closed with it."""

    def __init__(self, streams: MarketStreams | PrivateStreams):
        self.streams = streams

    def startService(self):
        super().startService()
        self.streams.start()

    def stopService(self):
        super().stopService()
        return Deferred.fromCoroutine(self.streams.stop())


def make_private_streams(reactor, clock: IReactorTime, options: Options, client: OkxClient) -> PrivateStreams | None:
    """Account streams, unless ``--no-private-stream``. Logins carry a signature and the
    passphrase: a ``ws://`` URL is used only to a loopback host (an emulator)."""
    if options["no-private-stream"]:
        return None
    urls = {demo: options[name] for demo, name in ((False, "okx-ws-url"), (True, "okx-demo-ws-url"))}
    for demo, url in urls.items():
        host = urlsplit(url).hostname or ""
        if url.startswith("ws://") and not is_local_address(host):
            log.warn("no private WebSocket for {env} keys: {url} is not encrypted (wss://); account calls use REST",
                     env="demo" if demo else "live", url=url)
            return None
    trust_root = load_bundle(options["okx-ca"]).trust_root if options["okx-ca"] else None
    return PrivateStreams(reactor, clock, client, urls, fresh=options["stream-fresh"],
                          resync=options["private-resync"], idle=options["stream-idle"], trust_root=trust_root)


def make_streams(reactor, clock: IReactorTime, options: Options) -> MarketStreams | None:
    if options["no-stream"]:
        return None
    trust_root = load_bundle(options["okx-ca"]).trust_root if options["okx-ca"] else None
    return MarketStreams(reactor, clock, {False: options["okx-ws-url"], True: options["okx-demo-ws-url"]},
                         fresh=options["stream-fresh"], idle=options["stream-idle"], trust_root=trust_root)


def build_daemon(reactor: IReactorTime, options: Options, clock: IReactorTime | None = None) -> Daemon:
    """The whole daemon from parsed options; nothing listens until ``service`` is started.

    Children of the top service stop one at a time, last added first: the listening
    port, then calls in flight, then the WebSocket streams, then the OKX pool (see
    :mod:`okxbridge.shutdown`). ``clock`` is what the streams' timers read (keep-alive,
    freshness, idle, reconnect backoff): the reactor unless a test drives a ``task.Clock``.
    """
    pool = make_pool(reactor, options["pool-size"])
    coalescer = Coalescer()
    recent_calls, recent_okx = RecentCalls(reactor), RecentOkxRequests(reactor)
    metrics = BridgeMetrics.create(HANDLERS, coalescer, recent_calls, recent_okx)
    instance = uuid.uuid4().hex[:12]
    top = StopInOrder()
    PoolService(pool).setServiceParent(top)
    local_limiter = None if options["no-rate-limits"] else RateLimiter(reactor, max_queue=options["max-queue"])
    limiter = local_limiter
    ledger, redis = build_ledger(reactor, options, instance)
    for part in (redis, ledger):  # started before the port opens, stopped after calls drained
        if isinstance(part, service.Service):
            part.setServiceParent(top)
    if redis is not None and limiter is not None:
        limiter = SharedLimiter(redis, limiter, host_name())
    client = OkxClient(make_http_client(reactor, pool, options["okx-ca"]), options["okx-url"], reactor,
                       Signer(reactor), options["timeout"], coalescer=coalescer, limiter=limiter,
                       backoff=Backoff(attempts=options["read-attempts"]), deadline=options["deadline"],
                       metrics=metrics)
    streams = make_streams(reactor, clock or reactor, options)
    if streams is not None:
        metrics.registry.register(StreamCollector(streams))
    private = make_private_streams(reactor, clock or reactor, options, client)
    if private is not None:
        metrics.registry.register(PrivateStreamCollector(private))
    defaults = TradingDefaults(options["margin-mode"], options.key_margin_modes, options["records-period-unit"])
    bridge = Bridge(client, reactor, InstrumentCache(reactor, options["instruments-ttl"]), defaults=defaults,
                    ledger=ledger, instance=instance, streams=streams, private=private,
                    trade_over=options["trade-over"])
    io_policy = IoPolicy.create(allow=options["io-allow"] or (), deny=options["io-deny"] or ())
    app = FmzApp(restrict_keys(method_table(bridge, io_policy), options["allow-key"] or ()), reactor,
                 known_errors=(OkxError, LedgerError), on_call=metrics.call)
    health = Health(client, reactor, reactor.seconds(), ledger=ledger,
                    shared=redis.health if redis is not None else None,
                    streams=streams)
    # /status.json: one section per part, in this order; a part added later replaces its stand-in
    status = StatusBoard(reactor, [
        health,
        recent_calls,
        recent_okx,
        # this instance's own buckets (with --shared-state the Redis budgets come first)
        local_limiter if local_limiter is not None
        else NotEnabled("rate_limits", "--no-rate-limits: requests are not paced"),
        bridge.resolving,
        ReadSection("streams", streams.report) if streams is not None
        else NotEnabled("streams", "--no-stream: market calls are answered by REST only"),
        ReadSection("private_streams", private.report) if private is not None
        else NotEnabled("private_streams", "--no-private-stream: account calls are answered by REST only"),
        ReadSection("ledger", ledger.health),
        ReadSection("redis", redis.health) if redis is not None
        else NotEnabled("redis", "no --shared-state: claims and budgets are this instance's own"),
    ])
    admin = AdminApp(metrics, health, status)

    if streams is not None:
        StreamsService(streams).setServiceParent(top)
    if private is not None:
        StreamsService(private).setServiceParent(top)
    TimeSync(client, options["time-sync-interval"]).setServiceParent(top)
    calls = InFlight()
    DrainService(reactor, [calls, client.inflight], options["drain-timeout"]).setServiceParent(top)
    protocol = app.resource()
    admin_port = None
    if options["admin-port"]:
        admin_port = Listener(reactor, options["admin-port"], admin_site(admin))
        admin_port.setServiceParent(top)
    else:
        # one port for both: the admin paths (/metrics, /health, /status…) go to the admin app
        protocol = PathSwitch(admin.resource(), protocol)
    counting = CountingResource(protocol, calls)
    CloseDoors(counting).setServiceParent(top)
    site = bounded_site(counting, options["max-body"], options["read-timeout"], options["max-connections"], reactor)
    protocol_port = Listener(reactor, options["port"], site)
    protocol_port.setServiceParent(top)
    return Daemon(top, bridge, app, admin, protocol_port, admin_port)


def build_ledger(reactor, options: Options, instance: str):
    """The order ledger the options ask for, and the Redis connection when it is shared."""
    if options["shared-state"]:
        redis = RedisConnection(reactor, options["shared-state"])
        return RedisLedger(redis, instance), redis
    if options["ledger"] == "memory":
        return MemoryLedger(), None
    return SqliteLedger(reactor, options["state-dir"], sync=options["ledger-sync"]), None


def makeService(options: Options) -> service.MultiService:
    from twisted.internet import reactor

    daemon = build_daemon(reactor, options)
    warn_if_exposed(options)
    # Everything loaded so far (modules, Twisted, the built daemon) lives as long as the
    # process: frozen, a full collection no longer walks it. Without this, a streamed order
    # book's updates (thousands of small lists a second) trigger full collections that held
    # the reactor for ~25 ms (bench: push-to-answer p99 25 ms → see docs/benchmarks.md).
    gc.freeze()
    return daemon.service


def warn_if_exposed(options: Options) -> None:
    if options["ledger"] == "memory" and not options["shared-state"]:
        log.warn("--ledger memory: order claims are forgotten on restart; a repeated nonce may then place "
                 "a second order")
    if options["no-rate-limits"]:
        log.warn("--no-rate-limits: requests are not paced to OKX's limits; use it only against the emulator")
    if not listens_only_locally(options["port"]):
        log.warn("okxbridge listens on {port}: anyone who can reach it can trade with the keys they send; "
                 "bind to 127.0.0.1 unless FMZ's docker runs on another host", port=options["port"])
    if options["admin-port"] and not listens_only_locally(options["admin-port"]):
        log.warn("okxbridge serves /metrics and /health on {port}, reachable from other hosts",
                 port=options["admin-port"])
    if not options["allow-key"] and not listens_only_locally(options["port"]):
        log.warn("no --allow-key given: any OKX key sent to {port} will be used", port=options["port"])
