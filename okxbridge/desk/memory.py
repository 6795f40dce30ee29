# -*- test-case-name: tests.desk.test_memory -*-
"""A ledger kept in this process's memory (``--ledger memory``).

It keeps every rule of the durable stores but forgets everything on restart: for tests
and for the benchmark's "no durable ledger" baseline, never for real money.
"""

from __future__ import annotations

from typing import Any

import attrs

from .claims import ABSENT, DONE, PENDING, Claim, ClaimKey, Unproven, UnprovenCapReached


@attrs.define
class MemoryLedger:
    kind = "memory"
    claims: dict[ClaimKey, Claim] = attrs.Factory(dict)
    limit: int = 100_000  # oldest forgotten first
    #: unresolved claims of never-accepted credentials → (access key, when they are forgotten)
    unproven: dict[ClaimKey, tuple[str, float]] = attrs.Factory(dict)
    #: accounts with a done claim: OKX accepted them
    proven: set[str] = attrs.Factory(set)

    async def claim(self, claim: Claim, legacy: ClaimKey | None = None,
                    unproven: Unproven | None = None) -> Claim | None:
        found = self.claims.get(claim.key)
        if found is None and legacy is not None and legacy in self.claims:
            found = self.claims[claim.key] = attrs.evolve(self.claims.pop(legacy), key=claim.key)
        if found is None:
            if unproven is not None and claim.key.account not in self.proven:
                self._hold_unproven(claim, unproven)
            self.claims[claim.key] = claim
            while len(self.claims) > self.limit:
                del self.claims[next(iter(self.claims))]
        return found

    def _hold_unproven(self, claim: Claim, unproven: Unproven) -> None:
        now = claim.created
        for key, (_, until) in list(self.unproven.items()):
            if until <= now:
                del self.unproven[key]
                if key in self.claims and self.claims[key].state == PENDING:
                    del self.claims[key]
        if sum(1 for api_key, _ in self.unproven.values() if api_key == claim.api_key) >= unproven.cap:
            raise UnprovenCapReached(claim.api_key, unproven.cap, unproven.seconds)
        self.unproven[claim.key] = (claim.api_key, now + unproven.seconds)

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
        self.unproven.pop(key, None)
        if state == DONE:  # OKX accepted the credential: its other claims are kept their 8 days
            self.proven.add(key.account)
            for other in [k for k in self.unproven if k.account == key.account]:
                del self.unproven[other]
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
