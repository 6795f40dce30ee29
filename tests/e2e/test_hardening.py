"""Hardening through the daemon: ``--allow-key`` and the body cap (loopback by default and its warning:
tests/test_listening.py, tests/test_service.py; the options: tests/test_options.py)."""

import json
import socket

import pytest_twisted

from okxbridge.fmz.key_allowlist import REFUSED


@pytest_twisted.ensureDeferred
async def test_only_allowed_keys_reach_okx(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--allow-key", "someone-else", "--allow-key", "okxsim-demo-key")
    assert "data" in await bridge.call("accounts")
    before = sim.request_counts()
    for method, params in [("accounts", {}), ("ticker", {"symbol": "BTC_USDT"}),
                           ("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01}),
                           ("_api/api/v5/account/config", {})]:
        answer = await bridge.call(method, params, access_key="intruder-key")
        assert answer == {"error": REFUSED}
    assert sim.request_counts() == before  # refused before any OKX request


@pytest_twisted.ensureDeferred
async def test_body_cap(reactor, bridge_and_sim):
    bridge, sim = await bridge_and_sim("--max-body", "2000")
    good = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass",
            "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT", "pad": ""}}
    good["params"]["pad"] = "x" * (2000 - len(json.dumps(good)))
    assert len(json.dumps(good)) == 2000
    assert "data" in await bridge.post(json.dumps(good).encode())  # exactly at the cap: served
    good["params"]["pad"] += "x"
    # announced over the cap: HTTP 413 at once (it was HTTP 200 once the body had been read)
    assert await bridge.post_status(json.dumps(good).encode()) == (
        413, {"error": "request body too large (limit 2000 bytes)"})

    # chunked bodies carry no Content-Length: the cap holds while they stream in
    port = int(bridge.url.rsplit(":", 1)[1])
    chunk = b"x" * 1500
    raw = (b"POST /OKX HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           + b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n")
    answer = await raw_exchange(reactor, port, raw)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'{"error":"request body too large (limit 2000 bytes)"}' in answer
    assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})  # and it carries on


async def raw_exchange(reactor, port, data):
    """Send bytes on a fresh connection and read until the server closes it (in a thread)."""
    from twisted.internet.threads import deferToThread

    def exchange():
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(data)
            received = b""
            while chunk := s.recv(65536):
                received += chunk
            return received
    return await deferToThread(exchange)
