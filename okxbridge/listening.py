"""Whether a strports description listens only where this host's own processes can reach it.

The daemon carries traders' secrets in every request, so binding anywhere but loopback is
allowed (FMZ's docker may run on another host) but must never happen by accident: the
service warns in the log whenever this answers False.
"""

from __future__ import annotations

import ipaddress
import re

_UNESCAPED_COLON = re.compile(r"(?<!\\):")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def split_description(description: str) -> tuple[str, list[str], dict[str, str]]:
    """``tcp:6666:interface=127.0.0.1`` → ``("tcp", ["6666"], {"interface": "127.0.0.1"})``."""
    kind, *parts = [p.replace("\\:", ":") for p in _UNESCAPED_COLON.split(description.strip())]
    positional = [p for p in parts if "=" not in p]
    keywords = dict(p.split("=", 1) for p in parts if "=" in p)
    return kind.lower(), positional, keywords


def is_local_address(host: str) -> bool:
    host = host.strip().strip("[]")
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listens_only_locally(description: str) -> bool:
    kind, positional, keywords = split_description(description)
    if kind == "unix":
        return True  # a filesystem socket: reachable only on this host, guarded by file modes
    if kind in ("tcp", "tcp6", "ssl"):
        # interface is a keyword in practice; positionally it comes after the port
        interface = keywords.get("interface", positional[1] if len(positional) > 1 else "")
        return is_local_address(interface)
    return False  # an endpoint type we can't judge: say so rather than assume
