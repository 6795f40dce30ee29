"""Placing an order exactly once, whatever the network does.

Every order carries a ``clOrdId`` derived from the call's nonce. When the place-order
request gets no clear answer (timeout, reset, 5xx, OKX's 50004 "endpoint timeout"), OKX
may or may not have taken the order, so it is never blindly sent again: the order is
looked up by ``clOrdId`` (a read, retried), and placed once more only when OKX says it
does not exist.

OKX refuses a repeated ``clOrdId`` only while the first order is live (spec "Verified for
the fidelity work" §1), so a filled market order would be placed again by a repeat: what
stops that is the order ledger (:mod:`.placement`, :mod:`okxbridge.desk`). A call
repeated with the same nonce and the same order gets the first order's id — after a
hang-up, a restart or on another instance; with another order it is refused.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from twisted.internet.task import deferLater
from twisted.logger import Logger

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import decimal_param, text_param
from ..desk.claims import ORDER, content_fingerprint
from ..okx.errors import OkxError, OkxTransportError
from ..okx.retry import outcome_unknown
from .context import Bridge, Session, first
from ..convert.intents import client_order_id, order_body, parse_intent
from .margin import asked_margin_mode, contract_plan
from ..convert.orders import order_id
from ..desk.placement import exactly_once, shielded
from ..convert.symbols import parse_symbol
from ..desk.write_transport import send_write

log = Logger()
PLACE_PATH = "/api/v5/trade/order"
ORDER_PATH = "/api/v5/trade/order"
CANCEL_PATH = "/api/v5/trade/cancel-order"
#: the write whose outcome a look-up resolves → the request it was
WRITE_PATHS = {"place": PLACE_PATH, "cancel": CANCEL_PATH}


async def trade(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    p = call.params
    symbol = parse_symbol(text_param(p, "symbol"))
    intent = parse_intent(text_param(p, "type"), not symbol.is_spot)
    price = decimal_param(p, "price", required=False)
    amount = decimal_param(p, "amount")
    ord_type = text_param(p, "ordType", required=False) or "limit"
    session = bridge.session(call, trace)
    inst = await bridge.instruments.instrument(session, symbol)
    td_mode = asked_margin_mode(p)
    if symbol.is_spot and td_mode in ("cross", "isolated"):
        # OKX files such orders under instType MARGIN, which orders/historyorders do not list
        raise ProtocolError("spot margin trading is not supported by okxbridge: spot orders are cash orders")
    if not symbol.is_spot and td_mode == "cash":
        raise ProtocolError(f"marginMode cash is for spot: {symbol.fmz} trades cross or isolated")
    cl_ord_id = client_order_id(call.nonce)
    # price, size and minimums checked before anything is claimed or sent (pure); a spot
    # order's body is final here, a contract's tdMode/posSide/reduceOnly come from its plan
    checked = order_body(inst, intent, price, amount, cl_ord_id=cl_ord_id, td_mode=td_mode, ord_type=ord_type)

    async def body() -> dict[str, Any]:
        if symbol.is_spot:
            return checked
        # read inside the claimed work: a repeat is answered from the ledger before the
        # positions (which the first order changed) are read again
        _, plan = await contract_plan(bridge, session, inst, intent, amount, td_mode)
        return order_body(inst, intent, price, amount, cl_ord_id=cl_ord_id, td_mode=td_mode, plan=plan,
                          ord_type=ord_type)

    # the call as the strategy made it, not the body: a close's body depends on positions
    content = content_fingerprint({"instId": inst.inst_id, "side": intent.side, "offset": intent.offset,
                                   "price": "market" if "px" not in checked else checked["px"],
                                   "amount": checked["sz"], "marginMode": td_mode, "ordType": checked["ordType"]})
    fmz_id, raw = await shielded(bridge, (session.creds.fingerprint, ORDER, cl_ord_id, content),
                                 lambda: place_recorded(bridge, session, call.nonce, inst.inst_id, cl_ord_id,
                                                        content, body))
    bridge.wrote(session, fmz_id.partition(",")[2])
    return Answer({"id": fmz_id}, raw)


async def place_recorded(bridge: Bridge, session: Session, nonce: int, inst_id: str, cl_ord_id: str,
                         content: str, body: Callable[[], Awaitable[dict[str, Any]]]):
    """:func:`place_once` under the ledger's claim for this nonce (:mod:`.placement`)."""
    named = {"instId": inst_id, "clOrdId": cl_ord_id}

    async def send():
        ord_id, raw = await place_once(bridge, session, await body())
        return order_id(inst_id, ord_id), raw

    async def look_up():
        found = await resolve(bridge, session, named, OkxTransportError("unfinished", "claimed before a restart"),
                              "place")
        return order_id(inst_id, found["ordId"]) if found is not None else None

    return await exactly_once(bridge, session.creds, ORDER, nonce, cl_ord_id, content, send, look_up)


