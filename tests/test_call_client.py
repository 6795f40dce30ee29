"""``okxbridge-call``: command lines → protocol calls (pure), key files, and the whole tool
against a daemon (in a thread, and once as a real subprocess)."""

import json
import os
import sys

import pytest
import pytest_twisted
from twisted.internet.threads import deferToThread
from twisted.internet.utils import getProcessOutputAndValue

from okxbridge.call_client import UsageError, build_call, credentials, main, read_key_file, request_body

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = {"OKX_ACCESS_KEY": "okxsim-demo-key", "OKX_SECRET_KEY": "okxsim-demo-secret,okxsim-demo-pass"}


@pytest.mark.parametrize("argv, call", [
    (["ticker", "BTC_USDT"], ("ticker", {"symbol": "BTC_USDT"}, "GET")),
    (["depth", "ETH_USDT", "5"], ("depth", {"symbol": "ETH_USDT", "limit": 5}, "GET")),
    (["trade", "BTC_USDT", "buy", "30000", "0.001"],
     ("trade", {"symbol": "BTC_USDT", "type": "buy", "price": 30000, "amount": 0.001}, "GET")),
    (["trade", "BTC_USDT", "sell", "-1", "0.5"],
     ("trade", {"symbol": "BTC_USDT", "type": "sell", "price": -1, "amount": 0.5}, "GET")),
    (["orders"], ("orders", {}, "GET")),
    (["orders", "ETH_USDT"], ("orders", {"symbol": "ETH_USDT"}, "GET")),
    (["cancel", "ETH-USDT,123"], ("cancel", {"id": "ETH-USDT,123"}, "GET")),
    (["order", "ETH-USDT,123", "symbol=ETH_USDT"], ("order", {"id": "ETH-USDT,123", "symbol": "ETH_USDT"}, "GET")),
    (["records", "BTC_USDT", "3600", "limit=10"],
     ("records", {"symbol": "BTC_USDT", "period": 3600, "limit": 10}, "GET")),
    (["GetSomething", "a=1", "b=x", "c=true", 'd={"k":[1]}', "symbol=123"],
     ("GetSomething", {"a": 1, "b": "x", "c": True, "d": {"k": [1]}, "symbol": "123"}, "GET")),
    (["io", "GET", "/api/v5/account/config"], ("_api/api/v5/account/config", {}, "GET")),
    (["io", "get", "/api/v5/market/books?instId=BTC-USDT&sz=5"],
     ("_api/api/v5/market/books", {"instId": "BTC-USDT", "sz": "5"}, "GET")),
    (["io", "POST", "/api/v5/account/set-leverage", '{"instId":"BTC-USDT-SWAP","lever":"5","mgnMode":"cross"}'],
     ("_api/api/v5/account/set-leverage", {"instId": "BTC-USDT-SWAP", "lever": "5", "mgnMode": "cross"}, "POST")),
    (["io", "POST", "/api/v5/trade/cancel-order", "instId=BTC-USDT", "ordId=1"],
     ("_api/api/v5/trade/cancel-order", {"instId": "BTC-USDT", "ordId": 1}, "POST")),
])
def test_command_lines_become_protocol_calls(argv, call):
    assert build_call(argv[0], argv[1:]) == call


