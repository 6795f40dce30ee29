"""The account mirror's reconciliation rules (okxbridge.okx.account_mirror), as tables."""

import pytest

from okxbridge.okx.account_mirror import AccountMirror


def order(ord_id, state="live", u=100, acc="0"):
    return {"ordId": ord_id, "state": state, "uTime": str(u), "accFillSz": acc, "instId": "BTC-USDT"}


@pytest.mark.parametrize("events, open_ids, finished_ids", [
    # a push replaces only when at least as recent
    ([("push", [order("1", u=100)]), ("push", [order("1", "partially_filled", u=90)])], {"1": "live"}, []),
    ([("push", [order("1", u=100)]), ("push", [order("1", "partially_filled", u=100)])],
     {"1": "partially_filled"}, []),
    # a final state leaves the open set and stays final
    ([("push", [order("1", u=100)]), ("push", [order("1", "filled", u=110)]), ("push", [order("1", u=120)])],
     {}, ["1"]),
    # a snapshot asked for at 150 drops what it does not list and was last heard of before 150 ...
    ([("push", [order("1", u=100)]), ("load", [], 150)], {}, []),
    # ... but keeps what a push told after it was asked for
    ([("push", [order("2", u=160)]), ("load", [], 150)], {"2": "live"}, []),
    # a snapshot answered late does not undo a newer push
    ([("push", [order("1", "partially_filled", u=200)]), ("load", [order("1", u=100)], 150)],
     {"1": "partially_filled"}, []),
    # a snapshot's order already known finished stays finished
    ([("push", [order("1", "canceled", u=200)]), ("load", [order("1", u=100)], 150)], {}, ["1"]),
])
def test_orders(events, open_ids, finished_ids):
    mirror = AccountMirror()
    for kind, items, *at in events:
        if kind == "push":
            mirror.apply_orders(items)
        else:
            mirror.load_orders(items, at[0])
    assert {k: v["state"] for k, v in mirror.open_orders.items()} == open_ids
    assert list(mirror.finished) == finished_ids


def detail(ccy, cash, u):
    return {"ccy": ccy, "cashBal": cash, "uTime": str(u)}


def test_balances_merge_by_currency_and_uTime():
    mirror = AccountMirror()
    mirror.load_balance({"totalEq": "1", "uTime": "100",
                         "details": [detail("USDT", "10", 100), detail("BTC", "1", 100)]}, 100)
    mirror.apply_account({"totalEq": "2", "uTime": "120", "details": [detail("USDT", "9", 120)]})  # event: changed only
    mirror.apply_account({"totalEq": "0", "uTime": "110", "details": [detail("USDT", "99", 110)]})  # older: ignored
    balance = mirror.balance()
    assert balance["totalEq"] == "2"
    assert {d["ccy"]: d["cashBal"] for d in balance["details"]} == {"USDT": "9", "BTC": "1"}
    # a later snapshot without BTC: BTC went to zero (OKX lists non-zero currencies only)
    mirror.load_balance({"totalEq": "2", "uTime": "130", "details": [detail("USDT", "9", 120)]}, 130)
    assert [d["ccy"] for d in mirror.balance()["details"]] == ["USDT"]
    assert "balance" in mirror.loaded and not mirror.complete


def position(pos_id, pos, u):
    return {"posId": pos_id, "pos": pos, "uTime": str(u), "instId": "BTC-USDT-SWAP", "instType": "SWAP"}


def test_positions_closed_with_pos_zero_and_reconciled_by_uTime():
    mirror = AccountMirror()
    mirror.load_positions([position("7", "2", 100)], 100)
    mirror.apply_positions([position("7", "3", 90)])
    assert mirror.positions["7"]["pos"] == "2"
    mirror.apply_positions([position("7", "0", 120)])
    assert mirror.positions == {}
    mirror.apply_positions([position("8", "1", 200)])
    mirror.load_positions([], 150)  # asked for before the push: keeps it
    assert list(mirror.positions) == ["8"]
    mirror.load_orders([], 150)
    mirror.load_balance({}, 150)
    assert mirror.complete
    mirror.clear()
    assert not mirror.complete and mirror.positions == {}
