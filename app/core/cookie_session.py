"""Flask's signed-cookie session, verified once per distinct cookie per worker.

The cookie holds only the server-side session's id and the CSRF token's secret half, and it is re-sent
unchanged on every request of a browser session. Flask checks its signature on every request: a new
serializer, a derived key, two HMACs, base64 and JSON, about 80 µs of each page. The same bytes under
the same key verify the same way every time, so each worker remembers what a cookie held and when it
was signed; the age limit is still checked on every request, exactly as itsdangerous checks it.
Only sessions holding nothing but strings are remembered (a request gets its own copy of the dict).
"""

from __future__ import annotations

import itsdangerous.timed
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

_MAX_REMEMBERED = 10_000


class VerifiedCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._verified: dict[tuple, tuple[dict, int]] = {}

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), value)
        remembered = self._verified.get(key)
        if remembered is None:
            serializer = self.get_signing_serializer(app)
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            remembered = (data, int(signed_at.timestamp()))
            if all(isinstance(v, str) for v in data.values()):  # nothing a request could change in place
                if len(self._verified) >= _MAX_REMEMBERED:
                    self._verified.clear()
                self._verified[key] = remembered
            return self.session_class(data)
        data, signed_at = remembered
        age = int(itsdangerous.timed.time.time()) - signed_at  # itsdangerous' own clock (tests move it)
        if age < 0 or age > max_age:
            return self.session_class()
        return self.session_class(data)
