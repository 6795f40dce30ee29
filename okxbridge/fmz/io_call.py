# -*- test-case-name: tests.handlers.test_io -*-
"""How an ``exchange.IO("api", VERB, PATH, …)`` call looks on the wire, shared by the daemon
and ``okxbridge-call`` (which must not import Twisted, so this module imports nothing).

FMZ writes the IO method both ways (its article: ``_api/…``, its sample code: ``__api_/…``);
the verb travels in the ``Http-Method`` header. OKX's v5 REST API has GET and POST
endpoints only, so those are the verbs either side accepts.
"""

IO_PREFIXES = ("__api_/", "_api/")
IO_VERBS = ("GET", "POST")
