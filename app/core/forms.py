"""The base of every form: Flask-WTF, with WTForms' own messages in the user's language, and the
CSRF token every page and form carries.

Flask-WTF reads WTForms' message catalogue from disk on every request that builds a form (about half a
millisecond); the catalogues do not change while the app runs, so each language's is loaded once.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from wtforms.i18n import messages_path

from app.core.i18n import current_language

# Signed CSRF tokens per (secret, session token): signing costs about 0.1 ms (JSON, zlib, HMAC) and every
# page needs one. With WTF_CSRF_TIME_LIMIT = None the signature carries no deadline that is checked, so
# the token signed for a session's first page is as good as a fresh one for all its later pages.
_signed_tokens: dict[tuple[str, str], str] = {}
_SIGNED_TOKENS_MAX = 20_000


def csrf_tokens_expire() -> bool:
    """True when CSRF signatures carry a checked deadline: then every page needs a freshly signed token,
    and nothing that holds one (the signed token, the rendered navigation bar) can be reused."""
    return current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None


def csrf_token() -> str:
    """Flask-WTF's `generate_csrf`, signing each session's token once per worker."""
    token = g.get("csrf_token")
    if token is not None:
        return token
    if csrf_tokens_expire():
        return generate_csrf()
    raw = session.get("csrf_token")
    key = (current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    token = _signed_tokens.get(key) if raw else None
    if token is None:
        token = generate_csrf()  # creates the session's token when there is none yet
        if len(_signed_tokens) >= _SIGNED_TOKENS_MAX:
            _signed_tokens.clear()
        _signed_tokens[(key[0], session["csrf_token"])] = token
    else:
        g.csrf_token = token  # where Flask-WTF's own generate_csrf looks first
    return token


@lru_cache(maxsize=8)
def wtforms_messages(language: str) -> support.Translations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class _CSRF(_FlaskFormCSRF):
    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()


class Form(FlaskForm):
    class Meta:
        csrf_class = _CSRF

        def get_translations(self, form):
            return wtforms_messages(current_language())


_blank_forms: dict[tuple[type, str], Form] = {}


def blank_form(form_class: type[Form]) -> Form:
    """An empty form of this class (defaults, no errors), for templates that only print it: built once
    per language, since building one costs 40-70 µs and a customer page prints two. Every request and thread
    shares it: never change it (build a form of your own to set data). The templates draw the CSRF field."""
    key = (form_class, current_language())
    form = _blank_forms.get(key)
    if form is None:
        form = _blank_forms[key] = form_class(formdata=None, meta={"csrf": False})
    return form
