"""okx/account_uids.py with accounts.py and pacing.py: budgets are the OKX account's (UID),
learned from one /account/config read, shared by every key of the account."""

from twisted.internet import task

from okxbridge.okx import account_uids
from okxbridge.okx.account_uids import AccountUids
from okxbridge.okx.accounts import Accounts
from okxbridge.okx.call import OkxCall
from okxbridge.okx.limits import RateLimiter
from okxbridge.okx.pacing import Pacing
from okxbridge.okx.rate_rules import SUB_ACCOUNT_ORDERS, bucket_keys
from okxbridge.okx.session import Session
from okxbridge.okx.signer import Credentials
from tests.okx.fake_layer import Inner
from tests.okx_fake import CREDS, DEMO, OTHER, make_client, ok

THIRD = Credentials("key-3", "secret", "pass")


def order(clock, creds, inst="BTC-USDT-SWAP"):
    return OkxCall("POST", "/api/v5/trade/order", clock.seconds() + 10, body={"instId": inst}, creds=creds)


def pacing_with(uids):
    clock = task.Clock()
    return Pacing(Inner(), clock, RateLimiter(clock), uids=uids), clock


def test_a_key_counts_as_itself_until_its_uid_is_known_then_as_its_account():
    uids = AccountUids()
    assert uids.user_of(CREDS.identity) == CREDS.identity
    uids.learned(CREDS.identity, "1001", False)
    uids.learned(OTHER.identity, "1001", False)
    uids.learned(DEMO.identity, "1001", True)
    assert uids.user_of(CREDS.identity) == uids.user_of(OTHER.identity) == "uid:1001|live"
    assert uids.user_of(DEMO.identity) == "uid:1001|demo"  # OKX's demo service counts apart
    uids.learned(THIRD.identity, "x" * 65, False)  # not a UID: ignored, nothing grows
    uids.learned(THIRD.identity, "", False)
    assert uids.user_of(THIRD.identity) == THIRD.identity and len(uids) == 3


def test_the_registry_is_bounded(monkeypatch):
    monkeypatch.setattr(account_uids, "MAX_KNOWN", 2)
    uids = AccountUids()
    for n in range(3):
        uids.learned(f"fp{n}", str(n), False)
    assert len(uids) == 2 and uids.user_of("fp0") == "fp0"


def test_two_keys_of_one_uid_share_the_per_instrument_budget():
    uids = AccountUids()
    uids.learned(CREDS.identity, "1001", False)
    uids.learned(OTHER.identity, "1001", False)
    layer, clock = pacing_with(uids)
    for n in range(60):
        assert layer.send(order(clock, CREDS if n % 2 else OTHER)).called
    waiting = layer.send(order(clock, OTHER))
    assert not waiting.called  # OKX's 60/2 s per UID and instrument is spent by the two keys
    clock.advance(2.1)
    assert waiting.called


def test_keys_of_different_uids_each_have_the_whole_budget():
    uids = AccountUids()
    uids.learned(CREDS.identity, "1001", False)
    uids.learned(OTHER.identity, "2002", False)
    layer, clock = pacing_with(uids)
    for creds in (CREDS, OTHER):
        for _ in range(60):
            assert layer.send(order(clock, creds)).called
    assert not layer.send(order(clock, CREDS)).called


def test_the_config_read_tells_the_uid_and_a_public_call_reads_nothing():
    client, http, clock = make_client(lambda verb, path, query, headers, body: ok({"uid": "1001", "acctLv": "2"}))
    accounts = Accounts(clock, uids=client.uids)
    client.get("/api/v5/market/ticker", {"instId": "BTC-USDT"})
    assert http.paths() == ["/api/v5/market/ticker"] and len(client.uids) == 0
    account = accounts.of(CREDS)
    account.learn_uid(Session(client, CREDS, []))
    account.learn_uid(Session(client, CREDS, []))  # read once per credential
    assert http.paths().count("/api/v5/account/config") == 1
    assert client.uids.user_of(CREDS.identity) == "uid:1001|live"
    assert account.last_account_mode() == "2"


def test_the_sub_account_cap_counts_derivative_orders_across_instruments_not_spot():
    def cap_tokens(body):
        keys = bucket_keys("POST", "/api/v5/trade/batch-orders", None, body, "uid:1|live")
        return [key for key, rule in keys if rule is SUB_ACCOUNT_ORDERS]
    body = [{"instId": "BTC-USDT-SWAP"}, {"instId": "ETH-USDT-250328"}, {"instId": "BTC-USDT"}]
    assert cap_tokens(body) == [("POST", "new orders per sub-account", "uid:1|live")] * 2
    assert not [r for _, r in bucket_keys("POST", "/api/v5/trade/cancel-order", None, body[0], "u")
                if r is SUB_ACCOUNT_ORDERS]


def test_the_1001st_derivative_order_in_2s_waits_whatever_its_instrument():
    layer, clock = pacing_with(AccountUids())
    for n in range(1000):  # 60 per instrument: 17 instruments stay inside each one's limit
        assert layer.send(order(clock, CREDS, f"I{n // 59}-USDT-SWAP")).called
    waiting = layer.send(order(clock, CREDS, "NEW-USDT-SWAP"))
    assert not waiting.called
    assert layer.send(order(clock, CREDS, "NEW-USDT")).called  # spot is exempt
    clock.advance(2.1)
    assert waiting.called


def test_status_names_the_account_and_its_sub_account_budget():
    uids = AccountUids()
    uids.learned(CREDS.identity, "1001", False)
    layer, clock = pacing_with(uids)
    layer.send(order(clock, CREDS))
    layer.send(order(clock, OTHER))
    held = {c["fingerprint"]: {r["request"] for r in c["budgets"]} for c in layer.limiter.status()["credentials"]}
    # a key is shown by its 16-digit prefix only; its budgets are keyed by the full identity
    assert held == {"uid:1001|live": {"POST /api/v5/trade/order", "POST new orders per sub-account"},
                    OTHER.fingerprint: {"POST /api/v5/trade/order", "POST new orders per sub-account"}}
