# -*- test-case-name: tests.sim.test_algo_api, tests.sim.test_algo_clients -*-
"""Private algo-order endpoints: place, cancel, look up and list algo orders (amend-algos is
:mod:`okxbridge.sim.algo_amend`).

- ``POST /trade/order-algo`` (docs #order-book-trading-algo-trading-post-place-algo-order):
  one item ``{algoId, algoClOrdId, clOrdId, sCode, sMsg, tag}``; top code "0"/"1".
- ``POST /trade/cancel-algos`` (-post-cancel-algo-order): an array of ``{instId, algoId |
  algoClOrdId}``, "A maximum of 10 orders can be canceled per request" (more: 51406, HTTP 400);
  one item per entry, top code "0"/"1"/"2"; a canceled, failed or unknown algo 51400, one
  already triggered 51416.
- ``GET /trade/order-algo`` (-get-algo-order-details): ``algoId`` or ``algoClOrdId`` (50015
  without either; algoId wins); unknown 51603 "Order does not exist.".
- ``GET /trade/orders-algo-pending`` (-get-algo-order-list): "untriggered Algo orders";
  ``ordType`` required — one type, or ``conditional,oco`` together ("unlike other ordType
  which only can use one type, conditional and oco both can be used and separated with
  comma"); ``algoId``, ``instType``, ``instId``; ``after``/``before`` (algoId cursors),
  ``limit`` ≤ 100.
- ``GET /trade/orders-algo-history`` (-get-algo-order-history): "all algo orders … in the last
  3 months" that are done; ``ordType`` as above; ``state`` (effective, canceled, order_failed,
  partially_failed) or ``algoId`` — "Either state or algoId is required", and the Chinese page
  says only one of them (必填且只能填其一: 50024 when both).
"""

from okxbridge.sim.accounts import Rejected
from okxbridge.sim.algo_params import algo_request, either, not_both
from okxbridge.sim.algos import HISTORY_STATES, LISTED_TYPES, algo_page
from okxbridge.sim.errors import ApiRejection, missing, param_error
from okxbridge.sim.orders import ARCHIVE_SECONDS
from okxbridge.sim.params import cursor, limit, text
from okxbridge.sim.trade_api import WriteResult

CANCEL_MAX = 10


def place_algo(call):
    request = algo_request(call.params)
    item = {"algoClOrdId": request.algo_cl_ord_id, "algoId": "", "clOrdId": "", "sCode": "0",
            "sMsg": "", "tag": request.tag}
    try:
        algo = call.emu.algos.place(call.state, request, call.instruments, call.now)
    except Rejected as rejected:
        item.update(sCode=rejected.code, sMsg=rejected.msg)
        return WriteResult([item], timed=False)
    item["algoId"] = str(algo.algo_id)
    call.emu.watch_algos()
    return WriteResult([item], timed=False)


def _cancel_one(call, params):
    item = {"algoClOrdId": "", "algoId": "", "clOrdId": "", "sCode": "0", "sMsg": "", "tag": ""}
    if not isinstance(params, dict):
        item.update(sCode="51000", sMsg="Parameter algoId error")
        return item
    inst_id, algo_id, cl_id = text(params, "instId", True), text(params, "algoId"), text(params, "algoClOrdId")
    item.update(algoId=algo_id, algoClOrdId=cl_id)
    try:
        if not algo_id and not cl_id:
            raise Rejected("50015", "Either parameter algoId or algoClOrdId is required.")
        if inst_id not in call.instruments:
            raise Rejected("51001", "Instrument ID does not exist.")
        algo = call.emu.algos.find(call.state, algo_id, cl_id)
        if algo is not None and algo.inst.inst_id != inst_id:
            algo = None
        call.emu.algos.cancel(algo, call.now)
    except Rejected as rejected:
        item.update(sCode=rejected.code, sMsg=rejected.msg)
        return item
    item.update(algoId=str(algo.algo_id), algoClOrdId=algo.algo_cl_ord_id)
    return item


def cancel_algos(call):
    body = call.body
    if not isinstance(body, list) or not body:
        raise ApiRejection("50000", "Body for POST request cannot be empty.")
    if len(body) > CANCEL_MAX:
        raise ApiRejection("51406", f"Canceled - order count exceeds the limit {CANCEL_MAX}.")
    return WriteResult([_cancel_one(call, item) for item in body], timed=False)


def get_algo(call):
    algo_id, cl_id = text(call.params, "algoId"), text(call.params, "algoClOrdId")
    if not algo_id and not cl_id:
        raise either("algoId", "algoClOrdId")
    algo = call.emu.algos.find(call.state, algo_id, cl_id)
    if algo is None:
        raise ApiRejection("51603", "Order does not exist.")
    return [algo.to_okx()]


def ord_types(params):
    """The ``ordType`` filter: one of OKX's algo types, or conditional and oco together."""
    raw = text(params, "ordType")
    if not raw:
        raise missing("ordType")
    types = set(raw.split(","))
    if not types <= set(LISTED_TYPES) or (len(types) > 1 and types != {"conditional", "oco"}):
        raise param_error("ordType")
    return types


def _listing(call, algos):
    params = call.params
    types = ord_types(params)
    inst_type, inst_id, algo_id = text(params, "instType"), text(params, "instId"), text(params, "algoId")
    if inst_type and inst_type not in ("SPOT", "SWAP", "FUTURES", "MARGIN"):
        raise param_error("instType")
    chosen = [a for a in algos if a.ord_type in types and (not inst_type or a.inst_type == inst_type)
              and (not inst_id or a.inst.inst_id == inst_id) and (not algo_id or str(a.algo_id) == algo_id)]
    rows = algo_page(chosen, after=cursor(params, "after"), before=cursor(params, "before"), limit=limit(params))
    return [algo.to_okx() for algo in rows]


def orders_algo_pending(call):
    return _listing(call, [a for a in call.state.algos.values() if a.is_live])


def orders_algo_history(call):
    ord_types(call.params)  # ordType is checked before state and algoId
    state, algo_id = text(call.params, "state"), text(call.params, "algoId")
    if state and algo_id:
        raise not_both("state", "algoId")
    if not state and not algo_id:
        raise either("state", "algoId")
    if state and state not in HISTORY_STATES:
        raise param_error("state")
    done = [a for a in call.state.algos.values() if not a.is_live and (not state or a.state == state)
            and call.now - a.c_time <= ARCHIVE_SECONDS]
    return _listing(call, done)


ROUTES = {
    ("POST", "/api/v5/trade/order-algo"): place_algo,
    ("POST", "/api/v5/trade/cancel-algos"): cancel_algos,
    ("GET", "/api/v5/trade/order-algo"): get_algo,
    ("GET", "/api/v5/trade/orders-algo-pending"): orders_algo_pending,
    ("GET", "/api/v5/trade/orders-algo-history"): orders_algo_history,
}
