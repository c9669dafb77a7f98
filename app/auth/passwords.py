"""Password hashing (argon2id) and the staff password rules (security.md B1, B2)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# A short deny-list of the passwords staff actually pick; context words are added per check.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "password1234", "qwertyuiop12", "111111111111", "123123123123",
        "yinjian-demo", "yinjian123456", "abc123456789", "1qaz2wsx3edc", "zhang123456789",
        "woaini1314520", "password123!", "admin1234567", "changeme1234", "welcome12345",
    }
)
MIN_LENGTH = 12
MAX_LENGTH = 128


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    hasher = current_app.extensions.get("yinjian_hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=cfg["PASSWORD_TIME_COST"],
            memory_cost=cfg["PASSWORD_MEMORY_COST"],
            parallelism=cfg["PASSWORD_PARALLELISM"],
        )
        current_app.extensions["yinjian_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


_DUMMY_HASH: dict[int, str] = {}


def burn_time() -> None:
    """Spend one hash verification so unknown users take as long as wrong passwords."""
    key = id(current_app._get_current_object())
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASH[key], "still-not-a-real-password")


def password_problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Return a reason code when a new password is too weak, else None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return "common"
    for word in context:
        if word and len(word) >= 3 and word.lower() in lowered:
            return "context"
    return None
