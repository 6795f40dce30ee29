# -*- test-case-name: tests.sim.test_instruments -*-
"""The instruments the emulator lists, with OKX's real trading rules.

Sizes and ticks are OKX's published values (GET /api/v5/public/instruments, spec
§3a). Dated futures are derived from the clock because OKX lists them that way:
weekly, bi-weekly and quarterly contracts expire on Fridays at 08:00 UTC, and a
new one is listed when the previous delivers.
"""

import datetime
import zlib
from decimal import Decimal

import attrs

from okxbridge.sim.numbers import fmt, ms

UTC = datetime.timezone.utc
DAY = 86400
WEEK = 7 * DAY
FRIDAY = 4


@attrs.frozen
class Listing:
    """One tradable instrument and the rules the matching engine enforces."""

    inst_type: str
    inst_id: str
    base: str
    quote: str
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    underlying: str
    ct_val: Decimal = Decimal(0)
    ct_type: str = ""
    settle: str = ""
    lever: str = "10"
    list_time: int = 1548133413000
    exp_time: int = 0
    alias: str = ""
    max_lmt_sz: str = "9999999999"
    max_mkt_sz: str = "1000000"
    opt_type: str = ""   # C or P, options only
    strike: str = ""

    @property
    def inst_id_code(self):
        """OKX's numeric ``instIdCode`` (docs #public-data-rest-api-get-instruments), which its
        WebSocket order operations take instead of ``instId`` since 2026 (spec okx-ws.md §6).
        OKX assigns them; the emulator derives a stable one from the instId."""
        return 100000 + zlib.crc32(self.inst_id.encode()) % 9_000_000

    def code_in(self, demo):
        """The ``instIdCode`` of live or demo: OKX's differ between them and are ``null`` "when
        not generated" (changelog 2025-11-20); which instruments lack one is not documented, so
        okxsim leaves the demo codes of ``NO_DEMO_CODE`` null (inferred)."""
        if not demo:
            return self.inst_id_code
        return None if self.inst_id in NO_DEMO_CODE else self.inst_id_code + DEMO_CODE_OFFSET

    @property
    def is_spot(self):
        return self.inst_type == "SPOT"

    @property
    def is_inverse(self):
        return self.ct_type == "inverse"

    @property
    def margin_ccy(self):
        """Where contract margin and pnl live: quote (linear) or base (inverse) currency."""
        return self.settle

    @property
    def ct_val_ccy(self):
        return self.quote if self.is_inverse else self.base

    def to_okx(self, demo=False):
        """The object OKX's public/instruments returns for this instrument (live or demo)."""
        spot = self.is_spot
        return {
            # OKX deprecated ``alias`` (docs #public-data-rest-api-get-instruments: "use expTime
            # instead", removed by the end of April 2026): sent empty, so clients must use expTime
            "alias": "",
            "auctionEndTime": "",
            "baseCcy": self.base if spot else "",
            "category": "1",
            "contTdSwTime": "",
            "ctMult": "" if spot else "1",
            "ctType": self.ct_type,
            "ctVal": "" if spot else fmt(self.ct_val),
            "ctValCcy": "" if spot else self.ct_val_ccy,
            "expTime": str(self.exp_time) if self.exp_time else "",
            "futureSettlement": False,
            "instFamily": "" if spot else self.underlying,
            "instId": self.inst_id,
            "instIdCode": self.code_in(demo),
            "instType": self.inst_type,
            "lever": self.lever,
            "listTime": str(self.list_time),
            "lotSz": fmt(self.lot_sz),
            "maxIcebergSz": self.max_lmt_sz,
            "maxLmtAmt": "20000000",
            "maxLmtSz": self.max_lmt_sz,
            "maxMktAmt": "1000000" if spot else "",
            "maxMktSz": self.max_mkt_sz,
            "maxStopSz": self.max_mkt_sz,
            "maxTriggerSz": self.max_lmt_sz,
            "maxTwapSz": self.max_lmt_sz,
            "minSz": fmt(self.min_sz),
            "openType": "",
            "optType": self.opt_type,
            "quoteCcy": self.quote if spot else "",
            "ruleType": "normal",
            "settleCcy": self.settle,
            "state": "live",
            "stk": self.strike,
            "tickSz": fmt(self.tick_sz),
            "uly": "" if spot else self.underlying,
        }


#: instruments whose demo ``instIdCode`` is null (see Listing.code_in)
NO_DEMO_CODE = frozenset({"OKB-USDT"})
#: demo codes are live codes moved past every live one (OKX's differ; how is not documented)
DEMO_CODE_OFFSET = 10_000_000


def _spot(base, tick, lot, min_sz, listed):
    return Listing(
        inst_type="SPOT", inst_id=f"{base}-USDT", base=base, quote="USDT",
        tick_sz=Decimal(tick), lot_sz=Decimal(lot), min_sz=Decimal(min_sz),
        underlying=f"{base}-USDT", list_time=listed,
    )


SPOT = (
    _spot("BTC", "0.1", "0.00000001", "0.00001", 1548133413000),
    _spot("ETH", "0.01", "0.000001", "0.0001", 1548133413000),
    _spot("LTC", "0.01", "0.000001", "0.001", 1548133413000),
    _spot("OKB", "0.001", "0.000001", "0.01", 1548133413000),
)

