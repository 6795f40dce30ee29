# -*- test-case-name: tests.convert.test_expiries -*-
"""Naming dated futures by horizon (``this_week`` … ``next_quarter``) from their expiry.

OKX deprecated the instrument field ``alias`` and announced its removal for the end of
April 2026 (docs #public-data-rest-api-get-instruments: "use expTime instead"), so the
horizon of each contract is worked out here from ``expTime`` (or the date in the instId)
and OKX's delivery schedule: every dated future delivers on a Friday at 08:00 UTC; the
weekly ones on the coming Friday (``this_week``) and the one after (``next_week``), the
monthly ones on the last Friday of a month, the quarterly ones on the last Friday of
March, June, September and December. A contract takes the shortest horizon it fits, so a
quarterly contract delivering this Friday is ``this_week``, not ``quarter``, as OKX names it.
Pure functions; the caller passes OKX's time.
"""

from __future__ import annotations

import datetime
import re
from typing import Iterable

UTC = datetime.timezone.utc
FRIDAY = 4
DELIVERY_HOUR = 8
WEEKLY = ("this_week", "next_week")
MONTHLY = ("this_month", "next_month")
QUARTERLY = ("quarter", "next_quarter", "third_quarter")
#: every horizon FMZ symbols may name, shortest first
HORIZONS = WEEKLY + MONTHLY + QUARTERLY
_DATE = re.compile(r"^\d{6}$")


def expiry_of(inst_id: str, exp_time_ms: int = 0) -> int:
    """A dated future's delivery (ms): ``expTime``, else the YYMMDD in its instId at 08:00 UTC."""
    if exp_time_ms:
        return exp_time_ms
    parts = inst_id.split("-")
    if len(parts) == 3 and _DATE.match(parts[2]):
        day = datetime.datetime.strptime(parts[2], "%y%m%d").replace(hour=DELIVERY_HOUR, tzinfo=UTC)
        return int(day.timestamp() * 1000)
    return 0


def _day(ms: int) -> datetime.date:
    return datetime.datetime.fromtimestamp(ms / 1000, UTC).date()


def coming_friday(now_ms: float) -> datetime.date:
    """The date of the next weekly delivery strictly after ``now_ms`` (Friday 08:00 UTC)."""
    now = datetime.datetime.fromtimestamp(now_ms / 1000, UTC)
    delivery = now.replace(hour=DELIVERY_HOUR, minute=0, second=0, microsecond=0)
    delivery += datetime.timedelta(days=(FRIDAY - delivery.weekday()) % 7)
    if delivery <= now:
        delivery += datetime.timedelta(days=7)
    return delivery.date()


def is_last_friday(day: datetime.date) -> bool:
    return day.weekday() == FRIDAY and (day + datetime.timedelta(days=7)).month != day.month


def horizons(expiries_ms: Iterable[int], now_ms: float) -> dict[int, str]:
    """Expiry (ms) → horizon name for one pair's live contracts; contracts that fit no
    horizon (already delivered, or an irregular date) are left out and keep their date."""
    ahead = sorted({e for e in expiries_ms if e > now_ms})
    friday = coming_friday(now_ms)
    names: dict[int, str] = {}
    for expiry in ahead:
        weeks = (_day(expiry) - friday).days
        if weeks in (0, 7):
            names[expiry] = WEEKLY[weeks // 7]
    rest = [e for e in ahead if e not in names and is_last_friday(_day(e))]
    quarterly = [e for e in rest if _day(e).month % 3 == 0]
    for name, expiry in zip(QUARTERLY, quarterly, strict=False):  # names run out: later ones keep their date
        names[expiry] = name
    monthly = [e for e in rest if e not in names]
    for name, expiry in zip(MONTHLY, monthly, strict=False):
        names[expiry] = name
    return names


def name_futures(futures: Iterable[tuple[str, int]], now_ms: float) -> dict[str, str]:
    """instId → horizon for dated futures given as (instId, expTime ms or 0), per pair
    (``BTC-USDT`` and ``BTC-USD`` contracts are named apart)."""
    by_pair: dict[str, list[tuple[str, int]]] = {}
    for inst_id, exp_time in futures:
        expiry = expiry_of(inst_id, exp_time)
        if expiry:
            by_pair.setdefault(inst_id.rsplit("-", 1)[0], []).append((inst_id, expiry))
    names: dict[str, str] = {}
    for contracts in by_pair.values():
        named = horizons((e for _, e in contracts), now_ms)
        names.update({inst_id: named[e] for inst_id, e in contracts if e in named})
    return names
