# -*- test-case-name: tests.test_service -*-
"""``twistd okxbridge``: the one place the daemon is put together.

:func:`build_daemon` is the composition root: every part is constructed already
configured (the client with its metrics hook, the app with its call hook and key
allow-list, the admin paths) and nothing is patched on afterwards. ``makeService`` and
:mod:`okxbridge.testing` both call it, so the tests run the tree ``twistd`` runs.
"""

from __future__ import annotations

import functools
import gc
import uuid
from typing import Any
from urllib.parse import urlsplit

import attrs
from twisted.application import service
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.client import HTTPConnectionPool

from .admin import AdminApp, PathSwitch, admin_site
from .convert.io_policy import IoPolicy
from .desk.claims import LedgerError
from .desk.desk import OrderDesk
from .desk.memory import MemoryLedger
from .desk.redis import RedisLedger
from .desk.sqlite import SqliteLedger
from .desk.store import LedgerStore
from .desk.write_transport import WriteTransport
from .docker_calls import DockerCalls
from .fmz.app import FmzApp
from .fmz.key_allowlist import restrict_keys
from .fmz.site import bounded_site
from .handlers.deps import TradingDefaults
from .handlers.methods import HANDLERS, Views, method_table
from .health import Health
from .key_check import check_body
from .listening import Listener, is_local_address, listens_only_locally
from .metrics import BridgeMetrics
from .okx.account_streams import PrivateStreams
from .okx.accounts import Accounts
from .okx.client import OkxClient
from .okx.coalesce import Coalescer
from .okx.errors import OkxError
from .okx.http import BundlePolicy, load_bundle, make_http_client, make_pool
from .okx.inflight import InFlight
from .okx.instruments import InstrumentCache
from .okx.limits import RateLimiter
from .okx.market_streams import MarketStreams
from .okx.retry import Backoff
from .okx.services import PoolService, StreamsService
from .okx.signer import Signer
from .okx.timesync import TimeSync
from .okx.ws_pacing import ConnectionPacer
from .options import Options
from .recent import RecentCalls, RecentOkxRequests
from .shared.connection import RedisConnection, host_name
from .shared.gcra import SharedLimiter
from .shared.instances import Instances
from .shutdown import CloseDoors, CountingResource, DrainService, StopInOrder
from .status import NotEnabled, ReadSection, StatusBoard, StatusSection
from .stream_metrics import PrivateStreamCollector, StreamCollector

__all__ = ["Daemon", "Options", "build_daemon", "makeService"]

log = Logger()


@attrs.frozen
class Daemon:
    """The built daemon: ``service`` is what twistd runs; the rest are handles for tests."""

    service: StopInOrder
    client: OkxClient
    accounts: Accounts
    desk: OrderDesk
    streams: MarketStreams | None
    private: PrivateStreams | None
    app: FmzApp
    admin: AdminApp
    #: the protocol's port (with /metrics and /health unless ``--admin-port`` is given)
    protocol_port: Listener
    admin_port: Listener | None


def make_private_streams(reactor, clock: IReactorTime, options: Options, client: OkxClient,
                         trust_root: Any, pacer: ConnectionPacer | None = None) -> PrivateStreams | None:
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
    return PrivateStreams(reactor, clock, client, urls, fresh=options["stream-fresh"],
                          resync=options["private-resync"], idle=options["stream-idle"], trust_root=trust_root,
                          pacer=pacer)


def make_streams(reactor, clock: IReactorTime, options: Options, trust_root: Any,
                 pacer: ConnectionPacer | None = None) -> MarketStreams | None:
    if options["no-stream"]:
        return None
    return MarketStreams(reactor, clock, {False: options["okx-ws-url"], True: options["okx-demo-ws-url"]},
                         fresh=options["stream-fresh"], idle=options["stream-idle"], trust_root=trust_root,
                         pacer=pacer, max_subscriptions=options["max-subscriptions"])


def watch_streams(metrics: BridgeMetrics, streams: MarketStreams | None, private: PrivateStreams | None) -> None:
    """The streams' gauges on /metrics, for the streams that are on."""
    if streams is not None:
        metrics.registry.register(StreamCollector(streams))
    if private is not None:
        metrics.registry.register(PrivateStreamCollector(private))


