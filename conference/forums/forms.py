from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.events.models import ForumOrigin, Level
from conference.forums.services import FORUM_FIELDS
from conference.names import FORUM_ORIGIN_NAMES, LEVEL_NAMES
from conference.site.forms import Form


def _required():
    return DataRequired(message=_l("This field is required."))


class ForumForm(Form):
    name = StringField(_l("Name"), validators=[_required(), Length(max=200)])
    level = SelectField(
        _l("Level"),
        choices=[SelectChoice(level.value, LEVEL_NAMES[level]) for level in Level],
        validators=[_required()],
    )
    parties = TextAreaField(_l("Parties"), description=_l("Who takes part."), validators=[Optional(), Length(max=5000)])
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), Length(max=5000)])
    invited_by = StringField(_l("Who invites"), validators=[Optional(), Length(max=300)])
    frequency = StringField(
        _l("Frequency"), description=_l("Like: every year, twice a year."), validators=[Optional(), Length(max=100)]
    )
    origin = SelectField(
        _l("Existing or new"),
        choices=[SelectChoice(origin.value, FORUM_ORIGIN_NAMES[origin]) for origin in ForumOrigin],
        validators=[_required()],
    )

    def fields_for_save(self):
        fields = {name: (self[name].data or "").strip() for name in FORUM_FIELDS}
        fields["level"] = Level(fields["level"])
        fields["origin"] = ForumOrigin(fields["origin"])
        return fields

    def fill_from(self, forum):
        for name in FORUM_FIELDS:
            self[name].data = getattr(forum, name)
        self.level.data = forum.level.value
        self.origin.data = forum.origin.value
