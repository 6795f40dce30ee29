# -*- test-case-name: tests.desk.test_state_dir -*-
"""The state directory is checked, not trusted (issue 24, finding 7).

It defaults to the working directory, which may be shared. A lock file planted there as a
symlink made a root daemon overwrite a root-owned file; a planted SQLite file with a
trigger doubled market orders for one nonce and copied access keys out; and the ledger,
which holds full access keys, was created 0644. So, at start: the directory and the ledger's
files must belong to the daemon's user and be writable by no one else; the lock is opened
with ``O_NOFOLLOW``; the files are created 0600; and a ledger database holding any schema
object the daemon did not create (a trigger, a view, another table) is refused.
"""

from __future__ import annotations

import os
import sqlite3
import stat

from .claims import LedgerError

FILE_MODE = 0o600


def check_dir(path: str) -> None:
    """The directory must be ours and writable by no one else: whoever can write to it can
    replace the ledger or the lock with their own."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise LedgerError(f"--state-dir {path}: no such directory (create it, writable by the daemon)") from None
    if not stat.S_ISDIR(info.st_mode):
        raise LedgerError(f"--state-dir {path}: not a directory")
    _check_owner_and_mode(f"--state-dir {path}", info)


def _check_owner_and_mode(what: str, info: os.stat_result) -> None:
    if info.st_uid != os.geteuid():
        raise LedgerError(f"{what} belongs to uid {info.st_uid}, not to the daemon's user (uid {os.geteuid()}): "
                          "refusing it, as its owner could plant order claims or read access keys")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise LedgerError(f"{what} is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o}): "
                          f"run chmod go-w on it")


def open_private(path: str, flags: int = os.O_RDWR) -> int:
    """Open (creating it 0600) a file of the state dir: never through a symlink, and only
    if it is ours and private; an existing file's mode is tightened to 0600."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    except OSError as e:
        if os.path.islink(path):
            raise LedgerError(f"{path} is a symbolic link: refusing to follow it (remove it)") from None
        raise LedgerError(f"{path}: {e.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LedgerError(f"{path} is not a regular file")
        _check_owner_and_mode(path, info)
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_ledger_file(path: str) -> None:
    """The ledger and its WAL/SHM files exist as private files of ours (created 0600 if
    absent: SQLite gives its side files the database file's mode)."""
    for name in (path, path + "-wal", path + "-shm"):
        if name == path or os.path.lexists(name):
            os.close(open_private(name))


def expected_objects(schema: str) -> set[tuple[str, str, str | None]]:
    with sqlite3.connect(":memory:") as db:
        db.executescript(schema)
        rows = schema_objects(db)
    db.close()
    return rows


def schema_objects(db: sqlite3.Connection) -> set[tuple[str, str, str | None]]:
    return {(kind, name, " ".join(sql.split()) if sql else None)
            for kind, name, sql in db.execute("SELECT type, name, sql FROM sqlite_master")}


def check_schema(db: sqlite3.Connection, schema: str) -> None:
    """Refuse a database with anything but the ledger's own table and index, exactly as
    :data:`schema` makes them: a trigger runs inside the daemon's own writes."""
    found = schema_objects(db)
    unexpected = sorted(f"{kind} {name}" for kind, name, sql in found - expected_objects(schema))
    if unexpected:
        raise LedgerError(f"the order ledger holds schema objects okxbridge did not create ({', '.join(unexpected)}):"
                          " refusing it; move the file away to start with an empty ledger")
