"""okxbridge/options.py: what the options accept (``--allow-key`` lists, ``--okx-url`` TLS or
loopback), and every daemon option is documented in README.md's option tables (lists tied by a test)."""

from pathlib import Path

import pytest
from twisted.python import usage

from okxbridge.options import Options

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_option_has_a_readme_row():
    names = [p[0] for p in Options.optParameters] + [f[0] for f in Options.optFlags]
    missing = [name for name in names if f"| `--{name}` |" not in README]
    assert missing == []


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
