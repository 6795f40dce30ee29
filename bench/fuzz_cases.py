"""What ``python -m bench.fuzz`` sends: generated request bodies and HTTP-level abuses.

Plain ``random`` with a seed, not hypothesis: a run sends 10⁵ cases and must spend its time
in the daemon, not in the generator. Every case is reproducible from ``(seed, index)``.

A :class:`Case` is either a body (POSTed on a kept-alive connection, with an ``Http-Method``
and an exchange path that may be odd too) or raw bytes for a fresh connection, with what the
daemon must answer: a JSON object (``expect="json"``, any status) or nothing at all because
the client hangs up first (``expect="none"``). ``slow`` cases send their bytes in pieces and
stop before the request is complete: the daemon must answer 408 by itself.
"""

from __future__ import annotations

import json
import random
from typing import Any

import attrs

DEMO = {"access_key": "okxsim-demo-key", "secret_key": "okxsim-demo-secret,okxsim-demo-pass"}
METHODS = ["ticker", "depth", "trades", "records", "markets", "tickers", "accounts", "assets", "trade", "orders",
           "order", "historyorders", "cancel", "positions", "setmarginlevel", "fundings",
           "_api/api/v5/account/config", "__api_/api/v5/market/ticker", "_api/api/v5/asset/withdrawal",
           "_api/api/v5/users/subaccount/apikey", "_api/../../etc/passwd", "_api/http://evil.example/",
           "TICKER", "nope", "ticker\ncall forged", "\u202eticker", "_api/api/v5/" + "a" * 200]
PARAMS = ["symbol", "type", "price", "amount", "id", "limit", "period", "since", "marginLevel", "instId", "sz", "px"]
PLAUSIBLE = ["BTC_USDT", "ETH_USDT", "BTC_USDT.swap", "BTC_USD.quarter", "buy", "sell", "closebuy", "-1", "0.001",
             "30000", "60", "3600", "ETH-USDT,123", 5, -1, 0.5, 10**18]
#: numbers as JSON text, the odd ones the issue names and their neighbours
ODD_NUMBERS = ["1e600000", "1e1000000", "-1e999999999", "1E400", "1e-400", "-0", "0e99999", "1.5e308", "2e308",
               "4.9e-324", "1e-325", "18446744073709551615", "18446744073709551616", "-9223372036854775809",
               "9" * 30, "1" * 4400, "0." + "0" * 5000 + "1", "1" + "0" * 300 + ".5", "NaN", "Infinity",
               "-Infinity", "00012", "+1", ".5", "5.", "0x10", "1_000", "1e", "-", "1.7e18", "1730275031047002000"]
CONTROL = ["\x00", "\n", "\r\n", "\x1b[2J", "\x7f", "\x85", "\u2028", "\u2029", "\ud800", "\udfff", "\ufeff",
           "\u202e", "😀", "\t", "\\", '"']


@attrs.frozen
class Case:
    kind: str
    body: bytes = b""
    path: str = "/OKX"
    verb: str | None = None
    raw: bytes | None = None        # raw bytes on a fresh connection instead of a POST
    then_close: bool = False        # the client hangs up right after sending
    expect: str = "json"            # "json": a JSON object must come back; "none": nothing may
    slow: bool = False              # raw bytes trickled in, never completed
    answers: int = 1                # answers a raw case must get (pipelined requests: more)


def scalar(r: random.Random) -> Any:
    pick = r.randrange(12)
    if pick == 0:
        return None
    if pick == 1:
        return r.random() < 0.5
    if pick == 2:
        return r.randint(-(2**63), 2**64 - 1)
    if pick == 3:
        return r.uniform(-1e12, 1e12)
    if pick == 4:
        return "".join(r.choice(CONTROL + ["a", "1", " ", "é"]) for _ in range(r.randrange(1, 12)))
    if pick == 5:
        return "x" * r.randrange(100, 4000)
    if pick == 6:
        return r.choice(PLAUSIBLE)
    if pick == 7:
        return r.choice(["", " ", "-1", "0", "1e400", "BTC_USDT", "btc_usdt.swap", "USDT", "ETH-USDT,1"])
    return "".join(chr(r.randrange(32, 0x3000)) for _ in range(r.randrange(0, 20)))


