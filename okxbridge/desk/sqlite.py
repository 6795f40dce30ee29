# -*- test-case-name: tests.desk.test_sqlite -*-
"""The embedded ledger: one SQLite file in ``--state-dir``.

SQLite's own I/O is blocking, so every statement runs on one dedicated thread
(:class:`twisted.enterprise.adbapi.ConnectionPool` with a single connection); the reactor
only waits for a Deferred. The database is in WAL mode. When :meth:`claim` fires, the
claim's transaction is committed — written into the WAL file, in the operating system's
hands — and only then does the request leave, so a ``kill -9`` (or any crash of the
daemon) right after it still finds the claim on restart. ``sync="full"``
(``--ledger-sync full``) also fsyncs every commit, so the claim survives a power cut or a
kernel crash too, at the price of one fsync per write (docs/benchmarks.md measures both);
the default ``normal`` fsyncs at WAL checkpoints only.

One daemon per state dir: a lock file (``flock``) refuses a second one, whose claims would
otherwise race this one's unseen. The lock dies with the process, so a restart after
``kill -9`` takes it at once.

Retention (documented in docs/exactly-once.md): claims older than :data:`RETENTION_SECONDS` (8 days:
OKX's 7-day order window plus a day) are deleted at start and every hour, and past
:data:`MAX_CLAIMS` the oldest finished ones go first (never a pending one). A claim whose
write was certainly not sent (OKX refused it) is deleted at once: no claim says the same.
Unresolved claims of credentials OKX never accepted are listed in the ``unproven`` table, capped
per access key and deleted once past their time (:class:`~.claims.Unproven`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from typing import Any

from twisted.application import service
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from . import state_dir
from .claims import (
    ABSENT,
    DONE,
    MAX_CLAIMS,
    PENDING,
    RETENTION_SECONDS,
    Claim,
    ClaimKey,
    LedgerError,
    LedgerUnavailable,
    Unproven,
    UnprovenCapReached,
)

FILE_NAME = "okxbridge-ledger.sqlite3"
LOCK_NAME = "okxbridge-ledger.lock"
PRUNE_EVERY = 3600.0
COLUMNS = ("account", "kind", "nonce", "api_key", "demo", "cl_ord_id", "content", "owner", "state", "result",
           "created", "updated")

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    account TEXT NOT NULL, kind TEXT NOT NULL, nonce TEXT NOT NULL,
    api_key TEXT NOT NULL, demo TEXT NOT NULL, cl_ord_id TEXT NOT NULL, content TEXT NOT NULL,
    owner TEXT NOT NULL, state TEXT NOT NULL, result TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (account, kind, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_by_age ON claims (created);
CREATE TABLE IF NOT EXISTS unproven (
    account TEXT NOT NULL, kind TEXT NOT NULL, nonce TEXT NOT NULL,
    api_key TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (account, kind, nonce)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unproven_by_key ON unproven (api_key);
"""


SYNC_MODES = ("normal", "full")


def pragmas(sync: str):
    def apply(connection) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={sync.upper()}")
        connection.execute("PRAGMA busy_timeout=5000")
    return apply


def _row(key: ClaimKey, row) -> Claim:
    return Claim.from_fields(key, dict(zip(COLUMNS[3:], row, strict=True)))


def _claim(txn, claim: Claim, legacy: ClaimKey | None = None, unproven: Unproven | None = None):
    key = claim.key
    if legacy is not None:  # a row of before the upgrade: moved unless the key is taken
        txn.execute("UPDATE OR IGNORE claims SET account=? WHERE account=? AND kind=? AND nonce=?",
                    (key.account, legacy.account, legacy.kind, legacy.nonce))
    if unproven is not None and _get(txn, key) is None and not _proven(txn, key.account):
        _hold_unproven(txn, claim, unproven)
    txn.execute(f"INSERT OR IGNORE INTO claims ({','.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})",
                (key.account, key.kind, key.nonce, *claim.fields().values()))
    if txn.rowcount == 1:
        return None
    return _get(txn, key)


def _proven(txn, account: str) -> bool:
    """OKX accepted this credential: one of its claims is done (the primary key's prefix)."""
    txn.execute("SELECT 1 FROM claims WHERE account=? AND state=? LIMIT 1", (account, DONE))
    return txn.fetchone() is not None


def _forget_unproven(txn, now: float) -> int:
    """Unresolved claims of never-accepted credentials past their time go (see :class:`Unproven`)."""
    txn.execute("DELETE FROM claims WHERE state=? AND (account, kind, nonce) IN "
                "(SELECT account, kind, nonce FROM unproven WHERE expires <= ?)", (PENDING, now))
    dropped = txn.rowcount
    txn.execute("DELETE FROM unproven WHERE expires <= ?", (now,))
    return dropped


def _hold_unproven(txn, claim: Claim, unproven: Unproven) -> None:
    _forget_unproven(txn, claim.created)
    txn.execute("SELECT COUNT(*) FROM unproven WHERE api_key=?", (claim.api_key,))
    if txn.fetchone()[0] >= unproven.cap:
        raise UnprovenCapReached(claim.api_key, unproven.cap, unproven.seconds)
    key = claim.key
    txn.execute("INSERT OR REPLACE INTO unproven VALUES (?, ?, ?, ?, ?)",
                (key.account, key.kind, key.nonce, claim.api_key, claim.created + unproven.seconds))


def _get(txn, key: ClaimKey):
    txn.execute(f"SELECT {','.join(COLUMNS[3:])} FROM claims WHERE account=? AND kind=? AND nonce=?",
                (key.account, key.kind, key.nonce))
    row = txn.fetchone()
    return None if row is None else _row(key, row)


