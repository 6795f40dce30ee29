"""OKX v5 request signing, written again from OKX's docs (#overview-rest-authentication)
for the benchmark's direct calls and the naive plugin — not imported from the bridge, so
the baseline does not share the bridge's code or its costs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

DEMO_KEY = "okxsim-demo-key"
DEMO_SECRET = "okxsim-demo-secret"
DEMO_PASSPHRASE = "okxsim-demo-pass"


def iso_now() -> str:
    """``2024-05-01T12:00:00.123Z``: UTC, milliseconds, ``Z``."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)


def auth_headers(key: str, secret: str, passphrase: str, method: str, request_path: str, body: str = "") -> dict:
    stamp = iso_now()
    mac = hmac.new(secret.encode(), (stamp + method + request_path + body).encode(), hashlib.sha256)
    return {
        "OK-ACCESS-KEY": key,
        "OK-ACCESS-SIGN": base64.b64encode(mac.digest()).decode(),
        "OK-ACCESS-TIMESTAMP": stamp,
        "OK-ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
    }
