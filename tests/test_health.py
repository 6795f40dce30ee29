"""okxbridge/health.py: what /health reports, on task.Clock: a recent answer trusted, a probe otherwise."""

from twisted.internet import task
from twisted.internet.defer import Deferred, succeed

from okxbridge import __version__
from okxbridge.health import Health


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


class SlowClient:
    """Answers nothing until told; counts the probes it was asked for."""

    base_url = "https://www.okx.com"
    signer = None

    def __init__(self, clock):
        self.clock, self.asked, self.answered_at = clock, [], None

    def get(self, path, sign=True):
        d = Deferred()
        self.asked.append(d)
        return d

    def seconds_since_answer(self):
        return None if self.answered_at is None else self.clock.seconds() - self.answered_at


def test_health_status_never_waits_and_probes_once_at_a_time():
    clock = task.Clock()
    client = SlowClient(clock)
    health = Health(client, clock, started_at=0.0)
    first = health.status()
    assert first["okx_reachable"] is False and first["version"] == __version__
    health.status()
    assert len(client.asked) == 1  # the probe in flight is not doubled by the next poll
    client.answered_at = clock.seconds()
    client.asked[0].callback(None)
    assert health.status()["okx_reachable"] is True and len(client.asked) == 1
    clock.advance(health.fresh + 1)
    health.status()
    assert len(client.asked) == 2  # stale again: one new probe
