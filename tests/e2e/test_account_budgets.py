"""Budgets per OKX account (issue 23 item 4): two keys of one UID together stay inside OKX's
60 orders / 2 s per instrument; keys of two UIDs each have the whole budget."""

import pytest_twisted
from twisted.internet.defer import Deferred, DeferredList

from okxbridge.okx.signer import Credentials
from okxbridge.sim import SimAccount
from okxbridge.sim.limits import EndpointLimits
from okxbridge.sim.testing import start_emulator
from okxbridge.testing import start_bridge

NONCE = 1733300000000000000
ORDER = {"symbol": "BTC_USDT", "type": "buy", "price": 100, "amount": 0.01}


def keys(*uids):
    return [SimAccount(f"key-{n}", f"secret-{n}", f"pass-{n}", uid=uid) for n, uid in enumerate(uids)]


class Recording(EndpointLimits):
    """okxsim's own limiter, its verdicts unchanged, each refusal (a 50011) noted."""

    def allow(self, *args, **kwargs):
        verdict = super().allow(*args, **kwargs)
        if not verdict:
            self.refused.append(args[1])
        return verdict


def refusals_of(emu):
    emu.limiter = Recording(emu.limiter.clock)
    emu.limiter.refused = []
    return emu.limiter.refused


async def place_together(bridge, accounts, each, bridges=None):
    """``bridges``: one instance per account (the Redis-shared set-up); else all through one."""
    instances = bridges or [bridge]
    through = {a.api_key: instances[n % len(instances)] for n, a in enumerate(accounts)}

    async def one(account, n, symbol="BTC_USDT"):
        # a nonce of its own per order: one nonce is one clOrdId, and the keys share one account
        nonce = NONCE + 10 * n + accounts.index(account) + (5 if symbol != "BTC_USDT" else 0)
        return await through[account.api_key].call("trade", {**ORDER, "symbol": symbol}, nonce=nonce,
                                                   access_key=account.api_key,
                                                   secret_key=f"{account.secret},{account.passphrase}")
    for account in accounts:  # the first order reads the account's UID (in the background);
        # on another instrument: until the UID is known, a key's orders count as the key's own
        assert "data" in await one(account, 0, "ETH_USDT")
    for instance in instances:
        await instance.call("GetTicker", {"symbol": "BTC_USDT"})  # the config reads have landed
    calls = [one(account, n) for n in range(each) for account in accounts]
    return [answer for _, answer in await DeferredList([Deferred.fromCoroutine(c) for c in calls])]


@pytest_twisted.ensureDeferred
async def test_two_keys_of_one_uid_share_the_per_instrument_budget(bridge_and_sim):
    accounts = keys("4242", "4242")
    bridge, emu = await bridge_and_sim(accounts=accounts)
    refused = refusals_of(emu)
    answers = await place_together(bridge, accounts, 50)  # 100 orders: OKX allows 60 per 2 s per UID
    assert [a for a in answers if "data" not in a] == []
    assert refused == []  # okxsim never answered 50011: the two keys spent one budget
    assert len(emu.engine.all_orders) == 102
    uids = bridge.bridge.client.uids
    assert uids.user_of(fingerprint(accounts[0])) == uids.user_of(fingerprint(accounts[1])) != fingerprint(accounts[0])


@pytest_twisted.ensureDeferred
async def test_keys_of_two_uids_each_have_the_whole_budget(bridge_and_sim):
    accounts = keys("1001", "2002")
    bridge, emu = await bridge_and_sim(accounts=accounts)
    refused = refusals_of(emu)
    answers = await place_together(bridge, accounts, 55)
    assert [a for a in answers if "data" not in a] == [] and refused == []
    assert len(emu.engine.all_orders) == 112
    uids = bridge.bridge.client.uids
    learned = {uids.user_of(fingerprint(account)) for account in accounts}
    assert len(learned) == 2 and all(user.startswith("uid:") for user in learned)


def fingerprint(account):
    return Credentials(account.api_key, account.secret, account.passphrase).identity


@pytest_twisted.ensureDeferred
async def test_two_instances_with_a_key_each_of_one_uid_share_the_budget_in_redis(reactor, redis_url):
    accounts = keys("4242", "4242")
    running = await start_emulator(reactor, seed=7, accounts=accounts)
    refused = refusals_of(running.emulator)
    instances = [await start_bridge(reactor, running.url, "--shared-state", redis_url) for _ in accounts]
    try:
        for instance in instances:
            assert await instance.desk.ledger.redis.wait_connected(5)
        answers = await place_together(None, accounts, 50, instances)
        assert [a for a in answers if "data" not in a] == []
        assert refused == []  # each instance knows only its own key, Redis keys the budget by UID
        assert len(running.emulator.engine.all_orders) == 102
    finally:
        for instance in instances:
            await instance.stop()
        await running.stop()


@pytest_twisted.ensureDeferred
async def test_keys_that_only_read_learn_their_uid_once_and_share_the_accounts_read_budget(reactor, bridge_and_sim):
    """Issue 23: a key that never trades learns its UID from one /account/config read after its
    first private read, so two read-only keys of one account spend one balance budget (OKX:
    10 / 2 s per UID) — 16 reads at once through them, and okxsim refuses none."""
    from tests.e2e.daemon_pair import eventually

    accounts = keys("4242", "4242")
    bridge, emu = await bridge_and_sim(accounts=accounts)
    secrets = {a.api_key: f"{a.secret},{a.passphrase}" for a in accounts}
    for account in accounts:
        assert "data" in await bridge.call("accounts", access_key=account.api_key, secret_key=secrets[account.api_key])
    uids = bridge.bridge.client.uids
    await eventually(reactor, lambda: len(uids) == 2, "both keys' UIDs learnt")
    refused = refusals_of(emu)
    answers = await DeferredList([Deferred.fromCoroutine(bridge.call(
        "accounts", access_key=a.api_key, secret_key=secrets[a.api_key])) for a in accounts for _ in range(8)])
    assert [a for _, a in answers if "data" not in a] == []
    assert refused == []  # one budget for the account: okxsim never answered 50011
    assert emu.request_counts()["/api/v5/account/config"] == 2  # once per key, not per call
