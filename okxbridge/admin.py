"""The operator's endpoints, ``GET /metrics`` and ``GET /health``, and their wiring.

By default they share the protocol's port: :class:`PathSwitch` hands exactly ``/metrics``
and ``/health`` to :class:`AdminApp` and every other request to the FMZ resource
(``tests/test_admin.py`` pins that). With ``--admin-port`` they get a Site of their own and
the protocol port serves the protocol only.
"""

from __future__ import annotations

import json
from typing import ClassVar

import attrs
from klein import Klein
from twisted.web.resource import Resource
from twisted.web.server import Site

from .fmz.app import FmzApp
from .fmz.key_allowlist import restrict_keys
from .health import Health
from .metrics import CONTENT_TYPE, BridgeMetrics


@attrs.define
class AdminApp:
    metrics: BridgeMetrics
    health: Health
    same_port: bool = True

    app: ClassVar[Klein] = Klein()

    def resource(self):
        return self.app.resource()

    def around(self, protocol):
        """The resource for the protocol's port: ``protocol`` alone, or with the admin paths.

        A plain path check picks the app: every protocol call would otherwise go through a
        second Klein dispatch first (3.5 % of the daemon's CPU in the benchmark's profile).
        """
        if not self.same_port:
            return protocol
        return PathSwitch(self.resource(), protocol)

    @app.route("/metrics", methods=["GET"])
    def serve_metrics(self, request) -> bytes:
        request.setHeader(b"Content-Type", CONTENT_TYPE.encode())
        return self.metrics.render()

    @app.route("/health", methods=["GET"])
    async def serve_health(self, request) -> bytes:
        request.setHeader(b"Content-Type", b"application/json; charset=utf-8")
        request.setHeader(b"Cache-Control", b"no-store")
        return json.dumps(await self.health.report()).encode()

    @app.route("/", branch=True)
    def everything_else(self, request):
        """Only reached on the admin port of its own: the protocol is not served there."""
        request.setResponseCode(404)
        request.setHeader(b"Content-Type", b"application/json; charset=utf-8")
        return json.dumps({"error": "this port serves only /metrics and /health"}).encode()


def install_operations(reactor, options, client, app: FmzApp) -> AdminApp:
    """Count the client's requests and the calls, apply ``--allow-key``; return the admin endpoints.

    The admin app becomes ``app.admin``: on a shared port ``app.resource()`` serves both.
    """
    metrics = BridgeMetrics.create(app.methods.handlers, client.coalescer)
    client.metrics = metrics  # the OKX side's hook: requests, rate-limit waits, retries, uncertain orders
    app.on_call = metrics.call
    app.methods = restrict_keys(app.methods, options["allow-key"] or ())
    admin = AdminApp(metrics, Health(client, reactor, reactor.seconds()),
                     same_port=not options["admin-port"])
    app.admin = admin
    return admin


ADMIN_PATHS = frozenset({b"/metrics", b"/health"})


class PathSwitch(Resource):
    """Root of a shared port: ``/metrics`` and ``/health`` to the admin app, the rest to the
    protocol. Both are leaf resources that route on the whole path, so this one is a leaf too."""

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
