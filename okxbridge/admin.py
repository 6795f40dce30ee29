# -*- test-case-name: tests.e2e.test_admin -*-
"""The operator's endpoints: ``GET /metrics``, ``/health``, ``/status`` and ``/status.json``.

By default they share the protocol's port: :class:`PathSwitch` hands exactly
:data:`ADMIN_PATHS` to :class:`AdminApp` and every other request to the FMZ resource
(``tests/test_admin.py`` pins that). With ``--admin-port`` they get a Site of their own and
the protocol port serves the protocol only.
"""

from __future__ import annotations

from importlib.resources import files
from typing import ClassVar

import attrs
import orjson
from klein import Klein
from twisted.web.resource import Resource
from twisted.web.server import Site

from .fmz.answer import encode_error
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

    app: ClassVar[Klein] = Klein()

    def resource(self):
        return self.app.resource()

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

    @app.route("/", branch=True)
    def everything_else(self, request):
        """Only reached on the admin port of its own: the protocol is not served there."""
        request.setResponseCode(404)
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        return encode_error("this port serves only /metrics and /health, and the status page at "
                            "/status (its data: /status.json)")


ADMIN_PATHS = frozenset({b"/metrics", b"/health", b"/status", b"/status.json"})


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
        admin = request.path in ADMIN_PATHS and request.method in (b"GET", b"HEAD")
        return (self.admin if admin else self.protocol).render(request)


def admin_site(admin: AdminApp) -> Site:
    site = Site(admin.resource())
    site.displayTracebacks = False
    return site
