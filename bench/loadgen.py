"""The load generator: its own process, a raw HTTP/1.1 keep-alive client on asyncio (uvloop
when installed), ``concurrency`` connections each with one call in flight.

Run as ``python -m bench.loadgen``: it reads one JSON job per line on stdin and answers one
JSON line on stdout, so one process serves the whole run and its start-up is not timed.
A job names a target (``bridge`` or ``naive``: FMZ's protocol; ``direct``: signed OKX
calls to the emulator), a call (``ticker``, ``depth``, ``accounts``, ``trade_cancel``) and
either a duration or a number of calls.

The client is written here rather than taken from aiohttp: parsing only what the three
servers send (Content-Length, chunked, or close-delimited bodies) costs a few
microseconds a call, so the generator stays far from being the bottleneck on 2 cores.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import sys
import time
from typing import Any

from bench.okx_signing import DEMO_KEY, DEMO_PASSPHRASE, DEMO_SECRET, auth_headers

SYMBOL, INST_ID = "BTC_USDT", "BTC-USDT"
ORDER_SIZE = "0.001"
CALLS = ("ticker", "depth", "accounts", "trade_cancel")
#: calls measured only by the private-stream benchmark (bench/private.py)
EXTRA_CALLS = ("orders",)


class ResponseError(Exception):
    pass


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: Any = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.head: tuple[int, int, str, bool] | None = None  # status, body start, framing, keep-alive

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            if self.head is not None and self.head[2] == "close":
                self._finish(bytes(self.buf[self.head[1]:]), keep=False)
            else:
                self.waiter.set_exception(ResponseError(f"connection closed mid-answer: {exc}"))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is not None:
            self._parse()

    def send(self, raw: bytes) -> asyncio.Future:
        self.waiter = asyncio.get_running_loop().create_future()
        self.head = None
        self.transport.write(raw)
        return self.waiter

    def _parse(self) -> None:
        buf = self.buf
        if self.head is None:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(buf[:end]).split(b"\r\n")
            version, status = lines[0].split(b" ", 2)[:2]
            framing, length, keep = "close", -1, version == b"HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                value = value.strip().lower()
                if name == b"content-length":
                    framing, length = "length", int(value)
                elif name == b"transfer-encoding" and b"chunked" in value:
                    framing = "chunked"
                elif name == b"connection":
                    keep = value == b"keep-alive" if version != b"HTTP/1.1" else value != b"close"
            self.head = (int(status), end + 4, framing if framing != "length" else f"length:{length}", keep)
        status, start, framing, keep = self.head
        if framing.startswith("length:"):
            length = int(framing[7:])
            if len(buf) - start >= length:
                self._finish(bytes(buf[start:start + length]), keep)
                del buf[:start + length]
        elif framing == "chunked":
            body, pos = bytearray(), start
            while True:
                line_end = buf.find(b"\r\n", pos)
                if line_end < 0:
                    return
                size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
                if size == 0:
                    trailer_end = buf.find(b"\r\n\r\n", line_end)
                    if trailer_end < 0 and buf[line_end:line_end + 4] != b"\r\n\r\n":
                        return
                    stop = (trailer_end if trailer_end >= 0 else line_end) + 4
                    self._finish(bytes(body), keep)
                    del buf[:stop]
                    return
                if len(buf) < line_end + 2 + size + 2:
                    return
                body += buf[line_end + 2:line_end + 2 + size]
                pos = line_end + 2 + size + 2

    def _finish(self, body: bytes, keep: bool) -> None:
        waiter, self.waiter = self.waiter, None
        status = self.head[0]
        if not keep and self.transport is not None:
            self.transport.close()
            self.closed = True
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))


class Client:
    """A connection that is re-opened when the server closed it (the naive plugin does,
    after every answer)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn: Connection | None = None
        self.connects = 0

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.conn is None or self.conn.closed:
            _, self.conn = await asyncio.get_running_loop().create_connection(Connection, self.host, self.port)
            self.connects += 1
        if not raw:  # just connect
            return 0, b""
        return await self.conn.send(raw)

    def close(self) -> None:
        if self.conn is not None and self.conn.transport is not None:
            self.conn.transport.close()


