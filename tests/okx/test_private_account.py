"""okx/private_account.py's named sync states on a MemoryReactorClock: a private account's
stream driven by a stand-in for autobahn's protocol, its REST snapshot a Deferred the test
fires, and what ``in_sync``/``ready_for``/``report`` derive from the states."""

from __future__ import annotations

import collections
import json
from typing import Any

import attrs
import pytest
from twisted.internet.defer import Deferred
from twisted.internet.testing import MemoryReactorClock

from okxbridge.okx import private_account
from okxbridge.okx.account_snapshot import AccountSnapshot
from okxbridge.okx.private_account import GIVE_UP_SECONDS, Fetch, PrivateAccount, Sync
from okxbridge.okx.ws_link import Link
from tests.okx_fake import CREDS


class Wire:
    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.dropped = False

    def sendMessage(self, payload: bytes, isBinary: bool = False) -> None:
        self.sent.append(json.loads(payload))

    def dropConnection(self, abort: bool = False) -> None:
        self.dropped = True


@attrs.define
class Owner:
    """What a PrivateAccount reads of its PrivateStreams."""

    clock: MemoryReactorClock = attrs.Factory(MemoryReactorClock)
    urls: dict = attrs.Factory(lambda: {False: "ws://okx.test:1", True: "ws://demo.test:1"})
    fresh: float = 5.0
    trust_root: Any = None
    logins: collections.Counter = attrs.Factory(collections.Counter)
    snapshots: collections.Counter = attrs.Factory(collections.Counter)

    @property
    def reactor(self) -> MemoryReactorClock:
        return self.clock

    @property
    def client(self) -> Any:
        return self

    @property
    def signer(self) -> Any:
        return self

    def now(self) -> float:
        return self.clock.seconds()


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[Deferred]:
    asked: list[Deferred] = []

    def fetch(client: Any, clock: Any, creds: Any) -> Deferred:
        asked.append(Deferred())
        return asked[-1]

    monkeypatch.setattr(private_account, "fetch_snapshot", fetch)
    return asked


def taken(at: float) -> AccountSnapshot:
    return AccountSnapshot({"details": []}, [], [], int(at * 1000), at)


def logged_in(owner: Owner) -> tuple[PrivateAccount, Wire]:
    account, wire = PrivateAccount(owner, CREDS), Wire()
    account.stream.connected(wire)
    assert account.stream.state is Link.LOGGING_IN and wire.sent[0]["op"] == "login"
    account.stream.received(wire, json.dumps({"event": "login", "code": "0", "msg": "", "connId": "1"}))
    return account, wire


def account_snapshot_push(account: PrivateAccount, wire: Wire) -> None:
    account.stream.received(wire, json.dumps({"arg": {"channel": "account"}, "eventType": "snapshot",
                                              "data": [{"details": []}]}))


def test_from_no_snapshot_through_loading_to_loaded_and_back_on_a_lost_connection(fetches):
    owner = Owner()
    account, wire = logged_in(owner)
    assert account.sync is Sync.NO_SNAPSHOT and account.fetch is Fetch.IDLE and not account.in_sync()
    account_snapshot_push(account, wire)  # every subscription is in place: the REST snapshot
    assert account.sync is Sync.LOADING_SNAPSHOT and account.fetch is Fetch.RUNNING and len(fetches) == 1
    account.snapshot()  # asked for again meanwhile: runs after this one, not beside it
    assert account.fetch is Fetch.RUNNING_THEN_AGAIN and len(fetches) == 1
    fetches[0].callback(taken(owner.clock.seconds()))
    assert account.sync is Sync.SNAPSHOT_LOADED and account.fetch is Fetch.RUNNING and len(fetches) == 2
    assert account.in_sync() and account.ready_for("orders")
    report = account.report()
    assert report["logged_in"] is True and report["in_sync"] is True and report["snapshot_seconds_ago"] == 0.0
    fetches[1].callback(taken(owner.clock.seconds()))
    assert account.sync is Sync.SNAPSHOT_LOADED and account.fetch is Fetch.IDLE
    account.stream.disconnected(wire, 1006, "lost")
    assert account.sync is Sync.NO_SNAPSHOT and account.stream.state is Link.DISCONNECTED
    assert not account.in_sync() and account.report()["connected"] is False


def test_a_snapshot_that_failed_or_belongs_to_an_earlier_connection_loads_nothing(fetches):
    from okxbridge.okx.errors import OkxError

    owner = Owner()
    account, wire = logged_in(owner)
    account.snapshot()
    fetches[0].errback(OkxError("50001", "Service temporarily unavailable"))
    assert account.sync is Sync.NO_SNAPSHOT and owner.snapshots["failed"] == 1
    account.snapshot()
    account.stream.disconnected(wire, 1006, "lost")
    wire2 = Wire()
    account.stream.connected(wire2)
    account.stream.received(wire2, json.dumps({"event": "login", "code": "0", "msg": "", "connId": "2"}))
    fetches[1].callback(taken(owner.clock.seconds()))  # asked on the first connection
    assert account.sync is Sync.NO_SNAPSHOT and owner.snapshots["loaded"] == 0 and not account.in_sync()


def test_a_refused_credential_gives_up_until_its_time_is_over(fetches):
    owner = Owner()
    account, wire = PrivateAccount(owner, CREDS), Wire()
    account.stream.connected(wire)
    account.stream.received(wire, json.dumps({"event": "error", "code": "60024", "msg": "Wrong passphrase",
                                              "connId": "1"}))
    assert account.sync is Sync.GAVE_UP and account.stream.state is Link.REFUSED and wire.dropped
    assert account.report()["login_error"] == "OKX 60024: Wrong passphrase" and owner.logins["60024"] == 1
    assert not account.stream.service.running
    account.stream.disconnected(wire, 1006, "dropped")
    assert account.sync is Sync.GAVE_UP and not account.in_sync()  # a lost connection does not undo it
    owner.clock.advance(GIVE_UP_SECONDS - 1)
    account.revive()
    assert account.sync is Sync.GAVE_UP and not account.stream.service.running
    owner.clock.advance(1)
    account.revive()
    assert account.sync is Sync.NO_SNAPSHOT and account.stream.service.running


def test_a_refusal_of_another_kind_keeps_trying_and_is_cleared_by_the_next_login(fetches):
    owner = Owner()
    account, wire = PrivateAccount(owner, CREDS), Wire()
    account.stream.connected(wire)
    account.stream.received(wire, json.dumps({"event": "error", "code": "60009", "msg": "Login failed.",
                                              "connId": "1"}))
    assert account.sync is Sync.NO_SNAPSHOT and account.login_error == ("60009", "Login failed.")
    assert account.stream.service.running and wire.dropped
    account.stream.disconnected(wire, 1006, "dropped")
    wire2 = Wire()
    account.stream.connected(wire2)
    account.stream.received(wire2, json.dumps({"event": "login", "code": "0", "msg": "", "connId": "2"}))
    assert account.login_error is None and account.stream.is_ready
    assert [m["op"] for m in wire2.sent] == ["login", "subscribe"]
