"""``python -m bench``: the whole benchmark, in one run.

For each upstream latency (0 and 50 ms) it starts the emulator, the daemon and the naive
plugin, then measures every call × concurrency × target (direct to the emulator, through
the bridge, through the naive plugin), interleaved so that any drift of the machine hits
all three alike. At 0 ms a fresh daemon then serves ticker calls at concurrency 64 for
its memory curve (10⁴ and 10⁵ calls, or as many as fit in ``--rss-seconds``).

Besides ``bench/results/latest.json`` it writes PNG charts (:mod:`bench.charts`, into
``docs/charts/`` next to ``--docs``) and the results section of ``docs/benchmarks.md``,
charts above the tables; ``--report-only`` redraws both from the results file without
measuring anything.

``--quick`` is the smoke test's size: a few calls per cell, no memory curve.
``--profile`` instead runs the daemon under cProfile (twistd's ``--profiler cprofile``)
and writes the top costs to ``bench/results/profile.txt``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import procs, report
from bench.loadgen import CALLS

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = ("direct", "bridge", "naive")
#: measured for ticker and depth only: the stream-served daemon and the floor (Klein, a constant)
STREAM_TARGETS = ("stream", "floor")
STREAM_CALLS = ("ticker", "depth")
#: what the memory curve of the streaming daemon keeps subscribed: 10 instruments × tickers + books
SUBSCRIBED = ("BTC_USDT", "ETH_USDT", "LTC_USDT", "OKB_USDT", "BTC_USDT.swap", "ETH_USDT.swap", "BTC_USD.swap",
              "BTC_USDT.this_week", "BTC_USDT.next_week", "BTC_USDT.quarter")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a handful of calls per cell, no memory curve (smoke test)")
    p.add_argument("--duration", type=float, default=None, help="seconds per cell (default 2, quick 0)")
    p.add_argument("--latencies", default="0,50", help="emulator latencies in ms (default 0,50)")
    p.add_argument("--concurrency", default="1,16,64")
    p.add_argument("--calls", default=",".join(CALLS))
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--rss-calls", type=int, default=100_000, help="calls for the memory curve (0: skip)")
    p.add_argument("--rss-seconds", type=float, default=90.0, help="time cap of the memory curve")
    p.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    p.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md",
                   help="markdown file whose results section is rewritten ('-' to skip)")
    p.add_argument("--charts", type=Path, default=None,
                   help="directory for the PNG charts (default: charts/ beside --docs; '-' to skip)")
    p.add_argument("--report-only", action="store_true",
                   help="measure nothing: redraw the charts and the docs section from --out")
    p.add_argument("--daemon-option", action="append", default=[], help="extra okxbridge option (repeatable)")
    p.add_argument("--profile", action="store_true", help="profile the daemon under load instead")
    p.add_argument("--only", choices=["ledger"], help="ledger: only the order ledger's cost per trade "
                   "(memory / SQLite / Redis; see bench/ledger.py), written to its own section of --docs")
    return p.parse_args(argv)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "mem_gb": mem_gb}


class Stage:
    """One emulator latency: the emulator, the daemon and the naive plugin, started together."""

    def __init__(self, workdir: Path, latency: float, daemon_options: list[str]):
        self.latency = latency
        self.sim, self.sim_port, self.count_port = procs.start_emulator(workdir, latency)
        # "bridge" is the REST path (no market or account streams); "stream" the same daemon
        # streaming, with OKX's rate limits on
        self.daemon, self.daemon_port = procs.start_daemon(workdir, self.sim_port, f"{latency:g}ms", "--no-stream",
                                                           "--no-private-stream", *daemon_options)
        self.streamer, self.stream_port = procs.start_daemon(workdir, self.sim_port, f"{latency:g}ms-stream",
                                                             *daemon_options, rate_limits=True)
        self.naive, self.naive_port = procs.start_naive(workdir, self.sim_port, f"{latency:g}ms")
        self.floor, self.floor_port = procs.start_floor(workdir)
        self.price = procs.passive_price(self.sim_port)

    def port_of(self, target: str) -> int:
        return {"direct": self.sim_port, "bridge": self.daemon_port, "naive": self.naive_port,
                "stream": self.stream_port, "floor": self.floor_port}[target]

    def server(self, target: str):
        return {"bridge": self.daemon, "naive": self.naive, "stream": self.streamer, "floor": self.floor}.get(target)

    def stop(self) -> None:
        for proc in (self.floor, self.naive, self.streamer, self.daemon, self.sim):
            proc.stop()


def measure(loadgen: procs.LoadGen, stage: Stage, target: str, call: str, concurrency: int, **job) -> dict:
    """One cell, with what the emulator and the serving process saw during it."""
    server = stage.server(target)
    # the warm-up (connections opened, instruments cached) is left out of every count
    if target != "naive":  # it opens a connection per call anyway; a warm-up round would cost seconds
        loadgen.run(target=target, host="127.0.0.1", port=stage.port_of(target), call=call,
                    concurrency=concurrency, price=stage.price, duration=0, warmup=True)
    if target == "stream":  # the warm-up subscribed; wait for the first push (REST answers until then)
        procs.wait_streaming(stage.stream_port, call)
    conns0, reqs0 = procs.accepted(stage.count_port), procs.sim_requests(stage.sim_port)
    cpu0 = server.cpu_seconds() if server else 0.0
    result = loadgen.run(target=target, host="127.0.0.1", port=stage.port_of(target), call=call,
                         concurrency=concurrency, price=stage.price, warmup=False, **job)
    cpu1 = server.cpu_seconds() if server else 0.0
    conns1 = procs.accepted(stage.count_port) - 1  # less the /__sim__/requests look-up above
    reqs1 = procs.sim_requests(stage.sim_port)
    calls = result["calls"]
    result.update(latency_ms=stage.latency, upstream_connections=conns1 - conns0, upstream_requests=reqs1 - reqs0)
    if target != "direct":
        result["upstream_connections_per_1000"] = round(1000 * (conns1 - conns0) / calls, 2) if calls else None
        result["upstream_requests_per_call"] = round((reqs1 - reqs0) / calls, 4) if calls else None
        result["cpu_us_per_call"] = round(1e6 * (cpu1 - cpu0) / calls, 1) if calls else None
    if target in ("bridge", "stream"):
        result["daemon_rss_kb"] = stage.server(target).rss_kb()
    return result


def staleness(stage: Stage, moves: int) -> dict:
    """Push-to-answer: move BTC-USDT by 5000 (``/__sim__/price``), wait for the emulator's
    ``tickers`` push on an observer connection of our own (the bridge gets the same push at
    the same moment), then call ``ticker`` on the streaming daemon back to back until an
    answer shows the move. Each sample is the time from that push to that answer, so it
    includes one call's round trip."""
    from websockets.sync.client import connect

    samples, calls, rest0 = [], 0, procs.sim_requests(stage.sim_port)
    fmz = procs.FmzConnection(stage.stream_port)
    observer = connect(f"ws://127.0.0.1:{stage.sim_port}/ws/v5/public")
    try:
        observer.send(json.dumps({"op": "subscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}))
        fmz.call("ticker", {"symbol": "BTC_USDT"})
        procs.wait_streaming(stage.stream_port, "ticker")
        for i in range(moves):
            target = 40_000 if i % 2 == 0 else 45_000
            procs.sim_post(stage.sim_port, "/__sim__/price", {"instId": "BTC-USDT", "price": str(target)})
            while True:
                push = json.loads(observer.recv(timeout=10))
                if "data" in push and abs(float(push["data"][0]["last"]) - target) < 500:
                    break
            pushed = time.perf_counter_ns()
            while True:
                last = fmz.call("ticker", {"symbol": "BTC_USDT"})["data"]["last"]
                calls += 1
                if abs(last - target) < 500:
                    break
            samples.append(time.perf_counter_ns() - pushed)
    finally:
        observer.close()
        fmz.close()
    samples.sort()

    def pct(q: float) -> float:
        return round(samples[max(0, min(len(samples) - 1, int(q * len(samples) + 0.999) - 1))] / 1000, 1)

    rest = procs.sim_requests(stage.sim_port) - rest0  # OKX requests only: /__sim__ controls are not counted
    return {"latency_ms": stage.latency, "moves": moves, "calls": calls, "p50_us": pct(0.5), "p99_us": pct(0.99),
            "max_us": round(samples[-1] / 1000, 1), "rest_requests": rest}


def memory_curve(loadgen: procs.LoadGen, workdir: Path, sim_port: int, count_port: int, price: str,
                 total: int, seconds: float, daemon_options: list[str], stream: bool = False) -> dict:
    """A fresh daemon, ticker at concurrency 64: RSS after 10⁴ calls and after ``total``.
    ``stream``: the streaming daemon, with :data:`SUBSCRIBED` × (ticker, depth) subscribed."""
    options = daemon_options if stream else ["--no-stream", "--no-private-stream", *daemon_options]
    daemon, port = procs.start_daemon(workdir, sim_port, "memory-stream" if stream else "memory", *options)
    try:
        curve = {"call": "ticker", "concurrency": 64, "latency_ms": 0, "rss_kb_at_start": daemon.rss_kb()["VmRSS"]}
        if stream:
            fmz = procs.FmzConnection(port)
            for symbol in SUBSCRIBED:
                fmz.call("ticker", {"symbol": symbol})
                fmz.call("depth", {"symbol": symbol})
            fmz.close()
            procs.wait_streaming(port, "ticker")
            curve["subscriptions"] = 2 * len(SUBSCRIBED)
        first = min(10_000, total)
        started = time.monotonic()
        job = dict(target="stream" if stream else "bridge", host="127.0.0.1", port=port, call="ticker",
                   concurrency=64, price=price)
        conns0, reqs0, cpu0 = procs.accepted(count_port), procs.sim_requests(sim_port), daemon.cpu_seconds()
        a = loadgen.run(**job, warmup=False, max_calls=first, duration=seconds)
        curve["rss_kb_after_first"] = daemon.rss_kb()
        curve["first_calls"] = a["calls"]
        left = seconds - (time.monotonic() - started)
        b = loadgen.run(**job, warmup=False, max_calls=max(0, total - a["calls"]), duration=max(0.0, left))
        calls = a["calls"] + b["calls"]
        cpu1 = daemon.cpu_seconds()
        conns1, reqs1 = procs.accepted(count_port) - 1, procs.sim_requests(sim_port)
        after = daemon.rss_kb()
        curve.update(
            total_calls=calls, target_calls=total, seconds=round(a["seconds"] + b["seconds"], 2),
            errors=a["errors"] + b["errors"], rss_kb_after_total=after, peak_rss_kb=after["VmHWM"],
            rss_change_pct=round(100 * (after["VmRSS"] - curve["rss_kb_after_first"]["VmRSS"])
                                 / curve["rss_kb_after_first"]["VmRSS"], 2),
            calls_per_s=round(calls / (a["seconds"] + b["seconds"]), 1),
            cpu_us_per_call=round(1e6 * (cpu1 - cpu0) / calls, 1) if calls else None,
            upstream_connections_per_1000=round(1000 * (conns1 - conns0) / calls, 3) if calls else None,
            upstream_requests_per_call=round((reqs1 - reqs0) / calls, 4) if calls else None,
        )
        return curve
    finally:
        daemon.stop()


def summarise(cells: list[dict]) -> dict:
    """Bridge against direct (added latency) and against the naive plugin (throughput)."""
    index = {(c["latency_ms"], c["call"], c["concurrency"], c["target"]): c for c in cells}
    rows = []
    for (latency, call, conc, target), bridge in sorted(index.items()):
        if target != "bridge":
            continue
        row = {"latency_ms": latency, "call": call, "concurrency": conc,
               "bridge_calls_per_s": bridge["calls_per_s"], "bridge_p50_us": bridge["p50_us"],
               "bridge_p99_us": bridge["p99_us"], "cpu_us_per_call": bridge.get("cpu_us_per_call"),
               "upstream_connections_per_1000": bridge.get("upstream_connections_per_1000"),
               "upstream_requests_per_call": bridge.get("upstream_requests_per_call"),
               "errors": bridge["errors"]}
        direct = index.get((latency, call, conc, "direct"))
        if direct:
            row.update(direct_calls_per_s=direct["calls_per_s"], direct_p50_us=direct["p50_us"],
                       direct_p99_us=direct["p99_us"],
                       added_p50_us=round(bridge["p50_us"] - direct["p50_us"], 1),
                       added_p99_us=round(bridge["p99_us"] - direct["p99_us"], 1))
        naive = index.get((latency, call, conc, "naive"))
        if naive:
            row.update(naive_calls_per_s=naive["calls_per_s"], naive_p50_us=naive["p50_us"],
                       naive_p99_us=naive["p99_us"],
                       bridge_over_naive=round(bridge["calls_per_s"] / naive["calls_per_s"], 1)
                       if naive["calls_per_s"] else None)
        rows.append(row)
    return {"rows": rows}


def run_matrix(args, workdir: Path) -> dict:
    latencies = [float(x) for x in args.latencies.split(",") if x]
    concurrencies = [int(x) for x in args.concurrency.split(",") if x]
    calls = [x for x in args.calls.split(",") if x]
    targets = [x for x in args.targets.split(",") if x]
    duration = args.duration if args.duration is not None else (0.0 if args.quick else 2.0)
    cells, memory, stream_memory, stream_cells, stale = [], None, None, [], []
    stream_conc = [c for c in concurrencies if c in (1, 64)] or concurrencies
    loadgen = procs.LoadGen(workdir)
    try:
        for latency in latencies:
            stage = Stage(workdir, latency, args.daemon_option)
            try:
                for call in calls:
                    for conc in concurrencies:
                        for target in targets:
                            # quick: one op per connection; else a duration, and at least a few ops
                            job = {"max_calls": conc * (2 if call == "trade_cancel" else 1)} if args.quick \
                                else {"duration": duration}
                            cell = measure(loadgen, stage, target, call, conc, **job)
                            cells.append(cell)
                            print(f"{latency:>4g}ms {call:<12} c={conc:<3} {target:<6} {cell['calls_per_s']:>9.1f}/s "
                                  f"p50 {cell['p50_us']:>9.1f}us p99 {cell['p99_us']:>9.1f}us "
                                  f"errors {cell['errors']}", file=sys.stderr, flush=True)
                for call in [c for c in calls if c in STREAM_CALLS]:
                    for conc in stream_conc:
                        for target in STREAM_TARGETS:
                            job = {"max_calls": conc} if args.quick else {"duration": duration}
                            cell = measure(loadgen, stage, target, call, conc, **job)
                            stream_cells.append(cell)
                            print(f"{latency:>4g}ms {call:<12} c={conc:<3} {target:<6} {cell['calls_per_s']:>9.1f}/s "
                                  f"p50 {cell['p50_us']:>9.1f}us p99 {cell['p99_us']:>9.1f}us "
                                  f"req/call {cell.get('upstream_requests_per_call')}", file=sys.stderr, flush=True)
                stale.append(staleness(stage, 5 if args.quick else 200))
                print(f"staleness: {stale[-1]}", file=sys.stderr, flush=True)
                if latency == 0 and args.rss_calls and not args.quick:
                    memory = memory_curve(loadgen, workdir, stage.sim_port, stage.count_port, stage.price,
                                          args.rss_calls, args.rss_seconds, args.daemon_option)
                    print(f"memory: {memory}", file=sys.stderr, flush=True)
                    stream_memory = memory_curve(loadgen, workdir, stage.sim_port, stage.count_port, stage.price,
                                                 args.rss_calls, args.rss_seconds, args.daemon_option, stream=True)
                    print(f"memory (stream): {stream_memory}", file=sys.stderr, flush=True)
            finally:
                stage.stop()
    finally:
        loadgen.close()
    return {"cells": cells, "memory": memory, "duration_per_cell_s": duration,
            "summary": summarise(cells),
            "streaming": {"cells": stream_cells, "staleness": stale, "memory": stream_memory}}


def charts_dir(args) -> Path | None:
    if args.charts is not None:
        return None if str(args.charts) == "-" else args.charts
    return None if str(args.docs) == "-" else args.docs.parent / "charts"


def publish(args, result: dict) -> None:
    """Charts (when matplotlib is there: the ``bench`` extra) and the docs section."""
    drawn = []
    directory = charts_dir(args)
    if directory is not None:
        try:
            from bench import charts
            drawn = charts.write(result, directory)
        except ImportError as e:
            print(f"charts skipped: {e} (pip install -e '.[bench]')", file=sys.stderr)
    if str(args.docs) != "-":
        report.write(args.docs, result, drawn)
    print(report.markdown(result, report.relative(drawn, args.docs.parent if str(args.docs) != "-" else Path.cwd())))


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.report_only:
        publish(args, json.loads(args.out.read_text()))
        return 0
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="okxbridge-bench-") as tmp:
        workdir = Path(tmp)
        if args.profile:
            from bench import profile
            text = profile.run(workdir, args)
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "profile.txt").write_text(text)
            print(text)
            return 0
        if args.only == "ledger":
            from bench import ledger
            result = {"command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv),
                      "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      "machine": machine(), "ledger": ledger.run(args, workdir)}
            result["wall_seconds"] = round(time.time() - started, 1)
            out = args.out if args.out != RESULTS / "latest.json" else RESULTS / "ledger.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=1) + "\n")
            if str(args.docs) != "-":
                ledger.write(args.docs, result)
            print(ledger.markdown(result))
            return 0
        result = {
            "command": "python -m bench" + ("" if argv is None and len(sys.argv) == 1 else
                                             " " + " ".join(sys.argv[1:] if argv is None else argv)),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "daemon_options": ["--no-rate-limits", *args.daemon_option],
            **run_matrix(args, workdir),
        }
    result["wall_seconds"] = round(time.time() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    publish(args, result)
    return 0
