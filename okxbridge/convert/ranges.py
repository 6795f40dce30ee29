# -*- test-case-name: tests.convert.test_ranges -*-
"""FMZ's symbol ranges: ``USDT.swap``, ``USD.swap``, ``USDT.futures`` (pure).

FMZ names a set of contracts by settlement and kind, and documents the ranges for
positions, open orders and funding rates; OKX filters by ``instType`` and the bridge
keeps the instruments whose quote currency matches.
"""

from __future__ import annotations

import attrs

from ..fmz.errors import ProtocolError
from .symbols import inst_type

KINDS = {"swap": "SWAP", "futures": "FUTURES"}
#: the instTypes OKX may list an order under: a spot pair's ``cross`` orders (every spot
#: order in Multi-currency and Portfolio margin modes) can come back as MARGIN (spec
#: okx-v5.md §9; ccxt PR #20930), so reads of spot orders ask for both
LISTED_AS = {"SPOT": ("SPOT", "MARGIN")}


def listed_kinds(kind: str) -> tuple[str, ...]:
    return LISTED_AS.get(kind, (kind,))


@attrs.frozen
class PositionRange:
    """Which instruments a call asks for: instTypes, and an instId or a quote filter."""

    inst_types: tuple[str, ...]
    inst_id: str = ""
    quote: str = ""


def parse_range(text: str, kinds: tuple[str, ...] = ("swap", "futures")) -> PositionRange | None:
    """``USDT.swap`` / ``USD.swap`` / ``USDT.futures`` → a range; a symbol → None. ``kinds``
    are the range kinds the call accepts (funding exists for swaps only)."""
    quote, dot, kind = text.strip().partition(".")
    kind = kind.lower()
    if dot and "_" not in quote and kind in KINDS:
        if not quote.isalnum():
            raise ProtocolError(f"bad range {text[:40]!r}: use e.g. USDT.swap or USDT.futures")
        if kind not in kinds:
            raise ProtocolError(f"range {text[:40]!r} is not accepted here: use " +
                                " or ".join(f"{quote.upper()}.{k}" for k in kinds))
        return PositionRange((KINDS[kind],), quote=quote.upper())
    return None


def in_range(inst_id: str, rng: PositionRange) -> bool:
    parts = inst_id.split("-")
    return inst_type(inst_id) in rng.inst_types and (not rng.quote or (len(parts) > 1 and parts[1] == rng.quote))
