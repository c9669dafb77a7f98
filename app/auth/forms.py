"""Forms for signing in and the user's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.core.forms import Form


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter your username.")), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=128)])


class ReauthForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=128)])


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Enter your current password."))]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(message=_l("Enter a new password.")), Length(max=128)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(message=_l("Repeat the new password.")),
                    EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class LanguageForm(Form):
    # A callable: WTForms 3.3 deprecates literal tuple choices at class definition (a warning, an error in tests).
    language = SelectField(_l("Language"), choices=lambda: [("zh_Hans_CN", "简体中文"), ("en", "English")])
