"""Issue #13's findings, each replayed as the hostile or careless caller did, through real
sockets against a running daemon and the emulator. Each of these failed on the code before
the fix; the numbers in the names are the issue's findings."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest_twisted
import treq
from twisted.internet.defer import Deferred, gatherResults, succeed
from twisted.internet.threads import deferToThread
from twisted.logger import formatEvent, globalLogPublisher

from okxbridge.call_client import main as call_main
from okxbridge.okx.signer import Credentials

REPO = Path(__file__).resolve().parents[2]
DEMO = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass"}


def port_of(bridge) -> int:
    return int(bridge.url.rsplit(":", 1)[1])


def exchange(port: int, data: bytes, then_send: bytes = b"", timeout: float = 10) -> bytes:
    """Blocking: send ``data`` (and ``then_send`` if the server is still reading), read until
    the server closes the connection; run it in a thread."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        try:
            if then_send:
                s.sendall(then_send)
        except OSError:
            pass  # the server stopped reading: that is the point
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received


def okx_requests(sim) -> dict:
    """What the emulator was asked, but the daemon's own clock measurements."""
    return {path: n for path, n in sim.request_counts().items() if path != "/api/v5/public/time"}


def split_response(raw: bytes) -> tuple[str, dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), json.loads(body)


class LogCapture:
    """Every formatted log line while it is active, and a Deferred for the first line that
    contains some text (so a test waits for an event, never for a time)."""

    def __init__(self):
        self.events = []
        self.waiting = []

    def __enter__(self):
        globalLogPublisher.addObserver(self)
        return self

    def __exit__(self, *exc):
        globalLogPublisher.removeObserver(self)

    def __call__(self, event):
        self.events.append(event)
        text = formatEvent(event)
        for wanted, d in list(self.waiting):
            if wanted in text:
                self.waiting.remove((wanted, d))
                d.callback(text)

    def lines(self) -> list[str]:
        return [formatEvent(e) for e in self.events]

    def wait_for(self, wanted: str, reactor, timeout: float = 15) -> Deferred:
        """Fires with the first line holding ``wanted``; fails after ``timeout`` (a bound on a
        broken daemon, never a time the test relies on)."""
        for line in self.lines():
            if wanted in line:
                return succeed(line)
        d = Deferred()
        self.waiting.append((wanted, d))
        return d.addTimeout(timeout, reactor)


# --- 1. an 88-byte request froze every strategy ---------------------------------------------

