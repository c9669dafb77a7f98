"""Friendly error pages; htmx callers get a short fragment and a status their handler shows."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.core.extensions import db
from app.core.htmx import is_htmx_request, made_by_htmx
from app.core.refusals import PolicyError
from app.core.validation import DayOutOfRange

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered and try again.")),
    401: (_l("Please sign in"), _l("Your session has ended. Please sign in again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("The page or record does not exist, or you cannot see it.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("File too large"), _l("The upload is larger than allowed.")),
    429: (_l("Too many requests"), _l("Too many attempts in a short time. Please wait a moment and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened. It has been logged; please try again.")),
    503: (_l("Temporarily unavailable"), _l("The system is busy. Please try again in a few seconds.")),
}


# Words in driver messages that mean "busy or down, try again" rather than a bug in our SQL.
TRANSIENT_MARKERS = ("locked", "busy", "could not connect", "connection", "server closed", "terminating",
                     "timeout", "timed out", "shutting down", "the database system is")


def is_transient(error: OperationalError) -> bool:
    """A lock, timeout or lost connection (503), as opposed to a programming error (500)."""
    if error.connection_invalidated:
        return True
    message = str(error.orig).lower()
    return any(marker in message for marker in TRANSIENT_MARKERS)


def error_response(status: int, *, title=None, message=None):
    default_title, default_message = MESSAGES.get(status, MESSAGES[500])
    context = {"status": status, "title": title or default_title, "message": message or default_message}
    template = "errors/_error.html" if is_htmx_request() else "errors/error.html"
    try:
        return render_template(template, **context), status
    except Exception:  # the error page itself failed: still never show a traceback
        current_app.logger.exception("error page failed to render")
        return f"{status} {context['title']}", status, {"Content-Type": "text/plain; charset=utf-8"}


def init_app(app: Flask) -> None:
    @app.errorhandler(PolicyError)
    def policy_refused(_error: PolicyError):
        db.session.rollback()
        return error_response(403)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        current_app.logger.info("csrf refused: %s", error.description)
        response = error_response(
            400,
            title=_l("The form has expired"),
            message=_l("The page was open too long or your session changed. Reload the page and try again."),
        )
        if made_by_htmx():
            body, status = response
            # A stale token in a long-open page: reload it rather than fail silently (security.md D3).
            return body, status, {"HX-Refresh": "true"}
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = error_response(error.code)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(StaleDataError)
    def stale_record(error: StaleDataError):
        db.session.rollback()
        return error_response(409, title=_l("Changed by someone else"),
                              message=_l("Someone else saved this record a moment ago. Reload the page and try again."))

    @app.errorhandler(IntegrityError)
    def conflicting_record(error: IntegrityError):
        db.session.rollback()
        current_app.logger.info("integrity conflict on %s %s", request.method, request.path)
        return error_response(409, title=_l("Already exists"),
                              message=_l("This conflicts with a record saved at the same moment. Reload the page and check."))

    @app.errorhandler(OverflowError)
    def number_out_of_range(error: OverflowError):
        return error_response(404)  # an id no record can have

    @app.errorhandler(DayOutOfRange)
    def day_out_of_range(_error: DayOutOfRange):
        return error_response(400)  # a typed date no record can have (year 1, year 9999)

    @app.errorhandler(DataError)
    def bad_value(error: DataError):
        db.session.rollback()
        return error_response(400)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        if not is_transient(error):
            current_app.logger.exception("database error on %s %s", request.method, request.path)
            return error_response(500)
        current_app.logger.warning("database unavailable: %s", type(error.orig).__name__)
        return error_response(503)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
