# -*- test-case-name: tests.okx.test_accounts, tests.okx.test_market_streams -*-
"""The OKX v5 side: signing, HTTP, errors, limits. Knows nothing of FMZ."""
