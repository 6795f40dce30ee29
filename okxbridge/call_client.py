# -*- test-case-name: tests.test_call_client -*-
"""``okxbridge-call``: one FMZ protocol call to a running daemon, from a shell.

It sends exactly what FMZ's docker sends (``POST /OKX`` with access_key, secret_key, method, nonce,
params; the IO verb in ``Http-Method``), so "works with okxbridge-call" means "works from a strategy".
Synchronous on purpose — a one-shot client, not part of the daemon, so plain ``urllib`` is right.
Exit status: 0 with the answer's ``data`` on stdout; 1 when the daemon answered ``{"error"}`` (printed
as JSON) or ``check`` finds the key unusable; 2 for usage errors and when the daemon can't be reached.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

from .check_client import check_url, show_check
from .fmz.io_call import IO_VERBS
from .handlers.methods import PUBLIC, SHORTCUTS
from .listening import is_local_address

DEFAULT_URL = "http://127.0.0.1:6666/OKX"

_TEXT_FIELDS = {"symbol", "type", "id"}  # never turned into numbers: "ETH-USDT,123" is an id
_PLACEHOLDER = ("okxbridge-call-public", "public,public")


class UsageError(Exception):
    """Bad command line or key file: exit status 2 with the message."""


class Unreachable(Exception):
    """No usable answer from the daemon: exit status 2 with the message."""


def parse_value(text: str) -> Any:
    """``0.001`` → number, ``true`` → True, ``{"a":1}`` → object; anything else stays text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def key_values(args: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            raise UsageError(f"expected key=value, got {arg!r}")
        params[name] = value if name in _TEXT_FIELDS else parse_value(value)
    return params


def build_call(command: str, args: Sequence[str]) -> tuple[str, dict[str, Any], str]:
    """``(method, params, http_method)`` for a command line; pure, so tests need no daemon."""
    if command.lower() == "io":
        return build_io(args)
    fields = SHORTCUTS.get(command.lower(), ())
    positional = [a for a in args if "=" not in a]
    extra = key_values([a for a in args if "=" in a])
    required = [f for f in fields if not f.endswith("?")]
    if len(positional) < len(required) or len(positional) > len(fields):
        usage = " ".join(f if not f.endswith("?") else f"[{f[:-1]}]" for f in fields)
        if command.lower() in SHORTCUTS:
            raise UsageError(f"usage: okxbridge-call {command} {usage} [key=value ...]".rstrip())
        raise UsageError(f"{command}: give parameters as key=value (got {positional[0]!r})")
    params: dict[str, Any] = {}
    for field, value in zip(fields, positional, strict=False):  # trailing optional fields may be absent
        name = field.rstrip("?")
        params[name] = value if name in _TEXT_FIELDS else parse_value(value)
    params.update(extra)
    return command, params, "GET"


def build_io(args: Sequence[str]) -> tuple[str, dict[str, Any], str]:
    """``io VERB PATH [key=value ... | JSON]`` → ``_api/<path>``, as the docker sends exchange.IO."""
    if len(args) < 2:
        raise UsageError("usage: okxbridge-call io VERB /api/v5/PATH [key=value ... | '{json}']")
    verb, path, rest = args[0].upper(), args[1], list(args[2:])
    if verb not in IO_VERBS:  # the daemon's own list: OKX v5 REST uses no other verbs
        raise UsageError(f"io: VERB must be {' or '.join(IO_VERBS)}, got {args[0]!r}")
    path, _, query = path.partition("?")
    params: dict[str, Any] = dict(parse_qsl(query))
    if len(rest) == 1 and rest[0].lstrip().startswith(("{", "[")):
        body = parse_value(rest[0])
        if not isinstance(body, dict):
            raise UsageError("io: the JSON argument must be an object")
        params.update(body)
    else:
        params.update(key_values(rest))
    return "_api/" + path.lstrip("/"), params, verb


_KEY_NAMES = {
    "access_key": "access_key", "okx_access_key": "access_key", "apikey": "access_key", "api_key": "access_key",
    "secret_key": "secret_key", "okx_secret_key": "secret_key",
    "passphrase": "passphrase", "okx_passphrase": "passphrase",
    "simulate": "simulate", "okx_simulate": "simulate",
}


def read_key_file(path: str) -> dict[str, str]:
    """An INI file (any section holding the keys) or ``KEY=VALUE`` lines (``export`` and quotes allowed)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise UsageError(f"--keys: cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:  # its text may be the secret: only where it went wrong
        raise UsageError(f"--keys: {path} is not UTF-8 text (byte {e.start}); save it as UTF-8") from None
    pairs: list[tuple[str, str]] = []
    if any(line.strip().startswith("[") for line in text.splitlines()):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=path)
        except configparser.Error as e:
            # configparser's message quotes the offending line, which may hold the secret
            lines = [n for n, _ in getattr(e, "errors", ())] or [getattr(e, "lineno", None)]
            where = f" (line {', '.join(str(n) for n in lines)})" if lines[0] else ""
            raise UsageError(f"--keys: {path} is not a valid INI file{where}: {type(e).__name__}; "
                             "each line must be NAME = VALUE under a [section]") from None
        for section in parser.sections():
            pairs.extend(parser.items(section))
    else:
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.removeprefix("export ").partition("=")
            if sep:
                pairs.append((name.strip(), value.strip().strip("'\"")))
    return normalise_keys(pairs)


def normalise_keys(pairs) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        canonical = _KEY_NAMES.get(name.strip().lower())
        if canonical and value:
            found[canonical] = value
    return found


def credentials(keys: Mapping[str, str], simulate: bool = False) -> tuple[str, str] | None:
    """``(access_key, secret_key)`` as FMZ sends them, or None when no key is configured.

    ``OKX_SECRET_KEY`` may be the whole ``SECRET,PASSPHRASE[,simulate]`` or just the secret
    with the passphrase in ``OKX_PASSPHRASE``.
    """
    access, secret = keys.get("access_key"), keys.get("secret_key")
    if not access and not secret:
        return None
    if not access or not secret:
        raise UsageError("keys: need both OKX_ACCESS_KEY and OKX_SECRET_KEY")
    if "," not in secret:
        if not keys.get("passphrase"):
            raise UsageError("keys: OKX_SECRET_KEY must be SECRET,PASSPHRASE (or set OKX_PASSPHRASE)")
        secret = f"{secret},{keys['passphrase']}"
    wants_demo = simulate or keys.get("simulate", "").lower() in ("1", "true", "yes")
    if wants_demo and not secret.lower().endswith(",simulate"):
        secret += ",simulate"
    return access, secret


def request_body(access_key: str, secret_key: str, method: str, params: Mapping[str, Any], nonce: int) -> bytes:
    return json.dumps({"access_key": access_key, "secret_key": secret_key, "method": method,
                       "nonce": nonce, "params": params}).encode()


def post(url: str, body: bytes, http_method: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Http-Method": http_method, "User-Agent": "okxbridge-call"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
    except urllib.error.HTTPError as e:
        raise Unreachable(f"{url} answered HTTP {e.code}: is this an okxbridge?") from None
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable(f"cannot reach okxbridge at {url}: {getattr(e, 'reason', e)}") from None
    try:
        answer = json.loads(content)
    except ValueError:
        raise Unreachable(f"{url} did not answer JSON: {content[:100]!r}") from None
    if not isinstance(answer, dict) or not ({"data", "error"} & answer.keys()):
        raise Unreachable(f"{url} answered something other than the FMZ protocol: {content[:100]!r}")
    return answer


def status_url(protocol_url: str) -> str:
    """``/status.json`` on the protocol's host and port (without ``--admin-port`` one port serves both)."""
    parts = urllib.parse.urlsplit(protocol_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/status.json", "", ""))


def fetch_seen(url: str, timeout: float) -> dict[str, Any]:
    """The ``docker_calls`` section of a running daemon's ``/status.json``."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "okxbridge-call"}),
                                    timeout=timeout) as response:
            section = json.loads(response.read()).get("docker_calls")
    except (urllib.error.URLError, OSError, ValueError, AttributeError) as e:
        raise Unreachable(f"cannot read {url}: {getattr(e, 'reason', e)}") from None
    if not isinstance(section, dict):
        raise Unreachable(f"{url} has no docker_calls section: is this an okxbridge with issue 26?")
    return section


def describe_seen(section: Mapping[str, Any]) -> str:
    """``okxbridge-call seen``: each method the docker called, as sent, with its params."""
    lines = []
    for method, row in section.get("methods", {}).items():
        known = "understood" if row.get("understood") else "NOT understood"
        lines.append(f"{method}: {row.get('calls')} call(s), {known}")
        lines.append(f"  first  params {json.dumps(row.get('first_params'), ensure_ascii=False)}")
        lines.append(f"  latest params {json.dumps(row.get('latest_params'), ensure_ascii=False)}")
        if row.get("latest_error"):
            lines.append(f"  latest error  {row['latest_error']}")
    return "\n".join(lines) or "no call from the docker yet"


def parser() -> argparse.ArgumentParser:
    shortcuts = "\n".join(f"  {name} {' '.join(f if not f.endswith('?') else f'[{f[:-1]}]' for f in fields)}"
                          for name, fields in SHORTCUTS.items())
    p = argparse.ArgumentParser(
        prog="okxbridge-call", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Make one FMZ custom-protocol call to a running okxbridge and print the answer.",
        epilog=f"commands:\n{shortcuts}\n  io VERB /api/v5/PATH [key=value ... | JSON]\n"
               "  METHOD key=value ...   (any other method)\n"
               "  seen                   (what the docker has sent: each method with its first and latest params)\n"
               "  check                  (the key checked on OKX: mode, permissions, whitelist)\n\n"
               "keys: OKX_ACCESS_KEY and OKX_SECRET_KEY (SECRET,PASSPHRASE[,simulate]) from the\n"
               "environment, or --keys FILE (INI or KEY=VALUE lines with the same names).")
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    p.add_argument("--url", default=os.environ.get("OKXBRIDGE_URL", DEFAULT_URL),
                   help=f"the daemon's protocol URL (default {DEFAULT_URL})")
    p.add_argument("--keys", metavar="FILE", help="read the OKX keys from FILE instead of the environment")
    p.add_argument("--simulate", action="store_true", help="use OKX demo trading (appends ,simulate)")
    p.add_argument("--nonce", type=int, help="nonce to send (default: time.time_ns(); repeat one to retry a "
                   "trade safely)")
    p.add_argument("--full", action="store_true", help="print the whole answer, OKX's raw answer included")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the answer")
    p.add_argument("--status-url", help="for seen: the daemon's /status.json (default: on --url's host and port; "
                   "give it with --admin-port)")
    p.add_argument("--insecure", action="store_true", help="send the keys over plain http:// to a host "
                   "that is not loopback (refused without it)")
    return p


def check_transport(url: str, insecure: bool) -> None:
    """The body carries the secret and passphrase: plain ``http://`` only to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not is_local_address(parts.hostname or "") and not insecure:
        raise UsageError(f"refusing to send OKX keys unencrypted to {parts.hostname}: use https://, "
                         "a loopback address, or --insecure")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    options = parser().parse_args(argv)  # exits 2 itself on a bad command line
    environ = os.environ if environ is None else environ
    if options.command == "seen":
        try:
            section = fetch_seen(options.status_url or status_url(options.url), options.timeout)
        except Unreachable as e:
            print(f"okxbridge-call: {e}", file=sys.stderr)
            return 2
        print(json.dumps(section, indent=2, ensure_ascii=False) if options.full else describe_seen(section))
        return 0
    try:
        method, params, http_method = build_call(options.command, options.args)
        keys = read_key_file(options.keys) if options.keys else normalise_keys(environ.items())
        creds = credentials(keys, options.simulate)
        if creds is None:
            if method.lower() not in PUBLIC:
                raise UsageError("no OKX keys: set OKX_ACCESS_KEY and OKX_SECRET_KEY, or use --keys FILE")
            creds = _PLACEHOLDER
        if creds is not _PLACEHOLDER:
            check_transport(options.url, options.insecure)
        if method == "check":  # the key's findings (never its secret), from POST /check
            return show_check(post(check_url(options.url), request_body(*creds, method, {}, 0), "GET", options.timeout))
        nonce = options.nonce if options.nonce is not None else time.time_ns()
        answer = post(options.url, request_body(*creds, method, params, nonce), http_method, options.timeout)
    except (UsageError, Unreachable) as e:
        print(f"okxbridge-call: {e}", file=sys.stderr)
        return 2
    shown = answer if options.full or "error" in answer else answer.get("data")
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 1 if "error" in answer else 0


if __name__ == "__main__":
    sys.exit(main())
