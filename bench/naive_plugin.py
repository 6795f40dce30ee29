"""The serial baseline: an FMZ custom-protocol plugin written the way FMZ's own sample
plugins are — ``http.server`` answering one request at a time, and a fresh
``http.client`` connection for every OKX request, made while the caller waits.

    python -m bench.naive_plugin --port 6667 --okx-url http://127.0.0.1:8443

It serves just what the benchmark calls (ticker, depth, accounts, orders, trade, cancel) in the
same protocol as the bridge, so the load generator drives both alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit

from bench.okx_signing import auth_headers

OKX = urlsplit("http://127.0.0.1:8443")


def okx(verb, path, key, secret, passphrase, body=None, signed=True):
    text = json.dumps(body) if body is not None else ""
    headers = auth_headers(key, secret, passphrase, verb, path, text) if signed else {}
    conn = http.client.HTTPConnection(OKX.hostname, OKX.port, timeout=10)
    try:
        conn.request(verb, path, body=text or None, headers=headers)
        raw = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    if raw.get("code") != "0":
        raise RuntimeError(f"OKX {raw.get('code')}: {raw.get('msg')}")
    return raw


def fnum(text):
    return float(text) if text not in (None, "") else 0.0


def serve(method, params, key, secret, passphrase):
    symbol = params.get("symbol", "")
    inst_id = symbol.replace("_", "-")
    if method == "ticker":
        raw = okx("GET", f"/api/v5/market/ticker?instId={inst_id}", key, secret, passphrase, signed=False)
        t = raw["data"][0]
        return {"symbol": symbol, "buy": fnum(t["bidPx"]), "sell": fnum(t["askPx"]), "high": fnum(t["high24h"]),
                "low": fnum(t["low24h"]), "last": fnum(t["last"]), "vol": fnum(t["vol24h"]),
                "time": int(t["ts"])}, raw
    if method == "depth":
        raw = okx("GET", f"/api/v5/market/books?instId={inst_id}&sz=20", key, secret, passphrase, signed=False)
        book = raw["data"][0]
        return {"asks": [[fnum(a[0]), fnum(a[1])] for a in book["asks"]],
                "bids": [[fnum(b[0]), fnum(b[1])] for b in book["bids"]], "time": int(book["ts"])}, raw
    if method == "accounts":
        raw = okx("GET", "/api/v5/account/balance", key, secret, passphrase)
        details = raw["data"][0]["details"] if raw["data"] else []
        return [{"currency": d["ccy"], "free": fnum(d["availBal"]), "frozen": fnum(d["frozenBal"])}
                for d in details], raw
    if method == "orders":
        raw = okx("GET", f"/api/v5/trade/orders-pending?instId={inst_id}", key, secret, passphrase)
        return [{"id": f"{o['instId']},{o['ordId']}", "price": fnum(o["px"]), "amount": fnum(o["sz"]),
                 "deal_amount": fnum(o["accFillSz"]), "type": o["side"]} for o in raw["data"]], raw
    if method == "trade":
        body = {"instId": inst_id, "tdMode": "cash", "side": params["type"], "ordType": "limit",
                "px": str(params["price"]), "sz": str(params["amount"])}
        raw = okx("POST", "/api/v5/trade/order", key, secret, passphrase, body)
        return {"id": f"{inst_id},{raw['data'][0]['ordId']}"}, raw
    if method == "cancel":
        inst_id, ord_id = params["id"].split(",")
        raw = okx("POST", "/api/v5/trade/cancel-order", key, secret, passphrase, {"instId": inst_id, "ordId": ord_id})
        return True, raw
    raise RuntimeError(f"unknown method {method}")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        secret, passphrase = request["secret_key"].split(",")[:2]
        try:
            data, raw = serve(request["method"], request.get("params") or {}, request["access_key"], secret, passphrase)
            answer = {"data": data, "raw": raw}
        except Exception as e:
            answer = {"error": str(e)}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main(argv=None):
    global OKX
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=6667)
    parser.add_argument("--okx-url", default="http://127.0.0.1:8443")
    args = parser.parse_args(argv)
    OKX = urlsplit(args.okx_url)
    # socketserver's default listen backlog is 5: at 64 callers the kernel would drop SYNs and
    # the benchmark would measure TCP's 1 s/3 s retransmits instead of the serial handling
    HTTPServer.request_queue_size = 128
    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
