# -*- test-case-name: tests.desk.test_claims -*-
"""The order ledger's rules, as pure functions over plain values.

A *claim* says "this account is placing (or cancelling) this call's order". It is written
durably before the request leaves, so whatever happens next — the caller hangs up, the
process is killed, another instance gets the same call — a repeat of the call finds it and
never sends a second order. Its outcome (OKX's ``ordId``, or "not placed", confirmed by
OKX) is recorded as soon as it is known.

Claims are keyed by the credential's identity (:attr:`Credentials.identity`: key, secret,
passphrase and demo flag hashed, the full SHA-256; never the secret itself), the kind of
write and the call's nonce. A caller with the owner's access key and a wrong secret has
another identity, so it sees nothing of the owner's claims. Claims written before the
identity was the key (by its 16-digit legacy fingerprint) are moved on the first repeat.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import attrs

#: the request may have reached OKX; its outcome is not recorded yet
PENDING = "pending"
#: OKX took it: ``result`` is the FMZ order id (orders) or "true" (cancels)
DONE = "done"
#: OKX refused it (or it never left): placing it again cannot double it
ABSENT = "absent"

ORDER = "order"
CANCEL = "cancel"
AMEND = "amend"

#: OKX keeps orders readable by clOrdId for 7 days (orders-history, spec §3); a claim is
#: kept a day longer, so a repeat inside that window always finds it
RETENTION_SECONDS = 8 * 24 * 3600
#: and at most this many claims (oldest dropped first by the periodic prune)
MAX_CLAIMS = 1_000_000


class LedgerError(Exception):
    """A call the ledger refuses, or a ledger that cannot be reached; ``str`` is the
    ``{"error"}`` text."""


class LedgerUnavailable(LedgerError):
    """The ledger (the state dir's database, or Redis) did not answer: nothing was sent."""


#: unresolved claims one access key may hold while OKX has accepted none of its credentials
MAX_UNPROVEN = 20


@attrs.frozen
class Unproven:
    """A claim of a credential OKX has never accepted (:mod:`okxbridge.okx.accepted`), as far
    as this daemon and the ledger know (a ``done`` claim of its own proves it): anyone can send
    any key, so such claims may not pile up. The store refuses one past ``cap`` unresolved
    claims of the same access key, and forgets an unresolved one after ``seconds`` — twice the
    longest a placement can take (:attr:`OrderDesk.write_window`): after one nothing of that
    placement is still being sent, the other leaves a repeat time to take the claim over and
    look the order up. A ``done`` outcome keeps the claim its 8 days, and so do the
    credential's other claims (OKX accepted it: they are no stranger's). A look-up OKX refuses
    for the credential itself (wrong signature) settles the claim as nothing placed."""

    cap: int
    seconds: float


class UnprovenCapReached(LedgerError):
    """The access key holds :attr:`Unproven.cap` unresolved claims of credentials OKX never
    accepted: nothing was written, nothing sent."""

    def __init__(self, api_key: str, cap: int, seconds: float):
        super().__init__(f"access key {api_key[:4]}… has {cap} orders whose outcome is not known yet, and OKX has "
                         f"not accepted this key in this daemon: okxbridge takes no more until one is answered "
                         f"or {seconds:.0f}s have passed; nothing was sent")


@attrs.frozen
class ClaimKey:
    account: str  # Credentials.identity (legacy rows: Credentials.legacy_fingerprint)
    kind: str     # ORDER, CANCEL or AMEND
    nonce: str

    def text(self) -> str:
        return f"{self.account}:{self.kind}:{self.nonce}"


@attrs.frozen
class Claim:
    key: ClaimKey
    api_key: str       # the access key (not secret: OKX sends it in every header)
    demo: bool
    cl_ord_id: str     # what OKX knows the order by ("" for cancels)
    content: str       # content_fingerprint of the request
    owner: str         # instance id of the daemon that sends it
    state: str = PENDING
    result: str = ""
    created: float = 0.0
    updated: float = 0.0

    def fields(self) -> dict[str, str]:
        """Flat text fields, as both stores keep them."""
        return {"api_key": self.api_key, "demo": "1" if self.demo else "0", "cl_ord_id": self.cl_ord_id,
                "content": self.content, "owner": self.owner, "state": self.state, "result": self.result,
                "created": repr(self.created), "updated": repr(self.updated)}

    @classmethod
    def from_fields(cls, key: ClaimKey, fields: Mapping[str, Any]) -> "Claim":
        text = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in fields.items()}
        return cls(key, text["api_key"], text["demo"] == "1", text["cl_ord_id"], text["content"], text["owner"],
                   text["state"], text["result"], float(text["created"]), float(text["updated"]))


def content_fingerprint(body: Mapping[str, Any], ignore: tuple[str, ...] = ("clOrdId",)) -> str:
    """What the request asks for, hashed: same instrument, side, size, price… → same text.
    The clOrdId is left out (it is derived from the nonce, which is the key)."""
    canonical = json.dumps({k: str(v) for k, v in body.items() if k not in ignore}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


@attrs.frozen
class Decision:
    """What to do with a call whose claim was found already written."""

    action: str  # "answer" | "wait" | "take_over" | "refuse"
    message: str = ""


def decide(found: Claim, wanted: Claim, me: str, owner_alive: bool) -> Decision:
    """The rule for a repeated nonce.

    - other content: refused, naming the nonce (a strategy bug: one nonce, two orders);
    - done: the first outcome is the answer;
    - absent (OKX refused or it never left): may be sent again, by whoever takes it over;
    - pending, sent by a live instance: wait for its outcome (another instance, or this one);
    - pending, its sender gone (killed, restarted, or its attempt ended uncertain): take it
      over — look the order up by clOrdId before sending anything.
    """
    if found.content != wanted.content:
        what = found.key.kind
        differs = {ORDER: "instrument, side, type, price or amount", AMEND: "order, price or amount"}
        return Decision("refuse", f"nonce {found.key.nonce} was already used for another {what} "
                        f"(different {differs.get(what, 'order id')}); each call needs its own nonce")
    if found.state == DONE:
        return Decision("answer", found.result)
    if found.state == ABSENT:
        return Decision("take_over")
    if owner_alive and found.owner != me:
        return Decision("wait")
    return Decision("take_over")
