"""Cancelling: ``true``, or why not in words (already filled, already canceled, not found).

A cancel is claimed in the order ledger like an order (:mod:`.placement`): a call repeated
with the same nonce — after a hang-up or a restart — answers ``true`` again instead of
"already canceled", and the same nonce naming another order is refused.
"""

from __future__ import annotations

from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..desk.claims import CANCEL, content_fingerprint
from ..okx.errors import OkxError
from ..okx.retry import outcome_unknown
from .context import Bridge, Session
from .order_reads import order_inst_id
from ..desk.placement import exactly_once, shielded
from .trade import CANCEL_PATH, find_order, state_after_unknown_write
from ..desk.write_transport import send_write



async def cancel(bridge: Bridge, call: Call, trace: list[str]) -> Answer:
    """``true``, or why not in words: already filled, already canceled, not found."""
    session = bridge.session(call, trace)
    inst_id, ord_id = await order_inst_id(bridge, session, call)
    body = {"instId": inst_id, "ordId": ord_id}
    content = content_fingerprint(body)

    async def send():
        answer = await cancel_once(bridge, session, body)
        return "true", answer.raw

    async def look_up():
        return None  # a cancel cannot double: sending it again is the way to find out

    _, raw = await shielded(bridge, (session.creds.fingerprint, CANCEL, call.nonce, content),
                            lambda: exactly_once(bridge, session.creds, CANCEL, call.nonce, "", content, send, look_up))
    bridge.wrote(session, ord_id, final=True)
    return Answer(True, raw)


async def cancel_once(bridge: Bridge, session: Session, body: dict[str, str]) -> Answer:
    inst_id, ord_id = body["instId"], body["ordId"]
    try:
        reply = await send_write(bridge, session, CANCEL_PATH, body)
        return Answer(True, reply.raw)
    except OkxError as e:
        if outcome_unknown(e):
            state = await state_after_unknown_write(bridge, session, body)
            if state == "canceled":
                return Answer(True)
            if state in ("live", "partially_filled"):
                reply = await send_write(bridge, session, CANCEL_PATH, body)  # once more: a cancel cannot double
                return Answer(True, reply.raw)
            raise cancel_refused(inst_id, ord_id, state, e) from None
        if e.code in ("51400", "51401", "51402", "51603", "51410"):
            state = await order_state(session, body)
            raise cancel_refused(inst_id, ord_id, state, e) from None
        raise


async def order_state(session: Session, body: dict[str, str]) -> str:
    found = await find_order(session, body)
    return found.get("state", "") if found is not None else "not_found"


def cancel_refused(inst_id: str, ord_id: str, state: str, cause: OkxError) -> OkxError:
    reason = {"filled": "is already filled", "canceled": "is already canceled", "mmp_canceled": "is already canceled",
              "not_found": "was not found"}.get(state, f"could not be canceled ({cause.msg})")
    return OkxError(cause.code, f"order {inst_id},{ord_id} {reason}", cause.verb or "POST", cause.path or CANCEL_PATH)
