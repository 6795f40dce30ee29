"""okxbridge/check_client.py: where ``okxbridge-call check`` asks and how it prints the answer
(against a daemon: tests/e2e/test_key_check.py)."""

import pytest

from okxbridge.check_client import check_text, check_url


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:6666/OKX", "http://127.0.0.1:6666/check"),
    ("https://bridge.example:8443/OKX?x=1", "https://bridge.example:8443/check"),
])
def test_check_url(url, expected):
    assert check_url(url) == expected


def test_findings_one_a_line_and_the_exit_status():
    answer = {"data": {"key": "okxs…1234abcd", "usable": True, "findings": [
        {"level": "ok", "text": "key valid, passphrase right"},
        {"level": "warning", "text": "WITHDRAWAL IS ENABLED on this key"},
        {"level": "bogus", "text": "dropped"}, "not a finding"]}}
    text, status = check_text(answer)
    assert status == 0
    assert text.splitlines() == ["key okxs…1234abcd: usable", "ok   key valid, passphrase right",
                                 "WARN WITHDRAWAL IS ENABLED on this key"]


def test_an_unusable_key_and_an_error_are_status_1():
    text, status = check_text({"data": {"key": "k", "usable": False,
                                        "findings": [{"level": "error", "text": "the passphrase is wrong"}]}})
    assert status == 1 and "NOT usable" in text and "FAIL the passphrase is wrong" in text
    assert check_text({"error": "the body is not valid JSON"}) == ("okxbridge-call: the body is not valid JSON", 1)
