"""Issue 24, hardening round two, through the daemon: junk callers cannot pin memory, fill
shared tables, reach a withdrawal, or read the admin pages from another Host."""


import json

import pytest
import pytest_twisted
import treq

from okxbridge.okx.signer import shown
from tests.e2e.test_abuse import okx_requests
from tests.e2e.test_order_faults import orders_for
from tests.no_secret import SIM_CREDS

# --- 5. the IO deny list ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v5/fiat/create-withdrawal", "/api/v5/fiat/cancel-withdrawal",
                                  "/api/v5/account/move-positions", "/api/v5/rfq/create-rfq",
                                  "/api/v5/Asset/withdrawal", "/api/v5/ASSET/Transfer"])
@pytest_twisted.ensureDeferred
async def test_5_withdrawals_moves_and_block_trades_are_refused_locally_in_any_case(bridge_and_sim, path):
    bridge, sim = await bridge_and_sim()
    before = okx_requests(sim)
    answer = await bridge.call("_api" + path, {"ccy": "USDT", "amt": "1"}, headers={"Http-Method": "POST"})
    assert "refused by okxbridge's IO policy" in answer["error"], answer
    assert okx_requests(sim) == before


# --- 1. refused credentials pinned whole tracebacks ------------------------------------------

def live_okx_errors() -> int:
    import gc

    from okxbridge.okx.errors import OkxError
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, OkxError))


@pytest_twisted.ensureDeferred
async def test_1_junk_credentials_leave_no_error_alive_and_the_memory_of_them_is_bounded(bridge_and_sim):
    from okxbridge.okx.rejected import MAX_REMEMBERED
    bridge, sim = await bridge_and_sim("--max-body", "200000")
    pad = "x" * 20_000
    before = live_okx_errors()
    for i in range(MAX_REMEMBERED + 50):
        answer = await bridge.call("_api/api/v5/account/set-position-mode", {"pad": pad}, access_key=f"junk-{i}",
                                   secret_key=f"junk-secret-{i},junk-pass", headers={"Http-Method": "POST"})
        assert "50111" in answer["error"] or "Invalid" in answer["error"], answer
    assert len(bridge.daemon.client.rejected) <= MAX_REMEMBERED
    # the refusal is remembered as strings: no OkxError (with its traceback: request, body,
    # secret, signed headers) outlives its call
    assert live_okx_errors() - before < 10
    # and it is still answered locally, without asking OKX
    requests = okx_requests(sim)
    last = MAX_REMEMBERED + 49
    answer = await bridge.call("_api/api/v5/account/config", access_key=f"junk-{last}",
                               secret_key=f"junk-secret-{last},junk-pass")
    assert "refuses it for" in answer["error"] and okx_requests(sim) == requests


# --- 2. IO batch bodies made one rate bucket per item --------------------------------------

