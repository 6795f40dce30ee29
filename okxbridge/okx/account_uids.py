# -*- test-case-name: tests.okx.test_account_uids -*-
"""Whose budgets a signed call spends: the OKX account's UID once it is known.

OKX counts private and order limits per User ID (each sub-account its own), not per API key
(docs #overview-rate-limits; spec okx-v5.md §5, "Verified" §9), so two keys of one account
must spend one budget. The UID comes from ``/account/config`` (read by
:class:`.accounts.Account`, once per credential, never for a public call); until it is in, a
key's own fingerprint keys its budgets, which is what OKX would count for an account with
only that key. Only a credential OKX accepted is learned, so a wrong secret shares nothing.
"""

from __future__ import annotations

import collections

import attrs

#: credentials remembered at once (each a short string pair); junk keys cannot grow it further
MAX_KNOWN = 10_000


@attrs.define
class AccountUids:
    """credential identity (full SHA-256) → the budget owner its account's UID names."""

    _known: collections.OrderedDict[str, str] = attrs.Factory(collections.OrderedDict)

    def learned(self, fingerprint: str, uid: str, simulated: bool) -> None:
        """``/account/config`` answered ``uid`` for this credential. A demo account's budgets
        are OKX's demo service's, apart from the live account's of the same UID."""
        if not uid or len(uid) > 64:
            return
        self._known[fingerprint] = f"uid:{uid}|{'demo' if simulated else 'live'}"
        self._known.move_to_end(fingerprint)
        if len(self._known) > MAX_KNOWN:
            self._known.popitem(last=False)

    def user_of(self, fingerprint: str) -> str:
        """The budget owner: the account's UID when known, else the key's fingerprint."""
        return self._known.get(fingerprint, fingerprint)

    def __len__(self) -> int:
        return len(self._known)
