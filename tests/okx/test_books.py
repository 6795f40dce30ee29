"""okx/books.py: OKX's order-book rules as pure functions, table-tested."""

import pytest

from okxbridge.okx.books import Book, BookBroken, apply, checksum, crossed, from_rest, sync


def snap(bids, asks, seq=10, cs=0):
    return {"bids": bids, "asks": asks, "ts": "1", "seqId": seq, "prevSeqId": -1, "checksum": cs}


def upd(bids, asks, prev, seq, cs=0):
    return {"bids": bids, "asks": asks, "ts": "2", "seqId": seq, "prevSeqId": prev, "checksum": cs}


BASE = snap([["100", "1", "0", "1"], ["99", "2", "0", "1"]], [["101", "3", "0", "1"], ["102", "4", "0", "1"]])


@pytest.mark.parametrize("data, bids, asks", [
    # same price replaces
    (upd([["100", "5", "0", "2"]], [], 10, 11), [["100", "5"], ["99", "2"]], [["101", "3"], ["102", "4"]]),
    # size 0 deletes
    (upd([], [["101", "0", "0", "0"]], 10, 11), [["100", "1"], ["99", "2"]], [["102", "4"]]),
    # new prices go in order: bids highest first, asks lowest first
    (upd([["99.5", "7", "0", "1"]], [["101.5", "8", "0", "1"]], 10, 11),
     [["100", "1"], ["99.5", "7"], ["99", "2"]], [["101", "3"], ["101.5", "8"], ["102", "4"]]),
    # a heartbeat: prevSeqId == seqId, nothing changes
    (upd([], [], 10, 10), [["100", "1"], ["99", "2"]], [["101", "3"], ["102", "4"]]),
])
def test_updates_merge_by_price(data, bids, asks):
    book = apply(apply(None, "snapshot", BASE), "update", data)
    assert isinstance(book, Book)
    assert [level[:2] for level in book.side("bids", 400)] == bids
    assert [level[:2] for level in book.side("asks", 400)] == asks
    assert book.seq_id == data["seqId"]


@pytest.mark.parametrize("book, action, data, reason", [
    ("base", "update", upd([], [], 9, 11), "gap"),        # prevSeqId is not the last seqId
    ("base", "update", upd([], [], 11, 12), "gap"),
    (None, "update", upd([], [], 10, 11), "gap"),          # an update before any snapshot
    ("base", "update", {"bids": [["x", "1"]], "asks": [], "seqId": 11, "prevSeqId": 10}, "bad"),
    ("base", "update", {"bids": [], "asks": []}, "bad"),   # no seqId
    ("base", "update", upd([["nan", "1", "0", "1"]], [], 10, 11), "bad"),
    ("base", "update", upd([["-1", "1", "0", "1"]], [], 10, 11), "bad"),
    ("base", "update", upd([["100", "5", "0", "1"]], [], 10, 11, cs=12345), "checksum"),
])
def test_a_book_that_cannot_be_trusted_is_named_broken(book, action, data, reason):
    start = apply(None, "snapshot", BASE) if book == "base" else None
    result = apply(start, action, data)
    assert isinstance(result, BookBroken) and result.reason == reason


def test_a_snapshot_always_restarts_the_book():
    broken = apply(None, "update", upd([], [], 1, 2))
    assert isinstance(broken, BookBroken)
    fresh = apply(None, "snapshot", snap([["5", "1", "0", "1"]], [["6", "1", "0", "1"]], seq=3))
    assert fresh.seq_id == 3 and fresh.as_okx(1) == {"asks": [["6", "1", "0", "1"]], "bids": [["5", "1", "0", "1"]],
                                                     "ts": "1"}


@pytest.mark.parametrize("bids, asks, expected", [
    # OKX's documented examples (spec okx-ws.md §4), CRC32 as a signed 32-bit int
    ([["3366.1", "7"], ["3366", "6"]], [["3366.8", "9"], ["3368", "8"]], -1881014294),
    ([["3366.1", "7"]], [["3366.8", "9"], ["3368", "8"], ["3372", "8"]], 831078360),
])
def test_legacy_checksum_vectors(bids, asks, expected):
    book = Book({float(p): [p, s] for p, s in bids}, {float(p): [p, s] for p, s in asks}, 1, "")
    assert checksum(book) == expected


def test_a_non_zero_checksum_is_verified_and_zero_is_not():
    book = apply(None, "snapshot", BASE)
    right = checksum(apply(book, "update", upd([["100", "5", "0", "1"]], [], 10, 11)))
    assert isinstance(apply(book, "update", upd([["100", "5", "0", "1"]], [], 10, 11, cs=right)), Book)
    assert isinstance(apply(book, "update", upd([["100", "5", "0", "1"]], [], 10, 11, cs=0)), Book)
    assert isinstance(apply(book, "update", upd([["100", "5", "0", "1"]], [], 10, 11, cs=right + 1)), BookBroken)


def test_only_the_top_25_levels_count_for_the_checksum():
    bids = [[str(1000 - i), "1", "0", "1"] for i in range(30)]
    asks = [[str(2000 + i), "1", "0", "1"] for i in range(30)]
    book = apply(None, "snapshot", snap(bids, asks))
    deep_change = apply(book, "update", upd([["970", "9", "0", "1"]], [], 10, 11))  # level 31
    assert checksum(deep_change) == checksum(book)


def test_crossed_books_are_detected():
    assert crossed(apply(None, "snapshot", snap([["101", "1", "0", "1"]], [["101", "1", "0", "1"]])))
    assert not crossed(apply(None, "snapshot", BASE))


def test_a_rest_snapshot_joins_buffered_updates_by_okx_rule():
    rest = {"bids": [["100", "1", "0", "1"]], "asks": [["101", "3", "0", "1"]], "ts": "1", "seqId": 12}
    snapshot = from_rest(rest)
    pending = [upd([["100", "9", "0", "1"]], [], 10, 11),   # in the snapshot already
               upd([["99", "2", "0", "1"]], [], 11, 13),    # prevSeqId 11 <= 12 < 13: the first applied
               upd([], [["101", "0", "0", "0"]], 13, 14)]
    book = sync(snapshot, pending)
    assert book.seq_id == 14
    assert [lv[:2] for lv in book.side("bids", 9)] == [["100", "1"], ["99", "2"]] and book.side("asks", 9) == []
    assert sync(snapshot, pending[:1]) == snapshot                       # nothing after it
    assert sync(snapshot, [upd([], [], 13, 15)]) is None                  # older than the buffer: take another
    assert isinstance(sync(snapshot, [upd([], [], 11, 13), upd([], [], 14, 15)]), BookBroken)  # a hole
    assert from_rest({k: v for k, v in rest.items() if k != "seqId"}).reason == "bad"
    # an update sent before the snapshot, arriving after it, is already in it
    assert apply(book, "update", upd([["1", "1", "0", "1"]], [], 12, 13)) is book


def test_a_crossed_book_is_still_a_book():
    book = apply(None, "snapshot", snap([["102", "1", "0", "1"]], [["101", "1", "0", "1"]]))
    assert isinstance(book, Book) and crossed(book)
