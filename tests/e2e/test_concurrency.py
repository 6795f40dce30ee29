"""Calls never block each other: the docker's exchange.Go calls run side by side."""

import pytest_twisted
from twisted.internet.defer import Deferred


@pytest_twisted.ensureDeferred
async def test_a_slow_okx_answer_does_not_hold_up_other_calls(bridge_and_sim, reactor):
    bridge, sim = await bridge_and_sim()
    sim.add_fault("/api/v5/market/books", "delay", seconds=1.0)
    finished = []

    async def timed(name, method, params):
        answer = await bridge.call(method, params)
        finished.append((name, reactor.seconds(), "error" not in answer))

    slow = Deferred.fromCoroutine(timed("slow", "depth", {"symbol": "BTC_USDT"}))
    fast = [Deferred.fromCoroutine(timed(f"fast{i}", "accounts", {})) for i in range(5)]
    for d in [slow, *fast]:
        await d
    assert [name for name, _, _ in finished][-1] == "slow"
    assert all(ok for _, _, ok in finished)