def junk(r: random.Random, depth: int = 0) -> Any:
    if depth > 3 or r.random() < 0.6:
        return scalar(r)
    if r.random() < 0.5:
        return [junk(r, depth + 1) for _ in range(r.randrange(4))]
    return {str(scalar(r))[:8]: junk(r, depth + 1) for _ in range(r.randrange(4))}


def params(r: random.Random) -> dict:
    return {r.choice(PARAMS): (r.choice(PLAUSIBLE) if r.random() < 0.6 else junk(r)) for _ in range(r.randrange(6))}


def with_odd_number(r: random.Random, body: dict) -> bytes:
    """``body`` as JSON with one number replaced by an odd one, as text (json.dumps can't)."""
    marker = 314159265358979
    where = r.choice(["nonce", "param", "nested"])
    if where == "nonce":
        body["nonce"] = marker
    elif where == "param":
        body.setdefault("params", {})[r.choice(PARAMS)] = marker
    else:
        body.setdefault("params", {})["x"] = [{"y": [marker]}]
    return json.dumps(body).replace(str(marker), r.choice(ODD_NUMBERS)).encode()


def nested(r: random.Random) -> bytes:
    depth = r.choice([10, 100, 1000, 10_000, 30_000])
    opener, closer = r.choice([(b"[", b"]"), (b'{"a":', b"}")])
    closed = r.random() < 0.5
    return (b'{"params":' + opener * depth + (b"1" + closer * depth if closed else b"") + b"}")