def _take_over(txn, found: Claim, owner: str, now: float) -> bool:
    key = found.key
    txn.execute("UPDATE claims SET state=?, owner=?, updated=? WHERE account=? AND kind=? AND nonce=? "
                "AND state=? AND owner=?", (PENDING, owner, now, key.account, key.kind, key.nonce,
                                            found.state, found.owner))
    return txn.rowcount == 1


def _finish(txn, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
    if state == DONE:  # OKX accepted the credential: none of its claims is a stranger's any more
        txn.execute("DELETE FROM unproven WHERE account=?", (key.account,))
    else:
        txn.execute("DELETE FROM unproven WHERE account=? AND kind=? AND nonce=?", (key.account, key.kind, key.nonce))
    if state == ABSENT:  # nothing was sent: no claim at all says the same, and takes no room
        txn.execute("DELETE FROM claims WHERE account=? AND kind=? AND nonce=? AND owner=?",
                    (key.account, key.kind, key.nonce, owner))
    else:
        txn.execute("UPDATE claims SET state=?, result=?, updated=? WHERE account=? AND kind=? AND nonce=? "
                    "AND owner=?", (state, result, now, key.account, key.kind, key.nonce, owner))
    return txn.rowcount == 1


def _prune(txn, now: float, max_claims: int) -> int:
    txn.execute("DELETE FROM claims WHERE created < ?", (now - RETENTION_SECONDS,))
    dropped = txn.rowcount + _forget_unproven(txn, now)
    txn.execute("SELECT COUNT(*) FROM claims")
    extra = txn.fetchone()[0] - max_claims
    if extra > 0:  # finished claims only, oldest first: a pending one may still be on its way to OKX
        txn.execute("DELETE FROM claims WHERE (account, kind, nonce) IN "
                    "(SELECT account, kind, nonce FROM claims WHERE state=? ORDER BY created LIMIT ?)",
                    (DONE, extra))
        extra = txn.rowcount
    return dropped + max(extra, 0)


class SqliteLedger(service.Service):
    """Claims in ``<state_dir>/okxbridge-ledger.sqlite3``; see the module's text."""

    kind = "sqlite"
    log = Logger()

    def __init__(self, reactor: IReactorTime, state_dir: str, max_claims: int = MAX_CLAIMS, sync: str = "normal"):
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {SYNC_MODES}")
        self.sync = sync
        self.reactor = reactor
        self.state_dir = state_dir
        self.path = os.path.join(state_dir, FILE_NAME)
        self.max_claims = max_claims
        self.pool: adbapi.ConnectionPool | None = None
        self._lock_fd: int | None = None
        self._pruning = LoopingCall(lambda: Deferred.fromCoroutine(self.prune()))
        self._pruning.clock = reactor
        self.errors = 0

    def startService(self) -> None:
        state_dir.check_dir(self.state_dir)
        self._lock()
        state_dir.check_ledger_file(self.path)
        with sqlite3.connect(self.path) as db:  # at start only: the schema, before any call is served
            state_dir.check_schema(db, SCHEMA)
            pragmas(self.sync)(db)
            db.executescript(SCHEMA)
        db.close()
        self.pool = adbapi.ConnectionPool("sqlite3", self.path, check_same_thread=False, cp_min=1, cp_max=1,
                                          cp_openfun=pragmas(self.sync), cp_reactor=self.reactor, cp_noisy=False)
        self.pool.start()
        super().startService()
        self._pruning.start(PRUNE_EVERY, now=True)
        self.log.info("order ledger: {path}", path=self.path)

    def stopService(self):
        super().stopService()
        if self._pruning.running:
            self._pruning.stop()
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _lock(self) -> None:
        fd = state_dir.open_private(os.path.join(self.state_dir, LOCK_NAME))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise LedgerError(f"--state-dir {self.state_dir} is in use by another okxbridge; give each "
                              "instance its own (or share claims with --shared-state redis://…)") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    async def _run(self, interaction, *args):
        if self.pool is None:
            raise LedgerUnavailable("the order ledger is not running; nothing was sent")
        try:
            return await self.pool.runInteraction(interaction, *args)
        except sqlite3.Error as e:
            self.errors += 1
            self.log.error("order ledger {path}: {error}", path=self.path, error=str(e))
            raise LedgerUnavailable(f"the order ledger could not be written ({e}); nothing was sent") from None

    async def claim(self, claim: Claim, legacy: ClaimKey | None = None,
                    unproven: Unproven | None = None) -> Claim | None:
        return await self._run(_claim, claim, legacy, unproven)

    async def take_over(self, found: Claim, owner: str, now: float) -> bool:
        return await self._run(_take_over, found, owner, now)

    async def finish(self, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
        return await self._run(_finish, key, owner, state, result, now)

    async def get(self, key: ClaimKey) -> Claim | None:
        return await self._run(_get, key)

    liveness_exact = True

    async def owner_alive(self, owner: str) -> bool:
        return False  # the lock makes this process the state dir's only live owner

    async def prune(self) -> None:
        try:
            dropped = await self._run(_prune, self.reactor.seconds(), self.max_claims)
        except LedgerUnavailable:
            return
        if dropped:
            self.log.info("order ledger: {count} claims past retention removed", count=dropped)

    def health(self) -> dict[str, Any]:
        return {"kind": self.kind, "durable": True, "sync": self.sync, "path": self.path, "ok": self.pool is not None,
                "errors": self.errors}
