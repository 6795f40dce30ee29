# -*- test-case-name: tests.sim.test_sim_modes -*-
"""OKX's four account modes (``acctLv``) and the order rules each one imposes.

A trader switches the mode on OKX's site at any time, and every rule below changes with
it, so the emulator keeps the mode per account (keys with one UID share it) and checks
each order against it. Sources: docs #trading-account-rest-api-get-account-configuration
(``acctLv`` 1 Spot, 2 Futures — "Spot and futures" —, 3 Multi-currency margin,
4 Portfolio margin), #order-book-trading-trade-post-place-order (``tdMode``,
``reduceOnly``), spec okx-v5.md §9. What the docs do not say is marked *inferred*.
"""

from okxbridge.sim.accounts import Rejected
from okxbridge.sim.errors import ApiRejection, param_error
from okxbridge.sim.params import text

#: ``--account …:MODE`` names → ``acctLv``
ACCOUNT_LEVELS = {"spot": "1", "futures": "2", "multi": "3", "portfolio": "4"}
MARGIN_LEVELS = ("3", "4")
#: sCode 51010 "You can't complete this request under your current account mode." — what OKX
#: answers a contract order from a Spot-mode account (seen live: okxapi/python-okx#143,
#: 195440/nof1.ai#69, a SWAP order on an account without contracts)
NOT_IN_MODE = ("51010", "You can't complete this request under your current account mode.")
#: docs error-code table: isolated margin is gone from Multi-currency and Portfolio margin
ISOLATED_GONE = ("50072", "Isolated margin mode is no longer supported in multi-currency margin mode "
                          "and portfolio margin mode.")


def check_td_mode(acct_lv, inst, td_mode):
    """Raise OKX's rejection when ``td_mode`` is not allowed on ``inst`` in this mode."""
    if acct_lv in MARGIN_LEVELS and td_mode == "isolated":
        raise Rejected(*ISOLATED_GONE)
    if not inst.is_spot:
        if acct_lv == "1":
            raise Rejected(*NOT_IN_MODE)  # Spot mode has no contracts
        if td_mode == "cash":
            raise Rejected("51000", "Parameter tdMode error")
        return
    # place-order tdMode note: in Multi-currency and Portfolio margin a spot order is
    # ``cross`` even on a pair without margin; ``cash`` is refused with 51000 (ccxt PR
    # #14922, a live report). Spot and Futures modes trade spot ``cash``; Futures-mode
    # spot margin (cross/isolated with borrowing) is not modelled and refused alike (inferred).
    wanted = "cross" if acct_lv in MARGIN_LEVELS else "cash"
    if td_mode != wanted:
        raise Rejected("51000", "Parameter tdMode error")


def reduce_only_allowed(acct_lv):
    """docs place-order ``reduceOnly``: "Only applicable to Futures mode and Multi-currency
    margin"; the emulator ignores it elsewhere (what OKX does with it then is *inferred*)."""
    return acct_lv in ("2", "3")


def set_account_level(call):
    """POST /api/v5/account/set-account-level (docs #trading-account-rest-api-set-account-mode).
    The docs require no open positions or orders before a switch; the code for that is
    *inferred* from set-position-mode's 59000."""
    level = text(call.params, "acctLv", True)
    if level not in ACCOUNT_LEVELS.values():
        raise param_error("acctLv")
    state = call.state
    busy = state.open_positions() or any(o.is_open for o in state.orders.values())
    if busy and level != state.acct_lv:
        raise ApiRejection("59000", "Settings failed. Close any open positions or orders before modifying settings.")
    state.acct_lv = level
    return [{"acctLv": level}]
