"""``python -m bench --only ledger``: what the order ledger costs a trade.

Two measurements, each for no durable ledger (``--ledger memory``), SQLite (``--state-dir``,
WAL; ``sqlite`` is the default ``--ledger-sync normal``, ``sqlite-full`` fsyncs every
commit) and Redis on loopback (``--shared-state``):

* **store**: the ledger's own work per trade — the claim written before the order is sent
  plus the outcome written after — awaited one trade after another on a running reactor,
  in a process of its own (``python -m bench.ledger --store KIND``);
* **end to end**: ``trade`` + ``cancel`` through a ``twistd okxbridge`` against the emulator
  at 0 ms, at concurrency 1 and 16, the three daemons measured in interleaved rounds so
  machine drift hits them alike. "added" is the difference of the medians to memory.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import procs

KINDS = ("memory", "sqlite", "sqlite-full", "redis")


def start_redis(workdir: Path) -> tuple[subprocess.Popen, int]:
    port = procs.free_port()
    log = open(workdir / "redis.log", "wb")
    popen = subprocess.Popen([procs.redis_executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(workdir)], stdout=log, stderr=subprocess.STDOUT)
    procs.wait_for_port(procs.Proc("redis", popen, workdir / "redis.log"), port)
    return popen, port


def daemon_options(kind: str, workdir: Path, redis_port: int) -> list[str]:
    if kind == "memory":
        return ["--ledger", "memory"]
    if kind.startswith("sqlite"):
        state = workdir / f"state-{kind}"
        state.mkdir(exist_ok=True)
        return ["--state-dir", str(state), "--ledger-sync", "full" if kind == "sqlite-full" else "normal"]
    return ["--shared-state", f"redis://127.0.0.1:{redis_port}/0"]


def store_cost(kind: str, workdir: Path, redis_port: int, trades: int) -> dict:
    """The store micro-benchmark, in its own process (its own reactor)."""
    out = subprocess.run([sys.executable, "-m", "bench.ledger", "--store", kind, "--dir", str(workdir),
                          "--redis-port", str(redis_port), "--trades", str(trades)],
                         check=True, capture_output=True, text=True, env=procs.env_with(procs.REPO))
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args, workdir: Path) -> dict:
    duration = args.duration if args.duration is not None else (0.0 if args.quick else 2.0)
    rounds = 1 if args.quick else 3
    trades = 50 if args.quick else 2000
    redis, redis_port = start_redis(workdir)
    sim, sim_port, _ = procs.start_emulator(workdir, 0)
    daemons = {}
    loadgen = procs.LoadGen(workdir)
    try:
        store = {kind: store_cost(kind, workdir, redis_port, trades) for kind in KINDS}
        for kind in KINDS:
            daemons[kind] = procs.start_daemon(workdir, sim_port, f"ledger-{kind}",
                                               *daemon_options(kind, workdir, redis_port))
        wait_for_redis(daemons["redis"][1])
        price = procs.passive_price(sim_port)
        cells: dict[tuple[str, int], list[dict]] = {}
        for _ in range(rounds):
            for conc in (1, 16):
                for kind in KINDS:
                    port = daemons[kind][1]
                    loadgen.run(target="bridge", host="127.0.0.1", port=port, call="trade_cancel",
                                concurrency=conc, price=price, duration=0, warmup=True)
                    job = {"max_calls": 2 * conc} if args.quick else {"duration": duration}
                    cell = loadgen.run(target="bridge", host="127.0.0.1", port=port, call="trade_cancel",
                                       concurrency=conc, price=price, warmup=False, **job)
                    cells.setdefault((kind, conc), []).append(cell)
                    print(f"ledger {kind:<7} c={conc:<3} {cell['calls_per_s']:>8.1f}/s p50 {cell['p50_us']:>8.1f}us "
                          f"p99 {cell['p99_us']:>8.1f}us errors {cell['errors']}", file=sys.stderr, flush=True)
    finally:
        loadgen.close()
        for proc, _ in daemons.values():
            proc.stop()
        sim.stop()
        redis.terminate()
        redis.wait(10)
    end_to_end = []
    for (kind, conc), runs in cells.items():
        row = {"ledger": kind, "concurrency": conc, "rounds": len(runs),
               "calls": sum(r["calls"] for r in runs), "errors": sum(r["errors"] for r in runs),
               "calls_per_s": statistics.median(r["calls_per_s"] for r in runs),
               "p50_us": statistics.median(r["p50_us"] for r in runs),
               "p99_us": statistics.median(r["p99_us"] for r in runs)}
        end_to_end.append(row)
    base = {r["concurrency"]: r for r in end_to_end if r["ledger"] == "memory"}
    for row in end_to_end:
        row["added_p50_us"] = round(row["p50_us"] - base[row["concurrency"]]["p50_us"], 1)
        row["added_p99_us"] = round(row["p99_us"] - base[row["concurrency"]]["p99_us"], 1)
    return {"store": store, "end_to_end": end_to_end, "duration_per_cell_s": duration, "store_trades": trades}


def wait_for_redis(port: int, timeout: float = 10.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            if json.loads(r.read()).get("shared_state", {}).get("connected"):
                return
        time.sleep(0.05)
    raise RuntimeError("the --shared-state daemon did not connect to Redis")


BEGIN = "<!-- bench:ledger (written by python -m bench --only ledger; edit outside these markers) -->"
END = "<!-- /bench:ledger -->"


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"Run `{result['command']}` on {result['date']}: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}; "
             f"whole run {result.get('wall_seconds', '?')} s.", "",
             f"Store only (claim before the send + outcome after, per trade, {result['ledger']['store_trades']:,} "
             "trades one after another):", "",
             "| ledger | p50 ms | p99 ms | target (p50) |", "|---|--:|--:|---|"]
    targets = {"sqlite": 1.0, "sqlite-full": 1.0, "redis": 0.5}
    for kind, row in result["ledger"]["store"].items():
        target = targets.get(kind)
        met = "–" if target is None else (f"≤ {target:g} ms: {'yes' if row['p50_us'] / 1000 <= target else '**no**'}")
        lines.append(f"| {kind} | {row['p50_us'] / 1000:.3f} | {row['p99_us'] / 1000:.3f} | {met} |")
    lines += ["", "End to end (`trade` and `cancel` calls through the daemon, 0 ms upstream; each call "
              "writes a claim and its outcome):", "",
              "| ledger | c | calls/s | p50 ms | p99 ms | added p50 ms | added p99 ms | errors |",
              "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in sorted(result["ledger"]["end_to_end"], key=lambda r: (r["concurrency"], KINDS.index(r["ledger"]))):
        lines.append(f"| {r['ledger']} | {r['concurrency']} | {r['calls_per_s']:,.0f} | {r['p50_us'] / 1000:.2f} | "
                     f"{r['p99_us'] / 1000:.2f} | {r['added_p50_us'] / 1000:+.2f} | {r['added_p99_us'] / 1000:+.2f} | "
                     f"{r['errors']} |")
    return "\n".join(lines) + "\n"


def write(path: Path, result: dict) -> None:
    section = f"{BEGIN}\n{markdown(result)}{END}"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Order ledger: cost per trade\n\n" + section + "\n"
    path.write_text(text)


# -- the store micro-benchmark, run as python -m bench.ledger --store KIND ----------------

async def measure_store(reactor, kind: str, workdir: Path, redis_port: int, trades: int) -> dict:
    from okxbridge.desk.claims import DONE, ORDER, Claim, ClaimKey
    from okxbridge.desk.memory import MemoryLedger
    from okxbridge.desk.redis import RedisLedger
    from okxbridge.desk.sqlite import SqliteLedger
    from okxbridge.shared.connection import RedisAddress, RedisConnection

    redis = None
    if kind == "memory":
        store = MemoryLedger()
    elif kind.startswith("sqlite"):
        store = SqliteLedger(reactor, tempfile.mkdtemp(prefix="store-", dir=workdir),
                             sync="full" if kind == "sqlite-full" else "normal")
        store.startService()
    else:
        redis = RedisConnection(reactor, RedisAddress("127.0.0.1", redis_port, 1))
        redis.startService()
        assert await redis.wait_connected(10)
        store = RedisLedger(redis, "bench")
    costs = []
    for i in range(trades):
        key = ClaimKey("b" * 16, ORDER, str(time.time_ns() + i))
        now = reactor.seconds()
        started = time.perf_counter_ns()
        assert await store.claim(Claim(key, "bench-key", False, f"fmz{i}", "c", "bench", created=now,
                                       updated=now)) is None
        await store.finish(key, "bench", DONE, f"BTC-USDT,{i}", now)
        costs.append(time.perf_counter_ns() - started)
    if kind.startswith("sqlite"):
        store.stopService()
    if redis is not None:
        await redis.stopService()
    costs.sort()
    return {"trades": trades, "p50_us": round(costs[len(costs) // 2] / 1000, 1),
            "p99_us": round(costs[min(len(costs) - 1, int(len(costs) * 0.99))] / 1000, 1)}


def main() -> None:
    import argparse

    from twisted.internet import defer, task

    p = argparse.ArgumentParser()
    p.add_argument("--store", choices=KINDS, required=True)
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--redis-port", type=int, default=6379)
    p.add_argument("--trades", type=int, default=2000)
    a = p.parse_args()

    async def go(reactor):
        print(json.dumps(await measure_store(reactor, a.store, a.dir, a.redis_port, a.trades)))
    task.react(lambda reactor: defer.Deferred.fromCoroutine(go(reactor)))


if __name__ == "__main__":
    main()