@pytest_twisted.ensureDeferred
async def test_2_a_long_batch_or_a_junk_inst_id_is_refused_at_once_and_makes_no_bucket(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--max-body", "1000000")
    limiter = bridge.daemon.client.pacing.limiter
    assert "data" in await bridge.call("ticker", {"symbol": "BTC_USDT"})
    buckets, requests = len(limiter), okx_requests(sim)
    batch = [{"instId": f"J{i}-{'x' * 10}", "side": "buy", "ordType": "market", "sz": "1", "tdMode": "cash"}
             for i in range(2900)]
    answer = await bridge.call("_api/api/v5/trade/batch-orders", batch, headers={"Http-Method": "POST"})
    assert "2900 items" in answer["error"] and "at most 20" in answer["error"], answer
    for junk in ["x" * 30_000, "BTC USDT", "../../x", "BTC-USDT\n"]:
        answer = await bridge.call("_api/api/v5/trade/batch-orders", [{"instId": junk, "sz": "1"}] * 20,
                                   headers={"Http-Method": "POST"})
        assert "invalid instId" in answer["error"], answer
    assert len(limiter) == buckets and okx_requests(sim) == requests  # nothing was made, nothing sent
    # a real batch still goes out, counted per instrument as OKX counts it
    good = [{"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1000", "sz": "0.01"}]
    answer = await bridge.call("_api/api/v5/trade/batch-orders", good * 2, headers={"Http-Method": "POST"})
    assert okx_requests(sim).get("/api/v5/trade/batch-orders") == 1, answer


# --- 3. one OKX key, unlimited "credentials" -------------------------------------------------

@pytest_twisted.ensureDeferred
async def test_3_a_pasted_space_is_the_same_credential_and_a_nul_or_a_long_key_is_refused(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--max-body", "200000")
    for secret_key in ["okxsim-demo-secret,okxsim-demo-pass", "okxsim-demo-secret, okxsim-demo-pass",
                       " okxsim-demo-secret ,okxsim-demo-pass\t"]:
        answer = await bridge.call("accounts", access_key=" okxsim-demo-key", secret_key=secret_key)
        assert "data" in answer, (secret_key, answer)
    assert len(bridge.daemon.accounts) == 1  # one account, one budget
    status = json.loads(await (await treq.get(bridge.admin_url + "/status.json")).content())
    # one budget owner per stage: the key's identity until /account/config named its UID, the
    # UID's after (okx/account_uids.py) — a variant read as a credential of its own would add one
    identity = SIM_CREDS.identity
    owners = {row["fingerprint"] for row in status["rate_limits"]["credentials"]}
    assert owners == {shown(identity), shown(bridge.daemon.client.uids.user_of(identity))}
    assert status["rate_limits"]["credentials_held"] == 2
    requests = okx_requests(sim)
    for access_key, secret_key, field in [
            ("okxsim-demo-key", "okxsim-demo-secret\u0000,okxsim-demo-pass", "field 'secret_key': the secret"),
            ("okxsim-demo-key", "okxsim-demo-secret,okxsim-demo-pass\u202e", "field 'secret_key': the passphrase"),
            ("okxsim-demo-key\u0000", "okxsim-demo-secret,okxsim-demo-pass", "field 'access_key'"),
            ("k" * 50_000, "okxsim-demo-secret,okxsim-demo-pass", "field 'access_key' is 50000 characters")]:
        answer = await bridge.call("accounts", access_key=access_key, secret_key=secret_key)
        assert answer["error"].startswith(field), answer
        assert "okxsim-demo-secret" not in answer["error"] and "okxsim-demo-pass" not in answer["error"]
    assert okx_requests(sim) == requests and len(bridge.daemon.accounts) == 1


# --- 8. admin pages for any Host, and a version banner --------------------------------------

@pytest_twisted.ensureDeferred
async def test_8_status_json_for_a_foreign_host_is_refused(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    response = await treq.get(bridge.admin_url + "/status.json", headers={"Host": "attacker.example"},
                              persistent=False)
    assert response.code == 421 and b"--allow-host" in await response.content()
    assert not response.headers.hasHeader(b"server")


@pytest.mark.parametrize("admin_port", [False, True])
@pytest_twisted.ensureDeferred
async def test_8_admin_paths_answer_only_a_loopback_or_allowed_host_and_show_no_banner(bridge_and_sim, admin_port):
    args = ("--allow-host", "bridge.internal") + (("--admin-port", "tcp:0:interface=127.0.0.1") if admin_port else ())
    bridge, sim = await bridge_and_sim(*args)
    for path in ["/status.json", "/metrics", "/health", "/status"]:
        for host, allowed in [("attacker.example", False), ("attacker.example:8080", False),
                              ("localhost:1", True), ("127.0.0.1", True), ("[::1]:9", True),
                              ("Bridge.Internal", True), ("bridge.internal.attacker.example", False)]:
            response = await treq.get(bridge.admin_url + path, headers={"Host": host}, persistent=False)
            body = await response.content()
            assert (response.code == 200) is allowed, (path, host, response.code)
            if not allowed:
                assert response.code == 421 and b"--allow-host" in body
            assert not response.headers.hasHeader(b"server"), response.headers.getRawHeaders(b"server")
    response = await treq.post(bridge.url + "/OKX", data=b"{}", persistent=False)
    await response.content()
    assert not response.headers.hasHeader(b"server")  # the protocol port: no banner either


# --- 4. pending claims that never go ---------------------------------------------------------

@pytest.mark.parametrize("status", [401, 403, 404])
@pytest_twisted.ensureDeferred
async def test_4_an_empty_4xx_is_a_refusal_not_an_unknown_outcome(bridge_and_sim, status):
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/trade/order", "empty_status", method="POST", status=status)
    order = {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}
    answer = await bridge.call("trade", order, nonce=11)
    assert f"HTTP {status} with an empty body: refused" in answer["error"], answer
    # known outcome: no look-up by clOrdId, no resend, nothing placed, the claim not left pending
    assert sim.request_counts()["/api/v5/trade/order"] == 1 and not sim.faults.faults
    assert orders_for(sim, 11) == []
    assert "data" in await bridge.call("trade", order, nonce=11)  # the nonce may be sent again
    assert len(orders_for(sim, 11)) == 1


# --- 7. the state directory was trusted blindly -----------------------------------------------

async def refused_at_start(reactor, state_dir) -> str:
    """Start a daemon on ``state_dir``; the error it refuses to start with (stopped if it starts)."""
    from okxbridge.desk.claims import LedgerError
    from okxbridge.testing import start_bridge
    try:
        bridge = await start_bridge(reactor, "http://127.0.0.1:9", "--state-dir", str(state_dir))
    except LedgerError as e:
        return str(e)
    await bridge.stop()
    raise AssertionError("the daemon started")


@pytest_twisted.ensureDeferred
async def test_7_a_group_writable_state_dir_is_refused_at_start(reactor, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o770)
    assert "is writable by group or others (mode 0770)" in await refused_at_start(reactor, state)


@pytest_twisted.ensureDeferred
async def test_7_a_planted_lock_symlink_is_not_followed(reactor, tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (state / "okxbridge-ledger.lock").symlink_to(victim)
    assert "is a symbolic link: refusing to follow it" in await refused_at_start(reactor, state)
    assert victim.read_text() == "precious\n"


@pytest_twisted.ensureDeferred
async def test_7_a_planted_ledger_with_a_trigger_is_refused(reactor, tmp_path):
    import sqlite3

    from okxbridge.desk.sqlite import SCHEMA
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    with sqlite3.connect(state / "okxbridge-ledger.sqlite3") as db:
        db.executescript(SCHEMA + "CREATE TABLE loot (api_key TEXT);"
                         "CREATE TRIGGER steal AFTER INSERT ON claims BEGIN "
                         "INSERT INTO loot VALUES (NEW.api_key); END;")
    db.close()
    error = await refused_at_start(reactor, state)
    assert "schema objects okxbridge did not create (table loot, trigger steal)" in error


@pytest_twisted.ensureDeferred
async def test_7_ledger_files_are_private(bridge_and_sim, tmp_path):
    import os
    import stat
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    bridge, sim = await bridge_and_sim("--state-dir", str(state))
    assert "data" in await bridge.call("trade", {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1})
    files = sorted(p.name for p in state.iterdir())
    assert "okxbridge-ledger.sqlite3" in files and "okxbridge-ledger.sqlite3-wal" in files, files
    for name in files:
        assert stat.S_IMODE(os.stat(state / name).st_mode) == 0o600, name


# --- 6. silent sockets locked every caller out ----------------------------------------------

@pytest_twisted.ensureDeferred
async def test_6_a_socket_that_sends_nothing_is_cut_at_the_read_timeout(bridge_and_sim):
    from tests.e2e.test_abuse import exchange, port_of, split_response
    bridge, sim = await bridge_and_sim("--read-timeout", "0.3")
    from twisted.internet.threads import deferToThread
    raw = await deferToThread(exchange, port_of(bridge), b"")  # connects, sends nothing, reads
    assert split_response(raw)[0] == "HTTP/1.1 408 Request Timeout"


@pytest_twisted.ensureDeferred
async def test_6_with_the_cap_held_by_silent_sockets_a_normal_call_still_succeeds(reactor, bridge_and_sim):
    from twisted.internet import task
    from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
    from twisted.internet.protocol import Protocol

    from tests.e2e.test_abuse import port_of
    bridge, sim = await bridge_and_sim("--max-connections", "40")
    silent = [await connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port_of(bridge)), Protocol())
              for _ in range(40)]
    await task.deferLater(reactor, 5.2, lambda: None)  # past EVICT_IDLE (5 s), on the daemon's clock
    try:
        for _ in range(3):
            code, answer = await bridge.post_status(json.dumps({
                "access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass",
                "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}).encode())
            assert code == 200 and "data" in answer, (code, answer)
        assert sum(1 for p in silent if not p.transport.connected) >= 1  # the longest idle made room
    finally:
        for p in silent:
            p.transport.abortConnection()


@pytest_twisted.ensureDeferred
async def test_6_the_admin_port_has_the_protocol_ports_body_cap(bridge_and_sim):
    bridge, sim = await bridge_and_sim("--admin-port", "tcp:0:interface=127.0.0.1", "--max-body", "2000")
    response = await treq.post(bridge.admin_url + "/metrics", data=b"x" * 50_000, persistent=False)
    assert response.code == 413, response.code  # announced over the cap: refused unread
    assert json.loads(await response.content()) == {"error": "request body too large (limit 2000 bytes)"}


# --- 10. bidi controls in logs; okxbridge-call over plain http ------------------------------

@pytest_twisted.ensureDeferred
async def test_10_bidi_controls_reach_the_log_escaped(bridge_and_sim):
    from tests.e2e.test_abuse import LogCapture
    bridge, sim = await bridge_and_sim()
    with LogCapture() as logs:
        await bridge.call("ticker", {"symbol": "BTC_USDT\u202eforged\u2066"})
    calls = [line for line in logs.lines() if line.startswith("call ")]
    assert calls and all("\u202e" not in line and "\u2066" not in line for line in calls)
    assert any("\\u202eforged\\u2066" in line for line in calls)


def test_10_okxbridge_call_refuses_plain_http_to_a_remote_host_and_reads_a_bad_key_file_in_one_line(
        tmp_path, capsys):
    from okxbridge.call_client import main as call_main
    env = {"OKX_ACCESS_KEY": "ak-1", "OKX_SECRET_KEY": "TOPSECRET,pass"}
    assert call_main(["--url", "http://192.0.2.1:6666/OKX", "accounts"], env) == 2
    err = capsys.readouterr().err
    assert "refusing to send OKX keys unencrypted to 192.0.2.1" in err and "--insecure" in err
    keys = tmp_path / "okx.env"
    keys.write_bytes(b"OKX_ACCESS_KEY=ak\nOKX_SECRET_KEY=TOP\xffSECRET,pass\n")
    assert call_main(["--keys", str(keys), "accounts"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not UTF-8 text (byte 36)" in err and "TOP" not in err
