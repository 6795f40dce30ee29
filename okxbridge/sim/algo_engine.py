# -*- test-case-name: tests.sim.test_algo_engine -*-
"""The algo engine: accepts algo orders and fires them as okxsim's own price walk crosses their
triggers, placing the child order through the matching engine's ``place`` like any order.

OKX's rules (docs #order-book-trading-algo-trading-post-place-algo-order; codes from
#error-code-rest-api, Trade Class):

- TP/SL (``conditional``, ``oco``): a sell (closing a long) takes profit when the price rises
  to ``tpTriggerPx`` and stops the loss when it falls to ``slTriggerPx``; a buy the other way
  round. Placed against the last price, a buy's TP trigger must be below it (51277 "TP trigger
  price cannot be higher than the last price"), its SL above (51278), a sell's TP above
  (51279), its SL below (51280); with ``mark`` or ``index`` as the trigger type, 51300–51304 and
  51305–51308 say the same of those prices. That a trigger equal to the price is refused is
  *inferred*. A ``conditional`` with both legs: "only stop-loss logic will be performed and
  take-profit logic will be ignored" — the Chinese page says this of the checks
  (只进行止损的功能校验，忽略止盈的业务逻辑校验), so both legs stay armed and only the SL is checked.
- OCO: when one leg fires its order is placed and the other leg is not; the algo becomes
  ``effective`` with ``actualSide`` ``tp`` or ``sl``.
- ``trigger``: "place a market or limit order when a specific price level is crossed": it fires
  when the price reaches ``triggerPx`` from the side it was on when placed (*inferred*: OKX
  names no direction). "Trigger order do not support the tgtCcy parameter" (51281).
- SPOT: "``last`` is the only option available for SPOT instruments" (51415).
- ``algoClOrdId`` must differ from the account's live algo orders' (51065 "algoClOrdId already
  exists."); that an id may be used again once the earlier algo is done is *inferred*, as
  OKX documents it for plain orders' clOrdId.
- ``closeFraction`` 1 (the whole position, sized when it fires): FUTURES/SWAP only (51327),
  reduce-only in net mode (51328), market orders only (51330), not in Portfolio margin (51332),
  "only one TPSL pending order for fully closing the position" (51088); without a position to
  close, 51058 "No available position for this algo order" (*inferred*).
- "This type of order will not freeze your free margin in advance": nothing is reserved; the
  child order is checked when it is placed, and if refused the algo is ``order_failed`` with
  ``failCode`` the refusal's code. (OKX sizes a trigger order's child down to the balance;
  okxsim does not model that and fails it.)

okxsim's mark and index prices are its last price, so every trigger type watches the last
price; the walk is checked second by second since the last look (at most :data:`MAX_SCAN`
seconds back), so a price that crossed and came back between two looks still fires.
"""

import attrs

from okxbridge.sim.accounts import Rejected
from okxbridge.sim.algos import CHILD_SOURCE, MARKET, AlgoOrder
from okxbridge.sim.modes import check_td_mode
from okxbridge.sim.numbers import fmt, is_multiple
from okxbridge.sim.params import OrderRequest
from okxbridge.sim.prices import quote

MAX_SCAN = 3600
#: (leg, side) → the codes for a trigger on the wrong side of the (last, mark, index) price
PRICE_RULES = {
    ("tp", "buy"): (("51277", "51300", "51305"), "higher", "TP"),
    ("sl", "buy"): (("51278", "51302", "51306"), "lower", "SL"),
    ("tp", "sell"): (("51279", "51303", "51307"), "lower", "TP"),
    ("sl", "sell"): (("51280", "51304", "51308"), "higher", "SL"),
}
PX_TYPE_INDEX = {"last": 0, "mark": 1, "index": 2}
SPOT_LAST_ONLY = ("51415", 'Unable to place order. Spot trading only supports using the last price as trigger '
                  'price. Please select "Last" and try again.')


def check_trigger(leg_name, side, leg, last):
    """Raise OKX's refusal when ``leg``'s trigger is on the wrong side of the price."""
    codes, word, label = PRICE_RULES[(leg_name, side)]
    wrong = leg.trigger_px >= last if word == "higher" else leg.trigger_px <= last
    if wrong:
        kind = {"last": "last", "mark": "mark", "index": "index"}[leg.px_type]
        suffix = "." if leg.px_type == "last" else ""
        raise Rejected(codes[PX_TYPE_INDEX[leg.px_type]],
                       f"{label} trigger price cannot be {word} than the {kind} price{suffix}")


def check_legs(algo_type, side, tp, sl, last):
    if algo_type == "conditional" and tp is not None and sl is not None:
        check_trigger("sl", side, sl, last)
        return
    for name, leg in (("tp", tp), ("sl", sl)):
        if leg is not None:
            check_trigger(name, side, leg, last)


