"""okxbridge/desk/resolving.py: an order whose write lost its answer, listed while it is looked up."""

from twisted.internet import task

from okxbridge.desk.resolving import Resolving
from tests.okx_fake import CREDS


def test_resolving_lists_an_order_while_it_is_looked_up():
    clock = task.Clock()
    resolving = Resolving(clock)
    body = {"instId": "BTC-USDT", "clOrdId": "fmz123", "side": "buy"}
    with resolving.track(CREDS.fingerprint, body, "place", RuntimeError("no answer within 10s")) as entry:
        clock.advance(1.5)
        entry.lookups = 2
        assert resolving.status() == {"count": 1, "placements_resolved": {}, "orders": [{
            "fingerprint": CREDS.fingerprint, "instId": "BTC-USDT", "order": "fmz123", "write": "place",
            "seconds": 1.5, "lookups": 2, "cause": "no answer within 10s", "last_error": ""}]}
    resolving.done("placed")
    assert resolving.status() == {"count": 0, "orders": [], "placements_resolved": {"placed": 1}}
