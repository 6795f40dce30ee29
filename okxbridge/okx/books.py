"""An OKX order book kept from the ``books`` channel: a snapshot, then increments.

Rules (docs #order-book-trading-market-data-ws-order-book-channel, spec okx-ws.md §4):

- the snapshot has ``prevSeqId`` -1; each update's ``prevSeqId`` must equal the ``seqId``
  before it, or a message was lost and the book is wrong until a fresh snapshot;
- an update whose ``prevSeqId`` equals its own ``seqId`` is a heartbeat (no change);
- a level ``[px, sz, "0", numOrders]`` replaces the level at that price; ``sz`` "0"
  deletes it; bids are kept highest first, asks lowest first;
- ``checksum`` (legacy) is the signed CRC32 of ``bid1px:bid1sz:ask1px:ask1sz:…`` over the
  top 25 levels of the merged book. OKX has sent 0 since June 2026 ("Order Book Channels
  Checksum Field Deprecation"); it is verified only when it is not 0.

Everything here is pure: :func:`apply` takes a book and a push and returns the next book or
a :class:`BookBroken` saying why there is none.
"""

from __future__ import annotations

import zlib
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

CHECKSUM_LEVELS = 25


@attrs.frozen
class Book:
    """Price → level, each side; ``seq_id`` the last applied; ``ts`` OKX's ms text."""

    bids: dict[Decimal, list[str]]
    asks: dict[Decimal, list[str]]
    seq_id: int
    ts: str

    def side(self, name: str, limit: int) -> list[list[str]]:
        """The top ``limit`` levels as OKX writes them (bids descending, asks ascending)."""
        levels = self.bids if name == "bids" else self.asks
        prices = sorted(levels, reverse=(name == "bids"))[:limit]
        return [levels[p] for p in prices]

    def as_okx(self, limit: int) -> dict[str, Any]:
        """The shape of REST ``GET /market/books`` ``data[0]``."""
        return {"asks": self.side("asks", limit), "bids": self.side("bids", limit), "ts": self.ts}


@attrs.frozen
class BookBroken:
    """Why the book can no longer be trusted: ``gap`` or ``checksum`` (or ``bad`` data)."""

    reason: str
    detail: str


def _levels(rows: Any) -> dict[Decimal, list[str]]:
    levels = {}
    for row in rows or ():
        levels[Decimal(row[0])] = [str(x) for x in row]
    return levels


def _merge(levels: dict[Decimal, list[str]], rows: Any) -> dict[Decimal, list[str]]:
    merged = dict(levels)
    for row in rows or ():
        price = Decimal(row[0])
        if Decimal(row[1]) == 0:
            merged.pop(price, None)
        else:
            merged[price] = [str(x) for x in row]
    return merged


def checksum(book: Book) -> int:
    """OKX's legacy checksum of ``book`` as a signed 32-bit int."""
    bids, asks = book.side("bids", CHECKSUM_LEVELS), book.side("asks", CHECKSUM_LEVELS)
    parts: list[str] = []
    for i in range(CHECKSUM_LEVELS):
        if i < len(bids):
            parts += bids[i][:2]
        if i < len(asks):
            parts += asks[i][:2]
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def apply(book: Book | None, action: str, data: dict[str, Any]) -> Book | BookBroken:
    """The book after one push (``action`` "snapshot" or "update", ``data`` its item)."""
    try:
        seq_id, prev = int(data["seqId"]), int(data.get("prevSeqId", -1))
        if action == "snapshot":
            new = Book(_levels(data.get("bids")), _levels(data.get("asks")), seq_id, str(data.get("ts", "")))
        elif book is None:
            return BookBroken("gap", "an update arrived before any snapshot")
        elif prev != book.seq_id:
            return BookBroken("gap", f"prevSeqId {prev} after seqId {book.seq_id}")
        else:
            new = Book(_merge(book.bids, data.get("bids")), _merge(book.asks, data.get("asks")), seq_id,
                       str(data.get("ts", book.ts)))
        expected = int(data.get("checksum") or 0)
    except (KeyError, TypeError, ValueError, IndexError, InvalidOperation) as e:
        return BookBroken("bad", f"unreadable book push: {e!r}")
    if expected and checksum(new) != expected:
        return BookBroken("checksum", f"checksum {checksum(new)} != {expected} at seqId {seq_id}")
    return new


def crossed(book: Book) -> bool:
    """A book whose best bid is not below its best ask is wrong whatever its sequence says."""
    return bool(book.bids and book.asks and max(book.bids) >= min(book.asks))
