"""``twistd okxsim`` options and service."""

from decimal import Decimal

import pytest
import pytest_twisted
import treq
from twisted.python import usage

from okxbridge.sim import DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT
from okxbridge.sim.service import Options, make_emulator, makeService


def parse(*argv):
    options = Options()
    options.parseOptions(list(argv))
    return options


def test_defaults():
    options = parse()
    emu = make_emulator(options, clock=None)
    assert options["port"] == "tcp:8443:interface=127.0.0.1"
    assert emu.accounts == [DEFAULT_ACCOUNT, DEFAULT_DEMO_ACCOUNT]  # a live key and a demo key
    assert DEFAULT_DEMO_ACCOUNT.demo and not DEFAULT_ACCOUNT.demo
    assert emu.balances == {"USDT": 100000, "BTC": 10, "ETH": 100, "LTC": 1000, "OKB": 1000}
    assert emu.rate_limits and emu.latency == 0


def test_accounts_balances_seed_latency_and_limits():
    options = parse("--account", "k:s:p", "--account", "k2:s2:p2", "--balance", "usdt=5", "--balance", "BTC=0.5",
                    "--seed", "9", "--latency", "250", "--no-rate-limits")
    emu = make_emulator(options, clock=None)
    assert [a.api_key for a in emu.accounts] == ["k", "k2"]
    assert emu.balances == {"USDT": Decimal(5), "BTC": Decimal("0.5")}
    assert (emu.seed, emu.latency, emu.rate_limits) == (9, 0.25, False)


def test_demo_accounts_are_keys_of_their_own():
    options = parse("--account", "k:s:p", "--demo-account", "dk:ds:dp:777:spot")
    emu = make_emulator(options, clock=None)
    assert [(a.api_key, a.demo, a.uid, a.mode) for a in emu.accounts] == [("k", False, "", "futures"),
                                                                           ("dk", True, "777", "spot")]
    assert list(emu.states) == [("k", False), ("777", True)]  # each key's account in its own environment
    with pytest.raises(usage.UsageError, match="--demo-account wants"):
        parse("--demo-account", "dk:ds")
    with pytest.raises(usage.UsageError, match="given twice"):
        parse("--account", "k:s:p", "--demo-account", "k:s2:p2")


def test_websocket_limits_default_to_okx_figures_and_can_be_changed():
    hub = make_emulator(parse(), clock=None).ws
    assert (hub.limits.conn_rate, hub.limits.ops_per_hour, hub.limits.idle) == (3, 480, 30.0)
    hub = make_emulator(parse("--ws-conn-rate", "0", "--ws-ops-per-hour", "10", "--ws-idle", "5"), clock=None).ws
    assert (hub.limits.conn_rate, hub.limits.ops_per_hour, hub.limits.idle) == (0, 10, 5.0)


def test_a_bare_port_number_listens_on_loopback():
    # twistd okxsim --port 17771 used to fail with "Unknown endpoint type"
    assert parse("--port", "17771")["port"] == "tcp:17771:interface=127.0.0.1"


def test_key_permissions_and_whitelists():
    emu = make_emulator(parse("--key-perm", "k=read_only,trade,withdraw", "--key-perm", "k2=read_only",
                              "--key-ip", "k=127.0.0.1, 10.0.0.1"), clock=None)
    assert (emu.key_perm("k"), emu.key_perm("k2"), emu.key_perm("other")) == (
        "read_only,trade,withdraw", "read_only", "read_only,trade")
    assert emu.ip_allowed("k", "10.0.0.1") and not emu.ip_allowed("k", "10.0.0.2")
    assert emu.ip_allowed("k2", "10.0.0.2")  # no whitelist: any address


@pytest.mark.parametrize("argv", [["--account", "k:s"], ["--balance", "USDT"], ["--balance", "USDT=-1"],
                                  ["--tls-key", "k.pem"], ["--key-perm", "k=read_only,deposit"],
                                  ["--key-perm", "k="], ["--key-perm", "=trade"], ["--key-ip", "k="]])
def test_bad_options_are_usage_errors(argv):
    with pytest.raises(usage.UsageError):
        parse(*argv)


def test_tls_options_become_an_ssl_strport():
    options = parse("--port", "tcp:9443:interface=127.0.0.1", "--tls-cert", "c.pem", "--tls-key", "k.pem")
    assert options.listen_description() == "ssl:9443:privateKey=k.pem:certKey=c.pem:interface=127.0.0.1"


@pytest_twisted.ensureDeferred
async def test_make_service_listens_on_the_strport(reactor):
    service = makeService(parse("--port", "tcp:0:interface=127.0.0.1"))
    service.startService()
    try:
        listener = list(service)[0]
        port = (await listener.bound()).getHost().port
        response = await treq.get(f"http://127.0.0.1:{port}/api/v5/public/time")
        assert (await response.json())["code"] == "0"
    finally:
        await service.stopService()
