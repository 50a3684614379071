from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from conference.events.calendar import local_wall_time, utc_from_local
from conference.events.models import Forum
from conference.extensions import db
from conference.names import SESSION_FORMAT_NAMES
from conference.programme.importer import LIMITS, parse_people
from conference.programme.models import SESSION_FIELDS
from conference.site.forms import Form

TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _required():
    return DataRequired(message=_l("This field is required."))


def _when(label, required=True, description=None):
    # InputRequired, not DataRequired: a time that does not parse has no data, and
    # DataRequired would replace the format error with "required".
    return DateTimeLocalField(
        label,
        format="%Y-%m-%dT%H:%M",
        description=description,
        validators=[
            InputRequired(message=_l("This field is required.")) if required else Optional(),
            _within_this_century,
        ],
    )


def _within_this_century(form, field):
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Give a date between the years 2000 and 2100."))


class EventForm(Form):
    title = StringField(_l("Title"), validators=[_required(), Length(max=200)])
    forum_id = SelectField(
        _l("Forum series"),
        description=_l("The series this event is an edition of."),
        coerce=lambda value: int(value) if value else None,
    )
    slug = StringField(
        _l("Web address"),
        description=_l("The last part of the event's address, like stockholmstinget-2027."),
        validators=[_required(), Length(max=80)],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_email = EmailField(_l("Contact address"), validators=[Optional(), Length(max=254)])
    starts_at = _when(_l("Starts (Stockholm time)"))
    ends_at = _when(_l("Ends (Stockholm time)"))
    capacity = IntegerField(
        _l("Places"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("A number from 0 to 100 000."))],
    )
    waitlist_enabled = BooleanField(_l("Waiting list when full"), default=True)
    invitation_only = BooleanField(
        _l("By invitation only"),
        description=_l("Only invited addresses can register; others are told so on the form."),
    )
    registration_opens_at = _when(_l("Registration opens"), required=False, description=_l("Empty: at once."))
    registration_closes_at = _when(
        _l("Registration closes"), required=False, description=_l("Empty: when the event starts.")
    )
    privacy_notice = TextAreaField(
        _l("Privacy notice"),
        description=_l("Shown on the registration form: who holds the data, why, and for how long."),
        validators=[Optional(), Length(max=10000)],
    )
    public_list_enabled = BooleanField(
        _l("Public participant list"),
        description=_l("Shows those who consented to it: name, organisation and sector."),
    )
    retention_until = DateField(
        _l("Keep personal data until"),
        description=_l("Empty: twelve months after the event. After this day the registrations are anonymised."),
        validators=[Optional(), _within_this_century],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forum_id.choices = [SelectChoice("", _l("No series"))] + [
            SelectChoice(forum.id, forum.name) for forum in db.session.scalars(db.select(Forum).order_by(Forum.name))
        ]

    def fields_for_save(self):
        fields = {name: self[name].data for name in self._fields if name != "csrf_token"}
        for name in TIMES:
            fields[name] = utc_from_local(fields[name]) if fields[name] else None
        for name in ("title", "slug", "venue", "address", "contact_email"):
            fields[name] = (fields[name] or "").strip()
        for name in ("description", "privacy_notice"):
            fields[name] = _paragraphs(fields[name])
        return fields

    def fill_from(self, event):
        for name in self._fields:
            if name == "csrf_token":
                continue
            value = getattr(event, name)
            self[name].data = local_wall_time(value) if name in TIMES and value else value


class TrackForm(Form):
    name = StringField(_l("Name"), validators=[_required(), Length(max=100)])
    colour = StringField(
        _l("Colour"),
        default="#005595",
        description=_l("Like #8a1c5b. Choose a dark colour: it frames white text."),
        validators=[_required(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("A colour like #8a1c5b."))],
    )

    def values(self):
        """What add_track and change_track take."""
        return {"name": self.name.data.strip(), "colour": self.colour.data}

    def fill_from(self, track):
        self.name.data, self.colour.data = track.name, track.colour


class RoomForm(Form):
    name = StringField(_l("Name"), validators=[_required(), Length(max=100)])
    capacity = IntegerField(
        _l("Places"),
        description=_l("Sessions without places of their own have the room's. Empty: no limit."),
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("A number from 0 to 100 000."))],
    )
    accessibility_notes = StringField(_l("Accessibility"), validators=[Optional(), Length(max=500)])

    def values(self):
        """What add_room and change_room take."""
        return {
            "name": self.name.data.strip(),
            "capacity": self.capacity.data,
            "accessibility_notes": (self.accessibility_notes.data or "").strip(),
        }

    def fill_from(self, room):
        self.name.data, self.capacity.data = room.name, room.capacity
        self.accessibility_notes.data = room.accessibility_notes


