# -*- test-case-name: tests.okx.test_books -*-
"""An OKX order book kept from the ``books`` channel: a snapshot, then increments.

Rules (docs #order-book-trading-market-data-ws-order-book-channel, spec okx-ws.md §4):

- the snapshot has ``prevSeqId`` -1; each update's ``prevSeqId`` must equal the ``seqId``
  before it, or a message was lost and the book is wrong until a fresh snapshot;
- an update whose ``prevSeqId`` equals its own ``seqId`` is a heartbeat (no change);
- without the channel's snapshot (OKX's changelog 2026-02-12 drops it), ``GET /market/books``
  (``sz`` 400, with its ``seqId``) is the snapshot: buffered updates up to its ``seqId`` are
  in it, the first one applied must have ``prevSeqId <= snapshot seqId < seqId``
  (:func:`sync`), then the chain goes on as above; an update wholly before the book's
  ``seqId`` (sent before the REST snapshot was taken) is already in it;
- a crossed book (best ask below best bid) is legal in pre-open and call auctions ("Best
  ask price may be lower than the best bid price during the pre-open period"): it is a book;
- a level ``[px, sz, "0", numOrders]`` replaces the level at that price; ``sz`` "0"
  deletes it; bids are kept highest first, asks lowest first;
- ``checksum`` (legacy) is the signed CRC32 of ``bid1px:bid1sz:ask1px:ask1sz:…`` over the
  top 25 levels of the merged book. OKX has sent 0 since June 2026 ("Order Book Channels
  Checksum Field Deprecation"); it is verified only when it is not 0.

Everything here is pure: :func:`apply` takes a book and a push and returns the next book or
a :class:`BookBroken` saying why there is none.
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import attrs

CHECKSUM_LEVELS = 25


@attrs.frozen
class Book:
    """Price → level, each side; ``seq_id`` the last applied; ``ts`` OKX's ms text.

    Prices are keyed as floats: they only order and match levels (a level is sent back as
    OKX's own strings), and a float keeps every price OKX quotes apart (≤ 15 significant
    digits) at a third of Decimal's parsing cost — a book takes an update every 100 ms."""

    bids: dict[float, list[str]]
    asks: dict[float, list[str]]
    seq_id: int
    ts: str
    #: each side's levels in order, computed on first use (a book is read many times per update)
    _sorted: dict[str, list[list[str]]] = attrs.field(factory=dict, eq=False, repr=False)

    def side(self, name: str, limit: int) -> list[list[str]]:
        """The top ``limit`` levels as OKX writes them (bids descending, asks ascending)."""
        ordered = self._sorted.get(name)
        if ordered is None:
            levels = self.bids if name == "bids" else self.asks
            ordered = self._sorted[name] = [levels[p] for p in sorted(levels, reverse=(name == "bids"))]
        return ordered[:limit]

    def as_okx(self, limit: int) -> dict[str, Any]:
        """The shape of REST ``GET /market/books`` ``data[0]``."""
        return {"asks": self.side("asks", limit), "bids": self.side("bids", limit), "ts": self.ts}


@attrs.frozen
class BookBroken:
    """Why the book can no longer be trusted: ``gap`` or ``checksum`` (or ``bad`` data)."""

    reason: str
    detail: str


def _price(text: Any) -> float:
    price = float(text)
    if not math.isfinite(price) or price <= 0:
        raise ValueError(f"price {text!r}")
    return price


def _levels(rows: Any) -> dict[float, list[str]]:
    return {_price(row[0]): row for row in rows or ()}


def _merge(levels: dict[float, list[str]], rows: Any) -> dict[float, list[str]]:
    merged = dict(levels)
    for row in rows or ():
        price = _price(row[0])
        if float(row[1]) == 0:
            merged.pop(price, None)
        else:
            merged[price] = row
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
        elif prev < book.seq_id and seq_id <= book.seq_id:
            return book  # sent before the (REST) snapshot this book started from: in it already
        elif prev != book.seq_id:
            return BookBroken("gap", f"prevSeqId {prev} after seqId {book.seq_id}")
        else:
            new = Book(_merge(book.bids, data.get("bids")), _merge(book.asks, data.get("asks")), seq_id,
                       str(data.get("ts", book.ts)))
        expected = int(data.get("checksum") or 0)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        return BookBroken("bad", f"unreadable book push: {e!r}")
    if expected and checksum(new) != expected:
        return BookBroken("checksum", f"checksum {checksum(new)} != {expected} at seqId {seq_id}")
    return new


def from_rest(data: Any) -> Book | BookBroken:
    """A ``GET /market/books`` ``data[0]`` as a snapshot; without a ``seqId`` it cannot be synced."""
    if not isinstance(data, dict) or data.get("seqId") is None:
        return BookBroken("bad", "the REST order book carries no seqId")
    return apply(None, "snapshot", {**data, "prevSeqId": -1, "checksum": 0})


def sync(snapshot: Book, pending: list[dict[str, Any]]) -> Book | BookBroken | None:
    """``snapshot`` (from REST) with the updates buffered meanwhile, by OKX's rule; None when
    the snapshot is older than the first update it must be joined to (take another)."""
    later = [data for data in pending if int(data.get("seqId", -1)) > snapshot.seq_id]
    if not later:
        return snapshot
    try:
        prev = int(later[0].get("prevSeqId", -1))
    except (TypeError, ValueError):
        return BookBroken("bad", "unreadable prevSeqId")
    if prev > snapshot.seq_id:
        return None
    book: Book | BookBroken = attrs.evolve(snapshot, seq_id=prev)
    for data in later:
        if isinstance(book, BookBroken):
            break
        book = apply(book, "update", data)
    return book


def crossed(book: Book) -> bool:
    """Best bid not below best ask: legal in a pre-open auction, worth a word in the log."""
    return bool(book.bids and book.asks and max(book.bids) >= min(book.asks))
