"""Appointment fixtures: the customers' factory, a frozen Monday morning, and booking helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core import clock
from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401

# Monday 2026-12-07 08:00 Asia/Shanghai.
MONDAY_8AM = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


@pytest.fixture
def monday(app):
    clock.freeze(MONDAY_8AM)
    yield MONDAY_8AM
    clock.freeze(None)