@pytest_twisted.ensureDeferred
async def test_1_huge_and_float_numbers_are_refused_before_any_conversion(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    # the body: int(Decimal("1e600000")) took 12 s on the reactor thread; the old
    # parser then accepted it as a nonce and served the ticker
    body = b'{"access_key":"k","secret_key":"a,b","method":"ticker","nonce":1e600000,"params":{}}'
    slow, normal = await gatherResults([
        Deferred.fromCoroutine(bridge.post(body)),
        Deferred.fromCoroutine(bridge.call("ticker", {"symbol": "BTC_USDT"})),
    ])
    assert "number 1e600000 is out of range" in slow["error"]
    assert normal["data"]["symbol"] == "BTC_USDT"
    for nonce, message in [(b"1.7e18", "within 64 bits, got the number 1.7E+18"),
                           (b"18446744073709551616", "integers must fit in 64 bits"),
                           (b'"18446744073709551616"', "within 64 bits"),
                           (b"1" * 5000, "integers must fit in 64 bits")]:
        answer = await bridge.post(b'{"access_key":"k","secret_key":"a,b","method":"ticker","nonce":%s}' % nonce)
        assert message in answer["error"], (nonce[:30], answer)
        assert "\n" not in answer["error"] and len(answer["error"]) < 200
    # numbers inside params and IO bodies: an integer past 64 bits made orjson raise an
    # internal error when the IO body was encoded for OKX
    before = okx_requests(sim)
    answer = await bridge.call("_api/api/v5/trade/order", {"instId": "BTC-USDT", "sz": 10**30},
                               headers={"Http-Method": "POST"})
    assert answer["error"].startswith("number 100000000000…00000000 (31 characters) is out of range")
    answer = await bridge.post(json.dumps({**DEMO, "method": "ticker", "nonce": 1,
                                           "params": {"symbol": "BTC_USDT", "x": 1.5e300}}).encode()
                               .replace(b"1.5e+300", b"1.5e3000"))
    assert "out of range (exponent beyond" in answer["error"]
    assert okx_requests(sim) == before  # refused before anything was sent
    # a whole number that fits a double but not 64 bits goes to OKX as a float, not a crash
    answer = await bridge.call("_api/api/v5/trade/order", {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                                                           "ordType": "limit", "px": 1e30, "sz": "0.01"},
                               headers={"Http-Method": "POST"})
    assert "internal error" not in json.dumps(answer) and "raw" in answer


# --- 2. IO reached withdrawals --------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_2_io_refuses_withdrawals_transfers_subaccounts_and_keys_by_default(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    before = okx_requests(sim)
    for path in ["/api/v5/asset/withdrawal", "/api/v5/asset/cancel-withdrawal", "/api/v5/asset/transfer",
                 "/api/v5/asset/subaccount/transfer", "/api/v5/users/subaccount/apikey",
                 "/api/v5/users/subaccount/modify-apikey", "/api/v5/broker/nd/create-subaccount"]:
        for method in ["_api" + path, "__api_/" + path]:
            answer = await bridge.call(method, {"ccy": "USDT", "amt": "1"}, headers={"Http-Method": "POST"})
            assert "refused by okxbridge's IO policy" in answer["error"], answer
            assert f"--io-allow {path}" in answer["error"]
    assert okx_requests(sim) == before
    # the rest of IO works as before
    assert "data" in await bridge.call("_api/api/v5/account/config")
    answer = await bridge.call("_api/api/v5/account/config", headers={"Http-Method": "DELETE"})
    assert answer == {"error": "IO verb 'DELETE' refused: use GET or POST (OKX v5 has no other)"}


@pytest_twisted.ensureDeferred
async def test_2_io_allow_and_deny_widen_and_narrow_the_policy(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--io-allow", "/api/v5/asset/transfer-state",
                                       "--io-deny", "/api/v5/account/config")
    answer = await bridge.call("_api/api/v5/account/config")
    assert "refused by okxbridge's IO policy (matches /api/v5/account/config)" in answer["error"]
    assert "refused" in (await bridge.call("_api/api/v5/asset/transfer", headers={"Http-Method": "POST"}))["error"]
    await bridge.call("_api/api/v5/asset/transfer-state", {"transId": "1"})
    assert sim.request_counts().get("/api/v5/asset/transfer-state") == 1  # it reached OKX
    assert "/api/v5/account/config" not in sim.request_counts()


# --- 3. unbounded lengths -------------------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_3_long_and_control_character_input_cannot_bloat_metrics_or_forge_log_lines(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--max-body", "1000000")
    with LogCapture() as logs:
        for i in range(10):  # the 10 IO calls with 100 kB paths made /metrics 33 MB
            answer = await bridge.call(f"_api/api/v5/{'a' * 100_000}{i}")
            assert "refused" in answer["error"] and len(answer["error"]) < 300
        await bridge.call("ticker\ncall accounts - ok 0.1ms okx=[]", {"symbol": "BTC_USDT"})
        await bridge.call("x" * 100_000, {"symbol": "BTC_USDT\r\nforged"})
        await bridge.call("ticker", {"symbol": "BTC_USDT\x1b[2Jforged"})
    response = await treq.get(bridge.admin_url + "/metrics", persistent=False)
    metrics = await response.content()
    assert len(metrics) < 60_000
    calls = [line for line in logs.lines() if line.startswith("call ")]
    assert len(calls) == 13
    for line in calls:
        assert len(line) < 1000 and not any(ord(c) < 32 for c in line), line[:200]
    assert any("call ticker\\ncall accounts" in line for line in calls)
    assert any("BTC_USDT\\x1b[2Jforged" in line for line in calls)
    assert any("…(+99800 chars)" in line for line in calls)


# --- 4. oversized and slow requests held connections ----------------------------------------

@pytest_twisted.ensureDeferred
async def test_4_a_body_announced_over_the_cap_gets_413_at_once_and_the_connection_closes(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    head = b"POST /OKX HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"
    # the old daemon read on to the announced end: this exchange would have hung
    raw = await deferToThread(exchange, port_of(bridge), head, b"x" * 2_000_000)
    status, answer = split_response(raw)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert answer == {"error": "request body too large (limit 65536 bytes)"}
    assert b"Connection: close" in raw
    assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})


