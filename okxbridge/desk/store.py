# -*- test-case-name: tests.desk.test_memory, tests.desk.test_sqlite, tests.desk.test_redis -*-
"""What every ledger store offers (:mod:`.sqlite`, :mod:`.redis`, :mod:`.memory`).

Each operation is atomic in its store, so two calls (or two instances) racing for one
nonce never both think they own it.
"""

from __future__ import annotations

from typing import Any, Protocol

from .claims import Claim, ClaimKey, Unproven


class LedgerStore(Protocol):
    #: "sqlite", "redis" or "memory": what /health and the logs call it
    kind: str

    async def claim(self, claim: Claim, legacy: ClaimKey | None = None,
                    unproven: Unproven | None = None) -> Claim | None:
        """Write ``claim`` if its key is free and return None (it is ours); otherwise
        write nothing and return the claim already there. A claim found under ``legacy`` (the
        same call's key before identities were full hashes) while the key is free is moved to
        the key, in the same step, and returned as found there. ``unproven``: the credential
        is not known to be accepted by OKX; unless the store knows better (a done claim of
        its account), the claim is held to :class:`~.claims.Unproven`'s cap and time, and
        :class:`~.claims.UnprovenCapReached` raised, nothing written, past the cap."""

    async def take_over(self, found: Claim, owner: str, now: float) -> bool:
        """Make ``found`` pending and ours, if it is still exactly as found (same state
        and owner); False when someone else changed it first."""

    async def finish(self, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
        """Record the outcome of our claim: DONE with the id; ABSENT (nothing was sent)
        deletes it, since no claim says the same. False when the claim is no longer ours."""

    async def get(self, key: ClaimKey) -> Claim | None: ...

    #: True when :meth:`owner_alive` knows (a lock on the state dir: one process), False
    #: when it infers it (a heartbeat that lapses when the owner loses Redis)
    liveness_exact: bool

    async def owner_alive(self, owner: str) -> bool:
        """Is the instance ``owner`` running now (and so may still record an outcome)?"""

    def health(self) -> dict[str, Any]: ...
