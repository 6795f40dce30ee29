# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""Orders as the engine keeps them, and as OKX writes them.

The field list is OKX's order object (GET /trade/order, orders-pending and
orders-history share it; docs #order-book-trading-trade-get-order-details),
including the blank fields OKX always sends (``""``, ``[]``).
"""

from decimal import Decimal

import attrs

from okxbridge.sim.attached import algo_rows
from okxbridge.sim.numbers import ZERO, fmt

OPEN_STATES = ("live", "partially_filled")
FINAL_STATES = ("filled", "canceled", "mmp_canceled")
ORDER_TYPES = ("market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc")
HISTORY_SECONDS = 7 * 86400
CANCELED_UNFILLED_SECONDS = 2 * 3600
ARCHIVE_SECONDS = 92 * 86400
PAGE_MAX = 100


@attrs.define(eq=False)
class Order:
    """One accepted order. Mutable: fills and cancels change it in place."""

    ord_id: int
    api_key: str
    demo: bool
    inst: object
    td_mode: str
    side: str
    pos_side: str
    ord_type: str
    sz: Decimal
    px: Decimal | None
    c_time: float
    cl_ord_id: str = ""
    tag: str = ""
    tgt_ccy: str = ""
    reduce_only: bool = False
    lever: str = ""
    state: str = "live"
    acc_fill_sz: Decimal = ZERO
    notional_filled: Decimal = ZERO
    fill_px: Decimal | None = None
    fill_sz: Decimal = ZERO
    fill_time: float | None = None
    fee: Decimal = ZERO
    fee_ccy: str = ""
    rebate_ccy: str = ""
    pnl: Decimal = ZERO
    trade_id: str = ""
    cancel_source: str = ""
    cancel_reason: str = ""
    u_time: float = 0.0
    frozen_ccy: str = ""
    frozen: Decimal = ZERO
    base_target: Decimal | None = None
    last_fill_second: int = -1
    stp_mode: str = ""
    ban_amend: bool = False
    attach_algo_ords: tuple = ()
    #: the last amendment (okxbridge.sim.amend_api): its reqId and amendResult, pushed on the
    #: ``orders`` channel with the update it made; how many were done (GET /__sim__/orders)
    req_id: str = ""
    amend_result: str = ""
    amended_at: float | None = None
    amends: int = 0
    #: the algo order that placed it, and OKX's ``source`` for such a child order
    #: (okxbridge.sim.algo_engine; docs #order-book-trading-trade-get-order-details)
    algo_id: str = ""
    algo_cl_ord_id: str = ""
    source: str = ""

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def inst_type(self):
        """The instType OKX lists the order under (a cross spot order is MARGIN)."""
        return listed_inst_type(self.inst, self.td_mode)

    @property
    def avg_px(self):
        if self.acc_fill_sz == 0:
            return None
        if self.inst.is_inverse:
            return self.acc_fill_sz / self.notional_filled
        return self.notional_filled / self.acc_fill_sz

    def to_okx(self):
        avg = self.avg_px
        return {
            "accFillSz": fmt(self.acc_fill_sz),
            "algoClOrdId": self.algo_cl_ord_id, "algoId": self.algo_id,
            "attachAlgoClOrdId": "", "attachAlgoOrds": algo_rows(self),
            "avgPx": fmt(round(avg, 12)) if avg is not None else "",
            "cTime": _ms(self.c_time),
            "cancelSource": self.cancel_source, "cancelSourceReason": self.cancel_reason,
            "category": "normal", "ccy": "",
            "clOrdId": self.cl_ord_id,
            "fee": fmt(self.fee), "feeCcy": self.fee_ccy,
            "fillPx": fmt(self.fill_px) if self.fill_px is not None else "",
            "fillSz": fmt(self.fill_sz),
            "fillTime": _ms(self.fill_time) if self.fill_time is not None else "",
            "instId": self.inst.inst_id, "instType": self.inst_type,
            "isTpLimit": "false", "lever": self.lever, "linkedAlgoOrd": {"algoId": ""},
            "ordId": str(self.ord_id), "ordType": self.ord_type,
            "pnl": fmt(self.pnl), "posSide": self.pos_side,
            "px": fmt(self.px) if self.px is not None else "",
            "pxType": "", "pxUsd": "", "pxVol": "", "quickMgnType": "",
            "rebate": "0", "rebateCcy": self.rebate_ccy,
            "reduceOnly": "true" if self.reduce_only else "false",
            "side": self.side, "slOrdPx": "", "slTriggerPx": "", "slTriggerPxType": "",
            "source": self.source, "state": self.state, "stpId": "", "stpMode": self.stp_mode or "cancel_maker",
            "sz": fmt(self.sz), "tag": self.tag, "tdMode": self.td_mode, "tgtCcy": self.tgt_ccy,
            "tpOrdPx": "", "tpTriggerPx": "", "tpTriggerPxType": "", "tradeId": self.trade_id,
            "uTime": _ms(self.u_time),
        }

    def to_sim(self):
        """GET /__sim__/orders row: the OKX object plus who placed it and where."""
        row = self.to_okx()
        row["apiKey"] = self.api_key
        row["demo"] = self.demo
        row["amends"] = self.amends
        return row


def listed_inst_type(inst, td_mode):
    """The instType OKX files an order under. A margin (``cross``/``isolated``) order on a
    spot pair is a MARGIN order: the docs' instType list for orders is SPOT, MARGIN, SWAP,
    FUTURES, OPTION, and ccxt subscribes instType MARGIN for cross spot (PR #20930). That a
    Multi-currency-margin cross spot order is listed as MARGIN is *inferred* — the harder
    case for a client, which must then ask for both."""
    if inst.is_spot and td_mode != "cash":
        return "MARGIN"
    return inst.inst_type


def _ms(seconds):
    return str(int(round(seconds * 1000)))


def page(rows, after=None, before=None, limit=PAGE_MAX, key=lambda o: o.ord_id):
    """OKX's list paging: newest first by the cursor field (``ordId`` for orders, ``billId``
    for fills and bills); ``after`` older, ``before`` newer than the cursor."""
    rows = sorted(rows, key=key, reverse=True)
    if after is not None:
        rows = [r for r in rows if key(r) < after]
    if before is not None:
        rows = [r for r in rows if key(r) > before]
    return rows[:limit]


def history_window(order, now, archive):
    """Whether a final order shows in orders-history (7 days) or -archive (3 months)."""
    if order.is_open:
        return False
    unfilled_cancel = order.state != "filled" and order.acc_fill_sz == 0
    if archive:
        return not unfilled_cancel and now - order.c_time <= ARCHIVE_SECONDS
    if unfilled_cancel:
        return now - order.u_time <= CANCELED_UNFILLED_SECONDS
    return now - order.c_time <= HISTORY_SECONDS
