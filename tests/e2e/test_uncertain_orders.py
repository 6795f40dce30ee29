"""Issue 23 items 1–3 end to end, against okxsim over real sockets: an order answered 51149
(OKX's "Order timed out", outcome unknown) over REST and over ``--trade-over ws`` is resolved
by its clOrdId, never taken as a refusal; a request okxsim holds past its expTime is never
executed; a write OKX refused with 50011 is sent again and succeeds inside the deadline."""

import pytest
import pytest_twisted

from tests.e2e.daemon_pair import eventually
from tests.e2e.test_private import Env, daemon_pairs

FAST = (0.05, 0.1, 0.2, 0.4)  # resolve look-up delays, shortened for tests
ORDER = "/api/v5/trade/order"
BUY = {"symbol": "LTC_USDT", "type": "buy", "price": 10, "amount": 1}


async def start(bridge_and_sim, timeout="1"):
    bridge, sim = await bridge_and_sim("--timeout", timeout)
    bridge.desk.resolve_delays = FAST
    return bridge, sim


def orders_for(sim, nonce):
    return [o for o in sim.orders() if o["clOrdId"] == f"fmz{nonce}"]


@pytest.mark.parametrize("done", [True, False], ids=["placed-anyway", "not-placed"])
@pytest_twisted.ensureDeferred
async def test_51149_over_rest_is_resolved_by_look_up_and_a_repeat_returns_the_same_id(bridge_and_sim, done):
    bridge, sim = await start(bridge_and_sim)
    sim.add_fault(ORDER, "status", method="POST", status=500, code="51149", done=done)
    nonce = 2_300_000_000_000_000_001
    answer = await bridge.call("trade", BUY, nonce=nonce)
    assert sim.faults.faults == [], "the fault was not hit"
    [placed] = orders_for(sim, nonce)  # exactly one, whether OKX had placed it or not
    assert answer["data"]["id"] == f"LTC-USDT,{placed['ordId']}", answer
    again = await bridge.call("trade", BUY, nonce=nonce)
    assert again["data"] == answer["data"] and len(orders_for(sim, nonce)) == 1


@pytest_twisted.ensureDeferred
async def test_a_request_held_past_its_exptime_is_never_executed(bridge_and_sim, reactor):
    bridge, sim = await start(bridge_and_sim)  # deadline 1 s: the expTime the POST carries
    sim.add_fault(ORDER, "hold", method="POST", seconds=2.0)
    nonce = 2_300_000_000_000_000_002
    answer = await bridge.call("trade", BUY, nonce=nonce)
    assert "error" not in answer, answer  # placed again once OKX could no longer take the first
    await eventually(reactor, lambda: sum(sim.faults.held.values()) == 1, "the held request came due", bound=5)
    assert sim.faults.held == {"executed": 0, "expired": 1}
    [placed] = orders_for(sim, nonce)
    assert answer["data"]["id"] == f"LTC-USDT,{placed['ordId']}"


@pytest_twisted.ensureDeferred
async def test_a_held_request_inside_its_exptime_is_executed_late_and_found(bridge_and_sim, reactor):
    """The other side of the same rule: a hold shorter than the deadline executes, and the
    bridge (whose request timed out meanwhile) finds that one order rather than placing another."""
    bridge, sim = await start(bridge_and_sim, timeout="3")
    sim.add_fault(ORDER, "hold", method="POST", seconds=0.3)
    nonce = 2_300_000_000_000_000_003
    answer = await bridge.call("trade", BUY, nonce=nonce)
    assert sim.faults.held == {"executed": 1, "expired": 0}
    [placed] = orders_for(sim, nonce)
    assert answer["data"]["id"] == f"LTC-USDT,{placed['ordId']}"


@pytest_twisted.ensureDeferred
async def test_a_50011_refusal_of_a_write_is_resent_and_succeeds_inside_the_deadline(bridge_and_sim, reactor):
    bridge, sim = await start(bridge_and_sim, timeout="5")
    sim.add_fault(ORDER, "status", method="POST", status=429)
    nonce = 2_300_000_000_000_000_004
    began = reactor.seconds()
    answer = await bridge.call("trade", BUY, nonce=nonce)
    took = reactor.seconds() - began
    assert "error" not in answer, answer
    assert sim.faults.faults == [] and len(orders_for(sim, nonce)) == 1
    assert 2.0 <= took < 5.0  # the bucket paused one window (2 s), then the resend, inside the deadline


@pytest.fixture
def private(reactor):
    start_pair, stop_all = daemon_pairs(reactor, Env, ("--stream-fresh", "4", "--private-resync", "30"),
                                        private=True)
    yield start_pair
    stop_all()


@pytest.mark.parametrize("done", [True, False], ids=["placed-anyway", "not-placed"])
@pytest_twisted.ensureDeferred
async def test_51149_over_the_websocket_is_resolved_by_look_up_and_a_repeat_returns_the_same_id(private, done):
    env = await private("--trade-over", "ws", "--timeout", "2")  # expTime 2 s after each send
    env.bridge.bridge.desk.resolve_delays = FAST
    await env.bridge.call("accounts")
    await env.in_sync()
    env.sim.add_fault(ORDER, "status", method="POST", code="51149", done=done)
    nonce = 2_300_000_000_000_000_005
    params = {"symbol": "ETH_USDT", "type": "buy", "price": "100", "amount": "0.1"}
    placed = await env.bridge.call("trade", params, nonce=nonce)
    assert "error" not in placed, placed
    assert env.sim.faults.faults == [], "the WebSocket order did not meet the fault"
    [order] = [o for o in env.sim.orders() if o["clOrdId"] == f"fmz{nonce}"]
    assert placed["data"]["id"] == f"ETH-USDT,{order['ordId']}"
    again = await env.bridge.call("trade", params, nonce=nonce)
    assert again["data"]["id"] == placed["data"]["id"] and len(env.sim.orders()) == 1
