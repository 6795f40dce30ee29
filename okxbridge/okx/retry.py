# -*- test-case-name: tests.okx.test_retry -*-
"""Which failed OKX calls may be sent again, and how long to wait before each try.

Only reads are retried. A write whose answer was lost may have been carried out — an
order sent twice is a doubled position — so a failed POST reaches the caller, which
finds out what happened by reading (the trade handler looks the order up by clOrdId).
The one exception is ``50102`` (timestamp expired): OKX refused the request before
acting on it, so after re-synchronising the clock the same request is sent once more.
"""

from __future__ import annotations

import random

import attrs

from .errors import OkxError, OkxThrottled, OkxTransportError

# 50001 service unavailable (503), 50004 endpoint timeout, 50013 system busy (429), 50026
# system error (500): spec §6; OKX may or may not have acted on the request.
UNCERTAIN_CODES = frozenset({"50001", "50004", "50013", "50026"})
# ... and 50011 rate limit: refused before acting. All say "try again later".
RETRYABLE_CODES = UNCERTAIN_CODES | {"50011"}
TIMESTAMP_EXPIRED = "50102"


def outcome_unknown(error: OkxError) -> bool:
    """A write that failed this way may have been carried out although OKX did not say so:
    the caller must read to find out, never simply send it again."""
    if isinstance(error, OkxThrottled):
        return False  # our own queue refused it: nothing was sent
    return (isinstance(error, OkxTransportError) or error.code in UNCERTAIN_CODES
            or (error.http_status or 0) >= 500)


def retryable_read(error: OkxError) -> bool:
    """A GET that failed this way may succeed if simply asked again."""
    if isinstance(error, OkxThrottled):
        return False  # our own queue said no: asking again at once would only queue again
    if isinstance(error, OkxTransportError):
        return True
    status = error.http_status or 0
    return error.code in RETRYABLE_CODES or status == 429 or status >= 500


@attrs.frozen
class Backoff:
    """Capped exponential backoff with jitter: try ``n`` waits between ``ceiling/2`` and
    ``ceiling`` where ``ceiling = min(cap, base * 2**(n-1))``, so many bridges (or many
    calls) that failed together do not retry in lock-step."""

    attempts: int = 4   # tries in all, the first included
    base: float = 0.1
    cap: float = 2.0

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2 ** (retry - 1))
        return ceiling / 2 + rng.random() * ceiling / 2
