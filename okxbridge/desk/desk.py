# -*- test-case-name: tests.handlers.test_trade, tests.e2e.test_shared_state -*-
"""The order desk: everything that makes a write happen exactly once, in one object.

The ledger (claims per credential, kind and nonce), this instance's name in it, the rules
for waiting on another instance's claim, the shield that lets a placement outlive its
caller, the look-ups of writes whose outcome is unknown, and how writes travel (REST or
the private WebSocket). Handlers hold an :class:`OrderDesk`; the functions that use it are
in :mod:`.placement` (claims) and :mod:`.resolution` (look-ups).
"""

from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Protocol

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from ..okx import paths
from ..okx.accepted import AcceptedCredentials, proves_acceptance
from ..okx.client import OkxClient
from ..okx.coalesce import Coalescer
from ..okx.errors import OkxError
from ..okx.rejected import REJECTED_CODES
from ..okx.signer import Credentials
from .claims import MAX_UNPROVEN, Unproven
from .memory import MemoryLedger
from .resolving import Resolving
from .store import LedgerStore
from .write_transport import WriteTransport


class Tracker(Protocol):
    """What keeps the daemon's drain waiting for work in flight (:class:`~okxbridge.okx.inflight.InFlight`)."""

    def track(self, d: Deferred) -> Deferred: ...


class UncertainCounter(Protocol):
    """Where the outcomes of unknown writes are counted (the daemon's metrics)."""

    def uncertain_order(self, outcome: str) -> None: ...


@attrs.define
class OrderDesk:
    clock: IReactorTime
    transport: WriteTransport
    inflight: Tracker
    metrics: UncertainCounter
    #: the longest one OKX request may take (the client's deadline, else its timeout)
    request_deadline: float
    #: the order ledger: a claim per (credential fingerprint, kind, nonce), written before any
    #: order or cancel leaves; in memory unless the daemon gives a durable one
    ledger: LedgerStore = attrs.Factory(MemoryLedger)
    #: this daemon's name in the ledger's claims (a new one at each start)
    instance: str = attrs.Factory(lambda: uuid.uuid4().hex[:12])
    #: how long a repeat waits for another live instance's placement of the same nonce
    claim_wait: float = 30.0
    claim_poll: float = 0.05
    #: in-flight placements by the same key share one outcome (a call repeated while pending)
    placing: Coalescer = attrs.Factory(Coalescer)
    #: seconds to wait before each look-up of an order whose write went unanswered: OKX may
    #: still be processing it, and "not found" too early could lead to placing it twice
    resolve_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    #: after a write's expTime, how much longer before "not found" is taken as conclusive:
    #: the error of our measure of OKX's clock (half a round trip, typically far less)
    expiry_margin: float = 0.5
    #: those look-ups while they run, for /status
    resolving: Resolving = attrs.Factory(lambda self: Resolving(self.clock), takes_self=True)
    #: credentials OKX answered past its auth check (the client's); None: every one is taken
    #: as accepted (a desk without a client, in tests)
    accepted: AcceptedCredentials | None = None
    #: one signed read that shows whether OKX accepts a credential (``/account/config``)
    prover: Callable[[Credentials], Awaitable[Any]] | None = None
    #: unresolved claims an access key may hold while OKX has accepted none of its credentials
    unproven_cap: int = MAX_UNPROVEN
    #: the proofs under way (:meth:`prove`), one per credential
    proving: Coalescer = attrs.Factory(Coalescer)

    @classmethod
    def for_client(cls, clock: IReactorTime, client: OkxClient, transport: WriteTransport,
                   **kwargs: Any) -> "OrderDesk":
        """A desk whose writes the client's drain waits for, counted in its metrics, and whose
        placements last at most one request of the client's (its deadline, else its timeout)."""
        def prover(creds: Credentials) -> Deferred:
            return client.get(paths.ACCOUNT_CONFIG, creds=creds)
        return cls(clock, transport, client.inflight, client.metrics, client.deadline or client.timeout,
                   accepted=client.accepted, prover=prover, **kwargs)

    def unproven(self, creds: Credentials) -> Unproven | None:
        """The never-accepted rule for a claim of ``creds`` (None once OKX accepted it here)."""
        if self.accepted is None or self.accepted.knows(creds):
            return None
        # one write window for the placement itself, one more for a repeat to take its claim
        # over and look it up (another instance may do so only once the first has passed)
        return Unproven(self.unproven_cap, 2 * self.write_window)

    async def prove(self, creds: Credentials) -> bool:
        """Ask OKX once whether it accepts ``creds``: True if it does; its refusal is raised
        (the call fails with OKX's reason, nothing sent); False when OKX did not answer. Calls
        at the cap together share one read (a burst of a new key's first orders: one read)."""
        if self.prover is None:
            return False
        if self.accepted is not None and self.accepted.knows(creds):
            return True  # proven meanwhile, by this call's neighbours
        return bool(await self.proving.run(creds.identity, lambda: Deferred.fromCoroutine(self._prove(creds))))

    async def _prove(self, creds: Credentials) -> bool:
        assert self.prover is not None
        try:
            await self.prover(creds)
        except OkxError as e:
            if e.code in REJECTED_CODES:
                raise
            return proves_acceptance(e)
        return True

    @property
    def write_window(self) -> float:
        """How long one placement can still be sending after its claim was written: a
        place-order, the read-backs' delays (the last after its expTime), and a second
        place-order once OKX said it has none. A claim whose owner's liveness is only
        inferred (a Redis heartbeat that may lapse while the owner runs on) is not taken over
        before this has passed."""
        return 2 * (self.request_deadline + self.expiry_margin) + sum(self.resolve_delays)

    def count_uncertain(self, outcome: str) -> None:
        self.metrics.uncertain_order(outcome)
        self.resolving.done(outcome)
