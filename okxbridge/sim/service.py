# -*- test-case-name: tests.sim.test_sim_modes, tests.sim.test_sim_service -*-
"""``twistd okxsim``: the emulator as a long-running service.

    twistd -n okxsim --port tcp:8443:interface=127.0.0.1 --balance USDT=5000
"""

from decimal import Decimal, InvalidOperation

from twisted.application import service
from twisted.python import usage
from twisted.web.server import Site

from okxbridge.listening import Listener, port_description
from okxbridge.sim.auth import DEFAULT_ACCOUNTS, SimAccount
from okxbridge.sim.emulator import DEFAULT_BALANCES, Emulator
from okxbridge.sim.modes import ACCOUNT_LEVELS


def parse_account(text, demo=False):
    """``KEY:SECRET:PASSPHRASE[:UID[:MODE]]`` as a SimAccount (keys with one UID share an
    account, and its mode: the first key's); MODE is spot, futures (default), multi or portfolio.
    ``demo``: a demo-trading key (``--demo-account``), as OKX creates keys for one environment."""
    option = "--demo-account" if demo else "--account"
    parts = text.split(":")
    if len(parts) not in (3, 4, 5) or not all(parts[:3]) or (len(parts) == 4 and not parts[3]):
        raise usage.UsageError(f"{option} wants KEY:SECRET:PASSPHRASE[:UID[:MODE]]")
    mode = parts[4] if len(parts) == 5 else "futures"
    if mode not in ACCOUNT_LEVELS:
        raise usage.UsageError(f"{option} MODE must be one of {', '.join(ACCOUNT_LEVELS)}, got {mode[:20]!r}")
    uid = parts[3] if len(parts) > 3 else ""
    return SimAccount(api_key=parts[0], secret=parts[1], passphrase=parts[2], uid=uid, mode=mode, demo=demo)


def parse_balance(text):
    """``CCY=AMOUNT`` as (ccy, Decimal)."""
    ccy, _, amount = text.partition("=")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        value = None
    if not ccy or value is None or value < 0:
        raise usage.UsageError(f"--balance wants CCY=AMOUNT, got {text!r}")
    return ccy.upper(), value


class Options(usage.Options):
    optParameters = [
        ["port", "p", "tcp:8443:interface=127.0.0.1", "port number (loopback) or strports description to listen on",
         port_description],
        ["seed", "s", 1, "seed of the price walk", int],
        ["tls-cert", None, None, "PEM certificate: serve HTTPS"],
        ["tls-key", None, None, "PEM private key for --tls-cert (default: the cert file)"],
        ["latency", None, 0.0, "answer every request this many milliseconds later", float],
        ["books-snapshot", None, "on", "on|off: send the books channel's initial snapshot (OKX drops it in 2026)"],
        ["ws-channel-conns", None, 30, "connections of one account per private channel before the next is ended "
         "with channel-conn-count-error (OKX: 30)", int],
        ["ws-conn-rate", None, 3, "new WebSocket connections a second per IP; more get HTTP 429 (OKX: 3; 0: no limit)",
         int],
        ["ws-ops-per-hour", None, 480, "subscribe/unsubscribe/login requests per connection-hour; more get 60014 "
         "(OKX: 480; 0: no limit)", int],
        ["ws-idle", None, 30.0, "seconds a WebSocket connection may go without a subscription or a frame sent "
         "before it is closed with 4004 (OKX: 30; 0: never)", float],
    ]
    optFlags = [["no-rate-limits", None, "do not enforce OKX's rate limits"]]

    def __init__(self):
        super().__init__()
        self["accounts"] = []
        self["balances"] = {}
        self["key-perms"], self["key-ips"] = {}, {}

    def opt_account(self, text):
        """KEY:SECRET:PASSPHRASE[:UID[:MODE]] of a live-trading API key to accept (repeatable)."""
        self["accounts"].append(parse_account(text))

    def opt_demo_account(self, text):
        """KEY:SECRET:PASSPHRASE[:UID[:MODE]] of a demo-trading API key (x-simulated-trading: 1) to accept
        (repeatable). With neither option: okxsim's default live key and default demo key."""
        self["accounts"].append(parse_account(text, demo=True))

    def opt_balance(self, text):
        """CCY=AMOUNT funding every account's trading balance (repeatable)."""
        ccy, value = parse_balance(text)
        self["balances"][ccy] = value

    def opt_key_perm(self, text):
        """KEY=PERMS: the key's permissions, a comma list of read_only, trade, withdraw (default read_only,trade)."""
        key, _, perms = text.partition("=")
        names = [p.strip() for p in perms.split(",") if p.strip()]
        if not key or not names or set(names) - {"read_only", "trade", "withdraw"}:
            raise usage.UsageError(f"--key-perm wants KEY=PERMS (read_only, trade, withdraw), got {text!r}")
        self["key-perms"][key] = ",".join(names)

    def opt_key_ip(self, text):
        """KEY=IP[,IP...]: the key's IP whitelist; a call from another address is refused (50110)."""
        key, _, ips = text.partition("=")
        found = tuple(ip.strip() for ip in ips.split(",") if ip.strip())
        if not key or not found:
            raise usage.UsageError(f"--key-ip wants KEY=IP[,IP...], got {text!r}")
        self["key-ips"][key] = found

    def postOptions(self):
        if self["books-snapshot"] not in ("on", "off"):
            raise usage.UsageError("--books-snapshot wants on or off")
        if self["tls-key"] and not self["tls-cert"]:
            raise usage.UsageError("--tls-key needs --tls-cert")
        keys = [account.api_key for account in self["accounts"]]
        if len(keys) != len(set(keys)):  # one key, one environment
            raise usage.UsageError("an API key is given twice (--account and --demo-account keys are distinct)")

    def listen_description(self):
        if not self["tls-cert"]:
            return self["port"]
        port = self["port"]
        # Re-use the port number and interface of --port, served over TLS.
        parts = port.split(":")
        number = parts[1] if len(parts) > 1 and parts[0] in ("tcp", "ssl") else "8443"
        extra = [p for p in parts[2:] if p.startswith("interface=")]
        key = self["tls-key"] or self["tls-cert"]
        return ":".join(["ssl", number, f"privateKey={key}", f"certKey={self['tls-cert']}"] + extra)


def make_emulator(options, clock):
    return Emulator(
        clock=clock,
        accounts=options["accounts"] or list(DEFAULT_ACCOUNTS),
        balances=options["balances"] or dict(DEFAULT_BALANCES),
        seed=options["seed"],
        rate_limits=not options["no-rate-limits"],
        latency=options["latency"] / 1000.0,
        books_snapshot=options["books-snapshot"] == "on",
        ws_channel_conns=options["ws-channel-conns"],
        ws_conn_rate=options["ws-conn-rate"], ws_ops_per_hour=options["ws-ops-per-hour"], ws_idle=options["ws-idle"],
        key_perms=options["key-perms"], key_ips=options["key-ips"],
    )


def makeService(options):
    from twisted.internet import reactor

    emulator = make_emulator(options, reactor)
    site = Site(emulator.resource())
    top = service.MultiService()
    Listener(reactor, options.listen_description(), site).setServiceParent(top)
    return top
