# -*- test-case-name: tests.sim.test_sim_ws -*-
"""The server side of the emulator's WebSocket API: autobahn's protocol and one resource per
OKX path, beside the REST API on the same port; what the connections do is decided by
:class:`okxbridge.sim.ws.WsHub`."""

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.types import ConnectionDeny
from twisted.web.resource import Resource

from okxbridge.sim.ws_private import is_demo

PATHS = {b"/ws/v5/public": "public", b"/ws/v5/business": "business", b"/ws/v5/private": "private"}


class SimWsProtocol(WebSocketServerProtocol):
    """One client connection; everything it does is decided by the hub."""

    endpoint = "public"
    conn_id = ""
    demo = False

    def onConnect(self, request):
        # OKX: 3 connection requests a second per IP (see okxbridge.sim.ws_limits)
        if not self.factory.hub.limits.admit(self.transport.getPeer().host):
            raise ConnectionDeny(429, "Too Many Requests")
        self.conn_id = self.factory.hub.new_conn_id()
        self.demo = is_demo(request)

    def onOpen(self):
        self.factory.hub.opened(self)

    def onMessage(self, payload, isBinary):
        self.factory.hub.received(self, payload.decode("utf-8", "replace"))

    def onClose(self, wasClean, code, reason):
        self.factory.hub.closed(self)


def endpoint_resources(hub):
    """One autobahn WebSocketResource per OKX path."""
    resources = {}
    for path, endpoint in PATHS.items():
        factory = WebSocketServerFactory()
        factory.protocol = type(f"SimWs_{endpoint}", (SimWsProtocol,), {"endpoint": endpoint})
        factory.hub = hub
        # OKX's books snapshot (400 levels a side) fits easily; keep autobahn's defaults otherwise
        factory.setProtocolOptions(autoPingInterval=0, openHandshakeTimeout=10)
        resources[path] = WebSocketResource(factory)
    return resources


class WsPathSwitch(Resource):
    """Root of the emulator's port: ``/ws/v5/public|business`` to WebSocket, the rest (the
    REST API and ``/__sim__``) to the Klein app. Query strings (``?brokerId=9999``) are
    ignored, as ``request.path`` carries none."""

    isLeaf = True

    def __init__(self, rest, hub):
        super().__init__()
        self.rest = rest
        self.ws = endpoint_resources(hub)

    def render(self, request):
        ws = self.ws.get(request.path.rstrip(b"/"))
        return (ws if ws is not None else self.rest).render(request)
