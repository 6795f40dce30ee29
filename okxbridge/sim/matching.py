# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_modes -*-
"""The matching engine: accepts orders, fills them against the synthetic book.

Marketable orders take at the best bid/ask at once (the market maker's top
level is deep enough for any size); resting orders fill as makers at their own
price when the walk moves through them, at most one fill per order per clock
second and at most the book's top size, so large orders pass through
``partially_filled``; a move made with /__sim__/price sweeps through and fills
them whole. Every order-specific rule answers with OKX's own ``sCode`` (spec §3, §6).
"""

import attrs

from okxbridge.sim.accounts import AccountState, Rejected, set_leverage
from okxbridge.sim.attached import order_rules
from okxbridge.sim.modes import check_td_mode, reduce_only_allowed
from okxbridge.sim.numbers import ZERO, Decimal, floor_to, fmt, is_multiple
from okxbridge.sim.orders import Order
from okxbridge.sim.positions import Position, value
from okxbridge.sim.prices import _level_size, quote

# AccountState, Rejected, set_leverage live in okxbridge.sim.accounts; named here for old importers
__all__ = ["AccountState", "Engine", "Rejected", "set_leverage"]

FEES = {True: {"maker": Decimal("0.0008"), "taker": Decimal("0.001")},
        False: {"maker": Decimal("0.0002"), "taker": Decimal("0.0005")}}
PENDING_CAP = 500
NO_POSITION_TO_CLOSE = ("Order failed because you don't have any positions in this direction for this contract "
                        "to reduce or close.")


