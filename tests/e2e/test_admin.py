"""``/metrics`` and ``/health`` through the daemon: on the protocol's port (ahead of its
catch-all route) or on ``--admin-port`` (the counters themselves: tests/test_metrics.py)."""

import json

import pytest_twisted
import treq

from okxbridge.testing import start_bridge
from tests.prometheus_text import samples, value


async def get(url):
    response = await treq.get(url, persistent=False)
    return response, (await response.content()).decode()


@pytest_twisted.ensureDeferred
async def test_metrics_and_health_on_the_protocol_port(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    assert (await bridge.call("ticker", {"symbol": "BTC_USDT"}))["data"]["symbol"] == "BTC_USDT"
    assert "error" in await bridge.call("ticker", {"symbol": "NOPE_USDT"})
    assert "error" in await bridge.call("GetWhatever")
    assert "error" in await bridge.post(b"not json")

    response, text = await get(bridge.url + "/metrics")
    assert response.code == 200
    assert response.headers.getRawHeaders(b"Content-Type")[0].startswith(b"text/plain; version=")
    found = samples(text)
    assert value(found, "okxbridge_calls_total", method="ticker", outcome="ok") == 1
    assert value(found, "okxbridge_calls_total", method="ticker", outcome="error") == 1
    assert value(found, "okxbridge_calls_total", method="other", outcome="error") == 1  # unknown method
    assert value(found, "okxbridge_calls_total", method="unparsed", outcome="error") == 1
    assert value(found, "okxbridge_call_seconds_count", method="ticker") == 2
    assert value(found, "okxbridge_okx_requests_total", verb="GET", path="/api/v5/market/ticker", code="0") == 1
    # what OKX (here: the emulator) actually received, path by path, equals what was counted
    okx_total = sum(v for (name, labels), v in found.items()
                    if name == "okxbridge_okx_requests_total" and dict(labels)["path"].startswith("/api/v5/"))
    assert okx_total == sum(n for path, n in sim.request_counts().items() if path.startswith("/api/v5/"))
    # NOPE_USDT was asked too: OKX's refusal is an answer with its own code, timed like any other
    assert value(found, "okxbridge_okx_request_seconds_count", path="/api/v5/market/ticker") == 2
    refusals = {dict(labels)["code"] for (name, labels) in found if name == "okxbridge_okx_requests_total"
                and dict(labels)["path"] == "/api/v5/market/ticker"} - {"0"}
    assert len(refusals) == 1 and refusals.pop().isdigit()
    assert value(found, "okxbridge_public_reads_total", result="requested") >= 1

    response, text = await get(bridge.url + "/health")
    assert response.code == 200
    health = json.loads(text)
    assert health["status"] == "up" and health["okx_reachable"] is True
    assert isinstance(health["clock_offset_seconds"], float)
    assert health["okx_url"] == bridge.daemon.admin.health.client.base_url

    # the static admin routes win over the protocol's catch-all, and only for GET
    assert await bridge.post(b"{}", path="/metrics") == {"error": "unknown exchange path /metrics; use /OKX"}
    assert "data" in await bridge.call("ticker", {"symbol": "ETH_USDT"})


@pytest_twisted.ensureDeferred
async def test_health_says_unreachable_when_okx_is_down(reactor):
    # nothing listens on port 9; the probe gives up within its own short timeout
    bridge = await start_bridge(reactor, "http://127.0.0.1:9")
    try:
        response, text = await get(bridge.url + "/health")
        health = json.loads(text)
        assert health["status"] == "up" and health["okx_reachable"] is False
        assert health["okx_last_answer_seconds_ago"] is None
        found = samples((await get(bridge.url + "/metrics"))[1])
        assert value(found, "okxbridge_okx_requests_total", verb="GET", path="/api/v5/public/time",
                     code="transport") >= 1
    finally:
        await bridge.stop()


@pytest_twisted.ensureDeferred
async def test_admin_port_serves_only_metrics_and_health(reactor, bridge_and_sim):
    bridge, sim = await bridge_and_sim("--admin-port", "tcp:0:interface=127.0.0.1")
    admin_url = bridge.admin_url
    assert admin_url != bridge.url
    await bridge.call("ticker", {"symbol": "BTC_USDT"})
    # the protocol port no longer knows /metrics: it is just another wrong exchange path
    response, text = await get(bridge.url + "/metrics")
    assert json.loads(text) == {"error": "use POST with a JSON body (got GET)"}
    response, text = await get(admin_url + "/metrics")
    assert value(samples(text), "okxbridge_calls_total", method="ticker", outcome="ok") == 1
    assert json.loads((await get(admin_url + "/health"))[1])["okx_reachable"] is True
    response, text = await get(admin_url + "/OKX")
    assert response.code == 404 and "only /metrics and /health" in json.loads(text)["error"]
