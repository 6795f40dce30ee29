"""okxsim's expTime (okxbridge/sim/expiry.py, docs #overview-transaction-timeouts): the rule
alone, then over REST with the ``hold`` fault on the emulator's task.Clock, and the WebSocket
order operations (a real socket to the emulator, its clock pinned)."""

import json

import pytest
import pytest_twisted
from twisted.internet import defer, task

from okxbridge.sim import expiry
from okxbridge.sim.testing import start_emulator
from tests.sim.simsupport import call

NOW = 1_750_000_000.0
ORDER = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "100", "sz": "0.001"}


@pytest.mark.parametrize("exp_time, held, refused", [
    (None, False, None), ("", True, None),                       # no expTime: no deadline
    ("1750000000001", False, None),                              # still ahead
    ("1750000000000", False, None),                              # exactly now: not after it
    ("1749999999999", False, expiry.ARRIVED_LATE),               # arrived after it
    ("1749999999999", True, expiry.EXPIRED),                     # held at OKX until after it
    ("soon", False, expiry.BAD_EXP_TIME), ("1" * 40, False, expiry.BAD_EXP_TIME),
])
def test_which_requests_are_not_processed(exp_time, held, refused):
    assert expiry.refusal(exp_time, NOW, held) == refused


async def pinned_emulator(reactor):
    clock = task.Clock()
    clock.advance(NOW)
    return await start_emulator(reactor, clock=clock), clock


async def settle(reactor):
    for _ in range(20):
        await task.deferLater(reactor, 0.01, lambda: None)


@pytest_twisted.ensureDeferred
async def test_rest_refuses_a_late_request_and_a_hold_executes_only_inside_its_exptime(reactor):
    running, clock = await pinned_emulator(reactor)
    emu = running.emulator
    try:
        status, body = await call(running.url, "POST", "/api/v5/trade/order", ORDER, now=NOW,
                                  expTime=str(int(NOW * 1000) - 1))
        assert (status, body["code"]) == (200, "50036") and emu.orders() == []
        for seconds, outcome in ((2.0, "expired"), (0.5, "executed")):
            emu.add_fault("/api/v5/trade/order", "hold", method="POST", seconds=seconds)
            pending = defer.ensureDeferred(call(running.url, "POST", "/api/v5/trade/order", ORDER, now=clock.seconds(),
                                                expTime=str(int(clock.seconds() * 1000) + 1000)))
            await settle(reactor)
            assert not pending.called  # queued at OKX
            clock.advance(seconds)
            status, body = await pending
            assert emu.faults.held[outcome] == 1
            assert body["code"] == ("50037" if outcome == "expired" else "0"), body
        assert len(emu.orders()) == 1  # only the hold inside its expTime was executed
    finally:
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_a_held_request_runs_though_its_caller_hung_up(reactor):
    running, clock = await pinned_emulator(reactor)
    emu = running.emulator
    try:
        emu.add_fault("/api/v5/trade/order", "hold", method="POST", seconds=1.0)
        pending = defer.ensureDeferred(call(running.url, "POST", "/api/v5/trade/order", ORDER, now=NOW))
        await settle(reactor)
        pending.cancel()  # the caller gives up: OKX has the request all the same
        pending.addErrback(lambda _: None)
        await settle(reactor)
        clock.advance(1.0)
        assert emu.faults.held == {"executed": 1, "expired": 0} and len(emu.orders()) == 1
    finally:
        await running.stop()


def test_a_coded_status_fault_names_okx_code_and_refuses_unknown_codes():
    from okxbridge.sim.faults import FaultTable
    table = FaultTable()
    fault = table.add({"path": "/api/v5/trade/order", "action": "status", "status": 500, "code": "51149",
                       "done": True})
    assert fault.body() == {"code": "51149", "msg": "Order timed out. Please try again.", "data": []} and fault.done
    with pytest.raises(ValueError):
        table.add({"path": "/api/v5/trade/order", "action": "status", "code": "12345"})
    assert json.dumps(fault.body())
