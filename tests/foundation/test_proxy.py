"""Behind a trusted reverse proxy, the app sees the client's address (audit log, per-IP limits)."""

from __future__ import annotations

from flask import request

from app.auth.decorators import public


def _echo_ip(app):
    @app.route("/_test/ip")
    @public
    def echo_ip():
        return request.remote_addr or ""


def test_forwarded_address_is_used_only_when_a_proxy_is_trusted(build_app):
    headers = {"X-Forwarded-For": "203.0.113.7"}
    proxied = build_app(TRUSTED_PROXIES=1, routes=_echo_ip).test_client()
    assert proxied.get("/_test/ip", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).text == "203.0.113.7"
    direct = build_app(TRUSTED_PROXIES=0, routes=_echo_ip).test_client()
    assert direct.get("/_test/ip", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).text == "10.0.0.2"
