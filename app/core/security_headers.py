"""Security headers and CSP on every response (security.md E4, E5)."""

from __future__ import annotations

from flask import Flask, g, request


def init_app(app: Flask) -> None:
    hsts = f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains"

    @app.after_request
    def set_headers(response):
        headers = response.headers
        nonce = g.get("csp_nonce", "")
        headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            f"style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; "
            "font-src 'self'; "
            "connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
        headers["Strict-Transport-Security"] = hsts
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        # Any dynamic answer may hold customer data: never let a browser or proxy keep it. (Deciding by
        # "signed in?" here would load the session for every static file and health check.)
        if request.endpoint != "static":
            # A route may say more (the calendar feed: "private, no-store"), never less.
            if "no-store" not in headers.get("Cache-Control", ""):
                headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
