# -*- test-case-name: tests.handlers.test_trade -*-
"""Reading orders: open-order lists (every page), single orders, history (7-day list, then archive)."""

from __future__ import annotations

from collections import deque
from typing import Any

from ..convert.instruments import inst_type_of
from ..convert.orders import order_from_okx, split_order_id
from ..convert.ranges import in_range, listed_kinds, parse_range
from ..convert.symbols import called_names, parse_symbol
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import int_param, text_param
from ..okx import paths
from ..okx.account_mirror import mirrored
from ..okx.paging import fetch_pages
from ..okx.session import Session, first
from .deps import Reading, gather

#: OKX keeps 7 days in orders-history; older orders only in the archive (3 months)
HISTORY_DAYS_MS = 7 * 86_400_000
DEFAULT_HISTORY_LIMIT = 100
ORDER_KINDS = ("SPOT", "MARGIN", "SWAP", "FUTURES")


async def fmz_orders(deps: Reading, session: Session, items: list[dict[str, Any]],
                     called: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """FMZ orders, contracts named by horizon or, for ``called``, as the call named them."""
    names = {**await deps.instruments.aliases(session, [o["instId"] for o in items]), **(called or {})}
    return [order_from_okx(o, names.get(o["instId"], "")) for o in items]


async def orders(deps: Reading, call: Call, trace: list[str]) -> Answer:
    """Open orders of one symbol, of a range (``USDT.swap``, ``USDT.futures``), or of the
    whole account when ``symbol`` is empty."""
    session = deps.session(call, trace)
    text = text_param(call.params, "symbol", required=False)
    params: dict[str, str] = {}
    called: dict[str, str] = {}
    rng = parse_range(text) if text else None
    if rng is not None:
        params = {"instType": rng.inst_types[0]}
    elif text:
        symbol = parse_symbol(text)
        params = {"instType": inst_type_of(symbol), "instId": await deps.instruments.inst_id(session, symbol)}
        called = called_names(symbol, params["instId"])
        if symbol.is_spot:
            # instType is optional with instId: a spot pair's orders may be SPOT or MARGIN
            del params["instType"]
    account = deps.accounts.of(session.creds)
    mirror = account.mirror("orders", "orders")
    if mirror is not None:
        held = sorted((o for o in mirror.open_orders.values()
                       if (not params.get("instType") or o.get("instType") == params["instType"])
                       and (not params.get("instId") or o.get("instId") == params["instId"])
                       and (rng is None or in_range(o.get("instId", ""), rng))),
                      key=lambda o: int(o.get("ordId") or 0), reverse=True)
        return Answer(await fmz_orders(deps, session, held, called),
                      mirrored(held))
    pages = await fetch_pages(session.client, paths.ORDERS_PENDING, params, session.creds, trace=trace)
    account.answered(session)  # and its UID learnt, once
    items = [o for o in pages.items if rng is None or in_range(o.get("instId", ""), rng)]
    return Answer(await fmz_orders(deps, session, items, called), pages.raws)


async def order_inst_id(deps: Reading, session: Session, call: Call) -> tuple[str, str]:
    """``INSTID,ORDID`` carries its instrument; a bare ordId needs ``symbol``."""
    inst_id, ord_id = split_order_id(text_param(call.params, "id"))
    if not inst_id:
        text = text_param(call.params, "symbol", required=False)
        if not text:
            raise ProtocolError(f"order id {ord_id!r} has no instrument part: pass INSTID,ORDID or a symbol")
        inst_id = await deps.instruments.inst_id(session, parse_symbol(text))
    return inst_id, ord_id


async def order(deps: Reading, call: Call, trace: list[str]) -> Answer:
    session = deps.session(call, trace)
    inst_id, ord_id = await order_inst_id(deps, session, call)
    account = deps.accounts.of(session.creds)
    mirror = account.mirror("orders", "order")
    held = mirror.order(ord_id) if mirror is not None else None
    if held is not None and held.get("instId") == inst_id:
        return Answer((await fmz_orders(deps, session, [held]))[0],
                      mirrored([held]))
    reply = await session.get(paths.ORDER, {"instId": inst_id, "ordId": ord_id})
    account.answered(session)  # and its UID learnt, once
    found = first(reply, f"order {inst_id},{ord_id}")
    return Answer((await fmz_orders(deps, session, [found]))[0], reply.raw)


#: a bound on one ``since`` walk: the pages of 100 it may read per list (10 000 orders)
HISTORY_MAX_PAGES = 100


async def walk_back(session: Session, path: str, params: dict[str, Any], keep: int, after: str | None,
                    trace: list[str]) -> tuple[list[dict[str, Any]], list[Any], str | None, bool]:
    """Every order of one list down to ``begin``, newest first, keeping only the oldest ``keep``
    (memory stays at ``keep``): OKX's documented ``after`` (older than the cursor) with ``begin``
    (cTime at or after) is a walk whose end is certain, where the slice ``before`` answers is not
    documented (docs #order-book-trading-trade-get-order-history-last-7-days)."""
    kept: deque[dict[str, Any]] = deque(maxlen=keep)
    raws: list[Any] = []
    for _ in range(HISTORY_MAX_PAGES):
        query = {**params, "after": after, "limit": "100"}
        reply = await session.client.get(path, query, session.creds, trace=trace)
        raws.append(reply.raw)
        kept.extend(reply.data)
        if len(reply.data) < 100 or reply.data[-1]["ordId"] == after:
            return list(kept), raws, after if not reply.data else reply.data[-1]["ordId"], True
        after = reply.data[-1]["ordId"]
    return list(kept), raws, after, False


async def history_since(session: Session, kind: str, inst_id: str, since: int, limit: int,
                        trace: list[str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """FMZ's GetHistoryOrders with ``since``: the first ``limit`` finished orders created at or
    after it, from the 7-day list and then, when ``since`` is older, the 3-month archive."""
    params = {"instType": kind, "instId": inst_id or None, "begin": str(since)}
    recent, raws, oldest, done = await walk_back(session, paths.ORDERS_HISTORY, params, limit, None, trace)
    if done and since < session.okx_now_ms() - HISTORY_DAYS_MS:
        older, more, _, done = await walk_back(session, paths.ORDERS_HISTORY_ARCHIVE, params, limit, oldest, trace)
        seen = {o["ordId"] for o in recent}
        recent = [*recent, *(o for o in older if o["ordId"] not in seen)]
        raws.extend(more)
    if not done:
        raise ProtocolError(f"more than {HISTORY_MAX_PAGES * 100} finished orders since {since}: "
                            "pass a later since")
    return recent, raws


async def history_of(deps: Reading, session: Session, kind: str, inst_id: str, since: int, limit: int,
                     trace: list[str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Without ``since``: the latest ``limit``, newest first from the 7-day list, continuing
    into the archive for older orders. With it: :func:`history_since`."""
    if since:
        return await history_since(session, kind, inst_id, since, limit, trace)
    params = {"instType": kind, "instId": inst_id or None}
    recent = await fetch_pages(session.client, paths.ORDERS_HISTORY, params, session.creds, max_items=limit,
                               trace=trace)
    items, raws = list(recent.items), list(recent.raws)
    if len(items) < limit:
        start = {"after": items[-1]["ordId"]} if items else {}
        older = await fetch_pages(session.client, paths.ORDERS_HISTORY_ARCHIVE, {**params, **start}, session.creds,
                                  max_items=limit - len(items), trace=trace)
        seen = {o["ordId"] for o in items}
        items.extend(o for o in older.items if o["ordId"] not in seen)
        raws.extend(older.raws)
    return items, raws


async def historyorders(deps: Reading, call: Call, trace: list[str]) -> Answer:
    """FMZ's GetHistoryOrders (syntax guide): with ``since`` the query "starts from the since
    timestamp and proceeds toward the current time", returning once ``limit`` orders are found;
    without, the latest ``limit``. Oldest first, as FMZ's arrays of events are (or newest first
    with ``--history-order newest-first``, the order okxbridge answered before)."""
    session = deps.session(call, trace)
    since = int_param(call.params, "since", default=0)
    limit = int_param(call.params, "limit", default=0, maximum=10_000) or DEFAULT_HISTORY_LIMIT
    text = text_param(call.params, "symbol", required=False)
    rng = parse_range(text) if text else None
    called: dict[str, str] = {}
    if rng is not None:
        targets = [(rng.inst_types[0], "")]
    elif text:
        symbol = parse_symbol(text)
        inst_id = await deps.instruments.inst_id(session, symbol)
        targets = [(kind, inst_id) for kind in listed_kinds(inst_type_of(symbol))]
        called = called_names(symbol, inst_id)
    else:
        targets = [(kind, "") for kind in ORDER_KINDS]
    results = await gather(*(history_of(deps, session, kind, inst_id, since, limit, trace)
                             for kind, inst_id in targets))
    items = [o for found, _ in results for o in found if rng is None or in_range(o.get("instId", ""), rng)]
    items.sort(key=lambda o: (int(o.get("cTime") or 0), int(o.get("ordId") or 0)))
    chosen = items[:limit] if since else items[-limit:]
    if deps.history_order == "newest-first":
        chosen.reverse()
    return Answer(await fmz_orders(deps, session, chosen, called), [raw for _, raws in results for raw in raws])
