from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.invitations.services import MAX_LIST_BYTES
from conference.site.forms import Form


class InviteeListForm(Form):
    file = FileField(
        _l("Invitee list (CSV file)"),
        description=_l(
            "Columns: name, e-mail, organisation, sector, municipality, language (sv or en)."
            " A header row is optional; commas or semicolons."
        ),
    )
    invitees = TextAreaField(
        _l("Or paste the list"),
        description=_l("One invitee per line, like: Åsa Öberg, asa@example.se, Vuxenskolan, Folkbildning, Nacka, sv"),
        validators=[Optional(), Length(max=MAX_LIST_BYTES, message=_l("The list is too large: at most 1 MB."))],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Optional() ends the pasted field's checks when it is empty, so this one is form-wide.
        if valid and not (self.invitees.data or "").strip() and not self.file.data:
            self.invitees.errors.append(_l("Choose a CSV file or paste a list."))
            return False
        return valid

    def text(self):
        """The list as text, from the file if one was chosen, else as pasted."""
        if self.file.data:
            data = self.file.data.read(MAX_LIST_BYTES + 1)
            for encoding in ("utf-8-sig", "cp1252"):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    continue
        return self.invitees.data or ""


class EarlierAttendeesForm(Form):
    registration_ids = SelectMultipleField(
        _l("Earlier attendees"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )

    def __init__(self, *args, attendees, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration_ids.choices = [
            (registration.id, f"{registration.name} ({registration.organisation}, {registration.event.title})")
            for registration in attendees
        ]