def http_request(verb: str, path: str, host: str, headers: dict | None = None, body: bytes = b"") -> bytes:
    lines = [f"{verb} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or verb == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Caller:
    """Builds one target's requests and checks its answers."""

    nonces = itertools.count(time.time_ns())

    def __init__(self, target: str, host: str, port: int, price: str) -> None:
        self.target, self.hostport, self.price = target, f"{host}:{port}", price

    # -- FMZ's protocol (bridge and naive plugin) --------------------------------------
    async def fmz(self, client: Client, method: str, params: dict) -> Any:
        body = json.dumps({"access_key": DEMO_KEY, "secret_key": f"{DEMO_SECRET},{DEMO_PASSPHRASE}",
                           "method": method, "nonce": next(self.nonces), "params": params}).encode()
        status, content = await client.request(http_request(
            "POST", "/OKX", self.hostport, {"Content-Type": "application/json"}, body))
        if status != 200 or content.startswith(b'{"error"'):
            raise ResponseError(f"{method}: HTTP {status} {content[:200]!r}")
        return content

    # -- OKX directly -------------------------------------------------------------------
    async def okx(self, client: Client, verb: str, path: str, body: dict | None = None, signed: bool = True) -> bytes:
        text = json.dumps(body, separators=(",", ":")) if body is not None else ""
        headers = auth_headers(DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE, verb, path, text) if signed else {}
        status, content = await client.request(http_request(verb, path, self.hostport, headers, text.encode()))
        if status != 200 or b'"code": "0"' not in content[:40] and b'"code":"0"' not in content[:40]:
            raise ResponseError(f"{verb} {path}: HTTP {status} {content[:200]!r}")
        return content

    async def op(self, client: Client, call: str, record) -> None:
        """One operation; ``record(ns)`` is called once per protocol/OKX call in it."""
        t0 = time.perf_counter_ns()
        if self.target == "direct":
            if call == "ticker":
                await self.okx(client, "GET", f"/api/v5/market/ticker?instId={INST_ID}", signed=False)
            elif call == "depth":
                await self.okx(client, "GET", f"/api/v5/market/books?instId={INST_ID}&sz=20", signed=False)
            elif call == "accounts":
                await self.okx(client, "GET", "/api/v5/account/balance")
            elif call == "orders":
                await self.okx(client, "GET", f"/api/v5/trade/orders-pending?instId={INST_ID}")
            else:
                placed = json.loads(await self.okx(client, "POST", "/api/v5/trade/order", {
                    "instId": INST_ID, "tdMode": "cash", "side": "buy", "ordType": "limit", "px": self.price,
                    "sz": ORDER_SIZE, "clOrdId": f"b{next(self.nonces)}"[:32]}))
                t1 = time.perf_counter_ns()
                record(t1 - t0)
                t0 = t1
                await self.okx(client, "POST", "/api/v5/trade/cancel-order",
                               {"instId": INST_ID, "ordId": placed["data"][0]["ordId"]})
        else:
            if call in ("ticker", "depth"):
                await self.fmz(client, call, {"symbol": SYMBOL})
            elif call == "accounts":
                await self.fmz(client, "accounts", {})
            elif call == "orders":
                await self.fmz(client, "orders", {"symbol": SYMBOL})
            else:
                placed = json.loads(await self.fmz(client, "trade", {
                    "symbol": SYMBOL, "type": "buy", "price": self.price, "amount": ORDER_SIZE}))
                t1 = time.perf_counter_ns()
                record(t1 - t0)
                t0 = t1
                await self.fmz(client, "cancel", {"id": placed["data"]["id"]})
        record(time.perf_counter_ns() - t0)


#: connections kept open from one job to the next, per server, so that a job's warm-up
#: (which opens them) is not part of the timed run
POOLS: dict[tuple[str, int], list[Client]] = {}


def clients_for(host: str, port: int, count: int) -> list[Client]:
    pool = POOLS.setdefault((host, port), [])
    while len(pool) < count:
        pool.append(Client(host, port))
    return pool[:count]


def percentile(ordered: list[int], q: float) -> float:
    """Nearest-rank percentile, in microseconds."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q * len(ordered))))
    return ordered[rank - 1] / 1000


async def run_job(job: dict) -> dict:
    caller = Caller(job["target"], job["host"], job["port"], job.get("price", "1000"))
    call, concurrency = job["call"], job["concurrency"]
    per_op = 2 if call == "trade_cancel" else 1
    max_calls = job.get("max_calls") or 0
    clients = clients_for(job["host"], job["port"], concurrency)
    latencies: list[int] = []
    errors: list[str] = []
    error_count = 0
    if job.get("warmup", True):
        for c in clients:  # one at a time: 64 SYNs at once overflow a listen backlog of 50
            if c.conn is None or c.conn.closed:
                await c.request(b"")
        await asyncio.gather(*(caller.op(c, call, lambda ns: None) for c in clients))
    connects_before = sum(c.connects for c in clients)
    started = time.perf_counter()
    deadline = started + job.get("duration", 1e9)
    launched = 0

    async def worker(client: Client) -> None:
        nonlocal launched, error_count
        while time.perf_counter() < deadline and not (max_calls and launched >= max_calls):
            launched += per_op
            try:
                await caller.op(client, call, latencies.append)
            except Exception as e:  # counted and reported: a benchmark that errs says so
                error_count += 1
                if len(errors) < 3:
                    errors.append(f"{type(e).__name__}: {e}"[:300])
                if isinstance(e, OSError):
                    await asyncio.sleep(0.01)

    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "target": job["target"], "call": call, "concurrency": concurrency, "calls": len(latencies),
        "errors": error_count, "error_samples": errors, "seconds": round(elapsed, 4),
        "calls_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "p50_us": round(percentile(latencies, 0.50), 1), "p99_us": round(percentile(latencies, 0.99), 1),
        "mean_us": round(sum(latencies) / len(latencies) / 1000, 1) if latencies else float("nan"),
        "client_connects": sum(c.connects for c in clients) - connects_before,
    }


async def serve_jobs() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        result = await run_job(json.loads(line))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def main() -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve_jobs())
    else:
        uvloop.run(serve_jobs())


if __name__ == "__main__":
    main()
