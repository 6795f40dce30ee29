"""``python -m bench.fuzz`` (or ``tox -e fuzz``): fuzz a running daemon at scale.

Starts the emulator and the daemon as separate ``twistd`` processes on loopback (as the
benchmark does, :mod:`bench.procs`), then sends ``--count`` generated bodies and protocol
abuses (:mod:`bench.fuzz_cases`) from ``--concurrency`` connections, while

- a pool of slow clients keeps trickling requests that never complete (the daemon must cut
  each with a 408 by itself),
- now and then a burst of connections goes past ``--max-connections`` (503 for the excess),
- a separate prober process makes a normal ``ticker`` call every 10 ms on its own
  kept-alive connection and times each one.

It reports crashes (the daemon exiting, an ``internal error`` answer, a traceback in the
daemon's log: must be 0), non-JSON answers (any answer that is not one JSON object with
``data`` or ``error``, and any expected answer that never came: must be 0) and the slowest
normal call (must stay under 100 ms). Exit status 0 when all three hold. Everything stops
by itself; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench import procs
from bench.fuzz_cases import DEMO, Case, case, slow_case

ANSWER_TIMEOUT = 15.0
SLOWEST_ALLOWED_MS = 100.0
# a cap the flood passes within the 1 s read deadline even on a loaded machine (each connection
# is cut 1 s after it opens, so the flood must hold more than the cap open at once)
DAEMON_OPTIONS = ("--timeout", "3", "--deadline", "3", "--read-timeout", "1", "--max-connections", "100")
FLOOD = 175


class Tally:
    def __init__(self):
        self.sent = Counter()       # cases sent, by kind
        self.statuses = Counter()   # HTTP statuses seen
        self.non_json: list[str] = []
        self.internal: list[str] = []
        self.stalled: list[str] = []
        self.overflow = 0           # 503s from the connection floods
        self.flood_failed = 0       # flood connections the kernel refused

    def answer(self, kind: str, status: int, body: bytes) -> None:
        self.statuses[status] += 1
        try:
            decoded = json.loads(body)
            ok = isinstance(decoded, dict) and (("data" in decoded) != ("error" in decoded))
            if ok and "error" in decoded:
                ok = isinstance(decoded["error"], str) and bool(decoded["error"]) and "\n" not in decoded["error"]
        except ValueError:
            decoded, ok = None, False
        if not ok:
            self.non_json.append(f"{kind}: HTTP {status} {body[:120]!r}")
        elif "error" in decoded and decoded["error"].startswith("internal error"):
            self.internal.append(f"{kind}: {decoded['error'][:200]}")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes] | None:
    """One HTTP response (1xx ones skipped), or None when the connection closed first."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if 100 <= status < 200:
            continue
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        else:
            body = await reader.read()
        return status, headers, body