def make_ledger(reactor, options: Options, instance: str) -> tuple[LedgerStore, RedisConnection | None]:
    """The order ledger the options ask for, and the Redis connection when it is shared."""
    if options["shared-state"]:
        redis = RedisConnection(reactor, options["shared-state"], password=options["shared-state-password"],
                                trust_root=options["shared-state-trust"])
        return RedisLedger(redis, instance), redis
    if options["ledger"] == "memory":
        return MemoryLedger(), None
    return SqliteLedger(reactor, options["state-dir"], sync=options["ledger-sync"]), None


def make_limiters(reactor, options: Options, redis: RedisConnection | None,
                  instances: Instances | None = None) -> tuple[RateLimiter | None, Any]:
    """(this instance's buckets, the limiter the client paces with): with ``--shared-state``
    the Redis budgets come first (and without Redis each instance takes its share of
    ``instances``); with ``--no-rate-limits`` there are none."""
    local = None if options["no-rate-limits"] else RateLimiter(reactor, max_queue=options["max-queue"])
    if redis is not None and local is not None:
        return local, SharedLimiter(redis, local, host_name(), instances=instances)
    return local, local


def make_client(reactor, options: Options, pool: HTTPConnectionPool, bundle: BundlePolicy | None, limiter: Any,
                coalescer: Coalescer, metrics: BridgeMetrics) -> OkxClient:
    return OkxClient(make_http_client(reactor, pool, bundle), options["okx-url"], reactor,
                     Signer(reactor), options["timeout"], coalescer=coalescer, limiter=limiter,
                     backoff=Backoff(attempts=options["read-attempts"]), deadline=options["deadline"],
                     metrics=metrics)


def make_views(reactor, options: Options, client: OkxClient, accounts: Accounts, desk: OrderDesk,
               instruments: InstrumentCache, streams: MarketStreams | None) -> Views:
    """What each handler area is given (:mod:`okxbridge.handlers.deps`)."""
    defaults = TradingDefaults(options["margin-mode"], options.key_margin_modes, options["records-period-unit"])
    return Views.over(client, instruments, accounts, desk, streams=streams, defaults=defaults,
                      history_order=options["history-order"])


def make_status(reactor, parts: dict[str, Any], options: Options) -> StatusBoard:
    """``/status.json``: one section per part, in this order (a part that is off says why)."""
    def part(name: str, read: Any, off: str) -> StatusSection:
        return ReadSection(name, read) if read is not None else NotEnabled(name, off)

    streams, private, redis = parts["streams"], parts["private"], parts["redis"]
    return StatusBoard(reactor, [
        parts["health"], parts["recent_calls"], parts["docker_calls"], parts["recent_okx"],
        # this instance's own buckets (with --shared-state the Redis budgets come first)
        parts["limiter"] if parts["limiter"] is not None
        else NotEnabled("rate_limits", "--no-rate-limits: requests are not paced"),
        parts["desk"].resolving,
        part("streams", streams and streams.report, "--no-stream: market calls are answered by REST only"),
        part("private_streams", private and private.report,
             "--no-private-stream: account calls are answered by REST only"),
        ReadSection("ledger", parts["ledger"].health),
        part("redis", redis and redis.health, "no --shared-state: claims and budgets are this instance's own"),
    ])


def make_desk(reactor, options: Options, client: OkxClient, accounts: Accounts, instruments: InstrumentCache,
              ledger: LedgerStore, instance: str) -> OrderDesk:
    transport = WriteTransport(accounts, instruments, options["trade-over"])
    return OrderDesk.for_client(reactor, client, transport, ledger=ledger, instance=instance)


def make_app(reactor, options: Options, views: Views, metrics: BridgeMetrics, seen: DockerCalls) -> FmzApp:
    """The protocol: the method table (with the IO policy), behind the key allow-list."""
    io_policy = IoPolicy.create(allow=options["io-allow"] or (), deny=options["io-deny"] or ())
    return FmzApp(restrict_keys(method_table(views, io_policy), options["allow-key"] or ()), reactor,
                  known_errors=(OkxError, LedgerError), on_call=metrics.call, on_received=seen.received)


def make_ports(reactor, options: Options, app: FmzApp, admin: AdminApp,
               calls: InFlight) -> tuple[Listener, CloseDoors, Listener | None]:
    """(the protocol's port, its doors, the admin port or None): without ``--admin-port``
    one port serves both, the admin paths (/metrics, /health, /status…) going to the admin app."""
    admin_port = Listener(reactor, options["admin-port"], admin_site(
        admin, options["max-body"], options["read-timeout"], options["max-connections"], reactor),
    ) if options["admin-port"] else None
    protocol = app.resource() if admin_port is not None else PathSwitch(admin.resource(), app.resource())
    counting = CountingResource(protocol, calls)
    site = bounded_site(counting, options["max-body"], options["read-timeout"], options["max-connections"], reactor)
    return Listener(reactor, options["port"], site), CloseDoors(counting), admin_port