@pytest_twisted.ensureDeferred
async def test_4_a_request_trickling_in_is_cut_at_the_read_timeout(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--read-timeout", "0.3")
    # headers never finished (the issue sent one line every 20 s): the daemon answers 408 and
    # closes; the test waits for the daemon, not for a clock
    raw = await deferToThread(exchange, port_of(bridge), b"POST /OKX HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
    assert split_response(raw) == ("HTTP/1.1 408 Request Timeout",
                                   {"error": "request not received within 0.3s (--read-timeout)"})
    # a body that stops half-way, the same
    raw = await deferToThread(exchange, port_of(bridge),
                              b"POST /OKX HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"access_key\":")
    assert split_response(raw)[0] == "HTTP/1.1 408 Request Timeout"
    # kept-alive connections with complete requests are not affected
    assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})


@pytest_twisted.ensureDeferred
async def test_4_connections_past_the_cap_get_503_and_malformed_requests_get_json(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--max-connections", "3")
    port = port_of(bridge)

    def over_the_cap():
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
        try:
            # the three are accepted before the fourth (one accept queue, served in order)
            return exchange(port, b"")
        finally:
            for s in held:
                s.close()
    raw = await deferToThread(over_the_cap)
    status, answer = split_response(raw)
    assert status == "HTTP/1.1 503 Service Unavailable"
    assert answer == {"error": "okxbridge has 3 connections open (--max-connections); try again shortly"}
    body = json.dumps({**DEMO, "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}).encode()
    for _ in range(100):  # once the daemon has seen the held connections close, calls are served
        code, answer = await bridge.post_status(body)
        if code == 200:
            break
    assert "data" in answer
    raw = await deferToThread(exchange, port, b"GARBAGE\r\n\r\n")
    assert split_response(raw) == ("HTTP/1.1 400 Bad Request", {"error": "malformed HTTP request"})


def test_4_the_systemd_unit_allows_more_open_files_than_the_connection_cap():
    from okxbridge.fmz.site import DEFAULT_MAX_CONNECTIONS
    unit = (REPO / "etc" / "systemd" / "okxbridge.service").read_text()
    limit = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("LimitNOFILE=")]
    assert limit and int(limit[0]) >= DEFAULT_MAX_CONNECTIONS + 64 + 100  # clients + OKX pool + spare


# --- 5. junk secrets starved the owner ------------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_5_a_wrong_secret_with_the_owners_key_spends_nothing_of_the_owners(bridge_and_sim):
    # a short deadline makes the old failure immediate: the owner's call found the key's
    # balance bucket spent by the junk calls and was refused ("okxbridge throttled … used up")
    bridge, sim = await bridge_and_sim("--deadline", "1")
    junk = [Deferred.fromCoroutine(bridge.call("accounts", secret_key="wrong-secret,okxsim-demo-pass"))
            for _ in range(60)]
    owner = await bridge.call("accounts")
    assert "data" in owner, owner
    answers = await gatherResults(junk)
    assert all("error" in a for a in answers)
    assert sum("Invalid signature" in a["error"] for a in answers) >= 1
    # OKX rejected that credential: it is now refused locally, without a request to OKX
    before = okx_requests(sim)
    answer = await bridge.call("accounts", secret_key="wrong-secret,okxsim-demo-pass")
    assert answer["error"].startswith("OKX 50113: Invalid signature. (OKX rejected API key okxs…")
    assert "refuses it for" in answer["error"]
    assert okx_requests(sim) == before
    # the owner's per-instrument trade budget is the owner's alone too
    placed = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01})
    cancels = await gatherResults([Deferred.fromCoroutine(
        bridge.call("cancel", {"id": placed["data"]["id"]}, secret_key="junk,okxsim-demo-pass"))
        for _ in range(80)])
    assert all("error" in a for a in cancels)
    assert (await bridge.call("cancel", {"id": placed["data"]["id"]}))["data"] is True


# --- 6. plain HTTP to a remote OKX ----------------------------------------------------------

