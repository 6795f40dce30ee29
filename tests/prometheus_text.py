"""Reading a Prometheus text exposition in tests (``/metrics`` over a socket, or
``BridgeMetrics.render()`` in memory): samples keyed by name and label set."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict:
    """``{(name, frozenset(labels)): value}`` from a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())), 0.0)
