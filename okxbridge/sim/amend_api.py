# -*- test-case-name: tests.sim.test_sim_amend -*-
"""``POST /api/v5/trade/amend-order`` (and the private WebSocket's ``amend-order`` op, which
runs :func:`amend_one`): a resting order's price and size changed in place, its ``ordId`` kept.

OKX's rules (docs #order-book-trading-trade-post-amend-order; error codes from
#error-code-rest-api-trade, as ccxt's okx.ts lists them):

- ``instId`` and one of ``ordId``/``clOrdId`` (ordId wins); at least one of ``newSz``/``newPx``,
  else 51500 "Either order price or amount is required";
- the order must exist (51503), be neither canceled (51509) nor filled (51510); a market order
  cannot be amended (51506 "Order modification unavailable for the order type");
- ``newSz`` is the new *total* size, filled part included ("When amending a partially-filled
  order, the newSz should include the amount that has been filled"); a size not above the
  filled size is refused — *inferred*: OKX documents the rule, not its code; okxsim answers
  51000 "Parameter newSz error" (docs/emulator.md says so);
- ``newPx`` on the tick grid, ``newSz`` on the lot grid (51000 / 51121, as for new orders);
- a post-only order whose new price would take is refused (51511); an amended price that
  crosses the book fills at once, as a new order would;
- more margin or balance than is available: 51502 "Order modification failed for insufficient
  margin";
- ``cxlOnFail`` true: an amendment that fails cancels the order (docs: "whether the order needs
  to be automatically canceled when the order amendment fails");
- ``reqId`` (≤ 32 alphanumerics) is echoed in the answer and in the order's next ``orders``
  push with ``amendResult`` "0" (docs #order-book-trading-trade-ws-order-channel).
"""

from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.matching import Rejected
from okxbridge.sim.numbers import ZERO, is_multiple, parse_decimal
from okxbridge.sim.params import text
from okxbridge.sim.positions import value
from okxbridge.sim.prices import quote
from okxbridge.sim.trade_api import WriteResult, _ms

NEW_SZ_NOT_ABOVE_FILLED = ("51000", "Parameter newSz error")


def _number(params, name):
    raw = text(params, name, numeric=True)
    if not raw:
        return None
    number = parse_decimal(raw)
    if number is None or number <= 0:
        raise Rejected("51000", f"Parameter {name} error")
    return number


def _frozen_for(order, sz, px, top):
    """What the order's unfilled part ties up at ``sz``/``px`` (as placing it would)."""
    inst = order.inst
    remaining = (sz - order.acc_fill_sz) if not inst.is_spot or order.ord_type != "market" else ZERO
    if inst.is_spot:
        return remaining * px if order.side == "buy" else remaining
    if order.frozen == 0:  # a closing order freezes no margin
        return ZERO
    return value(inst, remaining, px) / parse_decimal(order.lever)


def _check(call, order, new_sz, new_px):
    """Raise OKX's refusal for this amendment of ``order``, or return the quote it meets."""
    if order is None:
        raise Rejected("51503", "Order modification failed as the order does not exist.")
    if order.state in ("canceled", "mmp_canceled"):
        raise Rejected("51509", "Modification failed as the order has been canceled.")
    if order.state == "filled":
        raise Rejected("51510", "Modification failed as the order has been completed.")
    if order.ord_type == "market" or order.px is None:
        raise Rejected("51506", "Order modification unavailable for the order type.")
    inst = order.inst
    if new_px is not None and not is_multiple(new_px, inst.tick_sz):
        raise Rejected("51000", "Parameter newPx error")
    if new_sz is not None and not is_multiple(new_sz, inst.lot_sz):
        raise Rejected("51121", f"Order quantity must be a multiple of the lot size {inst.lot_sz.normalize()}.")
    if new_sz is not None and new_sz <= order.acc_fill_sz:
        raise Rejected(*NEW_SZ_NOT_ABOVE_FILLED)
    top = quote(call.emu.walk, inst, call.now)
    px = new_px if new_px is not None else order.px
    takes = px >= top.ask if order.side == "buy" else px <= top.bid
    if order.ord_type == "post_only" and takes:
        raise Rejected("51511", "Operation failed as the order price did not meet the requirement for Post Only.")
    return top, takes


def _apply(call, order, new_sz, new_px, top):
    state = call.state
    sz = new_sz if new_sz is not None else order.sz
    px = new_px if new_px is not None else order.px
    needed = _frozen_for(order, sz, px, top)
    ccy = order.frozen_ccy
    if needed - order.frozen > state.ledger.available(ccy):
        raise Rejected("51502", "Order modification failed for insufficient margin")
    closing = order.pos_side in ("long", "short") and (order.side == "sell") == (order.pos_side == "long")
    if closing:
        position = state.positions.get((order.inst.inst_id, order.td_mode, order.pos_side))
        grows = sz - order.sz
        if position is None or position.pending_close + grows > abs(position.pos):
            raise Rejected("51169", "Order failed because you don't have any positions in this direction for "
                           "this contract to reduce or close.")
        position.pending_close += grows
    if needed > order.frozen:
        state.ledger.freeze(ccy, needed - order.frozen, call.now)
    else:
        state.ledger.unfreeze(ccy, order.frozen - needed, call.now)
    order.frozen = needed
    order.sz, order.px, order.base_target = sz, px, sz
    order.u_time = order.amended_at = call.now
    order.amends += 1


def amend_one(call, params):
    """One amendment: the answer item (``sCode`` "0" when done)."""
    inst_id = text(params, "instId", True)
    ord_id, cl_ord_id = text(params, "ordId"), text(params, "clOrdId")
    req_id = text(params, "reqId")
    item = {"clOrdId": cl_ord_id, "ordId": ord_id, "reqId": req_id, "sCode": "0", "sMsg": "", "ts": _ms(call.now)}
    order = None
    try:
        if not ord_id and not cl_ord_id:
            raise Rejected("51000", "Parameter ordId error")  # inferred: the docs name no code
        if inst_id not in call.instruments:
            raise Rejected("51001", "Instrument ID does not exist.")
        new_sz, new_px = _number(params, "newSz"), _number(params, "newPx")
        if new_sz is None and new_px is None:
            raise Rejected("51500", "Either order price or amount is required")
        order = call.emu.engine.find(call.state, inst_id, ord_id, cl_ord_id)
        top, takes = _check(call, order, new_sz, new_px)
        _apply(call, order, new_sz, new_px, top)
        order.req_id, order.amend_result = req_id, "0"
        if takes:
            taker_px = top.ask if order.side == "buy" else top.bid
            call.emu.engine.fill(call.state, order, order.base_target - order.acc_fill_sz, taker_px, "taker",
                                 call.now)
    except Rejected as rejected:
        item.update(sCode=rejected.code, sMsg=rejected.msg)
        if order is not None and order.is_open and str(params.get("cxlOnFail", "")).lower() == "true":
            call.emu.engine.cancel(call.state, order, call.now)
        return item
    item.update(ordId=str(order.ord_id), clOrdId=order.cl_ord_id)
    return item


def amend_order(call):
    if not isinstance(call.params, dict) or not call.params:
        raise ApiRejection("50000", "Body for POST request cannot be empty.")
    return WriteResult([amend_one(call, call.params)])


ROUTES = {("POST", "/api/v5/trade/amend-order"): amend_order}
