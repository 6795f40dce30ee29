"""okxbridge/desk/claims.py: the ledger's rules, pure (each store's tests are beside it)."""

import pytest

from okxbridge.desk.claims import ABSENT, DONE, content_fingerprint, decide
from tests.desk.store_rules import BODY, KEY, claim


def test_content_fingerprint_ignores_the_client_order_id_and_nothing_else():
    assert content_fingerprint(BODY) == content_fingerprint({**BODY, "clOrdId": "fmz2"})
    for field, value in (("sz", "3"), ("side", "sell"), ("px", "2"), ("instId", "ETH-USDT")):
        assert content_fingerprint({**BODY, field: value}) != content_fingerprint(BODY)


@pytest.mark.parametrize("found, alive, action", [
    (claim(state=DONE), False, "answer"),
    (claim(state=ABSENT), False, "take_over"),
    (claim(owner="other"), True, "wait"),
    (claim(owner="other"), False, "take_over"),
    (claim(owner="me"), False, "take_over"),  # ours but not in flight: an attempt that ended uncertain
    (claim(content="other-content", state=DONE), False, "refuse"),
])
def test_decide(found, alive, action):
    assert decide(found, claim(), "me", alive).action == action


def test_refusal_names_the_nonce():
    message = decide(claim(content="x"), claim(), "me", False).message
    assert f"nonce {KEY.nonce} was already used for another order" in message
