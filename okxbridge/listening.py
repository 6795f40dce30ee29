# -*- test-case-name: tests.test_listening -*-
"""Listening on a strports description, and whether it listens only where this host's own
processes can reach it.

The daemon carries traders' secrets in every request, so binding anywhere but loopback is
allowed (FMZ's docker may run on another host) but must never happen by accident: the
service warns in the log whenever this answers False.
"""

from __future__ import annotations

import ipaddress
import re

from twisted.application import service
from twisted.internet.defer import Deferred, succeed
from twisted.internet.endpoints import serverFromString
from twisted.internet.interfaces import IListeningPort, IProtocolFactory
from twisted.python.failure import Failure

_UNESCAPED_COLON = re.compile(r"(?<!\\):")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def port_description(value: str) -> str:
    """A bare number listens on loopback only: the daemon holds people's keys in transit."""
    value = value.strip()
    if value.isdigit():
        return f"tcp:{value}:interface=127.0.0.1"
    return value


def split_description(description: str) -> tuple[str, list[str], dict[str, str]]:
    """``tcp:6666:interface=127.0.0.1`` → ``("tcp", ["6666"], {"interface": "127.0.0.1"})``."""
    kind, *parts = [p.replace("\\:", ":") for p in _UNESCAPED_COLON.split(description.strip())]
    positional = [p for p in parts if "=" not in p]
    keywords = dict(p.split("=", 1) for p in parts if "=" in p)
    return kind.lower(), positional, keywords


def is_local_address(host: str) -> bool:
    host = host.strip().strip("[]")
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listens_only_locally(description: str) -> bool:
    kind, positional, keywords = split_description(description)
    if kind == "unix":
        return True  # a filesystem socket: reachable only on this host, guarded by file modes
    if kind in ("tcp", "tcp6", "ssl"):
        # interface is a keyword in practice; positionally it comes after the port
        interface = keywords.get("interface", positional[1] if len(positional) > 1 else "")
        return is_local_address(interface)
    return False  # an endpoint type we can't judge: say so rather than assume


class Listener(service.Service):
    """Listens on a strports description while running, and says where it is bound.

    Like ``strports.service``, but the bound port is public (:meth:`bound`): tests listen
    on ``tcp:0`` and read the port the kernel chose. A port that cannot be bound (in use,
    no permission) fails ``startService`` itself, so twistd exits with the reason.
    """

    def __init__(self, reactor, description: str, factory: IProtocolFactory):
        self.endpoint = serverFromString(reactor, description)
        self.description = description
        self.factory = factory
        self.port: IListeningPort | None = None
        self._waiting: list[Deferred[IListeningPort]] = []

    def startService(self) -> None:
        super().startService()
        failures: list[Failure] = []
        self.endpoint.listen(self.factory).addCallbacks(self._bound, failures.append)
        if failures:  # listening on TCP fails at once, before the reactor runs
            failures[0].raiseException()

    def _bound(self, port: IListeningPort) -> None:
        self.port = port
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(port)

    def bound(self) -> Deferred[IListeningPort]:
        """The listening port, once the endpoint has bound it."""
        if self.port is not None:
            return succeed(self.port)
        d: Deferred[IListeningPort] = Deferred()
        self._waiting.append(d)
        return d

    def stopService(self):
        super().stopService()
        port, self.port = self.port, None
        if port is not None:
            return port.stopListening()
        return None