class SlotForm(Form):
    label = StringField(_l("Name"), description=_l("Like Seminariepass 1."), validators=[_required(), Length(max=100)])
    starts_at = _when(_l("Starts (Stockholm time)"))
    ends_at = _when(_l("Ends (Stockholm time)"))

    def values(self):
        """What add_slot and change_slot take: the times in UTC."""
        return {
            "label": self.label.data.strip(),
            "starts_at": utc_from_local(self.starts_at.data),
            "ends_at": utc_from_local(self.ends_at.data),
        }

    def fill_from(self, slot):
        self.label.data = slot.label
        self.starts_at.data, self.ends_at.data = local_wall_time(slot.starts_at), local_wall_time(slot.ends_at)


class SessionForm(Form):
    title = StringField(_l("Title"), validators=[_required(), Length(max=LIMITS["title"])])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    format = SelectField(
        _l("Format"), choices=[SelectChoice(value.value, label) for value, label in SESSION_FORMAT_NAMES.items()]
    )
    slot_id = SelectField(_l("Slot"), coerce=int)
    room_id = SelectField(_l("Room"), coerce=lambda value: int(value) if value else None)
    track_ids = SelectMultipleField(
        _l("Knowledge areas"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    capacity = IntegerField(
        _l("Places"),
        description=_l("Leave empty to use the room's."),
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("A number from 0 to 100 000."))],
    )
    language = SelectField(_l("Language"), choices=[SelectChoice("sv", "Svenska"), SelectChoice("en", "English")])
    interpretation = BooleanField(_l("Interpretation"))
    sign_language = BooleanField(_l("Sign language interpretation"))
    hearing_loop = BooleanField(_l("Hearing loop"))
    speakers = TextAreaField(
        _l("Participants"),
        description=_l("One per line: Name (Organisation)."),
        validators=[Optional(), Length(max=5000)],
    )
    moderator = StringField(
        _l("Moderator"), description=_l("Name (Organisation)"), validators=[Optional(), Length(max=300)]
    )
    material_url = URLField(
        _l("Material (web address)"),
        validators=[Optional(), Length(max=LIMITS["url"]), URL(message=_l("A web address, like https://example.se/."))],
    )
    recording_url = URLField(
        _l("Recording (web address)"),
        validators=[Optional(), Length(max=LIMITS["url"]), URL(message=_l("A web address, like https://example.se/."))],
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_id.choices = [
            SelectChoice(slot.id, f"{slot.label} {local_wall_time(slot.starts_at):%H:%M}") for slot in event.slots
        ]
        self.room_id.choices = [SelectChoice("", _l("No room"))] + [
            SelectChoice(room.id, room.name) for room in event.rooms
        ]
        self.track_ids.choices = [SelectChoice(track.id, track.name) for track in event.tracks]

    def people(self):
        speakers = [person for line in (self.speakers.data or "").splitlines() for person in parse_people(line)]
        return speakers, parse_people(self.moderator.data or "")

    def validate_speakers(self, field):
        speakers, moderators = self.people()
        for name, organisation in speakers + moderators:
            if len(name) > LIMITS["name"] or len(organisation) > LIMITS["organisation"]:
                raise ValidationError(
                    _l("A name or an organisation is longer than %(max)d characters.", max=LIMITS["name"])
                )

    validate_moderator = validate_speakers

    def fields_for_save(self):
        fields = {name: self[name].data for name in (*SESSION_FIELDS, "slot_id", "room_id")}
        fields["title"] = fields["title"].strip()
        fields["description"] = _paragraphs(fields["description"])
        fields["material_url"] = fields["material_url"] or ""
        fields["recording_url"] = fields["recording_url"] or ""
        return fields

    def fill_from(self, session):
        for name in (*SESSION_FIELDS, "slot_id", "room_id"):
            self[name].data = getattr(session, name)
        self.format.data = session.format.value
        self.track_ids.data = [track.id for track in session.tracks]
        self.speakers.data = "\n".join(_person(s) for s in session.speakers if s.role == "speaker")
        self.moderator.data = "; ".join(_person(s) for s in session.speakers if s.role == "moderator")


def _paragraphs(text):
    """Browsers send a textarea's line breaks as CRLF; pages split paragraphs on blank lines."""
    return (text or "").replace("\r\n", "\n").strip()


def _person(speaker):
    return f"{speaker.name} ({speaker.organisation})" if speaker.organisation else speaker.name
