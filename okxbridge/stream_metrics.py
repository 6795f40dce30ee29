# -*- test-case-name: tests.e2e.test_stream, tests.e2e.test_private -*-
"""``/metrics`` for the WebSocket market data, read from the streams at scrape time (the
counters live where the events happen; nothing is registered globally)."""

from __future__ import annotations

from typing import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .okx.account_streams import PrivateStreams
from .okx.market_streams import MarketStreams


class StreamCollector:
    def __init__(self, streams: MarketStreams):
        self.streams = streams

    def collect(self) -> Iterator[Metric]:
        streams = self.streams
        connected = GaugeMetricFamily("okxbridge_ws_connections", "OKX WebSocket connections up, by endpoint",
                                      labels=["endpoint", "demo"])
        subscribed = GaugeMetricFamily("okxbridge_ws_subscriptions", "Channels subscribed, by endpoint",
                                       labels=["endpoint", "demo"])
        connects = CounterMetricFamily("okxbridge_ws_connects", "OKX WebSocket connections made (first and "
                                       "reconnections), by endpoint", labels=["endpoint", "demo"])
        messages = CounterMetricFamily("okxbridge_ws_messages", "Pushes received from OKX, by channel",
                                       labels=["channel"])
        by_channel: dict[str, int] = {}
        for (demo, endpoint), stream in sorted(streams.streams.items()):
            labels = [endpoint, str(demo).lower()]
            connected.add_metric(labels, 1 if stream.is_connected else 0)
            subscribed.add_metric(labels, len(stream.wanted))
            connects.add_metric(labels, stream.connects)
            for channel, n in stream.messages.items():
                by_channel[channel] = by_channel.get(channel, 0) + n
        for channel, n in sorted(by_channel.items()):
            messages.add_metric([channel], n)
        resubscribes = CounterMetricFamily("okxbridge_ws_resubscribes", "Books resubscribed for a fresh snapshot, "
                                           "by reason (gap, checksum, crossed, bad)", labels=["reason"])
        for reason in ("gap", "checksum", "crossed", "bad"):
            resubscribes.add_metric([reason], streams.resubscribes.get(reason, 0))
        answers = CounterMetricFamily("okxbridge_market_answers", "Market calls answered from the stream or by "
                                      "REST", labels=["method", "source"])
        for (method, source), n in sorted(streams.answers.items()):
            answers.add_metric([method, source], n)
        yield from (connected, subscribed, connects, messages, resubscribes, answers)


class PrivateStreamCollector:
    """``/metrics`` for the private account streams (one per key; keys are not labels, so a
    daemon serving many keys keeps a fixed number of series)."""

    def __init__(self, private: PrivateStreams):
        self.private = private

    def collect(self) -> Iterator[Metric]:
        private = self.private
        accounts = list(private.accounts.values())
        up = GaugeMetricFamily("okxbridge_private_ws_connections", "Private WebSocket connections up (logged in), "
                               "and account mirrors in sync", labels=["state"])
        up.add_metric(["connected"], sum(1 for a in accounts if a.stream.is_connected))
        up.add_metric(["logged_in"], sum(1 for a in accounts if a.stream.logged_in))
        up.add_metric(["in_sync"], sum(1 for a in accounts if a.in_sync()))
        logins = CounterMetricFamily("okxbridge_private_ws_logins", "Private WebSocket logins, by OKX's code "
                                     "(ok, or the refusal's)", labels=["code"])
        for code, n in sorted(private.logins.items()):
            logins.add_metric([code], n)
        snapshots = CounterMetricFamily("okxbridge_private_snapshots", "REST snapshots of account mirrors, by "
                                        "outcome", labels=["outcome"])
        for outcome in ("loaded", "failed"):
            snapshots.add_metric([outcome], private.snapshots.get(outcome, 0))
        answers = CounterMetricFamily("okxbridge_account_answers", "Account calls answered from the mirror or by "
                                      "REST", labels=["method", "source"])
        for (method, source), n in sorted(private.answers.items()):
            answers.add_metric([method, source], n)
        yield from (up, logins, snapshots, answers)
