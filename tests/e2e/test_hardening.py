"""Hardening: loopback by default (and a warning otherwise), ``--allow-key``, the body cap."""

import json
import socket

import pytest
import pytest_twisted
from twisted.logger import globalLogPublisher, formatEvent

from okxbridge.fmz.key_allowlist import REFUSED
from okxbridge.listening import listens_only_locally
from okxbridge.service import Options, makeService


@pytest.mark.parametrize("description, local", [
    ("tcp:6666:interface=127.0.0.1", True),
    ("tcp:6666:interface=127.0.0.2", True),
    ("tcp6:6666:interface=\\:\\:1", True),
    ("tcp:6666:interface=localhost", True),
    ("unix:/run/okxbridge.sock", True),
    ("tcp:6666", False),
    ("tcp:6666:interface=0.0.0.0", False),
    ("tcp6:6666:interface=\\:\\:", False),
    ("tcp:6666:interface=10.0.0.5", False),
    ("tcp:port=6666:interface=192.168.1.2", False),
    ("ssl:6666:interface=127.0.0.1:privateKey=k.pem", True),
    ("systemd:domain=INET:index=0", False),
])
def test_which_descriptions_are_local(description, local):
    assert listens_only_locally(description) is local


def test_a_bare_port_number_means_loopback():
    options = Options()
    options.parseOptions(["--port", "6666"])
    assert options["port"] == "tcp:6666:interface=127.0.0.1"
    assert listens_only_locally(options["port"])


def warnings_of(args):
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        options = Options()
        options.parseOptions(args)
        makeService(options)  # builds the tree; nothing listens until it is started
    finally:
        globalLogPublisher.removeObserver(events.append)
    return [formatEvent(e) for e in events if e.get("log_level") is not None and e["log_level"].name == "warn"]


def test_warns_when_bound_beyond_loopback():
    assert warnings_of(["--port", "7777"]) == []
    found = warnings_of(["--port", "tcp:7777:interface=0.0.0.0", "--admin-port", "tcp:7778"])
    assert any("listens on tcp:7777:interface=0.0.0.0" in w and "bind to 127.0.0.1" in w for w in found)
    assert any("/metrics and /health on tcp:7778" in w for w in found)
    assert any("no --allow-key given" in w for w in found)
    found = warnings_of(["--port", "tcp:7777:interface=0.0.0.0", "--allow-key", "k"])
    assert len(found) == 1 and "listens on" in found[0]


def test_allow_key_is_repeatable_and_takes_comma_lists(tmp_path):
    options = Options()
    options.parseOptions(["--allow-key", "a, b", "--allow-key", "c"])
    assert options["allow-key"] == ("a", "b", "c")
    config = tmp_path / "okxbridge.ini"
    config.write_text("[okxbridge]\nallow_key = k1,k2\n")
    options = Options()
    options.parseOptions(["--config", str(config)])
    assert options["allow-key"] == ("k1", "k2")
    assert Options().parseOptions([]) is None  # no keys given: every key may be used


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
