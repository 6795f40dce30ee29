# -*- test-case-name: tests.sim.test_sim_history -*-
"""Private history endpoints (fills, bills) and the public system status."""

from okxbridge.sim.errors import param_error
from okxbridge.sim.history import ARCHIVE_SECONDS, BILLS_SECONDS, FILLS_SECONDS, page_by_bill, window
from okxbridge.sim.params import cursor, limit, text

INST_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")


def _inst_type(params, required=False):
    inst_type = text(params, "instType", required)
    if inst_type and inst_type not in INST_TYPES:
        raise param_error("instType")
    return inst_type


def _matches(params, inst, inst_type):
    inst_id = text(params, "instId")
    family = text(params, "instFamily") or text(params, "uly")
    return ((not inst_type or inst.inst_type == inst_type) and (not inst_id or inst.inst_id == inst_id)
            and (not family or inst.underlying == family))


def _timed(params, rows, ts):
    begin, end = cursor(params, "begin"), cursor(params, "end")
    return [r for r in rows if (begin is None or ts(r) * 1000 >= begin) and (end is None or ts(r) * 1000 <= end)]


def _fills(call, seconds, inst_type):
    params = call.params
    rows = [f for f in window(call.state.history.fills, call.now, seconds) if _matches(params, f.order.inst, inst_type)]
    ord_id = text(params, "ordId")
    rows = [f for f in _timed(params, rows, lambda f: f.ts) if not ord_id or str(f.order.ord_id) == ord_id]
    chosen = page_by_bill(rows, after=cursor(params, "after"), before=cursor(params, "before"), limit=limit(params))
    return [f.to_okx() for f in chosen]


def fills(call):
    """GET /trade/fills: the last 3 days (docs #order-book-trading-trade-get-transaction-details-last-3-days)."""
    return _fills(call, FILLS_SECONDS, _inst_type(call.params))


def fills_history(call):
    """GET /trade/fills-history: 3 months; ``instType`` is required."""
    return _fills(call, ARCHIVE_SECONDS, _inst_type(call.params, required=True))


def _bills(call, seconds):
    params = call.params
    inst_type = _inst_type(params)
    ccy, mgn_mode = text(params, "ccy"), text(params, "mgnMode")
    kind, sub_type = text(params, "type"), text(params, "subType")
    rows = [b for b in window(call.state.history.bills, call.now, seconds)
            if _matches(params, b.fill.order.inst, inst_type) and (not ccy or b.ccy == ccy)
            and (not mgn_mode or b.to_okx()["mgnMode"] == mgn_mode) and (not kind or kind == "2")
            and (not sub_type or b.sub_type == sub_type)]
    rows = _timed(params, rows, lambda b: b.fill.ts)
    chosen = page_by_bill(rows, after=cursor(params, "after"), before=cursor(params, "before"), limit=limit(params))
    return [b.to_okx() for b in chosen]


def bills(call):
    """GET /account/bills: 7 days (docs #trading-account-rest-api-get-bills-details-last-7-days)."""
    return _bills(call, BILLS_SECONDS)


def bills_archive(call):
    """GET /account/bills-archive: 3 months."""
    return _bills(call, ARCHIVE_SECONDS)


def system_status(call):
    """GET /system/status: maintenance events; none scheduled in okxsim (docs #status-get-status)."""
    state = text(call.params, "state")
    if state and state not in ("scheduled", "ongoing", "pre_open", "completed", "canceled"):
        raise param_error("state")
    return []


ROUTES = {
    ("GET", "/api/v5/trade/fills"): fills,
    ("GET", "/api/v5/trade/fills-history"): fills_history,
    ("GET", "/api/v5/account/bills"): bills,
    ("GET", "/api/v5/account/bills-archive"): bills_archive,
    ("GET", "/api/v5/system/status"): system_status,
}
