"""Shared test helpers: where the recorded OKX answers live."""

import json
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("OKXBRIDGE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
FIXTURES = SHARED / "fixtures" / "ccxt-okx"


def recorded(method: str, index: int = 0) -> dict:
    """One recorded OKX call from ccxt's static tests (see shared/fixtures/ccxt-okx/README.md)."""
    with open(FIXTURES / "response.json", encoding="utf-8") as f:
        return json.load(f)["methods"][method][index]


@pytest.fixture
def reactor():
    from twisted.internet import reactor as the_reactor
    return the_reactor
