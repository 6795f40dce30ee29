"""A loopback OKX that answers with recorded real OKX bodies and checks signatures.

Used to prove the bridge parses OKX's *real* answers (not only the emulator's reading of
them): each route returns one recorded ``httpResponse`` from tests/fixtures/okx-recorded.
"""

import base64
import hashlib
import hmac
import json

from twisted.web.resource import Resource

SECRET, PASSPHRASE, KEY = "recorded-secret", "recorded-pass", "recorded-key"
TIME_PATH = "/api/v5/public/time"


class RecordedOkx(Resource):
    isLeaf = True

    def __init__(self, routes):
        super().__init__()
        self.routes = routes  # path -> list of bodies (served in turn, the last one repeated)
        self.requests = []

    def render(self, request):
        path = request.path.decode()
        if path == TIME_PATH:
            # the daemon's clock sync at start, not part of any recorded call: OKX's own answer shape
            from twisted.internet import reactor
            return json.dumps({"code": "0", "msg": "", "data": [{"ts": str(int(reactor.seconds() * 1000))}]}).encode()
        self.requests.append((request.method.decode(), request.uri.decode(),
                              dict(request.requestHeaders.getAllRawHeaders())))
        request.setHeader(b"Content-Type", b"application/json")
        sign = request.getHeader(b"OK-ACCESS-SIGN")
        if sign is not None:
            stamp = request.getHeader(b"OK-ACCESS-TIMESTAMP").decode()
            prehash = stamp + request.method.decode() + request.uri.decode() + request.content.read().decode()
            expected = base64.b64encode(hmac.new(SECRET.encode(), prehash.encode(), hashlib.sha256).digest())
            if sign != expected or request.getHeader(b"OK-ACCESS-PASSPHRASE") != PASSPHRASE.encode():
                request.setResponseCode(401)
                return json.dumps({"code": "50113", "msg": "Invalid Sign", "data": []}).encode()
        bodies = self.routes.get(path)
        if bodies is None:
            request.setResponseCode(404)
            return b'{"code":"50005","msg":"not recorded","data":[]}'
        body = bodies.pop(0) if len(bodies) > 1 else bodies[0]
        return json.dumps(body).encode()
