"""okxbridge/service.py: the daemon tree built from options warns when it is reachable beyond loopback."""

from twisted.logger import formatEvent, globalLogPublisher

from okxbridge.service import Options, makeService


def warnings_of(args):
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        options = Options()
        options.parseOptions(args)
        makeService(options)  # builds the tree; nothing listens until it is started
    finally:
        globalLogPublisher.removeObserver(events.append)
    return [formatEvent(e) for e in events if e.get("log_level") is not None and e["log_level"].name == "warn"]


def test_warns_when_bound_beyond_loopback():
    assert warnings_of(["--port", "7777"]) == []
    found = warnings_of(["--port", "tcp:7777:interface=0.0.0.0", "--admin-port", "tcp:7778"])
    assert any("listens on tcp:7777:interface=0.0.0.0" in w and "bind to 127.0.0.1" in w for w in found)
    assert any("/metrics and /health on tcp:7778" in w for w in found)
    assert any("no --allow-key given" in w for w in found)
    found = warnings_of(["--port", "tcp:7777:interface=0.0.0.0", "--allow-key", "k"])
    assert len(found) == 1 and "listens on" in found[0]