def test_6_plain_http_to_a_remote_okx_is_refused_at_start(tmp_path):
    twistd = str(Path(sys.executable).parent / "twistd")
    env = {"PATH": "", "PYTHONPATH": str(REPO)}
    run = subprocess.run([twistd, "--nodaemon", "--pidfile=", "okxbridge", "--port", "tcp:0:interface=127.0.0.1",
                          "--okx-url", "http://www.okx.com"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert "--okx-url http://www.okx.com refused: plain http:// would send the passphrase" in run.stderr + run.stdout


# --- 7. smaller findings --------------------------------------------------------------------

def test_7_a_malformed_key_file_error_shows_no_secret(tmp_path, capsys):
    keys = tmp_path / "okx.ini"
    keys.write_text("[okx]\naccess_key = ak-123\nsecret_key TOPSECRET-VALUE,pass\n")
    assert call_main(["--keys", str(keys), "accounts"]) == 2
    err = capsys.readouterr().err
    assert "not a valid INI file (line 3)" in err
    assert "TOPSECRET" not in err


@pytest_twisted.ensureDeferred
async def test_7_a_rate_limit_log_line_names_the_key_only_by_its_short_form(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--read-attempts", "1")
    sim.add_fault("/api/v5/account/balance", "status", status=429)
    with LogCapture() as logs:
        await bridge.call("accounts")
    hits = [line for line in logs.lines() if "OKX rate limit hit" in line]
    short = Credentials("okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass").short_key
    assert hits and f"for key {short}" in hits[0]
    assert not any("okxsim-demo-key" in line for line in logs.lines())


@pytest_twisted.ensureDeferred
async def test_7_a_client_hanging_up_is_one_info_line_and_the_call_runs_to_its_end(reactor, bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/trade/order", "delay", method="POST", seconds=0.3)
    body = json.dumps({**DEMO, "method": "trade", "nonce": 42,
                       "params": {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01}}).encode()
    request = b"POST /OKX HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with LogCapture() as logs:
        went = logs.wait_for("client went away", reactor)
        ended = logs.wait_for("ended after its client went away", reactor)

        def hang_up():
            with socket.create_connection(("127.0.0.1", port_of(bridge))) as s:
                s.sendall(request)
        await deferToThread(hang_up)
        assert "call trade BTC_USDT: client went away after" in await went
        assert await ended == "call trade BTC_USDT ended after its client went away: ok"
    assert not any(e.get("log_failure") for e in logs.events)
    assert not any("internal error" in line or "CancelledError" in line for line in logs.lines())
    # the order was placed and remembered: the strategy's retry with that nonce gets it
    again = await bridge.call("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01},
                              nonce=42)
    assert again["data"]["id"].startswith("BTC-USDT,")
    assert sim.request_counts()["/api/v5/trade/order"] == 1


@pytest_twisted.ensureDeferred
async def test_7_51016_with_a_failing_read_back_says_the_order_may_exist(reactor):
    from okxbridge.sim.testing import start_emulator
    from okxbridge.testing import start_bridge
    okx = await start_emulator(reactor, seed=7)
    first = await start_bridge(reactor, okx.url)
    # a second daemon with a ledger of its own (as on another host, or after its state was
    # lost): only OKX knows the first one's order, and says so with 51016
    second = await start_bridge(reactor, okx.url, "--read-attempts", "1")
    try:
        params = {"symbol": "BTC_USDT", "type": "buy", "price": 1000, "amount": 0.01}
        placed = await first.call("trade", params, nonce=77)
        okx.emulator.add_fault("/api/v5/trade/order", "status", method="GET", status=500, times=5)
        answer = await second.call("trade", params, nonce=77)
        assert "already exists on BTC-USDT" in answer["error"] and "The order may exist" in answer["error"]
        assert "clOrdId=fmz77" in answer["error"]
        okx.emulator.faults.clear()
        third = await start_bridge(reactor, okx.url)
        try:  # with the read-back working, 51016 resolves to the existing order
            assert (await third.call("trade", params, nonce=77))["data"]["id"] == placed["data"]["id"]
        finally:
            await third.stop()
    finally:
        await second.stop()
        await first.stop()
        await okx.stop()
