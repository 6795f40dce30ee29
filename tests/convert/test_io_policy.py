"""okxbridge/convert/io_policy.py: which OKX paths IO may reach; the options that change it."""

import pytest
from twisted.python import usage

from okxbridge.convert.io_policy import DEFAULT_DENY, IoPolicy, parse_prefixes
from okxbridge.fmz.errors import ProtocolError
from okxbridge.options import Options

DEFAULT = IoPolicy.create()


@pytest.mark.parametrize("path, refused_by", [
    ("/api/v5/asset/withdrawal", "/api/v5/asset/withdrawal"),
    ("/api/v5/asset/withdrawal-lightning", "/api/v5/asset/withdrawal"),
    ("/api/v5/asset/cancel-withdrawal", "/api/v5/asset/cancel-withdrawal"),
    ("/api/v5/asset/transfer", "/api/v5/asset/transfer"),
    ("/api/v5/asset/subaccount/transfer", "/api/v5/asset/subaccount/"),
    ("/api/v5/account/subaccount/set-loan-allocation", "/api/v5/account/subaccount/"),
    ("/api/v5/users/subaccount/create-subaccount", "/api/v5/users/"),
    ("/api/v5/users/subaccount/apikey", "/api/v5/users/"),
    ("/api/v5/users/subaccount/delete-apikey", "/api/v5/users/"),
    ("/api/v5/broker/nd/subaccount/apikey", "/api/v5/broker/"),
    ("/api/v5/account/config", None),
    ("/api/v5/trade/order", None),
    ("/api/v5/asset/balances", None),
    ("/api/v5/account/set-leverage", None),
])
def test_the_default_list(path, refused_by):
    assert DEFAULT.denied_by(path) == refused_by


def test_the_longest_prefix_decides():
    policy = IoPolicy.create(allow=["/api/v5/asset/withdrawal-history", "/api/v5/users/"],
                             deny=["/api/v5/trade/", "/api/v5/users/subaccount/apikey"])
    assert policy.denied_by("/api/v5/asset/withdrawal-history") is None
    assert policy.denied_by("/api/v5/asset/withdrawal") == "/api/v5/asset/withdrawal"
    assert policy.denied_by("/api/v5/users/subaccount/list") is None  # an allow as long as the deny: … wins
    assert policy.denied_by("/api/v5/users/subaccount/apikey") == "/api/v5/users/subaccount/apikey"
    assert policy.denied_by("/api/v5/trade/order") == "/api/v5/trade/"
    with pytest.raises(ProtocolError, match="--io-allow /api/v5/trade/order"):
        policy.check("/api/v5/trade/order")


def test_options_repeatable_comma_lists_and_the_config_file(tmp_path):
    options = Options()
    options.parseOptions(["--io-allow", "/api/v5/asset/transfer-state, /api/v5/users/subaccount/list",
                          "--io-allow", "/api/v5/broker/", "--io-deny", "/api/v5/finance/"])
    assert options["io-allow"] == ("/api/v5/asset/transfer-state", "/api/v5/users/subaccount/list", "/api/v5/broker/")
    assert options["io-deny"] == ("/api/v5/finance/",)
    config = tmp_path / "okxbridge.ini"
    config.write_text("[okxbridge]\nio_allow = /api/v5/asset/transfer-state\nio_deny = /api/v5/finance/\n")
    options = Options()
    options.parseOptions(["--config", str(config)])
    assert options["io-allow"] == ("/api/v5/asset/transfer-state",) and options["io-deny"] == ("/api/v5/finance/",)
    with pytest.raises(usage.UsageError, match="must start with /api/v5/"):
        Options().parseOptions(["--io-allow", "/etc/passwd"])
    assert parse_prefixes("") == ()
    assert all(p.startswith("/api/v5/") for p in DEFAULT_DENY)
