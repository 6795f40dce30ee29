# -*- test-case-name: tests.desk.test_placement -*-
"""One write per nonce, whatever happens around it: the ledger's claim, then the request.

:func:`exactly_once` writes the claim (durably, in the ledger store) before ``send`` may
run; a claim already there is answered, waited for, or taken over by the rules in
:func:`okxbridge.desk.claims.decide`. A claim taken over while *pending* may have reached
OKX, so it is looked up by clOrdId (``look_up``) before anything is sent.

:func:`shielded` runs that work as its own Deferred, which the handler awaits through a
waiter: when the caller hangs up, Klein cancels the handler, and only the waiter is
cancelled — the placement, its resolution and the recording of its outcome carry on. Calls
in flight with the same key share that one Deferred.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Coroutine, Hashable

from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.logger import Logger

from ..fmz.errors import ProtocolError
from ..okx import codes
from ..okx.errors import OkxError
from ..okx.retry import outcome_unknown
from ..okx.signer import Credentials
from .claims import ABSENT, DONE, PENDING, Claim, ClaimKey, LedgerError, UnprovenCapReached, decide
from .desk import OrderDesk

log = Logger()

#: (result text, OKX's raw answer or None when answered from the ledger)
Outcome = tuple[str, Any]


def shielded(desk: OrderDesk, key: Hashable, work: Callable[[], Coroutine[Any, Any, Outcome]]) -> Deferred:
    """``work`` started once per key, outliving any caller's cancellation (see above);
    the daemon's drain on SIGTERM waits for it like for an OKX request."""
    def start() -> Deferred:
        return desk.inflight.track(Deferred.fromCoroutine(work()))
    return desk.placing.run(key, start)


def nothing_sent(error: BaseException) -> bool:
    """OKX refused the write, or it never left: it is certainly not placed/cancelled.

    A :class:`ProtocolError` is raised before the request is built (a close with nothing to
    close, a size below the minimum). ``empty`` is a success answer without the order's
    id: OKX took the order, so it is not "nothing sent"."""
    if isinstance(error, ProtocolError):
        return True
    return (isinstance(error, OkxError) and not outcome_unknown(error)
            and error.code not in ("uncertain", "empty", *codes.DUPLICATE_ORDER))


async def first_claim(desk: OrderDesk, creds: Credentials, mine: Claim) -> Claim | None:
    """Write ``mine`` (see :meth:`.store.LedgerStore.claim`), or find the call's claim: under
    its key, or under the key an older daemon wrote it by (moved then). A credential OKX has
    not accepted in this daemon is held to the never-accepted cap; at the cap it is proven
    first, by one signed read (OKX accepts it, or refuses it: then nothing is written or sent),
    so callers sending the owner's access key with junk secrets cannot lock the owner out."""
    legacy = ClaimKey(creds.legacy_fingerprint, mine.key.kind, mine.key.nonce)
    unproven = desk.unproven(creds)
    try:
        return await desk.ledger.claim(mine, legacy=legacy, unproven=unproven)
    except UnprovenCapReached:
        if not await desk.prove(creds):
            raise
    return await desk.ledger.claim(mine, legacy=legacy)


async def exactly_once(desk: OrderDesk, creds: Credentials, kind: str, nonce: int, cl_ord_id: str, content: str,
                       send: Callable[[], Awaitable[Outcome]],
                       look_up: Callable[[], Awaitable[str | None]]) -> Outcome:
    ledger, me, clock = desk.ledger, desk.instance, desk.clock
    now = clock.seconds()
    key = ClaimKey(creds.identity, kind, str(nonce))
    mine = Claim(key, creds.api_key, creds.simulated, cl_ord_id, content, me, created=now, updated=now)
    found = await first_claim(desk, creds, mine)
    give_up_at = now + desk.claim_wait
    while found is not None:
        alive = (found.state == PENDING and found.owner != me
                 and (await ledger.owner_alive(found.owner)
                      # a lapsed heartbeat is no proof of death: the owner may have lost Redis
                      # mid-placement and still be sending (its outcome then goes unrecorded)
                      or (not ledger.liveness_exact and clock.seconds() - found.updated < desk.write_window)))
        decision = decide(found, mine, me, alive)
        if decision.action == "refuse":
            raise LedgerError(decision.message)
        if decision.action == "answer":
            return decision.message, None
        if decision.action == "wait":
            if clock.seconds() >= give_up_at:
                raise LedgerError(f"nonce {nonce}: another okxbridge instance is still placing this {kind} "
                                  f"(for {clock.seconds() - found.created:.0f}s); its outcome is unknown here, "
                                  "check open orders before acting again")
            await deferLater(clock, desk.claim_poll, lambda: None)
            found = await ledger.get(key)
            if found is None:  # expired meanwhile: claim it afresh
                found = await ledger.claim(mine)
            continue
        # take over: the claim's sender is gone, or OKX refused it before
        if not await ledger.take_over(found, me, clock.seconds()):
            found = await ledger.get(key) or await ledger.claim(mine)
            continue
        if found.state == PENDING:
            log.info("{kind} for nonce {nonce}: taking over an unfinished claim of instance {owner}; "
                     "looking it up before sending", kind=kind, nonce=nonce, owner=found.owner)
            existing = await look_up()
            if existing is not None:
                await record(desk, key, DONE, existing)
                return existing, None
        break
    try:
        result, raw = await send()
    except BaseException as e:
        if nothing_sent(e):
            await record(desk, key, ABSENT, "")
        raise
    await record(desk, key, DONE, result)
    return result, raw


async def record(desk: OrderDesk, key: ClaimKey, state: str, result: str) -> None:
    """The outcome, written once known. If the store fails now, the claim stays pending
    and a repeat resolves it by reading OKX: never lost, at worst looked up once more."""
    try:
        mine = await desk.ledger.finish(key, desk.instance, state, result, desk.clock.seconds())
    except LedgerError as e:
        log.error("order ledger: outcome {state} of nonce {nonce} not recorded: {error}",
                  state=state, nonce=key.nonce, error=str(e))
        return
    if not mine:
        log.warn("order ledger: the claim for nonce {nonce} was taken over by another instance before its "
                 "outcome ({state} {result}) was recorded", nonce=key.nonce, state=state, result=result)
