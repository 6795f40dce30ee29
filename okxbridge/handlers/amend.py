# -*- test-case-name: tests.handlers.test_amend, tests.e2e.test_amend -*-
"""``modifyorder`` (also ``amend``): FMZ's ModifyOrder ``{id, type, price, amount}`` as OKX's
amend-order, exactly once per nonce (:mod:`okxbridge.desk.amends`).

``price``/``amount`` -1 or absent keep that value. The order is read first (inside the claimed
work, so a repeat answered from the ledger sends nothing): its side decides which way the new
price rounds (``type`` is FMZ's and is not needed: OKX keeps the side), its instrument the grid.
The answer is the order's id — OKX keeps the ordId through an amendment.
"""

from __future__ import annotations

from typing import Any

from ..convert.intents import amend_body
from ..convert.symbols import inst_type
from ..desk.amends import amend_recorded, request_id
from ..desk.claims import AMEND, content_fingerprint
from ..desk.placement import shielded
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import decimal_param
from ..okx import paths
from ..okx.session import first
from .deps import Trading
from .order_reads import order_inst_id


async def modifyorder(deps: Trading, call: Call, trace: list[str]) -> Answer:
    p = call.params
    price = decimal_param(p, "price", required=False)
    amount = decimal_param(p, "amount", required=False)
    session = deps.session(call, trace)
    inst_id, ord_id = await order_inst_id(deps, session, call)
    req_id = request_id(call.nonce)
    content = content_fingerprint({"instId": inst_id, "ordId": ord_id, "price": str(price), "amount": str(amount)})

    async def body() -> dict[str, Any]:
        order = first(await session.get(paths.ORDER, {"instId": inst_id, "ordId": ord_id}),
                      f"order {inst_id},{ord_id}")
        inst = (await deps.instruments.instruments(session, inst_type(inst_id))).get(inst_id)
        if inst is None:
            raise ProtocolError(f"order {inst_id},{ord_id}: {inst_id} is not listed on OKX")
        return amend_body(inst, str(order.get("side", "")), ord_id, req_id, price, amount)

    fmz_id, raw = await shielded(deps.desk, (session.creds.identity, AMEND, call.nonce, content),
                                 lambda: amend_recorded(deps.desk, session, call.nonce, inst_id, ord_id, content, body))
    deps.accounts.of(session.creds).wrote(ord_id, req_id=req_id)
    return Answer({"id": fmz_id}, raw)