def body_case(r: random.Random) -> Case:
    kind = r.choices(["call", "envelope", "numbers", "control", "json", "bytes", "truncated", "nested", "big"],
                     weights=[30, 15, 15, 10, 5, 5, 8, 4, 3])[0]
    call = {**DEMO, "method": r.choice(METHODS), "nonce": r.randint(1, 2**63), "params": params(r)}
    if kind == "call":
        body = json.dumps(call).encode()
    elif kind == "envelope":
        fields = {"access_key": DEMO["access_key"], "secret_key": r.choice([DEMO["secret_key"], "a,b", ",", "x"]),
                  "method": r.choice(METHODS), "nonce": r.randint(0, 2**70), "params": params(r)}
        body = json.dumps({k: (v if r.random() < 0.7 else junk(r)) for k, v in fields.items()
                           if r.random() < 0.85}).encode()
    elif kind == "numbers":
        body = with_odd_number(r, call)
    elif kind == "control":
        text = "".join(r.choice(CONTROL) for _ in range(r.randrange(1, 6)))
        field = r.choice(["method", "access_key", "secret_key", "symbol"])
        if field == "symbol":
            call["params"]["symbol"] = "BTC_USDT" + text
        else:
            call[field] = call[field] + text
        body = json.dumps(call, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass")
    elif kind == "json":
        body = json.dumps(junk(r)).encode()
    elif kind == "bytes":
        body = r.randbytes(r.randrange(300))
    elif kind == "truncated":
        text = json.dumps(call).encode()
        body = text[: r.randrange(len(text))]
    elif kind == "nested":
        body = nested(r)
    else:  # big: near the 64 kB cap, under and over (the over ones get 413 at once)
        call["params"]["pad"] = "x" * r.choice([1000, 30_000, 64_000, 65_600, 200_000])
        body = json.dumps(call).encode()
    verb = r.choice([None, None, None, "GET", "POST", "DELETE", "PATCH", "é", " post "])
    path = r.choices(["/OKX", "/okx", "/Binance", "/", "/OKX/extra", "/OKX?x=1", "/%00", "/" + "a" * 3000],
                     weights=[80, 4, 3, 3, 3, 3, 2, 2])[0]
    return Case(kind, body=body, path=path, verb=verb)


def http_request(body: bytes, path: str = "/OKX", extra: bytes = b"", version: bytes = b"HTTP/1.1") -> bytes:
    return (b"POST " + path.encode() + b" " + version + b"\r\nHost: fuzz\r\nContent-Length: %d\r\n" % len(body)
            + extra + b"\r\n" + body)


def abuse_case(r: random.Random) -> Case:
    """Protocol abuses, each on a connection of its own."""
    good = json.dumps({**DEMO, "method": "ticker", "nonce": 1, "params": {"symbol": "BTC_USDT"}}).encode()
    kind = r.choice(["oversize", "over-cap", "chunked-over-cap", "bad-chunk", "garbage", "long-header",
                     "many-headers", "tls-hello", "negative-length", "two-lengths", "pipelined", "http10",
                     "expect-continue", "hang-up", "hang-up-mid-body", "half-close", "bad-version"])
    if kind == "oversize":
        length = r.choice([10**10, 10**18, 2**63, 65_537, 10**6])
        raw = b"POST /OKX HTTP/1.1\r\nHost: fuzz\r\nContent-Length: %d\r\n\r\n" % length + b"x" * r.randrange(200_000)
    elif kind == "over-cap":
        raw = http_request(b'{"pad":"' + b"x" * 70_000 + b'"}')
    elif kind == "chunked-over-cap":
        chunk = b"x" * 30_000
        raw = (b"POST /OKX HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               + b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n")
    elif kind == "bad-chunk":
        raw = b"POST /OKX HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n"
    elif kind == "garbage":
        raw = r.choice([b"GARBAGE\r\n\r\n", b"\r\n\r\n\r\n", b"POST\r\n\r\n", b"POST /OKX\r\n\r\n",
                        r.randbytes(100).replace(b"\r\n", b"") + b"\r\n\r\n"])
    elif kind == "long-header":
        raw = http_request(good, extra=b"X-Long: " + b"a" * r.choice([10_000, 20_000, 100_000]) + b"\r\n")
    elif kind == "many-headers":
        raw = http_request(good, extra=b"".join(b"X-H%d: v\r\n" % i for i in range(r.choice([200, 600]))))
    elif kind == "tls-hello":
        raw = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + r.randbytes(64)
    elif kind == "negative-length":
        raw = b"POST /OKX HTTP/1.1\r\nHost: fuzz\r\nContent-Length: -5\r\n\r\n"
    elif kind == "two-lengths":
        raw = b"POST /OKX HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\n" + good
    elif kind == "pipelined":
        raw = http_request(good) + http_request(b"{}") + http_request(good, extra=b"Connection: close\r\n")
    elif kind == "http10":
        raw = http_request(good, version=b"HTTP/1.0")
    elif kind == "expect-continue":
        raw = http_request(good, extra=b"Expect: 100-continue\r\nConnection: close\r\n")
    elif kind == "hang-up":  # a whole call, and gone before the answer
        return Case(kind, raw=http_request(good), then_close=True, expect="none")
    elif kind == "hang-up-mid-body":
        raw = http_request(good)
        return Case(kind, raw=raw[: len(raw) - r.randrange(1, len(good))], then_close=True, expect="none")
    elif kind == "half-close":
        raw = http_request(good, extra=b"Connection: close\r\n")
    else:
        raw = b"POST /OKX HTTP/9.9\r\nHost: fuzz\r\n\r\n"
    return Case(kind, raw=raw, answers=3 if kind == "pipelined" else 1)


def slow_case(r: random.Random) -> Case:
    """Bytes that never make a complete request: headers or body stop half-way."""
    good = http_request(json.dumps({**DEMO, "method": "ticker", "nonce": 1, "params": {}}).encode())
    cut = r.randrange(5, len(good) - 1)
    return Case("slow", raw=good[:cut], slow=True)


def case(seed: int, index: int, abuse_share: float = 0.05) -> Case:
    r = random.Random(seed * 1_000_003 + index)
    return abuse_case(r) if r.random() < abuse_share else body_case(r)