async def place_once(bridge: Bridge, session: Session, body: dict[str, Any]) -> tuple[str, Any]:
    placed_again = False
    while True:
        try:
            reply = await send_write(bridge, session, PLACE_PATH, body)
            return first(reply, f"order id for {body['clOrdId']}")["ordId"], reply.raw
        except OkxError as e:
            if e.code in ("51016", "51011"):  # this clOrdId is already an order: ours, from a repeat
                return await existing_order(session, body, e), None
            if not outcome_unknown(e):
                raise
            log.warn("order {clOrdId} on {instId}: {error}; resolving by reading it back",
                     clOrdId=body["clOrdId"], instId=body["instId"], error=str(e))
            try:
                found = await resolve(bridge, session, body, e, "place")
            except OkxError:
                count_uncertain(bridge, "unknown")
                raise
            count_uncertain(bridge, "placed" if found is not None else "absent")
            if found is not None:
                return found["ordId"], None
            if placed_again:
                raise OkxError("uncertain", f"order {body['clOrdId']} could not be placed: {e}",
                               "POST", PLACE_PATH) from None
            placed_again = True  # OKX confirmed it has no such order: placing it now cannot double it


async def existing_order(session: Session, body: dict[str, Any], duplicate: OkxError) -> str:
    """OKX said this ``clOrdId`` is taken (51016): the order exists, so its id is the answer.
    If reading it back fails or finds nothing, the call must not read as "no order": the
    error says the order may exist and how to look for it."""
    try:
        found = await find_order(session, body)
    except OkxError as e:
        found, why = None, f"reading it back failed: {e}"
    else:
        why = "reading it back found nothing yet"
    if found is not None and found.get("ordId"):
        return found["ordId"]
    cl_ord_id, inst_id = body["clOrdId"], body["instId"]
    raise OkxError(duplicate.code, f"OKX says an order with clOrdId {cl_ord_id} already exists on {inst_id} "
                   f"({duplicate.msg}), but {why}. The order may exist: check with exchange.GetOrders() or "
                   f"`okxbridge-call io GET /api/v5/trade/order instId={inst_id} clOrdId={cl_ord_id}` before "
                   f"placing it again", "POST", PLACE_PATH) from None


def count_uncertain(bridge: Bridge, outcome: str) -> None:
    bridge.client.metrics.uncertain_order(outcome)
    bridge.resolving.done(outcome)


async def find_order(session: Session, body: dict[str, Any]) -> dict[str, Any] | None:
    """The order named by ``body``'s ``ordId`` or ``clOrdId``, or None when OKX has none."""
    ref = {"ordId": body["ordId"]} if "ordId" in body else {"clOrdId": body["clOrdId"]}
    try:
        reply = await session.get(ORDER_PATH, {"instId": body["instId"], **ref})
    except OkxError as e:
        if e.code == "51603":
            return None
        raise
    return reply.data[0] if reply.data else None


async def resolve(bridge: Bridge, session: Session, body: dict[str, Any], cause: OkxError,
                  write: str) -> dict[str, Any] | None:
    """Look the order up until OKX answers clearly: the order, or None when it does not exist.
    Listed on /status (``orders_resolving``) while it runs."""
    last: OkxError = cause
    with bridge.resolving.track(session.creds.fingerprint, body, write, cause) as shown:
        for delay in bridge.resolve_delays:
            await deferLater(bridge.clock, delay, lambda: None)
            shown.lookups += 1
            try:
                return await find_order(session, body)
            except OkxError as e:
                last = e
                shown.last_error = str(e)[:200]
    name = body.get("ordId") or body.get("clOrdId")
    raise OkxError("uncertain", f"the outcome for order {name} on {body['instId']} is unknown "
                   f"(OKX did not answer: {last}); check open orders before acting again", "POST", WRITE_PATHS[write])


async def state_after_unknown_write(bridge: Bridge, session: Session, body: dict[str, Any]) -> str:
    """The state of an order after a write whose outcome is unknown ("not_found" if none)."""
    found = await resolve(bridge, session, body, OkxTransportError("timeout", "no answer"), "cancel")
    return found.get("state", "") if found is not None else "not_found"
