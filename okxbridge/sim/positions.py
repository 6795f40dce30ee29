# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""Contract positions and the arithmetic of linear and inverse contracts.

Linear (USDT-margined): notional = contracts x ctVal x price, in USDT.
Inverse (coin-margined, BTC-USD-SWAP): notional = contracts x ctVal / price, in
BTC; pnl = contracts x ctVal x (1/entry - 1/exit). In net mode one position per
instrument and margin mode carries a signed ``pos``; in long/short mode there is
one per side with a positive ``pos`` (docs #trading-account-rest-api-get-positions).
"""

from decimal import Decimal

import attrs

from okxbridge.sim.numbers import ZERO, fmt

MMR_RATE = Decimal("0.004")


def value(inst, contracts, price):
    """Settle-currency value of ``contracts`` at ``price`` (always positive)."""
    contracts = abs(contracts)
    if inst.is_inverse:
        return contracts * inst.ct_val / price
    return contracts * inst.ct_val * price


def pnl(inst, signed_contracts, entry, exit_px):
    """Settle-currency pnl of a signed position moving from ``entry`` to ``exit_px``."""
    if inst.is_inverse:
        return signed_contracts * inst.ct_val * (1 / entry - 1 / exit_px)
    return signed_contracts * inst.ct_val * (exit_px - entry)


@attrs.define(eq=False)
class Position:
    pos_id: int
    inst: object
    mgn_mode: str
    pos_side: str
    c_time: float
    lever: Decimal
    pos: Decimal = ZERO  # signed in net mode, positive in long/short mode
    avg_px: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fee: Decimal = ZERO
    pending_close: Decimal = ZERO
    u_time: float = 0.0
    trade_id: str = ""

    @property
    def direction(self):
        if self.pos_side == "short":
            return -1
        if self.pos_side == "long":
            return 1
        return 1 if self.pos >= 0 else -1

    @property
    def signed(self):
        return abs(self.pos) * self.direction

    def margin(self):
        if self.pos == 0:
            return ZERO
        return value(self.inst, self.pos, self.avg_px) / self.lever

    def apply_fill(self, side, contracts, price, now):
        """Add a fill; returns the pnl it realises (closing part only)."""
        delta = contracts if side == "buy" else -contracts
        signed = self.signed
        realised = ZERO
        if signed == 0 or (signed > 0) == (delta > 0):
            new = abs(signed) + contracts
            if self.inst.is_inverse:
                self.avg_px = new / (abs(signed) / self.avg_px + contracts / price) if signed else price
            else:
                self.avg_px = (abs(signed) * self.avg_px + contracts * price) / new
            signed += delta
        else:
            closing = min(contracts, abs(signed))
            sign = 1 if signed > 0 else -1
            realised = pnl(self.inst, sign * closing, self.avg_px, price)
            signed += sign * -closing
            rest = contracts - closing
            if rest:
                signed = rest if delta > 0 else -rest
                self.avg_px = price
        self.pos = signed if self.pos_side == "net" else abs(signed)
        self.realized_pnl += realised
        self.u_time = now
        return realised

    def to_okx(self, mark, now):
        upl = pnl(self.inst, self.signed, self.avg_px, mark) if self.pos else ZERO
        margin = self.margin()
        notional_usd = value(self.inst, self.pos, mark) * (1 if self.inst.is_inverse is False else mark)
        if self.inst.is_inverse:
            notional_usd = abs(self.pos) * self.inst.ct_val
        mmr = value(self.inst, self.pos, mark) * MMR_RATE
        ratio = upl / margin if margin else ZERO
        avail = abs(self.pos) - self.pending_close
        return {
            "adl": "1", "availPos": fmt(avail), "avgPx": fmt(round(self.avg_px, 10)),
            "baseBal": "", "baseBorrowed": "", "baseInterest": "", "bePx": fmt(round(self.avg_px, 10)),
            "bizRefId": "", "bizRefType": "", "cTime": _ms(self.c_time), "ccy": self.inst.settle,
            "clSpotInUseAmt": "", "closeOrderAlgo": [], "deltaBS": "", "deltaPA": "",
            "fee": fmt(self.fee), "fundingFee": "0", "gammaBS": "", "gammaPA": "", "hedgedPos": "",
            "idxPx": fmt(mark), "imr": fmt(round(margin, 16)) if self.mgn_mode == "cross" else "",
            "instId": self.inst.inst_id, "instType": self.inst.inst_type, "interest": "",
            "last": fmt(mark), "lever": fmt(self.lever), "liab": "", "liabCcy": "", "liqPenalty": "0",
            "liqPx": "", "margin": fmt(round(margin, 16)) if self.mgn_mode == "isolated" else "",
            "markPx": fmt(mark), "maxSpotInUseAmt": "", "mgnMode": self.mgn_mode, "mgnRatio": "",
            "mmr": fmt(round(mmr, 16)), "nonSettleAvgPx": "", "notionalUsd": fmt(round(notional_usd, 10)),
            "optVal": "", "pendingCloseOrdLiabVal": "", "pnl": fmt(round(self.realized_pnl, 16)),
            "pos": fmt(self.pos), "posCcy": "", "posId": str(self.pos_id), "posSide": self.pos_side,
            "quoteBal": "", "quoteBorrowed": "", "quoteInterest": "",
            "realizedPnl": fmt(round(self.realized_pnl + self.fee, 16)), "settledPnl": "",
            "spotInUseAmt": "", "spotInUseCcy": "", "thetaBS": "", "thetaPA": "",
            "tradeId": self.trade_id, "uTime": _ms(self.u_time or now), "upl": fmt(round(upl, 16)),
            "uplLastPx": fmt(round(upl, 16)), "uplRatio": fmt(round(ratio, 16)),
            "uplRatioLastPx": fmt(round(ratio, 16)), "usdPx": "", "vegaBS": "", "vegaPA": "",
        }


def _ms(seconds):
    return str(int(round(seconds * 1000)))
