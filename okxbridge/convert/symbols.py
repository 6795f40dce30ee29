# -*- test-case-name: tests.convert.test_symbols -*-
"""FMZ symbols ⇄ OKX instrument ids, as pure functions.

FMZ: ``ETH_USDT`` (spot), ``BTC_USDT.swap`` / ``BTC_USD.swap`` (perpetuals), ``BTC_USDT.quarter``
(dated futures by horizon, resolved from OKX's instrument list elsewhere), ``BTC_USDT.250328``
(a dated future by its expiry) or ``BTC_USDT.BTC-USDT-250328`` (OKX's own instId as the contract
type: FMZ's syntax guide names OKX's pre-market contracts so, ``HMSTR_USDT.HMSTR-USDT-250207``,
and it names any listed contract). OKX: ``ETH-USDT``, ``BTC-USDT-SWAP``, ``BTC-USDT-250328``.
"""

from __future__ import annotations

import re

import attrs

from ..fmz.errors import ProtocolError
from .expiries import HORIZONS

#: FMZ's own codes for OKX that name a horizon by another word (FMZ syntax guide,
#: exchange.SetContractType: OKX's ``month`` is its monthly contract, our ``this_month``)
SYNONYMS = {"month": "this_month"}
#: FMZ's contract types for OKX's dated futures, by horizon (see :mod:`.expiries`)
FUTURE_ALIASES = HORIZONS + tuple(SYNONYMS)
_CCY = re.compile(r"^[A-Z0-9]{1,20}$")
_EXPIRY = re.compile(r"^\d{6}$")
_INST_CODE = re.compile(r"^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}-(SWAP|\d{6})$")


def is_inst_code(contract: str) -> bool:
    """Whether a contract type is OKX's own instId of a swap or dated future."""
    return bool(_INST_CODE.match(contract))


@attrs.frozen
class Symbol:
    base: str
    quote: str
    contract: str = ""  # "" spot, "swap", an alias, or a YYMMDD expiry

    @property
    def is_spot(self) -> bool:
        return not self.contract

    @property
    def is_swap(self) -> bool:
        return self.contract == "swap" or (is_inst_code(self.contract) and self.contract.endswith("-SWAP"))

    @property
    def horizon(self) -> str:
        """The horizon the contract type names (``month`` is ``this_month``), or ""."""
        name = SYNONYMS.get(self.contract, self.contract)
        return name if name in HORIZONS else ""

    @property
    def fmz(self) -> str:
        pair = f"{self.base}_{self.quote}"
        return f"{pair}.{self.contract}" if self.contract else pair


def parse_symbol(text: str) -> Symbol:
    """Parse an FMZ symbol, accepting any case; errors name the symbol and the fix."""
    raw = text.strip()
    pair, dot, contract = raw.partition(".")
    base, sep, quote = pair.upper().partition("_")
    if not sep or not _CCY.match(base) or not _CCY.match(quote):
        raise ProtocolError(f"bad symbol {raw[:40]!r}: expected BASE_QUOTE such as ETH_USDT or BTC_USDT.swap")
    if is_inst_code(contract.upper()):
        if not contract.upper().startswith(f"{base}-{quote}-"):
            raise ProtocolError(f"bad contract type {contract[:40]!r} in {raw[:80]!r}: OKX's instId must be "
                                f"one of {base}-{quote}'s contracts, such as {base}-{quote}-SWAP")
        return Symbol(base, quote, contract.upper())
    contract = contract.lower()
    if dot and not (contract == "swap" or contract in FUTURE_ALIASES or _EXPIRY.match(contract)):
        raise ProtocolError(f"bad contract type {contract[:20]!r} in {raw[:40]!r}: use swap, "
                            + ", ".join(FUTURE_ALIASES)
                            + f", a YYMMDD expiry or OKX's instId such as {base}-{quote}-SWAP")
    return Symbol(base, quote, contract)


def okx_inst_id(symbol: Symbol) -> str:
    """The instId for spot, swaps and expiry-dated futures; aliases need the instrument list."""
    pair = f"{symbol.base}-{symbol.quote}"
    if symbol.is_spot:
        return pair
    if is_inst_code(symbol.contract):
        return symbol.contract
    if symbol.is_swap:
        return f"{pair}-SWAP"
    if _EXPIRY.match(symbol.contract):
        return f"{pair}-{symbol.contract}"
    raise ValueError(f"{symbol.fmz} needs the instrument list to resolve its alias")


def fmz_symbol(inst_id: str, alias: str = "") -> str:
    """FMZ's name for an instId; a contract is named by its alias when one is known: a
    horizon, or the contract type the call itself used (``month``, OKX's instId)."""
    parts = inst_id.split("-")
    if len(parts) == 2:
        return f"{parts[0]}_{parts[1]}"
    if len(parts) >= 3:
        pair = f"{parts[0]}_{parts[1]}"
        kind = parts[2]
        if alias == inst_id:
            return f"{pair}.{alias}"
        if kind == "SWAP":
            return f"{pair}.swap"
        if alias in FUTURE_ALIASES:
            return f"{pair}.{alias}"
        return f"{pair}.{kind.lower()}"
    return inst_id


def inst_type(inst_id: str) -> str:
    """OKX's instType implied by an instId's shape (options are out of scope)."""
    parts = inst_id.split("-")
    if len(parts) == 2:
        return "SPOT"
    if len(parts) == 3 and parts[2] == "SWAP":
        return "SWAP"
    if len(parts) == 3 and _EXPIRY.match(parts[2]):
        return "FUTURES"
    return "OPTION"


def called_names(symbol: Symbol, inst_id: str) -> dict[str, str]:
    """instId → the contract type the call named it by, for answers to name the contract as
    the call did (``BTC_USDT.month``, ``BTC_USDT.BTC-USDT-261225``); empty when the
    ordinary name already is the call's."""
    if symbol.contract == "month" or is_inst_code(symbol.contract):
        return {inst_id: symbol.contract}
    return {}
