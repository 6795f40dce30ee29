# -*- test-case-name: tests.okx.test_regions -*-
"""OKX's hosts per region: one table, so REST and WebSocket never disagree.

Keys are bound to the site they were made on: an EEA key (my.okx.com) is refused by the
global hosts (50119 on REST, 60032 on the WebSocket login; python-okx issues #92/#118,
nautilus_trader #4250), and a WebSocket host is never the REST host with another scheme.
Each base serves ``/ws/v5/public``, ``/ws/v5/business`` and ``/ws/v5/private``.

Sources:

- ``global``: docs https://www.okx.com/docs-v5/en/#overview-production-trading-services and
  #overview-demo-trading-services — REST ``https://www.okx.com`` (the docs now also give
  ``https://openapi.okx.com``), WebSocket ``wss://ws.okx.com:8443``, demo
  ``wss://wspap.okx.com:8443`` (demo REST is the same host with ``x-simulated-trading: 1``);
- ``eea``: docs https://my.okx.com/docs-v5/en/#overview-production-trading-services and
  #overview-demo-trading-services — REST ``https://eea.okx.com``, WebSocket
  ``wss://wseea.okx.com:8443``, demo ``wss://wseeapap.okx.com:8443``; ccxt's ``myokx`` uses
  the same hosts on port 443, which OKX serves too.

No other region is listed: none other is in the copies of OKX's docs this was written from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs


@attrs.frozen
class Region:
    name: str
    rest: str
    ws: str
    demo_ws: str
    #: other REST bases OKX documents for the same region
    rest_aliases: tuple[str, ...] = ()


REGIONS: dict[str, Region] = {
    "global": Region("global", "https://www.okx.com", "wss://ws.okx.com:8443", "wss://wspap.okx.com:8443",
                     ("https://openapi.okx.com",)),
    "eea": Region("eea", "https://eea.okx.com", "wss://wseea.okx.com:8443", "wss://wseeapap.okx.com:8443"),
}
DEFAULT_REGION = "global"


def region_of_rest(rest_url: str) -> Region | None:
    """The region whose REST host ``rest_url`` names, if any (a custom host has none)."""
    host = (urlsplit(rest_url).hostname or "").lower()
    for region in REGIONS.values():
        if host in {urlsplit(url).hostname for url in (region.rest, *region.rest_aliases)}:
            return region
    return None


def ws_beside(rest_url: str) -> str:
    """The WebSocket base on the same host and port as a REST base: only the emulator
    (okxsim) serves both on one port, so this is for loopback hosts only."""
    scheme, _, rest = rest_url.partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest
