"""okxbridge/handlers/io.py: which FMZ IO method names map to an OKX path, and which are refused."""

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
