"""``twistd okxbridge``: options and the service tree (the plugin file only points here).

Options come from the command line or, with ``--config FILE``, from an INI file's
``[okxbridge]`` section (command line wins); see ``etc/okxbridge.ini``.
"""

from __future__ import annotations

import configparser
import sys

from twisted.application import service, strports
from twisted.logger import Logger
from twisted.python import usage

from .admin import admin_site, install_operations
from .fmz.app import FmzApp
from .fmz.key_allowlist import parse_key_list
from .fmz.site import DEFAULT_MAX_BODY, bounded_site
from .listening import listens_only_locally
from .mapping.context import Bridge
from .mapping.methods import method_table
from .okx.client import OkxClient
from .okx.errors import OkxError
from .okx.http import make_http_client, make_pool
from .okx.inflight import InFlight
from .okx.limits import RateLimiter
from .okx.retry import Backoff
from .okx.signer import Signer
from .okx.timesync import TimeSync
from .shutdown import CloseDoors, CountingResource, DrainService, StopInOrder

log = Logger()


def port_description(value: str) -> str:
    """A bare number listens on loopback only: the daemon holds people's keys in transit."""
    value = value.strip()
    if value.isdigit():
        return f"tcp:{value}:interface=127.0.0.1"
    return value


def positive(kind):
    def coerce(value):
        number = kind(value)
        if number <= 0:
            raise ValueError(f"must be positive, got {value}")
        return number
    coerce.coerceDoc = "Must be positive."
    return coerce


class Options(usage.Options):
    optParameters = [
        ["port", "p", "6666", "Port number (loopback) or strports description, e.g. tcp:6666:interface=0.0.0.0", port_description],
        ["okx-url", None, "https://www.okx.com", "OKX REST base URL"],
        ["okx-ca", None, None, "PEM bundle to verify OKX's TLS certificate with (private endpoint or emulator)"],
        ["timeout", None, 10.0, "Seconds to wait for each OKX request", positive(float)],
        # below the calls in flight, the pool closes and reopens connections (bench: 200/1000 calls at 64)
        ["pool-size", None, 64, "Persistent connections kept to OKX", positive(int)],
        ["max-body", None, DEFAULT_MAX_BODY, "Largest request body accepted, in bytes", positive(int)],
        ["instruments-ttl", None, 300.0, "Seconds before the cached instrument list is refreshed", positive(float)],
        ["log-format", None, "text", "text or json"],
        ["config", "c", None, "INI file with an [okxbridge] section holding any of these options"],
        ["admin-port", None, None, "Serve /metrics and /health on this port or strports description "
         "instead of the protocol's port", port_description],
        ["allow-key", None, None, "Only these OKX access keys may be used (repeatable, or a comma list)",
         parse_key_list],
        ["deadline", None, None, "Seconds one OKX call may take in all: waiting for a rate-limit slot, "
         "retries of a read and their backoff (default: --timeout)", positive(float)],
        ["read-attempts", None, 4, "Tries in all for a read (GET) that fails with a 5xx, 50011/50013 or a "
         "lost connection; writes are never resent", positive(int)],
        ["max-queue", None, 200, "Calls that may wait for one OKX rate-limit bucket (endpoint and key); "
         "past that, or past --deadline, a call fails at once with 'okxbridge throttled'", positive(int)],
        ["time-sync-interval", None, 60.0, "Seconds between measurements of OKX's clock "
         "(GET /api/v5/public/time); signed calls also resync on a 50102", positive(float)],
        ["drain-timeout", None, 10.0, "On shutdown (SIGTERM), seconds to let calls in flight finish "
         "before OKX connections are closed", positive(float)],
    ]
    optFlags = [
        ["no-rate-limits", None, "Do not pace requests by OKX's published limits (for benchmarks against "
         "an emulator run with --no-rate-limits; real OKX would answer 50011)"],
    ]

    def opt_allow_key(self, value: str) -> None:
        """Only these OKX access keys may be used (repeatable, or a comma list)."""
        self["allow-key"] = (self["allow-key"] or ()) + parse_key_list(value)

    def postOptions(self) -> None:
        if self["config"]:
            self.apply_config(self["config"])
        if self["log-format"] not in ("text", "json"):
            raise usage.UsageError("--log-format must be text or json")
        if self["log-format"] == "json" and self.parent is not None and not self.parent["logger"]:
            # twistd picks its observer after makeService; its own --logger option is the hook
            self.parent["logger"] = "okxbridge.logs.json_observer"
        if not self["okx-url"].startswith(("http://", "https://")):
            raise usage.UsageError("--okx-url must start with https:// (or http:// for a local emulator)")
        self["okx-url"] = self["okx-url"].rstrip("/")

    def apply_config(self, path: str) -> None:
        parser = configparser.ConfigParser()
        if not parser.read(path):
            raise usage.UsageError(f"--config: cannot read {path}")
        if not parser.has_section("okxbridge"):
            raise usage.UsageError(f"--config: {path} has no [okxbridge] section")
        given = {arg.lstrip("-").split("=")[0] for arg in sys.argv if arg.startswith("--")}
        coerce = {name: c for name, _, _, _, c, *rest in [p + [None] * (5 - len(p)) for p in self.optParameters]}
        for name, value in parser.items("okxbridge"):
            name = name.replace("_", "-")
            if name not in coerce or name == "config":
                raise usage.UsageError(f"--config: unknown option {name!r} in {path}")
            if name in given:
                continue
            try:
                self[name] = coerce[name](value) if coerce[name] else value
            except ValueError as e:
                raise usage.UsageError(f"--config: {name}: {e}") from None


def make_bridge(reactor, options) -> tuple[Bridge, FmzApp, object]:
    pool = make_pool(reactor, options["pool-size"])
    http = make_http_client(reactor, pool, options["okx-ca"])
    client = OkxClient(http, options["okx-url"], reactor, Signer(reactor), options["timeout"],
                       limiter=None if options["no-rate-limits"] else RateLimiter(reactor, max_queue=options["max-queue"]),
                       backoff=Backoff(attempts=options["read-attempts"]), deadline=options["deadline"])
    bridge = Bridge.create(client, reactor, options["instruments-ttl"])
    app = FmzApp(method_table(bridge), reactor, known_errors=(OkxError,))
    install_operations(reactor, options, client, app)  # metrics, health, --allow-key
    return bridge, app, pool


class PoolService(service.Service):
    """Closes the OKX connection pool on shutdown so no connection is left half-open."""

    def __init__(self, pool):
        self.pool = pool

    def stopService(self):
        super().stopService()
        return self.pool.closeCachedConnections()


def makeService(options) -> service.MultiService:
    from twisted.internet import reactor

    # stopped last-added first, one at a time: listening port, then calls in flight, then the pool
    top = StopInOrder()
    bridge, app, pool = make_bridge(reactor, options)
    PoolService(pool).setServiceParent(top)
    TimeSync(bridge.client, options["time-sync-interval"]).setServiceParent(top)
    calls = InFlight()
    DrainService(reactor, [calls, bridge.client.inflight], options["drain-timeout"]).setServiceParent(top)
    counting = CountingResource(app.resource(), calls)
    CloseDoors(counting).setServiceParent(top)
    site = bounded_site(counting, options["max-body"])
    if options["admin-port"]:
        strports.service(options["admin-port"], admin_site(app.admin)).setServiceParent(top)
    strports.service(options["port"], site).setServiceParent(top)
    warn_if_exposed(options)
    return top


def warn_if_exposed(options) -> None:
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
