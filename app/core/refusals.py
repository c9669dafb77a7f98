"""How services say no. InvalidInput: the input is refused, with a message per form field; routes put the
messages on the form. PolicyError: the actor may not do this at all; the app answers 403."""

from __future__ import annotations

from typing import Any

from flask import flash

from app.core.extensions import db


class InvalidInput(ValueError):
    """Input refused before anything changed; `errors` maps a form field name to its message."""

    def __init__(self, errors: dict[str, Any]) -> None:
        # str() is only the field names: a message may quote what the user typed.
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


class PolicyError(Exception):
    """The actor may not do this (the loaders check first; this is the service's own guard)."""


def put_on_form(exc: InvalidInput, form=None) -> None:
    """Undo the attempt and show each message next to its field (or as a flash if the form has none)."""
    db.session.rollback()
    for name, message in exc.errors.items():
        if form is not None and name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            flash(str(message), "danger")
