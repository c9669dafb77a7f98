"""Sign-in, sign-out, re-authentication, password change and language choice."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp
from app.auth.decorators import any_signed_in, public
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, ReauthForm
from app.auth.guard import safe_next, safe_referrer
from app.auth.services import (
    authenticate,
    change_own_password,
    end_session,
    mark_reauthenticated,
    start_session,
    verify_again,
)
from app.core import audit
from app.core.extensions import db, limiter
from app.core.refusals import InvalidInput, put_on_form
from app.home import home_url_for


def _login_ip_limit() -> str:
    return current_app.config["LOGIN_IP_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_ip_limit, methods=["POST"])
@public
def login():
    """Show the sign-in form and sign a user in."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data, ip=request.remote_addr)
        if result.user is not None:
            return _signed_in(result.user, safe_next(request.args.get("next")))
        db.session.commit()  # keep the failure count even though sign-in failed
        error = result.refusal
    return render_template("auth/login.html", form=form, error=error), 200


def _signed_in(user, target: str | None, status: int = 302):
    """Start the user's server-side session under a new cookie (no session fixation) and send them on."""
    session.clear()
    session["sid"] = start_session(user, ip=request.remote_addr, user_agent=request.user_agent.string)
    db.session.commit()
    if user.must_change_password:
        return redirect(url_for("auth.change_password"), status)
    return redirect(target or home_url_for(user), status)


@bp.route("/logout", methods=["POST"])
@any_signed_in
def logout():
    """End this session on the server and in the browser."""
    audit.record(current_user, "logout")
    end_session(session.get("sid"))
    db.session.commit()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@any_signed_in
def reauthenticate():
    """Ask for the password again before a sensitive action (reveal, export)."""
    form = ReauthForm()
    error = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if verify_again(user, form.password.data, ip=request.remote_addr, action="reauth"):
            mark_reauthenticated(g.user_session)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or home_url_for(user))
        db.session.commit()  # keep the failure count
        error = _("Wrong password, or too many attempts: try again in 15 minutes.")
    return render_template("auth/reauthenticate.html", form=form, error=error)


@bp.route("/account/password", methods=["GET", "POST"])
@any_signed_in
def change_password():
    """Change one's own password; every other session of the user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_own_password(user, form.current_password.data, form.new_password.data, ip=request.remote_addr)
        except InvalidInput as exc:
            db.session.commit()  # keep the failure count
            put_on_form(exc, form)
        else:
            response = _signed_in(user, None, 303)  # a new session: the message goes into it
            flash(_("Your password has been changed. Other sessions have been signed out."), "success")
            return response
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/language", methods=["POST"])
@any_signed_in
def set_language():
    """Save the user's interface language."""
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        db.session.commit()
    return redirect(safe_referrer() or home_url_for(current_user), 303)


@bp.route("/language/<code>")
@public
def choose_language(code: str):
    """Pick the language of the sign-in page (before anyone is signed in)."""
    response = redirect(url_for("auth.login"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response

