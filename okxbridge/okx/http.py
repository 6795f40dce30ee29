# -*- test-case-name: tests.e2e.test_tls_and_secrets -*-
"""Building the treq client: one persistent pool, TLS always verified.

TLS verification uses Twisted's ``optionsForClientTLS``, which checks the hostname with
``service_identity``; ``--okx-ca`` swaps the trust roots for a given PEM bundle (for a
private endpoint or the TLS emulator) — it never turns verification off.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from treq.client import HTTPClient
from treq.cookies import IndexableCookieJar
from twisted.internet import ssl
from twisted.web.client import Agent, BrowserLikePolicyForHTTPS, HTTPConnectionPool, _HTTP11ClientFactory
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

if TYPE_CHECKING:
    from twisted.internet._sslverify import IOpenSSLTrustRoot

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


@implementer(IPolicyForHTTPS)
@attrs.frozen
class BundlePolicy:
    """Verify servers against the certificates of one PEM bundle (hostname checked too)."""

    trust_root: IOpenSSLTrustRoot

    def creatorForNetloc(self, hostname: bytes, port: int):
        return ssl.optionsForClientTLS(hostname.decode("ascii"), trustRoot=self.trust_root)


def load_bundle(path: str) -> BundlePolicy:
    pems = _PEM.findall(Path(path).read_bytes())
    if not pems:
        raise ValueError(f"{path}: no PEM certificate found")
    root = ssl.trustRootFromCertificates([ssl.Certificate.loadPEM(p) for p in pems])
    return BundlePolicy(root)


class QuietFactory(_HTTP11ClientFactory):
    """No "Starting factory"/"Stopping factory" line at info for every OKX connection."""

    noisy = False


class QuietPool(HTTPConnectionPool):
    # ``_factory`` is the pool's documented hook (see its docstring) for the connection factory
    _factory = QuietFactory


def make_pool(reactor, size: int) -> HTTPConnectionPool:
    pool = QuietPool(reactor, persistent=True)
    pool.maxPersistentPerHost = size
    pool.cachedConnectionTimeout = 120
    pool.retryAutomatically = False  # a silently re-sent POST could place an order twice
    return pool


class NoCookies(IndexableCookieJar):
    """OKX's REST API is stateless: cookies would only be shared between every account
    using this daemon, and parsing them for each answer cost 5 % of the daemon's CPU."""

    def add_cookie_header(self, request) -> None:
        pass

    def extract_cookies(self, response, request) -> None:
        pass


def make_http_client(reactor, pool: HTTPConnectionPool, bundle: BundlePolicy | None = None) -> HTTPClient:
    """treq over the pool; TLS checked against ``bundle`` (``--okx-ca``, read once by the
    caller) or else the system's trust store, with the host name verified either way."""
    policy = bundle if bundle is not None else BrowserLikePolicyForHTTPS()
    return HTTPClient(Agent(reactor, contextFactory=policy, pool=pool), cookiejar=NoCookies())
