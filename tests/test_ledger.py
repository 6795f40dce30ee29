"""The ledger's rules (pure) and its SQLite store (a real file, its own thread)."""

import os
import sqlite3

import attrs
import pytest
import pytest_twisted

from okxbridge.desk.claims import (ABSENT, DONE, ORDER, PENDING, RETENTION_SECONDS, Claim, ClaimKey, LedgerError,
                                     content_fingerprint, decide)
from okxbridge.desk.memory import MemoryLedger
from okxbridge.desk.sqlite import FILE_NAME, SqliteLedger

KEY = ClaimKey("f" * 16, ORDER, "1730275031047002000")
BODY = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1", "sz": "2",
        "clOrdId": "fmz1"}


def claim(owner="me", state=PENDING, content=None, created=100.0, key=KEY):
    return Claim(key, "key-1", False, "fmz1", content or content_fingerprint(BODY), owner, state,
                 created=created, updated=created)


def test_content_fingerprint_ignores_the_client_order_id_and_nothing_else():
    assert content_fingerprint(BODY) == content_fingerprint({**BODY, "clOrdId": "fmz2"})
    for field, value in (("sz", "3"), ("side", "sell"), ("px", "2"), ("instId", "ETH-USDT")):
        assert content_fingerprint({**BODY, field: value}) != content_fingerprint(BODY)


@pytest.mark.parametrize("found, alive, action", [
    (claim(state=DONE), False, "answer"),
    (claim(state=ABSENT), False, "take_over"),
    (claim(owner="other"), True, "wait"),
    (claim(owner="other"), False, "take_over"),
    (claim(owner="me"), False, "take_over"),  # ours but not in flight: an attempt that ended uncertain
    (claim(content="other-content", state=DONE), False, "refuse"),
])
def test_decide(found, alive, action):
    assert decide(found, claim(), "me", alive).action == action


def test_refusal_names_the_nonce():
    message = decide(claim(content="x"), claim(), "me", False).message
    assert f"nonce {KEY.nonce} was already used for another order" in message


async def exercise(store, now=100.0):
    mine = claim(created=now)
    assert await store.claim(mine) is None
    found = await store.claim(attrs.evolve(mine, owner="other"))
    assert found == mine
    assert not await store.take_over(attrs.evolve(found, owner="someone"), "other", 101.0)  # not as found
    assert await store.take_over(found, "other", 101.0)
    assert not await store.take_over(found, "third", 102.0)  # changed since: "other" won
    assert not await store.finish(KEY, "me", DONE, "BTC-USDT,1", 103.0)  # no longer ours: ignored
    assert (await store.get(KEY)).state == PENDING
    assert await store.finish(KEY, "other", DONE, "BTC-USDT,1", 103.0)
    done = await store.get(KEY)
    assert (done.state, done.result, done.owner, done.updated) == (DONE, "BTC-USDT,1", "other", 103.0)
    assert await store.get(ClaimKey("g" * 16, ORDER, KEY.nonce)) is None  # another credential: nothing
    # nothing sent (OKX refused it): the claim goes, so refused junk takes no room
    refused = attrs.evolve(mine, key=ClaimKey(KEY.account, ORDER, "77"))
    assert await store.claim(refused) is None
    assert await store.finish(refused.key, "me", ABSENT, "", 104.0)
    assert await store.get(refused.key) is None


@pytest_twisted.ensureDeferred
async def test_memory_store_rules():
    await exercise(MemoryLedger())


@pytest_twisted.ensureDeferred
async def test_sqlite_store_rules_and_durability(reactor, tmp_path):
    store = SqliteLedger(reactor, str(tmp_path))
    store.startService()
    try:
        await exercise(store, now=reactor.seconds())  # (a claim from 1970 would be pruned on reopening)
    finally:
        store.stopService()
    # committed: a plain connection (another process, after a crash) sees it
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT state, result FROM claims").fetchall() == [(DONE, "BTC-USDT,1")]
    again = SqliteLedger(reactor, str(tmp_path))
    again.startService()
    try:
        assert (await again.get(KEY)).result == "BTC-USDT,1"
    finally:
        again.stopService()


def test_one_daemon_per_state_dir(reactor, tmp_path):
    first = SqliteLedger(reactor, str(tmp_path))
    first.startService()
    try:
        with pytest.raises(LedgerError, match="in use by another okxbridge"):
            SqliteLedger(reactor, str(tmp_path)).startService()
    finally:
        first.stopService()
    with pytest.raises(LedgerError, match="no such directory"):
        SqliteLedger(reactor, str(tmp_path / "missing")).startService()


@pytest_twisted.ensureDeferred
async def test_prune_keeps_eight_days_and_a_bounded_count(reactor, tmp_path):
    store = SqliteLedger(reactor, str(tmp_path), max_claims=3)
    store.startService()
    try:
        now = reactor.seconds()
        ages = [RETENTION_SECONDS + 60, 5, 4, 3, 2]  # seconds old
        states = [DONE, PENDING, DONE, DONE, DONE]
        for i, (age, state) in enumerate(zip(ages, states)):
            await store.claim(claim(key=ClaimKey("f" * 16, ORDER, str(i)), created=now - age, state=state))
        await store.prune()
        kept = [n for n in map(str, range(5)) if await store.get(ClaimKey("f" * 16, ORDER, n)) is not None]
        # the expired one, then the oldest *finished* beyond 3: a pending one may be on its way to OKX
        assert kept == ["1", "3", "4"]
    finally:
        store.stopService()
    assert os.path.exists(tmp_path / FILE_NAME)


@pytest.mark.parametrize("sync, level", [("normal", 1), ("full", 2)])
@pytest_twisted.ensureDeferred
async def test_ledger_sync_sets_sqlites_synchronous(reactor, tmp_path, sync, level):
    store = SqliteLedger(reactor, str(tmp_path), sync=sync)
    store.startService()
    try:
        assert await store.pool.runInteraction(lambda txn: txn.execute("PRAGMA synchronous").fetchone()[0]) == level
        assert store.health()["sync"] == sync
    finally:
        store.stopService()
