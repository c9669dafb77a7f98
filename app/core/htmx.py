"""The one place that decides full page or fragment, and small htmx response helpers."""

from __future__ import annotations

from flask import Response, get_flashed_messages, make_response, redirect, render_template, request


def made_by_htmx() -> bool:
    """True for any request htmx sent (a fragment, a boosted link, a history restore): such a caller must be
    answered with HX-Redirect, never a 302 it would follow and swap into the page."""
    return request.headers.get("HX-Request") == "true"


def is_htmx_request() -> bool:
    """True when htmx asked for a fragment (not a boosted link or a history restore)."""
    return (
        made_by_htmx()
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, partial: str | None = None, *, status: int = 200, **context) -> Response:
    """Render `partial` (plus out-of-band flashes) for htmx, else the full `page`."""
    if partial is not None and is_htmx_request():
        body = render_template(partial, **context)
        if has_pending_flashes():
            body += render_template("_partials/flash.html", oob=True)
        response = make_response(body, status)
    else:
        response = make_response(render_template(page, **context), status)
    response.vary.add("HX-Request")
    return response


def has_pending_flashes() -> bool:
    # peek without consuming: get_flashed_messages caches on the request, so the template sees them too
    return bool(get_flashed_messages())


def hx_redirect(url: str, *, status: int = 200) -> Response:
    """Tell htmx to do a full navigation to `url`."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    response.vary.add("HX-Request")
    return response


def redirect_or_hx(url: str) -> Response:
    """Post/Redirect/Get for plain forms, HX-Redirect for htmx."""
    if made_by_htmx():
        return hx_redirect(url)
    return redirect(url, 303)
