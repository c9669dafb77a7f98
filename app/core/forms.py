"""The base of every form: Flask-WTF, with WTForms' own messages in the user's language."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from app.core import worker_copies
from app.core.i18n import current_language


@lru_cache(maxsize=8)
def wtforms_messages(language: str) -> support.Translations:
    """WTForms' catalogue for a language, read from disk once (Flask-WTF would read it for every form)."""
    return support.Translations.load(messages_path(), [language], domain="wtforms")


worker_copies.keep("wtforms messages", wtforms_messages.cache_clear)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_messages(current_language())
