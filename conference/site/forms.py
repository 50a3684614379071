from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that confirms an action; it carries only the CSRF token."""


def show_error(form, error):
    """Put a DomainError beside the field it names, or above the form."""
    if error.field and error.field in form:
        form[error.field].errors.append(error.message)
    else:
        form.form_errors.append(error.message)
