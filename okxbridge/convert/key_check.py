# -*- test-case-name: tests.convert.test_key_check -*-
"""What a key's ``GET /api/v5/account/config`` answer means for trading through FMZ, in words.

A trader otherwise learns what is wrong with a key from the first failed order: a wrong
passphrase, a read-only key, a demo key used live, an account mode the strategy cannot trade
in — or a key that can **withdraw**, which no trading bridge needs. OKX answers all of it in
one request (docs #trading-account-rest-api-get-account-configuration: ``acctLv``,
``posMode``, ``perm``, ``ip``, ``label``), or refuses it with an auth code (spec §2). Pure:
``okxbridge-call check``, the daemon's ``/check`` and the first-call log line all use it.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import attrs

Level = Literal["ok", "note", "warning", "error"]


@attrs.frozen
class Finding:
    level: Level
    text: str


#: OKX's auth refusals (spec okx-v5.md §2, all HTTP 401) as what the trader should do
REFUSALS: dict[str, str] = {
    "50101": "the key belongs to the other environment: a demo key used live or a live key used for demo "
             "(add or remove ,simulate at the end of the secret key)",
    "50102": "OKX refused the request's timestamp (over 30 s off OKX's clock): fix this host's clock",
    "50103": "the access key is empty",
    "50104": "the passphrase is empty: the secret key must be SECRET,PASSPHRASE",
    "50105": "the passphrase is wrong (the one typed when the key was created on OKX)",
    "50110": "this host's IP address is not on the key's IP whitelist: add it on OKX's API page",
    "50111": "the access key is not known to OKX (mistyped, deleted, or from the other environment)",
    "50113": "the signature is wrong: the secret key is mistyped",
    "50114": "OKX refused the authorization (the key may be frozen or expired)",
}

#: acctLv (spec §9, docs/account-modes.md): name, what it means for FMZ calls
ACCOUNT_MODES: dict[str, tuple[str, str]] = {
    "1": ("Spot mode", "spot orders only: contract calls (trade on a swap/future, positions, "
                       "setmarginlevel) are refused"),
    "2": ("Futures mode", "spot orders as cash; contracts cross or isolated"),
    "3": ("Multi-currency margin", "spot orders are sent as cross; contracts cross only (isolated refused)"),
    "4": ("Portfolio margin", "spot orders are sent as cross; contracts cross only (isolated refused)"),
}

POSITION_MODES: dict[str, str] = {
    "long_short_mode": "long/short mode: buy/sell open, closebuy/closesell close the long/short side",
    "net_mode": "net mode: buy and sell reduce an opposite position before opening; closebuy/closesell "
                "are sent reduceOnly",
}

#: clock offsets past this are worth telling (OKX refuses past 30 s; the bridge corrects for it)
CLOCK_NOTE_SECONDS = 5.0


def refused(code: str, msg: str) -> list[Finding]:
    """OKX refused ``/account/config``: the key cannot be used as given."""
    words = REFUSALS.get(code, f"OKX refused the key: {msg[:200]}")
    return [Finding("error", f"key not usable: {words} (OKX {code})")]


def not_asked(error: str) -> list[Finding]:
    """OKX could not be asked (unreachable, timed out, rate-limited): nothing is known of the key."""
    return [Finding("error", f"could not ask OKX, so the key is not checked: {error[:300]}")]


def key_findings(row: Mapping[str, Any], simulated: bool, clock_offset: float | None) -> list[Finding]:
    """The findings for an answered ``/account/config`` (its ``data[0]``), in reading order."""
    env = "demo trading" if simulated else "live trading"
    found = [Finding("ok", "key valid, passphrase right"),
             Finding("ok", f"{env}, as configured (the secret key {'ends' if simulated else 'does not end'} "
                     "with ,simulate)")]
    label = str(row.get("label") or "")[:64]
    if label:
        found.append(Finding("note", f"key label: {label}"))
    found += mode_findings(str(row.get("acctLv") or ""), str(row.get("posMode") or ""))
    found += permission_findings(str(row.get("perm") or ""))
    found.append(whitelist_finding(str(row.get("ip") or "")))
    found.append(clock_finding(clock_offset))
    return found


def mode_findings(acct_lv: str, pos_mode: str) -> list[Finding]:
    mode = ACCOUNT_MODES.get(acct_lv)
    first = (Finding("ok", f"account mode {acct_lv} {mode[0]}: {mode[1]}") if mode
             else Finding("warning", f"account mode {acct_lv or '(none)'!r} is not one okxbridge knows: "
                          "orders are built as for Futures mode"))
    position = POSITION_MODES.get(pos_mode)
    second = (Finding("ok", f"position mode {position}") if position
              else Finding("warning", f"position mode {pos_mode or '(none)'!r} is not one okxbridge knows"))
    return [first, second]


def permission_findings(perm: str) -> list[Finding]:
    """``perm`` is OKX's comma list of ``read_only``, ``trade``, ``withdraw``."""
    perms = _split(perm)
    shown = ", ".join(perms) or "(none)"
    found = [Finding("ok", f"permissions: {shown}")]
    if "trade" not in perms:
        found.append(Finding("error", "the key cannot trade (no trade permission): orders and cancels will be "
                             "refused; reads work"))
    if "withdraw" in perms:
        found.append(Finding("warning", "WITHDRAWAL IS ENABLED on this key: no trading bridge needs it, and "
                             "anyone holding the key can move funds out. Create a key without withdraw"))
    return found


def whitelist_finding(ip: str) -> Finding:
    addresses = _split(ip)
    if not addresses:
        return Finding("note", "no IP whitelist: the key works from any address (OKX deletes a key with trade "
                       "permission and no whitelist after 14 days unused)")
    # OKX checks the whitelist before answering (50110): an answer means this host is on it
    return Finding("ok", f"IP whitelist {', '.join(addresses[:20])}: this host's address is on it "
                   "(OKX answered)")


def clock_finding(offset: float | None) -> Finding:
    if offset is None:
        return Finding("note", "clock offset to OKX not measured yet")
    level: Level = "warning" if abs(offset) >= CLOCK_NOTE_SECONDS else "ok"
    return Finding(level, f"clock offset to OKX {offset:+.3f} s (the bridge signs with OKX's time)")


def usable(findings: Sequence[Finding]) -> bool:
    return not any(f.level == "error" for f in findings)


def describe(findings: Sequence[Finding]) -> str:
    """One line per finding, marked so a warning stands out in a terminal or a log."""
    marks = {"ok": "ok  ", "note": "note", "warning": "WARN", "error": "FAIL"}
    return "\n".join(f"{marks[f.level]} {f.text}" for f in findings)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
