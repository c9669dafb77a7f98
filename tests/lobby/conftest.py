"""Lobby-test fixtures: the customer factory of tests/customers, a frozen working-day clock, and helpers
that look a number up and log a walk-in through the lobby's routes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from app.core import clock
from tests.conftest import sign_in
from tests.customers.conftest import customer, foreign_customer, make_customer  # noqa: F401

# Wednesday 2 December 2026, 10:00 in Beijing (02:00 UTC).
WEDNESDAY_10AM = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"|type="hidden" name="submission_key" value="([^"]+)"|id="submission_key" name="submission_key" type="hidden" value="([^"]+)"')


@pytest.fixture(autouse=True)
def at_work():
    clock.freeze(WEDNESDAY_10AM)
    return WEDNESDAY_10AM


def submission_key(html: str) -> str:
    match = re.search(r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"', html)
    assert match, "no submission key in the form"
    return match.group(1) or match.group(2)


@pytest.fixture
def colleague_client(app, world):
    return sign_in(app, world.colleague)
