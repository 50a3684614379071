from functools import cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


class Form(FlaskForm):
    """Every form of Ting: WTForms' own messages in the visitor's language, loaded once per
    language rather than on every request as Flask-WTF does."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "csrf_token" in self:
            # Hidden and never labelled: without an id, several forms on a page (a button
            # each) do not repeat id="csrf_token", which WCAG 2.1 (4.1.1) forbids.
            self.csrf_token.render_kw = {"id": False}


@cache
def _wtforms_translations(locale):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class ConfirmForm(Form):
    """A button that confirms an action; it carries only the CSRF token."""


def show_error(form, error):
    """Put a DomainError beside the field it names, or above the form."""
    if error.field and error.field in form:
        form[error.field].errors.append(error.message)
    else:
        form.form_errors.append(error.message)
