"""okx/ws_pacing.py: at most 3 new WebSocket connections per second, whoever asks."""

from twisted.internet import task
from twisted.internet.defer import succeed

from okxbridge.okx.ws_pacing import ConnectionPacer, PacedEndpoint


class Endpoint:
    def __init__(self, clock):
        self.clock, self.opened = clock, []

    def connect(self, factory):
        self.opened.append((self.clock.seconds(), factory))
        return succeed(factory)


def test_the_fourth_connection_in_a_second_waits_for_the_window():
    clock = task.Clock()
    pacer = ConnectionPacer(clock)
    endpoints = [PacedEndpoint(Endpoint(clock), pacer) for _ in range(2)]  # two streams, one pacer
    for i in range(7):
        endpoints[i % 2].connect(f"f{i}")
    opened = lambda: sorted(t for e in endpoints for t, _ in e.endpoint.opened)  # noqa: E731
    assert opened() == [0, 0, 0]
    clock.advance(1.0)
    assert opened() == [0, 0, 0]  # a second, and the margin for the handshake's time
    clock.advance(0.1)
    assert opened() == [0, 0, 0, 1.1, 1.1, 1.1]
    clock.advance(1.1)
    assert opened() == [0, 0, 0, 1.1, 1.1, 1.1, 2.2] and pacer.delayed == 4
    clock.advance(5.0)
    endpoints[0].connect("late")  # a quiet spell: at once again
    assert opened()[-1] == clock.seconds()
