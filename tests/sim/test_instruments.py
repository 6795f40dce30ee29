"""A weekly delivery while the daemon runs: aliases move on at once, no restart, no order on
the wrong contract (the cached list is not trusted past its first expiry)."""

import pytest_twisted

from okxbridge.sim.instruments import futures_expiries


@pytest_twisted.ensureDeferred
async def test_next_week_follows_the_roll_over(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    before = (await bridge.call("markets"))["data"]
    old_next_week = before["BTC_USDT.next_week"]["instId"]
    # the weekly contract delivers: one minute after its expiry (well inside the list's TTL)
    sim.clock_offset = futures_expiries(sim.now())["this_week"] - sim.clock.seconds() + 60
    await bridge.bridge.client.sync_time()  # the daemon's clock moves on too (time sync, every minute)
    aliases = {i.alias: i.inst_id for i in sim.instruments().values() if i.alias}
    assert aliases["this_week"] == old_next_week  # what used to be next week is this week now
    placed = await bridge.call("trade", {"symbol": "BTC_USDT.next_week", "type": "buy", "price": 1000, "amount": 1})
    assert placed["data"]["id"].startswith(aliases["next_week"] + ",")
    ticker = await bridge.call("ticker", {"symbol": "BTC_USDT.this_week"})
    assert ticker["raw"]["data"][0]["instId"] == aliases["this_week"]
    assert sim.request_counts()["/api/v5/public/instruments"] == 4  # 3 kinds, then one FUTURES reload
