# -*- test-case-name: tests.desk.test_memory -*-
"""A ledger kept in this process's memory (``--ledger memory``).

It keeps every rule of the durable stores but forgets everything on restart: for tests
and for the benchmark's "no durable ledger" baseline, never for real money.
"""

from __future__ import annotations

from typing import Any

import attrs

from .claims import ABSENT, PENDING, Claim, ClaimKey


@attrs.define
class MemoryLedger:
    kind = "memory"
    claims: dict[ClaimKey, Claim] = attrs.Factory(dict)
    limit: int = 100_000  # oldest forgotten first


    async def claim(self, claim: Claim) -> Claim | None:
        found = self.claims.get(claim.key)
        if found is None:
            self.claims[claim.key] = claim
            while len(self.claims) > self.limit:
                del self.claims[next(iter(self.claims))]
        return found

    async def take_over(self, found: Claim, owner: str, now: float) -> bool:
        current = self.claims.get(found.key)
        if current is None or (current.state, current.owner) != (found.state, found.owner):
            return False
        self.claims[found.key] = attrs.evolve(current, state=PENDING, owner=owner, updated=now)
        return True

    async def finish(self, key: ClaimKey, owner: str, state: str, result: str, now: float) -> bool:
        current = self.claims.get(key)
        if current is None or current.owner != owner:
            return False
        if state == ABSENT:
            del self.claims[key]
        else:
            self.claims[key] = attrs.evolve(current, state=state, result=result, updated=now)
        return True

    async def get(self, key: ClaimKey) -> Claim | None:
        return self.claims.get(key)

    liveness_exact = True

    async def owner_alive(self, owner: str) -> bool:
        return False  # one process: the only live owner is this one

    def health(self) -> dict[str, Any]:
        return {"kind": self.kind, "durable": False, "claims": len(self.claims)}
