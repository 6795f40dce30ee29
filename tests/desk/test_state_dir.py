"""desk/state_dir.py: the state dir and the ledger's files are ours, private, not links."""

import os
import sqlite3
import stat

import pytest

from okxbridge.desk.claims import LedgerError
from okxbridge.desk.sqlite import SCHEMA
from okxbridge.desk.state_dir import check_dir, check_ledger_file, check_schema, open_private


def test_a_private_dir_passes_and_an_open_one_is_refused(tmp_path):
    tmp_path.chmod(0o700)
    check_dir(str(tmp_path))
    tmp_path.chmod(0o702)
    with pytest.raises(LedgerError, match="writable by group or others"):
        check_dir(str(tmp_path))
    with pytest.raises(LedgerError, match="no such directory"):
        check_dir(str(tmp_path / "absent"))


def test_files_are_created_or_tightened_to_0600_and_links_refused(tmp_path):
    existing = tmp_path / "ledger"
    existing.write_text("")
    existing.chmod(0o644)
    check_ledger_file(str(existing))
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o600
    (tmp_path / "link").symlink_to(existing)
    with pytest.raises(LedgerError, match="symbolic link"):
        open_private(str(tmp_path / "link"))
    existing.chmod(0o664)
    with pytest.raises(LedgerError, match="writable by group or others"):
        open_private(str(existing))


def test_only_the_ledgers_own_schema_is_accepted():
    db = sqlite3.connect(":memory:")
    check_schema(db, SCHEMA)  # empty: fine
    db.executescript(SCHEMA)
    check_schema(db, SCHEMA)
    db.execute("CREATE VIEW v AS SELECT * FROM claims")
    with pytest.raises(LedgerError, match="view v"):
        check_schema(db, SCHEMA)