SWAP = (
    Listing(
        inst_type="SWAP", inst_id="BTC-USDT-SWAP", base="BTC", quote="USDT",
        tick_sz=Decimal("0.1"), lot_sz=Decimal("0.01"), min_sz=Decimal("0.01"),
        underlying="BTC-USDT", ct_val=Decimal("0.01"), ct_type="linear",
        settle="USDT", lever="100", list_time=1573557408000,
        max_lmt_sz="100000000", max_mkt_sz="12000",
    ),
    Listing(
        inst_type="SWAP", inst_id="ETH-USDT-SWAP", base="ETH", quote="USDT",
        tick_sz=Decimal("0.01"), lot_sz=Decimal("0.01"), min_sz=Decimal("0.01"),
        underlying="ETH-USDT", ct_val=Decimal("0.1"), ct_type="linear",
        settle="USDT", lever="100", list_time=1573557408000,
        max_lmt_sz="100000000", max_mkt_sz="20000",
    ),
    Listing(
        inst_type="SWAP", inst_id="BTC-USD-SWAP", base="BTC", quote="USD",
        tick_sz=Decimal("0.1"), lot_sz=Decimal("1"), min_sz=Decimal("1"),
        underlying="BTC-USD", ct_val=Decimal("100"), ct_type="inverse",
        settle="BTC", lever="100", list_time=1571212800000,
        max_lmt_sz="100000000", max_mkt_sz="20000",
    ),
)


def next_friday_0800(seconds):
    """The first Friday 08:00 UTC strictly after ``seconds``."""
    now = datetime.datetime.fromtimestamp(seconds, UTC)
    candidate = now.replace(hour=8, minute=0, second=0, microsecond=0)
    candidate += datetime.timedelta(days=(FRIDAY - candidate.weekday()) % 7)
    if candidate.timestamp() <= seconds:
        candidate += datetime.timedelta(days=7)
    return candidate.timestamp()


def last_friday_0800_of_quarter(seconds):
    """Last Friday 08:00 UTC of the quarter-end month (Mar/Jun/Sep/Dec) holding ``seconds``."""
    now = datetime.datetime.fromtimestamp(seconds, UTC)
    month = ((now.month - 1) // 3) * 3 + 3
    year = now.year
    first_next = datetime.datetime(year + (month == 12), month % 12 + 1, 1, 8, tzinfo=UTC)
    last_day = first_next - datetime.timedelta(days=1)
    back = (last_day.weekday() - FRIDAY) % 7
    return (last_day - datetime.timedelta(days=back)).timestamp()


def futures_expiries(seconds):
    """``{horizon: expiry seconds}`` for this_week, next_week, quarter and next_quarter.

    OKX's quarterly contract is the quarter-end one that is neither of the weekly
    ones; when the quarter ends within two weeks it rolls to the next quarter.
    """
    this_week = next_friday_0800(seconds)
    next_week = this_week + WEEK
    quarter = last_friday_0800_of_quarter(seconds)
    if quarter <= next_week:
        quarter = last_friday_0800_of_quarter(next_week + WEEK)
    next_quarter = last_friday_0800_of_quarter(quarter + WEEK)
    return {"this_week": this_week, "next_week": next_week, "quarter": quarter, "next_quarter": next_quarter}


def _future(alias, expiry):
    day = datetime.datetime.fromtimestamp(expiry, UTC).strftime("%y%m%d")
    return Listing(
        inst_type="FUTURES", inst_id=f"BTC-USDT-{day}", base="BTC", quote="USDT",
        tick_sz=Decimal("0.1"), lot_sz=Decimal("0.01"), min_sz=Decimal("0.01"),
        underlying="BTC-USDT", ct_val=Decimal("0.01"), ct_type="linear",
        settle="USDT", lever="100", list_time=ms(expiry - (14 if "week" in alias else 200) * DAY),
        exp_time=ms(expiry), alias=alias, max_lmt_sz="100000000", max_mkt_sz="12000",
    )


def _option(expiry, strike, opt_type):
    """A BTC-USD option (coin-settled, 0.01 BTC a contract), as OKX lists them."""
    day = datetime.datetime.fromtimestamp(expiry, UTC).strftime("%y%m%d")
    return Listing(
        inst_type="OPTION", inst_id=f"BTC-USD-{day}-{strike}-{opt_type}", base="BTC", quote="USD",
        tick_sz=Decimal("0.0005"), lot_sz=Decimal("1"), min_sz=Decimal("1"), underlying="BTC-USD",
        ct_val=Decimal("0.01"), settle="BTC", lever="", list_time=ms(expiry - 30 * DAY), exp_time=ms(expiry),
        max_lmt_sz="10000", max_mkt_sz="5000", opt_type=opt_type, strike=strike,
    )


#: strikes listed for each option expiry: a few, enough for clients that expect options to exist
OPTION_STRIKES = ("50000", "60000", "70000")


def catalogue(seconds):
    """Every listed instrument at clock time ``seconds``, keyed by instId, in listing order.

    OKX lists options too, so okxsim lists a few BTC-USD calls and puts on the weekly and
    quarterly expiries (ccxt's market checks expect them); okxsim does not price them as
    options — their quotes follow the same walk as every other instrument.
    """
    expiries = futures_expiries(seconds)
    futures = tuple(_future(alias, expiry) for alias, expiry in expiries.items())
    options = tuple(_option(expiries[alias], strike, kind) for alias in ("this_week", "quarter")
                    for strike in OPTION_STRIKES for kind in ("C", "P"))
    return {inst.inst_id: inst for inst in SPOT + SWAP + futures + options}


def list_type(instruments, inst_type):
    """public/instruments for one ``instType``."""
    return [inst for inst in instruments.values() if inst.inst_type == inst_type]
