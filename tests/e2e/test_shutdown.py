"""SIGTERM through a real daemon against the emulator: a call in flight finishes, then the daemon stops
(the stop order itself, on task.Clock: tests/test_shutdown.py)."""

import json

import pytest_twisted
import treq
from twisted.internet import task
from twisted.internet.defer import ensureDeferred

from okxbridge.service import Options, build_daemon


@pytest_twisted.ensureDeferred
async def test_sigterm_lets_a_call_in_flight_finish_then_stops(reactor, tmp_path):
    from okxbridge.sim.testing import start_emulator

    running = await start_emulator(reactor, seed=3)
    options = Options()
    options.parseOptions(["--okx-url", running.url, "--port", "tcp:0:interface=127.0.0.1", "--state-dir",
                          str(tmp_path)])
    daemon = build_daemon(reactor, options)
    top = daemon.service
    top.startService()
    try:
        port = await daemon.protocol_port.bound()
        url = f"http://127.0.0.1:{port.getHost().port}/OKX"
        running.emulator.add_fault("/api/v5/market/ticker", "delay", seconds=1.0)
        body = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass",
                "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}
        call = ensureDeferred(treq.post(url, json=body, persistent=False))
        await task.deferLater(reactor, 0.3, lambda: None)  # the call is now waiting on OKX
        stopped = top.stopService()
        await task.deferLater(reactor, 0.1, lambda: None)
        assert not stopped.called  # draining: the call is still out
        try:
            await treq.post(url, json=body, persistent=False)
        except Exception as e:
            assert "refused" in repr(e).lower(), e
        else:
            raise AssertionError("still listening while draining")
        response = await call
        answer = json.loads(await response.content())
        assert answer["data"]["symbol"] == "BTC_USDT"
        await stopped
    finally:
        if top.running:
            await top.stopService()
        await running.stop()
