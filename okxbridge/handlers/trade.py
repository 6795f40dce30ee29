# -*- test-case-name: tests.handlers.test_trade -*-
"""``trade``: one order from FMZ's ``{symbol, type, price, amount}``, placed exactly once.

Parse and check the order (pure, before anything is claimed or sent), then hand it to the
order desk (:mod:`okxbridge.desk.orders`): the ledger's claim for the call's nonce, the
place-order request, and the look-ups that settle an unanswered one.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from ..convert.intents import (
    FUTURES_MODE,
    MARKET_PRICE,
    Intent,
    asked_reduce_only,
    check_contract_mode,
    client_order_id,
    fit_reduce_only,
    order_body,
    parse_intent,
    spot_td_mode,
)
from ..convert.order_options import check_scope, merged, passed_fields, split_side
from ..convert.symbols import parse_symbol
from ..desk.claims import ORDER, content_fingerprint
from ..desk.orders import place_recorded
from ..desk.placement import shielded
from ..fmz.answer import Answer
from ..fmz.envelope import Call
from ..fmz.errors import ProtocolError
from ..fmz.params import decimal_param, text_param
from .deps import Trading
from .margin import asked_margin_mode, contract_plan


async def trade(deps: Trading, call: Call, trace: list[str]) -> Answer:
    p = call.params
    symbol = parse_symbol(text_param(p, "symbol"))
    intent, options = _side(p, symbol.is_spot)
    price = decimal_param(p, "price", required=False)
    amount = decimal_param(p, "amount")
    ord_type = merged(options.get("ordType", ""), text_param(p, "ordType", required=False), "ordType") or "limit"
    session = deps.session(call, trace)
    inst = await deps.instruments.instrument(session, symbol)
    td_mode = merged(options.get("tdMode", ""), asked_margin_mode(p), "marginMode")
    if not symbol.is_spot and td_mode == "cash":
        raise ProtocolError(f"marginMode cash is for spot: {symbol.fmz} trades cross or isolated")
    cl_ord_id = client_order_id(call.nonce)
    extra = passed_fields(options, cl_ord_id)
    # price, size and minimums checked before anything is claimed or sent (pure); the
    # account mode decides a spot order's tdMode, the plan a contract's tdMode/posSide/reduceOnly
    checked = {**order_body(inst, intent, price, amount, cl_ord_id=cl_ord_id,
                            td_mode="" if symbol.is_spot else td_mode, ord_type=ord_type,
                            tgt_ccy=options.get("tgtCcy", "")), **extra}
    account = deps.accounts.of(session.creds)

    async def body() -> dict[str, Any]:
        # read inside the claimed work: a repeat is answered from the ledger before the
        # account mode and the positions (which the first order changed) are read again
        if symbol.is_spot:
            # the mode as last read (an account not read yet is tried as Futures mode, OKX's
            # commonest): a switch since costs one refusal before acting, then replan()
            acct_lv = account.last_account_mode() or FUTURES_MODE
            return {**checked, "tdMode": spot_td_mode(acct_lv, td_mode, inst.inst_id)}
        acct_lv = await account.account_mode(session)
        check_contract_mode(acct_lv, "", inst.inst_id)
        _, plan = await contract_plan(deps, session, inst, intent, amount, td_mode)
        check_contract_mode(acct_lv, plan.td_mode, inst.inst_id)
        if options.get("reduceOnly"):
            plan = attrs.evolve(plan, fields={**plan.fields, **asked_reduce_only(plan.fields, acct_lv)})
        plan = attrs.evolve(plan, fields=fit_reduce_only(plan.fields, acct_lv))
        return {**order_body(inst, intent, price, amount, cl_ord_id=cl_ord_id, td_mode=td_mode, plan=plan,
                             ord_type=ord_type), **extra}

    async def replan() -> dict[str, Any]:  # OKX refused it as if the account mode changed: read it again
        await account.reread_config(session)
        return await body()

    content = _content(inst.inst_id, intent, checked, td_mode, options)
    fmz_id, raw = await shielded(deps.desk, (session.creds.identity, ORDER, cl_ord_id, content),
                                 lambda: place_recorded(deps.desk, session, call.nonce, inst.inst_id, cl_ord_id,
                                                        content, body, replan))
    account.wrote(fmz_id.partition(",")[2])
    account.learn_uid(session)  # budgets per OKX account (a contract order has read it already)
    return Answer({"id": fmz_id}, raw)


def _side(p: dict[str, Any], spot: bool) -> tuple[Intent, dict[str, Any]]:
    """``type``: the side, and the OKX options FMZ lets a strategy append to it."""
    side, options = split_side(text_param(p, "type"))
    price = decimal_param(p, "price", required=False)
    check_scope(options, spot, price is None or price == MARKET_PRICE)
    return parse_intent(side, not spot), options


def _content(inst_id: str, intent: Intent, checked: dict[str, Any], td_mode: str, options: dict[str, Any]) -> str:
    """The call as the strategy made it, not the body (a close's body depends on positions).
    The side's options are part of it, so the nonce repeated with other options is another
    order; a call without options hashes as before they existed (ledgers stay valid)."""
    asked = {"instId": inst_id, "side": intent.side, "offset": intent.offset,
             "price": "market" if "px" not in checked else checked["px"],
             "amount": checked["sz"], "marginMode": td_mode, "ordType": checked["ordType"]}
    if options:
        asked["options"] = json.dumps(options, sort_keys=True)
    return content_fingerprint(asked)
