# -*- test-case-name: tests.test_descriptors -*-
"""File descriptors kept for OKX: callers' connections may never take the ones OKX needs.

Each port (the protocol's, and ``--admin-port`` if given) holds up to ``--max-connections``
client sockets. The process also needs descriptors of its own: the REST pool to OKX
(``--pool-size``), the private and market WebSocket streams, Redis, the ledger's files, the
listening sockets, logs. If callers could open enough sockets to take all of
``RLIMIT_NOFILE``, OKX's connections would fail — every tenant's calls with them (the
red-team's 1,100 idle admin sockets did that). So at start the limit is checked against
``ports × --max-connections +`` :func:`reserve`:

- the soft limit is raised towards the hard one if that is enough (what a server is expected
  to do for itself);
- else, with ``--max-connections`` at its default, the cap is lowered to fit, with a warning
  naming the numbers;
- else (a cap the operator chose, or too little room for even a small cap) the daemon refuses
  to start, saying what to raise or lower. A cap set on purpose is never silently cut.
"""

from __future__ import annotations

import resource
from typing import Callable

import attrs
from twisted.logger import Logger

log = Logger()

#: private account streams open at once (okx.account_streams.MAX_ACCOUNTS) and market ones
PRIVATE_STREAMS = 100
MARKET_STREAMS = 16
#: Redis's pool, the ledger's database, WAL and lock, listening sockets, logs, epoll, spare
MISCELLANEOUS = 64
#: the smallest cap worth starting with when the default has to be lowered
MIN_CONNECTIONS = 16


class DescriptorShortage(Exception):
    """RLIMIT_NOFILE cannot hold the connections asked for and OKX's reserve."""


def reserve(pool_size: int) -> int:
    """Descriptors kept for the process's own connections and files."""
    return pool_size + PRIVATE_STREAMS + MARKET_STREAMS + MISCELLANEOUS


@attrs.frozen
class Plan:
    max_connections: int
    soft_limit: int
    needed: int


def fit(max_connections: int, ports: int, pool_size: int, chosen: bool,
        get: Callable[[], tuple[int, int]] = lambda: resource.getrlimit(resource.RLIMIT_NOFILE),
        set_: Callable[[int, int], None] = lambda s, h: resource.setrlimit(resource.RLIMIT_NOFILE, (s, h))) -> Plan:
    """The cap to use per port (see the module's text); ``chosen``: the operator set it."""
    kept = reserve(pool_size)
    needed = ports * max_connections + kept
    soft, hard = get()
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return Plan(max_connections, soft, needed)
    if hard == resource.RLIM_INFINITY or hard >= needed:
        try:
            set_(needed, hard)
            return Plan(max_connections, needed, needed)
        except (ValueError, OSError):
            pass
        soft, hard = get()
    fits = (soft - kept) // ports
    if chosen or fits < MIN_CONNECTIONS:
        raise DescriptorShortage(
            f"--max-connections {max_connections} on {ports} port(s) needs {needed} open files ({ports} × "
            f"{max_connections} client sockets + {kept} kept for OKX: the --pool-size {pool_size} REST "
            f"connections, the WebSocket streams, Redis and the ledger), but this process may open {soft} "
            f"(hard limit {hard}): raise it (systemd LimitNOFILE=, docker --ulimit nofile=, ulimit -n) or "
            f"give --max-connections {max(fits, 0)} or less")
    log.warn("only {soft} open files allowed (hard limit {hard}): --max-connections lowered from {asked} to "
             "{fits} per port, keeping {kept} for OKX's connections; raise the limit (LimitNOFILE=, "
             "ulimit -n) for the full default", soft=soft, hard=hard, asked=max_connections, fits=fits, kept=kept)
    return Plan(fits, soft, ports * fits + kept)
