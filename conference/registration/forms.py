from dataclasses import dataclass
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from conference.cache import cached
from conference.database import end_read_transaction
from conference.programme.choices import choice_slots
from conference.reference.choices import municipality_choices, sector_choices
from conference.registration.services import RegistrationError, normalise_email
from conference.site.forms import Form

OTHER_MUNICIPALITY = "other"


def _required():
    return DataRequired(message=_l("This field is required."))


def _at_most(limit):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


class SlotChoiceField(RadioField):
    """One session, or none, in a slot with parallel sessions."""

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            raise ValueError(_l("You can choose only one session in each slot."))
        super().process_formdata(valuelist)


@dataclass(frozen=True)
class ChoiceSession:
    id: int
    title: str


@dataclass(frozen=True)
class ChoiceSlot:
    """What a form needs of a slot to take a choice in it: plain values that outlive the
    request, unlike a loaded Slot."""

    id: int
    label: str
    sessions: tuple[ChoiceSession, ...]


def registration_form(event_id, programme_version):
    """The registration form class of the event's programme as it is: built once per version
    of the programme in each process, so taking in a registration loads no slots."""

    def build():
        end_read_transaction()  # the slots as new as the programme_version the class is kept under
        slots = [
            ChoiceSlot(
                slot.id, slot.label, tuple(ChoiceSession(session.id, session.title) for session in slot.sessions)
            )
            for slot in choice_slots(event_id)
        ]
        return with_session_choices(RegistrationForm, slots)

    return cached(("registration-form-class", event_id, programme_version), build)


def with_session_choices(form_class, slots):
    """`form_class` with one choice field per slot that has parallel sessions. The slots may
    be loaded ones or ChoiceSlots; a form shown again gets the loaded ones as `form.slots`."""
    fields = {
        f"slot_{slot.id}": SlotChoiceField(
            slot.label,
            choices=[SelectChoice("", _l("No session in this slot"))]
            + [SelectChoice(str(session.id), session.title) for session in slot.sessions],
            default="",
            validate_choice=True,
        )
        for slot in slots
    }
    return type(form_class.__name__, (form_class,), {"slots": slots, **fields})


@lru_cache(maxsize=8)
def _reference_choices(locale, sectors, municipalities):
    """The sector and municipality choices, made once for each language and each change of
    the lists, rather than for every registration form."""
    return (
        (
            SelectChoice("", _("Choose a sector")),
            *(SelectChoice(str(sector_id), name) for sector_id, name in sectors),
        ),
        (
            SelectChoice("", _("Choose a municipality")),
            *(SelectChoice(str(municipality_id), name) for municipality_id, name in municipalities),
            SelectChoice(OTHER_MUNICIPALITY, _("Other, or outside Stockholm County")),
        ),
    )


class RegistrationDetailsForm(Form):
    """What an attendee can change later through the manage link."""

    first_name = StringField(_l("First name"), validators=[_required(), _at_most(100)])
    last_name = StringField(_l("Last name"), validators=[_required(), _at_most(100)])
    email = EmailField(_l("E-mail address"), validators=[_required(), _at_most(254)])
    phone = StringField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            _at_most(40),
            Regexp(r"^\+?[0-9 ()-]{5,40}$", message=_l("Enter a phone number with digits, like 070-123 45 67.")),
        ],
    )
    organisation = StringField(_l("Organisation"), validators=[_required(), _at_most(200)])
    role_title = StringField(_l("Role or title (optional)"), validators=[Optional(), _at_most(200)])
    sector = SelectField(_l("Sector"), validators=[_required()])
    municipality = SelectField(_l("Municipality"), validators=[_required()])
    dietary_needs = TextAreaField(_l("Dietary needs (optional)"), validators=[Optional(), _at_most(1000)])
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"),
        description=_l("For example a hearing loop, sign language interpretation or step-free access."),
        validators=[Optional(), _at_most(1000)],
    )
    language = RadioField(
        _l("Language for e-mails"),
        choices=[SelectChoice("sv", "Svenska"), SelectChoice("en", "English")],
        default="sv",
        validators=[_required()],
    )
    consent_sector_list = BooleanField(
        _l(
            "I agree that my name, organisation, role, municipality and e-mail address are shared"
            " with the representatives of my sector in the participant list."
        )
    )
    consent_public_list = BooleanField(
        _l("I agree that my name, organisation and sector are shown in a public list of participants.")
    )
    consent_mailings = BooleanField(
        _l("I want to receive follow-up mailings from the organisers after the event (documentation, surveys).")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices, self.municipality.choices = _reference_choices(
            str(get_locale()), sector_choices(), municipality_choices()
        )

    def validate_email(self, field):
        try:
            normalise_email(field.data)
        except RegistrationError as error:
            raise ValidationError(error.message) from error

    def details(self):
        municipality = self.municipality.data
        return {
            "first_name": self.first_name.data.strip(),
            "email": self.email.data,
            "last_name": self.last_name.data.strip(),
            "phone": (self.phone.data or "").strip(),
            "organisation": self.organisation.data.strip(),
            "role_title": (self.role_title.data or "").strip(),
            "sector_id": int(self.sector.data),
            "municipality_id": None if municipality == OTHER_MUNICIPALITY else int(municipality),
            "dietary_needs": (self.dietary_needs.data or "").strip(),
            "accessibility_needs": (self.accessibility_needs.data or "").strip(),
            "language": self.language.data,
        }

    def slot_fields(self):
        return [(slot, self[f"slot_{slot.id}"]) for slot in getattr(self, "slots", [])]

    def session_ids(self):
        return [int(field.data) for _, field in self.slot_fields() if field.data]

    def consents(self):
        return {
            name: getattr(self, name).data
            for name in ("consent_sector_list", "consent_public_list", "consent_mailings")
        }

    def fill_from(self, registration):
        for name in ("first_name", "last_name", "email", "phone", "organisation", "role_title"):
            getattr(self, name).data = getattr(registration, name)
        self.dietary_needs.data = registration.dietary_needs
        self.accessibility_needs.data = registration.accessibility_needs
        self.sector.data = str(registration.sector_id)
        self.municipality.data = str(registration.municipality_id or OTHER_MUNICIPALITY)
        self.language.data = registration.language
        self.consent_sector_list.data = registration.consent_sector_list_at is not None
        self.consent_public_list.data = registration.consent_public_list_at is not None
        self.consent_mailings.data = registration.consent_mailings_at is not None
        chosen = {choice.slot_id: str(choice.session_id) for choice in registration.choices}
        for slot, field in self.slot_fields():
            field.data = chosen.get(slot.id, "")


class RegistrationForm(RegistrationDetailsForm):
    # A fresh key per rendered form: a second POST of the same form is a double submit.
    submission_key = HiddenField()
    # The personal invitation link the form was opened from, if any.
    invitation = HiddenField()

    def validate_submission_key(self, field):
        if field.data and len(field.data) > 64:
            raise ValidationError(_l("The form was changed. Reload the page and try again."))

    validate_invitation = validate_submission_key

    def fill_from_invitation(self, invitation):
        first, _, last = invitation.name.partition(" ")
        self.first_name.data, self.last_name.data = first, last
        self.email.data = invitation.email
        self.organisation.data = invitation.organisation
        self.sector.data = str(invitation.sector_id or "")
        self.municipality.data = str(invitation.municipality_id or "")
        self.language.data = invitation.language
        self.invitation.data = invitation.token
