"""A scripted stand-in for the treq client, for unit tests of the OKX client on task.Clock.

``answer(verb, path, query, headers, body)`` returns ``(status, json_body)``, an
Exception (a transport failure), or a Deferred that the test fires itself.
"""

import json
from urllib.parse import parse_qsl, urlsplit

import attrs
from twisted.internet import task
from twisted.internet.defer import Deferred, fail, succeed

from okxbridge.okx.client import OkxClient
from okxbridge.okx.signer import Credentials, Signer

CREDS = Credentials("key-1", "secret", "pass")
DEMO = Credentials("key-1", "secret", "pass", simulated=True)
OTHER = Credentials("key-2", "secret", "pass")


def ok(*data):
    return 200, {"code": "0", "msg": "", "data": list(data)}


def error(status, code, msg="failed"):
    return status, {"code": code, "msg": msg, "data": []}


@attrs.define
class Response:
    code: int
    body: bytes

    def content(self):
        return succeed(self.body)


@attrs.define
class Sent:
    at: float
    verb: str
    path: str
    query: dict
    headers: object
    body: bytes | None


@attrs.define
class FakeOkx:
    clock: task.Clock
    answer: object = lambda verb, path, query, headers, body: ok({})
    sent: list = attrs.Factory(list)

    def request(self, verb, url, headers=None, data=None, **treq_options):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.sent.append(Sent(self.clock.seconds(), verb, parts.path, query, headers, data))
        result = self.answer(verb, parts.path, query, headers, data)
        if isinstance(result, Exception):
            return fail(result)
        if isinstance(result, Deferred):
            return result
        status, body = result
        return succeed(Response(status, body if isinstance(body, bytes) else json.dumps(body).encode()))

    def paths(self, path=None):
        return [s.path for s in self.sent if path is None or s.path == path]

    def times(self, path=None):
        return [round(s.at, 3) for s in self.sent if path is None or s.path == path]


def make_client(answer=None, clock=None, **kwargs):
    clock = clock or task.Clock()
    http = FakeOkx(clock) if answer is None else FakeOkx(clock, answer)
    return OkxClient(http, "https://okx.test", clock, Signer(clock), **kwargs), http, clock
