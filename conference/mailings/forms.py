from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from conference.events.calendar import utc_from_local
from conference.extensions import db
from conference.mailings.audience import AUDIENCE_FIELDS
from conference.mailings.models import MailingKind
from conference.names import REGISTRATION_STATUS_NAMES
from conference.programme.models import Session, Slot, Track
from conference.reference.models import Municipality, Sector
from conference.site.forms import Form

MAILING_KIND_NAMES = {
    MailingKind.FOLLOW_UP: _l("Follow-up: only to those who agreed to get follow-up mailings"),
    MailingKind.PRACTICAL: _l("Practical information about the event: to everyone registered"),
}
BODY_LIMIT = 50000


def _required():
    return DataRequired(message=_l("This field is required."))


class MailingForm(Form):
    kind = RadioField(
        _l("Kind of mailing"),
        choices=[SelectChoice(kind.value, name) for kind, name in MAILING_KIND_NAMES.items()],
        default=MailingKind.FOLLOW_UP.value,
    )
    subject_sv = StringField(_l("Subject in Swedish"), validators=[_required(), Length(max=300)])
    body_sv = TextAreaField(
        _l("Text in Swedish"),
        description=_l("Markdown: *italics*, **bold**, [a link](https://…), lists with -. Placeholders as below."),
        validators=[_required(), Length(max=BODY_LIMIT)],
    )
    subject_en = StringField(
        _l("Subject in English"),
        description=_l("Leave the English version empty to send the Swedish one to everyone."),
        validators=[Optional(), Length(max=300)],
    )
    body_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=BODY_LIMIT)])
    status = SelectField(_l("Registration status"))
    sector = SelectField(_l("Sector"))
    municipality = SelectField(_l("Municipality"))
    track = SelectField(_l("Knowledge area"))
    session = SelectField(_l("Session"))
    checked_in = SelectField(_l("Checked in"))

    def set_choices(self, event_id):
        """The audience choices of this event; a value not offered is refused by validation."""
        every = [SelectChoice("", _("All"))]
        self.status.choices = [SelectChoice("", _("Confirmed and waiting list"))] + [
            SelectChoice(status.value, name) for status, name in REGISTRATION_STATUS_NAMES.items()
        ]
        self.sector.choices = every + [
            SelectChoice(str(sector.id), sector.name)
            for sector in db.session.scalars(db.select(Sector).order_by(Sector.sort_order))
        ]
        self.municipality.choices = (
            every
            + [
                SelectChoice(str(municipality.id), municipality.name)
                for municipality in db.session.scalars(db.select(Municipality).order_by(Municipality.name))
            ]
            + [SelectChoice("other", _("Other, or outside Stockholm County"))]
        )
        self.track.choices = every + [
            SelectChoice(str(track.id), track.name)
            for track in db.session.scalars(
                db.select(Track).where(Track.event_id == event_id).order_by(Track.sort_order)
            )
        ]
        self.session.choices = every + [
            SelectChoice(str(session.id), session.title)
            for session in db.session.scalars(
                db.select(Session).join(Slot).where(Session.event_id == event_id).order_by(Slot.starts_at, Session.id)
            )
        ]
        self.checked_in.choices = [
            SelectChoice("", _("All")),
            SelectChoice("yes", _("Yes")),
            SelectChoice("no", _("No")),
        ]
        return self

    def fill_from(self, mailing):
        for name in ("subject_sv", "body_sv", "subject_en", "body_en"):
            getattr(self, name).data = getattr(mailing, name)
        self.kind.data = mailing.kind.value
        for name in AUDIENCE_FIELDS:
            getattr(self, name).data = str(mailing.audience.get(name, ""))

    def fields_for_save(self):
        return {
            "kind": MailingKind(self.kind.data),
            "subject_sv": self.subject_sv.data,
            "body_sv": self.body_sv.data,
            "subject_en": self.subject_en.data or "",
            "body_en": self.body_en.data or "",
            "audience": {name: getattr(self, name).data for name in AUDIENCE_FIELDS if getattr(self, name).data},
        }


class SendForm(Form):
    send_at = DateTimeLocalField(
        _l("Send at (Stockholm time)"),
        format="%Y-%m-%dT%H:%M",
        description=_l("Leave empty and choose “Send now”, or give a time and choose “Send at this time”."),
        validators=[Optional()],
    )

    def validate_send_at(self, field):
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Give a date between the years 2000 and 2100."))

    def send_at_utc(self):
        return utc_from_local(self.send_at.data) if self.send_at.data else None
