"""``/metrics`` for the WebSocket market data, read from the streams at scrape time (the
counters live where the events happen; nothing is registered globally)."""

from __future__ import annotations

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .mapping.streams import MarketStreams


class StreamCollector:
    def __init__(self, streams: MarketStreams):
        self.streams = streams

    def collect(self):
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