def fires(algo, price):
    """Which leg of ``algo`` fires at ``price`` (``"sl"`` first), or None."""
    if algo.trigger is not None:
        target = algo.trigger.trigger_px
        return "trigger" if (price >= target if algo.rising else price <= target) else None
    selling = algo.side == "sell"
    if algo.sl is not None and (price <= algo.sl.trigger_px if selling else price >= algo.sl.trigger_px):
        return "sl"
    if algo.tp is not None and (price >= algo.tp.trigger_px if selling else price <= algo.tp.trigger_px):
        return "tp"
    return None


@attrs.define(eq=False)
class AlgoEngine:
    walk: object
    engine: object
    all_algos: list = attrs.field(factory=list)
    _next_algo: int = 800000000000000000

    def live(self):
        return [algo for algo in self.all_algos if algo.is_live]

    # -- placing ----------------------------------------------------------------------
    def place(self, state, request, instruments, now):
        """Place one validated AlgoRequest; returns the AlgoOrder or raises Rejected."""
        inst = instruments.get(request.inst_id)
        if inst is None:
            raise Rejected("51001", "Instrument ID does not exist.")
        if inst.inst_type not in ("SPOT", "SWAP", "FUTURES"):
            raise Rejected("51000", "Parameter instId error")  # okxsim's algos: SPOT, SWAP, FUTURES
        earlier = state.algo_cl_ord_ids.get(request.algo_cl_ord_id) if request.algo_cl_ord_id else None
        if earlier is not None and earlier.is_live:
            raise Rejected("51065", "algoClOrdId already exists.")
        check_td_mode(state.acct_lv, inst, request.td_mode)
        pos_side = state.order_pos_side(inst, request)
        legs = [leg for leg in (request.tp, request.sl, request.trigger) if leg is not None]
        if inst.is_spot and any(leg.px_type != "last" for leg in legs):
            raise Rejected(*SPOT_LAST_ONLY)
        if request.trigger is not None and request.tgt_ccy:
            raise Rejected("51281", "Trigger order do not support the tgtCcy parameter.")
        self._check_grid(inst, request)
        last = quote(self.walk, inst, now).last
        if request.close_fraction:
            self._check_close_fraction(state, inst, request, pos_side)
        check_legs(request.ord_type, request.side, request.tp, request.sl, last)
        self._next_algo += 1
        algo = AlgoOrder(
            algo_id=self._next_algo, api_key=state.api_key, demo=state.demo, inst=inst, td_mode=request.td_mode,
            side=request.side, pos_side=pos_side,
            ord_type=request.ord_type, sz=request.sz, c_time=now, u_time=now, checked_to=now, last=last,
            algo_cl_ord_id=request.algo_cl_ord_id, tag=request.tag, reduce_only=request.reduce_only,
            tgt_ccy=self._tgt_ccy(inst, request), close_fraction=request.close_fraction,
            lever="" if inst.is_spot else fmt(state.lever(inst.inst_id, request.td_mode, pos_side)),
            tp=request.tp, sl=request.sl, trigger=request.trigger, advance_ord_type=request.advance_ord_type,
            rising=request.trigger is not None and request.trigger.trigger_px > last)
        state.algos[algo.algo_id] = algo
        if algo.algo_cl_ord_id:
            state.algo_cl_ord_ids[algo.algo_cl_ord_id] = algo
        self.all_algos.append(algo)
        return algo

    @staticmethod
    def _tgt_ccy(inst, request):
        """``tgtCcy`` "Only applicable to SPOT traded with Market buy conditional order. Default
        is quote_ccy for buy, base_ccy for sell". A trigger order takes none (51281): its ``sz``
        is read in the base currency (*inferred*: OKX names no unit), as a limit leg's is."""
        if not inst.is_spot or request.trigger is not None:
            return ""
        if request.tgt_ccy:
            return request.tgt_ccy
        market = all(leg.ord_px == MARKET for leg in (request.tp, request.sl) if leg is not None)
        return ("quote_ccy" if request.side == "buy" else "base_ccy") if market else ""

    @staticmethod
    def _check_grid(inst, request):
        """Prices on the tick grid, sizes on the lot grid (as for new orders; *inferred* for
        algo orders, whose docs name no code)."""
        for name, leg in (("tp", request.tp), ("sl", request.sl), ("trigger", request.trigger)):
            if leg is None:
                continue
            if not is_multiple(leg.trigger_px, inst.tick_sz):
                raise Rejected("51000", f"Parameter {name}TriggerPx error")
            if leg.ord_px != MARKET and not is_multiple(leg.ord_px, inst.tick_sz):
                raise Rejected("51000", f"Parameter {'orderPx' if name == 'trigger' else name + 'OrdPx'} error")
        if request.sz is not None and AlgoEngine._tgt_ccy(inst, request) != "quote_ccy":
            if not is_multiple(request.sz, inst.lot_sz):
                raise Rejected("51121", f"Order quantity must be a multiple of the lot size {fmt(inst.lot_sz)}.")
            if request.sz < inst.min_sz:
                raise Rejected("51020", "Order amount should be greater than the min available amount.")

    def _check_close_fraction(self, state, inst, request, pos_side):
        if inst.is_spot:
            raise Rejected("51327", "closeFraction is only available for Expiry Futures and Perpetual Futures")
        if pos_side == "net" and not request.reduce_only:
            raise Rejected("51328", "closeFraction is only available for reduceOnly orders")
        if any(leg.ord_px != MARKET for leg in (request.tp, request.sl) if leg is not None):
            raise Rejected("51330", "closeFraction is only available for stop market orders")
        if state.acct_lv == "4":
            raise Rejected("51332", "closeFraction is not applicable to Portfolio Margin")
        if any(a.is_live and a.close_fraction and a.inst is inst and a.td_mode == request.td_mode
               and a.pos_side == pos_side and a.side == request.side for a in state.algos.values()):
            raise Rejected("51088", "You can only place 1 TP/SL order to close an entire position")
        if not self._closable(state, inst, request.td_mode, pos_side, request.side):
            raise Rejected("51058", "No available position for this algo order")

    @staticmethod
    def _closable(state, inst, td_mode, pos_side, side):
        """Contracts an order on ``side`` would close of the position it reduces."""
        position = state.positions.get((inst.inst_id, td_mode, pos_side))
        if position is None or position.pos == 0:
            return 0
        if pos_side in ("long", "short"):
            return abs(position.pos) if (side == "sell") == (pos_side == "long") else 0
        return abs(position.pos) if (position.signed > 0) == (side == "sell") else 0

    # -- cancelling and finding -------------------------------------------------------------
    def cancel(self, algo, now):
        if algo is None or algo.state in ("canceled", "order_failed"):
            raise Rejected("51400", "Order cancellation failed as the order has been filled, canceled or does not "
                           "exist.")
        if not algo.is_live:
            raise Rejected("51416", "Order has been triggered and can't be canceled")
        algo.state, algo.u_time = "canceled", now

    @staticmethod
    def find(state, algo_id, algo_cl_ord_id):
        """``algoId`` wins over ``algoClOrdId`` ("If both are passed, algoId will be used")."""
        if algo_id:
            return state.algos.get(int(algo_id)) if algo_id.isdigit() else None
        return state.algo_cl_ord_ids.get(algo_cl_ord_id)

    # -- firing -----------------------------------------------------------------------------
    def sync(self, states, instruments, now):
        """Fire every live algo whose trigger the walk has crossed since it was last checked."""
        lasts: dict = {}  # (instId, moment) -> last price, shared by the algos of one instrument
        for state in states:
            for algo in list(state.algos.values()):
                if not algo.is_live:
                    continue
                hit = self._first_hit(algo, now, lasts)
                algo.checked_to = max(algo.checked_to, now)
                if hit is not None:
                    self._fire(state, algo, hit[0], hit[1], instruments, now)

    def _first_hit(self, algo, now, lasts):
        start = max(int(algo.checked_to) + 1, int(now) - MAX_SCAN)
        for moment in [float(s) for s in range(start, int(now) + 1) if algo.checked_to < s < now] + [now]:
            key = (algo.inst.inst_id, moment)
            if key not in lasts:
                lasts[key] = quote(self.walk, algo.inst, moment).last
            leg = fires(algo, lasts[key])
            if leg is not None:
                return leg, moment
        return None

    def _child(self, state, algo, leg_name):
        leg = algo.trigger if leg_name == "trigger" else (algo.tp if leg_name == "tp" else algo.sl)
        market = leg.ord_px == MARKET
        sz = algo.sz
        if algo.close_fraction:
            sz = self._closable(state, algo.inst, algo.td_mode, algo.pos_side, algo.side)
        ord_type = "market" if market else (algo.advance_ord_type or "limit")
        return leg, OrderRequest(inst_id=algo.inst.inst_id, td_mode=algo.td_mode, side=algo.side,
                                 ord_type=ord_type, sz=sz, px=None if market else leg.ord_px,
                                 pos_side=algo.pos_side, tag=algo.tag,
                                 tgt_ccy=algo.tgt_ccy or ("base_ccy" if algo.inst.is_spot and market else ""),
                                 reduce_only=algo.reduce_only)

    def _fire(self, state, algo, leg_name, moment, instruments, now):
        """Place the child order; the algo is ``effective``, or ``order_failed`` if refused."""
        leg, request = self._child(state, algo, leg_name)
        algo.trigger_time, algo.u_time = moment, now
        algo.actual_side = leg_name if leg_name in ("tp", "sl") else ""
        try:
            if not request.sz:
                raise Rejected("51169", "Order failed because you don't have any positions in this direction "
                               "for this contract to reduce or close.")
            order = self.engine.place(state, request, instruments, now)
        except Rejected as rejected:
            algo.state, algo.fail_code = "order_failed", rejected.code
            return
        order.algo_id, order.algo_cl_ord_id = str(algo.algo_id), algo.algo_cl_ord_id
        order.source = CHILD_SOURCE[algo.ord_type]
        algo.state, algo.ord_id = "effective", str(order.ord_id)
        algo.actual_sz = request.sz
        # the docs' example of an effective market OCO answers actualPx "" (orders-algo-history)
        algo.actual_px = "" if leg.ord_px == MARKET else fmt(leg.ord_px)
