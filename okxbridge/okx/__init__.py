# -*- test-case-name: tests.okx.test_accounts, tests.okx.test_market_streams, tests.okx.test_private_account -*-
"""The OKX v5 side: signing, HTTP, errors, limits. Knows nothing of FMZ."""