@attrs.define(eq=False)
class Engine:
    walk: object
    all_orders: list = attrs.field(factory=list)
    _next_ord: int = 600000000000000000
    _next_pos: int = 700000000000000000
    _next_trade: int = 10000000

    def _ord_id(self):
        self._next_ord += 1
        return self._next_ord

    def _trade_id(self):
        self._next_trade += 1
        return str(self._next_trade)

    # -- placing --------------------------------------------------------------
    def place(self, state, request, instruments, now):
        """Place one validated OrderRequest; returns the Order or raises Rejected."""
        inst = instruments.get(request.inst_id)
        if inst is None:
            raise Rejected("51001", "Instrument ID does not exist.")
        # OKX place-order (#order-book-trading-trade-post-place-order): a clOrdId must differ
        # from those of the account's *pending* (live / partially_filled) orders; once the
        # earlier order is filled or canceled the id may be used again, and no historical
        # uniqueness is kept (spec okx-v5.md "Verified for the fidelity work" §1).
        earlier = state.cl_ord_ids.get(request.cl_ord_id) if request.cl_ord_id else None
        if earlier is not None and earlier.is_open:
            raise Rejected("51016", "Duplicated clOrdId")
        check_td_mode(state.acct_lv, inst, request.td_mode)
        top = quote(self.walk, inst, now)
        request = order_rules(state, inst, request, top)
        pos_side = state.order_pos_side(inst, request)
        if request.px is not None and not is_multiple(request.px, inst.tick_sz):
            raise Rejected("51000", "Parameter px error")
        target = self._target(inst, request, top)
        if not (inst.is_spot and request.ord_type == "market") and not is_multiple(request.sz, inst.lot_sz):
            raise Rejected("51121", f"Order quantity must be a multiple of the lot size {fmt(inst.lot_sz)}.")
        if target < inst.min_sz:
            raise Rejected("51020", "Order amount should be greater than the min available amount.")
        open_here = [o for o in state.orders.values() if o.is_open and o.inst is inst]
        if len(open_here) >= PENDING_CAP:
            raise Rejected("51174", "The number of pending orders reached the upper limit of 500.")
        lever = "" if inst.is_spot else fmt(state.lever(inst.inst_id, request.td_mode, pos_side))
        order = Order(
            ord_id=self._ord_id(), api_key=state.api_key, demo=state.demo, inst=inst,
            td_mode=request.td_mode, side=request.side, pos_side=pos_side, ord_type=request.ord_type,
            sz=request.sz, px=request.px, c_time=now, u_time=now, cl_ord_id=request.cl_ord_id,
            tag=request.tag, tgt_ccy=request.tgt_ccy if inst.is_spot else "", lever=lever,
            reduce_only=request.reduce_only and reduce_only_allowed(state.acct_lv), base_target=target,
            **request.extras())
        if inst.is_spot:
            buying = order.side == "buy"
            order.fee_ccy, order.rebate_ccy = (inst.base, inst.quote) if buying else (inst.quote, inst.base)
            if order.ord_type == "market" and not order.tgt_ccy:
                order.tgt_ccy = "quote_ccy" if order.side == "buy" else "base_ccy"
        else:
            order.fee_ccy = order.rebate_ccy = inst.settle
        self._reserve(state, order, top, now)
        state.orders[order.ord_id] = order
        if order.cl_ord_id:
            # get-order by clOrdId answers the latest order with it (#order-book-trading-trade-get-order-details)
            state.cl_ord_ids[order.cl_ord_id] = order
        self.all_orders.append(order)
        self._match_on_arrival(state, order, top, now)
        return order

    def _target(self, inst, request, top):
        """The order's size in fill units: base ccy (spot) or contracts."""
        if inst.is_spot and request.ord_type == "market":
            tgt = request.tgt_ccy or ("quote_ccy" if request.side == "buy" else "base_ccy")
            if tgt == "quote_ccy":
                px = top.ask if request.side == "buy" else top.bid
                return floor_to(request.sz / px, inst.lot_sz)
        return request.sz

    def _position(self, state, inst, mgn_mode, pos_side, now):
        key = (inst.inst_id, mgn_mode, pos_side)
        position = state.positions.get(key)
        if position is None or position.pos == 0:
            self._next_pos += 1
            position = Position(
                pos_id=self._next_pos, inst=inst, mgn_mode=mgn_mode, pos_side=pos_side,
                c_time=now, lever=state.lever(inst.inst_id, mgn_mode, pos_side),
            )
            state.positions[key] = position
        return position

    def _closing(self, state, order, now):
        """Contracts of ``order`` that reduce an existing position."""
        inst = order.inst
        position = state.positions.get((inst.inst_id, order.td_mode, order.pos_side))
        held = position.signed if position else ZERO
        if order.pos_side == "long":
            return order.base_target if order.side == "sell" else ZERO
        if order.pos_side == "short":
            return order.base_target if order.side == "buy" else ZERO
        if held and (held > 0) != (order.side == "buy"):
            return min(order.base_target, abs(held))
        return ZERO

    def _reserve(self, state, order, top, now):
        """Freeze what the order may spend, or reject with 51008 when it is not there."""
        inst, ledger = order.inst, state.ledger
        if inst.is_spot:
            if order.side == "buy":
                ccy = inst.quote
                if order.ord_type == "market":
                    amount = order.sz if order.tgt_ccy == "quote_ccy" else order.sz * top.ask
                else:
                    amount = order.sz * order.px
            else:
                ccy, amount = inst.base, order.base_target
        else:
            closing = self._closing(state, order, now)
            if order.pos_side in ("long", "short") and closing:
                position = state.positions.get((inst.inst_id, order.td_mode, order.pos_side))
                free = abs(position.pos) - position.pending_close if position else ZERO
                if closing > free:
                    raise Rejected("51169", NO_POSITION_TO_CLOSE)
            elif order.reduce_only and closing < order.base_target:
                raise Rejected("51169", NO_POSITION_TO_CLOSE)
            opening = order.base_target - closing
            px = order.px or (top.ask if order.side == "buy" else top.bid)
            ccy = inst.settle
            amount = value(inst, opening, px) / Decimal(order.lever) if opening else ZERO
            if order.pos_side in ("long", "short") and closing:
                state.positions[(inst.inst_id, order.td_mode, order.pos_side)].pending_close += closing
        if amount > ledger.available(ccy):
            raise Rejected("51008", f"Order failed. Insufficient {ccy} balance in account.")
        order.frozen_ccy, order.frozen = ccy, amount
        ledger.freeze(ccy, amount, now)

    def _release(self, state, order, amount, now):
        amount = min(amount, order.frozen)
        order.frozen -= amount
        state.ledger.unfreeze(order.frozen_ccy, amount, now)

    def _match_on_arrival(self, state, order, top, now):
        taker_px = top.ask if order.side == "buy" else top.bid
        marketable = order.ord_type in ("market", "optimal_limit_ioc") or (
            order.px >= top.ask if order.side == "buy" else order.px <= top.bid)
        if not marketable:
            if order.ord_type in ("ioc", "fok"):
                self._cancel(state, order, now, "14" if order.ord_type == "ioc" else "15",
                             "Order canceled: the order could not be filled immediately.")
            return
        if order.ord_type == "post_only":
            # OKX accepts the order, then cancels it rather than let it take (cancelSource 31).
            self._cancel(state, order, now, "31", "The post-only order will take liquidity in taker orders")
            return
        self.fill(state, order, order.base_target, taker_px, "taker", now)

    # -- filling --------------------------------------------------------------
    def fill(self, state, order, qty, price, role, now):
        inst, ledger = order.inst, state.ledger
        remaining = order.base_target - order.acc_fill_sz
        qty = min(qty, remaining)
        rate = FEES[inst.is_spot][role]
        if inst.is_spot:
            fee, changes = self._settle_spot(state, order, qty, price, rate, now)
            realised = ZERO
        else:
            position = self._position(state, inst, order.td_mode, order.pos_side, now)
            fee, realised, changes = self._settle_contracts(state, order, position, qty, remaining, price, rate, now)
        order.acc_fill_sz += qty
        order.notional_filled += qty / price if inst.is_inverse else qty * price
        order.fill_px, order.fill_sz, order.fill_time = price, qty, now
        order.fee -= fee
        order.trade_id = self._trade_id()
        state.history.record(ledger, order, order.trade_id, price, qty, role, fee, realised, changes, now)
        if not inst.is_spot:
            position.trade_id = order.trade_id
        order.last_fill_second = int(now)
        order.u_time = now
        if order.acc_fill_sz >= order.base_target:
            order.state = "filled"
            self._release(state, order, order.frozen, now)
        else:
            order.state = "partially_filled"

    def _settle_spot(self, state, order, qty, price, rate, now):
        """A spot fill's cash movements: ``(fee, changes)``."""
        inst, ledger = order.inst, state.ledger
        if order.side == "buy":
            cost = qty * price
            ledger.credit(inst.quote, -cost, now)
            if order.ord_type == "market":
                self._release(state, order, cost, now)
            else:
                self._release(state, order, qty * order.px, now)
            fee = qty * rate
            ledger.credit(inst.base, qty - fee, now)
            return fee, [(inst.quote, -cost, ZERO), (inst.base, qty - fee, fee)]
        ledger.credit(inst.base, -qty, now)
        self._release(state, order, qty, now)
        fee = qty * price * rate
        ledger.credit(inst.quote, qty * price - fee, now)
        return fee, [(inst.base, -qty, ZERO), (inst.quote, qty * price - fee, fee)]

    def _settle_contracts(self, state, order, position, qty, remaining, price, rate, now):
        """A contract fill's position and cash movements: ``(fee, realised pnl, changes)``."""
        inst = order.inst
        share = order.frozen * qty / remaining if remaining else order.frozen
        self._release(state, order, share, now)
        if order.pos_side in ("long", "short") and (order.side == "sell") == (order.pos_side == "long"):
            position.pending_close -= min(qty, position.pending_close)
        realised = position.apply_fill(order.side, qty, price, now)
        fee = value(inst, qty, price) * rate
        position.fee -= fee
        order.pnl += realised
        state.ledger.credit(inst.settle, realised - fee, now)
        self.refresh_margin(state, inst.settle, now)
        return fee, realised, [(inst.settle, realised - fee, fee)]

    def refresh_margin(self, state, ccy, now):
        total = sum((p.margin() for p in state.positions.values() if p.inst.settle == ccy), ZERO)
        state.ledger.set_margin(ccy, total, now)

    def sync(self, states, now, sweep=False):
        """Fill resting orders the market has moved through since they were placed.

        ``sweep``: the price was moved on purpose (``/__sim__/price``), through every order it
        crosses, so those fill whole — a test can rely on it whatever the second's book depth.
        """
        quotes = {}
        for state in states:
            for order in list(state.orders.values()):
                if not order.is_open or order.px is None or order.last_fill_second == int(now):
                    continue
                inst = order.inst
                top = quotes.get(inst.inst_id)
                if top is None:
                    top = quotes[inst.inst_id] = quote(self.walk, inst, now)
                crossed = top.ask <= order.px if order.side == "buy" else top.bid >= order.px
                if crossed:
                    if sweep:
                        depth = order.base_target - order.acc_fill_sz
                    else:
                        depth = _level_size(self.walk.seed, inst, now, "ask" if order.side == "buy" else "bid", 0)
                    self.fill(state, order, depth, order.px, "maker", now)

    # -- cancelling -----------------------------------------------------------
    def cancel(self, state, order, now):
        if order is None:
            raise Rejected("51400", "Cancellation failed as the order does not exist.")
        if not order.is_open:
            raise Rejected("51400", "Cancellation failed as the order has been filled, canceled or does not exist.")
        self._cancel(state, order, now, "1", "Order canceled by user")

    def _cancel(self, state, order, now, source, reason):
        order.state = "canceled"
        order.cancel_source, order.cancel_reason = source, reason
        order.u_time = now
        self._release(state, order, order.frozen, now)
        if order.pos_side in ("long", "short") and (order.side == "sell") == (order.pos_side == "long"):
            position = state.positions.get((order.inst.inst_id, order.td_mode, order.pos_side))
            if position is not None:
                position.pending_close -= min(order.base_target - order.acc_fill_sz, position.pending_close)

    def find(self, state, inst_id, ord_id, cl_ord_id):
        """GET /trade/order lookup: ordId wins over clOrdId (spec §3 Get order)."""
        if ord_id:
            order = state.orders.get(int(ord_id)) if ord_id.isdigit() else None
        else:
            order = state.cl_ord_ids.get(cl_ord_id)
        if order is not None and order.inst.inst_id != inst_id:
            return None
        return order
