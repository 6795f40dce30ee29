# -*- test-case-name: tests.fmz -*-
"""The FMZ side: the custom protocol's envelope, parameters, dispatch and answers.

Knows nothing of OKX: handlers are injected as a table from method name to coroutine.
"""
