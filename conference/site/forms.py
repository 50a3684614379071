from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that confirms an action; it carries only the CSRF token."""
