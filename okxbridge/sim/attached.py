# -*- test-case-name: tests.sim.test_sim_options -*-
"""Place-order fields beyond the basic order: ``stpMode``, ``banAmend``, ``attachAlgoOrds``
and ``optimal_limit_ioc``, read and checked as OKX's place-order documents them
(docs #order-book-trading-trade-post-place-order, request parameters).

- ``stpMode`` "cancel_maker" (default), "cancel_taker", "cancel_both"; the emulator's orders
  never trade with each other (they fill against the synthetic book), so self-trade
  prevention never fires here: the mode is kept and answered in the order object.
- ``banAmend`` true/false: a spot market order the balance cannot pay for is cut to what it
  pays for unless ``banAmend`` is true, which gets 51008 instead (:func:`fit_to_funds`).
- ``attachAlgoOrds``: an array of TP/SL objects, each with ``attachAlgoClOrdId`` (1–32
  letters/digits), ``tpTriggerPx``/``tpOrdPx`` and/or ``slTriggerPx``/``slOrdPx`` (``-1`` =
  market), ``tpTriggerPxType``/``slTriggerPxType`` last/index/mark (default last),
  ``tpOrdKind`` condition/limit (default condition). Kept and answered in get-order's
  ``attachAlgoOrds`` with an ``attachAlgoId``; the algo order OKX places once the order fills
  is *not modelled* (okxsim's algo engine, :mod:`okxbridge.sim.algo_engine`, serves
  ``/trade/order-algo`` only), nor OKX's trigger-against-price
  checks, whose codes the docs do not list (*inferred*: a malformed field is 51000).
- ``optimal_limit_ioc``: "Market order with immediate-or-cancel order (applicable only to
  Expiry Futures and Perpetual Futures)", so no ``px``; a spot one is refused 51000
  "Parameter ordType error" (*inferred*).
"""

import re

import attrs

from okxbridge.sim.errors import ApiRejection, param_error
from okxbridge.sim.numbers import floor_to, fmt, parse_decimal

STP_MODES = ("cancel_maker", "cancel_taker", "cancel_both")
PX_TYPES = ("last", "index", "mark")
ALGO_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
ALGO_FIELDS = ("attachAlgoClOrdId", "tpTriggerPx", "tpOrdPx", "slTriggerPx", "slOrdPx", "tpTriggerPxType",
               "slTriggerPxType", "tpOrdKind", "sz", "amendPxOnTriggerType")
MAX_ALGOS = 10  # docs: up to 10 split take-profits (inferred as the array's cap)


def flag(params, name):
    """A boolean field: JSON true/false or the strings "true"/"false" (OKX takes both)."""
    value = params.get(name, False)
    if value in ("", None):
        return False
    if value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise param_error(name)
    return value


def extras(params):
    """``stp_mode``, ``ban_amend`` and ``attach_algo_ords`` of a place-order body."""
    stp = params.get("stpMode") or ""
    if stp and stp not in STP_MODES:
        raise param_error("stpMode")
    return {"stp_mode": stp, "ban_amend": flag(params, "banAmend"),
            "attach_algo_ords": tuple(_algo(a) for a in _algo_list(params.get("attachAlgoOrds")))}


def _algo_list(value):
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_ALGOS:
        raise param_error("attachAlgoOrds")
    return value


