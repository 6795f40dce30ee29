"""The key check end to end: ``okxbridge-call check`` and ``POST /check`` against a daemon on okxsim,
whose ``account/config`` answers ``perm`` and ``ip`` as set by ``key_perms``/``key_ips``."""

import json

import pytest_twisted
import treq
from twisted.internet.threads import deferToThread

from okxbridge.call_client import main, request_body
from tests.e2e.daemons import DEMO as DEMO_KEY

DEMO = {"OKX_ACCESS_KEY": "okxsim-demo-key", "OKX_SECRET_KEY": "okxsim-demo-secret,okxsim-demo-pass"}
SECRETS = ("okxsim-demo-secret", "okxsim-demo-pass")


async def run_check(capsys, url, environ=DEMO):
    status = await deferToThread(main, ["--url", url + "/OKX", "check"], environ)
    out, err = capsys.readouterr()
    assert not any(s in out + err for s in SECRETS)
    return status, out, err


async def post_check(url, body, host=None):
    headers = {b"Host": [host.encode()]} if host else None
    response = await treq.post(url + "/check", body, headers=headers, persistent=False)
    return response.code, json.loads(await response.content())


@pytest_twisted.ensureDeferred
async def test_check_reports_mode_permissions_and_warns_on_withdrawal(bridge_and_sim, capsys):
    bridge, sim = await bridge_and_sim(key_perms={"okxsim-demo-key": "read_only,trade,withdraw"})
    status, out, err = await run_check(capsys, bridge.url)
    assert status == 0, err
    assert out.startswith("key okxs…") and ": usable" in out.splitlines()[0]
    assert "ok   key valid, passphrase right" in out
    assert "live trading, as configured" in out
    assert "account mode 2 Futures mode" in out and "position mode net mode" in out
    assert "permissions: read_only, trade, withdraw" in out
    assert "WARN WITHDRAWAL IS ENABLED" in out
    assert "no IP whitelist" in out and "clock offset to OKX" in out


@pytest_twisted.ensureDeferred
async def test_a_read_only_key_and_a_wrong_passphrase_are_not_usable(bridge_and_sim, capsys):
    bridge, sim = await bridge_and_sim(key_perms={"okxsim-demo-key": "read_only"})
    status, out, _ = await run_check(capsys, bridge.url)
    assert status == 1 and "NOT usable" in out and "FAIL the key cannot trade" in out
    assert "WITHDRAWAL" not in out
    wrong = {**DEMO, "OKX_SECRET_KEY": "okxsim-demo-secret,not-the-pass"}
    status, out, _ = await run_check(capsys, bridge.url, wrong)
    assert status == 1 and "the passphrase is wrong" in out and "OKX 50105" in out
    assert "not-the-pass" not in out


@pytest_twisted.ensureDeferred
async def test_the_ip_whitelist(bridge_and_sim, capsys):
    bridge, sim = await bridge_and_sim(key_ips={"okxsim-demo-key": ("127.0.0.1", "10.1.2.3")})
    status, out, _ = await run_check(capsys, bridge.url)
    assert status == 0 and "IP whitelist 127.0.0.1, 10.1.2.3: this host's address is on it" in out
    sim.key_ips["okxsim-demo-key"] = ("10.1.2.3",)
    status, out, _ = await run_check(capsys, bridge.url)
    assert status == 1 and "not on the key's IP whitelist" in out and "OKX 50110" in out


@pytest_twisted.ensureDeferred
async def test_check_over_http(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    body = request_body(DEMO_KEY["access_key"], DEMO_KEY["secret_key"], "check", {}, 0)
    code, answer = await post_check(bridge.url, body)
    assert code == 200 and answer["data"]["usable"] is True
    found = {f["text"] for f in answer["data"]["findings"]}
    assert "demo trading, as configured (the secret key ends with ,simulate)" in found
    assert "permissions: read_only, trade" in found
    assert not any(s in json.dumps(answer) for s in SECRETS)

    code, answer = await post_check(bridge.url, b'{"access_key": "k"}')
    assert code == 200 and "access_key and secret_key must be strings" in answer["error"]
    code, answer = await post_check(bridge.url, b"not json")
    assert answer == {"error": "the body is not valid JSON"}
    # the admin paths answer only a loopback Host (DNS rebinding)
    code, answer = await post_check(bridge.url, body, host="attacker.example")
    assert code == 421
    # GET /check is not a check: the key never travels in a URL
    response = await treq.get(bridge.url + "/check", persistent=False)
    assert response.code == 404 and "error" in json.loads(await response.content())


@pytest_twisted.ensureDeferred
async def test_allow_key_holds_for_the_check(bridge_and_sim, capsys):
    bridge, sim = await bridge_and_sim("--allow-key", "someone-else")
    status, out, _ = await run_check(capsys, bridge.url)
    assert status == 1 and "access key not allowed by this okxbridge (--allow-key)" in out
    assert sim.counts.get("/api/v5/account/config", 0) == 0


@pytest_twisted.ensureDeferred
async def test_okx_unreachable_is_not_called_a_refusal(bridge_and_sim, capsys):
    bridge, sim = await bridge_and_sim("--read-attempts", "1")
    sim.faults.add({"path": "/api/v5/account/config", "action": "reset", "times": 5})
    status, out, _ = await run_check(capsys, bridge.url)
    assert status == 1 and "could not ask OKX" in out and "refused the key" not in out
