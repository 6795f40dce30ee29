# -*- test-case-name: tests.bench.test_chaos -*-
"""``python -m bench.chaos``: strategy workers trade through real daemons while okxsim fails.

What a trader's strategies do — place, cancel, read — from several workers at once, against
``twistd okxsim`` with OKX's rate limits on, while faults are injected at random: every REST
fault okxsim has (drop the answer after acting, reset before acting, delay, delay the
answer, 5xx/429), WebSocket drops and lost answers, price moves through resting orders, one
``kill -9`` of a daemon and its restart on the same ``--state-dir``, and (with
``--setup redis``) a Redis restart. Then every call left without an answer is repeated once
with its nonce, as FMZ's docker would, and the outcome is checked against the exchange:

- ``doubled``: a nonce with more than one order at okxsim (its clOrdId is ``fmz<nonce>``);
- ``differing``: an answered id that is not the exchange's order for that nonce;
- ``ghosts``: an error answered for an order that exists, unless the error says the outcome
  is unknown (the one error the guarantee allows while an order may exist);
- ``throttled``: answers carrying OKX's 50011, though the workers stay inside 60 orders / 2 s;
- open orders read through the daemon against okxsim's own, and the slowest call.

Figures for the three set-ups are in ``docs/reliability.md``; CI runs 30 s of ``rest``
(``tests/bench/test_chaos.py``) and fails on any doubled, differing or ghost order.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from bench.chaos_faults import FAULTS, inject, persistent_redis
from bench.procs import REPO, Proc, env_with, free_port, sim_get, sim_post, start, twistd, wait_for_port

SETUPS = {"rest": (), "ws": ("--trade-over", "ws"), "redis": ()}
KEYS = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass"}
UNKNOWN = ("unknown", "may exist")  # the errors that state the outcome as unknown


@attrs.define
class Call:
    nonce: int
    method: str
    params: dict[str, Any]
    answer: dict[str, Any] | None = None  # None: no answer (timeout, connection lost)
    seconds: float = 0.0
    repeated: bool = False


@attrs.define
class Daemon:
    proc: Proc
    port: int
    argv: list[str]
    workdir: Path

    def restart(self) -> None:
        """``kill -9``, then the same command on the same port and state dir."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.popen.wait(10)
        self.proc = start(self.proc.name, self.argv, self.workdir, env_with(REPO))
        wait_for_port(self.proc, self.port, timeout=30)


