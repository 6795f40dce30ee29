"""The rules every ledger store keeps (memory, SQLite, Redis), as one coroutine each store's
tests run against their store; and the claims those tests are made of."""

import attrs
import pytest

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
    await moves_a_legacy_claim(store, now)


async def moves_a_legacy_claim(store, now):
    """A claim written under a call's key of before full identities is moved on its first
    repeat, once: found under the new key, gone from the old; a new key already taken wins."""
    old, new = ClaimKey("a" * 16, ORDER, "88"), ClaimKey("a" * 64, ORDER, "88")
    before = claim(state=DONE, created=now, key=old)
    assert await store.claim(before) is None
    moved = await store.claim(claim(owner="other", created=now + 1, key=new), legacy=old)
    assert moved is not None and (moved.key, moved.state, moved.owner) == (new, DONE, "me")
    assert await store.get(old) is None and await store.get(new) == moved
    assert await store.claim(claim(created=now, key=old)) is None  # the old key is free again
    assert await store.claim(claim(owner="third", key=new), legacy=old) == moved  # the new key's own stays
    assert await store.get(old) is not None  # and the old one is not moved over it
    fresh = claim(created=now, key=ClaimKey("b" * 64, ORDER, "88"))
    assert await store.claim(fresh, legacy=ClaimKey("b" * 16, ORDER, "88")) is None  # nothing to move: ours
    await holds_unproven_claims(store, now)


async def holds_unproven_claims(store, now):
    """Claims of credentials OKX never accepted: at most ``cap`` unresolved per access key,
    forgotten after their time unless done; a done claim proves its account."""
    from okxbridge.desk.claims import Unproven, UnprovenCapReached

    rule = Unproven(cap=2, seconds=30.0)

    def junk(nonce, account="j" * 64, created=now, api_key="junk-key"):
        return attrs.evolve(claim(created=created, key=ClaimKey(account, ORDER, str(nonce))), api_key=api_key)

    assert await store.claim(junk(1), unproven=rule) is None
    assert await store.claim(junk(2, account="k" * 64), unproven=rule) is None  # another secret, same key
    with pytest.raises(UnprovenCapReached, match="junk…"):
        await store.claim(junk(3), unproven=rule)
    assert await store.get(junk(3).key) is None  # nothing written
    assert await store.claim(junk(3, api_key="other-key"), unproven=rule) is None  # per access key
    assert await store.finish(junk(2, account="k" * 64).key, "me", ABSENT, "", now + 1)  # resolved: room again
    assert await store.claim(junk(4), unproven=rule) is None
    assert await store.finish(junk(4).key, "me", DONE, "BTC-USDT,4", now + 1)  # OKX took it: proven
    for nonce in (5, 6, 7):
        assert await store.claim(junk(nonce), unproven=rule) is None  # its account is no longer capped
    # past their time, unresolved ones of a credential never proven are forgotten
    assert await store.claim(junk(8, account="m" * 64, api_key="late-key", created=now), unproven=rule) is None
    assert await store.claim(junk(9, account="m" * 64, api_key="late-key", created=now), unproven=rule) is None
    # a done claim proves its credential: its other unresolved claims are kept like any
    assert await store.claim(junk(11, account="n" * 64, api_key="new-key"), unproven=rule) is None
    assert await store.claim(junk(12, account="n" * 64, api_key="new-key"), unproven=rule) is None
    assert await store.finish(junk(12, account="n" * 64).key, "me", DONE, "BTC-USDT,12", now + 1)
    later = junk(10, account="m" * 64, api_key="late-key", created=now + 31)
    if store.kind != "redis":  # Redis forgets by its own clock (a TTL): tests/desk/test_redis.py
        assert await store.claim(later, unproven=rule) is None
        assert await store.get(junk(8, account="m" * 64).key) is None
        assert (await store.get(junk(11, account="n" * 64).key)).state == PENDING  # proven: kept
    assert (await store.get(junk(4).key)).state == DONE
