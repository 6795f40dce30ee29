"""okxbridge/desk/sqlite.py: the ledger's SQLite store (a real file, its own thread)."""

import os
import sqlite3

import pytest
import pytest_twisted

from okxbridge.desk.claims import DONE, ORDER, PENDING, RETENTION_SECONDS, ClaimKey, LedgerError
from okxbridge.desk.sqlite import FILE_NAME, SqliteLedger
from tests.desk.store_rules import KEY, claim, exercise


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
        assert db.execute("SELECT state, result FROM claims WHERE account=?",
                          (KEY.account,)).fetchall() == [(DONE, "BTC-USDT,1")]
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
        for i, (age, state) in enumerate(zip(ages, states, strict=True)):
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
