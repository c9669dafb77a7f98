"""Which language a request speaks: the locale selector for Flask-Babel and the language code the
per-language copies (labels, WTForms messages; see worker_copies) are keyed by."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.core import worker_copies

DEFAULT_LANGUAGE = "zh_Hans_CN"


@lru_cache(maxsize=16)
def _parsed(code: str) -> Locale:
    # Locale.parse looks the locale up on disk each time; Flask-Babel would call it on every request.
    return Locale.parse(code)


worker_copies.keep("parsed locales", _parsed.cache_clear)


def select_locale() -> Locale:
    """The signed-in user's language, else the language picked on the login page, else Chinese."""
    if not has_request_context():
        return _parsed(DEFAULT_LANGUAGE)  # CLI commands and jobs write in the default language
    languages = g.get("_languages") or ()
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return _parsed(current_user.language)
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return _parsed(chosen)
    return _parsed(DEFAULT_LANGUAGE)


def current_language() -> str:
    """The request's language code ("zh_Hans_CN", "en"), worked out once per request."""
    if not has_request_context():
        return str(get_locale())
    language = g.get("_language")
    if language is None:
        language = g._language = str(get_locale())
    return language


def request_translations():
    """The request's catalogue, found once per request: Flask-Babel looks it up again for every string, and a
    page's templates translate a hundred."""
    if not has_request_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found
