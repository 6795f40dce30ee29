"""okxbridge/desk/memory.py: the in-memory store keeps every rule of the durable ones."""

import pytest_twisted

from okxbridge.desk.memory import MemoryLedger
from tests.desk.store_rules import exercise


@pytest_twisted.ensureDeferred
async def test_memory_store_rules():
    await exercise(MemoryLedger())
