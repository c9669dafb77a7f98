"""Yinjian (引见): a CRM for bank branches and small-loan sales teams."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.config import Config
from app.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.core.i18n import select_locale


def create_app(config: type[Config] | object = Config) -> Flask:
    """Build the Yinjian app from a config class."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config)
    finalize = getattr(config, "finalize", Config.finalize)
    finalize(app)

    trusted_proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies, x_host=trusted_proxies)

    languages = tuple(app.config["LANGUAGES"])

    # before_request hooks run in registration order. These two come first so that a CSRF or
    # rate-limit refusal still has a nonce and the user's language, and so that an anonymous
    # request is sent to the login page before its CSRF token is even looked at (security.md A1).
    @app.before_request
    def _per_request_values() -> None:
        g._languages = languages
        g.csp_nonce = secrets.token_urlsafe(16)

    from app.auth import guard
    from app.core.extensions import end_autocommit_read, read_without_transaction

    app.before_request(read_without_transaction)
    app.teardown_request(end_autocommit_read)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")))
    login_manager.init_app(app)
    guard.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["DISPLAY_TIMEZONE"])
    limiter.init_app(app)

    from app.core import errors, security_headers, templating

    errors.init_app(app)
    security_headers.init_app(app)
    templating.init_app(app)

    from app.admin import bp as admin_bp
    from app.appointments import bp as appointments_bp
    from app.auditlog import bp as auditlog_bp
    from app.auth import bp as auth_bp
    from app.customers import bp as customers_bp
    from app.followups import bp as followups_bp
    from app.home import bp as home_bp
    from app.introducers import bp as introducers_bp
    from app.introducers import routes as _introducer_routes  # noqa: F401  (attaches the views to bp)
    from app.lobby import bp as lobby_bp
    from app.referrals import bp as referrals_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(customers_bp, url_prefix="/customers")
    app.register_blueprint(auditlog_bp, url_prefix="/audit")
    app.register_blueprint(introducers_bp)  # absolute rules: /partners/..., /customers/<id>/..., /referrals/introducers
    app.register_blueprint(appointments_bp, url_prefix="/appointments")
    app.register_blueprint(referrals_bp, url_prefix="/referrals")
    app.register_blueprint(followups_bp, url_prefix="/follow-ups")
    app.register_blueprint(lobby_bp, url_prefix="/lobby")
    if app.config.get("BENCH_REFERENCE_ROUTE"):
        from app.benchref import bp as benchref_bp

        app.register_blueprint(benchref_bp, url_prefix="/bench")

    from app.core.extensions import check_commits, start_counting_commits

    app.before_request(start_counting_commits)  # after the guard: see the transaction rule in extensions
    app.after_request(check_commits)

    from app.core import cli

    cli.init_app(app)
    from app.followups import cli as followup_cli

    followup_cli.init_app(app)
    _configure_logging(app)
    return app


def _configure_logging(app: Flask) -> None:
    from app.core.privacy import PfiLogFilter

    pfi_filter = PfiLogFilter()
    for handler in logging.getLogger().handlers + app.logger.handlers:
        handler.addFilter(pfi_filter)
    app.logger.addFilter(pfi_filter)
    # The development server's access log prints query strings verbatim (werkzeug adds its handler lazily).
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, PfiLogFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(pfi_filter)
    app.logger.setLevel(app.config["LOG_LEVEL"])
