# -*- test-case-name: tests.convert.test_intents, tests.convert.test_io_policy, tests.convert.test_orders -*-
"""The one exception type of the FMZ side: a call the protocol cannot accept."""


class ProtocolError(Exception):
    """Bad input from the docker or strategy; ``str`` is the one-line ``{"error"}`` text."""
