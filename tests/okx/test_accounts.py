"""okxbridge/okx/accounts.py: one object per OKX account — its position mode read once per
TTL, told once in the log, no private stream without a private-streams part, and a bounded
registry."""

from twisted.internet.defer import Deferred
from twisted.logger import LogLevel, formatEvent, globalLogPublisher

from okxbridge.okx import accounts as accounts_module
from okxbridge.okx.accounts import Accounts
from okxbridge.okx.session import Session
from okxbridge.okx.signer import Credentials
from tests.okx_fake import CREDS, DEMO, make_client, ok


def config(mode):
    return lambda verb, path, query, headers, body: ok({"posMode": mode})


def mode_of(accounts, client, creds=CREDS):
    account = accounts.of(creds)
    return Deferred.fromCoroutine(account.position_mode(Session(client, creds, []))).result


def test_position_mode_is_read_once_per_ttl_and_per_account():
    client, http, clock = make_client(config("long_short_mode"))
    accounts = Accounts(clock, position_mode_ttl=60)
    assert mode_of(accounts, client) == "long_short_mode"
    assert mode_of(accounts, client) == "long_short_mode"
    assert http.paths() == ["/api/v5/account/config"]
    assert mode_of(accounts, client, DEMO) == "long_short_mode"  # demo is another account
    assert len(http.paths()) == 2
    clock.advance(61)
    mode_of(accounts, client)
    assert len(http.paths()) == 3


def test_the_same_credential_is_the_same_account():
    _, _, clock = make_client()
    accounts = Accounts(clock)
    assert accounts.of(CREDS) is accounts.of(Credentials("key-1", "secret", "pass"))
    assert accounts.of(CREDS) is not accounts.of(DEMO)


def test_net_mode_is_told_once():
    client, _, clock = make_client(config("net_mode"))
    accounts = Accounts(clock, position_mode_ttl=0)
    account = accounts.of(CREDS)
    assert mode_of(accounts, client) == "net_mode" and account._net_mode_noted
    clock.advance(1)
    assert mode_of(accounts, client) == "net_mode"


def test_the_key_check_is_logged_once_at_the_first_config_read():
    row = {"acctLv": "2", "posMode": "net_mode", "perm": "read_only,trade,withdraw", "ip": ""}
    client, _, clock = make_client(lambda *a: ok(row))
    accounts, events = Accounts(clock, position_mode_ttl=0), []
    creds = Credentials("key-1", "s3cr3t-XYZ", "p4ss-QRS")
    globalLogPublisher.addObserver(events.append)
    try:
        mode_of(accounts, client, creds)
        clock.advance(1)
        mode_of(accounts, client, creds)
    finally:
        globalLogPublisher.removeObserver(events.append)
    checks = [formatEvent(e) for e in events if "key check" in e.get("log_format", "")]
    assert len(checks) == 1 and "WITHDRAWAL IS ENABLED" in checks[0] and "account mode 2 Futures mode" in checks[0]
    assert [e["log_level"] for e in events if "key check" in e.get("log_format", "")] == [LogLevel.warn]
    assert "s3cr3t-XYZ" not in checks[0] and "p4ss-QRS" not in checks[0]


def test_an_empty_config_answer_reads_as_net_mode():
    client, _, clock = make_client(lambda *a: ok())
    assert mode_of(Accounts(clock), client) == "net_mode"


def test_without_private_streams_there_is_no_mirror_and_no_stream():
    _, _, clock = make_client()
    account = Accounts(clock).of(CREDS)
    assert account.mirror("balance", "accounts") is None
    assert account.operations() is None
    account.answered()  # no stream to open: nothing happens
    account.wrote("42")


def test_the_registry_is_bounded(monkeypatch):
    monkeypatch.setattr(accounts_module, "MAX_ACCOUNTS", 3)
    _, _, clock = make_client()
    accounts = Accounts(clock)
    first = accounts.of(Credentials("k0", "s", "p"))
    for i in range(1, 5):
        accounts.of(Credentials(f"k{i}", "s", "p"))
    assert len(accounts) == 3
    assert accounts.of(Credentials("k0", "s", "p")) is not first  # forgotten, rebuilt on its next call


def read_config(account, client, creds=CREDS):
    return Deferred.fromCoroutine(account.config(Session(client, creds, []))).result


def test_account_mode_comes_with_the_position_mode_in_one_read():
    answers = [{"acctLv": "3", "posMode": "long_short_mode"}, {"acctLv": "1", "posMode": "net_mode"}]
    client, http, clock = make_client(lambda *a: ok(answers.pop(0)))
    account = Accounts(clock, position_mode_ttl=60).of(CREDS)
    session = Session(client, CREDS, [])
    assert Deferred.fromCoroutine(account.account_mode(session)).result == "3"
    assert Deferred.fromCoroutine(account.position_mode(session)).result == "long_short_mode"
    assert http.paths() == ["/api/v5/account/config"]
    clock.advance(3600)
    assert account.last_account_mode() == "3"  # what spot orders use, however old
    # OKX refused an order for the account mode: read it again
    reread = Deferred.fromCoroutine(account.reread_config(session)).result
    assert reread == accounts_module.AccountConfig("1", "net_mode") and account.last_account_mode() == "1"
    assert len(http.paths()) == 2


def test_a_config_without_acct_lv_reads_as_futures_mode():
    client, _, clock = make_client(config("net_mode"))
    account = Accounts(clock).of(CREDS)
    assert account.last_account_mode() is None
    assert read_config(account, client).acct_lv == "2"
