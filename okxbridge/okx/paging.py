# -*- test-case-name: tests.okx.test_paging -*-
"""Following OKX's ``after`` cursor through list endpoints (docs: #overview-pagination).

OKX lists are newest first; ``after=<cursor of the last item>`` asks for older items and a
page shorter than ``limit`` is the last one. A cursor that does not move (a misbehaving
server) ends the walk instead of looping forever.
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs

from .client import OkxClient
from .signer import Credentials


@attrs.frozen
class Pages:
    items: list[Any]
    raws: list[dict[str, Any]]


async def fetch_pages(client: OkxClient, path: str, params: Mapping[str, Any], creds: Credentials | None, *,
                      cursor: str = "ordId", page_size: int = 100, max_items: int | None = None,
                      trace: list[str] | None = None) -> Pages:
    items: list[Any] = []
    raws: list[dict[str, Any]] = []
    after: str | None = params.get("after")  # a caller may start below a cursor it already holds
    while True:
        want = page_size if max_items is None else min(page_size, max_items - len(items))
        query = {**params, "after": after, "limit": str(want)}
        reply = await client.get(path, query, creds, trace=trace)
        raws.append(reply.raw)
        items.extend(reply.data)
        if len(reply.data) < want or (max_items is not None and len(items) >= max_items):
            return Pages(items, raws)
        last = reply.data[-1]
        next_after = last[cursor] if isinstance(last, dict) else last[0]
        if next_after == after:
            return Pages(items, raws)
        after = next_after
