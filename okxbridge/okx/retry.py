# -*- test-case-name: tests.okx.test_retry -*-
"""Which failed OKX calls may be sent again, and how long to wait before each try.

Only reads are retried. A write whose answer was lost may have been carried out — an
order sent twice is a doubled position — so a failed POST reaches the caller, which
finds out what happened by reading (the trade handler looks the order up by clOrdId).
The exceptions are refusals OKX makes before acting: ``50102`` (timestamp expired; the
same request is sent once more after re-synchronising the clock) and the rate limits
(429/``50011``, ``50061``; sent again when the bucket allows, inside the call's deadline).
"""

from __future__ import annotations

import random

import attrs

from .codes import OUTCOME_UNKNOWN, REFUSED_RATE_LIMIT, TIMESTAMP_EXPIRED
from .errors import OkxError, OkxThrottled, OkxTransportError

# kept under their old names for the callers that read them here
UNCERTAIN_CODES = OUTCOME_UNKNOWN
# ... and 50011 rate limit: refused before acting. All say "try again later".
RETRYABLE_CODES = UNCERTAIN_CODES | {"50011"}
__all__ = ["RETRYABLE_CODES", "TIMESTAMP_EXPIRED", "UNCERTAIN_CODES", "Backoff", "outcome_unknown",
           "refused_before_acting", "retryable_read"]


def outcome_unknown(error: OkxError) -> bool:
    """A write that failed this way may have been carried out although OKX did not say so:
    the caller must read to find out, never simply send it again.

    The code decides, whatever the HTTP status or transport (a WebSocket item is read as
    status 200); a 5xx whose code OKX did not give (no envelope) is a transport error."""
    if isinstance(error, OkxThrottled):
        return False  # our own queue refused it: nothing was sent
    if isinstance(error, OkxTransportError) or error.code in OUTCOME_UNKNOWN:
        return True
    # a 5xx carrying a code we do not know as a refusal stays unknown: reading costs a
    # look-up, guessing wrong costs a doubled order
    return (error.http_status or 0) >= 500 and not refused_before_acting(error)


def refused_before_acting(error: OkxError) -> bool:
    """OKX refused this write before acting on it because of a rate limit (429/50011, the
    sub-account cap 50061): nothing was done, so sending it again once the budget allows
    cannot double it. 50013 "system busy" also comes as 429 but its outcome is unknown."""
    if isinstance(error, (OkxThrottled, OkxTransportError)) or error.code in OUTCOME_UNKNOWN:
        return False
    return error.code in REFUSED_RATE_LIMIT or error.http_status == 429


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
