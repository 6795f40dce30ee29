# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""Private trade endpoints: place, cancel, query and list orders.

Writes answer with per-item ``sCode``/``sMsg`` and ``inTime``/``outTime``
beside the top ``code``: "0" when every item succeeded, "1" "Operation
failed." when all failed, "2" when a batch partly succeeded (spec §1).
"""

import attrs

from okxbridge.sim.errors import ApiRejection, param_error
from okxbridge.sim.matching import Rejected
from okxbridge.sim.orders import FINAL_STATES, OPEN_STATES, history_window, page
from okxbridge.sim.params import cursor, limit, order_request, text

BATCH_MAX = 20


@attrs.frozen
class WriteResult:
    """Items of a trade write; ``api`` adds the envelope, inTime and outTime."""

    items: list
    #: ``inTime``/``outTime`` in the envelope: OKX's order writes carry them, its algo-order
    #: writes do not (docs #order-book-trading-algo-trading-post-place-algo-order, response)
    timed: bool = True

    @property
    def code(self):
        failed = sum(1 for item in self.items if item["sCode"] != "0")
        if not failed:
            return "0", ""
        if failed == len(self.items):
            return "1", "Operation failed."
        return "2", "Bulk operation partially succeeded."


def _ms(seconds):
    return str(int(round(seconds * 1000)))


def _place_one(call, request):
    try:
        order = call.emu.engine.place(call.state, request, call.instruments, call.now)
    except Rejected as rejected:
        return {"clOrdId": request.cl_ord_id, "ordId": "", "sCode": rejected.code, "sMsg": rejected.msg,
                "subCode": "", "tag": request.tag, "ts": _ms(call.now)}
    return {"clOrdId": order.cl_ord_id, "ordId": str(order.ord_id), "sCode": "0", "sMsg": "Order placed",
            "subCode": "", "tag": order.tag, "ts": _ms(call.now)}


def place_order(call):
    return WriteResult([_place_one(call, order_request(call.params))])


def batch_orders(call):
    body = call.body
    if not isinstance(body, list) or not body:
        raise ApiRejection("50014", "Parameter batch orders can not be empty.")
    if len(body) > BATCH_MAX:
        raise ApiRejection("51000", "Parameter batch orders error")
    requests = [order_request(item) for item in body]
    return WriteResult([_place_one(call, request) for request in requests])


def _cancel_one(call, params):
    inst_id = text(params, "instId", True)
    ord_id, cl_ord_id = text(params, "ordId"), text(params, "clOrdId")
    result = {"clOrdId": cl_ord_id, "ordId": ord_id, "sCode": "0", "sMsg": "", "ts": _ms(call.now)}
    try:
        if not ord_id and not cl_ord_id:
            raise Rejected("51407", "Either order ID or client order ID is required.")
        if inst_id not in call.instruments:
            raise Rejected("51001", "Instrument ID does not exist.")
        order = call.emu.engine.find(call.state, inst_id, ord_id, cl_ord_id)
        call.emu.engine.cancel(call.state, order, call.now)
    except Rejected as rejected:
        result.update(sCode=rejected.code, sMsg=rejected.msg)
        return result
    result.update(ordId=str(order.ord_id), clOrdId=order.cl_ord_id)
    return result


def cancel_order(call):
    return WriteResult([_cancel_one(call, call.params)])


def cancel_batch_orders(call):
    body = call.body
    if not isinstance(body, list) or not body or len(body) > BATCH_MAX:
        raise param_error("batch orders")
    return WriteResult([_cancel_one(call, item) for item in body])


def get_order(call):
    inst_id = text(call.params, "instId", True)
    ord_id, cl_ord_id = text(call.params, "ordId"), text(call.params, "clOrdId")
    if not ord_id and not cl_ord_id:
        raise ApiRejection("51003", "Either client order ID or order ID is required.")
    if inst_id not in call.instruments:
        raise ApiRejection("51001", "Instrument ID does not exist")
    order = call.emu.engine.find(call.state, inst_id, ord_id, cl_ord_id)
    if order is None:
        raise ApiRejection("51603", "Order does not exist")
    return [order.to_okx()]


def _filtered(call, orders):
    params = call.params
    inst_type, inst_id = text(params, "instType"), text(params, "instId")
    family = text(params, "instFamily") or text(params, "uly")
    ord_types = set(text(params, "ordType").split(",")) - {""}
    state = text(params, "state")
    begin, end = cursor(params, "begin"), cursor(params, "end")
    for order in orders:
        inst = order.inst
        if inst_type and order.inst_type != inst_type:
            continue
        if inst_id and inst.inst_id != inst_id:
            continue
        if family and inst.underlying != family:
            continue
        if ord_types and order.ord_type not in ord_types:
            continue
        if state and order.state != state:
            continue
        if begin is not None and order.c_time * 1000 < begin:
            continue
        if end is not None and order.c_time * 1000 > end:
            continue
        yield order


def _listing(call, orders):
    chosen = page(list(_filtered(call, orders)), after=cursor(call.params, "after"),
                  before=cursor(call.params, "before"), limit=limit(call.params))
    return [order.to_okx() for order in chosen]


def orders_pending(call):
    state = text(call.params, "state")
    if state and state not in OPEN_STATES:
        raise param_error("state")
    return _listing(call, [o for o in call.state.orders.values() if o.is_open])


def _history(call, archive):
    text(call.params, "instType", True)
    state = text(call.params, "state")
    if state and state not in FINAL_STATES:
        raise param_error("state")
    orders = [o for o in call.state.orders.values() if history_window(o, call.now, archive)]
    return _listing(call, orders)


def orders_history(call):
    return _history(call, archive=False)


def orders_history_archive(call):
    return _history(call, archive=True)


ROUTES = {
    ("POST", "/api/v5/trade/order"): place_order,
    ("POST", "/api/v5/trade/batch-orders"): batch_orders,
    ("POST", "/api/v5/trade/cancel-order"): cancel_order,
    ("POST", "/api/v5/trade/cancel-batch-orders"): cancel_batch_orders,
    ("GET", "/api/v5/trade/order"): get_order,
    ("GET", "/api/v5/trade/orders-pending"): orders_pending,
    ("GET", "/api/v5/trade/orders-history"): orders_history,
    ("GET", "/api/v5/trade/orders-history-archive"): orders_history_archive,
}