def hosts_of(options: Options) -> dict[str, str]:
    """What ``/status.json``'s daemon section says about OKX's hosts (beside ``okx_url``)."""
    return {"okx_region": options["okx-region"], "okx_ws_url": options["okx-ws-url"],
            "okx_demo_ws_url": options["okx-demo-ws-url"]}


def in_stop_order(*parts: service.IService | None) -> StopInOrder:
    """The top service; its children stop in the order given (it stops the last added first)."""
    top = StopInOrder()
    for part in reversed(parts):
        if part is not None:
            part.setServiceParent(top)
    return top


def build_daemon(reactor: IReactorTime, options: Options, clock: IReactorTime | None = None) -> Daemon:
    """The whole daemon from parsed options; nothing listens until ``service`` is started.

    ``clock`` is what the streams' timers read (keep-alive, freshness, idle, reconnect
    backoff): the reactor unless a test drives a ``task.Clock``. The last statement lists
    the services in the order they stop (see :mod:`okxbridge.shutdown`).
    """
    pool, coalescer = make_pool(reactor, options["pool-size"]), Coalescer()
    recent_calls, recent_okx, seen = RecentCalls(reactor), RecentOkxRequests(reactor), DockerCalls(reactor)
    metrics = BridgeMetrics.create(HANDLERS, coalescer, recent_calls, recent_okx)
    instance = uuid.uuid4().hex[:12]
    ledger, redis = make_ledger(reactor, options, instance)
    local_limiter, limiter = make_limiters(reactor, options, redis, getattr(ledger, "instances", None))
    bundle = load_bundle(options["okx-ca"]) if options["okx-ca"] else None  # --okx-ca, read once
    client = make_client(reactor, options, pool, bundle, limiter, coalescer, metrics)
    trust_root = bundle.trust_root if bundle is not None else None
    pacer = ConnectionPacer(clock or reactor)  # OKX: 3 new WebSocket connections per second per IP
    streams = make_streams(reactor, clock or reactor, options, trust_root, pacer)
    private = make_private_streams(reactor, clock or reactor, options, client, trust_root, pacer)
    watch_streams(metrics, streams, private)
    instruments = InstrumentCache(reactor, options["instruments-ttl"])
    accounts = Accounts(reactor, private, uids=client.uids)  # budgets per OKX account (UID)
    desk = make_desk(reactor, options, client, accounts, instruments, ledger, instance)
    app = make_app(reactor, options, make_views(reactor, options, client, accounts, desk, instruments, streams),
                   metrics, seen)
    health = Health(client, reactor, reactor.seconds(), ledger=ledger,
                    shared=redis.health if redis is not None else None, streams=streams, hosts=hosts_of(options))
    status = make_status(reactor, {"health": health, "recent_calls": recent_calls, "docker_calls": seen,
                                   "recent_okx": recent_okx,
                                   "limiter": local_limiter, "desk": desk, "streams": streams, "private": private,
                                   "ledger": ledger, "redis": redis}, options)
    checks = functools.partial(check_body, client, frozenset(options["allow-key"] or ()))  # POST /check
    admin, calls = AdminApp(metrics, health, status, allowed_hosts=frozenset(options["allow-host"] or ()),
                            key_check=checks), InFlight()
    protocol_port, doors, admin_port = make_ports(reactor, options, app, admin, calls)
    top = in_stop_order(
        protocol_port,                       # 1. stop listening
        doors,                               # 2. answer 503 to what is still arriving
        admin_port,                          # 3. the admin port (if any)
        DrainService(reactor, [calls, client.inflight], options["drain-timeout"]),  # 4. calls and writes finish
        TimeSync(client, options["time-sync-interval"]),
        StreamsService(private) if private is not None else None,  # 5. the WebSocket streams
        StreamsService(streams) if streams is not None else None,
        ledger if isinstance(ledger, service.Service) else None,  # 6. the ledger, then Redis under it
        redis,
        PoolService(pool))                   # 7. the OKX connection pool
    return Daemon(top, client, accounts, desk, streams, private, app, admin, protocol_port, admin_port)


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
