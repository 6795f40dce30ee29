# -*- test-case-name: tests.sim.test_sim_engine, tests.sim.test_sim_http -*-
"""Balances of one account in one environment (live or demo).

OKX's trading account (single-currency margin, acctLv 2) shows per currency
``cashBal`` (what you own), ``frozenBal`` (held by open orders and by position
margin), ``ordFrozen`` (the open-order part) and ``availBal = cashBal - frozenBal``.
Contract margin is frozen in the settle currency, not spent: closing a position
releases it and books the realised pnl into ``cashBal``. The funding account is
a separate set of balances (GET /asset/balances).
"""

from decimal import Decimal

import attrs

from okxbridge.sim.numbers import ZERO, fmt, ms_text


@attrs.define
class Ledger:
    cash: dict = attrs.field(factory=dict)
    ord_frozen: dict = attrs.field(factory=dict)
    pos_margin: dict = attrs.field(factory=dict)
    funding: dict = attrs.field(factory=dict)
    touched: dict = attrs.field(factory=dict)

    def frozen(self, ccy):
        return self.ord_frozen.get(ccy, ZERO) + self.pos_margin.get(ccy, ZERO)

    def available(self, ccy):
        return self.cash.get(ccy, ZERO) - self.frozen(ccy)

    def _add(self, book, ccy, amount, now):
        book[ccy] = book.get(ccy, ZERO) + amount
        self.touched[ccy] = now

    def credit(self, ccy, amount, now):
        self._add(self.cash, ccy, amount, now)

    def freeze(self, ccy, amount, now):
        self._add(self.ord_frozen, ccy, amount, now)

    def unfreeze(self, ccy, amount, now):
        self._add(self.ord_frozen, ccy, -amount, now)

    def set_margin(self, ccy, amount, now):
        if self.pos_margin.get(ccy, ZERO) != amount:
            self.pos_margin[ccy] = amount
            self.touched[ccy] = now

    def currencies(self):
        names = set(self.cash) | set(self.ord_frozen) | set(self.pos_margin)
        return sorted(c for c in names if self.cash.get(c, ZERO) != 0 or self.frozen(c) != 0)


def balance_detail(ledger, ccy, usd_price, upl, now, iso=(ZERO, ZERO)):
    """One ``details[]`` entry of GET /account/balance with every field OKX sends; ``iso``
    is (margin, upl) of the isolated positions settled in ``ccy``."""
    iso_margin, iso_upl = iso
    cash = ledger.cash.get(ccy, ZERO)
    frozen = ledger.frozen(ccy)
    eq = cash + upl
    avail = cash - frozen
    return {
        "accAvgPx": "", "availBal": fmt(avail), "availEq": fmt(avail), "borrowFroz": "0",
        "cashBal": fmt(cash), "ccy": ccy, "clSpotInUseAmt": "", "colBorrAutoConversion": "0",
        "collateralEnabled": False, "collateralRestrict": False, "crossLiab": "0",
        "disEq": fmt(eq * usd_price), "eq": fmt(eq), "eqUsd": fmt(eq * usd_price),
        "fixedBal": "0", "frozenBal": fmt(frozen), "imr": "", "interest": "0",
        "isoEq": fmt(round(iso_margin + iso_upl, 16)), "isoLiab": "0", "isoUpl": fmt(round(iso_upl, 16)),
        "liab": "0", "maxLoan": "0", "maxSpotInUse": "",
        "mgnRatio": "", "mmr": "", "notionalLever": "", "openAvgPx": "",
        "ordFrozen": fmt(ledger.ord_frozen.get(ccy, ZERO)), "rewardBal": "", "smtSyncEq": "0",
        "spotBal": "", "spotCopyTradingEq": "0", "spotInUseAmt": "", "spotIsoBal": "0",
        "spotUpl": "", "spotUplRatio": "", "stgyEq": "0", "totalPnl": "", "totalPnlRatio": "",
        "twap": "0", "uTime": ms_text(ledger.touched.get(ccy, now)), "upl": fmt(upl), "uplLiab": "0",
    }


def account_balance(ledger, usd_prices, upls, now, only=None, isolated=None):
    """GET /account/balance data: one summary object with ``details`` for non-zero currencies."""
    details = []
    for ccy in ledger.currencies():
        if only and ccy not in only:
            continue
        details.append(balance_detail(ledger, ccy, usd_prices(ccy), upls.get(ccy, ZERO), now,
                                      (isolated or {}).get(ccy, (ZERO, ZERO))))
    total = sum((Decimal(d["eqUsd"]) for d in details), ZERO)
    upl_usd = sum((upls.get(d["ccy"], ZERO) * usd_prices(d["ccy"]) for d in details), ZERO)
    ord_usd = sum((ledger.ord_frozen.get(d["ccy"], ZERO) * usd_prices(d["ccy"]) for d in details), ZERO)
    return [{
        "adjEq": "", "availEq": "", "borrowFroz": "", "details": details, "imr": "", "isoEq": "0",
        "mgnRatio": "", "mmr": "", "notionalUsd": "", "notionalUsdForBorrow": "",
        "notionalUsdForFutures": "", "notionalUsdForOption": "", "notionalUsdForSwap": "",
        "ordFroz": fmt(ord_usd), "totalEq": fmt(total), "uTime": ms_text(now), "upl": fmt(upl_usd),
    }]


def funding_balances(ledger, only=None):
    """GET /asset/balances data: funding-account currencies with a positive balance."""
    rows = []
    for ccy in sorted(ledger.funding):
        amount = ledger.funding[ccy]
        if amount <= 0 or (only and ccy not in only):
            continue
        rows.append({"availBal": fmt(amount), "bal": fmt(amount), "ccy": ccy, "frozenBal": "0"})
    return rows
