"""Shared settings of the benchmark: fixed secrets, where the databases live, the manifest.

Nothing here imports the app: callers set the environment first (app.config reads it at import time).
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / "data"
SQLITE_PATH = DATA_DIR / "bench.db"
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE") or "yinjian_bench"  # dedicated: the loader drops and creates it
# Only names of this shape: the loader must never drop a database the app or the tests use.
if not re.fullmatch(r"yinjian_bench[a-z0-9_]*", PG_DATABASE):
    raise SystemExit(f"BENCH_PG_DATABASE must start with yinjian_bench (lower case, digits, _), not {PG_DATABASE!r}")
PASSWORD = "bench-pass-2026-yinjian"  # noqa: S105 - benchmark database only

# The numbers.
BRANCHES = 10
CUSTOMERS_PER_BRANCH = 10_000
ACTIVITIES = 1_000_000
MANAGERS_PER_BRANCH = 3

# Fixed keys, so no instance/ secrets are written and a reused database stays readable.
BENCH_ENV = {
    "SECRET_KEY": "bench-secret-key-not-for-production",
    "PFI_KEYS": "k1:" + base64.urlsafe_b64encode(b"\x11" * 32).decode(),
    "PFI_CURRENT_KEY_ID": "k1",
    "PFI_HMAC_KEY": base64.urlsafe_b64encode(b"\x22" * 32).decode(),
    "SESSION_COOKIE_SECURE": "0",
    "RATELIMIT_ENABLED": "0",
    "BENCH_REFERENCE_ROUTE": "1",  # the signed-in reference page (app/benchref)
    "LOG_LEVEL": "WARNING",
}


APP_DIR = ROOT  # where the app's code is imported from; --app-dir points it at a snapshot or another checkout


def set_app_dir(path: Path | None) -> None:
    global APP_DIR
    APP_DIR = Path(path).resolve() if path else ROOT


def add_root_to_path() -> None:
    if str(APP_DIR) not in sys.path:
        sys.path.insert(0, str(APP_DIR))


def schema_fingerprint() -> str:
    """A hash of the migration files: a database built from other migrations is rebuilt, not reused."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((APP_DIR / "migrations" / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def snapshot_head() -> Path:
    """A frozen copy of HEAD's app (git archive + compiled translations) in bench/data/, so that edits made
    while the benchmark runs cannot leak into it. Returns its directory."""
    import subprocess
    import tarfile
    import tempfile

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    dest = DATA_DIR / f"snapshot-{commit[:10]}"
    if dest.exists():
        return dest
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="snapshot-", dir=DATA_DIR))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "app", "migrations",
                              "wsgi.py"], capture_output=True, check=True).stdout
    import io

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (tmp / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=True)  # as `make translations` does
    (tmp / "SNAPSHOT").write_text(commit + "\n")
    tmp.rename(dest)
    return dest


def code_version() -> str:
    """The commit the app code comes from (and whether the working tree differs from it)."""
    import subprocess

    marker = APP_DIR / "SNAPSHOT"
    if marker.exists():
        return f"{marker.read_text().strip()[:10]} (frozen snapshot)"
    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", str(APP_DIR), *cmd], capture_output=True, text=True,
                              check=False).stdout.strip()
    commit = git("rev-parse", "--short=10", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "app", "migrations", "wsgi.py")
    return commit + (" with uncommitted changes" if dirty else "")


def pg_server_url() -> str | None:
    """DATABASE_URL as given (only its server and credentials are used)."""
    return os.environ.get("DATABASE_URL") or None


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database, with the psycopg 3 driver."""
    parts = urlsplit(url)
    scheme = "postgresql+psycopg"
    return urlunsplit((scheme, parts.netloc, "/" + name, parts.query, ""))


def database_url(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    server = pg_server_url()
    if not server:
        raise SystemExit(f"PostgreSQL needs DATABASE_URL (its server is used, with the database {PG_DATABASE})")
    return with_database(server, PG_DATABASE)


def safe_url(url: str) -> str:
    """The URL without a password, for printing."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + "@" + host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def app_env(kind: str) -> dict[str, str]:
    """The environment the app runs with in the benchmark (gunicorn, loader, profiler)."""
    env = dict(os.environ)
    env.update(BENCH_ENV)
    env["DATABASE_URL"] = database_url(kind)
    env["PYTHONPATH"] = str(APP_DIR) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def manifest_path(kind: str) -> Path:
    return DATA_DIR / f"manifest-{kind}.json"


def read_manifest(kind: str) -> dict | None:
    path = manifest_path(kind)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None
