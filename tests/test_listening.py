"""okxbridge/listening.py: which endpoint descriptions listen only on loopback; a bare port means loopback."""

import pytest

from okxbridge.listening import listens_only_locally
from okxbridge.service import Options


@pytest.mark.parametrize("description, local", [
    ("tcp:6666:interface=127.0.0.1", True),
    ("tcp:6666:interface=127.0.0.2", True),
    ("tcp6:6666:interface=\\:\\:1", True),
    ("tcp:6666:interface=localhost", True),
    ("unix:/run/okxbridge.sock", True),
    ("tcp:6666", False),
    ("tcp:6666:interface=0.0.0.0", False),
    ("tcp6:6666:interface=\\:\\:", False),
    ("tcp:6666:interface=10.0.0.5", False),
    ("tcp:port=6666:interface=192.168.1.2", False),
    ("ssl:6666:interface=127.0.0.1:privateKey=k.pem", True),
    ("systemd:domain=INET:index=0", False),
])
def test_which_descriptions_are_local(description, local):
    assert listens_only_locally(description) is local


def test_a_bare_port_number_means_loopback():
    options = Options()
    options.parseOptions(["--port", "6666"])
    assert options["port"] == "tcp:6666:interface=127.0.0.1"
    assert listens_only_locally(options["port"])
