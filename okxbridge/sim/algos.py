# -*- test-case-name: tests.sim.test_algo_engine -*-
"""Algo orders as okxsim keeps them, and as OKX writes them.

The field list is OKX's algo order object, which GET /trade/order-algo, orders-algo-pending,
orders-algo-history and the ``orders-algo`` channel share (docs
#order-book-trading-algo-trading-get-algo-order-details, -get-algo-order-list,
-get-algo-order-history, -ws-algo-orders-channel), blank fields included.

States (same pages): ``live`` (waiting for its trigger), ``pause``, ``partially_effective``,
``effective`` (its order was placed), ``canceled``, ``order_failed`` (its order was refused:
``failCode`` holds the code), ``partially_failed``. okxsim reaches ``live``, ``effective``,
``canceled`` and ``order_failed``; ``pause`` and the partial states belong to split TP/SL
orders, which it does not model.
"""

from decimal import Decimal

import attrs

from okxbridge.sim.numbers import ZERO, fmt
from okxbridge.sim.orders import listed_inst_type

#: the ordTypes okxsim places; the others OKX lists (chase, move_order_stop, twap, iceberg,
#: smart_iceberg) may be asked for in the lists, where okxsim has none of them
PLACED_TYPES = ("conditional", "oco", "trigger")
LISTED_TYPES = PLACED_TYPES + ("chase", "move_order_stop", "iceberg", "twap", "smart_iceberg")
PENDING_STATES = ("live", "pause", "partially_effective")
HISTORY_STATES = ("effective", "canceled", "order_failed", "partially_failed")
MARKET = Decimal(-1)
#: child order ``source`` (docs #order-book-trading-trade-get-order-details): "6" the normal
#: order triggered by a trigger order, "7" the one triggered by a TP/SL order
CHILD_SOURCE = {"trigger": "6", "conditional": "7", "oco": "7"}


def _ms(seconds):
    return str(int(round(seconds * 1000))) if seconds is not None else ""


def _px(value):
    """A price field: "" when unset, ``-1`` (market) as OKX writes it."""
    return "" if value is None else fmt(value)


@attrs.define(eq=False)
class Leg:
    """One side of a TP/SL algo (``tp`` or ``sl``): its trigger, trigger type and order price
    (``-1`` = a market order)."""

    trigger_px: Decimal
    ord_px: Decimal
    px_type: str = "last"


@attrs.define(eq=False)
class AlgoOrder:
    """One accepted algo order. Mutable: triggering, amending and cancelling change it."""

    algo_id: int
    inst: object
    td_mode: str
    side: str
    pos_side: str
    ord_type: str
    sz: Decimal | None
    c_time: float
    #: the last price when it was placed (the objects' ``last``)
    last: Decimal
    api_key: str = ""
    demo: bool = False
    algo_cl_ord_id: str = ""
    tag: str = ""
    tgt_ccy: str = ""
    reduce_only: bool = False
    close_fraction: str = ""
    lever: str = ""
    tp: Leg | None = None
    sl: Leg | None = None
    #: a ``trigger`` order's trigger and order price; ``rising``: it fires when the price
    #: rises to ``trigger_px`` (it was below when placed), else when it falls to it
    trigger: Leg | None = None
    rising: bool = False
    advance_ord_type: str = ""
    state: str = "live"
    u_time: float = 0.0
    #: the emulator time up to which the price walk has been checked against the trigger
    checked_to: float = 0.0
    ord_id: str = ""
    actual_sz: Decimal = ZERO
    actual_px: str = ""
    actual_side: str = ""
    trigger_time: float | None = None
    fail_code: str = ""
    req_id: str = ""
    amend_result: str = ""
    amended_at: float | None = None
    amends: int = 0

    @property
    def is_live(self):
        return self.state in PENDING_STATES

    @property
    def inst_type(self):
        return listed_inst_type(self.inst, self.td_mode)

    def _legs(self):
        tp, sl, trigger = self.tp, self.sl, self.trigger
        return {
            "tpTriggerPx": _px(tp.trigger_px) if tp else "", "tpOrdPx": _px(tp.ord_px) if tp else "",
            "tpTriggerPxType": tp.px_type if tp else "",
            "slTriggerPx": _px(sl.trigger_px) if sl else "", "slOrdPx": _px(sl.ord_px) if sl else "",
            "slTriggerPxType": sl.px_type if sl else "",
            "triggerPx": _px(trigger.trigger_px) if trigger else "",
            "ordPx": _px(trigger.ord_px) if trigger else "",
            "triggerPxType": trigger.px_type if trigger else "",
        }

    def to_okx(self):
        return {
            "activePx": "", "actualPx": self.actual_px, "actualSide": self.actual_side,
            "actualSz": fmt(self.actual_sz), "advanceOrdType": self.advance_ord_type,
            "algoClOrdId": self.algo_cl_ord_id, "algoId": str(self.algo_id),
            "amendPxOnTriggerType": "0", "attachAlgoOrds": [],
            "cTime": _ms(self.c_time), "callbackRatio": "", "callbackSpread": "", "ccy": "",
            "chaseType": "", "chaseVal": "", "clOrdId": "", "closeFraction": self.close_fraction,
            "failCode": self.fail_code, "instId": self.inst.inst_id, "instType": self.inst_type,
            "isTradeBorrowMode": "", "last": fmt(self.last), "lever": self.lever,
            "linkedOrd": {"ordId": ""}, "maxChaseType": "", "maxChaseVal": "", "moveTriggerPx": "",
            "ordId": self.ord_id, "ordIdList": [self.ord_id] if self.ord_id else [],
            "ordType": self.ord_type, "posSide": self.pos_side, "pxLimit": "", "pxSpread": "", "pxVar": "",
            "quickMgnType": "", "reduceOnly": "true" if self.reduce_only else "false",
            "side": self.side, "state": self.state, "sz": fmt(self.sz) if self.sz is not None else "",
            "szLimit": "", "tag": self.tag, "tdMode": self.td_mode, "tgtCcy": self.tgt_ccy,
            "timeInterval": "", "tradeQuoteCcy": self.inst.quote if self.inst.is_spot else "",
            "triggerTime": _ms(self.trigger_time), "uTime": _ms(self.u_time),
            **self._legs(),
        }

    def to_push(self):
        """An ``orders-algo`` push item: the REST object plus the channel's own fields; the
        amendment's ``reqId``/``amendResult`` only on the update the amendment made."""
        item = self.to_okx()
        amended = self.amended_at is not None and self.amended_at == self.u_time
        item.update(amendResult=self.amend_result if amended else "", reqId=self.req_id if amended else "",
                    notionalUsd="")
        return item

    def to_sim(self):
        """GET /__sim__/algos row: the OKX object plus whose it is and how often it was amended."""
        return {**self.to_okx(), "apiKey": self.api_key, "demo": self.demo, "amends": self.amends}

    def push_key(self):
        """What makes a change worth an ``orders-algo`` push."""
        return self.state, self.u_time, self.amends


def algo_page(rows, after=None, before=None, limit=100):
    """OKX's algo list paging: newest first by ``algoId``; ``after`` older, ``before`` newer."""
    rows = sorted(rows, key=lambda a: a.algo_id, reverse=True)
    if after is not None:
        rows = [a for a in rows if a.algo_id < after]
    if before is not None:
        rows = [a for a in rows if a.algo_id > before]
    return rows[:limit]
