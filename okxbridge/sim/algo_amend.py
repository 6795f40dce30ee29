# -*- test-case-name: tests.sim.test_algo_amend -*-
"""``POST /api/v5/trade/amend-algos``: a live algo order's size and prices changed in place, its
``algoId`` kept (docs #order-book-trading-algo-trading-post-amend-algo-order; codes from
#error-code-rest-api, Trade Class).

- "Support Stop order and Trigger order only": okxsim's conditional, oco and trigger all are;
- ``instId`` and ``algoId`` or ``algoClOrdId`` ("If both are passed, algoId will be used");
  neither: 50015; an algo okxsim does not know (or of another instrument): 51527 "Order
  modification unsuccessful. The stop order does not exist."; one no longer live: 51503 "Your
  order has already been filled or canceled.";
- ``newSz`` (> 0); TP/SL ``newTpTriggerPx``/``newTpOrdPx``/``newTpTriggerPxType`` and the SL's:
  "Either the take-profit trigger price or order price is 0, it means that the take-profit is
  deleted"; a leg the order does not have cannot be added (51526 "Take profit/Stop loss
  conditions cannot be added to or removed from stop orders" — okxsim reads "removed" as
  removing the last leg, which 51531 "must have either take profit or stop loss" refuses);
  a whole-position order (``closeFraction``) keeps its size (51524) and market prices (51523);
- trigger orders: ``newTriggerPx``, ``newOrdPx`` (``-1`` market), ``newTriggerPxType``;
- nothing to change: 51500 "You must enter a price, quantity, or TP/SL";
- the new triggers meet the same checks against the last price as a new order (51277–51280;
  *inferred* for amendments), prices on the tick grid, sizes on the lot grid;
- ``cxlOnFail`` true: a failed amendment cancels the algo; ``reqId`` (≤ 32 letters/digits) is
  echoed and sent with ``amendResult`` "0" on the ``orders-algo`` push of the change.
"""

import re

from okxbridge.sim.accounts import Rejected
from okxbridge.sim.algo_engine import SPOT_LAST_ONLY, check_legs
from okxbridge.sim.algo_params import PX_TYPES, number
from okxbridge.sim.algos import MARKET, Leg
from okxbridge.sim.attached import flag
from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.numbers import fmt, is_multiple
from okxbridge.sim.params import text
from okxbridge.sim.prices import quote
from okxbridge.sim.trade_api import WriteResult

REQ_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
FIELDS = ("newSz", "newTpTriggerPx", "newTpOrdPx", "newSlTriggerPx", "newSlOrdPx", "newTpTriggerPxType",
          "newSlTriggerPxType", "newTriggerPx", "newOrdPx", "newTriggerPxType")


def _number(params, name, market_ok=False, zero_ok=False):
    raw = text(params, name, numeric=True)
    if not raw:
        return None
    value = number(raw)
    if value is None or not (value > 0 or (market_ok and value == MARKET) or (zero_ok and value == 0)):
        raise Rejected("51000", f"Parameter {name} error")
    return value


def _px_type(params, name, default):
    value = text(params, name) or default
    if value not in PX_TYPES:
        raise Rejected("51000", f"Parameter {name} error")
    return value


def _new_leg(params, algo, prefix):
    """The amended TP (``Tp``) or SL (``Sl``) leg: unchanged, changed, or None (deleted)."""
    old = algo.tp if prefix == "Tp" else algo.sl
    trigger = _number(params, f"new{prefix}TriggerPx", zero_ok=True)
    ord_px = _number(params, f"new{prefix}OrdPx", market_ok=True, zero_ok=True)
    px_type = text(params, f"new{prefix}TriggerPxType")
    if trigger is None and ord_px is None and not px_type:
        return old
    if trigger == 0 or ord_px == 0:
        return None
    if old is None:
        raise Rejected("51526", "Order modification unsuccessful. Take profit/Stop loss conditions cannot be added "
                       "to or removed from stop orders.")
    return Leg(trigger_px=trigger if trigger is not None else old.trigger_px,
               ord_px=ord_px if ord_px is not None else old.ord_px,
               px_type=_px_type(params, f"new{prefix}TriggerPxType", old.px_type))


def _new_trigger(params, algo):
    old = algo.trigger
    trigger, ord_px = _number(params, "newTriggerPx"), _number(params, "newOrdPx", market_ok=True)
    if trigger is None and ord_px is None and not text(params, "newTriggerPxType"):
        return old
    return Leg(trigger_px=trigger if trigger is not None else old.trigger_px,
               ord_px=ord_px if ord_px is not None else old.ord_px,
               px_type=_px_type(params, "newTriggerPxType", old.px_type))


