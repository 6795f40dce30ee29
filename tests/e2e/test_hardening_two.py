"""Issue 24, hardening round two, through the daemon: junk callers cannot pin memory, fill
shared tables, reach a withdrawal, or read the admin pages from another Host."""

import json

import pytest
import pytest_twisted

from tests.e2e.test_abuse import okx_requests


# --- 5. the IO deny list ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v5/fiat/create-withdrawal", "/api/v5/fiat/cancel-withdrawal",
                                  "/api/v5/account/move-positions", "/api/v5/rfq/create-rfq",
                                  "/api/v5/Asset/withdrawal", "/api/v5/ASSET/Transfer"])
@pytest_twisted.ensureDeferred
async def test_5_withdrawals_moves_and_block_trades_are_refused_locally_in_any_case(bridge_and_sim, path):
    bridge, sim = await bridge_and_sim()
    before = okx_requests(sim)
    answer = await bridge.call("_api" + path, {"ccy": "USDT", "amt": "1"}, headers={"Http-Method": "POST"})
    assert "refused by okxbridge's IO policy" in answer["error"], answer
    assert okx_requests(sim) == before
