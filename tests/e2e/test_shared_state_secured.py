"""--shared-state on a network: the daemon against a real redis-server with ``requirepass``,
over TLS (terminated in front of it, tests/redis_tls.py), the password from a file. With the
right password and a trusted certificate it trades; with a wrong password or an untrusted
certificate it places nothing and every trading call, /health and the log say why — and the
password shows nowhere (answers, /health, /status.json, the log)."""

import json

import pytest
import pytest_twisted
import treq

from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge
from tests.conftest import REDIS_PASSWORD
from tests.redis_tls import CertificateAuthority, TlsFront

MARKET_BUY = {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}
NONCE = 1730275031047009000


@pytest.fixture
def front(reactor, locked_redis):
    """TLS for 127.0.0.1 in front of the locked redis-server; its CA."""
    ca = CertificateAuthority.make("okxbridge test CA")
    tls = TlsFront(reactor, locked_redis.port, ca.issue(["127.0.0.1"]))
    yield tls, ca
    tls.stop()


async def trade_through(reactor, url, password_path, ca_path):
    """(the trade's answer, /health, /status.json text, orders OKX got, its POSTs) of one daemon."""
    running = await start_emulator(reactor, seed=7)
    bridge = await start_bridge(reactor, running.url, "--shared-state", url, "--shared-state-password-file",
                                password_path, "--shared-state-ca", ca_path)
    try:
        await bridge.desk.ledger.redis.wait_connected(3)
        answer = await bridge.call("trade", MARKET_BUY, nonce=NONCE)
        health = await (await treq.get(bridge.admin_url + "/health", persistent=False)).text()
        status = await (await treq.get(bridge.admin_url + "/status.json", persistent=False)).text()
        orders = [o for o in running.emulator.orders() if o["clOrdId"] == f"fmz{NONCE}"]
        posts = running.emulator.request_counts().get("/api/v5/trade/order", 0)
        return answer, health, status, orders, posts
    finally:
        await bridge.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_the_right_password_over_tls_trades(reactor, front, locked_redis, password_file, tmp_path, log_lines):
    tls, ca = front
    db = 7
    assert locked_redis.command("FLUSHDB", db=db) == b"+OK"
    answer, health, status, [order], posts = await trade_through(
        reactor, tls.url(db), password_file(REDIS_PASSWORD), str(ca.write(tmp_path / "ca.pem")))
    assert answer["data"]["id"] == f"LTC-USDT,{order['ordId']}" and posts == 1
    assert json.loads(health)["shared_state"]["connected"] is True
    # the claim is in the locked Redis, written over TLS
    assert locked_redis.command("KEYS", "okxbridge:claim:*", db=db) == b"*1"
    for text in (health, status, repr(answer), *log_lines):
        assert REDIS_PASSWORD not in text


@pytest.mark.parametrize("wrong", ["password", "certificate"])
@pytest_twisted.ensureDeferred
async def test_a_wrong_password_or_untrusted_certificate_places_nothing_and_says_why(
        reactor, front, password_file, tmp_path, log_lines, wrong):
    tls, ca = front
    password = "not-the-pw-55" if wrong == "password" else REDIS_PASSWORD
    trusted = ca if wrong == "password" else CertificateAuthority.make("someone else")
    answer, health, status, orders, posts = await trade_through(
        reactor, tls.url(), password_file(password), str(trusted.write(tmp_path / "ca.pem")))
    why = "WRONGPASS" if wrong == "password" else "certificate verify failed"
    assert "shared state unreachable" in answer["error"] and "not sent" in answer["error"], answer
    assert why in answer["error"] and why in json.loads(health)["shared_state"]["error"], answer
    assert any(why in line for line in log_lines)
    assert orders == [] and posts == 0
    for text in (health, status, repr(answer), *log_lines):
        assert REDIS_PASSWORD not in text and "not-the-pw-55" not in text
