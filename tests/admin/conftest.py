"""Admin-test fixtures."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Team


@pytest.fixture(autouse=True)
def _unlink_team_leaders(_clean_state):
    """team.leader_id and user.team_id point at each other, so the shared row cleanup cannot delete
    users while a team still names a leader; clear the leaders first (runs before _clean_state's teardown)."""
    yield
    db.session.rollback()
    db.session.execute(update(Team).values(leader_id=None))
    db.session.commit()
