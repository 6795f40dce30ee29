"""okxbridge/metrics.py: what the counters count, one registry per daemon, labels bounded."""

import pytest
from twisted.internet.defer import Deferred

from okxbridge.metrics import MAX_PATHS, BridgeMetrics
from okxbridge.okx.coalesce import Coalescer
from okxbridge.okx.counting import COUNT_NOTHING, RequestCounts
from tests.prometheus_text import samples, value


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