@pytest.mark.parametrize("argv, message", [
    (["ticker"], "usage: okxbridge-call ticker symbol"),
    (["trade", "BTC_USDT", "buy", "1"], "usage: okxbridge-call trade symbol type price amount"),
    (["accounts", "extra"], "usage: okxbridge-call accounts"),
    (["GetSomething", "loose"], "give parameters as key=value"),
    (["io", "GET"], "usage: okxbridge-call io VERB"),
    (["io", "PATCH", "/api/v5/x"], "VERB must be GET or POST"),
    (["io", "POST", "/api/v5/x", "[1]"], "must be an object"),
])
def test_bad_command_lines(argv, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        build_call(argv[0], argv[1:])


def test_the_body_is_what_the_docker_sends():
    body = json.loads(request_body("ak", "s,p", "ticker", {"symbol": "BTC_USDT"}, 1730275031047002000))
    assert body == {"access_key": "ak", "secret_key": "s,p", "method": "ticker",
                    "nonce": 1730275031047002000, "params": {"symbol": "BTC_USDT"}}


def test_key_files_ini_and_key_value(tmp_path):
    ini = tmp_path / "keys.ini"
    ini.write_text("[okx]\naccess_key = AK\nsecret_key = SEC%1,PASS\n")
    assert credentials(read_key_file(str(ini))) == ("AK", "SEC%1,PASS")
    env = tmp_path / "keys.env"
    env.write_text('# demo\nexport OKX_ACCESS_KEY="AK"\nOKX_SECRET_KEY=SEC\nOKX_PASSPHRASE=PASS\nOKX_SIMULATE=1\n')
    assert credentials(read_key_file(str(env))) == ("AK", "SEC,PASS,simulate")
    assert credentials({"access_key": "AK", "secret_key": "S,P"}, simulate=True) == ("AK", "S,P,simulate")
    assert credentials({"access_key": "AK", "secret_key": "S,P,simulate"}, simulate=True) == ("AK", "S,P,simulate")
    assert credentials({}) is None
    with pytest.raises(UsageError, match="SECRET,PASSPHRASE"):
        credentials({"access_key": "AK", "secret_key": "S"})
    with pytest.raises(UsageError, match="cannot read"):
        read_key_file(str(tmp_path / "missing"))


def run_main(capsys, argv, environ):
    """main() in a worker thread: it blocks on urllib while the reactor serves the daemon."""
    async def go():
        status = await deferToThread(main, argv, environ)
        out, err = capsys.readouterr()
        return status, out, err
    return go()


@pytest_twisted.ensureDeferred
async def test_calls_against_a_running_daemon(bridge_and_sim, capsys, tmp_path):
    bridge, sim = await bridge_and_sim()
    url = ["--url", bridge.url + "/OKX"]

    status, out, err = await run_main(capsys, [*url, "ticker", "BTC_USDT"], {})  # public: no keys needed
    assert status == 0 and json.loads(out)["symbol"] == "BTC_USDT"
    assert out.startswith("{\n  ")  # pretty-printed

    status, out, err = await run_main(capsys, [*url, "trade", "BTC_USDT", "buy", "1000", "0.01"], DEMO)
    assert status == 0, (out, err)
    order_id = json.loads(out)["id"]
    assert order_id.startswith("BTC-USDT,")
    status, out, err = await run_main(capsys, [*url, "orders", "BTC_USDT"], DEMO)
    assert [o["id"] for o in json.loads(out)] == [order_id]

    keys = tmp_path / "keys.ini"
    keys.write_text("[okx]\naccess_key = okxsim-demo-key\nsecret_key = okxsim-demo-secret,okxsim-demo-pass\n")
    status, out, err = await run_main(capsys, [*url, "--keys", str(keys), "--full", "cancel", order_id], {})
    assert status == 0 and json.loads(out)["data"] is True and "raw" in json.loads(out)

    status, out, err = await run_main(capsys, [*url, "io", "GET", "/api/v5/account/config"], DEMO)
    answer = json.loads(out)
    assert (status == 0 and answer["code"] == "0") or (status == 1 and "error" in answer)  # IO: mapping's work

    status, out, err = await run_main(capsys, [*url, "GetWhatever"], DEMO)
    assert status == 1 and "unknown method 'GetWhatever'" in json.loads(out)["error"]

    status, out, err = await run_main(capsys, [*url, "accounts"], {})
    assert status == 2 and "no OKX keys" in err and out == ""


@pytest_twisted.ensureDeferred
async def test_unreachable_daemon_is_exit_status_2(capsys):
    status, out, err = await run_main(capsys, ["--url", "http://127.0.0.1:9/OKX", "ticker", "BTC_USDT"], {})
    assert status == 2 and "cannot reach okxbridge at http://127.0.0.1:9/OKX" in err


@pytest_twisted.ensureDeferred
async def test_the_console_script_as_a_subprocess(bridge_and_sim):
    bridge, sim = await bridge_and_sim()
    env = {**DEMO, "PYTHONPATH": REPO, "PATH": os.environ.get("PATH", "")}
    out, err, status = await getProcessOutputAndValue(
        sys.executable, ["-m", "okxbridge.call_client", "--url", bridge.url + "/OKX", "accounts"], env=env)
    assert status == 0, err
    currencies = {row["currency"] for row in json.loads(out)}
    assert "USDT" in currencies
    out, err, status = await getProcessOutputAndValue(sys.executable, ["-m", "okxbridge.call_client"], env=env)
    assert status == 2 and b"usage: okxbridge-call" in err


@pytest_twisted.ensureDeferred
async def test_seen_prints_what_the_docker_sent(bridge_and_sim, capsys):
    # issue 26 item 5: `okxbridge-call seen` reads the daemon's docker_calls section
    bridge, sim = await bridge_and_sim()
    url = ["--url", bridge.url + "/OKX"]
    status, out, err = await run_main(capsys, [*url, "seen"], {})
    assert status == 0 and out.strip() == "no call from the docker yet"
    await bridge.call("records", {"symbol": "BTC_USDT", "period": "60", "limit": 2})
    await bridge.call("GetSomething", {"a": 1})
    status, out, err = await run_main(capsys, [*url, "seen"], {})
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "GetSomething: 1 call(s), NOT understood" and lines[3].startswith("  latest error  unknown")
    assert 'records: 1 call(s), understood' in lines
    assert '  first  params {"symbol": "BTC_USDT", "period": "60", "limit": 2}' in lines
    assert "okxsim-demo-secret" not in out and "okxsim-demo-pass" not in out
    status, out, err = await run_main(capsys, [*url, "--full", "seen"], {})
    assert json.loads(out)["methods"]["records"]["calls"] == 1
    status, out, err = await run_main(capsys, ["--url", "http://127.0.0.1:9/OKX", "seen"], {})
    assert status == 2 and "cannot read http://127.0.0.1:9/status.json" in err
