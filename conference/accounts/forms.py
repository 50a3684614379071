from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from conference.accounts.models import Role
from conference.extensions import db
from conference.reference.models import Sector
from conference.site.forms import Form

ROLE_NAMES = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANISER: _l("Organiser"),
    Role.SECTOR_REPRESENTATIVE: _l("Sector representative"),
}


def _required():
    return DataRequired(message=_l("This field is required."))


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[_required(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[_required(), Length(max=200)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail address"), validators=[_required(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 12 characters. A few unrelated words make a good password."),
        validators=[_required()],
    )
    confirm = PasswordField(_l("The same password again"), validators=[_required()])

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[_required()])


class UserForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_NAMES.items()])
    sectors = SelectMultipleField(
        _l("Sectors (for sector representatives)"),
        description=_l("Hold Ctrl (or Cmd) to choose several."),
        coerce=int,
    )
    active = BooleanField(_l("Account active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sectors = db.session.scalars(db.select(Sector).order_by(Sector.sort_order))
        self.sectors.choices = [SelectChoice(sector.id, sector.name) for sector in sectors]


class InviteForm(UserForm):
    email = EmailField(_l("E-mail address"), validators=[_required(), Length(max=254)])
