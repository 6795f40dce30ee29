"""Helpers shared by the WebSocket end-to-end tests (tests/ is a package: import them as tests.e2e.daemon_pair).

Each test starts okxsim on a ``task.Clock`` of its own plus two daemons against it: the one
under test (streaming market data, or a private account stream) and a REST-only daemon, the
reference for "what REST would say" at the same instant.
"""

import pytest_twisted
import treq
from twisted.internet import task
from twisted.internet.defer import Deferred

from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge

START = 1_795_000_000.0


async def eventually(reactor, predicate, what, bound=10.0):
    """Wait (yielding to the reactor) until ``predicate()`` holds: socket I/O to finish."""
    waited = 0.0
    while not predicate():
        if waited > bound:
            raise AssertionError(f"never happened: {what}")
        await task.deferLater(reactor, 0.002, lambda: None)
        waited += 0.002


def _stop(thing):
    return Deferred.fromCoroutine(thing.stop())


class PairEnv:
    """okxsim, the daemon under test (``bridge``) and the REST-only one (``rest``)."""

    def __init__(self, reactor, running, bridge, rest, sim_clock, bridge_clock):
        self.reactor, self.running, self.bridge, self.rest = reactor, running, bridge, rest
        self.sim, self.sim_clock, self.bridge_clock = running.emulator, sim_clock, bridge_clock

    def requests_to(self, paths):
        counts = self.sim.request_counts()
        return sum(counts.get(p, 0) for p in paths)

    async def until(self, predicate, what):
        await eventually(self.reactor, predicate, what)

    async def ws(self, spec):
        response = await treq.post(self.running.url + "/__sim__/ws", json=spec, persistent=False)
        assert response.code == 200, await response.content()


def daemon_pairs(reactor, env_class, daemon_args, rest_args=(), **bridge_kwargs):
    """``(start, stop_all)``: ``start(*bridge_args, **sim_kwargs)`` starts one pair and
    returns ``env_class(...)``; ``stop_all()`` stops every pair started. ``rest_args`` go to
    the REST-only reference daemon (options both must share, such as the period unit)."""
    started = []

    async def start(*bridge_args, **sim_kwargs):
        sim_clock, bridge_clock = task.Clock(), task.Clock()
        sim_clock.advance(START)
        running = await start_emulator(reactor, clock=sim_clock, seed=7, **sim_kwargs)
        bridge = await start_bridge(reactor, running.url, *daemon_args, *bridge_args, clock=bridge_clock,
                                    **bridge_kwargs)
        rest = await start_bridge(reactor, running.url, *rest_args)
        started.append((running, bridge, rest))
        return env_class(reactor, running, bridge, rest, sim_clock, bridge_clock)

    def stop_all():
        for running, bridge, rest in started:
            for thing in (bridge, rest, running):
                pytest_twisted.blockon(_stop(thing))

    return start, stop_all
