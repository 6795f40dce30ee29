"""Every bad input of the spec's Transport section, through a real socket: a precise
``{"error"}`` line each time, and the daemon keeps serving."""

import json

import pytest_twisted
import treq

from okxbridge.testing import start_bridge

GOOD = {"access_key": "ak", "secret_key": "sk,pp", "method": "ticker", "nonce": 1, "params": {"symbol": "ETH_USDT"}}


def body(**changes):
    return json.dumps({k: v for k, v in dict(GOOD, **changes).items() if v is not ...}).encode()


CASES = [
    (b"not json", "not valid JSON"),
    (b"[]", "must be a JSON object, got array"),
    (b"null", "must be a JSON object, got null"),
    (body(access_key=...), "missing field 'access_key'"),
    (body(nonce=...), "missing field 'nonce'"),
    (body(nonce={}), "'nonce' must be a non-negative integer"),
    (body(params="x"), "'params' must be an object, got string"),
    (body(secret_key="onlysecret"), 'secret_key must be "SECRET,PASSPHRASE"'),
    (body(method="GetWhatever"), "unknown method 'GetWhatever'"),
    (body(params={}), "missing parameter 'symbol'"),
    (body(params={"symbol": "USDT"}), "bad symbol 'USDT'"),
    ("é".encode("latin-1"), "not valid JSON"),
]


@pytest_twisted.ensureDeferred
async def test_bad_inputs_get_clear_errors_and_the_daemon_carries_on(reactor):
    # nothing listens on port 9: an OKX call, if one were made, would fail differently
    bridge = await start_bridge(reactor, "http://127.0.0.1:9")
    try:
        for raw, message in CASES:
            answer = await bridge.post(raw)
            assert set(answer) == {"error"}, raw
            assert message in answer["error"], (raw, answer)

        answer = await bridge.post(body(), path="/Binance")
        assert answer == {"error": "unknown exchange path /Binance; use /OKX"}

        response = await treq.get(bridge.url + "/OKX", persistent=False)
        assert response.code == 200
        assert response.headers.getRawHeaders(b"Content-Type") == [b"application/json; charset=utf-8"]
        assert json.loads(await response.content()) == {"error": "use POST with a JSON body (got GET)"}

        huge = b'{"pad":"' + b"x" * (64 * 1024 + 10) + b'"}'
        # announced over the cap: HTTP 413 at once (it was HTTP 200 once the body had been read)
        assert await bridge.post_status(huge) == (413, {"error": "request body too large (limit 65536 bytes)"})

        # lower-case exchange path is fine; OKX being unreachable is an error naming OKX and the path
        answer = await bridge.post(body(), path="/okx")
        assert answer["error"].startswith("OKX unreachable:")
        assert "(GET /api/v5/market/ticker)" in answer["error"]
    finally:
        await bridge.stop()
