"""The base of every form: Flask-WTF, with WTForms' own messages in the user's language.

Flask-WTF reads WTForms' message catalogue from disk on every request that builds a form (about half a
millisecond); the catalogues do not change while the app runs, so each language's is loaded once.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def wtforms_messages(language: str) -> support.Translations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return wtforms_messages(str(get_locale()))
