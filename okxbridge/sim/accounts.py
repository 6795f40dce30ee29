# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""One account of the emulator (in one environment) and its account-level rules: per-order
rejections, leverage (``POST /account/set-leverage``)."""

import attrs

from okxbridge.sim.errors import ApiRejection
from okxbridge.sim.history import History
from okxbridge.sim.ledger import Ledger
from okxbridge.sim.numbers import Decimal

DEFAULT_LEVER = Decimal(10)


class Rejected(Exception):
    """A per-order failure: ``sCode``/``sMsg`` in the item, top code "1"."""

    def __init__(self, code, msg):
        super().__init__(code, msg)
        self.code, self.msg = code, msg


@attrs.define(eq=False)
class AccountState:
    """One account in one environment (live or ``x-simulated-trading: 1`` demo)."""

    api_key: str
    demo: bool
    ledger: Ledger
    orders: dict = attrs.field(factory=dict)
    cl_ord_ids: dict = attrs.field(factory=dict)
    positions: dict = attrs.field(factory=dict)
    levers: dict = attrs.field(factory=dict)
    pos_mode: str = "net_mode"
    #: account mode, ``acctLv`` of /account/config (see :mod:`okxbridge.sim.modes`)
    acct_lv: str = "2"
    history: History = attrs.field(factory=History)
    #: algo orders by algoId, and the latest by algoClOrdId (okxbridge.sim.algo_engine)
    algos: dict = attrs.field(factory=dict)
    algo_cl_ord_ids: dict = attrs.field(factory=dict)

    def lever_key(self, inst_id, mgn_mode, pos_side):
        split = mgn_mode == "isolated" and self.pos_mode == "long_short_mode"
        return (inst_id, mgn_mode, pos_side if split else "")

    def lever(self, inst_id, mgn_mode, pos_side):
        return self.levers.get(self.lever_key(inst_id, mgn_mode, pos_side), DEFAULT_LEVER)

    def open_positions(self):
        return [p for p in self.positions.values() if p.pos != 0]

    def order_pos_side(self, inst, request):
        """The position side an order takes in this account's position mode."""
        if inst.is_spot:
            return "net"
        if self.pos_mode == "long_short_mode":
            if request.pos_side not in ("long", "short"):
                raise Rejected("51000", "Parameter posSide error")
            return request.pos_side
        if request.pos_side not in ("", "net"):
            raise Rejected("51000", "Parameter posSide error")
        return "net"


def set_leverage(engine, state, inst, mgn_mode, pos_side, lever, now):
    """POST /account/set-leverage: re-margins open positions at the new leverage."""
    if mgn_mode not in ("cross", "isolated"):
        raise ApiRejection("51000", "Parameter mgnMode error")
    maximum = Decimal(inst.lever)
    if lever is None or lever < 1 or lever > maximum:
        raise ApiRejection("51000", "Parameter lever error")
    sides = [pos_side] if pos_side else (["long", "short"] if state.pos_mode == "long_short_mode" else ["net"])
    for side in sides:
        state.levers[state.lever_key(inst.inst_id, mgn_mode, side)] = lever
    for position in state.positions.values():
        if position.inst is inst and position.mgn_mode == mgn_mode:
            position.lever = state.lever(inst.inst_id, mgn_mode, position.pos_side)
    if not inst.is_spot:
        engine.refresh_margin(state, inst.settle, now)
