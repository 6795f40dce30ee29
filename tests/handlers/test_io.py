"""okxbridge/handlers/io.py: which FMZ IO method names map to an OKX path, and which are refused."""

import re

import pytest

from okxbridge.fmz.errors import ProtocolError
from okxbridge.handlers.io import io_path


@pytest.mark.parametrize("method, path", [
    ("_api/api/v5/account/config", "/api/v5/account/config"),
    ("_api//api/v5/account/config", "/api/v5/account/config"),
    ("__api_/api/v5/trade/orders-pending", "/api/v5/trade/orders-pending"),
    ("__api_//api/v5/asset/balances", "/api/v5/asset/balances"),
])
def test_io_paths(method, path):
    assert io_path(method) == path


@pytest.mark.parametrize("method", ["_api/api/v5/../x", "_api/http://h/api/v5/x", "_api//api/v5/x?y=1", "_api/api/v5",
                                    "_api//evil/api/v5/x", "_api/api/v5/x#f", "_api/api/v5//x", "_api/api/v5/x/%2e%2e"])
def test_io_refuses(method):
    with pytest.raises(ProtocolError, match="refused"):
        io_path(method)


@pytest.mark.parametrize("params, error", [
    ([{"instId": "BTC-USDT"}] * 21, "21 items in the array; OKX's batch endpoints take at most 20"),
    ([{"instId": "BTC-USDT"}, "x"], "item 1 must be an object"),
    ([{"instId": "BTC-USDT\n"}], "item 0 has an invalid instId"),
    ({"instId": "x" * 41}, "params has an invalid instId"),
    ({"instId": 5}, "params has an invalid instId"),
])
def test_an_io_body_is_checked_before_any_rate_bucket_is_keyed_by_it(params, error):
    from okxbridge.handlers.io import check_body
    with pytest.raises(ProtocolError, match=re.escape(error)):
        check_body("/api/v5/trade/batch-orders", params)
    check_body("/api/v5/trade/batch-orders", [{"instId": "BTC-USD-250328-90000-C"}] * 20)
    check_body("/api/v5/account/positions", {"instId": "BTC-USDT-SWAP,ETH-USDT-SWAP"})  # OKX takes lists
    with pytest.raises(ProtocolError, match="invalid instId"):
        check_body("/api/v5/account/positions", {"instId": ",".join(["BTC-USDT"] * 21)})
