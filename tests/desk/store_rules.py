"""The rules every ledger store keeps (memory, SQLite, Redis), as one coroutine each store's
tests run against their store; and the claims those tests are made of."""

import attrs

from okxbridge.desk.claims import ABSENT, DONE, ORDER, PENDING, Claim, ClaimKey, content_fingerprint

KEY = ClaimKey("f" * 16, ORDER, "1730275031047002000")
BODY = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "px": "1", "sz": "2",
        "clOrdId": "fmz1"}


def claim(owner="me", state=PENDING, content=None, created=100.0, key=KEY):
    return Claim(key, "key-1", False, "fmz1", content or content_fingerprint(BODY), owner, state,
                 created=created, updated=created)


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
