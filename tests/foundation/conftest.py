"""Fixtures for the foundation tests: extra app instances built beside the session `app`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from app import create_app
from app.core.config import TestConfig
from app.core.extensions import db, limiter


@pytest.fixture
def build_app(app) -> Callable[..., Flask]:
    """Build extra app instances from TestConfig plus overrides, each with its own database.

    The session `app` stays untouched. The new app's context stays pushed until the test ends, so
    db.session and make_user work on the new app's database. The one Flask-Limiter object takes its
    storage from the last app built, so it is put back afterwards.
    """
    saved_limiter = (limiter._storage, limiter._limiter, limiter.enabled)
    built: list[tuple[object, bool]] = []

    def build(*, create_schema: bool = True, routes: Callable[[Flask], None] | None = None, **overrides) -> Flask:
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", "sqlite://")  # never the suite's (maybe PostgreSQL) DB
        config = type("FoundationTestConfig", (TestConfig,), overrides)
        new_app = create_app(config)
        new_app.test_client_class = app.test_client_class
        if routes is not None:
            routes(new_app)
        ctx = new_app.app_context()
        ctx.push()
        if create_schema:
            db.create_all()
        built.append((ctx, create_schema))
        return new_app

    yield build

    for ctx, created in reversed(built):
        db.session.remove()
        if created:
            db.drop_all()
        db.engine.dispose()
        ctx.pop()
    limiter._storage, limiter._limiter, limiter.enabled = saved_limiter
