# -*- test-case-name: tests.e2e.test_admin -*-
"""The operator's endpoints: ``GET /metrics``, ``/health``, ``/status`` and ``/status.json``,
and ``POST /check`` (a key checked against OKX).

By default they share the protocol's port: :class:`PathSwitch` hands exactly
:data:`ADMIN_PATHS` to :class:`AdminApp` and every other request to the FMZ resource
(``tests/test_admin.py`` pins that). With ``--admin-port`` they get a Site of their own and
the protocol port serves the protocol only.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any, Awaitable, Callable, ClassVar

import attrs
import orjson
from klein import Klein
from twisted.web.resource import Resource
from twisted.web.server import Site

from .fmz.answer import encode_error
from .fmz.errors import ProtocolError
from .fmz.site import bounded_site
from .health import Health
from .jsonwire import JSON_CONTENT_TYPE, json_default
from .metrics import CONTENT_TYPE, BridgeMetrics
from .status import StatusBoard

#: the page may run its own inline script and styles and fetch from its own origin, nothing else
STATUS_PAGE_POLICY = (b"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                      b"connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def status_page() -> bytes:
    return files(__package__).joinpath("status.html").read_bytes()


@attrs.define
class AdminApp:
    metrics: BridgeMetrics
    health: Health
    status: StatusBoard
    page: bytes = attrs.Factory(status_page)
    #: ``Host`` names besides loopback ones the admin paths answer (``--allow-host``)
    allowed_hosts: frozenset[str] = frozenset()
    #: ``POST /check``: a protocol-shaped body (access_key, secret_key) → the key's findings
    #: (:mod:`okxbridge.key_check`); None: not served
    key_check: Callable[[bytes], Awaitable[dict[str, Any]]] | None = None

    app: ClassVar[Klein] = Klein()

    def resource(self):
        return HostGuard(self.app.resource(), self.allowed_hosts)

    @app.route("/metrics", methods=["GET"])
    def serve_metrics(self, request) -> bytes:
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        return self.metrics.render()

    @app.route("/health", methods=["GET"])
    async def serve_health(self, request) -> bytes:
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        request.setHeader(b"Cache-Control", b"no-store")
        return orjson.dumps(await self.health.report(), default=json_default)

    @app.route("/status", methods=["GET"])
    def serve_status_page(self, request) -> bytes:
        request.setHeader(b"Content-Type", b"text/html; charset=utf-8")
        request.setHeader(b"Content-Security-Policy", STATUS_PAGE_POLICY)
        request.setHeader(b"X-Content-Type-Options", b"nosniff")
        request.setHeader(b"Cache-Control", b"no-store")
        return self.page

    @app.route("/status.json", methods=["GET"])
    def serve_status(self, request) -> bytes:
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        request.setHeader(b"Cache-Control", b"no-store")
        return orjson.dumps(self.status.report(), default=json_default)

    @app.route("/check", methods=["POST"])
    async def serve_check(self, request) -> bytes:
        """The key in the body checked against OKX; its secret never comes back."""
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        request.setHeader(b"Cache-Control", b"no-store")
        if self.key_check is None:
            request.setResponseCode(404)
            return encode_error("the key check is not served by this daemon")
        try:
            found = await self.key_check(request.content.read())
        except ProtocolError as e:  # HTTP 200 with {"error"}, as the protocol answers its errors
            return encode_error(str(e))
        return orjson.dumps({"data": found}, default=json_default)

    @app.route("/", branch=True)
    def everything_else(self, request):
        """Only reached on the admin port of its own: the protocol is not served there."""
        request.setResponseCode(404)
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        return encode_error("this port serves only /metrics and /health, and the status page at "
                            "/status (its data: /status.json)")


ADMIN_PATHS = frozenset({b"/metrics", b"/health", b"/status", b"/status.json", b"/check"})
#: admin paths that take a body: the key check (its body is the protocol's credentials)
ADMIN_POSTS = frozenset({b"/check"})


class PathSwitch(Resource):
    """Root of a shared port: :data:`ADMIN_PATHS` to the admin app, the rest to the
    protocol. Both are leaf resources that route on the whole path, so this one is a leaf too.

    A plain path check picks the app: every protocol call would otherwise go through a
    second Klein dispatch first (3.5 % of the daemon's CPU in the benchmark's profile).
    """

    isLeaf = True

    def __init__(self, admin, protocol):
        super().__init__()
        self.admin = admin
        self.protocol = protocol

    def render(self, request):
        # only reads: a POST to /metrics is a protocol call with a wrong exchange path
        admin = request.path in ADMIN_PATHS and (request.method in (b"GET", b"HEAD") or (
            request.method == b"POST" and request.path in ADMIN_POSTS))
        return (self.admin if admin else self.protocol).render(request)


#: names a browser on this machine uses for it; any other ``Host`` may be a DNS-rebinding page
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def host_name(header: bytes | None) -> str:
    """``Host: [::1]:8080`` → ``::1``, ``Host: Example.COM.`` → ``example.com``."""
    text = (header or b"").decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0].rstrip(".") if text.count(":") == 1 else text.rstrip(".")


class HostGuard(Resource):
    """The admin paths answer only a loopback ``Host`` or one given with ``--allow-host``.

    A page on attacker.example can re-point its own name at 127.0.0.1 (DNS rebinding) and
    then read ``/status.json`` as same-origin: key prefixes, open orders, instruments,
    nonces being resolved. The browser still sends ``Host: attacker.example``, so checking
    the name closes that, whatever the port listens on."""

    isLeaf = True

    def __init__(self, inner, allowed: frozenset[str]):
        super().__init__()
        self.inner = inner
        self.allowed = LOOPBACK_HOSTS | {h.lower() for h in allowed}

    def render(self, request):
        name = host_name(request.getHeader(b"host"))
        if name in self.allowed or name.startswith("127."):
            return self.inner.render(request)
        request.setResponseCode(421)
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        return encode_error(f"Host {name[:60]!r} is not allowed for the admin pages: use localhost, or start "
                            "okxbridge with --allow-host NAME")


def admin_site(admin: AdminApp, max_body: int, read_timeout: float, max_connections: int, reactor) -> Site:
    """The admin port's own Site, with the protocol port's caps: connections, read timeout,
    body size (a 50 MB ``POST /metrics`` was read in full by a plain Site)."""
    return bounded_site(admin.resource(), max_body, read_timeout, max_connections, reactor)
