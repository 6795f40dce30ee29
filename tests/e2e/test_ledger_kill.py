"""kill -9 at each point of a placement, then a restart on the same --state-dir and the
docker's repeat of the call: exactly one order on okxsim, whose clOrdId rule (refused only
while the first order is live) would let a filled market order through a second time."""

import socket
import time
import urllib.error

import pytest

from tests.e2e.daemons import Bridge, Sim

MARKET_BUY = {"symbol": "LTC_USDT", "type": "buy", "price": -1, "amount": 10}
PLACE = "/api/v5/trade/order"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    running = Sim(tmp_path_factory.mktemp("okxsim"))
    yield running
    running.stop()


def until(condition, what, timeout=10.0):
    """Wait for another process to reach a state (it cannot tell us otherwise)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def give_up(bridge, nonce):
    """The docker's call, abandoned after 0.3 s (the bridge goes on without it)."""
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        bridge.call("trade", MARKET_BUY, nonce, timeout=0.3)


POINTS = ["before OKX took it", "after OKX took it, before the answer", "after the answer"]


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_restart_and_repeat_gives_one_order(sim, tmp_path, point):
    nonce = 1730275031047002000 + POINTS.index(point) * 1000
    cl_ord_id = f"fmz{nonce}"
    bridge = Bridge(tmp_path, sim, "kill", "--state-dir", str(tmp_path))
    try:
        sent = sim.requests(PLACE)
        if point == "before OKX took it":
            # the claim is committed and the request is out, but okxsim holds it unprocessed;
            # the kill cuts the connection and okxsim drops it, as OKX drops a request it never read
            sim.fault(path=PLACE, method="POST", action="delay", seconds=30)
            give_up(bridge, nonce)
            until(lambda: sim.requests(PLACE) > sent, "the place-order request reached okxsim")
        elif point == "after OKX took it, before the answer":
            sim.fault(path=PLACE, method="POST", action="delay_answer", seconds=30)
            give_up(bridge, nonce)
            until(lambda: sim.orders(cl_ord_id), "okxsim took the order")
        else:
            first = bridge.call("trade", MARKET_BUY, nonce)
            assert "id" in first["data"], first
        bridge.kill9()
        sim.clear_faults()
        before = len(sim.orders(cl_ord_id))
        bridge.start()
        answer = bridge.call("trade", MARKET_BUY, nonce)
        [order] = sim.orders(cl_ord_id)
        assert order["state"] == "filled"
        assert answer["data"]["id"] == f"LTC-USDT,{order['ordId']}", answer
        if point != "before OKX took it":
            assert before == 1
        if point == "after the answer":
            assert sim.requests(PLACE) == sent + 1  # answered from the ledger: nothing sent again
        assert bridge.call("trade", MARKET_BUY, nonce)["data"] == answer["data"]
        assert len(sim.orders(cl_ord_id)) == 1
    finally:
        bridge.stop()
