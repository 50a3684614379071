from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from conference.site.forms import Form


class TokenForm(Form):
    name = StringField(
        _l("Name of the new token"),
        description=_l("What will use it, like “Our CRM”."),
        validators=[DataRequired(message=_l("This field is required.")), Length(max=100)],
    )