def _check_grid(inst, legs, new_sz):
    for leg in legs:
        if not is_multiple(leg.trigger_px, inst.tick_sz) or (leg.ord_px != MARKET
                                                             and not is_multiple(leg.ord_px, inst.tick_sz)):
            raise Rejected("51000", "Parameter newTriggerPx error")
    if new_sz is not None and not inst.is_spot and not is_multiple(new_sz, inst.lot_sz):
        raise Rejected("51121", f"Order quantity must be a multiple of the lot size {fmt(inst.lot_sz)}.")


def _changed(call, algo, params, new_sz):
    """The algo's new (tp, sl, trigger), checked; raises OKX's refusal."""
    if algo.trigger is not None:
        tp, sl, trigger = None, None, _new_trigger(params, algo)
    else:
        tp, sl, trigger = _new_leg(params, algo, "Tp"), _new_leg(params, algo, "Sl"), None
        if tp is None and sl is None:
            raise Rejected("51531", "Order modification unsuccessful. The stop order must have either take profit "
                           "or stop loss attached.")
    legs = [leg for leg in (tp, sl, trigger) if leg is not None]
    if algo.close_fraction:
        if new_sz is not None:
            raise Rejected("51524", "Unable to modify the order quantity of a stop order that closes an entire "
                           "position. Please modify the trigger price instead.")
        if any(leg.ord_px != MARKET for leg in legs):
            raise Rejected("51523", "Unable to modify the order price of a stop order that closes an entire "
                           "position. Please modify the trigger price instead.")
    if algo.inst.is_spot and any(leg.px_type != "last" for leg in legs):
        raise Rejected(*SPOT_LAST_ONLY)
    _check_grid(algo.inst, legs, new_sz)
    last = quote(call.emu.walk, algo.inst, call.now).last
    if trigger is None:
        check_legs(algo.ord_type, algo.side, tp, sl, last)
    return tp, sl, trigger, last


def _apply(call, algo, params, req_id):
    new_sz = _number(params, "newSz")
    tp, sl, trigger, last = _changed(call, algo, params, new_sz)
    algo.tp, algo.sl = tp, sl
    if trigger is not None and trigger is not algo.trigger:
        algo.trigger, algo.rising = trigger, trigger.trigger_px > last
    if new_sz is not None:
        algo.sz = new_sz
    # the new triggers watch the market from now on, not the seconds before the amendment
    algo.u_time = algo.amended_at = algo.checked_to = call.now
    algo.amends += 1
    algo.req_id, algo.amend_result = req_id, "0"


def amend_algo_one(call, params):
    """One amendment: the answer item (``sCode`` "0" when done)."""
    inst_id = text(params, "instId", True)
    algo_id, cl_id, req_id = text(params, "algoId"), text(params, "algoClOrdId"), text(params, "reqId")
    item = {"algoClOrdId": cl_id, "algoId": algo_id, "reqId": req_id, "sCode": "0", "sMsg": ""}
    algo = None
    try:
        if not algo_id and not cl_id:
            raise Rejected("50015", "Either parameter algoId or algoClOrdId is required.")
        if req_id and not REQ_ID.match(req_id):
            raise Rejected("51000", "Parameter reqId error")
        if inst_id not in call.instruments:
            raise Rejected("51001", "Instrument ID does not exist.")
        if not any(params.get(name) not in (None, "") for name in FIELDS):
            raise Rejected("51500", "You must enter a price, quantity, or TP/SL")
        algo = call.emu.algos.find(call.state, algo_id, cl_id)
        if algo is None or algo.inst.inst_id != inst_id:
            algo = None
            raise Rejected("51527", "Order modification unsuccessful. The stop order does not exist.")
        if not algo.is_live:
            raise Rejected("51503", "Your order has already been filled or canceled.")
        _apply(call, algo, params, req_id)
    except Rejected as rejected:
        item.update(sCode=rejected.code, sMsg=rejected.msg)
        if algo is not None and algo.is_live and flag(params, "cxlOnFail"):
            call.emu.algos.cancel(algo, call.now)
        return item
    item.update(algoId=str(algo.algo_id), algoClOrdId=algo.algo_cl_ord_id)
    return item


def amend_algos(call):
    if not isinstance(call.params, dict) or not call.params:
        raise ApiRejection("50000", "Body for POST request cannot be empty.")
    return WriteResult([amend_algo_one(call, call.params)], timed=False)


ROUTES = {("POST", "/api/v5/trade/amend-algos"): amend_algos}
