"""``python -m bench.junk_flood``: issue 24's "Done when" figures, measured on real processes.

Starts the emulator and the daemon as ``twistd`` processes on 127.0.0.1 (as :mod:`bench.fuzz`
does), then, while a prober thread makes a normal ``ticker`` call every 10 ms on its own
kept-alive connection (another tenant),

1. sends ``--count`` IO calls, each with a fresh random access key and secret (OKX refuses
   every one: 50111) and a 60 kB body, from ``--concurrency`` connections;
2. sends one 2,900-item IO batch and times its refusal;
3. keeps probing ``--after`` seconds more.

It reports the daemon's RSS before, after and at its peak (VmHWM), and the prober's p50, p99
and maximum during the flood and after it. ``--repo`` runs another checkout's code (say, an
older commit exported with ``git archive``) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import procs

PAD = "x" * 60_000
IO_PATH = "_api/api/v5/account/set-position-mode"


def body(access_key: str, secret_key: str, method: str, params) -> str:
    return json.dumps({"access_key": access_key, "secret_key": secret_key, "method": method,
                       "nonce": time.time_ns(), "params": params})


def post(conn: http.client.HTTPConnection, text: str, verb: str = "GET") -> dict:
    conn.request("POST", "/OKX", body=text, headers={"Content-Type": "application/json", "Http-Method": verb})
    return json.loads(conn.getresponse().read())


class Prober(threading.Thread):
    """Another tenant: ``ticker`` every 10 ms, each call timed; ``phase`` names the current part."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.phase, self.times, self.errors = port, "before", {}, 0
        self.running = True

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while self.running:
            started = time.perf_counter()
            try:
                answer = post(conn, body("okxsim-demo-key", "okxsim-demo-secret,okxsim-demo-pass", "ticker",
                                         {"symbol": "BTC_USDT"}))
                self.errors += "data" not in answer
            except (OSError, http.client.HTTPException, ValueError):
                self.errors += 1
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.times.setdefault(self.phase, []).append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)


def flood(port: int, count: int, concurrency: int) -> dict:
    answers: dict[str, int] = {}
    lock = threading.Lock()
    left = iter(range(count))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in left:
            key = secrets.token_hex(18)
            answer = post(conn, body(key, f"{secrets.token_hex(16)},{secrets.token_hex(8)}", IO_PATH,
                                     {"posMode": "net_mode", "pad": PAD}), "POST")
            kind = str(answer.get("error", "data"))[:24]
            with lock:
                answers[kind] = answers.get(kind, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"seconds": round(time.monotonic() - started, 1), "answers": answers}


def batch_refusal(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    items = [{"instId": f"J{i}-USDT", "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "1"}
             for i in range(2900)]
    started = time.perf_counter()
    answer = post(conn, body("okxsim-demo-key", "okxsim-demo-secret,okxsim-demo-pass",
                             "_api/api/v5/trade/batch-orders", items), "POST")
    return {"ms": round((time.perf_counter() - started) * 1000, 1), "answer": str(answer.get("error"))[:160]}


def summary(times: list[float]) -> dict:
    if not times:
        return {}
    ordered = sorted(times)
    return {"calls": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "max_ms": round(ordered[-1], 1)}


def run(count: int, concurrency: int, after: float, workdir: Path) -> dict:
    sim, sim_port, _ = procs.start_emulator(workdir, 0)
    daemon, port = procs.start_daemon(workdir, sim_port, "junk", "--max-body", "400000", rate_limits=True)
    try:
        prober = Prober(port)
        prober.start()
        time.sleep(2)
        rss_before = daemon.rss_kb()
        prober.phase = "during"
        flooded = flood(port, count, concurrency)
        batch = batch_refusal(port)
        prober.phase = "after"
        time.sleep(after)
        rss_after = daemon.rss_kb()
        prober.running = False
        prober.join()
        return {"count": count, "concurrency": concurrency, "flood": flooded, "batch_2900": batch,
                "rss_kb": {"before": rss_before["VmRSS"], "after": rss_after["VmRSS"], "peak": rss_after["VmHWM"],
                           "growth": rss_after["VmRSS"] - rss_before["VmRSS"]},
                "ticker": {phase: summary(times) for phase, times in prober.times.items()},
                "prober_errors": prober.errors, "daemon_alive": daemon.popen.poll() is None}
    finally:
        daemon.stop()
        sim.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=11_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--after", type=float, default=10.0, help="seconds probed after the flood")
    parser.add_argument("--repo", type=Path, default=None, help="run the daemon from this checkout")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.repo is not None:
        procs.REPO = args.repo.resolve()
    with tempfile.TemporaryDirectory(prefix="okxbridge-junk-") as tmp:
        result = run(args.count, args.concurrency, args.after, Path(tmp))
    text = json.dumps(result, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
