# -*- test-case-name: tests.handlers.test_io -*-
"""FMZ's ``exchange.IO("api", VERB, PATH, QUERY)``: a signed raw OKX call.

The path is checked before anything is signed: only ``/api/v5/…`` on the configured OKX
host, no scheme, host, ``..``, query or fragment smuggled in — the daemon signs with the
trader's key, so it must not be talked into sending that signature anywhere else.
Then the IO policy (:mod:`okxbridge.convert.io_policy`) decides whether that OKX endpoint may be reached at
all: withdrawals, transfers, sub-accounts and API keys are refused by default.
"""

from __future__ import annotations

import re

from ..convert.io_policy import IoPolicy
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.io_call import IO_PREFIXES, IO_VERBS
from .deps import Raw

_SAFE_PATH = re.compile(r"^/api/v5(/[A-Za-z0-9_-]+)+$")
#: OKX's longest v5 path is about 60 characters; a longer one is junk (and would be logged)
MAX_PATH = 120
DEFAULT_POLICY = IoPolicy.create()
#: OKX's batch endpoints (batch-orders, cancel-batch-orders, amend-batch-orders) take at most
#: 20 items (docs: "Place multiple orders"); a longer array is refused before any rate bucket
#: is made for its items (issue 24: 2,900-item bodies left 60,905 buckets behind)
MAX_BATCH_ITEMS = 20
#: OKX instrument ids: BTC-USDT, BTC-USD-SWAP, BTC-USD-250328-90000-C (docs: "Get instruments"),
#: or a comma list of them where an endpoint takes several (account/positions: up to 10)
_INST_ID = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+){0,6}")
MAX_INST_ID, MAX_INST_IDS = 40, MAX_BATCH_ITEMS


def io_path(method: str) -> str:
    """``_api/api/v5/x`` or ``__api_//api/v5/x`` → ``/api/v5/x``, or an error naming the path."""
    path = method
    for prefix in IO_PREFIXES:
        if method.startswith(prefix):
            path = method[len(prefix):]
            break
    path = "/" + path.lstrip("/")
    if len(path) > MAX_PATH:
        raise ProtocolError(f"IO path {path[:40]!r}… refused: {len(path)} characters, OKX's paths are shorter "
                            f"than {MAX_PATH}")
    if not _SAFE_PATH.match(path):
        raise ProtocolError(f"IO path {path[:80]!r} refused: only /api/v5/<endpoint> paths of OKX are allowed")
    return path


async def io(deps: Raw, call: Call, trace: list[str], *, policy: IoPolicy = DEFAULT_POLICY) -> Answer:
    path = io_path(call.method)
    verb = call.http_method
    if verb not in IO_VERBS:
        raise ProtocolError(f"IO verb {verb[:10]!r} refused: use {' or '.join(IO_VERBS)} (OKX v5 has no other)")
    policy.check(path)
    session = deps.session(call, trace)
    client = session.client
    if isinstance(call.params, list) and verb == "GET":
        raise ProtocolError(f"IO GET {path}: a query is an object of parameters, got an array "
                            "(arrays are bodies of POST endpoints such as /api/v5/trade/batch-orders)")
    check_body(path, call.params)
    # an OKX error (code != "0", or every item of a write failed) raises OkxError, which the
    # protocol answers as {"error": "OKX <code>: <msg> (<verb> <path>)", "raw": OKX's answer},
    # as FMZ's sample plugin does: a strategy checking the result for null sees the failure
    if verb == "GET":
        reply = await client.request(verb, path, params=call.params, creds=session.creds, trace=trace)
    else:
        reply = await client.request(verb, path, body=call.params, creds=session.creds, trace=trace)
    return Answer(reply.raw, reply.raw)


def check_body(path: str, params: object) -> None:
    """An array body holds at most :data:`MAX_BATCH_ITEMS` objects, and every ``instId`` (of
    an item, or of an object body) is an instrument id — checked before the rate limiter
    keys a bucket by it."""
    items = params if isinstance(params, list) else [params]
    if len(items) > MAX_BATCH_ITEMS:
        raise ProtocolError(f"IO POST {path}: {len(items)} items in the array; OKX's batch endpoints take at most "
                            f"{MAX_BATCH_ITEMS} — send them in several calls")
    for index, item in enumerate(items):
        where = f"item {index}" if isinstance(params, list) else "params"
        if not isinstance(item, dict):
            raise ProtocolError(f"IO POST {path}: {where} must be an object")
        inst_id = item.get("instId")
        if inst_id is not None and not valid_inst_ids(inst_id):
            raise ProtocolError(f"IO {path}: {where} has an invalid instId (an OKX instrument id such as "
                                f"BTC-USDT-SWAP, at most {MAX_INST_ID} characters, or up to {MAX_INST_IDS} "
                                "of them separated by commas)")


def valid_inst_ids(value: object) -> bool:
    if not isinstance(value, str) or len(value) > (MAX_INST_ID + 1) * MAX_INST_IDS:
        return False
    ids = value.split(",")
    return len(ids) <= MAX_INST_IDS and all(len(i) <= MAX_INST_ID and _INST_ID.fullmatch(i) for i in ids)
