"""okxbridge/convert/key_check.py: an ``/account/config`` answer (or refusal) as findings in words."""

import pytest

from okxbridge.convert import key_check
from okxbridge.convert.key_check import Finding, describe, key_findings, not_asked, refused, usable

clock_finding, mode_findings = key_check.clock_finding, key_check.mode_findings
permission_findings, whitelist_finding = key_check.permission_findings, key_check.whitelist_finding

ROW = {"acctLv": "2", "posMode": "net_mode", "perm": "read_only,trade", "ip": "", "label": "bot",
       "uid": "44705892343619584"}


def levels(findings):
    return [f.level for f in findings]


def texts(findings):
    return " | ".join(f.text for f in findings)


@pytest.mark.parametrize("code, words", [
    ("50105", "passphrase is wrong"),
    ("50111", "access key is not known"),
    ("50113", "secret key is mistyped"),
    ("50101", "other environment"),
    ("50110", "not on the key's IP whitelist"),
    ("50102", "fix this host's clock"),
    ("50104", "passphrase is empty"),
    ("59999", "OKX refused the key: something new"),
])
def test_a_refusal_is_one_error_in_words(code, words):
    found = refused(code, "something new")
    assert levels(found) == ["error"] and words in found[0].text and f"OKX {code}" in found[0].text
    assert not usable(found)


@pytest.mark.parametrize("acct_lv, words", [
    ("1", "Spot mode: spot orders only"),
    ("2", "Futures mode: spot orders as cash; contracts cross or isolated"),
    ("3", "Multi-currency margin: spot orders are sent as cross; contracts cross only"),
    ("4", "Portfolio margin: spot orders are sent as cross"),
])
def test_each_account_mode_says_what_it_means_for_fmz_calls(acct_lv, words):
    mode, _ = mode_findings(acct_lv, "net_mode")
    assert mode.level == "ok" and f"account mode {acct_lv} {words}" in mode.text


@pytest.mark.parametrize("acct_lv, pos_mode, expected", [
    ("2", "long_short_mode", ["ok", "ok"]),
    ("9", "net_mode", ["warning", "ok"]),
    ("", "", ["warning", "warning"]),
])
def test_unknown_modes_are_warnings(acct_lv, pos_mode, expected):
    found = mode_findings(acct_lv, pos_mode)
    assert levels(found) == expected
    if pos_mode == "long_short_mode":
        assert "closebuy/closesell close" in found[1].text


@pytest.mark.parametrize("perm, expected, words", [
    ("read_only,trade", ["ok"], "permissions: read_only, trade"),
    ("read_only", ["ok", "error"], "cannot trade"),
    ("read_only,trade,withdraw", ["ok", "warning"], "WITHDRAWAL IS ENABLED"),
    ("read_only, withdraw", ["ok", "error", "warning"], "WITHDRAWAL IS ENABLED"),
    ("", ["ok", "error"], "permissions: (none)"),
])
def test_permissions_and_the_withdrawal_warning(perm, expected, words):
    found = permission_findings(perm)
    assert levels(found) == expected and words in texts(found)


@pytest.mark.parametrize("ip, level, words", [
    ("", "note", "no IP whitelist"),
    ("1.2.3.4", "ok", "IP whitelist 1.2.3.4: this host's address is on it"),
    ("1.2.3.4,5.6.7.8", "ok", "IP whitelist 1.2.3.4, 5.6.7.8"),
])
def test_whitelist(ip, level, words):
    found = whitelist_finding(ip)
    assert found.level == level and words in found.text


@pytest.mark.parametrize("offset, level, words", [
    (None, "note", "not measured"),
    (0.25, "ok", "+0.250 s"),
    (-7.5, "warning", "-7.500 s"),
])
def test_clock_offset(offset, level, words):
    found = clock_finding(offset)
    assert found.level == level and words in found.text


@pytest.mark.parametrize("simulated, words", [
    (True, "demo trading, as configured (the secret key ends with ,simulate)"),
    (False, "live trading, as configured (the secret key does not end with ,simulate)"),
])
def test_a_whole_answer_in_reading_order(simulated, words):
    found = key_findings(ROW, simulated, 0.1)
    assert found[0] == Finding("ok", "key valid, passphrase right")
    assert found[1].text == words
    assert "key label: bot" in texts(found) and usable(found)
    assert texts(found).index("account mode") < texts(found).index("permissions") < texts(found).index("clock")


def test_a_withdrawal_key_is_usable_but_warned_and_a_read_only_key_is_not_usable():
    withdraw = key_findings({**ROW, "perm": "read_only,trade,withdraw"}, False, 0.0)
    assert usable(withdraw) and "WARN WITHDRAWAL IS ENABLED" in describe(withdraw)
    read_only = key_findings({**ROW, "perm": "read_only"}, False, 0.0)
    assert not usable(read_only) and "FAIL the key cannot trade" in describe(read_only)


def test_a_long_label_is_cut():
    found = key_findings({**ROW, "label": "x" * 500}, False, 0.0)
    assert max(len(f.text) for f in found) < 300


def test_not_asking_is_not_a_refusal():
    found = not_asked("OKX unreachable: connection refused (GET /api/v5/account/config)")
    assert levels(found) == ["error"] and "could not ask OKX" in found[0].text
    assert "refused the key" not in found[0].text and not usable(found)
