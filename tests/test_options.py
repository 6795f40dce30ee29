"""okxbridge/options.py: what the options accept (``--allow-key`` lists, ``--okx-url`` TLS or
loopback), and every daemon option is documented in docs/options.md's table, which names no other
(lists tied by a test)."""

import re
from pathlib import Path

import pytest
from twisted.python import usage

from okxbridge.options import Options

OPTIONS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "options.md"


def documented_options(text: str) -> list[str]:
    """The option of each row of the page's table: ``| `--name` | default | meaning |``."""
    return re.findall(r"^\| `--([\w-]+)` \|", text, re.M)


def test_every_option_has_a_row_in_the_options_page_and_every_row_an_option():
    names = [p[0] for p in Options.optParameters] + [f[0] for f in Options.optFlags]
    documented = documented_options(OPTIONS_PAGE.read_text(encoding="utf-8"))
    assert [name for name in names if name not in documented] == []
    assert [name for name in documented if name not in names] == []
    assert len(documented) == len(set(documented))  # one table: each option once


def test_a_missing_option_row_is_noticed():
    text = OPTIONS_PAGE.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `--max-queue` |"))
    assert "max-queue" in documented_options(text)
    assert "max-queue" not in documented_options(text.replace(row + "\n", ""))


def test_allow_key_is_repeatable_and_takes_comma_lists(tmp_path):
    options = Options()
    options.parseOptions(["--allow-key", "a, b", "--allow-key", "c"])
    assert options["allow-key"] == ("a", "b", "c")
    config = tmp_path / "okxbridge.ini"
    config.write_text("[okxbridge]\nallow_key = k1,k2\n")
    options = Options()
    options.parseOptions(["--config", str(config)])
    assert options["allow-key"] == ("k1", "k2")
    assert Options().parseOptions([]) is None  # no keys given: every key may be used


@pytest.mark.parametrize("url, accepted", [
    ("https://www.okx.com", True), ("https://www.okx.com/", True), ("https://10.0.0.5:8443", True),
    ("http://127.0.0.1:8080", True), ("http://localhost:9", True), ("http://[::1]:9", True),
    ("http://www.okx.com", False), ("http://10.0.0.5", False), ("http://0.0.0.0:80", False),
    ("ftp://www.okx.com", False), ("www.okx.com", False),
])
def test_okx_url_is_tls_or_loopback(url, accepted):
    options = Options()
    if accepted:
        options.parseOptions(["--okx-url", url])
        assert options["okx-url"] == url.rstrip("/")
    else:
        with pytest.raises(usage.UsageError):
            options.parseOptions(["--okx-url", url])


def test_shared_state_reads_the_password_file_and_the_ca(tmp_path):
    from tests.redis_tls import CertificateAuthority

    (tmp_path / "pw").write_text("p4ss-word-3e9\n")
    ca = CertificateAuthority.make("test CA").write(tmp_path / "ca.pem")
    options = Options()
    options.parseOptions(["--shared-state", "rediss://bridge@10.0.0.5:6380/2", "--shared-state-password-file",
                          str(tmp_path / "pw"), "--shared-state-ca", str(ca)])
    assert str(options["shared-state"]) == "rediss://bridge@10.0.0.5:6380/2"
    assert options["shared-state-password"].value == "p4ss-word-3e9"
    assert options["shared-state-trust"] is not None
    assert "p4ss-word-3e9" not in repr(dict(options))


@pytest.mark.parametrize("args, says", [
    (["--shared-state", "redis://u:p4ss-word-3e9@h/0"], "--shared-state-password-file"),
    (["--shared-state", "redis://bridge@h/0"], "needs --shared-state-password-file"),
    (["--shared-state", "redis://h/0", "--shared-state-ca", "CA"], "is for rediss://"),
    (["--shared-state-password-file", "PW"], "needs --shared-state"),
    (["--shared-state", "rediss://h/0", "--shared-state-ca", "PW"], "no PEM certificate"),
    (["--shared-state", "redis://h/0", "--shared-state-password-file", "MISSING"], "cannot read"),
])
def test_shared_state_mistakes_stop_the_start_without_showing_the_password(tmp_path, args, says):
    (tmp_path / "pw").write_text("p4ss-word-3e9\n")
    (tmp_path / "ca").write_text("-----BEGIN nothing\n")
    paths = {"PW": str(tmp_path / "pw"), "CA": str(tmp_path / "ca"), "MISSING": str(tmp_path / "missing")}
    with pytest.raises(usage.UsageError) as refused:
        Options().parseOptions([paths.get(a, a) for a in args])
    assert says in str(refused.value) and "p4ss-word-3e9" not in str(refused.value)