class BodyWorker:
    """POSTs body cases on one kept-alive connection, reconnecting when the daemon closes it."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally = port, tally
        self.reader = self.writer = None

    async def send(self, c: Case) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        verb = b"" if c.verb is None else b"Http-Method: " + c.verb.encode("utf-8") + b"\r\n"
        self.writer.write(b"POST " + c.path.encode() + b" HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/json"
                          b"\r\nContent-Length: %d\r\n" % len(c.body) + verb + b"\r\n" + c.body)
        try:
            await self.writer.drain()
            response = await asyncio.wait_for(read_response(self.reader), ANSWER_TIMEOUT)
        except (ConnectionError, asyncio.IncompleteReadError):
            response = None
        except asyncio.TimeoutError:
            self.tally.stalled.append(f"{c.kind}: no answer within {ANSWER_TIMEOUT:g}s")
            await self.close()
            return
        if response is None:
            self.tally.non_json.append(f"{c.kind}: connection closed without an answer ({len(c.body)} bytes sent)")
            await self.close()
            return
        status, headers, body = response
        self.tally.answer(c.kind, status, body)
        if headers.get("connection", "").lower() == "close":
            await self.close()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except ConnectionError:
                pass
        self.reader = self.writer = None


async def send_raw(port: int, c: Case, tally: Tally) -> None:
    """One abuse on a fresh connection: every answer that comes must be JSON."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(c.raw)
        if c.then_close:
            await writer.drain()
            return
        sending = asyncio.ensure_future(writer.drain())
        answers = 0
        while True:
            try:
                response = await asyncio.wait_for(read_response(reader), ANSWER_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                break
            except asyncio.TimeoutError:
                tally.stalled.append(f"{c.kind}: no answer within {ANSWER_TIMEOUT:g}s")
                break
            if response is None:
                break
            answers += 1
            tally.answer(c.kind, response[0], response[2])
            if response[1].get("connection", "").lower() == "close" or answers >= c.answers:
                break
        sending.cancel()
        if answers == 0:
            tally.non_json.append(f"{c.kind}: connection closed without an answer")
    finally:
        writer.close()


async def slow_client(port: int, tally: Tally, seed: int, until: list[bool]) -> None:
    index = 0
    while not until:
        c = slow_case(random.Random(seed * 7919 + index))
        index += 1
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for piece in (c.raw[: len(c.raw) // 2], c.raw[len(c.raw) // 2:]):
                try:
                    writer.write(piece)
                    await writer.drain()
                except ConnectionError:
                    break  # refused already (a 503 in a flood): its answer is read below
                await asyncio.sleep(0.2)
            response = await asyncio.wait_for(read_response(reader), ANSWER_TIMEOUT)
            tally.sent["slow"] += 1
            if response is None:
                tally.non_json.append("slow: closed without the 408")
            else:
                tally.answer("slow", response[0], response[2])
        except asyncio.TimeoutError:
            tally.stalled.append("slow: the daemon never cut a request that did not complete")
        except ConnectionError:
            tally.non_json.append("slow: connection reset instead of the 408")
        finally:
            writer.close()


async def flood(port: int, tally: Tally) -> None:
    """More connections at once than ``--max-connections``: the excess is answered 503."""
    live = []
    for _ in range(0, FLOOD, 25):  # in batches: past the listen backlog (50) SYNs would be dropped
        opened = await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port) for _ in range(25)],
                                      return_exceptions=True)
        live += [o for o in opened if not isinstance(o, BaseException)]
        tally.flood_failed += sum(isinstance(o, BaseException) for o in opened)
    reads = await asyncio.gather(*[asyncio.wait_for(read_response(r), 0.5) for r, _ in live], return_exceptions=True)
    for response in reads:
        if isinstance(response, tuple):
            tally.overflow += response[0] == 503
            tally.answer("flood", response[0], response[2])
    for _, writer in live:
        writer.close()
    tally.sent["flood"] += len(live)


async def fuzz(port: int, count: int, concurrency: int, seed: int, daemon: procs.Proc, progress: bool) -> Tally:
    tally = Tally()
    done: list[bool] = []
    slow = [asyncio.ensure_future(slow_client(port, tally, seed + i, done)) for i in range(10)]
    indexes = iter(range(count))
    workers = [BodyWorker(port, tally) for _ in range(concurrency)]
    started = time.monotonic()

    async def run(worker: BodyWorker) -> None:
        for index in indexes:
            c = case(seed, index)
            tally.sent[c.kind] += 1
            if c.raw is None:
                await worker.send(c)
            else:
                await send_raw(port, c, tally)
            if index and index % 25_000 == 0:
                await flood(port, tally)
            if progress and index and index % 10_000 == 0:
                print(f"  {index} cases, {time.monotonic() - started:.0f}s, daemon alive: "
                      f"{daemon.popen.poll() is None}", file=sys.stderr, flush=True)
            if daemon.popen.poll() is not None:
                return
    await asyncio.gather(*[run(w) for w in workers])
    await flood(port, tally)
    done.append(True)
    await asyncio.gather(*slow)
    for w in workers:
        await w.close()
    return tally


