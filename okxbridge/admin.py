"""The operator's endpoints, ``GET /metrics`` and ``GET /health``.

By default they share the protocol's port: :class:`PathSwitch` hands exactly ``/metrics``
and ``/health`` to :class:`AdminApp` and every other request to the FMZ resource
(``tests/test_admin.py`` pins that). With ``--admin-port`` they get a Site of their own and
the protocol port serves the protocol only.
"""

from __future__ import annotations

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


@attrs.define
class AdminApp:
    metrics: BridgeMetrics
    health: Health

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

    @app.route("/", branch=True)
    def everything_else(self, request):
        """Only reached on the admin port of its own: the protocol is not served there."""
        request.setResponseCode(404)
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        return encode_error("this port serves only /metrics and /health")


ADMIN_PATHS = frozenset({b"/metrics", b"/health"})


class PathSwitch(Resource):
    """Root of a shared port: ``/metrics`` and ``/health`` to the admin app, the rest to the
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