def _algo(item):
    if not isinstance(item, dict) or set(item) - set(ALGO_FIELDS):
        raise param_error("attachAlgoOrds")
    algo = {k: v for k, v in item.items() if v not in (None, "")}
    cl_id = algo.get("attachAlgoClOrdId", "")
    if cl_id and (not isinstance(cl_id, str) or not ALGO_ID.match(cl_id)):
        raise param_error("attachAlgoClOrdId")
    for leg in ("tp", "sl"):
        trigger, order_px = algo.get(f"{leg}TriggerPx"), algo.get(f"{leg}OrdPx")
        if (trigger is None) != (order_px is None):
            raise param_error(f"{leg}OrdPx" if order_px is None else f"{leg}TriggerPx")
        if trigger is None:
            continue
        value = parse_decimal(trigger)
        if value is None or value <= 0:
            raise param_error(f"{leg}TriggerPx")
        value = parse_decimal(order_px)
        if value is None or (value <= 0 and value != -1):
            raise param_error(f"{leg}OrdPx")
        if algo.get(f"{leg}TriggerPxType", "last") not in PX_TYPES:
            raise param_error(f"{leg}TriggerPxType")
    if "tpTriggerPx" not in algo and "slTriggerPx" not in algo:
        raise ApiRejection("50014", "Parameter tpTriggerPx can not be empty.")
    if algo.get("tpOrdKind", "condition") not in ("condition", "limit"):
        raise param_error("tpOrdKind")
    return algo


def check_order_kind(inst, request):
    """Rules that need the instrument: ``optimal_limit_ioc`` is for futures and swaps."""
    if request.ord_type == "optimal_limit_ioc" and inst.is_spot:
        raise param_error("ordType")  # a whole-call 51000, as the gateway's field checks answer


def algo_rows(order):
    """get-order's ``attachAlgoOrds``: each attached TP/SL as placed, with its id."""
    rows = []
    for i, algo in enumerate(order.attach_algo_ords):
        tp, sl = "tpTriggerPx" in algo, "slTriggerPx" in algo
        rows.append({
            "attachAlgoId": f"{order.ord_id}{i}", "attachAlgoClOrdId": algo.get("attachAlgoClOrdId", ""),
            "tpOrdKind": algo.get("tpOrdKind", "condition") if tp else "",
            "tpTriggerPx": fmt(parse_decimal(algo["tpTriggerPx"])) if tp else "",
            "tpTriggerPxType": algo.get("tpTriggerPxType", "last") if tp else "",
            "tpOrdPx": fmt(parse_decimal(algo["tpOrdPx"])) if tp else "",
            "slTriggerPx": fmt(parse_decimal(algo["slTriggerPx"])) if sl else "",
            "slTriggerPxType": algo.get("slTriggerPxType", "last") if sl else "",
            "slOrdPx": fmt(parse_decimal(algo["slOrdPx"])) if sl else "",
            "sz": str(algo.get("sz", "")), "amendPxOnTriggerType": str(algo.get("amendPxOnTriggerType", "0")),
            "failCode": "", "failReason": "",
        })
    return rows


def fit_to_funds(state, inst, request, top):
    """OKX's ``banAmend``: "Whether to disallow the system from amending the size of the SPOT
    Market Order … If true, system will not amend and reject the market order if user does not
    have sufficient funds. Only applicable to SPOT Market Orders" (place-order). So by default a
    spot market order bigger than the balance is cut to what the balance pays for. That the cut
    size is the whole available balance, and that an order cut below the minimum size is
    refused 51008 as if unamended, is *inferred*."""
    if request.ban_amend or not inst.is_spot or request.ord_type != "market":
        return request
    buying = request.side == "buy"
    in_quote = (request.tgt_ccy or ("quote_ccy" if buying else "base_ccy")) == "quote_ccy"
    price = top.ask if buying else top.bid
    available = state.ledger.available(inst.quote if buying else inst.base)
    # the balance in the unit of the order's sz
    if buying:
        have = available if in_quote else available / price
    else:
        have = available * price if in_quote else available
    if request.sz <= have:
        return request
    fitted = have if in_quote else floor_to(have, inst.lot_sz)
    base = floor_to(fitted / price, inst.lot_sz) if in_quote else fitted
    if base < inst.min_sz:
        return request
    return attrs.evolve(request, sz=fitted)


def order_rules(state, inst, request, top):
    """The rules of this module that need the instrument: the order as the engine takes it."""
    check_order_kind(inst, request)
    return fit_to_funds(state, inst, request, top)
