"""``/metrics`` and ``/health``: what they count and report, on the protocol's port (ahead of
its catch-all route) or on ``--admin-port``; metrics kept per daemon, labels bounded."""

import json

import pytest
import pytest_twisted
import treq
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import task
from twisted.internet.defer import Deferred, succeed

from okxbridge.health import Health
from okxbridge.metrics import MAX_PATHS, BridgeMetrics
from okxbridge.okx.counting import COUNT_NOTHING, RequestCounts
from okxbridge.okx.coalesce import Coalescer
from okxbridge.testing import start_bridge


def samples(text: str) -> dict:
    """``{(name, frozenset(labels)): value}`` from a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())), 0.0)


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


def test_each_daemon_has_its_own_registry():
    one, two = BridgeMetrics.create(["ticker"]), BridgeMetrics.create(["ticker"])
    one.call("ticker", "ok", 0.1)
    assert value(samples(one.render().decode()), "okxbridge_calls_total", method="ticker", outcome="ok") == 1
    assert value(samples(two.render().decode()), "okxbridge_calls_total", method="ticker", outcome="ok") == 0


def test_labels_from_untrusted_input_are_bounded():
    metrics = BridgeMetrics.create(["ticker"])
    for i in range(MAX_PATHS + 50):
        metrics.okx_request("GET", f"/api/v5/x{i}", "0", 0.01)
        metrics.call(f"made-up-{i}", "error", 0.01)
    metrics.call("_api/api/v5/account/config", "ok", 0.01)
    metrics.call("__api_/api/v5/account/config", "ok", 0.01)
    found = samples(metrics.render().decode())
    paths = {dict(labels)["path"] for name, labels in found if name == "okxbridge_okx_requests_total"}
    assert len(paths) == MAX_PATHS + 1 and "other" in paths
    assert value(found, "okxbridge_okx_requests_total", verb="GET", path="other", code="0") == 50
    methods = {dict(labels)["method"] for name, labels in found if name == "okxbridge_calls_total"}
    assert methods == {"other", "_api"}


def test_hooks_for_the_okx_side():
    metrics = BridgeMetrics.create()
    metrics.rate_limit_wait("/api/v5/trade/order", 0.2)
    metrics.retry("/api/v5/market/ticker")
    metrics.retry("/api/v5/market/ticker")
    metrics.uncertain_order("placed")
    metrics.uncertain_order("whatever")
    found = samples(metrics.render().decode())
    assert value(found, "okxbridge_rate_limit_wait_seconds_count", path="/api/v5/trade/order") == 1
    assert value(found, "okxbridge_rate_limit_wait_seconds_sum", path="/api/v5/trade/order") == pytest.approx(0.2)
    assert value(found, "okxbridge_okx_retries_total", path="/api/v5/market/ticker") == 2
    assert value(found, "okxbridge_uncertain_orders_total", outcome="placed") == 1
    assert value(found, "okxbridge_uncertain_orders_total", outcome="other") == 1
    # the client's null hook and the daemon's counters both provide every hook the client calls
    hooks = [name for name in vars(RequestCounts) if not name.startswith("_")]
    assert sorted(hooks) == ["okx_request", "rate_limit_wait", "retry", "uncertain_order"]
    for hook in hooks:
        assert callable(getattr(COUNT_NOTHING, hook)) and callable(getattr(BridgeMetrics, hook))


def test_coalesced_reads_are_read_from_the_coalescer():
    coalescer = Coalescer()
    metrics = BridgeMetrics.create(coalescer=coalescer)
    pending = Deferred()
    for _ in range(3):
        coalescer.run("k", lambda: pending)
    found = samples(metrics.render().decode())
    assert value(found, "okxbridge_public_reads_total", result="requested") == 1
    assert value(found, "okxbridge_public_reads_total", result="coalesced") == 2
    pending.callback(None)


class FakeClient:
    base_url = "https://okx.example"

    def __init__(self, answer, clock):
        self.answer, self.asked, self.clock = answer, [], clock
        self.signer = type("S", (), {"offset": -0.25})()
        self.last_answer_at = None

    def seconds_since_answer(self):
        return None if self.last_answer_at is None else self.clock.seconds() - self.last_answer_at

    def get(self, path, params=None, creds=None, *, sign=True):
        self.asked.append((path, sign))
        return self.answer()


def test_health_trusts_a_recent_answer_and_probes_otherwise():
    clock = task.Clock()
    clock.advance(1000)
    client = FakeClient(lambda: succeed(None), clock)
    health = Health(client, clock, started_at=900)
    client.last_answer_at = 995.0
    report = Deferred.fromCoroutine(health.report()).result
    assert client.asked == [] and report["okx_reachable"] is True
    assert report["okx_last_answer_seconds_ago"] == 5.0 and report["clock_offset_seconds"] == -0.25
    assert report["uptime_seconds"] == 100.0

    clock.advance(60)  # the last answer is stale: ask /public/time, unsigned; nothing comes back
    client.answer = Deferred
    d = Deferred.fromCoroutine(health.report())
    assert client.asked == [("/api/v5/public/time", False)] and not d.called
    clock.advance(health.probe_timeout)
    assert d.result["okx_reachable"] is False
