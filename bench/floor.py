"""The floor: a Klein app on twisted.web answering every FMZ call with one constant ticker,
no parsing, no upstream. What the stream-served bridge is compared with: the cost of the
HTTP server and framework alone.

    python -m bench.floor --port 6668
"""

from __future__ import annotations

import argparse
import json

from klein import Klein
from twisted.internet import endpoints, reactor
from twisted.web.server import Site

ANSWER = json.dumps({"data": {"symbol": "BTC_USDT", "buy": 60000.0, "sell": 60000.1, "high": 61000.0,
                              "low": 59000.0, "open": 60500.0, "last": 60000.0, "vol": 4157.0,
                              "time": 1795791409241, "quote_vol": 257406844.1}, "raw": {}}).encode()

app = Klein()


@app.route("/OKX", methods=["POST"])
def constant(request):
    request.setHeader(b"Content-Type", b"application/json")
    return ANSWER


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    site = Site(app.resource())
    site.noisy = False
    endpoints.serverFromString(reactor, f"tcp:{args.port}:interface=127.0.0.1").listen(site)
    reactor.run()


if __name__ == "__main__":
    main()
