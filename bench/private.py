"""``python -m bench.private``: account calls from the private-stream mirror vs REST, and
trade+cancel over the private WebSocket vs REST (issue #17's figures).

For each emulator latency (0 and 50 ms: the emulator delays REST answers and WebSocket order
operations alike) it starts okxsim and four servers: the daemon REST-only
(``--no-private-stream``), the daemon with its account mirror (default options), the daemon
with ``--trade-over ws``, and the naive serial plugin. It measures ``accounts`` and
``orders`` (mirror, REST, naive) and ``trade_cancel`` (ws, rest) and counts the emulator's
REST requests per call. Results: ``bench/results/private.json`` and the "Private stream"
section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import procs

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- private-stream results: begin -->", "<!-- private-stream results: end -->"


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/status.json", timeout=5) as r:
        return json.loads(r.read())


def wait_in_sync(port: int, timeout: float = 15.0) -> None:
    """Open the key's private stream (its first account call) and wait until its mirror may answer."""
    fmz = procs.FmzConnection(port)
    until = time.monotonic() + timeout
    try:
        while time.monotonic() < until:
            fmz.call("accounts", {})
            accounts = status(port)["private_streams"].get("accounts") or []
            if accounts and accounts[0]["in_sync"]:
                return
            time.sleep(0.05)
    finally:
        fmz.close()
    raise RuntimeError(f"daemon on {port}: the account mirror never got in sync")


def measure(loadgen, sim_port, port, target, call, concurrency, duration, price, latency, label):
    loadgen.run(target=target, host="127.0.0.1", port=port, call=call, concurrency=concurrency, price=price,
                duration=0, warmup=True)
    reqs0 = procs.sim_requests(sim_port)
    cell = loadgen.run(target=target, host="127.0.0.1", port=port, call=call, concurrency=concurrency,
                       price=price, warmup=False, duration=duration)
    reqs = procs.sim_requests(sim_port) - reqs0
    cell.update(server=label, latency_ms=latency, upstream_requests=reqs,
                upstream_requests_per_call=round(reqs / cell["calls"], 4) if cell["calls"] else None)
    print(f"{latency:>4g}ms {call:<12} c={concurrency:<3} {label:<7} {cell['calls_per_s']:>9.1f}/s "
          f"p50 {cell['p50_us']:>9.1f}us p99 {cell['p99_us']:>9.1f}us req/call {cell['upstream_requests_per_call']} "
          f"errors {cell['errors']}", file=sys.stderr, flush=True)
    return cell


def run(args) -> dict:
    cells = []
    with tempfile.TemporaryDirectory(prefix="okxbridge-bench-private-") as tmp:
        workdir = Path(tmp)
        loadgen = procs.LoadGen(workdir)
        try:
            for latency in [float(x) for x in args.latencies.split(",")]:
                sim, sim_port, _ = procs.start_emulator(workdir, latency)
                servers = {
                    "rest": procs.start_daemon(workdir, sim_port, f"p-rest-{latency:g}", "--no-stream",
                                               "--no-private-stream"),
                    "mirror": procs.start_daemon(workdir, sim_port, f"p-mirror-{latency:g}", "--no-stream"),
                    "ws": procs.start_daemon(workdir, sim_port, f"p-ws-{latency:g}", "--no-stream",
                                             "--trade-over", "ws"),
                    "naive": procs.start_naive(workdir, sim_port, f"p-{latency:g}"),
                }
                try:
                    for label in ("mirror", "ws"):
                        wait_in_sync(servers[label][1])
                    price = procs.passive_price(sim_port)
                    for call in ("accounts", "orders"):
                        for conc in (1, 64):
                            for label in ("mirror", "rest", "naive"):
                                target = "naive" if label == "naive" else "bridge"
                                cells.append(measure(loadgen, sim_port, servers[label][1], target, call, conc,
                                                     args.duration, price, latency, label))
                    for conc in (1, 16):
                        for label in ("ws", "rest"):
                            cells.append(measure(loadgen, sim_port, servers[label][1], "bridge", "trade_cancel",
                                                 conc, args.duration, price, latency, label))
                finally:
                    for proc, _ in servers.values():
                        proc.stop()
                    sim.stop()
        finally:
            loadgen.close()
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "duration_per_cell_s": args.duration, "cells": cells}


def table(result: dict) -> str:
    lines = ["| latency | call | c | server | calls/s | p50 µs | p99 µs | REST requests / call | errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in result["cells"]:
        lines.append(f"| {c['latency_ms']:g} ms | {c['call']} | {c['concurrency']} | {c['server']} | "
                     f"{c['calls_per_s']:.0f} | {c['p50_us']:.0f} | {c['p99_us']:.0f} | "
                     f"{c['upstream_requests_per_call']} | {c['errors']} |")
    return "\n".join(lines)


def publish(result: dict, docs: Path) -> None:
    text = docs.read_text()
    run = f"_Run {result['date']}, {result['duration_per_cell_s']:g} s per cell._"
    section = f"{BEGIN}\n{run}\n\n{table(result)}\n{END}"
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n## Private stream: account mirror and orders over WebSocket\n\n" + section + "\n"
    docs.write_text(text)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.private", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--latencies", default="0,50")
    p.add_argument("--out", type=Path, default=RESULTS / "private.json")
    p.add_argument("--docs", default=str(DOCS), help="markdown file to update ('-' to skip)")
    args = p.parse_args(argv)
    result = run(args)
    args.out.write_text(json.dumps(result, indent=1))
    if args.docs != "-":
        publish(result, Path(args.docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
