"""Rate limits hold with the README's production command (issue 8 item 7; security.md B3): two gunicorn
workers with memory:// storage would each count on their own, so gunicorn.conf.py refuses to start them;
with Redis, 21 sign-in POSTs a minute from one IP give a 429, counted across both workers."""

from __future__ import annotations

import base64
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.core.config import per_worker_rate_limits
from tests.foundation.helpers import service_unavailable

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("RATELIMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# The README's production command, on a free port of 127.0.0.1.
README_COMMAND = ("--workers", "2", "--threads", "2", "--worker-class", "gthread")


@pytest.mark.parametrize(("workers", "env", "refused"), [
    (2, {}, True),  # the shipped default is memory://
    (2, {"RATELIMIT_STORAGE_URI": "memory://"}, True),
    (4, {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": "1"}, True),
    (1, {}, False),
    (2, {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, False),
    (2, {"RATELIMIT_ENABLED": "0"}, False),
    (2, {"RATELIMIT_ALLOW_PER_WORKER": "1"}, False),
])
def test_which_configurations_cannot_keep_the_limits(workers, env, refused):
    problem = per_worker_rate_limits(workers, env)
    assert (problem is not None) is refused
    if refused:
        assert "RATELIMIT_STORAGE_URI=redis://" in problem and "RATELIMIT_ALLOW_PER_WORKER=1" in problem


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"TEST_DATABASE_URL", "FLASK_APP", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED",
                        "RATELIMIT_ALLOW_PER_WORKER", "YINJIAN_GUNICORN_CONF", "GUNICORN_CMD_ARGS"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'workers.db'}", SESSION_COOKIE_SECURE="0",
               SECRET_KEY=secrets.token_urlsafe(32), PFI_KEYS=f"k1:{_key()}", PFI_CURRENT_KEY_ID="k1",
               PFI_HMAC_KEY=_key(), LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1", **extra)
    return env


def _gunicorn(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", *README_COMMAND, "--bind", f"127.0.0.1:{port}",
            "--graceful-timeout", "5", *extra, "wsgi:app"]


def test_two_workers_with_memory_storage_refuse_to_start(tmp_path):
    done = subprocess.run(_gunicorn(_free_port()), cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "refusing to start" in done.stderr and "RATELIMIT_STORAGE_URI" in done.stderr, done.stderr
    assert "Booting worker" not in done.stderr


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


@pytest.fixture
def two_workers_on_redis(tmp_path, redis_db):
    """The README's production command (two gthread workers), Redis storage, an access log with the pid."""
    env = _env(tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL)
    migrated = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    access_log = tmp_path / "access.log"
    server_log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(_gunicorn(port, "--access-logfile", str(access_log),
                                      "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"),
                            cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield url, access_log
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        server_log.close()


def test_sign_in_limit_holds_across_two_gunicorn_workers(two_workers_on_redis):
    url, access_log = two_workers_on_redis
    with httpx.Client(base_url=url, timeout=30) as browser:
        page = browser.get("/login")
        token = CSRF_RE.search(page.text).group(1)
        cookies = dict(browser.cookies)

    def sign_in(_n: int) -> int:
        # A new connection each time (Connection: close), so both workers take their share.
        response = httpx.post(f"{url}/login", data={"username": "nobody", "password": "wrong", "csrf_token": token},
                              cookies=cookies, headers={"Connection": "close"}, timeout=30)
        return response.status_code

    # Two at a time: more sign-ins at once would only queue for SQLite's write lock while the password is hashed.
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(pool.map(sign_in, range(21)))
    assert Counter(statuses) == {200: 20, 429: 1}, statuses
    assert sign_in(22) == 429  # and the next one too

    time.sleep(0.5)  # gunicorn writes the access log line after the response
    lines = [line.split() for line in access_log.read_text().splitlines()]
    served: Counter = Counter()
    shared = False  # a worker refused before it had itself answered 20: it counted the other's sign-ins too
    for pid, method, path, status in lines:
        if method == "POST" and path == "/login":
            shared = shared or (status == "429" and served[pid] < 20)
            served[pid] += 1
    assert len(served) == 2 and shared, lines
