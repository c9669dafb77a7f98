"""Configuration from the environment, with safe defaults."""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path


def env_flag(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def per_worker_rate_limits(workers: int, environ=os.environ) -> str | None:
    """Why `workers` processes cannot keep the documented rate limits with this environment, or None.
    memory:// counts in each process, so with two workers 20 sign-ins a minute per IP would become 40."""
    storage = environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    enabled = environ.get("RATELIMIT_ENABLED", "")
    if workers <= 1 or not storage.startswith("memory://"):
        return None
    if enabled.strip() and enabled.strip().lower() not in {"1", "true", "yes", "on"}:
        return None  # limits switched off: nothing to keep
    if environ.get("RATELIMIT_ALLOW_PER_WORKER", "").strip().lower() in {"1", "true", "yes", "on"}:
        return None  # the operator accepts limits counted per worker
    return (f"{workers} workers with RATELIMIT_STORAGE_URI={storage}: each worker would count sign-ins and "
            "number searches on its own, so the limits would not hold (security.md B3). Set "
            "RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared by every worker and server), or run one worker, "
            "or set RATELIMIT_ALLOW_PER_WORKER=1 to accept limits counted per worker.")


def gc_threshold(value: str) -> tuple[int, int, int]:
    """GC_THRESHOLD ("gen0,gen1,gen2", Python 3.11's meaning of gc.set_threshold)."""
    try:
        parts = tuple(int(n) for n in value.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 1:
        raise ValueError(f"GC_THRESHOLD must be three positive integers like 10000,50,100, not {value!r}")
    return parts  # type: ignore[return-value]


def instance_secret(instance_path: Path, filename: str, nbytes: int = 32) -> bytes:
    """Return a random secret kept in instance/, creating it on first use (never committed)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / filename
    if not path.exists():
        # Written whole to a temporary file, then linked into place: two workers starting together
        # agree on one key, and neither can read a half-written file.
        tmp = instance_path / f".{filename}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return base64.urlsafe_b64decode(path.read_text().strip())


def parse_key_ring(spec: str) -> dict[str, bytes]:
    """Parse PFI_KEYS given as 'kid:base64key,kid2:base64key'."""
    ring: dict[str, bytes] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, b64 = part.partition(":")
        key = base64.urlsafe_b64decode(b64)
        if len(key) != 32:
            raise ValueError(f"PFI key {kid!r} must be 32 bytes")
        ring[kid] = key
    return ring


class Config:
    """Production-safe defaults; every value can be overridden from the environment."""

    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SECRET_KEY: str | bytes | None = os.environ.get("SECRET_KEY")

    SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_PATH = "/"
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    # The cookie is a browser-session cookie (never `permanent`): the server ends idle and old sessions
    # itself, and a cookie with an expiry would have to be re-signed and re-sent on every response.
    # Flask still refuses a cookie signed longer ago than this, and an unchanged cookie keeps its
    # sign-in signature: so this is the absolute limit, never the idle one.
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
    FRESH_LOGIN_MINUTES = 15
    # How long a worker keeps a branch's manager and team refdata for list pages (app/core/refdata.py).
    # What a breach of the transaction rule (extensions.enforce_transaction_rule) does: "log" or "raise".
    TRANSACTION_RULE_BREACH = "log"
    REFDATA_CACHE_SECONDS = float(os.environ.get("REFDATA_CACHE_SECONDS", "30"))
    # The served worker's garbage-collector thresholds (wsgi.py), as "gen0,gen1,gen2".
    GC_THRESHOLD = gc_threshold(os.environ.get("GC_THRESHOLD", "10000,50,100"))

    WTF_I18N_ENABLED = False  # app.forms.Form supplies WTForms' messages, loaded once per language
    WTF_CSRF_TIME_LIMIT = None  # the session's own idle/absolute limits bound the token (security.md D3)
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = env_flag("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_IP_LIMIT = os.environ.get("LOGIN_IP_LIMIT", "20 per minute")
    SEARCH_NUMBER_LIMIT = os.environ.get("SEARCH_NUMBER_LIMIT", "60 per minute")

    # Referrals (app/referrals): the working hours within which a referral must be accepted, and list size.
    REFERRAL_TIMEZONE = os.environ.get("REFERRAL_TIMEZONE", "Asia/Shanghai")
    REFERRAL_WORKING_HOURS = json.loads(os.environ.get(
        "REFERRAL_WORKING_HOURS", '[["09:00", "12:00"], ["13:30", "17:30"]]'))
    REFERRAL_WORKDAYS = tuple(int(d) for d in os.environ.get("REFERRAL_WORKDAYS", "0,1,2,3,4").split(","))
    REFERRALS_PER_PAGE = 25
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    # argon2id parameters; tests lower them, a changed profile is rehashed on the next login.
    PASSWORD_TIME_COST = 3
    PASSWORD_MEMORY_COST = 65536
    PASSWORD_PARALLELISM = 2

    PFI_KEYS: dict[str, bytes] = parse_key_ring(os.environ.get("PFI_KEYS", ""))
    PFI_CURRENT_KEY_ID: str | None = os.environ.get("PFI_CURRENT_KEY_ID")
    PFI_HMAC_KEY: bytes | None = (
        base64.urlsafe_b64decode(os.environ["PFI_HMAC_KEY"]) if os.environ.get("PFI_HMAC_KEY") else None
    )

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Asia/Shanghai")
    # Lobby (app/lobby): the tiers whose walk-in alerts the owner (优质客户识别), comma-separated.
    LOBBY_ALERT_TIERS = tuple(t.strip() for t in os.environ.get("LOBBY_ALERT_TIERS", "A").split(",") if t.strip())

    # Reverse proxies in front of the app (ProxyFix): client IPs in the audit log and rate limits.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    CUSTOMERS_PER_PAGE = 50
    # The bench's signed-in reference page (app/benchref); never set in production.
    BENCH_REFERENCE_ROUTE = env_flag("BENCH_REFERENCE_ROUTE", False)
    HSTS_MAX_AGE = 31536000
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    @classmethod
    def finalize(cls, app) -> None:
        """Fill in values that depend on the instance folder (database path, generated secrets)."""
        instance = Path(app.instance_path)
        cfg = app.config
        if not cfg.get("SQLALCHEMY_DATABASE_URI"):
            instance.mkdir(parents=True, exist_ok=True)
            cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'yinjian.db'}"
        uri: str = cfg["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("postgres://") or uri.startswith("postgresql://"):
            uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
            cfg["SQLALCHEMY_DATABASE_URI"] = uri
        engine_options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        if uri.startswith("postgresql"):
            engine_options.setdefault("pool_pre_ping", True)
            engine_options.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", "5")))
            # psycopg prepares a statement on its 5th use; each then keeps its generic plan. Left to choose, PostgreSQL
            # planned the referral inbox again on every call (generic costed just above custom): bench/LEARNED.md.
            engine_options.setdefault("connect_args", {"options": "-c plan_cache_mode=force_generic_plan"})
        elif uri.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"timeout": 5})
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
        if not cfg.get("SECRET_KEY"):
            cfg["SECRET_KEY"] = instance_secret(instance, "secret_key")
        if not cfg.get("PFI_KEYS"):
            cfg["PFI_KEYS"] = {"k1": instance_secret(instance, "pfi_key_k1")}
            cfg["PFI_CURRENT_KEY_ID"] = "k1"
        if not cfg.get("PFI_CURRENT_KEY_ID"):
            cfg["PFI_CURRENT_KEY_ID"] = sorted(cfg["PFI_KEYS"])[-1]
        if not cfg.get("PFI_HMAC_KEY"):
            cfg["PFI_HMAC_KEY"] = instance_secret(instance, "pfi_hmac_key")
        # __Host- cookies are dropped by browsers unless Secure, so plain-http runs use a plain name.
        if cfg.get("SESSION_COOKIE_NAME") in (None, "session"):
            cfg["SESSION_COOKIE_NAME"] = "__Host-session" if cfg["SESSION_COOKIE_SECURE"] else "yinjian_session"
        if isinstance(cfg.get("LANGUAGES"), str):
            cfg["LANGUAGES"] = json.loads(cfg["LANGUAGES"])


class TestConfig(Config):
    """Fast, isolated settings for the test suite (CSRF stays on: tests send the token)."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    TRANSACTION_RULE_BREACH = "raise"
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_TIME_COST = 1
    PASSWORD_MEMORY_COST = 1024
    PASSWORD_PARALLELISM = 1
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    PFI_KEYS = {"k1": b"\x01" * 32}
    PFI_CURRENT_KEY_ID = "k1"
    PFI_HMAC_KEY = b"\x02" * 32
    BENCH_REFERENCE_ROUTE = True  # so the role x route matrix covers it
