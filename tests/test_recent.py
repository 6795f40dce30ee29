"""The last minute of calls and OKX requests, on ``task.Clock``: what the status page's
sparklines and percentiles are made of, and that their memory does not grow."""

from twisted.internet import task

from okxbridge.metrics import BridgeMetrics
from okxbridge.recent import WINDOW, PerSecond, RecentCalls, RecentLatencies, RecentOkxRequests, percentile


def test_per_second_slots_count_whole_seconds_and_forget_after_the_window():
    clock = task.Clock()
    clock.advance(1000.2)
    counts = PerSecond(clock)
    counts.add()
    counts.add(2)
    clock.advance(1.0)  # 1001.2: the next second
    counts.add()
    series = counts.series()
    assert len(series) == WINDOW and series[-2:] == [3, 1] and sum(series) == 4
    clock.advance(WINDOW - 1)  # 1060.2: second 1000 is now 61 s old, 1001 exactly 60
    assert counts.series()[0] == 1 and sum(counts.series()) == 1
    clock.advance(1)
    assert sum(counts.series()) == 0
    # a slot reused a minute later starts from zero, not from what it held
    counts.add()
    assert sum(counts.series()) == 1 and len(counts._count) == WINDOW


def test_recent_calls_by_method_with_rates_and_error_rates():
    clock = task.Clock()
    calls = RecentCalls(clock)
    for i in range(30):
        calls.call("ticker", "error" if i % 10 == 0 else "ok")
        clock.advance(0.5)  # 30 calls over 15 s
    calls.call("accounts", "ok")
    status = calls.status()
    assert status["count"] == 31 and status["errors_count"] == 3
    ticker = status["methods"]["ticker"]
    assert ticker["count"] == 30 and ticker["errors_count"] == 3 and ticker["error_rate"] == 0.1
    assert ticker["per_second"] == 0.5  # over the 60 s window
    assert sum(ticker["series"]) == 30 and max(ticker["series"]) == 2 and sum(ticker["errors_series"]) == 3
    assert status["methods"]["accounts"]["error_rate"] == 0.0
    clock.advance(WINDOW)
    status = calls.status()
    assert status["methods"] == {} and status["count"] == 0 and status["error_rate"] is None


def test_method_labels_reach_the_recorder_bounded_by_the_metrics():
    clock = task.Clock()
    recent = RecentCalls(clock)
    metrics = BridgeMetrics.create(["ticker"], recent_calls=recent)
    metrics.call("Ticker", "ok", 0.01)
    for i in range(500):  # a client inventing method names cannot grow the table
        metrics.call(f"Nope{i}", "error", 0.001)
    metrics.call("_api/v5/account/config", "ok", 0.01)
    assert set(recent.status()["methods"]) == {"ticker", "other", "_api"}
    assert recent.status()["methods"]["other"]["count"] == 500


def test_latency_percentiles_are_nearest_rank_over_the_window_and_memory_is_bounded():
    clock = task.Clock()
    latencies = RecentLatencies(clock, size=100)
    assert latencies.summary() == {"samples": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    for ms in range(1, 1001):  # 1 … 1000 ms; only the last 100 are kept
        latencies.add(ms / 1000)
    assert len(latencies._samples) == 100
    summary = latencies.summary()
    assert summary == {"samples": 100, "p50_ms": 950.0, "p99_ms": 999.0, "max_ms": 1000.0}
    clock.advance(WINDOW)
    assert latencies.summary()["samples"] == 0
    assert percentile([1.0], 99) == 1.0 and percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_okx_requests_count_failures_as_any_code_but_zero():
    clock = task.Clock()
    okx = RecentOkxRequests(clock)
    metrics = BridgeMetrics.create(recent_okx=okx)
    metrics.okx_request("GET", "/api/v5/market/ticker", "0", 0.004)
    metrics.okx_request("GET", "/api/v5/market/ticker", "51001", 0.006)
    metrics.okx_request("GET", "/api/v5/account/balance", "transport", 3.0)
    metrics.okx_request("GET", "/api/v5/account/balance", "0", 0.002)
    status = okx.status()
    assert status["count"] == 4 and status["errors_count"] == 2 and status["error_rate"] == 0.5
    assert status["latency"] == {"samples": 4, "p50_ms": 4.0, "p99_ms": 3000.0, "max_ms": 3000.0}