# --- the normal call beside it --------------------------------------------------------------

def probe(port: int) -> int:
    """Runs in its own process: a ticker call every 10 ms until stdin closes; prints timings."""
    import http.client
    import select
    import threading

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings, failures, nonce = [], [], 1
    body = {**DEMO, "method": "ticker", "params": {"symbol": "BTC_USDT"}}
    print("ready", flush=True)
    while not stop.is_set():
        nonce += 1
        data = json.dumps({**body, "nonce": nonce})
        began = time.perf_counter()
        try:
            conn.request("POST", "/OKX", body=data, headers={"Content-Type": "application/json"})
            answer = json.loads(conn.getresponse().read())
            timings.append((time.perf_counter() - began) * 1000)
            if "data" not in answer:
                failures.append(str(answer)[:200])
        except (OSError, http.client.HTTPException, ValueError) as e:
            failures.append(f"{type(e).__name__}: {e}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        select.select([], [], [], 0.01)
    timings.sort()
    print(json.dumps({"calls": len(timings), "failures": failures[:20], "failed": len(failures),
                      "max_ms": round(timings[-1], 2) if timings else None,
                      "p50_ms": round(timings[len(timings) // 2], 2) if timings else None,
                      "p99_ms": round(timings[int(len(timings) * 0.99)], 2) if timings else None}), flush=True)
    return 0


def log_problems(log: Path) -> list[str]:
    text = log.read_text(errors="replace") if log.exists() else ""
    markers = ("Traceback", "Unhandled Error", "Temporarily disabling observer", "unexpected error")
    return [line[:200] for line in text.splitlines() if any(m in line for m in markers)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=100_000, help="generated bodies and abuses to send")
    p.add_argument("--concurrency", type=int, default=8, help="connections sending them at once")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    p.add_argument("--probe", type=int, metavar="PORT", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true")
    options = p.parse_args(argv)
    if options.probe:
        return probe(options.probe)
    with tempfile.TemporaryDirectory(prefix="okxbridge-fuzz-") as tmp:
        workdir = Path(tmp)
        sim, sim_port, _ = procs.start_emulator(workdir, 0)
        daemon, port = procs.start_daemon(workdir, sim_port, "fuzz", *DAEMON_OPTIONS)
        prober = subprocess.Popen([sys.executable, "-m", "bench.fuzz", "--probe", str(port)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=procs.env_with(procs.REPO))
        try:
            prober.stdout.readline()  # "ready"
            began = time.monotonic()
            tally = asyncio.run(fuzz(port, options.count, options.concurrency, options.seed, daemon,
                                     not options.quiet))
            seconds = time.monotonic() - began
            prober.stdin.close()
            probed = json.loads(prober.stdout.readline())
            alive = daemon.popen.poll() is None
        finally:
            if prober.poll() is None:
                prober.kill()
            daemon.stop()
            sim.stop()
        in_log = log_problems(workdir / "okxbridge-fuzz.log")
    report = {
        "cases": options.count, "seconds": round(seconds, 1), "sent": dict(tally.sent),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "crashes": int(not alive) + len(tally.internal) + len(in_log),
        "daemon_exited": not alive, "internal_errors": tally.internal[:20], "log_problems": in_log[:20],
        "non_json": len(tally.non_json) + len(tally.stalled),
        "non_json_examples": (tally.non_json + tally.stalled)[:20],
        "overflow_503": tally.overflow, "flood_connect_failures": tally.flood_failed, "normal_calls": probed,
    }
    report["ok"] = (report["crashes"] == 0 and report["non_json"] == 0 and probed["failed"] == 0
                    and probed["max_ms"] is not None and probed["max_ms"] < SLOWEST_ALLOWED_MS)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if options.json:
        Path(options.json).write_text(text + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
