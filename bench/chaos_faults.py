# -*- test-case-name: tests.bench.test_chaos -*-
"""The faults :mod:`bench.chaos` injects, at random, while its workers trade.

Every REST fault okxsim has on the two order writes, WebSocket drops and lost operation
answers, price moves (down through the workers' resting buys, so they fill, and back),
one ``kill -9`` of the first daemon and its restart on the same state, and with Redis a
restart of the Redis server (with its append-only file, as a deployment keeps it: a Redis
that forgets claims cannot keep any ledger's promise).
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.procs import sim_post

WRITES = ("/api/v5/trade/order", "/api/v5/trade/cancel-order")
#: okxsim's REST faults (okxbridge.sim.faults) with the parameters each takes
FAULTS: list[dict[str, Any]] = [
    {"action": "drop_response"},                 # acted, answer lost: the outcome is unknown
    {"action": "reset"},                         # cut before acting: nothing happened
    {"action": "delay", "seconds": 2.5},
    {"action": "delay_answer", "seconds": 2.5},  # acted at once, answered late
    {"action": "status", "status": 500},
    {"action": "status", "status": 503},
    {"action": "status", "status": 429},
]
WS_FAULTS: list[dict[str, Any]] = [{"action": "drop"}, {"action": "lose_answer", "times": 1}]


def move_price(run: Any, sim_port: int, rng: random.Random) -> None:
    """Down through the resting buys (they sit at half the price), then back up."""
    last = run.last_price()
    factor = Decimal("0.45") if rng.random() < 0.3 else Decimal(str(round(rng.uniform(0.99, 1.01), 4)))
    sim_post(sim_port, "/__sim__/price", {"instId": "BTC-USDT", "price": str((last * factor).quantize(Decimal("0.1")))})
    if factor < 1 and factor < Decimal("0.9"):
        time.sleep(0.3)
        sim_post(sim_port, "/__sim__/price", {"instId": "BTC-USDT", "price": str(last)})


def restart_redis(redis: Any) -> None:
    """Stop the Redis server and start it again on its port, from its append-only file."""
    redis.stop()
    redis.start()


def persistent_redis(workdir: Path) -> Any:
    """A real redis-server that keeps its data over a restart (appendonly, fsync always)."""
    from tests.redis_server import RedisServer, redis_executable

    class PersistentRedis(RedisServer):
        def start(self) -> "PersistentRedis":
            self.workdir.mkdir(parents=True, exist_ok=True)
            log = open(self.workdir / f"redis-{self.port}.log", "ab")
            self.popen = subprocess.Popen(
                [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.workdir)],
                stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 10
            while True:  # ready when it accepts a connection
                if self.popen.poll() is not None:
                    raise RuntimeError(f"redis-server exited ({self.popen.returncode})")
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    return self
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not listen") from None
                    time.sleep(0.02)

    return PersistentRedis(workdir)


def inject(run: Any, sim_port: int, daemons: list[Any], redis: Any, until: float, rng: random.Random) -> dict[str, int]:
    """Faults until ``until``; returns how many of each were injected."""
    counts: dict[str, int] = {}
    started = time.monotonic()
    span = until - started
    killed = restarted = False
    while time.monotonic() < until:
        time.sleep(rng.uniform(0.2, 0.8))
        now = time.monotonic() - started
        if not killed and now > span * 0.4:
            killed = True
            daemons[0].restart()
            name = "kill -9"
        elif redis is not None and not restarted and now > span * 0.7:
            restarted = True
            restart_redis(redis)
            name = "redis restart"
        else:
            name = one_fault(run, sim_port, rng)
        counts[name] = counts.get(name, 0) + 1
    return counts


def one_fault(run: Any, sim_port: int, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.65:
        fault = dict(rng.choice(FAULTS), path=rng.choice(WRITES), method="POST", times=1)
        sim_post(sim_port, "/__sim__/faults", fault)
        return f"{fault['action']}{fault.get('status', '')}"
    if roll < 0.85:
        spec = rng.choice(WS_FAULTS)
        sim_post(sim_port, "/__sim__/ws", spec)
        return f"ws {spec['action']}"
    move_price(run, sim_port, rng)
    return "price move"