def post(port: int, method: str, params: dict[str, Any], nonce: int, timeout: float = 15.0) -> dict[str, Any] | None:
    import urllib.error
    import urllib.request

    body = json.dumps({**KEYS, "method": method, "nonce": nonce, "params": params}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/OKX", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:  # 503 while draining: an answer, the daemon said no
        return json.loads(e.read() or b"{}") or {"error": f"HTTP {e.code}"}
    except OSError:
        return None


def start_sim(workdir: Path) -> tuple[Proc, int]:
    port = free_port()
    argv = [twistd(), "-n", "--pidfile=", "--logfile", str(workdir / "okxsim.log"), "okxsim",
            "--port", f"tcp:{port}:interface=127.0.0.1", "--latency", "2"]
    proc = start("okxsim", argv, workdir, env_with(REPO))
    wait_for_port(proc, port)
    return proc, port


def start_daemons(workdir: Path, sim_port: int, setup: str, redis_url: str | None) -> list[Daemon]:
    daemons = []
    for i in range(2 if setup == "redis" else 1):
        port, state = free_port(), workdir / f"state-{i}"
        state.mkdir(exist_ok=True)
        shared = ("--shared-state", redis_url) if redis_url else ("--state-dir", str(state))
        argv = [twistd(), "-n", "--pidfile=", "--logfile", str(workdir / f"okxbridge-{i}.log"), "okxbridge",
                "--port", f"tcp:{port}:interface=127.0.0.1", "--okx-url", f"http://127.0.0.1:{sim_port}",
                "--deadline", "8", *shared, *SETUPS[setup]]
        proc = start(f"okxbridge-{i}", argv, workdir, env_with(REPO))
        wait_for_port(proc, port, timeout=30)
        daemons.append(Daemon(proc, port, argv, workdir))
    return daemons


@attrs.define
class Run:
    daemons: list[Daemon]
    sim_port: int
    seed: int
    calls: list[Call] = attrs.Factory(list)
    last: Decimal = Decimal("30000")
    lock: threading.Lock = attrs.Factory(threading.Lock)
    nonces: Any = attrs.Factory(lambda: iter(range(time.time_ns() // 1000 * 1000, 2**63, 1000)))

    def last_price(self) -> Decimal:
        """BTC-USDT's last price as a strategy reads it: the daemon's ticker."""
        answer = post(self.daemons[0].port, "ticker", {"symbol": "BTC_USDT"}, time.time_ns()) or {}
        if "data" in answer:
            self.last = Decimal(str(answer["data"]["last"]))
        return self.last

    def call(self, worker: int, method: str, params: dict[str, Any]) -> Call:
        with self.lock:
            entry = Call(next(self.nonces), method, params)
            self.calls.append(entry)
        daemon = self.daemons[worker % len(self.daemons)]
        began = time.monotonic()
        entry.answer = post(daemon.port, method, params, entry.nonce)
        entry.seconds = time.monotonic() - began
        return entry


def worker(run: Run, index: int, until: float) -> None:
    """One strategy: resting buys it cancels later, small market buys, reads; ~8 calls/s."""
    rng = random.Random(run.seed * 100 + index)
    mine: list[str] = []
    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.35:
            price = str((run.last_price() / 2).quantize(Decimal("0.1")))  # rests: never fills unless moved
            placed = run.call(index, "trade", {"symbol": "BTC_USDT", "type": "buy", "price": price, "amount": 0.001})
            if placed.answer and "data" in placed.answer:
                mine.append(placed.answer["data"]["id"])
        elif roll < 0.45:
            run.call(index, "trade", {"symbol": "BTC_USDT", "type": "buy", "price": -1, "amount": 5})
        elif roll < 0.65 and mine:
            run.call(index, "cancel", {"id": mine.pop(rng.randrange(len(mine)))})
        elif roll < 0.85:
            run.call(index, "orders", {"symbol": "BTC_USDT"})
        else:
            run.call(index, "accounts", {})
        time.sleep(rng.uniform(0.05, 0.2))


def repeat_unanswered(run: Run) -> None:
    """FMZ's docker repeats a call whose answer never came, with the same nonce."""
    for entry in list(run.calls):
        if entry.answer is None and entry.method in ("trade", "cancel"):
            daemon = run.daemons[0]
            began = time.monotonic()
            entry.answer = post(daemon.port, entry.method, entry.params, entry.nonce, timeout=30)
            entry.seconds = max(entry.seconds, time.monotonic() - began)
            entry.repeated = True


def verdict(run: Run) -> dict[str, Any]:
    placed: dict[str, list[dict[str, Any]]] = {}
    for order in sim_get(run.sim_port, "/__sim__/orders")["orders"]:
        placed.setdefault(order.get("clOrdId", ""), []).append(order)
    trades = [c for c in run.calls if c.method == "trade"]
    doubled = [c.nonce for c in trades if len(placed.get(f"fmz{c.nonce}", [])) > 1]
    differing, ghosts = [], []
    for c in trades:
        exists = placed.get(f"fmz{c.nonce}", [])
        if c.answer and "data" in c.answer and exists and c.answer["data"]["id"].split(",")[1] != exists[0]["ordId"]:
            differing.append(c.nonce)
        error = (c.answer or {}).get("error", "")
        if error and exists and not any(word in error for word in UNKNOWN):
            ghosts.append({"nonce": c.nonce, "error": error[:200]})
    answered = [c for c in run.calls if c.answer is not None]
    return {
        "calls": len(run.calls), "trades": len(trades), "orders_at_okxsim": sum(len(v) for v in placed.values()),
        "unanswered_after_repeat": len(run.calls) - len(answered), "repeated": sum(c.repeated for c in run.calls),
        "writes_unanswered": sum(c.answer is None for c in run.calls if c.method in ("trade", "cancel")),
        "doubled": doubled, "differing": differing, "ghosts": ghosts,
        "throttled": sum("50011" in (c.answer or {}).get("error", "") for c in run.calls),
        "errors": sum("error" in (c.answer or {}) for c in run.calls),
        "error_kinds": error_kinds(run.calls),
        "unknown_outcome_errors": sum(any(w in (c.answer or {}).get("error", "") for w in UNKNOWN) for c in trades),
        "slowest_call_s": round(max((c.seconds for c in run.calls), default=0.0), 2),
        "open_orders_match": open_orders_match(run),
    }


def error_kinds(calls: list[Call]) -> dict[str, int]:
    """Errors the workers saw, by method and the start of the message (ids cut off)."""
    kinds: dict[str, int] = {}
    for c in calls:
        error = (c.answer or {}).get("error")
        if error:
            kind = re.sub(r"\d{6,}", "…", f"{c.method}: {error.split(' (')[0]}")[:90]
            kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


def open_orders_match(run: Run) -> bool:
    """Open orders as the daemon reads them (after the faults) against okxsim's own list."""
    exchange = sorted(o["ordId"] for o in sim_get(run.sim_port, "/__sim__/orders")["orders"]
                      if o.get("instId") == "BTC-USDT" and o.get("state") in ("live", "partially_filled"))
    for _ in range(20):  # the account mirror catches up with the last pushes
        answer = post(run.daemons[0].port, "orders", {"symbol": "BTC_USDT"}, time.time_ns()) or {}
        read = sorted(o["id"].split(",")[1] for o in answer.get("data", []))
        if read == exchange:
            return True
        time.sleep(0.25)
    return False


def soak(setup: str, seconds: float, workers: int, seed: int, workdir: Path) -> dict[str, Any]:
    redis = None
    if setup == "redis":
        redis = persistent_redis(workdir).start()
    sim, sim_port = start_sim(workdir)
    daemons = start_daemons(workdir, sim_port, setup, redis.url if redis else None)
    run = Run(daemons, sim_port, seed)
    try:
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=worker, args=(run, i, until), daemon=True) for i in range(workers)]
        for t in threads:
            t.start()
        injected = inject(run, sim_port, daemons, redis, until, random.Random(seed))
        for t in threads:
            t.join(60)
        sim_post(sim_port, "/__sim__/ws", {"action": "resume"})
        post_clear(sim_port)
        repeat_unanswered(run)
        return {"setup": setup, "seconds": seconds, "workers": workers, "seed": seed, "faults": injected,
                **verdict(run)}
    finally:
        for d in daemons:
            d.proc.stop()
        sim.stop()
        if redis is not None:
            redis.stop()


def post_clear(sim_port: int) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{sim_port}/__sim__/faults", method="DELETE"),
                           timeout=5).read()


def failed(result: dict[str, Any]) -> bool:
    return bool(result["doubled"] or result["differing"] or result["ghosts"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    p.add_argument("--setup", choices=sorted(SETUPS), action="append", help="rest, ws or redis (repeatable)")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=6)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args(argv)
    results = []
    for setup in args.setup or ["rest"]:
        with tempfile.TemporaryDirectory(prefix=f"chaos-{setup}-") as workdir:
            results.append(soak(setup, args.seconds, args.workers, args.seed, Path(workdir)))
        print(json.dumps(results[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 1 if any(failed(r) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["FAULTS", "main", "soak"]
