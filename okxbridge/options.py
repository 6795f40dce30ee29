# -*- test-case-name: tests.test_options -*-
"""The daemon's command line: ``twistd okxbridge [options]``.

Options come from the command line or, with ``--config FILE``, from an INI file's
``[okxbridge]`` section (command line wins); see ``etc/okxbridge.ini``.
"""

from __future__ import annotations

import configparser
import sys
from typing import Any
from urllib.parse import urlsplit

from twisted.python import usage

from . import descriptors
from .convert.intents import MARGIN_MODES
from .convert.io_policy import parse_prefixes
from .fmz.key_allowlist import parse_key_list
from .fmz.site import DEFAULT_MAX_BODY, DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from .listening import is_local_address, port_description
from .okx.regions import DEFAULT_REGION, REGIONS, region_of_rest, ws_beside
from .option_types import check_okx_url, key_margin_mode, one_of, positive
from .shared.address import parse_redis_url, read_password, read_trust_root

OKX_URL = REGIONS[DEFAULT_REGION].rest
LIVE_WS = REGIONS[DEFAULT_REGION].ws
DEMO_WS = REGIONS[DEFAULT_REGION].demo_ws


PERIOD_UNITS = ("seconds", "minutes")


class Options(usage.Options):
    optParameters: list[list[Any]] = [
        ["port", "p", "6666", "Port number (loopback) or strports description, e.g. tcp:6666:interface=0.0.0.0",
         port_description],
        ["okx-region", None, DEFAULT_REGION, "OKX site the keys were made on: global (www.okx.com) or eea "
         "(my.okx.com); picks the REST and WebSocket hosts (see okxbridge/okx/regions.py)", one_of(*REGIONS)],
        ["okx-url", None, None, "OKX REST base URL (default: the --okx-region's, https://www.okx.com)"],
        ["okx-ca", None, None, "PEM bundle to verify OKX's TLS certificate with (private endpoint or emulator)"],
        ["timeout", None, 10.0, "Seconds to wait for each OKX request", positive(float)],
        # below the calls in flight, the pool closes and reopens connections (bench: 200/1000 calls at 64)
        ["pool-size", None, 64, "Persistent connections kept to OKX", positive(int)],
        ["max-body", None, DEFAULT_MAX_BODY, "Largest request body accepted, in bytes; one announced "
         "larger is answered HTTP 413 at once", positive(int)],
        ["read-timeout", None, DEFAULT_READ_TIMEOUT, "Seconds a request's headers and body may take to "
         "arrive, from its first byte (HTTP 408 after that)", positive(float)],
        ["max-connections", None, DEFAULT_MAX_CONNECTIONS, "Connections open at once on the protocol's "
         "port; past that a new one is answered HTTP 503 and closed", positive(int)],
        ["io-allow", None, None, "Let IO calls reach OKX paths starting with this prefix, although the "
         "default IO policy refuses them (repeatable, or a comma list)", parse_prefixes],
        ["io-deny", None, None, "Refuse IO calls to OKX paths starting with this prefix, on top of the "
         "default list (repeatable, or a comma list)", parse_prefixes],
        ["instruments-ttl", None, 300.0, "Seconds before the cached instrument list is refreshed", positive(float)],
        ["log-format", None, "text", "text or json"],
        ["config", "c", None, "INI file with an [okxbridge] section holding any of these options"],
        ["admin-port", None, None, "Serve /metrics and /health on this port or strports description "
         "instead of the protocol's port", port_description],
        ["allow-key", None, None, "Only these OKX access keys may be used (repeatable, or a comma list)",
         parse_key_list],
        ["allow-host", None, None, "A Host name (besides localhost and 127.x) the admin pages /metrics, /health "
         "and /status answer to (repeatable, or a comma list)", parse_key_list],
        ["deadline", None, None, "Seconds one OKX call may take in all: waiting for a rate-limit slot, "
         "retries of a read and their backoff (default: --timeout)", positive(float)],
        ["read-attempts", None, 4, "Tries in all for a read (GET) that fails with a 5xx, 50011/50013 or a "
         "lost connection; writes are never resent", positive(int)],
        ["max-queue", None, 200, "Calls that may wait for one OKX rate-limit bucket (endpoint and key); "
         "past that, or past --deadline, a call fails at once with 'okxbridge throttled'", positive(int)],
        ["time-sync-interval", None, 60.0, "Seconds between measurements of OKX's clock "
         "(GET /api/v5/public/time); signed calls also resync on a 50102", positive(float)],
        ["okx-ws-url", None, None, "OKX WebSocket base URL (default the --okx-region's, wss://ws.okx.com:8443; "
         "with a loopback --okx-url such as the emulator, its host and port as ws:// or wss://)"],
        ["okx-demo-ws-url", None, None, "The same for demo (',simulate') keys (default the --okx-region's, "
         "wss://wspap.okx.com:8443; with a loopback --okx-url, like --okx-ws-url)"],
        ["stream-fresh", None, 5.0, "Seconds market data from the WebSocket may go unconfirmed (no push and no "
         "pong to the keep-alive ping) before calls fall back to REST", positive(float)],
        ["max-subscriptions", None, 500, "Market data subscriptions held at most (instrument and channel, live and "
         "demo together); past it, market calls for others are answered by REST", positive(int)],
        ["private-resync", None, 60.0, "Seconds between REST snapshots that re-check an account mirror kept "
         "from the private WebSocket (repairs a missed push)", positive(float)],
        ["trade-over", None, "rest", "How orders are placed and canceled: rest, or ws (OKX's private WebSocket "
         "order/cancel-order operations, with the same ledger guarantees; REST while the stream is not logged in)",
         one_of("rest", "ws")],
        ["stream-idle", None, 300.0, "Seconds a symbol's channel stays subscribed after the last call for it",
         positive(float)],


        ["margin-mode", None, "cross", "Margin mode of new contract positions when neither the call's marginMode "
         "nor the key's default (config file section [key ACCESS_KEY]) says", one_of(*MARGIN_MODES)],
        ["key-margin-mode", None, None, "ACCESS_KEY=cross|isolated: that key's default margin mode for new "
         "positions (repeatable; the config file's [key ACCESS_KEY] sections say the same)", key_margin_mode],
        ["records-period-unit", None, "minutes", "Unit of records' period as the docker sends it: minutes "
         "(period 60 = one hour, as FMZ's own plugins read it) or seconds (FMZ's PERIOD_H1 = 3600)",
         one_of(*PERIOD_UNITS)],
        ["history-order", None, "oldest-first", "Order of historyorders' answer: oldest-first (FMZ's, as its "
         "event arrays run) or newest-first (okxbridge's before issue 26)", one_of("oldest-first", "newest-first")],
        ["state-dir", None, ".", "Directory of the order ledger (okxbridge-ledger.sqlite3): the working "
         "directory by default, which etc/supervisor and etc/systemd set to /var/lib/okxbridge; one daemon "
         "per directory"],
        ["ledger", None, "sqlite", "Where order claims are kept: sqlite (in --state-dir, durable) or memory "
         "(forgotten on restart: tests and benchmarks only); --shared-state overrides both"],
        ["ledger-sync", None, "normal", "normal: a claim is committed (safe from a crash or kill -9 of the "
         "daemon) before its order is sent; full: also fsynced (safe from a power cut), one fsync per write"],
        ["shared-state", None, None, "redis://[user@]host:port/db, or rediss://… for TLS: keep order claims "
         "and OKX's rate-limit budgets in Redis, shared by every instance pointed at it"],
        ["shared-state-password-file", None, None, "File whose first line is the Redis password (AUTH; with "
         "the URL's user name, an ACL user's): never logged or shown"],
        ["shared-state-ca", None, None, "PEM bundle the rediss:// server's certificate must chain to (its "
         "host name is checked too); the system's CAs when not given"],
        ["drain-timeout", None, 10.0, "On shutdown (SIGTERM), seconds to let calls in flight finish "
         "before OKX connections are closed", positive(float)],
    ]
    optFlags = [
        ["no-stream", None, "Answer every market call by REST: no WebSocket connection to OKX"],
        ["no-private-stream", None, "Answer every account call (accounts, assets, positions, orders, order) by "
         "REST: no private WebSocket connection per key"],
        ["no-rate-limits", None, "Do not pace requests by OKX's published limits (for benchmarks against "
         "an emulator run with --no-rate-limits; real OKX would answer 50011)"],
    ]

    def opt_allow_key(self, value: str) -> None:
        """Only these OKX access keys may be used (repeatable, or a comma list)."""
        self["allow-key"] = (self["allow-key"] or ()) + parse_key_list(value)

    def opt_allow_host(self, value: str) -> None:
        """A Host name the admin pages answer to, besides loopback ones (repeatable, or a comma list)."""
        self["allow-host"] = (self["allow-host"] or ()) + parse_key_list(value)

    def opt_io_allow(self, value: str) -> None:
        """Let IO calls reach OKX paths starting with this prefix (repeatable, or a comma list)."""
        self["io-allow"] = (self["io-allow"] or ()) + self._prefixes("io-allow", value)

    def opt_io_deny(self, value: str) -> None:
        """Refuse IO calls to OKX paths starting with this prefix (repeatable, or a comma list)."""
        self["io-deny"] = (self["io-deny"] or ()) + self._prefixes("io-deny", value)

    @staticmethod
    def _prefixes(name: str, value: str) -> tuple[str, ...]:
        try:
            return parse_prefixes(value)
        except ValueError as e:
            raise usage.UsageError(f"--{name}: {e}") from None

    def opt_key_margin_mode(self, value: str) -> None:
        """ACCESS_KEY=cross|isolated: that key's default margin mode for new positions (repeatable)."""
        try:
            key, mode = key_margin_mode(value)
        except ValueError as e:
            raise usage.UsageError(f"--key-margin-mode: {e}") from None
        self.key_margin_modes[key] = mode

    #: the options named on the command line: they win over the config file
    given: frozenset[str] = frozenset()

    @property
    def key_margin_modes(self) -> dict[str, str]:
        """access key → default margin mode, from ``--key-margin-mode`` and ``[key …]`` sections."""
        return self.setdefault("key-margin-modes", {})

    def parseOptions(self, options=None) -> None:
        args = list(options) if options is not None else sys.argv[1:]
        self.given = frozenset(self.named_options(args))
        super().parseOptions(args)

    def named_options(self, args: list[str]):
        """The long names of the options in ``args`` (``--port=1``, ``--port 1``, ``-p1``)."""
        for arg in args:
            if arg == "--":
                return
            if arg.startswith("--"):
                name = arg[2:].split("=", 1)[0]
            elif arg.startswith("-") and len(arg) > 1:
                name = arg[1]
            else:
                continue
            yield self.synonyms.get(name, name)

    def postOptions(self) -> None:
        if self["config"]:
            self.apply_config(self["config"])
        if self["log-format"] not in ("text", "json"):
            raise usage.UsageError("--log-format must be text or json")
        if self["log-format"] == "json" and self.parent is not None and not self.parent["logger"]:
            # twistd picks its observer after makeService; its own --logger option is the hook
            self.parent["logger"] = "okxbridge.logs.json_observer"
        self.pick_hosts()
        if self["ledger"] not in ("sqlite", "memory"):
            raise usage.UsageError("--ledger must be sqlite or memory")
        if self["ledger-sync"] not in ("normal", "full"):
            raise usage.UsageError("--ledger-sync must be normal or full")
        self.check_shared_state()
        self.fit_descriptors()

    def fit_descriptors(self) -> None:
        """Open files for every port's ``--max-connections`` and OKX's own (:mod:`.descriptors`):
        the default cap is lowered to fit, a chosen one that cannot fit stops the start."""
        try:
            plan = descriptors.fit(self["max-connections"], 2 if self["admin-port"] else 1, self["pool-size"],
                                   chosen=self["max-connections"] != DEFAULT_MAX_CONNECTIONS)
        except descriptors.DescriptorShortage as e:
            raise usage.UsageError(str(e)) from None
        self["max-connections"] = plan.max_connections

    def check_shared_state(self) -> None:
        """The Redis URL, password and CA, read and checked now: a mistake stops the start with
        a message (which never quotes the password), not the first trade."""
        self["shared-state-password"] = self["shared-state-trust"] = None
        if not self["shared-state"]:
            for name in ("shared-state-password-file", "shared-state-ca"):
                if self[name]:
                    raise usage.UsageError(f"--{name} needs --shared-state")
            return
        try:
            address = self["shared-state"] = parse_redis_url(self["shared-state"])
            if self["shared-state-ca"] and not address.tls:
                raise ValueError("--shared-state-ca is for rediss:// (TLS); the URL is redis://")
            if self["shared-state-password-file"]:
                self["shared-state-password"] = read_password(self["shared-state-password-file"])
            if self["shared-state-ca"]:
                self["shared-state-trust"] = read_trust_root(self["shared-state-ca"])
        except ValueError as e:
            raise usage.UsageError(f"--shared-state: {e}") from None
        if address.user and self["shared-state-password"] is None:
            raise usage.UsageError(f"--shared-state: user {address.user!r} needs --shared-state-password-file")

    def pick_hosts(self) -> None:
        """REST and WebSocket bases from ``--okx-region`` (okxbridge/okx/regions.py). A
        WebSocket URL follows ``--okx-url`` only to a loopback host (the emulator serves both
        on one port); OKX's own WebSocket hosts are never its REST host with another scheme."""
        region = REGIONS[self["okx-region"]]
        self["okx-url"] = check_okx_url(self["okx-url"] or region.rest)
        named = region_of_rest(self["okx-url"])
        if named is not None and named is not region:
            raise usage.UsageError(f"--okx-url {self['okx-url']} is OKX's {named.name} host but --okx-region is "
                                   f"{region.name}: keys work on their own region's hosts only (50119 / 60032)")
        loopback = is_local_address(urlsplit(self["okx-url"]).hostname or "")
        # market data only (no login is sent on these connections), so ws:// is not refused
        for name, okx_host in (("okx-ws-url", region.ws), ("okx-demo-ws-url", region.demo_ws)):
            url = self[name] or (ws_beside(self["okx-url"]) if loopback else okx_host)
            if not url.startswith(("ws://", "wss://")):
                raise usage.UsageError(f"--{name} must start with wss:// (or ws:// for a local emulator)")
            self[name] = url.rstrip("/")

    def apply_config(self, path: str) -> None:
        parser = configparser.ConfigParser()
        if not parser.read(path):
            raise usage.UsageError(f"--config: cannot read {path}")
        if not parser.has_section("okxbridge"):
            raise usage.UsageError(f"--config: {path} has no [okxbridge] section")
        self.apply_key_sections(parser, path)
        coerce = {name: c for name, _, _, _, c, *rest in [p + [None] * (5 - len(p)) for p in self.optParameters]}
        for name, value in parser.items("okxbridge"):
            name = name.replace("_", "-")
            if name not in coerce or name in ("config", "key-margin-mode"):
                raise usage.UsageError(f"--config: unknown option {name!r} in {path}")
            if name in self.given:
                continue
            try:
                self[name] = coerce[name](value) if coerce[name] else value
            except ValueError as e:
                raise usage.UsageError(f"--config: {name}: {e}") from None

    def apply_key_sections(self, parser: configparser.ConfigParser, path: str) -> None:
        """``[key ACCESS_KEY]`` sections: per-key settings (``margin-mode = isolated``); a key
        named on the command line (``--key-margin-mode``) wins."""
        for section in parser.sections():
            if section == "okxbridge":
                continue
            kind, _, key = section.partition(" ")
            if kind != "key" or not key.strip():
                raise usage.UsageError(f"--config: unknown section [{section[:40]}] in {path}; "
                                       "use [okxbridge] and [key ACCESS_KEY]")
            for name, value in parser.items(section):
                if name.replace("_", "-") != "margin-mode":
                    raise usage.UsageError(f"--config: unknown option {name!r} in [key …] of {path}; "
                                           "a key section holds margin-mode")
                try:
                    mode = one_of(*MARGIN_MODES)(value)
                except ValueError as e:
                    raise usage.UsageError(f"--config: margin-mode of a [key …] section: {e}") from None
                self.key_margin_modes.setdefault(key.strip(), mode)
