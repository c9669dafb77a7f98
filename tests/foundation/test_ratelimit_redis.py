"""The per-IP sign-in limit with Redis storage, as production runs it across workers (security.md B3)."""

from __future__ import annotations

import os

import pytest

from tests.foundation.helpers import PASSWORD, service_unavailable

REDIS_URL = os.environ.get("RATELIMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_db():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.RedisError as exc:
        service_unavailable(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_login_limit_is_counted_in_redis(build_app, make_user, redis_db):
    redis_app = build_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    make_user("manager", username="alice")
    client = redis_app.test_client()
    token = client.csrf_token()
    address = {"REMOTE_ADDR": "10.66.0.1"}

    statuses = [
        client.post("/login", data={"username": "alice", "password": "wrong", "csrf_token": token},
                    environ_base=address).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429

    keys = [key.decode() for key in redis_db.keys("*")]
    assert any("10.66.0.1" in key for key in keys), keys

    # Another worker: a new app instance with its own connection to the same Redis sees the same counter.
    other_worker = build_app(RATELIMIT_STORAGE_URI=REDIS_URL).test_client()
    other_token = other_worker.csrf_token()
    blocked = other_worker.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": other_token},
                                environ_base=address)
    assert blocked.status_code == 429

    elsewhere = other_worker.post("/login", data={"username": "alice", "password": "wrong", "csrf_token": other_token},
                                  environ_base={"REMOTE_ADDR": "10.66.0.2"})
    assert elsewhere.status_code == 200
